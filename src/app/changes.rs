//! Identity change requests (登録情報の変更申請), one function per command: the physician files
//! or withdraws one; prefectural (own prefecture) or JMA staff approve it, which writes the
//! change to the record, or reject it with a comment. Each locks, checks the request is still
//! pending, writes, audits and mails the physician in one transaction.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sqlx::PgConnection;

use crate::clock::{format_jp_date, format_jp_datetime, jst, Jst};
use crate::db::accounts::CurrentAccount;
use crate::db::audit::{self, Who};
use crate::db::change_requests::{ChangeRequest, IdentityChanges};
use crate::db::physicians::Physician;
use crate::db::{self};
use crate::domain::person::Sex;
use crate::domain::policy::{self, allows, Action, List, PhysicianTarget};
use crate::domain::record_status::ChangeRequestStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const ALREADY_PENDING: &str = "審査中の変更申請があるため、新しい申請はできません。審査の結果をお待ちいただくか、審査中の申請を取り下げてから、あらためて申請してください。";
pub const REGISTRY_NUMBER_TAKEN: &str = "申請された医籍登録番号は、すでに別の医師の登録に使われているため、承認できません。医師ご本人に番号を確認し、誤りであれば申請を承認せずにコメントでお知らせください。";

pub fn sex_label(code: &str) -> &'static str {
    Sex::from_code(code).map(Sex::label).unwrap_or("")
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

pub fn jp_time(at: DateTime<Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
}

/// One identity field: what the record says and what was asked for.
pub struct ChangeRow {
    pub label: &'static str,
    pub current: String,
    pub requested: String,
}

/// The requested fields next to the record's current values, in the form's order.
pub fn change_rows(p: &Physician, c: &IdentityChanges) -> Vec<ChangeRow> {
    let mut rows = Vec::new();
    if let Some(v) = &c.kanji_name {
        rows.push(ChangeRow {
            label: "氏名", current: p.kanji_name.clone(), requested: v.clone()
        });
    }
    if let Some(v) = &c.furigana {
        rows.push(ChangeRow {
            label: "フリガナ",
            current: p.furigana.clone(),
            requested: v.clone(),
        });
    }
    if let Some(v) = c.birth_date {
        rows.push(ChangeRow {
            label: "生年月日",
            current: format_jp_date(p.birth_date),
            requested: format_jp_date(v),
        });
    }
    if let Some(v) = &c.sex {
        rows.push(ChangeRow {
            label: "性別",
            current: sex_label(&p.sex).into(),
            requested: sex_label(v).into(),
        });
    }
    if let Some(v) = &c.registry_number {
        rows.push(ChangeRow {
            label: "医籍登録番号",
            current: opt(&p.registry_number),
            requested: v.clone(),
        });
    }
    rows
}

/// The labels of the requested fields: 「氏名、医籍登録番号」.
pub fn changed_labels(c: &IdentityChanges) -> String {
    let mut labels = Vec::new();
    for (present, label) in [
        (c.kanji_name.is_some(), "氏名"),
        (c.furigana.is_some(), "フリガナ"),
        (c.birth_date.is_some(), "生年月日"),
        (c.sex.is_some(), "性別"),
        (c.registry_number.is_some(), "医籍登録番号"),
    ] {
        if present {
            labels.push(label);
        }
    }
    labels.join("、")
}

// ---------------------------------------------------------------------------------------------
// The physician's commands.

/// Files a request (`changes` already differ from the record); false when one is pending
/// already (the unique index lets one through when two tabs race).
pub async fn file(
    state: &AppState,
    who: &Who,
    now: Jst,
    physician: &Physician,
    requested_by: i64,
    changes: &IdentityChanges,
    reason: &str,
) -> AppResult<bool> {
    let mut tx = state.pool.begin().await?;
    let created =
        db::change_requests::create(&mut tx, physician.id, requested_by, changes, reason, now)
            .await?;
    let Some(id) = created else {
        tx.rollback().await?;
        return Ok(false);
    };
    let after =
        json!({ "changes": changes, "reason": reason, "status": ChangeRequestStatus::Pending });
    let entry = audit::Entry {
        action: "change_request.create",
        entity_type: "change_request",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, who, now, entry).await?;
    tx.commit().await?;
    Ok(true)
}

