//! An iCalendar (RFC 5545) feed of all-day events, written by hand: the feed needs only
//! VEVENTs with dates, and the two things that are easy to get wrong are done here once —
//! TEXT escaping (§3.3.11) and folding lines longer than 75 octets without splitting a UTF-8
//! character (§3.1). Lines end in CRLF.

use chrono::{DateTime, NaiveDate, Utc};

/// One all-day event (or several days: `last_day` inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Stable across fetches, so calendars update the event instead of adding another.
    pub uid: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
}

/// TEXT value escaping: backslash, semicolon, comma and newlines.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets: continuation lines start with one space, and a
/// character is never cut in the middle of its UTF-8 bytes.
pub fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / LIMIT * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > LIMIT {
            out.push_str("\r\n ");
            // The leading space counts towards the continuation line's octets.
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

fn ymd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// The whole calendar: `name` is the calendar's display name, `stamp` the DTSTAMP of every
/// event (when the feed was generated).
pub fn calendar(name: &str, events: &[Event], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |text: String| out.push_str(&fold(&text));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//MAMIS//Seminar and renewal calendar//JA".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    line("X-WR-TIMEZONE:Asia/Tokyo".into());
    let stamp = stamp.format("%Y%m%dT%H%M%SZ").to_string();
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", ymd(e.first_day)));
        // DTEND of an all-day event is the day after the last (exclusive).
        let end = e.last_day.max(e.first_day).succ_opt().unwrap_or(e.last_day);
        line(format!("DTEND;VALUE=DATE:{}", ymd(end)));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(d) = &e.description {
            line(format!("DESCRIPTION:{}", escape(d)));
        }
        if let Some(l) = &e.location {
            line(format!("LOCATION:{}", escape(l)));
        }
        if let Some(u) = &e.url {
            // URI values are not TEXT: no escaping, but no line breaks either.
            line(format!("URL:{}", u.replace(['\r', '\n'], "")));
        }
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn text_is_escaped() {
        for (raw, want) in [
            ("a,b;c\\d", "a\\,b\\;c\\\\d"),
            ("一行目\n二行目", "一行目\\n二行目"),
            ("CRLF\r\nend", "CRLF\\nend"),
            ("bell\u{7}", "bell"),
            ("普通の文", "普通の文"),
        ] {
            assert_eq!(escape(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let line = format!("SUMMARY:{}", "研修会".repeat(30));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        for part in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(part.len() <= 75, "{} octets: {part}", part.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }

    #[test]
    fn all_day_events_end_the_day_after() {
        let event = Event {
            uid: "x@mamis".into(),
            first_day: date(2025, 6, 14),
            last_day: date(2025, 6, 15),
            summary: "研修会, 東京".into(),
            description: None,
            location: Some("医師会館".into()),
            url: None,
        };
        let text = calendar("MAMIS", &[event], "2025-06-01T00:00:00Z".parse().unwrap());
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20250614\r\n"));
        assert!(text.contains("DTEND;VALUE=DATE:20250616\r\n"));
        assert!(text.contains("SUMMARY:研修会\\, 東京\r\n"));
        assert!(text.contains("DTSTAMP:20250601T000000Z\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF");
    }
}
