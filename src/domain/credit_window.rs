//! When an organizer may register credits (issue 10, part 1): from the seminar's first day
//! (nobody has attended before it), on time until the one-month deadline after its last day
//! (`deadline::due_date`), and late but still accepted after that. One rule for the CSV path
//! and the one-attendee form.

use chrono::NaiveDate;

use super::deadline;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditWindow {
    /// Before the first day: nothing is registered; registration opens on `opens_on`.
    NotYet { opens_on: NaiveDate },
    /// From the first day until the due date.
    OnTime,
    /// After the due date: accepted and marked late.
    Late,
}

impl CreditWindow {
    /// The window on `today` of a seminar held from `starts_on` to `ends_on`.
    pub fn on(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> CreditWindow {
        if today < starts_on {
            CreditWindow::NotYet { opens_on: starts_on }
        } else if deadline::is_late(ends_on, today) {
            CreditWindow::Late
        } else {
            CreditWindow::OnTime
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, CreditWindow::NotYet { .. })
    }

    pub fn is_late(self) -> bool {
        self == CreditWindow::Late
    }

    /// What the work page says, and the answer to a refused registration, before the first day.
    pub fn refusal(self) -> Option<String> {
        match self {
            CreditWindow::NotYet { opens_on } => Some(format!(
                "単位の登録は研修会の初日（{}）から受け付けます。それまでは登録できません（何も保存していません）。",
                opens_on.format("%Y年%-m月%-d日")
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_window_opens_on_the_first_day_and_turns_late_after_the_due_date() {
        let (starts, ends) = (d(2026, 5, 20), d(2026, 5, 21));
        let cases = [
            (d(2026, 4, 10), CreditWindow::NotYet { opens_on: starts }),
            (d(2026, 5, 19), CreditWindow::NotYet { opens_on: starts }),
            (d(2026, 5, 20), CreditWindow::OnTime),
            (d(2026, 5, 21), CreditWindow::OnTime),
            (d(2026, 6, 21), CreditWindow::OnTime),
            (d(2026, 6, 22), CreditWindow::Late),
            (d(2027, 1, 1), CreditWindow::Late),
        ];
        for (today, expected) in cases {
            assert_eq!(CreditWindow::on(starts, ends, today), expected, "{today}");
        }
    }

    #[test]
    fn only_the_closed_window_refuses_and_it_names_the_day() {
        let w = CreditWindow::on(d(2026, 5, 20), d(2026, 5, 20), d(2026, 4, 10));
        assert!(!w.is_open());
        assert!(w.refusal().unwrap().contains("2026年5月20日"));
        assert!(CreditWindow::OnTime.refusal().is_none());
        assert!(CreditWindow::Late.is_open() && CreditWindow::Late.is_late());
    }
}