/// Withdraws the physician's own pending request.
pub async fn withdraw(
    state: &AppState,
    who: &Who,
    now: Jst,
    physician: &Physician,
    account_id: i64,
    id: i64,
) -> AppResult<()> {
    let mut tx = state.pool.begin().await?;
    let Some(withdrawn) =
        db::change_requests::withdraw(&mut tx, id, physician.id, account_id, now).await?
    else {
        tx.rollback().await?;
        return Err(AppError::Conflict(
            "この申請は審査が終わっているか、すでに取り下げられているため、取り下げできません。"
                .into(),
        ));
    };
    let entry = audit::Entry {
        action: "change_request.withdraw",
        entity_type: "change_request",
        entity_id: Some(withdrawn.id.to_string()),
        before: Some(json!({ "status": ChangeRequestStatus::Pending })),
        after: Some(json!({ "status": ChangeRequestStatus::Withdrawn })),
    };
    audit::record(&mut tx, who, now, entry).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The staff's decisions.

/// The staff member deciding, as the request knows them.
pub struct Clerk<'a> {
    pub user: &'a CurrentAccount,
    pub who: Who,
    pub now: Jst,
}

/// Which physicians' requests a staff member may list: Some(prefecture) for prefectural
/// staff, None (all) for JMA. Others have no such work.
pub fn scope(user: &CurrentAccount) -> AppResult<Option<i16>> {
    policy::scope(&user.actor(), List::Physicians).prefecture_filter().ok_or(AppError::Forbidden)
}

pub fn target(account_id: Option<i64>, prefecture_code: Option<i16>) -> PhysicianTarget {
    PhysicianTarget { account_id, prefecture_code, proxy_consent: false }
}

pub fn may_manage(user: &CurrentAccount, p: &Physician) -> bool {
    allows(&user.actor(), Action::ManagePhysician(target(p.account_id, p.prefecture_code)))
}

pub fn already_decided(status: Option<ChangeRequestStatus>) -> AppError {
    let state = status.map(|s| format!("（現在の状態：{}）", s.label())).unwrap_or_default();
    AppError::Conflict(format!(
        "この申請は、すでにほかの担当者または医師ご本人が処理しています{state}。一覧を開き直して、最新の状態をご確認ください。"
    ))
}

