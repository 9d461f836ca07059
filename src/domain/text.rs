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

/// A request path as it may be logged: a work page's token (the organizer's only credential)
/// is replaced by `…`.
pub fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/work/") {
        Some(rest) => {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            std::borrow::Cow::Owned(format!("/work/…{tail}"))
        }
        None => std::borrow::Cow::Borrowed(path),
    }
}

/// Bidirectional-text controls: they reorder what is shown (a URL rendered reversed), and no
/// name, address or message needs them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The text without bidi controls.
pub fn strip_bidi(input: &str) -> std::borrow::Cow<'_, str> {
    if input.chars().any(is_bidi_control) {
        std::borrow::Cow::Owned(input.chars().filter(|&c| !is_bidi_control(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(input)
    }
}

/// A control character no form field may carry (NUL and the like); tab and line breaks are
/// text.
pub fn has_forbidden_control(input: &str) -> bool {
    input.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Where to send someone back after login: a path on this site only. Anything a browser could
/// read as another host (`//host`, `/\\host`, `/\t/host`, which browsers strip to `//host`)
/// or that carries control characters is refused.
pub fn safe_next_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && !next.to_ascii_lowercase().contains("%2f%2f")
        && !next.to_ascii_lowercase().contains("%5c")
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
        for bad in [
            "/\t/127.0.0.1:9999/",
            "/\n/evil",
            "/ /evil",
            "/a//b",
            "/x\\y",
            "/%2F%2Fevil",
            "/%5Cevil",
        ] {
            assert_eq!(safe_next_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn attack_work_page_tokens_are_redacted_from_request_logs() {
        let token = "a".repeat(64);
        assert_eq!(redact_path(&format!("/work/{token}/report/files/3")), "/work/…/report/files/3");
        assert_eq!(redact_path(&format!("/work/{token}")), "/work/…");
        assert_eq!(redact_path("/office/seminars/3"), "/office/seminars/3");
    }

    #[test]
    fn bidi_controls_are_stripped_and_other_controls_found() {
        assert_eq!(strip_bidi("moc.elpmaxe\u{202E}//:sptth"), "moc.elpmaxe//:sptth");
        assert_eq!(strip_bidi("\u{2066}山田\u{2069} \u{200F}太郎"), "山田 太郎");
        assert!(matches!(strip_bidi("山田"), std::borrow::Cow::Borrowed(_)));
        assert!(has_forbidden_control("a\0b"));
        assert!(has_forbidden_control("a\u{7}b"));
        assert!(!has_forbidden_control("一行目\r\n二行目\t"));
    }
}
