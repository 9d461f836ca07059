//! What each association chart counts (issue 14, part 3), as pure functions from the rows of
//! `db::charts` to a `chart::Chart`: the windows, the series and the rules that sort a row into
//! a series (at risk: `requirements::check`; on time: `deadline`). The page, the table and the
//! .xlsx all come from the `Chart` these return.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use super::application::Status;
use super::category::{Category, Format, Programme};
use super::chart::{Chart, Series, BLUE, GREEN, GREY, ORANGE, PURPLE, VERMILION};
use super::deadline;
use super::requirements::{self, Credit, Input, Kind, Route, Source};

/// Months the renewal chart looks ahead (this month included).
pub const RENEWAL_MONTHS: u32 = 18;
/// Months the seminar and unresolved-credit charts look back (this month included).
pub const BACK_MONTHS: u32 = 12;

/// The first day of `today`'s month.
pub fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).expect("day 1 exists")
}

/// `count` consecutive month starts from `first`.
pub fn months(first: NaiveDate, count: u32) -> Vec<NaiveDate> {
    (0..count).map(|i| first + Months::new(i)).collect()
}

fn month_label(m: NaiveDate) -> String {
    format!("{}年{}月", m.year(), m.month())
}

fn month_axis(m: NaiveDate) -> String {
    format!("{:02}/{}", m.year() % 100, m.month())
}

/// The windows of the charts on `today`: renewals ahead, seminars and credits behind.
pub struct Windows {
    pub renewals: Vec<NaiveDate>,
    pub past: Vec<NaiveDate>,
    /// Committees from a year ago to four months ahead.
    pub committees: (NaiveDate, NaiveDate),
}

impl Windows {
    pub fn on(today: NaiveDate) -> Windows {
        let this = month_start(today);
        Windows {
            renewals: months(this, RENEWAL_MONTHS),
            past: months(this - Months::new(BACK_MONTHS - 1), BACK_MONTHS),
            committees: (today - Months::new(12), today + Months::new(4)),
        }
    }
}

/// The end (exclusive) of a run of months.
pub fn after(months: &[NaiveDate]) -> NaiveDate {
    months.last().map_or(NaiveDate::MIN, |m| *m + Months::new(1))
}

fn index_of(months: &[NaiveDate], date: NaiveDate) -> Option<usize> {
    months.iter().position(|m| m.year() == date.year() && m.month() == date.month())
}

fn chart(title: String, unit: &'static str, months: &[NaiveDate], series: Vec<Series>) -> Chart {
    Chart {
        title,
        unit,
        labels: months.iter().copied().map(month_label).collect(),
        axis_labels: months.iter().copied().map(month_axis).collect(),
        series,
    }
}

fn series(name: &'static str, color: &'static str, bars: usize) -> Series {
    Series { name, color, values: vec![0; bars] }
}

/// One certification due for renewal, with its portal credits within the term.
pub struct Due {
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub applied: bool,
    pub credits: Vec<(Category, Format, Decimal)>,
}

/// Whether a certification not yet applied for is short of credits for renewal, counting the
/// portal's credits only (the renewal rule itself, without its timing conditions).
pub fn short_of_credits(programme: Programme, due: &Due) -> bool {
    let credits = due
        .credits
        .iter()
        .map(|&(category, format, units)| Credit {
            category,
            format,
            units,
            date: due.valid_from,
            source: Source::Portal,
            evidenced: true,
        })
        .collect();
    let input = Input {
        programme,
        kind: Kind::Renewal,
        credits,
        valid_from: Some(due.valid_from),
        valid_until: Some(due.valid_until),
        applied_on: due.valid_from,
        route: Route::Credits,
        practical_activity_recorded: true,
        late_reason_given: true,
    };
    !requirements::check(&input).met
}

/// Renewals due per month: applied / not yet applied / not applied and short of credits.
pub fn renewals_due(programme: Programme, months: &[NaiveDate], due: &[Due]) -> Chart {
    let n = months.len();
    let mut s = vec![
        series("申請済み", BLUE, n),
        series("未申請", GREY, n),
        series("未申請・単位不足", VERMILION, n),
    ];
    for d in due {
        let Some(i) = index_of(months, d.valid_until) else { continue };
        let k = if d.applied {
            0
        } else if short_of_credits(programme, d) {
            2
        } else {
            1
        };
        s[k].values[i] += 1;
    }
    chart(format!("{}の更新対象者（有効期限の月別）", programme.label()), "人", months, s)
}

