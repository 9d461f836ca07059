//! Applications (new and renewal, both programmes) in every status, each with the history
//! rows the review would have written, dated around the committee cycles.

use chrono::{Days, NaiveDate};
use rand::Rng;

use super::rng_for;
use crate::domain::category::Programme;

const STREAM_APPLICATION: u64 = 20;

/// A review cycle as the generator needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cycle {
    pub id: i64,
    pub intake_deadline: NaiveDate,
    pub committee_date: NaiveDate,
}

pub const STATUSES: [&str; 8] = [
    "draft",
    "submitted",
    "municipal_received",
    "prefecture_approved",
    "returned",
    "approved",
    "rejected",
    "withdrawn",
];

/// Who acted in an application's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Physician,
    Municipal,
    Prefectural,
    Jma,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub on: NaiveDate,
    pub actor: Actor,
    pub action: &'static str,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub no: u32,
    /// Physician index (0-based).
    pub physician: usize,
    pub programme: Programme,
    /// Index into the certifications when this is a renewal.
    pub renews: Option<usize>,
    pub status: &'static str,
    /// Received through a municipal association (where the prefecture uses that tier).
    pub via_municipal: bool,
    pub returned_by_tier: Option<&'static str>,
    pub return_comment: Option<String>,
    pub practical_activity: Option<String>,
    pub cycle_id: Option<i64>,
    pub created_on: NaiveDate,
    pub submitted_on: Option<NaiveDate>,
    pub fee_paid_on: Option<NaiveDate>,
    pub forwarded_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub events: Vec<Event>,
}

/// What the generator knows of a physician when deciding an application.
pub struct Holder {
    pub uses_municipal: bool,
    /// Certification indexes per programme.
    pub occupational: Option<usize>,
    pub sports: Option<usize>,
}

fn ev(on: NaiveDate, actor: Actor, action: &'static str, comment: Option<&str>) -> Event {
    Event { on, actor, action, comment: comment.map(str::to_string) }
}

