//! An application's life (DOMAIN §6, issue 9): draft → submitted → received by the municipal
//! association → approved by the prefecture and forwarded into a cycle → decided (approved /
//! rejected); returned ↔ resubmitted at each tier; withdrawn. Each transition is a pure
//! function that says whether it is allowed and why not. And the one date an application's
//! requirement check is judged on.

use chrono::NaiveDate;

use super::review::Tier;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    MunicipalReceived,
    PrefectureApproved,
    Returned,
    Approved,
    Rejected,
    Withdrawn,
}

/// What someone does to an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The physician submits a draft or resubmits a returned application.
    Submit,
    /// The physician withdraws it.
    Withdraw,
    /// The municipal association receives it (受付) and passes it to the prefecture.
    Receive,
    /// The prefecture approves it and forwards it into a cycle.
    Forward,
    /// A tier returns it to the physician for correction.
    Return,
    /// JMA's committee decides.
    Approve,
    Reject,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::Submitted,
        Status::MunicipalReceived,
        Status::PrefectureApproved,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::MunicipalReceived => "municipal_received",
            Status::PrefectureApproved => "prefecture_approved",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Decided or withdrawn: nothing more happens to it.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Approved | Status::Rejected | Status::Withdrawn)
    }

    /// Handed in and not yet decided: in the associations' hands.
    pub fn is_in_review(self) -> bool {
        matches!(self, Status::Submitted | Status::MunicipalReceived | Status::PrefectureApproved)
    }

    /// The physician may change it (declared credits, files, texts).
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    /// As the physician reads it.
    pub fn label_for_physician(self) -> &'static str {
        match self {
            Status::Draft => "作成中（未提出）",
            Status::Submitted => "提出済み（受付待ち）",
            Status::MunicipalReceived => "郡市区医師会で受付済み（都道府県医師会の確認待ち）",
            Status::PrefectureApproved => "都道府県医師会で確認済み（日本医師会の審査待ち）",
            Status::Returned => "差し戻し（修正して再提出してください）",
            Status::Approved => "認定されました",
            Status::Rejected => "認定されませんでした",
            Status::Withdrawn => "取り下げました",
        }
    }

    /// As staff read it.
    pub fn label_for_staff(self) -> &'static str {
        match self {
            Status::Draft => "作成中",
            Status::Submitted => "申請済み（審査待ち）",
            Status::MunicipalReceived => "郡市区医師会が受付済み",
            Status::PrefectureApproved => "都道府県医師会が承認（日本医師会の審査待ち）",
            Status::Returned => "差し戻し（医師が修正中）",
            Status::Approved => "承認（認定）",
            Status::Rejected => "不承認",
            Status::Withdrawn => "取り下げ",
        }
    }
}

/// Who is acting on it: the physician, or staff of a tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Physician,
    Staff(Tier),
}

/// Where an application is, as much as the transitions need to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    /// The physician handed it in at a municipal association.
    pub received_by_municipal: bool,
    /// The tier that last returned it, if any.
    pub returned_by: Option<Tier>,
}

/// The tier whose turn it is, or None (draft, returned to the physician, decided).
///
/// A submitted application goes to the municipal association that receives it, unless a later
/// tier returned it: a correction goes back to the tier that asked for it. A correction asked
/// for by JMA goes back through the prefecture, which forwards it again into the next cycle.
pub fn acting_tier(state: State) -> Option<Tier> {
    match state.status {
        Status::Submitted => match state.returned_by {
            Some(Tier::Prefectural) | Some(Tier::Jma) => Some(Tier::Prefectural),
            _ if state.received_by_municipal => Some(Tier::Municipal),
            _ => Some(Tier::Prefectural),
        },
        Status::MunicipalReceived => Some(Tier::Prefectural),
        Status::PrefectureApproved => Some(Tier::Jma),
        _ => None,
    }
}

/// The status `event` by `actor` leads to, or why it is not allowed.
pub fn transition(state: State, actor: Actor, event: Event) -> Result<Status, &'static str> {
    use Status::*;
    let turn = acting_tier(state);
    match (actor, event) {
        (Actor::Physician, Event::Submit) => match state.status {
            Draft | Returned => Ok(Submitted),
            _ => Err("この申請はすでに提出されています。"),
        },
        (Actor::Physician, Event::Withdraw) => match state.status {
            Draft | Returned => Ok(Withdrawn),
            Submitted | MunicipalReceived | PrefectureApproved => {
                Err("提出済みの申請は取り下げられません。受付先の医師会にご連絡ください。")
            }
            _ => Err("この申請はすでに終了しています。"),
        },
        (Actor::Physician, _) => Err("この操作は事務局のみが行えます。"),
        (Actor::Staff(tier), _) if turn != Some(tier) => {
            Err("この申請は現在、他の段階で審査されています。画面を更新してください。")
        }
        (Actor::Staff(Tier::Municipal), Event::Receive) => Ok(MunicipalReceived),
        (Actor::Staff(Tier::Prefectural), Event::Forward) => Ok(PrefectureApproved),
        (Actor::Staff(_), Event::Return) => Ok(Returned),
        (Actor::Staff(Tier::Jma), Event::Approve) => Ok(Approved),
        (Actor::Staff(Tier::Jma), Event::Reject) => Ok(Rejected),
        (Actor::Staff(_), _) => Err("この段階では行えない操作です。"),
    }
}

