//! Renewal notices (DOMAIN §7): which notice is due for a certification on a given day.
//!
//! Three notices per validity period: one year before expiry (JMA's postcard and an e-mail),
//! about four months before (the prefecture's renewal guidance and an e-mail saying what is
//! still missing) and one month before (a last reminder). A notice is due from its day until
//! the day before expiry; only the latest one that is due counts, so a physician linked late
//! (or a job that did not run for a while) gets one notice, not a burst of three.

use chrono::{Months, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    OneYear,
    FourMonths,
    OneMonth,
}

impl NoticeKind {
    /// In the order they fall due.
    pub const ALL: [NoticeKind; 3] =
        [NoticeKind::OneYear, NoticeKind::FourMonths, NoticeKind::OneMonth];

    /// The value stored in `notices_sent.kind`.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::OneYear => "one_year",
            NoticeKind::FourMonths => "four_months",
            NoticeKind::OneMonth => "one_month",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::OneYear => "有効期限の1年前",
            NoticeKind::FourMonths => "有効期限の4か月前（更新案内）",
            NoticeKind::OneMonth => "有効期限の1か月前",
        }
    }

    fn months_before(self) -> u32 {
        match self {
            NoticeKind::OneYear => 12,
            NoticeKind::FourMonths => 4,
            NoticeKind::OneMonth => 1,
        }
    }

    /// The first day the notice is due (month arithmetic clamps to the month's last day).
    pub fn due_from(self, valid_until: NaiveDate) -> NaiveDate {
        valid_until.checked_sub_months(Months::new(self.months_before())).unwrap_or(valid_until)
    }
}

/// The notice due for a certification expiring on `valid_until`, seen on `today`: the latest
/// whose day has come, while the certification is still valid (`today < valid_until`).
pub fn due(valid_until: NaiveDate, today: NaiveDate) -> Option<NoticeKind> {
    if today >= valid_until {
        return None;
    }
    NoticeKind::ALL.into_iter().rev().find(|k| today >= k.due_from(valid_until))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_days() {
        let until = d(2026, 7, 31);
        assert_eq!(NoticeKind::OneYear.due_from(until), d(2025, 7, 31));
        assert_eq!(NoticeKind::FourMonths.due_from(until), d(2026, 3, 31));
        assert_eq!(NoticeKind::OneMonth.due_from(until), d(2026, 6, 30));
    }

    #[test]
    fn nothing_before_a_year_or_after_expiry() {
        let until = d(2026, 7, 31);
        assert_eq!(due(until, d(2025, 7, 30)), None);
        assert_eq!(due(until, d(2026, 7, 31)), None);
        assert_eq!(due(until, d(2027, 1, 1)), None);
    }

    #[test]
    fn the_latest_due_notice_counts() {
        let until = d(2026, 7, 31);
        assert_eq!(due(until, d(2025, 7, 31)), Some(NoticeKind::OneYear));
        assert_eq!(due(until, d(2026, 3, 30)), Some(NoticeKind::OneYear));
        assert_eq!(due(until, d(2026, 3, 31)), Some(NoticeKind::FourMonths));
        assert_eq!(due(until, d(2026, 6, 29)), Some(NoticeKind::FourMonths));
        assert_eq!(due(until, d(2026, 6, 30)), Some(NoticeKind::OneMonth));
        assert_eq!(due(until, d(2026, 7, 30)), Some(NoticeKind::OneMonth));
    }

    #[test]
    fn month_ends_clamp() {
        let until = d(2028, 2, 29);
        assert_eq!(NoticeKind::OneYear.due_from(until), d(2027, 2, 28));
        assert_eq!(NoticeKind::OneMonth.due_from(d(2026, 3, 31)), d(2026, 2, 28));
    }

    #[test]
    fn codes_round_trip() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::from_code(k.code()), Some(k));
        }
        assert_eq!(NoticeKind::from_code("two_weeks"), None);
    }
}