/// How an application's status shows in the cycle chart (drafts have no cycle).
fn cycle_series(status: Status) -> usize {
    match status {
        Status::Draft | Status::Submitted | Status::MunicipalReceived => 0,
        Status::PrefectureApproved => 1,
        Status::Returned => 2,
        Status::Approved => 3,
        Status::Rejected => 4,
        Status::Withdrawn => 5,
    }
}

/// Applications per review cycle, stacked by where they stand.
pub fn applications_per_cycle(
    cycles: &[(i32, i16, NaiveDate)],
    counts: &[(i32, i16, Status, i64)],
) -> Chart {
    let n = cycles.len();
    let mut s = vec![
        series("審査中", BLUE, n),
        series("日医審査待ち", PURPLE, n),
        series("差し戻し中", ORANGE, n),
        series("認定", GREEN, n),
        series("不承認", VERMILION, n),
        series("取り下げ", GREY, n),
    ];
    let at: HashMap<(i32, i16), usize> =
        cycles.iter().enumerate().map(|(i, (y, n, _))| ((*y, *n), i)).collect();
    for (year, number, status, count) in counts {
        if let Some(&i) = at.get(&(*year, *number)) {
            s[cycle_series(*status)].values[i] += count;
        }
    }
    Chart {
        title: "審査回ごとの申請（状況別）".into(),
        unit: "件",
        labels: cycles
            .iter()
            .map(|(y, n, d)| format!("{y}年度 第{n}回（{}月{}日）", d.month(), d.day()))
            .collect(),
        axis_labels: cycles.iter().map(|(y, n, _)| format!("{:02}-{n}", y % 100)).collect(),
        series: s,
    }
}

/// One approved seminar and its credits.
pub struct HeldSeminar {
    pub ends_on: NaiveDate,
    pub any_credit: bool,
    pub on_time_credit: bool,
}

/// Seminars per month of their last day: credits registered on time / late / missing past the
/// deadline / not yet due.
pub fn seminar_credits(months: &[NaiveDate], seminars: &[HeldSeminar], today: NaiveDate) -> Chart {
    let n = months.len();
    let mut s = vec![
        series("期限内に登録", GREEN, n),
        series("期限後に登録", ORANGE, n),
        series("未登録（期限切れ）", VERMILION, n),
        series("登録期限前", GREY, n),
    ];
    for seminar in seminars {
        let Some(i) = index_of(months, seminar.ends_on) else { continue };
        let k = if seminar.on_time_credit {
            0
        } else if seminar.any_credit {
            1
        } else if deadline::is_overdue(seminar.ends_on, today, false) {
            2
        } else {
            3
        };
        s[k].values[i] += 1;
    }
    chart("研修会の単位登録（開催月別）".into(), "件", months, s)
}

