//! The review states of a seminar (the `seminars.status` column, stored through
//! `db::text_enum`) and the one table of which command moves which state (DOMAIN §5, §6):
//! the approving prefecture approves or returns a submitted application, JMA's committee
//! approves or rejects what the prefecture approved, the organizer corrects a submitted or
//! returned one. A use case asks `after` before it writes; the `db/` statement repeats the
//! expected state in its WHERE so that two staff members acting at once cannot both win.

/// The review states of a seminar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Submitted,
    Returned,
    PrefectureApproved,
    Approved,
    Rejected,
    Withdrawn,
}

/// What staff or the organizer do to a seminar application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// The organizer corrects the application (staff form or the outside correction link).
    Resubmit,
    /// The approving prefecture approves: on to JMA's committee.
    PrefectureApprove,
    /// The approving prefecture returns it for correction.
    PrefectureReturn,
    /// JMA's committee approves: the work page is issued.
    CommitteeApprove,
    /// JMA's committee rejects it.
    CommitteeReject,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Submitted,
        Status::Returned,
        Status::PrefectureApproved,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::PrefectureApproved => "prefecture_approved",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Submitted => "都道府県医師会の審査待ち",
            Status::Returned => "差し戻し（修正待ち）",
            Status::PrefectureApproved => "日本医師会の審査待ち",
            Status::Approved => "承認済み",
            Status::Rejected => "不承認",
            Status::Withdrawn => "取り下げ",
        }
    }

    /// The organizer may correct and resubmit.
    pub fn editable(self) -> bool {
        self.after(Command::Resubmit).is_some()
    }

    /// The state `command` leads to from this one; None: not allowed now.
    pub fn after(self, command: Command) -> Option<Status> {
        use Command::*;
        match (self, command) {
            (Status::Submitted | Status::Returned, Resubmit) => Some(Status::Submitted),
            (Status::Submitted, PrefectureApprove) => Some(Status::PrefectureApproved),
            (Status::Submitted, PrefectureReturn) => Some(Status::Returned),
            (Status::PrefectureApproved, CommitteeApprove) => Some(Status::Approved),
            (Status::PrefectureApproved, CommitteeReject) => Some(Status::Rejected),
            _ => None,
        }
    }

    /// The state a command is allowed from (the `db/` statement's WHERE), for the commands
    /// that have exactly one.
    pub fn before(command: Command) -> &'static [Status] {
        match command {
            Command::Resubmit => &[Status::Submitted, Status::Returned],
            Command::PrefectureApprove | Command::PrefectureReturn => &[Status::Submitted],
            Command::CommitteeApprove | Command::CommitteeReject => &[Status::PrefectureApproved],
        }
    }
}

/// Audit entries carry the stored code (「approved」).
impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// The longest reason for a return or a rejection.
pub const COMMENT_MAX: usize = 1000;

/// A required comment (reason for a return or a rejection), at most 1000 characters.
pub fn required_comment(text: &str, missing: &'static str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(missing);
    }
    if text.chars().count() > COMMENT_MAX {
        return Err("コメントは1000文字以内で入力してください。");
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::Command::*;
    use super::Status::*;
    use super::*;

    const COMMANDS: [Command; 5] =
        [Resubmit, PrefectureApprove, PrefectureReturn, CommitteeApprove, CommitteeReject];

    #[test]
    fn every_state_and_command_has_one_answer() {
        let table: &[(Status, Command, Option<Status>)] = &[
            (Submitted, Resubmit, Some(Submitted)),
            (Submitted, PrefectureApprove, Some(PrefectureApproved)),
            (Submitted, PrefectureReturn, Some(Returned)),
            (Submitted, CommitteeApprove, None),
            (Submitted, CommitteeReject, None),
            (Returned, Resubmit, Some(Submitted)),
            (Returned, PrefectureApprove, None),
            (Returned, PrefectureReturn, None),
            (Returned, CommitteeApprove, None),
            (Returned, CommitteeReject, None),
            (PrefectureApproved, Resubmit, None),
            (PrefectureApproved, PrefectureApprove, None),
            (PrefectureApproved, PrefectureReturn, None),
            (PrefectureApproved, CommitteeApprove, Some(Approved)),
            (PrefectureApproved, CommitteeReject, Some(Rejected)),
        ];
        for (from, command, to) in table {
            assert_eq!(from.after(*command), *to, "{from:?} {command:?}");
        }
        for done in [Approved, Rejected, Withdrawn] {
            for command in COMMANDS {
                assert_eq!(done.after(command), None, "{done:?} is final for {command:?}");
            }
        }
    }

    #[test]
    fn before_lists_exactly_the_states_a_command_leaves() {
        for command in COMMANDS {
            let from: Vec<Status> =
                Status::ALL.into_iter().filter(|s| s.after(command).is_some()).collect();
            assert_eq!(from, Status::before(command), "{command:?}");
        }
    }

    #[test]
    fn codes_round_trip_and_editable_follows_resubmit() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert!(Returned.editable() && Submitted.editable());
        assert!(!Approved.editable() && !PrefectureApproved.editable());
        assert_eq!(Status::from_code("nonsense"), None);
    }

    #[test]
    fn a_reason_is_required_and_at_most_1000_characters() {
        assert_eq!(required_comment("  ", "理由を"), Err("理由を"));
        assert_eq!(required_comment(" 日程の確認 ", "x"), Ok("日程の確認".to_string()));
        assert!(required_comment(&"あ".repeat(COMMENT_MAX), "x").is_ok());
        assert!(required_comment(&"あ".repeat(COMMENT_MAX + 1), "x").is_err());
    }
}
