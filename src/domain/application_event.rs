//! The steps of an application's history (`application_events.action`), each with the one
//! Japanese label that the physician and staff both read.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationEvent {
    Created,
    Submitted,
    Resubmitted,
    Withdrawn,
    Received,
    Returned,
    FeeRecorded,
    HandbookReceived,
    PrefectureApproved,
    Approved,
    Rejected,
}

impl ApplicationEvent {
    pub const ALL: &'static [ApplicationEvent] = &[
        ApplicationEvent::Created,
        ApplicationEvent::Submitted,
        ApplicationEvent::Resubmitted,
        ApplicationEvent::Withdrawn,
        ApplicationEvent::Received,
        ApplicationEvent::Returned,
        ApplicationEvent::FeeRecorded,
        ApplicationEvent::HandbookReceived,
        ApplicationEvent::PrefectureApproved,
        ApplicationEvent::Approved,
        ApplicationEvent::Rejected,
    ];

    /// The code stored in `application_events.action`.
    pub fn code(self) -> &'static str {
        match self {
            ApplicationEvent::Created => "created",
            ApplicationEvent::Submitted => "submitted",
            ApplicationEvent::Resubmitted => "resubmitted",
            ApplicationEvent::Withdrawn => "withdrawn",
            ApplicationEvent::Received => "received",
            ApplicationEvent::Returned => "returned",
            ApplicationEvent::FeeRecorded => "fee_recorded",
            ApplicationEvent::HandbookReceived => "handbook_received",
            ApplicationEvent::PrefectureApproved => "prefecture_approved",
            ApplicationEvent::Approved => "approved",
            ApplicationEvent::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApplicationEvent::Created => "申請を作成",
            ApplicationEvent::Submitted => "申請を提出",
            ApplicationEvent::Resubmitted => "修正して再提出",
            ApplicationEvent::Withdrawn => "申請を取下げ",
            ApplicationEvent::Received => "郡市区医師会が受付",
            ApplicationEvent::Returned => "差し戻し（修正のお願い）",
            ApplicationEvent::FeeRecorded => "申請料の入金を確認",
            ApplicationEvent::HandbookReceived => "手帳の原本を受領",
            ApplicationEvent::PrefectureApproved => "都道府県医師会が承認（日本医師会へ進達）",
            ApplicationEvent::Approved => "日本医師会が承認（認定）",
            ApplicationEvent::Rejected => "日本医師会が不承認",
        }
    }

    pub fn parse(code: &str) -> Option<ApplicationEvent> {
        Self::ALL.iter().copied().find(|e| e.code() == code)
    }
}

/// The label of a stored step; a code this version does not know is named, not hidden.
pub fn label_of(code: &str) -> String {
    match ApplicationEvent::parse(code) {
        Some(event) => event.label().to_string(),
        None => format!("その他（{code}）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_round_trips_and_reads_in_japanese() {
        for e in ApplicationEvent::ALL {
            assert_eq!(ApplicationEvent::parse(e.code()), Some(*e));
            assert!(!e.label().is_ascii());
        }
        assert_eq!(ApplicationEvent::ALL.len(), 11);
    }

    #[test]
    fn payment_and_forwarding_have_their_own_words() {
        assert_eq!(label_of("fee_recorded"), "申請料の入金を確認");
        assert_eq!(label_of("prefecture_approved"), "都道府県医師会が承認（日本医師会へ進達）");
        assert_eq!(label_of("created"), "申請を作成");
        assert_eq!(label_of("new_step"), "その他（new_step）");
    }
}
