//! Mail to seminar organizers' contact persons.

use askama::Template;

use super::physician::Committee;
use super::{Message, Signature};

/// What a mail says about the seminar it concerns.
pub struct SeminarLines {
    pub id: i64,
    pub title: String,
    /// 「2025年6月1日」 or 「2025年6月1日～6月2日」.
    pub period: String,
    /// The approving prefecture's association.
    pub approver: String,
}

#[derive(Template)]
#[template(path = "mail/seminar_received.txt", escape = "none")]
pub struct SeminarReceived {
    pub contact_name: String,
    pub seminar: SeminarLines,
    pub sig: Signature,
}

impl Message for SeminarReceived {
    fn subject(&self) -> String {
        "【MAMIS】研修会の申請を受け付けました".into()
    }
}

/// The receipt for the public form: its address is unconfirmed, so the mail carries nothing
/// the requester typed (no name, title or venue), only the portal's words, number and dates.
#[derive(Template)]
#[template(path = "mail/seminar_received_unconfirmed.txt", escape = "none")]
pub struct SeminarReceivedUnconfirmed {
    pub seminar_id: i64,
    pub period: String,
    pub approver: String,
    pub sig: Signature,
}

impl Message for SeminarReceivedUnconfirmed {
    fn subject(&self) -> String {
        "【MAMIS】研修会の申請を受け付けました".into()
    }
}

/// Why the work page's URL is mailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkPageReason {
    Approved,
    PaperApproved,
    Reissued,
}

/// The mail carrying the work-page URL: the only place the token ever appears.
#[derive(Template)]
#[template(path = "mail/work_page_issued.txt", escape = "none")]
pub struct WorkPageIssued {
    pub reason: WorkPageReason,
    pub contact_name: String,
    pub seminar: SeminarLines,
    pub work_page_url: String,
    /// The credit-registration deadline, 「2025年7月1日」.
    pub deadline: String,
    /// The deadline is already past (a seminar entered or approved late).
    pub deadline_passed: bool,
    pub sig: Signature,
}

impl WorkPageIssued {
    fn opening(&self) -> &'static str {
        match self.reason {
            WorkPageReason::Approved => "次の研修会が日本医師会で承認されました。",
            WorkPageReason::PaperApproved => {
                "書面で承認された次の研修会を、日本医師会がMAMISに登録しました。"
            }
            WorkPageReason::Reissued => {
                "次の研修会の作業ページのURLを再発行しました。これまでのURLは使えなくなりました。"
            }
        }
    }
}

impl Message for WorkPageIssued {
    fn subject(&self) -> String {
        match self.reason {
            WorkPageReason::Approved => "【MAMIS】研修会が承認されました（作業ページのご案内）",
            WorkPageReason::PaperApproved => "【MAMIS】研修会の作業ページのご案内",
            WorkPageReason::Reissued => "【MAMIS】作業ページのURLを再発行しました",
        }
        .into()
    }
}

#[derive(Template)]
#[template(path = "mail/seminar_prefecture_approved.txt", escape = "none")]
pub struct SeminarPrefectureApproved {
    pub contact_name: String,
    pub seminar: SeminarLines,
    /// The committee that will review it, when one is scheduled.
    pub committee: Option<Committee>,
    pub sig: Signature,
}

impl Message for SeminarPrefectureApproved {
    fn subject(&self) -> String {
        "【MAMIS】研修会の申請を都道府県医師会が承認しました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/seminar_returned.txt", escape = "none")]
pub struct SeminarReturned {
    pub contact_name: String,
    pub seminar: SeminarLines,
    pub comment: String,
    /// An association's own seminar is corrected on the office page; an outside organizer's
    /// through a correction link sent only to its contact.
    pub on_office_page: bool,
    pub correction_url: String,
    pub sig: Signature,
}

impl Message for SeminarReturned {
    fn subject(&self) -> String {
        "【MAMIS】研修会の申請が差し戻されました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/seminar_rejected.txt", escape = "none")]
pub struct SeminarRejected {
    pub contact_name: String,
    pub seminar: SeminarLines,
    pub comment: String,
    pub sig: Signature,
}

impl Message for SeminarRejected {
    fn subject(&self) -> String {
        "【MAMIS】研修会の申請について（不承認）".into()
    }
}

#[derive(Template)]
#[template(path = "mail/work_page_revoked.txt", escape = "none")]
pub struct WorkPageRevoked {
    pub contact_name: String,
    pub seminar: SeminarLines,
    pub sig: Signature,
}

impl Message for WorkPageRevoked {
    fn subject(&self) -> String {
        "【MAMIS】作業ページのURLを無効にしました".into()
    }
}

/// Staff ask an organizer to register credits or file the report.
#[derive(Template)]
#[template(path = "mail/seminar_reminder.txt", escape = "none")]
pub struct SeminarReminder {
    pub organizer: String,
    pub association: String,
    pub seminar_title: String,
    pub period: String,
    /// 「・受講者の単位登録（登録期限：…）」, one line each.
    pub tasks: Vec<String>,
    pub sig: Signature,
}

impl Message for SeminarReminder {
    fn subject(&self) -> String {
        "【MAMIS】研修会の単位登録・開催報告のお願い".into()
    }
}

#[derive(Template)]
#[template(path = "mail/report_confirmed.txt", escape = "none")]
pub struct ReportConfirmed {
    pub organizer: String,
    pub seminar_title: String,
    pub period: String,
    pub association: String,
    pub comment: Option<String>,
    pub sig: Signature,
}

impl Message for ReportConfirmed {
    fn subject(&self) -> String {
        "【MAMIS】開催報告を確認しました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/report_returned.txt", escape = "none")]
pub struct ReportReturned {
    pub organizer: String,
    pub seminar_title: String,
    pub period: String,
    pub association: String,
    pub comment: String,
    pub sig: Signature,
}

impl Message for ReportReturned {
    fn subject(&self) -> String {
        "【MAMIS】開催報告の修正をお願いします".into()
    }
}

/// A physician reported credits missing; the details are on the work page, not in the mail.
#[derive(Template)]
#[template(path = "mail/missing_credit_reported.txt", escape = "none")]
pub struct MissingCreditReported {
    pub organizer: String,
    pub seminar_title: String,
    pub period: String,
    pub deadline: String,
    pub sig: Signature,
}

impl Message for MissingCreditReported {
    fn subject(&self) -> String {
        "【MAMIS】受講者から単位未反映の報告がありました".into()
    }
}
