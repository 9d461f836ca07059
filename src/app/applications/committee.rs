//! JMA's decisions at the committee: approving one application (the certification, or the
//! renewed certification's next term, is issued with its paper certificate) or a cycle's ticked
//! applications in bulk, and rejecting one with a reason. Same shape as the other steps
//! (`review`): lock, transition, write, record, mail, in one transaction.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::PgConnection;

use super::review::{
    acting_tier, lock_turn, mail_head, mail_physician, mail_signature, next_status, record_step,
    required_comment, Clerk, Outcome, CONFLICT_MESSAGE, RESULT,
};
use crate::clock::{format_jp_date, jst};
use crate::db::application_review::{self as review_db, Application, Change};
use crate::domain::application::{Event, Status};
use crate::domain::application_event::ApplicationEvent;
use crate::domain::policy::{allows, Action};
use crate::domain::review::{self, Tier};
use crate::domain::terms::Origin;
use crate::error::{AppError, AppResult};
use crate::mail;
use crate::mail::messages::physician::{ApplicationCertified, ApplicationRejected};
use crate::state::AppState;

/// JMA approves one application: the certification (or its next term) is issued.
pub async fn approve(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
) -> AppResult<Outcome> {
    let mut tx = state.pool.begin().await?;
    let Some(app) = lock_turn(&mut tx, clerk, id, version, Tier::Jma).await? else {
        return Ok(Outcome::Stale);
    };
    if let Err(error) = approve_at_committee(&mut tx, state, clerk, &app).await? {
        return Ok(Outcome::Refused { form: "approve", error, conflict: true });
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Outcome::Done("承認しました。認定証を発行し、医師にメールで知らせました。".into()))
}

