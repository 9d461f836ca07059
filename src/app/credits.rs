//! Registering and withdrawing an organizer's credits, for every door they come through: the
//! work page (CSV upload, one attendee at a time, withdrawal) and the organizer API
//! (`web::api`). One set of statements, one skip rule, one shape of audit entry; `via` says
//! which door the change came through.

use serde_json::json;
use sqlx::PgConnection;

use crate::clock::Jst;
use crate::db::credits::{self as credit_db, CommitCounts, CreditRow, Upload};
use crate::db::seminars::Seminar;
use crate::db::{audit, credit_corrections};
use crate::domain::category::Category;
use crate::domain::credit_window::CreditWindow;
use crate::domain::revival;
use crate::domain::seminar::Status;
use crate::error::{AppError, AppResult};

/// Why the seminar takes no credits today (not approved, or before its first day); None when
/// it does. The work page refuses with the same sentences.
pub fn registration_refusal(seminar: &Seminar, today: chrono::NaiveDate) -> Option<String> {
    if seminar.status != Status::Approved {
        return Some(format!(
            "この研修会は「{}」のため、単位を登録できません（何も保存していません）。承認後に登録してください。",
            seminar.status.label()
        ));
    }
    CreditWindow::on(seminar.starts_on, seminar.ends_on, today).refusal()
}

/// Whether a registration today is late (past the month after the last day).
pub fn is_late(seminar: &Seminar, today: chrono::NaiveDate) -> bool {
    CreditWindow::on(seminar.starts_on, seminar.ends_on, today).is_late()
}

/// What a commit did, in the sentences the work page shows after one.
pub fn commit_message(counts: &CommitCounts, late: bool) -> String {
    let mut message = format!(
        "受講者 {} 名・単位 {} 件を登録しました（単位：新規 {} 件、修正 {} 件、変更なし {} 件）。",
        counts.people,
        counts.rows,
        counts.inserted,
        counts.updated,
        counts.unchanged()
    );
    if counts.mismatched > 0 {
        message.push_str(&format!(
            "生年月日がMAMISの登録と一致しない {} 名（単位 {} 件）は、事務局が確認するまで保留されます。",
            counts.mismatched_people, counts.mismatched
        ));
    }
    if counts.skipped > 0 {
        message.push_str(&format!(
            "作業ページで取り消し・修正済みの {} 名は登録しませんでした（元に戻す場合は確認画面でチェックを入れて登録してください）。",
            counts.skipped
        ));
    }
    if late {
        message.push_str("登録期限を過ぎているため、期限後の登録として記録しました。");
    }
    message
}

/// A finished commit.
pub struct Committed {
    pub upload: Upload,
    pub counts: CommitCounts,
    pub late: bool,
}

/// Commits an upload (a CSV file or an API batch) of the seminar in the caller's transaction:
/// one commit per seminar at a time, attendees withdrawn or corrected by hand skipped unless in
/// `revive`, audited as `credits.commit`. None: the upload was committed before (nothing
/// changes). Err(NotFound): no such upload of this seminar.
pub async fn commit(
    tx: &mut PgConnection,
    who: &audit::Who,
    now: Jst,
    seminar: &Seminar,
    upload_id: i64,
    revive: &[String],
    via: &serde_json::Value,
) -> AppResult<Option<Committed>> {
    // One commit at a time per seminar: a second one waits here (not on the credit rows).
    credit_db::lock_seminar(tx, seminar.id).await?;
    let prior = credit_corrections::prior_states(tx, seminar.id).await?;
    let skipped: Vec<String> = prior
        .iter()
        .filter(|(number, state)| revival::skipped(Some(state), revive.contains(number)))
        .map(|(number, _)| number.clone())
        .collect();
    let step = Step { action: "credits.commit", before: None, via };
    commit_audited(tx, who, now, seminar, upload_id, &skipped, step).await
}

/// How a commit is audited: its action (`credits.commit`, or the work page's one-attendee
/// entry and correction), what it replaced, and the door it came through.
pub struct Step<'a> {
    pub action: &'a str,
    pub before: Option<serde_json::Value>,
    pub via: &'a serde_json::Value,
}

/// Writes an upload's attendees but those in `skip`, and audits it, in the caller's transaction
/// (which holds the seminar's lock). None when the upload was committed before.
pub async fn commit_audited(
    tx: &mut PgConnection,
    who: &audit::Who,
    now: Jst,
    seminar: &Seminar,
    upload_id: i64,
    skip: &[String],
    step: Step<'_>,
) -> AppResult<Option<Committed>> {
    let upload =
        credit_db::upload_for_update(tx, seminar.id, upload_id).await?.ok_or(AppError::NotFound)?;
    if upload.committed_at.is_some() {
        return Ok(None);
    }
    let late = is_late(seminar, now.date_naive());
    let (counts, corrections) =
        credit_db::commit_upload(tx, seminar.id, upload_id, &seminar.format, late, skip, now)
            .await?;
    credit_db::mark_committed(tx, upload_id, now).await?;
    let mut after = counts.audit_json(late);
    after["upload_id"] = json!(upload_id);
    after["file_name"] = json!(upload.file_name);
    after["via"] = step.via.clone();
    after["corrections"] = corrections;
    let entry = audit::Entry {
        action: step.action,
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before: step.before,
        after: Some(after),
    };
    audit::record(tx, who, now, entry).await?;
    Ok(Some(Committed { upload, counts, late }))
}

/// Credits as the audit log keeps them (before or after a change).
pub fn snapshot(rows: &[CreditRow]) -> Vec<serde_json::Value> {
    rows.iter().map(CreditRow::audit_json).collect()
}

/// Withdraws an attendee's credits in force of the seminar (all, or those of categories not in
/// `keep`), audited with what they were (`credits.withdraw`). Returns how many.
pub async fn withdraw(
    tx: &mut PgConnection,
    who: &audit::Who,
    now: Jst,
    seminar: &Seminar,
    registry_number: &str,
    keep: Option<&[Category]>,
    via: &serde_json::Value,
) -> AppResult<usize> {
    credit_db::lock_seminar(tx, seminar.id).await?;
    let rows = match keep {
        None => credit_db::withdraw(tx, seminar.id, registry_number, now).await?,
        Some(keep) => {
            let keep: Vec<String> = keep.iter().map(|c| c.code().to_string()).collect();
            credit_db::withdraw_categories(tx, seminar.id, registry_number, &keep, now).await?
        }
    };
    if rows.is_empty() {
        return Ok(0);
    }
    let entry = audit::Entry {
        action: "credits.withdraw",
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before: Some(json!({ "registry_number": registry_number, "credits": snapshot(&rows) })),
        after: Some(json!({ "withdrawn_at": now, "via": via })),
    };
    audit::record(tx, who, now, entry).await?;
    Ok(rows.len())
}
