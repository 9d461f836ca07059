//! The mail a seminar's contact person receives, queued in the change's transaction.

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::clock::{format_jp_date, Jst};
use crate::db::seminars::Seminar;
use crate::domain::deadline::{self, DueNotice};
use crate::domain::seminar::{period_label, SeminarDraft};
use crate::mail::messages::organizer::{
    SeminarLines, SeminarReceived, SeminarReceivedUnconfirmed, WorkPageIssued, WorkPageReason,
};
use crate::mail::messages::{prefecture_association, Contact};
use crate::mail::{self, Signature};

/// What a mail says about the seminar.
pub struct MailSeminar<'a> {
    pub id: i64,
    pub title: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub prefecture: i16,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
}

impl<'a> From<&'a Seminar> for MailSeminar<'a> {
    fn from(s: &'a Seminar) -> Self {
        MailSeminar {
            id: s.id,
            title: &s.title,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            prefecture: s.approving_prefecture_code,
            contact_name: &s.contact_name,
            contact_email: &s.contact_email,
        }
    }
}

impl<'a> MailSeminar<'a> {
    /// The seminar as just applied for or corrected (number `id`, approved by `prefecture`).
    pub fn from_draft(id: i64, draft: &'a SeminarDraft, prefecture: i16) -> Self {
        MailSeminar {
            id,
            title: &draft.title,
            starts_on: draft.starts_on,
            ends_on: draft.ends_on,
            prefecture,
            contact_name: &draft.contact_name,
            contact_email: &draft.contact_email,
        }
    }
}

pub fn seminar_lines(s: &MailSeminar) -> SeminarLines {
    SeminarLines {
        id: s.id,
        title: s.title.to_string(),
        period: period_label(s.starts_on, s.ends_on),
        approver: prefecture_association(s.prefecture),
    }
}

pub async fn received(conn: &mut PgConnection, s: &MailSeminar<'_>, now: Jst) -> sqlx::Result<()> {
    let message = SeminarReceived {
        contact_name: s.contact_name.to_string(),
        seminar: seminar_lines(s),
        sig: Signature::portal_for(
            prefecture_association(s.prefecture),
            "研修会の申請の受付のお知らせ",
        ),
    };
    mail::queue(conn, s.contact_email, &message, now).await?;
    Ok(())
}

/// The receipt for the public form: its address is unconfirmed, so the mail carries nothing
/// the requester typed (no name, title or venue), only the portal's own words, the number and
/// the dates; a stranger's address gets no attacker's text or links.
pub async fn received_unconfirmed(
    conn: &mut PgConnection,
    s: &MailSeminar<'_>,
    now: Jst,
) -> sqlx::Result<()> {
    let approver = prefecture_association(s.prefecture);
    let message = SeminarReceivedUnconfirmed {
        seminar_id: s.id,
        period: period_label(s.starts_on, s.ends_on),
        sig: Signature::portal_for(approver.clone(), "研修会の申請の受付のお知らせ"),
        approver,
    };
    mail::queue(conn, s.contact_email, &message, now).await?;
    Ok(())
}

/// Why the work-page URL is mailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkPageMail {
    Approved,
    PaperApproved,
    Reissued,
}

/// The mail carrying the work-page URL: the only place the token ever appears.
pub async fn work_page(
    conn: &mut PgConnection,
    base_url: &str,
    s: &MailSeminar<'_>,
    token: &str,
    why: WorkPageMail,
    sender: String,
    now: Jst,
) -> sqlx::Result<()> {
    let (deadline, deadline_passed) = match deadline::due_notice(s.ends_on, now.date_naive()) {
        DueNotice::Ahead(day) => (day, false),
        DueNotice::Passed(day) => (day, true),
    };
    let message = WorkPageIssued {
        reason: match why {
            WorkPageMail::Approved => WorkPageReason::Approved,
            WorkPageMail::PaperApproved => WorkPageReason::PaperApproved,
            WorkPageMail::Reissued => WorkPageReason::Reissued,
        },
        contact_name: s.contact_name.to_string(),
        seminar: seminar_lines(s),
        work_page_url: format!("{base_url}/work/{token}"),
        deadline: format_jp_date(deadline),
        deadline_passed,
        sig: Signature {
            sender,
            contact: Contact::association(prefecture_association(s.prefecture)),
            reason: "研修会の作業ページのご案内".into(),
        },
    };
    mail::queue(conn, s.contact_email, &message, now).await?;
    Ok(())
}
