//! Seminar applications and their review (DOMAIN §5, §6, §9), one function per command:
//! applying (an association's staff or an outside organizer), correcting a returned
//! application, the approving prefecture's and JMA's committee decisions, the paper entry of
//! seminars approved before the portal, and the organizer's work page. Each locks the seminar,
//! asks `domain::seminar_status` whether the command is allowed, writes, audits and queues the
//! mail in one transaction; handlers and tests call these, never the statements themselves.

pub mod mail;
pub mod paper;
pub mod review;
pub mod submission;
pub mod work_page;

use sqlx::PgConnection;

use crate::clock::Jst;
use crate::db::accounts::CurrentAccount;
use crate::db::audit::Who;
use crate::db::seminars::{self, Seminar};
use crate::domain::policy::{allows, Action, SeminarTarget};
use crate::domain::seminar::Status;
use crate::error::{AppError, AppResult};

/// A signed-in staff member acting now.
pub struct Staff<'a> {
    pub account: &'a CurrentAccount,
    pub who: Who,
    pub now: Jst,
}

impl Staff<'_> {
    /// The policy's answer for this account, as the handler's `require` gives it.
    pub fn require(&self, action: Action) -> AppResult<()> {
        if allows(&self.account.actor(), action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// What a decision did: done, refused because someone else acted first (the page says so with
/// 409), or refused for what was typed (the page shows the message beside the field).
#[derive(Debug)]
pub enum Decided<T = ()> {
    Done(T),
    Conflict(String),
    Invalid(&'static str),
}

/// Staff see a seminar they may review, manage or see the attendees of; others get 404 so the
/// page does not tell them it exists.
pub fn ensure_visible(user: &CurrentAccount, target: SeminarTarget) -> AppResult<()> {
    let actor = user.actor();
    if allows(&actor, Action::ViewSeminarAttendees(target))
        || allows(&actor, Action::ReviewSeminar(target))
        || allows(&actor, Action::ManageSeminar(target))
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Staff of the organizing association (who applied from their account).
pub fn is_organizer(user: &CurrentAccount, seminar: &Seminar) -> bool {
    allows(&user.actor(), Action::SubmitSeminar)
        && seminar.organizer_association_id.is_some()
        && user.association.as_ref().map(|a| a.id) == seminar.organizer_association_id
}

/// The sentence shown when another staff member decided first.
pub fn conflict_message(current_status: Status) -> String {
    format!(
        "この研修会は、ほかの担当者がすでに処理しました（現在の状態：{}）。画面の内容をご確認ください。",
        current_status.label()
    )
}

/// The locked seminar the caller may see, or the error to answer with. Locked until commit:
/// a second decision waits here and then sees the first one's result.
pub(crate) async fn lock_visible(
    conn: &mut PgConnection,
    user: &CurrentAccount,
    id: i64,
) -> AppResult<Seminar> {
    let seminar = seminars::get_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, seminar.target())?;
    Ok(seminar)
}

/// The seminar its organizer (an association's staff) may correct now, or the answer to give.
pub async fn editable(
    conn: &mut PgConnection,
    user: &CurrentAccount,
    id: i64,
    lock: bool,
) -> AppResult<Seminar> {
    let seminar = if lock {
        seminars::get_for_update(conn, id).await?
    } else {
        seminars::get(conn, id).await?
    }
    .ok_or(AppError::NotFound)?;
    ensure_visible(user, seminar.target())?;
    if !is_organizer(user, &seminar) {
        return Err(AppError::Forbidden);
    }
    if !seminar.status.editable() {
        return Err(AppError::Conflict(format!(
            "この研修会は修正できません（現在の状態：{}）。",
            seminar.status.label()
        )));
    }
    Ok(seminar)
}

/// The returned application of an outside organizer behind an open correction link; 404
/// otherwise (the link says nothing else).
pub async fn returned_by_link(
    conn: &mut PgConnection,
    token: &str,
    lock: bool,
) -> AppResult<Seminar> {
    let id = crate::db::seminar_links::seminar_for(conn, token, lock)
        .await?
        .ok_or(AppError::NotFound)?;
    let seminar = if lock {
        seminars::get_for_update(conn, id).await?
    } else {
        seminars::get(conn, id).await?
    }
    .ok_or(AppError::NotFound)?;
    if seminar.status != Status::Returned || seminar.organizer_association_id.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(seminar)
}
