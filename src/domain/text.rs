//! Normalising what people type: full-width ASCII to half-width, stray spaces.

/// Full-width ASCII (Ａ–ｚ, ０–９, ！–～) to half-width and the ideographic space to a space.
pub fn to_halfwidth_ascii(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

/// A login ID as typed: half-width, without surrounding spaces.
pub fn normalize_login_id(input: &str) -> String {
    to_halfwidth_ascii(input).trim().to_string()
}

/// A path to go back to after login: only a path on this site, never another host.
pub fn safe_next_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n'])
        && next != "/login"
        && !next.starts_with("/login?")
        && !next.starts_with("/logout");
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_login_ids_become_ascii() {
        assert_eq!(normalize_login_id("　ｄｏｃｔｏｒ０１ "), "doctor01");
        assert_eq!(to_halfwidth_ascii("山田　太郎"), "山田 太郎");
    }

    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(safe_next_path("/mypage"), Some("/mypage"));
        assert_eq!(safe_next_path("/audit?action=auth"), Some("/audit?action=auth"));
        assert_eq!(safe_next_path("//evil.example/"), None);
        assert_eq!(safe_next_path("/\\evil.example"), None);
        assert_eq!(safe_next_path("https://evil.example/"), None);
        assert_eq!(safe_next_path("/login"), None);
    }
}
