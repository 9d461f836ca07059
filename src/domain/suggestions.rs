//! 「あなたの更新に足りない単位」 (issue 14): what a physician's renewal still needs and which
//! coming seminars would fill it, best first.
//!
//! Nothing here restates a renewal rule: the needs are the unmet rules of
//! `requirements::check`, and a seminar's worth is how much it lowers their shortfalls when its
//! credits are added to the physician's and `check` runs again. So the Web cap, Web 実地 not
//! counting, credits dated after expiry not counting and the allocation of capped Web units to
//! a missing category all come from the one rule, and a Web seminar that would add nothing
//! once 5 Web units count is simply not suggested.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::category::{Category, Format, Programme};
use super::requirements::{self, Credit, Input, Kind, Route, Source, RENEWAL_TOTAL_LABEL};

/// A certification's renewal as it stands: its term and the portal's credits within it.
#[derive(Clone, Debug)]
pub struct Standing {
    pub programme: Programme,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Units per category and format earned within the term.
    pub credits: Vec<(Category, Format, Decimal)>,
}

/// One unmet requirement in units: 「生涯研修 実地（対面のみ）」 needs 1, has 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub label: String,
    pub required: Decimal,
    pub counted: Decimal,
    pub short: Decimal,
}

/// A coming seminar that could be suggested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: Format,
    pub units: Vec<(Category, Decimal)>,
}

/// A suggested seminar: the requirements it helps meet (labels of the rules whose shortfall
/// it lowers) and by how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub id: i64,
    pub fills: Vec<String>,
    /// Shortfall removed from the per-category minimums (更新・実地・専門, 再研修).
    pub minimum_gain: Decimal,
    /// Shortfall removed from the total (生涯研修 合計).
    pub total_gain: Decimal,
}

fn input(standing: &Standing, today: NaiveDate, extra: &[Credit]) -> Input {
    let mut credits: Vec<Credit> = standing
        .credits
        .iter()
        .map(|(category, format, units)| Credit {
            category: *category,
            format: *format,
            units: *units,
            // The sums are of credits within the term; its first day stands for them.
            date: standing.valid_from,
            source: Source::Portal,
            evidenced: false,
        })
        .collect();
    credits.extend_from_slice(extra);
    Input {
        programme: standing.programme,
        kind: Kind::Renewal,
        credits,
        valid_from: Some(standing.valid_from),
        valid_until: Some(standing.valid_until),
        applied_on: today,
        route: Route::Credits,
        // Conditions that are not units (practical activity, a late reason) are not what a
        // seminar can fill.
        practical_activity_recorded: true,
        late_reason_given: true,
    }
}

/// (label, shortfall) of every rule counted in units.
fn shortfalls(input: &Input) -> Vec<(String, Decimal)> {
    requirements::check(input)
        .rules
        .into_iter()
        .filter_map(|r| {
            let short = (r.required? - r.counted?).max(Decimal::ZERO);
            Some((r.label, short))
        })
        .collect()
}

/// What the renewal still needs, in the rule's own words and order.
pub fn needs(standing: &Standing, today: NaiveDate) -> Vec<Need> {
    requirements::check(&input(standing, today, &[]))
        .rules
        .into_iter()
        .filter(|r| !r.met)
        .filter_map(|r| {
            let (required, counted) = (r.required?, r.counted?);
            Some(Need { label: r.label, required, counted, short: required - counted })
        })
        .collect()
}

/// The credits a seminar would give, dated its last day (as the portal counts a credit in a
/// term: see `db::credit_views::sums_within_validity`).
fn credits_of(candidate: &Candidate) -> Vec<Credit> {
    candidate
        .units
        .iter()
        .map(|(category, units)| Credit {
            category: *category,
            format: candidate.format,
            units: *units,
            date: candidate.ends_on,
            source: Source::Portal,
            evidenced: false,
        })
        .collect()
}

/// How much a seminar would lower the shortfalls, or None when it lowers none.
fn worth(
    standing: &Standing,
    today: NaiveDate,
    before: &[(String, Decimal)],
    candidate: &Candidate,
) -> Option<Suggestion> {
    let after = shortfalls(&input(standing, today, &credits_of(candidate)));
    let (mut minimum_gain, mut total_gain, mut fills) = (Decimal::ZERO, Decimal::ZERO, Vec::new());
    for ((label, was), (_, now)) in before.iter().zip(after.iter()) {
        let gain = *was - *now;
        if gain <= Decimal::ZERO {
            continue;
        }
        if label == RENEWAL_TOTAL_LABEL {
            total_gain += gain;
        } else {
            minimum_gain += gain;
        }
        fills.push(label.clone());
    }
    (minimum_gain + total_gain > Decimal::ZERO).then_some(Suggestion {
        id: candidate.id,
        fills,
        minimum_gain,
        total_gain,
    })
}

