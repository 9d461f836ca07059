//! The decisions on an application: the approving prefecture approves (on to the next
//! committee) or returns it; JMA's committee approves (the work page is issued) or rejects it,
//! one at a time or ticked in bulk for a cycle.

use serde_json::json;
use sqlx::PgConnection;

use super::mail::{seminar_lines, MailSeminar, WorkPageMail};
use super::{conflict_message, lock_visible, work_page, Decided, Staff};
use crate::clock::format_jp_date;
use crate::db::seminar_review::{self, Cycle};
use crate::db::seminars::{self, Seminar};
use crate::db::{audit, seminar_links};
use crate::domain::policy::Action;
use crate::domain::seminar_status::{required_comment, Command, Status};
use crate::error::{AppError, AppResult};
use crate::mail::messages::organizer::{
    SeminarPrefectureApproved, SeminarRejected, SeminarReturned,
};
use crate::mail::messages::physician::Committee;
use crate::mail::messages::prefecture_association;
use crate::mail::{self, Signature};
use crate::state::AppState;

/// The seminar, locked, visible to the staff member and reviewable by them, and the state
/// `command` moves it to; Conflict when it is no longer waiting for this decision.
async fn lock_for(
    tx: &mut PgConnection,
    staff: &Staff<'_>,
    id: i64,
    command: Command,
) -> AppResult<Result<(Seminar, Status), String>> {
    let seminar = lock_visible(tx, staff.account, id).await?;
    if matches!(command, Command::PrefectureApprove | Command::PrefectureReturn) {
        staff.require(Action::ReviewSeminar(seminar.target()))?;
    }
    Ok(match seminar.status.after(command) {
        Some(next) => Ok((seminar, next)),
        None => Err(conflict_message(seminar.status)),
    })
}

fn record_entry<'a>(
    action: &'a str,
    seminar: &Seminar,
    after: serde_json::Value,
) -> audit::Entry<'a> {
    audit::Entry {
        action,
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before: Some(json!({ "status": seminar.status })),
        after: Some(after),
    }
}

/// The approving prefecture approves: the seminar waits for the next committee (if one is
/// open for intake; otherwise its cycle is left open).
pub async fn prefecture_approve(
    state: &AppState,
    staff: &Staff<'_>,
    id: i64,
) -> AppResult<Decided<Option<Cycle>>> {
    let mut tx = state.pool.begin().await?;
    let (seminar, next) = match lock_for(&mut tx, staff, id, Command::PrefectureApprove).await? {
        Ok(found) => found,
        Err(conflict) => return Ok(Decided::Conflict(conflict)),
    };
    let cycle = seminar_review::next_cycle(&mut tx, staff.now.date_naive()).await?;
    let cycle_id = cycle.as_ref().map(|c| c.id);
    let (by, now) = (staff.account.id, staff.now);
    if !seminar_review::prefecture_decide(&mut tx, id, next, None, cycle_id, by, now).await? {
        return Err(AppError::Conflict(conflict_message(seminar.status)));
    }
    let after = json!({ "status": next, "cycle_id": cycle_id });
    audit::record(
        &mut tx,
        &staff.who,
        now,
        record_entry("seminar.prefecture_approved", &seminar, after),
    )
    .await?;
    let message = SeminarPrefectureApproved {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_lines(&MailSeminar::from(&seminar)),
        committee: cycle.as_ref().map(|c| Committee {
            fiscal_year: c.fiscal_year,
            number: c.number,
            date: format_jp_date(c.committee_date),
        }),
        sig: Signature::by(
            prefecture_association(seminar.approving_prefecture_code),
            "研修会の申請の審査の状況のお知らせ",
        ),
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Decided::Done(cycle))
}

/// The approving prefecture returns the application with the reason; the organizer corrects
/// it on the office page (an association) or through a private link (an outside body).
pub async fn prefecture_return(
    state: &AppState,
    staff: &Staff<'_>,
    id: i64,
    comment: &str,
) -> AppResult<Decided> {
    let mut tx = state.pool.begin().await?;
    let (seminar, next) = match lock_for(&mut tx, staff, id, Command::PrefectureReturn).await? {
        Ok(found) => found,
        Err(conflict) => return Ok(Decided::Conflict(conflict)),
    };
    let missing = "差し戻す理由（主催者に修正してほしいこと）を入力してください。";
    let comment = match required_comment(comment, missing) {
        Ok(c) => c,
        Err(error) => return Ok(Decided::Invalid(error)),
    };
    let (by, now) = (staff.account.id, staff.now);
    if !seminar_review::prefecture_decide(&mut tx, id, next, Some(&comment), None, by, now).await? {
        return Err(AppError::Conflict(conflict_message(seminar.status)));
    }
    let after = json!({ "status": next, "comment": comment });
    audit::record(&mut tx, &staff.who, now, record_entry("seminar.returned", &seminar, after))
        .await?;
    let base_url = &state.config.base_url;
    let on_office_page = seminar.organizer_association_id.is_some();
    let correction_url = if on_office_page {
        format!("{base_url}/office/seminars/{id}/edit")
    } else {
        let token = seminar_links::issue(&mut tx, id, now).await?;
        format!("{base_url}/seminars/correct/{token}")
    };
    let message = SeminarReturned {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_lines(&MailSeminar::from(&seminar)),
        comment,
        on_office_page,
        correction_url,
        sig: Signature::by(
            prefecture_association(seminar.approving_prefecture_code),
            "研修会の申請の審査の状況のお知らせ",
        ),
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Decided::Done(()))
}