/// Credits still held or unmatched, by the month they were registered.
pub fn unresolved_credits(months: &[NaiveDate], counts: &[(NaiveDate, i64, i64)]) -> Chart {
    let n = months.len();
    let mut s = vec![series("確認中（生年月日の不一致）", ORANGE, n), series("未照合", PURPLE, n)];
    for (month, held, unmatched) in counts {
        if let Some(i) = index_of(months, *month) {
            s[0].values[i] += held;
            s[1].values[i] += unmatched;
        }
    }
    chart("確認中・未照合の単位（登録月別）".into(), "件", months, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn due(until: NaiveDate, applied: bool, credits: &[(Category, Format, i64)]) -> Due {
        Due {
            valid_from: until - Months::new(60) + chrono::Days::new(1),
            valid_until: until,
            applied,
            credits: credits.iter().map(|&(c, f, u)| (c, f, Decimal::from(u))).collect(),
        }
    }

    #[test]
    fn windows_on_a_day() {
        let w = Windows::on(date(2026, 11, 26));
        assert_eq!(w.renewals.len(), 18);
        assert_eq!(w.renewals[0], date(2026, 11, 1));
        assert_eq!(w.renewals[17], date(2028, 4, 1));
        assert_eq!(after(&w.renewals), date(2028, 5, 1));
        assert_eq!(w.past[0], date(2025, 12, 1));
        assert_eq!(w.past[11], date(2026, 11, 1));
    }

    #[test]
    fn renewals_split_into_applied_not_applied_and_short() {
        use Category::*;
        use Format::*;
        let months = months(date(2026, 11, 1), 3);
        let enough = [
            (LifelongRenewal, InPerson, 7),
            (LifelongPractical, InPerson, 7),
            (LifelongSpecialized, InPerson, 6),
        ];
        let rows = [
            due(date(2026, 11, 30), true, &[]),
            due(date(2026, 11, 15), false, &enough),
            due(date(2026, 12, 31), false, &[(LifelongRenewal, InPerson, 19)]),
            // 20 units but no 実地: short.
            due(
                date(2026, 12, 1),
                false,
                &[(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 10)],
            ),
            // Outside the window: not drawn.
            due(date(2027, 3, 1), false, &[]),
        ];
        let c = renewals_due(Programme::Occupational, &months, &rows);
        assert_eq!(c.series[0].values, vec![1, 0, 0], "applied");
        assert_eq!(c.series[1].values, vec![1, 0, 0], "not applied, enough");
        assert_eq!(c.series[2].values, vec![0, 2, 0], "not applied, short");
        assert_eq!(c.labels[1], "2026年12月");
        assert_eq!(c.axis_labels[1], "26/12");
    }

    #[test]
    fn web_units_beyond_the_cap_do_not_save_a_renewal() {
        use Category::*;
        use Format::*;
        let d = due(
            date(2026, 12, 1),
            false,
            &[
                (LifelongRenewal, Web, 10),
                (LifelongPractical, InPerson, 5),
                (LifelongSpecialized, InPerson, 5),
            ],
        );
        assert!(short_of_credits(Programme::Occupational, &d), "only 5 Web units count: 15 < 20");
    }

    #[test]
    fn applications_are_stacked_by_where_they_stand() {
        let cycles = [(2026, 3, date(2026, 9, 30)), (2026, 4, date(2026, 11, 30))];
        let counts = [
            (2026, 3, Status::Approved, 7),
            (2026, 3, Status::Rejected, 1),
            (2026, 4, Status::Submitted, 2),
            (2026, 4, Status::MunicipalReceived, 3),
            (2026, 4, Status::Returned, 1),
            (2025, 6, Status::Approved, 9),
        ];
        let c = applications_per_cycle(&cycles, &counts);
        assert_eq!(c.totals(), vec![8, 6]);
        assert_eq!(c.series[0].values, vec![0, 5], "submitted and received are both 審査中");
        assert_eq!(c.labels[0], "2026年度 第3回（9月30日）");
    }

    #[test]
    fn seminars_are_on_time_late_missing_or_not_yet_due() {
        let months = months(date(2026, 10, 1), 2);
        let today = date(2026, 11, 26);
        let s = |ends_on, any_credit, on_time_credit| HeldSeminar {
            ends_on,
            any_credit,
            on_time_credit,
        };
        let rows = [
            s(date(2026, 10, 5), true, true),
            s(date(2026, 10, 6), true, false),
            s(date(2026, 10, 7), false, false),
            // Due 2026-12-20: not yet overdue.
            s(date(2026, 11, 20), false, false),
            // Due 2026-11-26 (today): not yet overdue.
            s(date(2026, 10, 26), false, false),
        ];
        let c = seminar_credits(&months, &rows, today);
        assert_eq!(c.series[0].values, vec![1, 0]);
        assert_eq!(c.series[1].values, vec![1, 0]);
        assert_eq!(c.series[2].values, vec![1, 0]);
        assert_eq!(c.series[3].values, vec![1, 1]);
    }

    #[test]
    fn unresolved_credits_fall_in_their_month() {
        let months = months(date(2026, 10, 1), 2);
        let c = unresolved_credits(&months, &[(date(2026, 11, 1), 3, 4), (date(2025, 1, 1), 9, 9)]);
        assert_eq!(c.series[0].values, vec![0, 3]);
        assert_eq!(c.series[1].values, vec![0, 4]);
    }
}
