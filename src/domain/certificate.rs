//! What the certificate (認定証) prints beyond the term: its issue date (発行日).

use chrono::NaiveDate;

/// The issue date printed on a term's certificate: the day the term was decided and recorded
/// (the certificate can be downloaded at once, DOMAIN §6), never later than the term's first
/// day; for a term imported from the old system, whose decision date is not known, its first
/// day. The same date on every download of the same term.
pub fn issue_date(
    imported: bool,
    recorded_on: Option<NaiveDate>,
    valid_from: NaiveDate,
) -> NaiveDate {
    match recorded_on {
        Some(day) if !imported => day.min(valid_from),
        _ => valid_from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_issue_date_is_the_decision_day_or_the_first_day() {
        let table = [
            // A renewal decided at the May committee, valid from August: issued in May.
            (false, Some(d(2025, 5, 30)), d(2025, 8, 1), d(2025, 5, 30)),
            // A new certification valid from the committee day it was decided.
            (false, Some(d(2025, 5, 30)), d(2025, 5, 30), d(2025, 5, 30)),
            // Recorded after its first day (entered late): the first day.
            (false, Some(d(2025, 9, 1)), d(2025, 8, 1), d(2025, 8, 1)),
            // Imported from the old system: its first day, not the import day.
            (true, Some(d(2025, 3, 30)), d(2021, 8, 1), d(2021, 8, 1)),
            (false, None, d(2021, 8, 1), d(2021, 8, 1)),
        ];
        for (imported, recorded, from, expected) in table {
            assert_eq!(issue_date(imported, recorded, from), expected, "{recorded:?} {from}");
        }
    }
}