/// `count` applications from distinct physicians (so at most one open per programme).
/// Decided ones are spread over the cycles whose committee has met; forwarded ones wait for
/// the next committee; the rest are recent.
pub fn applications(
    seed: u64,
    count: u32,
    holders: &[Holder],
    cycles: &[Cycle],
    today: NaiveDate,
) -> Vec<Application> {
    assert!(count as usize <= holders.len(), "one application per physician at most");
    let past: Vec<&Cycle> = cycles.iter().filter(|c| c.committee_date < today).collect();
    let next =
        cycles.iter().filter(|c| c.intake_deadline >= today).min_by_key(|c| c.intake_deadline);
    let n = holders.len();
    let mut stride = 7919 % n.max(2);
    while stride == 0 || gcd(stride, n) != 1 {
        stride += 1;
    }
    (0..count)
        .map(|no| {
            let mut rng = rng_for(seed, STREAM_APPLICATION, u64::from(no));
            let physician = (no as usize * stride + seed as usize % n) % n;
            let holder = &holders[physician];
            let programme =
                if rng.gen_bool(0.7) { Programme::Occupational } else { Programme::Sports };
            let renews = match programme {
                Programme::Occupational => holder.occupational,
                Programme::Sports => holder.sports,
            };
            let mut status = STATUSES[match rng.gen_range(0..100) {
                0..=4 => 0,
                5..=16 => 1,
                17..=21 => 2,
                22..=33 => 3,
                34..=39 => 4,
                40..=91 => 5,
                92..=94 => 6,
                _ => 7,
            }];
            if status == "municipal_received" && !holder.uses_municipal {
                status = "submitted";
            }
            if matches!(status, "approved" | "rejected") && past.is_empty()
                || status == "prefecture_approved" && next.is_none()
            {
                status = "submitted";
            }
            let via_municipal = holder.uses_municipal;
            let mut app = Application {
                no: no + 1,
                physician,
                programme,
                renews,
                status,
                via_municipal,
                returned_by_tier: None,
                return_comment: None,
                practical_activity: (programme == Programme::Sports && renews.is_some())
                    .then(|| "地域のスポーツ教室で運動指導を担当（年6回）。".to_string()),
                cycle_id: None,
                created_on: today,
                submitted_on: None,
                fee_paid_on: None,
                forwarded_on: None,
                decided_on: None,
                events: Vec::new(),
            };
            // The day the physician submitted, and the cycle it is (or was) reviewed in.
            let (submitted, cycle) = match status {
                "approved" | "rejected" => {
                    let c = past[rng.gen_range(0..past.len())];
                    (c.intake_deadline - Days::new(rng.gen_range(20..70)), Some(c))
                }
                "prefecture_approved" => (today - Days::new(rng.gen_range(20..50)), next),
                _ => (today - Days::new(rng.gen_range(10..45)), None),
            };
            app.created_on = submitted - Days::new(rng.gen_range(0..10));
            app.events.push(ev(app.created_on, Actor::Physician, "created", None));
            if status == "draft" {
                return app;
            }
            app.submitted_on = Some(submitted);
            app.events.push(ev(submitted, Actor::Physician, "submitted", None));
            let mut day = submitted;
            if via_municipal && status != "submitted" {
                day = day + Days::new(rng.gen_range(1..5));
                app.events.push(ev(day, Actor::Municipal, "received", None));
            }
            match status {
                "returned" => {
                    let tier = if via_municipal && rng.gen_bool(0.3) {
                        "municipal"
                    } else {
                        "prefectural"
                    };
                    let comment = "添付書類が不鮮明です。再度アップロードしてください。";
                    day = day + Days::new(rng.gen_range(1..7));
                    let actor =
                        if tier == "municipal" { Actor::Municipal } else { Actor::Prefectural };
                    app.events.push(ev(day.min(today), actor, "returned", Some(comment)));
                    app.returned_by_tier = Some(tier);
                    app.return_comment = Some(comment.to_string());
                }
                "withdrawn" => {
                    day = day + Days::new(rng.gen_range(1..7));
                    app.events.push(ev(day.min(today), Actor::Physician, "withdrawn", None));
                    app.decided_on = Some(day.min(today));
                }
                "prefecture_approved" | "approved" | "rejected" => {
                    let cycle = cycle.expect("a cycle for forwarded applications");
                    day = day + Days::new(rng.gen_range(2..8));
                    app.fee_paid_on = Some(day);
                    app.events.push(ev(day, Actor::Prefectural, "fee_recorded", None));
                    let forwarded = (day + Days::new(rng.gen_range(1..10)))
                        .min(cycle.intake_deadline)
                        .min(today);
                    app.forwarded_on = Some(forwarded);
                    app.cycle_id = Some(cycle.id);
                    app.events.push(ev(forwarded, Actor::Prefectural, "prefecture_approved", None));
                    if status != "prefecture_approved" {
                        let (action, comment) = if status == "approved" {
                            ("approved", "運営委員会で承認されました。")
                        } else {
                            ("rejected", "単位要件を満たしていないため不承認となりました。")
                        };
                        app.decided_on = Some(cycle.committee_date);
                        app.events.push(ev(
                            cycle.committee_date,
                            Actor::Jma,
                            action,
                            Some(comment),
                        ));
                    }
                }
                _ => {}
            }
            app
        })
        .collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn applications_cover_every_status_from_distinct_physicians() {
        let holders: Vec<Holder> = (0..2_000)
            .map(|i| Holder {
                uses_municipal: i % 3 == 0,
                occupational: (i % 2 == 0).then_some(i),
                sports: (i % 5 == 0).then_some(i),
            })
            .collect();
        let cycles = vec![
            Cycle { id: 1, intake_deadline: d(2025, 5, 1), committee_date: d(2025, 5, 31) },
            Cycle { id: 2, intake_deadline: d(2025, 7, 1), committee_date: d(2025, 7, 31) },
            Cycle { id: 3, intake_deadline: d(2025, 9, 1), committee_date: d(2025, 9, 30) },
        ];
        let today = d(2025, 8, 10);
        let apps = applications(3, 1_500, &holders, &cycles, today);
        let statuses: HashSet<_> = apps.iter().map(|a| a.status).collect();
        assert_eq!(statuses.len(), STATUSES.len());
        let people: HashSet<_> = apps.iter().map(|a| a.physician).collect();
        assert_eq!(people.len(), apps.len());
        for a in &apps {
            assert!(a.events.windows(2).all(|w| w[0].on <= w[1].on), "{a:?}");
            match a.status {
                "approved" | "rejected" => assert!(matches!(a.cycle_id, Some(1 | 2))),
                "prefecture_approved" => assert_eq!(a.cycle_id, Some(3)),
                _ => assert_eq!(a.cycle_id, None),
            }
            assert!(a.events.iter().all(|e| e.on <= today));
        }
        assert_eq!(apps, applications(3, 1_500, &holders, &cycles, today));
    }
}
