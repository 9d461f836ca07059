//! The three-tier review of applications (DOMAIN §6), as pure rules: which tier acts on an
//! application, which review cycle a forwarded application joins, whether the prefecture may
//! forward it, and the validity an approval gives.

use chrono::{Days, Months, NaiveDate};

use super::requirements::limits;

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

    pub fn label(self) -> &'static str {
        match self {
            Tier::Municipal => "郡市区医師会",
            Tier::Prefectural => "都道府県医師会",
            Tier::Jma => "日本医師会",
        }
    }
}

/// The tier whose turn it is, or None (draft, returned to the physician, decided).
///
/// A submitted application goes to the municipal association that receives it (where the
/// physician handed it in there), unless a later tier returned it: a correction goes back to
/// the tier that asked for it. A correction asked for by JMA goes back through the prefecture,
/// which forwards it again to the next cycle (the committee that saw it has met).
pub fn acting_tier(
    status: &str,
    received_by_municipal: bool,
    returned_by: Option<&str>,
) -> Option<Tier> {
    match status {
        "submitted" => match returned_by.and_then(Tier::from_code) {
            Some(Tier::Prefectural) | Some(Tier::Jma) => Some(Tier::Prefectural),
            _ if received_by_municipal => Some(Tier::Municipal),
            _ => Some(Tier::Prefectural),
        },
        "municipal_received" => Some(Tier::Prefectural),
        "prefecture_approved" => Some(Tier::Jma),
        _ => None,
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "作成中",
        "submitted" => "申請済み（審査待ち）",
        "municipal_received" => "郡市区医師会が受付済み",
        "prefecture_approved" => "都道府県医師会が承認（日本医師会の審査待ち）",
        "returned" => "差し戻し（医師が修正中）",
        "approved" => "承認（認定）",
        "rejected" => "不承認",
        "withdrawn" => "取り下げ",
        _ => "不明",
    }
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
}