/// The candidates that would lower what the renewal still needs, best first: those that fill
/// a missing category (実地 for a physician without 実地) before those that only add to the
/// total, then the larger gain, then the sooner seminar.
pub fn rank(standing: &Standing, today: NaiveDate, candidates: &[Candidate]) -> Vec<Suggestion> {
    let before = shortfalls(&input(standing, today, &[]));
    if before.iter().all(|(_, short)| short.is_zero()) {
        return Vec::new();
    }
    let mut ranked: Vec<(Suggestion, NaiveDate)> = candidates
        .iter()
        .filter(|c| c.starts_on >= today)
        .filter_map(|c| worth(standing, today, &before, c).map(|s| (s, c.starts_on)))
        .collect();
    ranked.sort_by(|(a, a_on), (b, b_on)| {
        b.minimum_gain
            .cmp(&a.minimum_gain)
            .then(b.total_gain.cmp(&a.total_gain))
            .then(a_on.cmp(b_on))
            .then(a.id.cmp(&b.id))
    });
    ranked.into_iter().map(|(s, _)| s).collect()
}

/// Whether a Web seminar could still help at all: false once the Web units that count have
/// reached the cap (and every category a Web unit could lift is met).
pub fn web_still_counts(standing: &Standing, today: NaiveDate) -> bool {
    let before = shortfalls(&input(standing, today, &[]));
    standing.programme.categories().into_iter().filter(|c| c.allowed_in(Format::Web)).any(|c| {
        let probe = Candidate {
            id: 0,
            starts_on: today,
            ends_on: today.min(standing.valid_until),
            format: Format::Web,
            units: vec![(c, Decimal::ONE)],
        };
        worth(standing, today, &before, &probe).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;
    use Format::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2025, 6, 1);

    fn today() -> NaiveDate {
        date(TODAY.0, TODAY.1, TODAY.2)
    }

    fn occupational(credits: &[(Category, Format, i64)]) -> Standing {
        Standing {
            programme: Programme::Occupational,
            valid_from: date(2021, 4, 1),
            valid_until: date(2026, 3, 31),
            credits: credits.iter().map(|(c, f, u)| (*c, *f, Decimal::from(*u))).collect(),
        }
    }

    fn seminar(id: i64, on: NaiveDate, format: Format, units: &[(Category, i64)]) -> Candidate {
        Candidate {
            id,
            starts_on: on,
            ends_on: on,
            format,
            units: units.iter().map(|(c, u)| (*c, Decimal::from(*u))).collect(),
        }
    }

    fn ids(s: &[Suggestion]) -> Vec<i64> {
        s.iter().map(|s| s.id).collect()
    }

    #[test]
    fn needs_are_the_unmet_rules_of_the_one_renewal_check() {
        let s =
            occupational(&[(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 5)]);
        let needs = needs(&s, today());
        let labels: Vec<&str> = needs.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, vec![RENEWAL_TOTAL_LABEL, "生涯研修 実地（対面のみ）"]);
        assert_eq!(needs[0].short, Decimal::from(5));
        assert_eq!(needs[1].short, Decimal::ONE);
        let done = occupational(&[
            (LifelongRenewal, InPerson, 10),
            (LifelongPractical, InPerson, 5),
            (LifelongSpecialized, InPerson, 5),
        ]);
        assert!(super::needs(&done, today()).is_empty());
        assert!(rank(
            &done,
            today(),
            &[seminar(1, date(2025, 7, 1), InPerson, &[(LifelongRenewal, 2)])]
        )
        .is_empty());
    }

    /// (case, credits, candidates, expected order of ids).
    type Case = (&'static str, Vec<(Category, Format, i64)>, Vec<Candidate>, Vec<i64>);

    #[test]
    fn ranking_table() {
        let jul = date(2025, 7, 1);
        let aug = date(2025, 8, 1);
        let cases: Vec<Case> = vec![
            (
                "short of 実地: 実地 seminars first, even a smaller and later one",
                vec![(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 5)],
                vec![
                    seminar(1, jul, InPerson, &[(LifelongRenewal, 4)]),
                    seminar(2, aug, InPerson, &[(LifelongPractical, 1)]),
                    seminar(3, jul, InPerson, &[(LifelongSpecialized, 2)]),
                ],
                vec![2, 1, 3],
            ),
            (
                "Web 実地 never counts, so it is not suggested",
                vec![(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 5)],
                vec![
                    seminar(1, jul, Web, &[(LifelongPractical, 2)]),
                    seminar(2, aug, InPerson, &[(LifelongPractical, 2)]),
                ],
                vec![2],
            ),
            (
                "Web cap reached: Web seminars stop being suggested",
                vec![
                    (LifelongRenewal, InPerson, 3),
                    (LifelongPractical, InPerson, 3),
                    (LifelongSpecialized, InPerson, 3),
                    (LifelongRenewal, Web, 5),
                ],
                vec![
                    seminar(1, jul, Web, &[(LifelongSpecialized, 2)]),
                    seminar(2, aug, InPerson, &[(LifelongSpecialized, 2)]),
                ],
                vec![2],
            ),
            (
                "below the cap a Web seminar counts up to the cap",
                vec![
                    (LifelongRenewal, InPerson, 3),
                    (LifelongPractical, InPerson, 3),
                    (LifelongSpecialized, InPerson, 3),
                    (LifelongRenewal, Web, 4),
                ],
                vec![
                    seminar(1, jul, Web, &[(LifelongSpecialized, 3)]),
                    seminar(2, aug, InPerson, &[(LifelongSpecialized, 2)]),
                ],
                vec![2, 1],
            ),
            (
                "capped Web units move to a missing category: a Web 更新 seminar fills 更新",
                vec![
                    (LifelongPractical, InPerson, 10),
                    (LifelongSpecialized, InPerson, 3),
                    (LifelongSpecialized, Web, 5),
                ],
                vec![seminar(1, jul, Web, &[(LifelongRenewal, 1)])],
                vec![1],
            ),
            (
                "a seminar after expiry does not count",
                vec![(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 5)],
                vec![
                    seminar(1, date(2026, 4, 1), InPerson, &[(LifelongPractical, 2)]),
                    seminar(2, jul, InPerson, &[(LifelongRenewal, 2)]),
                ],
                vec![2],
            ),
            (
                "past seminars are not suggested; equal gains go soonest first",
                vec![(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 5)],
                vec![
                    seminar(1, date(2025, 5, 1), InPerson, &[(LifelongPractical, 2)]),
                    seminar(3, aug, InPerson, &[(LifelongPractical, 2)]),
                    seminar(2, jul, InPerson, &[(LifelongPractical, 2)]),
                ],
                vec![2, 3],
            ),
            (
                "other programme's and 基礎 units add nothing to a renewal",
                vec![(LifelongRenewal, InPerson, 10)],
                vec![
                    seminar(1, jul, InPerson, &[(BasicLate, 5)]),
                    seminar(2, jul, InPerson, &[(SportsRetraining, 5)]),
                ],
                vec![],
            ),
        ];
        for (case, credits, candidates, want) in cases {
            let got = rank(&occupational(&credits), today(), &candidates);
            assert_eq!(ids(&got), want, "{case}");
        }
    }

    #[test]
    fn a_suggestion_names_the_requirements_it_fills() {
        let s =
            occupational(&[(LifelongRenewal, InPerson, 10), (LifelongSpecialized, InPerson, 5)]);
        let got =
            rank(&s, today(), &[seminar(1, date(2025, 7, 1), InPerson, &[(LifelongPractical, 2)])]);
        assert_eq!(
            got[0].fills,
            vec![RENEWAL_TOTAL_LABEL.to_string(), "生涯研修 実地（対面のみ）".into()]
        );
        assert_eq!(got[0].minimum_gain, Decimal::ONE);
        assert_eq!(got[0].total_gain, Decimal::from(2));
    }

    #[test]
    fn sports_renewal_suggests_retraining_in_any_format() {
        let s = Standing {
            programme: Programme::Sports,
            valid_from: date(2021, 4, 1),
            valid_until: date(2026, 3, 31),
            credits: vec![(SportsRetraining, InPerson, Decimal::from(3))],
        };
        let jul = date(2025, 7, 1);
        let got = rank(
            &s,
            today(),
            &[
                seminar(1, jul, Web, &[(SportsRetraining, 2)]),
                seminar(2, jul, InPerson, &[(LifelongRenewal, 2)]),
            ],
        );
        assert_eq!(ids(&got), vec![1]);
        assert!(web_still_counts(&s, today()));
    }

    #[test]
    fn web_still_counts_until_the_cap() {
        let below = occupational(&[(LifelongRenewal, Web, 4), (LifelongPractical, InPerson, 1)]);
        assert!(web_still_counts(&below, today()));
        let at_cap = occupational(&[
            (LifelongRenewal, Web, 5),
            (LifelongSpecialized, InPerson, 1),
            (LifelongRenewal, InPerson, 1),
        ]);
        assert!(!web_still_counts(&at_cap, today()));
    }
}
