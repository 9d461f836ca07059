//! Fixtures of the seminar application tests (`seminars`, `seminar_corrections`): the day they
//! run on, the contact address, a valid application with its programme, and helpers to post it.

use sha2::{Digest, Sha256};

/// After applications opened in the portal (2025-07-01); the next JMA intake is 9/1
/// (2025年度 第3回, committee 9/30).
pub const NOW: &str = "2025-07-10 10:00";
pub const CONTACT: &str = "kenshu@example.jp";

/// A valid outside application (東京都医師会 approves) whose programme covers its units.
pub fn application(title: &str, starts_on: &str) -> Vec<(&'static str, String)> {
    vec![
        ("programme", "occupational".into()),
        ("title", title.into()),
        ("starts_on", starts_on.into()),
        ("ends_on", "".into()),
        ("format", "in_person".into()),
        ("venue", "東京産業保健会館 大ホール".into()),
        ("organizer_name", "一般社団法人 東京産業保健協会".into()),
        ("contact_name", "鈴木 一郎".into()),
        ("contact_email", CONTACT.into()),
        ("contact_phone", "03-1234-5678".into()),
        ("contact_fax", "".into()),
        ("approving_prefecture", "13".into()),
        ("units_lifelong_renewal", "1".into()),
        ("units_lifelong_specialized", "2.5".into()),
        // The programme (issue 10): an hour a unit, per category.
        ("lecture_subject", "産業医の職務と倫理".into()),
        ("lecture_lecturer", "山田 太郎（○○大学 産業医学講座）".into()),
        ("lecture_minutes", "60".into()),
        ("lecture_category", "lifelong_renewal".into()),
        ("lecture_subject", "職場のメンタルヘルス対策".into()),
        ("lecture_lecturer", "鈴木 花子（△△病院）".into()),
        ("lecture_minutes", "150".into()),
        ("lecture_category", "lifelong_specialized".into()),
    ]
}

/// The form as `Browser::post` takes it.
pub fn fields<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The form with `key` set to `value` (added when absent).
pub fn with(
    mut v: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    match v.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => v.push((key, value.to_string())),
    }
    v
}

/// The form's idempotency key, as the page carries it.
pub fn hidden_key(body: &str) -> String {
    let marker = "name=\"idempotency_key\" value=\"";
    let start = body.find(marker).expect("an idempotency key in the form") + marker.len();
    body[start..].chars().take_while(|c| *c != '"').collect()
}

/// How tokens are stored: their SHA-256, in hex.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
