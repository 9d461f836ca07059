//! What renewal needs and how much of it the portal's credits meet, per category and format:
//! the my page's progress display. The application's full requirement check
//! (`requirements::check`) adds the credits declared from paper and the conditions beyond the
//! units; on the portal's credits alone the two agree (tested below), and both take their
//! thresholds from `requirements::limits`.

use rust_decimal::Decimal;

use super::category::{Category, Format, Programme};
use super::requirements::limits;

// The thresholds are `requirements::limits`: one statement of the rule's numbers.
use limits::{
    RENEWAL_EACH as OCCUPATIONAL_EACH, RENEWAL_TOTAL as OCCUPATIONAL_TOTAL,
    RENEWAL_WEB_CAP as WEB_CAP, SPORTS_RETRAINING,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub category: Category,
    pub in_person: Decimal,
    pub web: Decimal,
    /// Whether Web units count for this category at all (not for 生涯研修 実地).
    pub web_counts: bool,
    pub required: Decimal,
    pub met: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub lines: Vec<Line>,
    pub in_person_total: Decimal,
    /// Web units earned in categories where Web counts.
    pub web_earned: Decimal,
    /// Of those, the units that count (after the cap).
    pub web_counted: Decimal,
    pub web_cap: Option<Decimal>,
    pub total: Decimal,
    pub total_required: Decimal,
    pub met: bool,
}