/// JMA's approval of one locked seminar waiting for it: status, audit, work page and its
/// mail. False when the statement found it decided already.
async fn approve_locked(
    tx: &mut PgConnection,
    state: &AppState,
    staff: &Staff<'_>,
    seminar: &Seminar,
) -> AppResult<bool> {
    let next = Status::Approved;
    let (by, now) = (staff.account.id, staff.now);
    if !seminar_review::jma_decide(tx, seminar.id, next, None, by, now).await? {
        return Ok(false);
    }
    let after = json!({ "status": next, "cycle_id": seminar.cycle_id });
    audit::record(tx, &staff.who, now, record_entry("seminar.approved", seminar, after)).await?;
    let base_url = &state.config.base_url;
    work_page::issue(tx, base_url, staff, seminar, WorkPageMail::Approved).await?;
    Ok(true)
}

/// The committee's decision on one seminar: approve, or reject with the reason.
pub async fn committee_decide(
    state: &AppState,
    staff: &Staff<'_>,
    id: i64,
    approve: bool,
    comment: &str,
) -> AppResult<Decided> {
    staff.require(Action::DecideSeminarAtCommittee)?;
    let command = if approve { Command::CommitteeApprove } else { Command::CommitteeReject };
    let mut tx = state.pool.begin().await?;
    let (seminar, next) = match lock_for(&mut tx, staff, id, command).await? {
        Ok(found) => found,
        Err(conflict) => return Ok(Decided::Conflict(conflict)),
    };
    if approve {
        if !approve_locked(&mut tx, state, staff, &seminar).await? {
            return Err(AppError::Conflict(conflict_message(seminar.status)));
        }
    } else {
        let comment = match required_comment(comment, "不承認の理由を入力してください。")
        {
            Ok(c) => c,
            Err(error) => return Ok(Decided::Invalid(error)),
        };
        let (by, now) = (staff.account.id, staff.now);
        if !seminar_review::jma_decide(&mut tx, id, next, Some(&comment), by, now).await? {
            return Err(AppError::Conflict(conflict_message(seminar.status)));
        }
        let after = json!({ "status": next, "comment": comment });
        audit::record(&mut tx, &staff.who, now, record_entry("seminar.rejected", &seminar, after))
            .await?;
        let message = SeminarRejected {
            contact_name: seminar.contact_name.clone(),
            seminar: seminar_lines(&MailSeminar::from(&seminar)),
            comment,
            sig: Signature::portal_for(
                prefecture_association(seminar.approving_prefecture_code),
                "研修会の申請の審査の結果のお知らせ",
            ),
        };
        mail::queue(&mut tx, &seminar.contact_email, &message, now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Decided::Done(()))
}

/// Approves the ticked seminars of one cycle in one transaction: (approved, skipped). Seminars
/// someone else decided in the meantime, or of another cycle, are left as they are.
pub async fn committee_bulk_approve(
    state: &AppState,
    staff: &Staff<'_>,
    cycle_id: i64,
    mut ids: Vec<i64>,
) -> AppResult<(usize, usize)> {
    staff.require(Action::DecideSeminarAtCommittee)?;
    // One order for every locker: two bulk approvals never deadlock.
    ids.sort_unstable();
    ids.dedup();
    let mut tx = state.pool.begin().await?;
    seminar_review::cycle(&mut tx, cycle_id).await?.ok_or(AppError::NotFound)?;
    let (mut approved, mut skipped) = (0, 0);
    for id in ids {
        let Some(seminar) = seminars::get_for_update(&mut tx, id).await? else {
            skipped += 1;
            continue;
        };
        if seminar.cycle_id != Some(cycle_id)
            || seminar.status.after(Command::CommitteeApprove).is_none()
            || !approve_locked(&mut tx, state, staff, &seminar).await?
        {
            skipped += 1;
            continue;
        }
        approved += 1;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok((approved, skipped))
}
