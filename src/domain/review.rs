//! The three-tier review of applications (DOMAIN §6), as pure rules: which tier acts on an
//! application, which review cycle a forwarded application joins, whether the prefecture may
//! forward it, and the validity an approval gives.

use chrono::{Days, Months, NaiveDate};

use super::application::{self, Status};
use super::requirements::limits;
use super::role::Role;

/// The staff tiers that review an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Municipal,
    Prefectural,
    Jma,
}

impl Tier {
    pub fn code(self) -> &'static str {
        match self {
            Tier::Municipal => "municipal",
            Tier::Prefectural => "prefectural",
            Tier::Jma => "jma",
        }
    }

    pub fn from_code(code: &str) -> Option<Tier> {
        match code {
            "municipal" => Some(Tier::Municipal),
            "prefectural" => Some(Tier::Prefectural),
            "jma" => Some(Tier::Jma),
            _ => None,
        }
    }

    /// The tier a staff role reviews as (none for physicians and the administrator).
    pub fn of_role(role: Role) -> Option<Tier> {
        match role {
            Role::MunicipalStaff => Some(Tier::Municipal),
            Role::PrefecturalStaff => Some(Tier::Prefectural),
            Role::JmaStaff => Some(Tier::Jma),
            Role::Physician | Role::Sysadmin => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Municipal => "郡市区医師会",
            Tier::Prefectural => "都道府県医師会",
            Tier::Jma => "日本医師会",
        }
    }
}

/// The tier whose turn it is (see `application::acting_tier`), from the stored codes.
pub fn acting_tier(
    status: &str,
    received_by_municipal: bool,
    returned_by: Option<&str>,
) -> Option<Tier> {
    let status = Status::from_code(status)?;
    let returned_by = returned_by.and_then(Tier::from_code);
    application::acting_tier(application::State { status, received_by_municipal, returned_by })
}

pub fn status_label(status: &str) -> &'static str {
    Status::from_code(status).map(Status::label_for_staff).unwrap_or("不明")
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "new" => "新規申請",
        "renewal" => "更新申請",
        _ => "不明",
    }
}

/// A review cycle a forwarded application could join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleCandidate {
    pub id: i64,
    pub intake_deadline: NaiveDate,
    /// The forwarding prefecture's own, earlier deadline for this cycle, if it set one.
    pub internal_deadline: Option<NaiveDate>,
}

/// The cycle an application forwarded on `today` joins: the earliest whose JMA intake deadline
/// and the prefecture's internal deadline (if any) are both still ahead or today.
pub fn choose_cycle(candidates: &[CycleCandidate], today: NaiveDate) -> Option<i64> {
    candidates
        .iter()
        .filter(|c| c.intake_deadline >= today)
        .filter(|c| c.internal_deadline.is_none_or(|d| d >= today))
        .min_by_key(|c| c.intake_deadline)
        .map(|c| c.id)
}

/// Why the prefecture may not forward an application yet, if it may not.
pub fn forward_blocker(
    programme: &str,
    fee_paid: bool,
    handbook_declared: bool,
    handbook_received: bool,
) -> Option<&'static str> {
    if !fee_paid {
        return Some("申請料の入金が記録されていません。入金を記録してから承認してください。");
    }
    if programme == "occupational" && handbook_declared && !handbook_received {
        return Some(
            "手帳の単位が申告されていますが、手帳の原本の受領が記録されていません。受領を記録してから承認してください。",
        );
    }
    None
}

fn five_years_from(from: NaiveDate) -> (NaiveDate, NaiveDate) {
    // The day before `from`, five years on (so 2/29 starts end on 2/28, not 2/27).
    let end = from
        .checked_sub_days(Days::new(1))
        .and_then(|d| d.checked_add_months(Months::new(12 * limits::VALIDITY_YEARS)))
        .unwrap_or(from);
    (from, end)
}