/// `sums`: units per category and format within the validity period. Categories of the
/// other programme and 基礎研修 (new certification only) are ignored.
pub fn renewal_progress(programme: Programme, sums: &[(Category, Format, Decimal)]) -> Progress {
    let sum = |category: Category, format: Format| -> Decimal {
        sums.iter().filter(|(c, f, _)| *c == category && *f == format).map(|(_, _, u)| *u).sum()
    };
    match programme {
        Programme::Occupational => {
            let each = Decimal::from(OCCUPATIONAL_EACH);
            let cap = Decimal::from(WEB_CAP);
            let mut lines = Vec::new();
            let (mut in_person_total, mut web_earned, mut web_for_minima) =
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            for (category, web_counts) in [
                (Category::LifelongRenewal, true),
                (Category::LifelongPractical, false),
                (Category::LifelongSpecialized, true),
            ] {
                let in_person = sum(category, Format::InPerson);
                let web = sum(category, Format::Web);
                let usable_web = if web_counts { web } else { Decimal::ZERO };
                // The Web units this category's minimum has to borrow (they share the cap).
                web_for_minima += (each - in_person).max(Decimal::ZERO).min(usable_web);
                in_person_total += in_person;
                web_earned += usable_web;
                lines.push(Line {
                    category,
                    in_person,
                    web,
                    web_counts,
                    required: each,
                    met: in_person + usable_web >= each,
                });
            }
            let web_counted = web_earned.min(cap);
            let total = in_person_total + web_counted;
            let total_required = Decimal::from(OCCUPATIONAL_TOTAL);
            let met =
                lines.iter().all(|l| l.met) && web_for_minima <= cap && total >= total_required;
            Progress {
                lines,
                in_person_total,
                web_earned,
                web_counted,
                web_cap: Some(cap),
                total,
                total_required,
                met,
            }
        }
        Programme::Sports => {
            let required = Decimal::from(SPORTS_RETRAINING);
            let in_person = sum(Category::SportsRetraining, Format::InPerson);
            let web = sum(Category::SportsRetraining, Format::Web);
            let total = in_person + web;
            Progress {
                lines: vec![Line {
                    category: Category::SportsRetraining,
                    in_person,
                    web,
                    web_counts: true,
                    required,
                    met: total >= required,
                }],
                in_person_total: in_person,
                web_earned: web,
                web_counted: web,
                web_cap: None,
                total,
                total_required: required,
                met: total >= required,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;
    use Format::*;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    fn occupational(sums: &[(Category, Format, i64)]) -> Progress {
        let sums: Vec<_> = sums.iter().map(|(c, f, u)| (*c, *f, d(*u))).collect();
        renewal_progress(Programme::Occupational, &sums)
    }

    #[test]
    fn briefing_sample_ten_web_units_count_as_five() {
        let p = occupational(&[
            (LifelongRenewal, InPerson, 2),
            (LifelongPractical, InPerson, 5),
            (LifelongSpecialized, InPerson, 8),
            (LifelongRenewal, Web, 4),
            (LifelongSpecialized, Web, 6),
        ]);
        assert_eq!(p.web_earned, d(10));
        assert_eq!(p.web_counted, d(5));
        assert_eq!(p.in_person_total, d(15));
        assert_eq!(p.total, d(20));
        assert!(p.met);
    }

    #[test]
    fn nineteen_and_a_half_is_not_enough() {
        let sums = [
            (LifelongRenewal, InPerson, Decimal::new(95, 1)),
            (LifelongPractical, InPerson, d(5)),
            (LifelongSpecialized, InPerson, d(5)),
        ];
        let p = renewal_progress(Programme::Occupational, &sums);
        assert_eq!(p.total, Decimal::new(195, 1));
        assert!(p.lines.iter().all(|l| l.met));
        assert!(!p.met);
    }

    #[test]
    fn each_category_needs_one_unit_whatever_the_total() {
        let p =
            occupational(&[(LifelongRenewal, InPerson, 15), (LifelongSpecialized, InPerson, 10)]);
        assert_eq!(p.total, d(25));
        assert!(!p.lines[1].met, "no 実地");
        assert!(!p.met);
    }

    #[test]
    fn web_counts_for_renewal_and_specialized_but_never_practical() {
        let p = occupational(&[
            (LifelongRenewal, Web, 1),
            (LifelongPractical, Web, 3),
            (LifelongPractical, InPerson, 14),
            (LifelongSpecialized, Web, 1),
        ]);
        assert!(p.lines[0].met && p.lines[2].met, "Web meets 更新 and 専門 minima");
        assert!(!p.lines[1].web_counts);
        assert_eq!(p.web_earned, d(2), "Web 実地 is not counted");
        assert_eq!(p.total, d(16));
        let p = occupational(&[(LifelongPractical, Web, 3)]);
        assert!(!p.lines[1].met, "Web alone never meets 実地");
    }

    #[test]
    fn basic_and_other_programme_credits_are_ignored() {
        let p = occupational(&[(BasicLate, InPerson, 26), (SportsRetraining, InPerson, 5)]);
        assert_eq!(p.total, Decimal::ZERO);
        assert!(!p.met);
    }

    #[test]
    fn sports_needs_five_units_of_retraining_in_any_format() {
        let sums = [(SportsRetraining, InPerson, d(3)), (SportsRetraining, Web, d(2))];
        let p = renewal_progress(Programme::Sports, &sums);
        assert_eq!(p.total, d(5));
        assert!(p.met);
        assert_eq!(p.web_cap, None);
        let sums = [(SportsRetraining, InPerson, Decimal::new(45, 1))];
        assert!(!renewal_progress(Programme::Sports, &sums).met);
        assert!(!renewal_progress(Programme::Sports, &[]).met);
    }

    /// The progress display and the application's requirement check are one rule: on the
    /// portal's credits within the term, they agree on whether renewal is met.
    #[test]
    fn progress_agrees_with_the_requirement_check() {
        use crate::domain::requirements::{check, Credit, Input, Kind, Route, Source};
        use chrono::NaiveDate;
        let from = NaiveDate::from_ymd_opt(2021, 4, 1).unwrap();
        let until = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let on = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        type Sums = Vec<(Category, Format, i64)>;
        let cases: Vec<(Programme, Sums)> = vec![
            (Programme::Occupational, vec![]),
            (
                Programme::Occupational,
                vec![
                    (LifelongRenewal, InPerson, 18),
                    (LifelongPractical, InPerson, 1),
                    (LifelongSpecialized, InPerson, 1),
                ],
            ),
            (
                Programme::Occupational,
                vec![
                    (LifelongRenewal, InPerson, 17),
                    (LifelongPractical, InPerson, 1),
                    (LifelongSpecialized, Web, 2),
                ],
            ),
            (
                Programme::Occupational,
                vec![
                    (LifelongRenewal, Web, 10),
                    (LifelongPractical, InPerson, 10),
                    (LifelongSpecialized, InPerson, 1),
                ],
            ),
            (
                Programme::Occupational,
                vec![
                    (LifelongRenewal, Web, 1),
                    (LifelongPractical, Web, 5),
                    (LifelongSpecialized, InPerson, 19),
                ],
            ),
            (
                Programme::Occupational,
                vec![(LifelongRenewal, InPerson, 20), (LifelongPractical, InPerson, 1)],
            ),
            (Programme::Sports, vec![(SportsRetraining, Web, 5)]),
            (Programme::Sports, vec![(SportsRetraining, InPerson, 2), (SportsRetraining, Web, 2)]),
        ];
        for (programme, credits) in cases {
            let sums: Vec<(Category, Format, Decimal)> =
                credits.iter().map(|(c, f, u)| (*c, *f, d(*u))).collect();
            let input = Input {
                programme,
                kind: Kind::Renewal,
                credits: credits
                    .iter()
                    .map(|(c, f, u)| Credit {
                        category: *c,
                        format: *f,
                        units: d(*u),
                        date: on,
                        source: Source::Portal,
                        evidenced: false,
                    })
                    .collect(),
                valid_from: Some(from),
                valid_until: Some(until),
                applied_on: on,
                route: Route::Credits,
                practical_activity_recorded: true,
                late_reason_given: false,
            };
            assert_eq!(
                renewal_progress(programme, &sums).met,
                check(&input).met,
                "{programme:?} {credits:?}"
            );
        }
    }
}
