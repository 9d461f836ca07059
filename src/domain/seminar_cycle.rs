//! Which committee approves a seminar applied for today, and whether it can (issue 10, part
//! 5). A seminar is approved by JMA's committee (運営委員会) of the next review cycle whose
//! intake deadline has not passed; one whose first day comes on or before that committee's
//! date would be held before its approval, and its approval mail would name a credit deadline
//! already past: it is refused, naming the cycle the application can still reach and the
//! first day it can approve.

use chrono::{Days, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleDates {
    pub fiscal_year: i32,
    pub number: i16,
    pub intake_deadline: NaiveDate,
    pub committee_date: NaiveDate,
}

fn jp(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// The refusal of a seminar starting on `starts_on` when `cycle` (the one an application made
/// today reaches) would approve it; None when it can be approved in time.
pub fn refusal(starts_on: NaiveDate, cycle: Option<&CycleDates>) -> Option<String> {
    let Some(c) = cycle else {
        return Some(
            "受付中の運営委員会の回がないため、今は申請できません。都道府県医師会にお問い合わせください。"
                .to_string(),
        );
    };
    if starts_on > c.committee_date {
        return None;
    }
    let first = c.committee_date.checked_add_days(Days::new(1)).unwrap_or(c.committee_date);
    Some(format!(
        "開催日（{}）が、この申請を承認する日本医師会の運営委員会（{}年度 第{}回、{}）より前のため、申請できません。いま申請して間に合うのは第{}回（日本医師会の受付締切 {}）で、{}以降に開催する研修会です。",
        jp(starts_on),
        c.fiscal_year,
        c.number,
        jp(c.committee_date),
        c.number,
        jp(c.intake_deadline),
        jp(first),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_seminar_before_its_committee_is_refused_with_the_cycle_it_can_reach() {
        let c = CycleDates {
            fiscal_year: 2026,
            number: 1,
            intake_deadline: d(2026, 5, 1),
            committee_date: d(2026, 5, 31),
        };
        let cases = [
            (d(2026, 5, 20), true),
            (d(2026, 5, 31), true),
            (d(2026, 6, 1), false),
            (d(2026, 9, 1), false),
        ];
        for (starts_on, refused) in cases {
            assert_eq!(refusal(starts_on, Some(&c)).is_some(), refused, "{starts_on}");
        }
        let message = refusal(d(2026, 5, 20), Some(&c)).unwrap();
        assert!(message.contains("2026年度 第1回、2026年5月31日"), "{message}");
        assert!(message.contains("2026年6月1日以降"), "{message}");
        assert!(refusal(d(2030, 1, 1), None).is_some(), "no open cycle: nothing approves it");
    }
}