/// A new certification: valid from the committee date for 5 years.
pub fn new_validity(committee_date: NaiveDate) -> (NaiveDate, NaiveDate) {
    five_years_from(committee_date)
}

/// A renewal: from the day after the previous expiry, for 5 years.
pub fn renewal_validity(previous_until: NaiveDate) -> (NaiveDate, NaiveDate) {
    five_years_from(previous_until.succ_opt().unwrap_or(previous_until))
}

/// Whether JMA may close a cycle on `today`: not before its intake deadline unless the
/// closing is explicitly confirmed (applications the prefectures forward meanwhile then join
/// the next cycle), and never while applications in it await a decision.
pub fn close_blocker(
    today: NaiveDate,
    intake_deadline: NaiveDate,
    confirmed_early: bool,
    awaiting: i64,
) -> Option<CloseBlocker> {
    if awaiting > 0 {
        Some(CloseBlocker::Awaiting(awaiting))
    } else if today < intake_deadline && !confirmed_early {
        Some(CloseBlocker::BeforeIntakeDeadline)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseBlocker {
    /// Applications in the cycle still await a decision.
    Awaiting(i64),
    /// The intake deadline has not passed: ask for an explicit confirmation.
    BeforeIntakeDeadline,
}

/// A closed cycle can be reopened until its committee date.
pub fn may_reopen(today: NaiveDate, committee_date: NaiveDate) -> bool {
    today <= committee_date
}

/// Decisions take effect on the committee date: one recorded earlier (JMA enters them as the
/// committee's papers are ready) is dated, mailed and certified as of that date.
pub fn effective_on(committee_date: NaiveDate) -> NaiveDate {
    committee_date
}

/// Where a physician hands in an application (DOMAIN §6, issue 9 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reception {
    /// Through this municipal association (the member's own).
    Municipal(i64),
    /// Directly to the prefectural association.
    Prefectural,
}

/// The one route that applies: where the prefecture uses municipal reception, members apply
/// through their municipal association and non-members directly to the prefecture; elsewhere
/// everyone applies to the prefecture. With the reason, in the physician's words.
pub fn reception(
    uses_municipal: bool,
    is_member: bool,
    member_association: Option<i64>,
) -> (Reception, &'static str) {
    match (uses_municipal, is_member, member_association) {
        (false, _, _) => {
            (Reception::Prefectural, "お住まいの都道府県では、都道府県医師会へ直接申請します。")
        }
        (true, true, Some(id)) => (
            Reception::Municipal(id),
            "医師会の会員の方は、所属する郡市区医師会を通じて申請します（都道府県医師会の定め）。",
        ),
        (true, true, None) => (
            Reception::Prefectural,
            "所属する郡市区医師会が登録されていないため、都道府県医師会へ直接申請します。",
        ),
        (true, false, _) => {
            (Reception::Prefectural, "医師会の会員でない方は、都道府県医師会へ直接申請します。")
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
    fn the_acting_tier_follows_reception_and_returns() {
        let cases = [
            ("submitted", true, None, Some(Tier::Municipal)),
            ("submitted", false, None, Some(Tier::Prefectural)),
            ("submitted", true, Some("municipal"), Some(Tier::Municipal)),
            ("submitted", true, Some("prefectural"), Some(Tier::Prefectural)),
            ("submitted", true, Some("jma"), Some(Tier::Prefectural)),
            ("submitted", false, Some("jma"), Some(Tier::Prefectural)),
            ("municipal_received", true, None, Some(Tier::Prefectural)),
            ("prefecture_approved", true, None, Some(Tier::Jma)),
            ("returned", true, Some("municipal"), None),
            ("draft", false, None, None),
            ("approved", false, None, None),
            ("rejected", false, None, None),
        ];
        for (status, municipal, returned, want) in cases {
            assert_eq!(acting_tier(status, municipal, returned), want, "{status} {returned:?}");
        }
    }

    fn fy2026() -> Vec<CycleCandidate> {
        vec![
            CycleCandidate { id: 7, intake_deadline: d(2026, 5, 1), internal_deadline: None },
            CycleCandidate { id: 8, intake_deadline: d(2026, 7, 1), internal_deadline: None },
        ]
    }

    #[test]
    fn a_cycle_is_joined_up_to_its_intake_deadline_inclusive() {
        assert_eq!(choose_cycle(&fy2026(), d(2026, 4, 30)), Some(7));
        assert_eq!(choose_cycle(&fy2026(), d(2026, 5, 1)), Some(7));
        assert_eq!(choose_cycle(&fy2026(), d(2026, 5, 2)), Some(8));
        assert_eq!(choose_cycle(&fy2026(), d(2026, 7, 2)), None);
    }

    #[test]
    fn the_prefectures_internal_deadline_comes_first() {
        let mut cycles = fy2026();
        cycles[0].internal_deadline = Some(d(2026, 4, 20));
        assert_eq!(choose_cycle(&cycles, d(2026, 4, 20)), Some(7));
        assert_eq!(choose_cycle(&cycles, d(2026, 4, 21)), Some(8));
    }

    #[test]
    fn forwarding_needs_the_fee_and_for_handbook_credits_the_original() {
        assert!(forward_blocker("occupational", false, false, false).is_some());
        assert!(forward_blocker("occupational", true, false, false).is_none());
        assert!(forward_blocker("occupational", true, true, false).is_some());
        assert!(forward_blocker("occupational", true, true, true).is_none());
        assert!(forward_blocker("sports", true, true, false).is_none());
    }

    #[test]
    fn validity_of_new_and_renewed_certifications() {
        assert_eq!(new_validity(d(2026, 5, 31)), (d(2026, 5, 31), d(2031, 5, 30)));
        assert_eq!(renewal_validity(d(2026, 7, 31)), (d(2026, 8, 1), d(2031, 7, 31)));
        // Leap day: the end is the last day before the fifth anniversary.
        assert_eq!(new_validity(d(2028, 2, 29)), (d(2028, 2, 29), d(2033, 2, 28)));
        assert_eq!(renewal_validity(d(2027, 3, 31)), (d(2027, 4, 1), d(2032, 3, 31)));
    }

    #[test]
    fn closing_a_cycle_early_needs_confirmation_and_reopening_ends_at_the_committee() {
        let (intake, committee) = (d(2026, 5, 1), d(2026, 5, 31));
        let cases = [
            (d(2026, 4, 10), false, 0, Some(CloseBlocker::BeforeIntakeDeadline)),
            (d(2026, 4, 10), true, 0, None),
            (d(2026, 5, 1), false, 0, None),
            (d(2026, 5, 31), false, 2, Some(CloseBlocker::Awaiting(2))),
            (d(2026, 4, 10), true, 1, Some(CloseBlocker::Awaiting(1))),
        ];
        for (today, confirmed, awaiting, want) in cases {
            assert_eq!(close_blocker(today, intake, confirmed, awaiting), want, "{today}");
        }
        assert!(may_reopen(d(2026, 5, 31), committee));
        assert!(!may_reopen(d(2026, 6, 1), committee));
        assert_eq!(effective_on(committee), committee);
    }

    #[test]
    fn members_go_through_their_municipal_association_where_the_prefecture_says_so() {
        let cases = [
            (false, true, Some(7), Reception::Prefectural),
            (false, false, None, Reception::Prefectural),
            (true, true, Some(7), Reception::Municipal(7)),
            (true, true, None, Reception::Prefectural),
            (true, false, Some(7), Reception::Prefectural),
        ];
        for (uses, member, association, want) in cases {
            let (got, why) = reception(uses, member, association);
            assert_eq!(got, want, "{uses} {member} {association:?}");
            assert!(!why.is_empty());
        }
    }
}
