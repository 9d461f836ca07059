//! A certification's terms (DOMAIN §6, issue 9): the same programme and certificate number held
//! over a history of validity periods. Renewal adds the next term; the term in force on a date
//! decides every count, list, notice, check and verification.

use chrono::NaiveDate;

/// How a term began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Imported,
    New,
    Renewal,
    LateRenewal,
    CovidSpecial,
}

impl Origin {
    pub const ALL: [Origin; 5] =
        [Origin::Imported, Origin::New, Origin::Renewal, Origin::LateRenewal, Origin::CovidSpecial];

    pub fn code(self) -> &'static str {
        match self {
            Origin::Imported => "imported",
            Origin::New => "new",
            Origin::Renewal => "renewal",
            Origin::LateRenewal => "late_renewal",
            Origin::CovidSpecial => "covid_special",
        }
    }

    pub fn from_code(code: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Origin::Imported => "旧システムから移行",
            Origin::New => "新規認定",
            Origin::Renewal => "更新",
            Origin::LateRenewal => "更新（有効期限後の申請）",
            Origin::CovidSpecial => "更新（コロナ特例）",
        }
    }

    /// The origin of the term a renewal adds: late when it was applied for after the expiry of
    /// the term it renews, COVID special when staff flagged the certification.
    pub fn of_renewal(
        applied_on: NaiveDate,
        renewed_until: NaiveDate,
        covid_special: bool,
    ) -> Self {
        if covid_special {
            Origin::CovidSpecial
        } else if applied_on > renewed_until {
            Origin::LateRenewal
        } else {
            Origin::Renewal
        }
    }
}

/// Where a term stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    NotStarted,
    InForce,
    Expired,
}

pub fn standing(valid_from: NaiveDate, valid_until: NaiveDate, on: NaiveDate) -> Standing {
    if on < valid_from {
        Standing::NotStarted
    } else if on <= valid_until {
        Standing::InForce
    } else {
        Standing::Expired
    }
}

/// A term as the pages show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub id: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub origin: Origin,
}

/// The term that stands for a certification on `on`: the latest begun by then, else the first
/// (not begun yet). The same rule as the SQL function `certifications_on` (migration 0007).
pub fn standing_term(terms: &[Term], on: NaiveDate) -> Option<Term> {
    terms
        .iter()
        .filter(|t| t.valid_from <= on)
        .max_by_key(|t| t.valid_from)
        .or_else(|| terms.iter().min_by_key(|t| t.valid_from))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn term(id: i64, from: NaiveDate, until: NaiveDate) -> Term {
        Term { id, valid_from: from, valid_until: until, origin: Origin::Renewal }
    }

    #[test]
    fn the_term_in_force_stays_until_it_ends_after_a_renewal_is_approved() {
        let terms =
            [term(1, d(2021, 8, 1), d(2026, 7, 31)), term(2, d(2026, 8, 1), d(2031, 7, 31))];
        let cases = [
            (d(2021, 7, 31), 1, Standing::NotStarted),
            (d(2026, 4, 10), 1, Standing::InForce),
            (d(2026, 7, 31), 1, Standing::InForce),
            (d(2026, 8, 1), 2, Standing::InForce),
            (d(2031, 8, 1), 2, Standing::Expired),
        ];
        for (on, want, want_standing) in cases {
            let t = standing_term(&terms, on).unwrap();
            assert_eq!(t.id, want, "{on}");
            assert_eq!(standing(t.valid_from, t.valid_until, on), want_standing, "{on}");
        }
        assert_eq!(standing_term(&[], d(2026, 1, 1)), None);
    }

    #[test]
    fn a_renewal_applied_for_after_expiry_is_late() {
        let until = d(2026, 7, 31);
        assert_eq!(Origin::of_renewal(d(2026, 7, 31), until, false), Origin::Renewal);
        assert_eq!(Origin::of_renewal(d(2026, 8, 1), until, false), Origin::LateRenewal);
        assert_eq!(Origin::of_renewal(d(2026, 8, 1), until, true), Origin::CovidSpecial);
    }

    #[test]
    fn origin_codes_round_trip() {
        for o in Origin::ALL {
            assert_eq!(Origin::from_code(o.code()), Some(o));
            assert!(!o.label().is_empty());
        }
    }
}