/// The day an application's requirement check is judged on, or that it is frozen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckDate {
    /// Judge it as of this day.
    AsOf(NaiveDate),
    /// Decided: show the check kept at the decision, never recompute it.
    Frozen,
}

/// A draft (or an application returned for correction) is judged as of today; once handed in,
/// as of its submission date, so a renewal submitted before expiry stays on time while it
/// waits; once decided, as it was decided.
pub fn check_date(status: Status, submitted_on: Option<NaiveDate>, today: NaiveDate) -> CheckDate {
    match status {
        Status::Approved | Status::Rejected => CheckDate::Frozen,
        Status::Draft | Status::Returned => CheckDate::AsOf(today),
        Status::Submitted
        | Status::MunicipalReceived
        | Status::PrefectureApproved
        | Status::Withdrawn => CheckDate::AsOf(submitted_on.unwrap_or(today)),
    }
}

/// Audit entries and JSON carry the stored code (「approved」).
impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Read back from the stored code (rows the database returns as JSON).
impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Status::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown application status {code:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn state(status: Status, municipal: bool, returned_by: Option<Tier>) -> State {
        State { status, received_by_municipal: municipal, returned_by }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn transitions_as_a_table() {
        use Actor::{Physician, Staff};
        use Event::*;
        use Tier::*;
        let ok = |s| Ok::<Status, ()>(s);
        let no = Err::<Status, ()>(());
        let cases = [
            (state(Draft, false, None), Physician, Submit, ok(Submitted)),
            (state(Returned, true, Some(Municipal)), Physician, Submit, ok(Submitted)),
            (state(Submitted, false, None), Physician, Submit, no),
            (state(Draft, false, None), Physician, Withdraw, ok(Withdrawn)),
            (state(Returned, false, Some(Prefectural)), Physician, Withdraw, ok(Withdrawn)),
            (state(Submitted, false, None), Physician, Withdraw, no),
            (state(PrefectureApproved, false, None), Physician, Withdraw, no),
            (state(Approved, false, None), Physician, Withdraw, no),
            (state(Submitted, false, None), Physician, Approve, no),
            (state(Submitted, true, None), Staff(Municipal), Receive, ok(MunicipalReceived)),
            (state(Submitted, true, None), Staff(Prefectural), Forward, no),
            (state(Submitted, false, None), Staff(Prefectural), Forward, ok(PrefectureApproved)),
            (state(Submitted, false, None), Staff(Municipal), Receive, no),
            (
                state(MunicipalReceived, true, None),
                Staff(Prefectural),
                Forward,
                ok(PrefectureApproved),
            ),
            (state(MunicipalReceived, true, None), Staff(Prefectural), Return, ok(Returned)),
            (state(Submitted, true, None), Staff(Municipal), Return, ok(Returned)),
            // A correction goes back to the tier that asked for it; JMA's through the prefecture.
            (state(Submitted, true, Some(Prefectural)), Staff(Municipal), Receive, no),
            (
                state(Submitted, true, Some(Prefectural)),
                Staff(Prefectural),
                Forward,
                ok(PrefectureApproved),
            ),
            (
                state(Submitted, false, Some(Jma)),
                Staff(Prefectural),
                Forward,
                ok(PrefectureApproved),
            ),
            (state(PrefectureApproved, false, None), Staff(Jma), Approve, ok(Approved)),
            (state(PrefectureApproved, false, None), Staff(Jma), Reject, ok(Rejected)),
            (state(PrefectureApproved, false, None), Staff(Jma), Return, ok(Returned)),
            (state(PrefectureApproved, false, None), Staff(Prefectural), Return, no),
            (state(PrefectureApproved, false, None), Staff(Jma), Forward, no),
            (state(Approved, false, None), Staff(Jma), Approve, no),
            (state(Draft, false, None), Staff(Prefectural), Forward, no),
        ];
        for (s, actor, event, want) in cases {
            let got = transition(s, actor, event).map_err(|_| ());
            assert_eq!(got, want, "{s:?} {actor:?} {event:?}");
        }
    }

    #[test]
    fn refusals_say_why() {
        let s = state(PrefectureApproved, false, None);
        let why = transition(s, Actor::Physician, Event::Withdraw).unwrap_err();
        assert!(why.contains("取り下げられません"), "{why}");
    }

    #[test]
    fn the_check_is_judged_as_of_one_date() {
        let today = d(2026, 8, 20);
        let submitted = Some(d(2026, 4, 10));
        let cases = [
            (Draft, None, CheckDate::AsOf(today)),
            (Returned, submitted, CheckDate::AsOf(today)),
            (Submitted, submitted, CheckDate::AsOf(d(2026, 4, 10))),
            (MunicipalReceived, submitted, CheckDate::AsOf(d(2026, 4, 10))),
            (PrefectureApproved, submitted, CheckDate::AsOf(d(2026, 4, 10))),
            (Withdrawn, submitted, CheckDate::AsOf(d(2026, 4, 10))),
            (Approved, submitted, CheckDate::Frozen),
            (Rejected, submitted, CheckDate::Frozen),
        ];
        for (status, on, want) in cases {
            assert_eq!(check_date(status, on, today), want, "{status:?}");
        }
    }

    #[test]
    fn codes_round_trip_and_every_status_has_labels() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert!(!s.label_for_physician().is_empty() && !s.label_for_staff().is_empty());
        }
    }
}