/// JMA rejects one application with a reason the physician is mailed.
pub async fn reject(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
    reason: &str,
) -> AppResult<Outcome> {
    let mut tx = state.pool.begin().await?;
    let Some(app) = lock_turn(&mut tx, clerk, id, version, Tier::Jma).await? else {
        return Ok(Outcome::Stale);
    };
    let reason = match required_comment(reason, "不承認の理由を入力してください。")
    {
        Ok(c) => c,
        Err(error) => return Ok(Outcome::refused("reject", error)),
    };
    crate::app::checks::freeze(&mut tx, id, clerk.now.date_naive()).await?;
    if !review_db::reject(&mut tx, id, app.version, &reason, clerk.user.id, clerk.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": Status::Rejected, "comment": reason });
    let step = ApplicationEvent::Rejected;
    record_step(&mut tx, clerk, &app, Tier::Jma, step, Some(&reason), after).await?;
    let message = ApplicationRejected {
        head: mail_head(&app),
        reason: reason.clone(),
        sig: mail_signature(&app, mail::messages::JMA.into(), RESULT),
    };
    mail_physician(&mut tx, &app, &message, clerk.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Outcome::Done("不承認にしました。医師に理由をメールで知らせました。".into()))
}

async fn committee_date(tx: &mut PgConnection, app: &Application) -> AppResult<Option<NaiveDate>> {
    Ok(match app.cycle_id {
        Some(c) => review_db::cycle(tx, c, false).await?.map(|c| c.committee_date),
        None => None,
    })
}

/// JMA's approval of one locked application: status, certification, paper certificate, mail,
/// event and audit. Err(message) when the certification cannot be issued.
async fn approve_at_committee(
    tx: &mut PgConnection,
    state: &AppState,
    clerk: &Clerk<'_>,
    app: &Application,
) -> AppResult<Result<(), String>> {
    let today = clerk.now.date_naive();
    let committee = committee_date(tx, app).await?.unwrap_or(today);
    crate::app::checks::freeze(tx, app.id, today).await?;
    let submitted_on = app.submitted_at.map(|t| t.with_timezone(&jst()).date_naive());
    let (certification_id, number, from, until, before, origin) = if app.kind == "renewal" {
        let renewed = match app.certification_id {
            Some(c) => crate::db::terms::latest_for_update(tx, c).await?.map(|t| (c, t)),
            None => None,
        };
        let Some((certification_id, renewed)) = renewed else {
            return Ok(Err("更新する認定が見つかりません。".into()));
        };
        let Some(number) = review_db::certification(tx, certification_id, today)
            .await?
            .map(|c| c.certificate_number)
        else {
            return Ok(Err("更新する認定が見つかりません。".into()));
        };
        let (from, until) = review::renewal_validity(renewed.valid_until);
        let origin = Origin::of_renewal(
            submitted_on.unwrap_or(today),
            renewed.valid_until,
            app.covid_special,
        );
        let before = json!({ "renewed_term": { "id": renewed.id,
            "valid_from": renewed.valid_from, "valid_until": renewed.valid_until } });
        (certification_id, number, from, until, Some(before), origin)
    } else {
        let Some(registry) = app.registry_number.as_deref() else {
            return Ok(Err("医籍登録番号が登録されていないため、認定証を発行できません。".into()));
        };
        let (from, until) = review::new_validity(committee);
        let (id, number) = review_db::insert_certification(tx, app, registry, clerk.now).await?;
        (id, number, from, until, None, Origin::New)
    };
    let term_id = crate::db::terms::insert(
        tx,
        certification_id,
        from,
        until,
        origin,
        Some(app.id),
        clerk.now,
    )
    .await?;
    let change = Change {
        status: next_status(app, Tier::Jma, Event::Approve)?,
        returned_by_tier: None,
        return_comment: None,
        cycle_id: app.cycle_id,
        forwarded: false,
        decided_by: Some(clerk.user.id),
    };
    if !review_db::change(tx, app.id, app.version, &change, clerk.now).await? {
        return Ok(Err(CONFLICT_MESSAGE.into()));
    }
    review_db::queue_paper_certificate(tx, certification_id, term_id, app.id, app.prefecture_code)
        .await?;
    let comment = format!(
        "認定証番号 {number}・有効期間 {}〜{}",
        format_jp_date(from),
        format_jp_date(until)
    );
    let after = json!({
        "status": change.status,
        "certification_id": certification_id,
        "certificate_number": number,
        "term_id": term_id,
        "origin": origin.code(),
        "valid_from": from,
        "valid_until": until,
        "previous": before,
    });
    record_step(tx, clerk, app, Tier::Jma, ApplicationEvent::Approved, Some(&comment), after)
        .await?;
    let message = ApplicationCertified {
        head: mail_head(app),
        committee_date: format_jp_date(committee),
        comment: comment.clone(),
        certificate_url: format!(
            "{}/mypage/certificates/{certification_id}/terms/{term_id}.pdf",
            state.config.base_url
        ),
        sig: mail_signature(app, mail::messages::JMA.into(), RESULT),
    };
    mail_physician(tx, app, &message, clerk.now).await?;
    Ok(Ok(()))
}

/// JMA approves the ticked applications of one cycle in one transaction, in id order (two bulk
/// approvals never deadlock); those someone else decided meanwhile, or whose certificate
/// cannot be issued, are skipped. Returns (approved, skipped).
pub async fn approve_in_cycle(
    state: &AppState,
    clerk: &Clerk<'_>,
    cycle_id: i64,
    mut ids: Vec<i64>,
) -> AppResult<(usize, usize)> {
    if !allows(&clerk.user.actor(), Action::DecideApplicationsAtCommittee) {
        return Err(AppError::Forbidden);
    }
    ids.sort_unstable();
    ids.dedup();
    let mut tx = state.pool.begin().await?;
    review_db::cycle(&mut tx, cycle_id, false).await?.ok_or(AppError::NotFound)?;
    let (mut approved, mut skipped) = (0, 0);
    for id in ids {
        let app = match review_db::get_for_update(&mut tx, id).await? {
            Some(a) if a.cycle_id == Some(cycle_id) && acting_tier(&a) == Some(Tier::Jma) => a,
            _ => {
                skipped += 1;
                continue;
            }
        };
        match approve_at_committee(&mut tx, state, clerk, &app).await? {
            Ok(()) => approved += 1,
            Err(_) => skipped += 1,
        }
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok((approved, skipped))
}
