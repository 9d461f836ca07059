//! The bimonthly review calendar (DOMAIN §6): JMA's committee meets at the end of odd months;
//! the certificate reaches the physician about a month after approval. So a renewal must be
//! approved by the committee whose certificate arrives before expiry, and applied for the
//! month before that committee (JMA's intake deadline is at the start of the committee month,
//! prefectures set earlier ones).

use chrono::{Datelike, NaiveDate};

/// Field order (year, then month) makes the derived ordering chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> Self {
        YearMonth { year: date.year(), month: date.month() }
    }

    pub fn plus(self, months: i32) -> Self {
        let index = self.year * 12 + self.month as i32 - 1 + months;
        YearMonth { year: index.div_euclid(12), month: index.rem_euclid(12) as u32 + 1 }
    }

    pub fn last_day(self) -> NaiveDate {
        let next = self.plus(1);
        NaiveDate::from_ymd_opt(next.year, next.month, 1)
            .and_then(|d| d.pred_opt())
            .expect("valid month")
    }

    /// 「2026年4月」
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewalPlan {
    /// Apply (to the prefecture) during this month.
    pub apply_in: YearMonth,
    /// The committee that decides: end of this (odd) month.
    pub committee: YearMonth,
    /// The paper certificate arrives about the end of this month.
    pub certificate_by: YearMonth,
}

/// The plan that gets the new certificate to the physician by the expiry date.
pub fn renewal_plan(valid_until: NaiveDate) -> RenewalPlan {
    let mut committee = YearMonth::of(valid_until);
    loop {
        if committee.month % 2 == 1 && committee.plus(1).last_day() <= valid_until {
            return RenewalPlan {
                apply_in: committee.plus(-1),
                committee,
                certificate_by: committee.plus(1),
            };
        }
        committee = committee.plus(-1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn briefing_example_expiry_end_of_july() {
        // Expiry ≈ end of July → apply in April → approved end of May → certificate end of June.
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2026, 7, 31).unwrap());
        assert_eq!(plan.apply_in, ym(2026, 4));
        assert_eq!(plan.committee, ym(2026, 5));
        assert_eq!(plan.certificate_by, ym(2026, 6));
    }

    #[test]
    fn plans_across_the_year_boundary() {
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        assert_eq!(plan.committee, ym(2027, 1));
        assert_eq!(plan.apply_in, ym(2026, 12));
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2027, 2, 15).unwrap());
        assert_eq!(plan.committee, ym(2026, 11));
        assert_eq!(plan.certificate_by, ym(2026, 12));
    }

    #[test]
    fn mid_month_expiry_needs_the_certificate_before_it() {
        // Expiry 2026-08-15: July's committee sends the certificate at the end of August: too
        // late, so May's.
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2026, 8, 15).unwrap());
        assert_eq!(plan.committee, ym(2026, 5));
        let plan = renewal_plan(NaiveDate::from_ymd_opt(2026, 8, 31).unwrap());
        assert_eq!(plan.committee, ym(2026, 7));
    }

    #[test]
    fn month_arithmetic() {
        assert_eq!(ym(2026, 1).plus(-1), ym(2025, 12));
        assert_eq!(ym(2026, 12).plus(1), ym(2027, 1));
        assert_eq!(ym(2028, 2).last_day(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        assert_eq!(ym(2026, 4).label(), "2026年4月");
    }
}