/// Locks the request and its physician for the decision; refuses what this staff member may
/// not decide and anything no longer pending (another staff member decided first).
async fn lock_pending(
    tx: &mut PgConnection,
    user: &CurrentAccount,
    id: i64,
) -> AppResult<(ChangeRequest, Physician)> {
    scope(user)?;
    let request = db::change_requests::lock(tx, id).await?.ok_or(AppError::NotFound)?;
    let p = db::profile::physician_by_id_for_update(tx, request.physician_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_manage(user, &p) {
        // Another prefecture's request: the same answer as a missing one (no existence oracle).
        return Err(AppError::NotFound);
    }
    if request.status != ChangeRequestStatus::Pending {
        return Err(already_decided(Some(request.status)));
    }
    Ok((request, p))
}

/// The identity fields a request changes, as audit before/after objects.
fn before_after(p: &Physician, c: &IdentityChanges) -> (Value, Value) {
    let (mut before, mut after) = (Map::new(), Map::new());
    if let Some(v) = &c.kanji_name {
        before.insert("kanji_name".into(), json!(p.kanji_name));
        after.insert("kanji_name".into(), json!(v));
    }
    if let Some(v) = &c.furigana {
        before.insert("furigana".into(), json!(p.furigana));
        after.insert("furigana".into(), json!(v));
    }
    if let Some(v) = c.birth_date {
        before.insert("birth_date".into(), json!(p.birth_date));
        after.insert("birth_date".into(), json!(v));
    }
    if let Some(v) = &c.sex {
        before.insert("sex".into(), json!(p.sex));
        after.insert("sex".into(), json!(v));
    }
    if let Some(v) = &c.registry_number {
        before.insert("registry_number".into(), json!(p.registry_number));
        after.insert("registry_number".into(), json!(v));
    }
    (Value::Object(before), Value::Object(after))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

/// The physician's address and name for an outcome mail; None when they have no address.
async fn outcome_recipient(
    tx: &mut PgConnection,
    p: &Physician,
) -> AppResult<Option<(String, String)>> {
    let Some(account_id) = p.account_id else { return Ok(None) };
    let Some(account) = db::profile::account_email(tx, account_id).await? else { return Ok(None) };
    Ok(account.email.map(|email| (email, account.display_name)))
}

fn outcome_signature(user: &CurrentAccount) -> crate::mail::Signature {
    crate::mail::Signature::by(
        crate::mail::messages::acting_association(
            user.association.as_ref().map(|a| a.name.as_str()),
        ),
        "登録情報の変更申請の結果のお知らせ",
    )
}

/// What a decision did: the physician's name, or the problem to show on the request's page.
pub enum Decided {
    Done { name: String },
    Refused(&'static str),
}

/// Approves a pending request: the record takes the new values (certification data and held
/// credits waiting for the new number or birth date attach), the physician is mailed.
pub async fn approve(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    comment: Option<String>,
) -> AppResult<Decided> {
    let (user, now) = (clerk.user, clerk.now);
    let mut tx = state.pool.begin().await?;
    let (request, p) = lock_pending(&mut tx, user, id).await?;
    // Four eyes: a request filed through proxy entry is approved by someone else.
    if db::change_requests::proxy_filer(&mut tx, request.id).await? == Some(user.id) {
        tx.rollback().await?;
        return Err(AppError::Conflict(
            "ご自身が代理入力で申請した変更は、別の担当者が承認してください。".into(),
        ));
    }
    let changes = request.changes.0.clone();
    if let Some(number) = &changes.registry_number {
        if db::change_requests::registry_number_taken(&mut tx, number, p.id).await? {
            tx.rollback().await?;
            return Ok(Decided::Refused(REGISTRY_NUMBER_TAKEN));
        }
    }
    let (before, after) = before_after(&p, &changes);
    if let Err(e) = db::change_requests::apply(&mut tx, p.id, &changes, now).await {
        // Another physician took the number between the check and the update.
        if is_unique_violation(&e) {
            tx.rollback().await?;
            return Ok(Decided::Refused(REGISTRY_NUMBER_TAKEN));
        }
        return Err(e.into());
    }
    if let (Some(name), Some(account_id)) = (&changes.kanji_name, p.account_id) {
        db::profile::set_display_name(&mut tx, account_id, name, now).await?;
    }
    if changes.registry_number.is_some() || changes.birth_date.is_some() {
        // Certification data waiting for this number and birth date can attach now.
        db::linking::link_certifications(&mut tx, Some(p.id), now).await?;
        db::credits::attach_for_physician(&mut tx, p.id, now).await?;
    }
    let approved = ChangeRequestStatus::Approved;
    if !db::change_requests::decide(&mut tx, id, approved, user.id, comment.as_deref(), now).await?
    {
        return Err(already_decided(None));
    }
    let entry = audit::Entry {
        action: "physician.identity_change",
        entity_type: "physician",
        entity_id: Some(p.id.to_string()),
        before: Some(before),
        after: Some(after),
    };
    audit::record(&mut tx, &clerk.who, now, entry).await?;
    let entry = audit::Entry {
        action: "change_request.approve",
        entity_type: "change_request",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": ChangeRequestStatus::Pending })),
        after: Some(json!({ "status": approved, "comment": comment })),
    };
    audit::record(&mut tx, &clerk.who, now, entry).await?;
    if let Some((email, name)) = outcome_recipient(&mut tx, &p).await? {
        let message = crate::mail::messages::physician::ChangeRequestApproved {
            name,
            requested_at: jp_time(request.created_at),
            lines: change_rows(&p, &changes)
                .into_iter()
                .map(|r| crate::mail::messages::physician::ChangeLine {
                    label: r.label.to_string(),
                    before: r.current,
                    after: r.requested,
                })
                .collect(),
            comment: comment.clone(),
            profile_url: format!("{}/mypage/profile", state.config.base_url),
            sig: outcome_signature(user),
        };
        crate::mail::queue(&mut tx, &email, &message, now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Decided::Done { name: p.kanji_name })
}

/// Rejects a pending request with the comment the physician is mailed.
pub async fn reject(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    comment: &str,
) -> AppResult<String> {
    let (user, now) = (clerk.user, clerk.now);
    let mut tx = state.pool.begin().await?;
    let (request, p) = lock_pending(&mut tx, user, id).await?;
    let rejected = ChangeRequestStatus::Rejected;
    if !db::change_requests::decide(&mut tx, id, rejected, user.id, Some(comment), now).await? {
        return Err(already_decided(None));
    }
    let entry = audit::Entry {
        action: "change_request.reject",
        entity_type: "change_request",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": ChangeRequestStatus::Pending })),
        after: Some(json!({ "status": rejected, "comment": comment })),
    };
    audit::record(&mut tx, &clerk.who, now, entry).await?;
    if let Some((email, name)) = outcome_recipient(&mut tx, &p).await? {
        let association =
            user.association.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "事務局".into());
        let message = crate::mail::messages::physician::ChangeRequestRejected {
            name,
            requested_at: jp_time(request.created_at),
            items: changed_labels(&request.changes.0),
            comment: comment.to_string(),
            association,
            profile_url: format!("{}/mypage/profile", state.config.base_url),
            sig: outcome_signature(user),
        };
        crate::mail::queue(&mut tx, &email, &message, now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(p.kanji_name)
}
