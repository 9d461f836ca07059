//! The organizer's deadline for registering credits: one month after the seminar's last day
//! (DOMAIN §5, briefing: 開催日から1か月以内). Late registrations are still accepted and marked.

use chrono::{Months, NaiveDate};

/// The last day credits are on time: the same day of the next month, clamped to that month's
/// end (1/31 → 2/28, or 2/29 in a leap year).
pub fn due_date(ends_on: NaiveDate) -> NaiveDate {
    ends_on.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX)
}

/// Whether credits registered on `registered_on` are late (after the due date).
pub fn is_late(ends_on: NaiveDate, registered_on: NaiveDate) -> bool {
    registered_on > due_date(ends_on)
}

/// Whether a seminar whose credits are not `registered` yet is overdue on `today`.
pub fn is_overdue(ends_on: NaiveDate, today: NaiveDate, registered: bool) -> bool {
    !registered && today > due_date(ends_on)
}

/// Days left until the due date (negative once it has passed).
pub fn days_left(ends_on: NaiveDate, today: NaiveDate) -> i64 {
    (due_date(ends_on) - today).num_days()
}

/// The credit deadline as a mail tells it on `today`: still ahead (or today), or already past
/// (a seminar approved or entered late: the organizer must not be told a date that has gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueNotice {
    Ahead(NaiveDate),
    Passed(NaiveDate),
}

pub fn due_notice(ends_on: NaiveDate, today: NaiveDate) -> DueNotice {
    let due = due_date(ends_on);
    if today > due {
        DueNotice::Passed(due)
    } else {
        DueNotice::Ahead(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_told_as_ahead_until_its_day_and_passed_after() {
        let ends = d(2025, 4, 5);
        let cases = [
            (d(2025, 3, 1), DueNotice::Ahead(d(2025, 5, 5))),
            (d(2025, 5, 5), DueNotice::Ahead(d(2025, 5, 5))),
            (d(2025, 5, 6), DueNotice::Passed(d(2025, 5, 5))),
            (d(2025, 7, 10), DueNotice::Passed(d(2025, 5, 5))),
        ];
        for (today, want) in cases {
            assert_eq!(due_notice(ends, today), want, "{today}");
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_one_month_after_the_last_day_clamped_to_month_end() {
        let cases = [
            (d(2025, 4, 12), d(2025, 5, 12)),
            (d(2025, 1, 31), d(2025, 2, 28)),
            (d(2024, 1, 31), d(2024, 2, 29)),
            (d(2025, 3, 31), d(2025, 4, 30)),
            (d(2025, 12, 15), d(2026, 1, 15)),
            (d(2025, 2, 28), d(2025, 3, 28)),
        ];
        for (ends_on, due) in cases {
            assert_eq!(due_date(ends_on), due, "{ends_on}");
        }
    }

    #[test]
    fn late_only_after_the_due_date() {
        let ends = d(2025, 4, 12);
        assert!(!is_late(ends, d(2025, 4, 12)));
        assert!(!is_late(ends, d(2025, 5, 12)), "on the due date is on time");
        assert!(is_late(ends, d(2025, 5, 13)));
    }

    #[test]
    fn overdue_when_nothing_registered_after_the_due_date() {
        let ends = d(2025, 1, 31);
        assert!(!is_overdue(ends, d(2025, 2, 28), false));
        assert!(is_overdue(ends, d(2025, 3, 1), false));
        assert!(!is_overdue(ends, d(2025, 3, 1), true), "registered: not overdue");
        assert_eq!(days_left(ends, d(2025, 2, 20)), 8);
        assert_eq!(days_left(ends, d(2025, 3, 2)), -2);
    }
}
