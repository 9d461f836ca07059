//! Whose credit a registered attendee row is (`credits.match_status`, stored through
//! `db::text_enum`): attached to the physician whose registry number and birth date match,
//! waiting for the physician to register, held for staff because the birth date differs, or
//! rejected by staff (the organizer corrects the row). Matching itself is a `db/` statement
//! over the physicians table; this is the state and its words.

/// The state of one credit row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchStatus {
    Matched,
    Unmatched,
    BirthDateMismatch,
    Rejected,
}

impl MatchStatus {
    pub const ALL: [MatchStatus; 4] = [
        MatchStatus::Matched,
        MatchStatus::Unmatched,
        MatchStatus::BirthDateMismatch,
        MatchStatus::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::Unmatched => "unmatched",
            MatchStatus::BirthDateMismatch => "birth_date_mismatch",
            MatchStatus::Rejected => "rejected",
        }
    }

    pub fn from_code(code: &str) -> Option<MatchStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// In staff words (the seminar page, held credits).
    pub fn label(self) -> &'static str {
        match self {
            MatchStatus::Matched => "反映済み",
            MatchStatus::Unmatched => "該当する医師なし（登録待ち）",
            MatchStatus::BirthDateMismatch => "生年月日が不一致（確認待ち）",
            MatchStatus::Rejected => "紐付けを見送り",
        }
    }

    /// In the organizer's words (the work page): what happens next and who acts.
    pub fn for_organizer(self) -> &'static str {
        match self {
            MatchStatus::Matched => "反映済み（本人のマイページに表示）",
            MatchStatus::Unmatched => "本人のMAMIS登録待ち（登録後に自動で反映）",
            MatchStatus::BirthDateMismatch => "生年月日がMAMISの登録と不一致（事務局が確認中）",
            MatchStatus::Rejected => "事務局が紐付けを見送りました（内容を確認して直してください）",
        }
    }

    /// The page's marker class: done, waiting, or needing someone's attention.
    pub fn class(self) -> &'static str {
        match self {
            MatchStatus::Matched => "ok",
            MatchStatus::Unmatched => "waiting",
            MatchStatus::BirthDateMismatch | MatchStatus::Rejected => "error",
        }
    }

    /// Staff gave a reason the organizer reads.
    pub fn has_reason(self) -> bool {
        self == MatchStatus::Rejected
    }
}

/// Audit entries carry the stored code.
impl serde::Serialize for MatchStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_every_state_has_words_for_both_readers() {
        for s in MatchStatus::ALL {
            assert_eq!(MatchStatus::from_code(s.code()), Some(s));
            assert!(!s.label().is_empty() && !s.for_organizer().is_empty());
            assert_ne!(s.label(), s.for_organizer());
        }
        assert_eq!(MatchStatus::from_code("held"), None);
    }

    #[test]
    fn only_a_rejection_carries_a_reason_and_only_a_match_is_done() {
        let table = [
            (MatchStatus::Matched, "ok", false),
            (MatchStatus::Unmatched, "waiting", false),
            (MatchStatus::BirthDateMismatch, "error", false),
            (MatchStatus::Rejected, "error", true),
        ];
        for (s, class, reason) in table {
            assert_eq!((s.class(), s.has_reason()), (class, reason), "{s:?}");
        }
    }

    #[test]
    fn audit_json_carries_the_code() {
        let v = serde_json::json!({ "match_status": MatchStatus::BirthDateMismatch });
        assert_eq!(v["match_status"], "birth_date_mismatch");
    }
}
