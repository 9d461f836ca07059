//! Names the generated data set promises to the benchmarks and drills: login IDs and the
//! organizers' work-page tokens, all derived from the seed so a benchmark can find them
//! without reading the database. Every generated account's password is
//! `crate::demo::DEMO_PASSWORD`.

use sha2::{Digest, Sha256};

/// The seed used when none is given on the command line.
pub const DEFAULT_SEED: u64 = 20_250_329;

/// Login ID of the n-th generated physician (1-based): `p000001`.
pub fn physician_login_id(n: u32) -> String {
    format!("p{n:06}")
}

/// Login ID of the prefectural association's staff account for a JIS prefecture code (1–47):
/// `pref13` for 東京都医師会.
pub fn prefectural_staff_login_id(prefecture: u8) -> String {
    format!("pref{prefecture:02}")
}

/// Login ID of the staff account of a municipal association (郡市区医師会): the prefecture's
/// JIS code and the association's 1-based place in that prefecture's list of cities
/// (`national::names::PREFECTURES`): `muni1302` for 新宿区医師会, `muni0101` for 札幌市医師会.
pub fn municipal_staff_login_id(prefecture: u8, place: usize) -> String {
    format!("muni{prefecture:02}{place:02}")
}

/// Login IDs of the extra JMA staff accounts (besides the demo's `jma`): `jma01`–`jma03`.
pub fn jma_staff_login_id(k: u8) -> String {
    format!("jma{k:02}")
}

/// The extra system administrator (besides the demo's `admin`).
pub const ADMIN_LOGIN_ID: &str = "admin01";

/// Work-page token of the n-th generated seminar (1-based). Derived from the seed so the
/// load benchmark can open work pages; real tokens are random (see `db::tokens`). 64 hex
/// digits like a real token: the work page refuses any other shape before looking it up.
pub fn work_page_token(seed: u64, seminar_no: u32) -> String {
    let digest = Sha256::digest(format!("mamis-national/{seed}/work-page/{seminar_no}"));
    hex::encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fixed_width_and_tokens_depend_on_seed_and_seminar() {
        assert_eq!(physician_login_id(1), "p000001");
        assert_eq!(physician_login_id(100_000), "p100000");
        assert_eq!(prefectural_staff_login_id(13), "pref13");
        let a = work_page_token(DEFAULT_SEED, 1);
        assert_eq!(a.len(), 64);
        assert_eq!(a, work_page_token(DEFAULT_SEED, 1));
        assert_ne!(a, work_page_token(DEFAULT_SEED, 2));
        assert_ne!(a, work_page_token(DEFAULT_SEED + 1, 1));
    }
}
