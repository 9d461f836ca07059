//! One source of "now", always in JST. Pinned for demos (`MAMIS_NOW`) and movable in tests.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("JST offset is valid")
}

pub type Jst = DateTime<FixedOffset>;

/// Parses `2025-04-07T09:00:00`, `2025-04-07 09:00`, `2025-04-07` (JST) or RFC 3339.
pub fn parse_jst(text: &str) -> Option<Jst> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&jst()));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return jst().from_local_datetime(&naive).single();
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    jst().from_local_datetime(&date.and_hms_opt(0, 0, 0)?).single()
}

#[derive(Clone, Debug)]
pub struct Clock {
    pinned: Arc<RwLock<Option<Jst>>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { pinned: Arc::new(RwLock::new(None)) }
    }

    pub fn fixed(at: Jst) -> Self {
        Clock { pinned: Arc::new(RwLock::new(Some(at))) }
    }

    pub fn now(&self) -> Jst {
        match *self.pinned.read().unwrap_or_else(|e| e.into_inner()) {
            Some(at) => at,
            None => Utc::now().with_timezone(&jst()),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves a pinned clock (tests); a system clock becomes pinned at the new time.
    pub fn set(&self, at: Jst) {
        *self.pinned.write().unwrap_or_else(|e| e.into_inner()) = Some(at);
    }

    pub fn advance(&self, by: Duration) {
        let next = self.now() + by;
        self.set(next);
    }
}

/// 「2025年4月7日 0:00」
pub fn format_jp_datetime(at: Jst) -> String {
    let at = at.with_timezone(&jst());
    at.format("%Y年%-m月%-d日 %-H:%M").to_string()
}

/// 「2025年4月7日」
pub fn format_jp_date(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_local_jst_forms() {
        let a = parse_jst("2025-04-07T00:00:00").unwrap();
        let b = parse_jst("2025-04-07 00:00").unwrap();
        let c = parse_jst("2025-04-07").unwrap();
        let d = parse_jst("2025-04-06T15:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert_eq!(a.offset().local_minus_utc(), 9 * 3600);
        assert!(parse_jst("yesterday").is_none());
    }

    #[test]
    fn formats_in_japanese_without_padding() {
        let at = parse_jst("2025-04-07T00:00:00").unwrap();
        assert_eq!(format_jp_datetime(at), "2025年4月7日 0:00");
        let at = parse_jst("2025-01-20T09:30:00").unwrap();
        assert_eq!(format_jp_datetime(at), "2025年1月20日 9:30");
    }

    #[test]
    fn pinned_clock_moves_only_when_told() {
        let clock = Clock::fixed(parse_jst("2025-04-07T09:00").unwrap());
        assert_eq!(clock.now(), clock.now());
        clock.advance(Duration::minutes(31));
        assert_eq!(format_jp_datetime(clock.now()), "2025年4月7日 9:31");
    }
}
