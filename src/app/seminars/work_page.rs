//! The organizer's secret work page: issued on approval (or paper entry), re-issued or revoked
//! by the staff who manage the seminar. The URL appears only in the mail, never in the audit.

use serde_json::json;
use sqlx::PgConnection;

use super::mail::{self as seminar_mail, MailSeminar, WorkPageMail};
use super::{lock_visible, Decided, Staff};
use crate::db::seminars::Seminar;
use crate::db::{audit, work_pages};
use crate::domain::policy::Action;
use crate::domain::seminar::Status;
use crate::error::AppResult;
use crate::mail::messages::organizer::WorkPageRevoked;
use crate::mail::messages::{acting_association, prefecture_association, Contact, JMA};
use crate::mail::{self, Signature};
use crate::state::AppState;

/// Issues the work page (revoking any earlier one), mails the URL, audits without the token.
pub(crate) async fn issue(
    tx: &mut PgConnection,
    base_url: &str,
    staff: &Staff<'_>,
    seminar: &Seminar,
    why: WorkPageMail,
) -> AppResult<()> {
    let token = work_pages::issue(tx, seminar.id, Some(staff.account.id), staff.now).await?;
    let entry = audit::Entry {
        action: match why {
            WorkPageMail::Reissued => "work_page.reissued",
            _ => "work_page.issued",
        },
        entity_type: "work_page",
        entity_id: Some(seminar.id.to_string()),
        before: None,
        after: Some(json!({ "mailed_to": seminar.contact_email })),
    };
    audit::record(tx, &staff.who, staff.now, entry).await?;
    let sender = match why {
        WorkPageMail::Reissued => {
            acting_association(staff.account.association.as_ref().map(|a| a.name.as_str()))
        }
        _ => JMA.to_string(),
    };
    let mail_seminar = MailSeminar::from(seminar);
    seminar_mail::work_page(tx, base_url, &mail_seminar, &token, why, sender, staff.now).await?;
    Ok(())
}

/// A new URL for an approved seminar; the earlier one stops working.
pub async fn reissue(state: &AppState, staff: &Staff<'_>, id: i64) -> AppResult<Decided> {
    let mut tx = state.pool.begin().await?;
    let seminar = lock_visible(&mut tx, staff.account, id).await?;
    staff.require(Action::ManageSeminar(seminar.target()))?;
    if seminar.status != Status::Approved {
        return Ok(Decided::Conflict(
            "作業ページは承認済みの研修会にだけ発行できます。".to_string(),
        ));
    }
    issue(&mut tx, &state.config.base_url, staff, &seminar, WorkPageMail::Reissued).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Decided::Done(()))
}

/// The URL stops working; the organizer is told by mail.
pub async fn revoke(state: &AppState, staff: &Staff<'_>, id: i64) -> AppResult<Decided> {
    let mut tx = state.pool.begin().await?;
    let seminar = lock_visible(&mut tx, staff.account, id).await?;
    staff.require(Action::ManageSeminar(seminar.target()))?;
    let revoked = work_pages::revoke(&mut tx, id, Some(staff.account.id), staff.now).await?;
    if revoked == 0 {
        return Ok(Decided::Conflict(
            "この研修会の作業ページのURLは、すでに無効になっています。".to_string(),
        ));
    }
    let entry = audit::Entry {
        action: "work_page.revoked",
        entity_type: "work_page",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({ "revoked": revoked })),
    };
    audit::record(&mut tx, &staff.who, staff.now, entry).await?;
    let message = WorkPageRevoked {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_mail::seminar_lines(&MailSeminar::from(&seminar)),
        sig: Signature {
            sender: acting_association(staff.account.association.as_ref().map(|a| a.name.as_str())),
            contact: Contact::association(prefecture_association(
                seminar.approving_prefecture_code,
            )),
            reason: "作業ページのURLを無効にしたことのお知らせ".into(),
        },
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, staff.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Decided::Done(()))
}
