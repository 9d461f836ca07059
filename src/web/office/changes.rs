//! Staff decide physicians' requests to change identity fields (氏名, フリガナ, 生年月日, 性別,
//! 医籍登録番号): prefectural staff for physicians of their prefecture, JMA for everyone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::db::accounts::CurrentAccount;
use crate::db::change_requests::{ChangeRequest, IdentityChanges};
use crate::db::physicians::Physician;
use crate::db::{self, audit};
use crate::domain::person::parse_free_text;
use crate::domain::policy::{self, allows, Action, List, PhysicianTarget};
use crate::domain::record_status::ChangeRequestStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::mypage::profile::{change_rows, changed_labels, jp_time, status_label, ChangeRow};
use crate::web::{render, see_other};

const REGISTRY_NUMBER_TAKEN: &str = "申請された医籍登録番号は、すでに別の医師の登録に使われているため、承認できません。医師ご本人に番号を確認し、誤りであれば申請を承認せずにコメントでお知らせください。";
const COMMENT_REQUIRED: &str =
    "承認しない理由を、医師に伝わるように入力してください（メールでお知らせします）。";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/changes", get(list))
        .route("/office/changes/{id}", get(show))
        .route("/office/changes/{id}/approve", post(approve))
        .route("/office/changes/{id}/reject", post(reject))
}

/// Which physicians' requests a staff member may list: Some(prefecture) for prefectural
/// staff, None (all) for JMA. Others have no such work.
fn scope(user: &CurrentAccount) -> AppResult<Option<i16>> {
    policy::scope(&user.actor(), List::Physicians).prefecture_filter().ok_or(AppError::Forbidden)
}

fn target(account_id: Option<i64>, prefecture_code: Option<i16>) -> PhysicianTarget {
    PhysicianTarget { account_id, prefecture_code, proxy_consent: false }
}

fn may_manage(user: &CurrentAccount, p: &Physician) -> bool {
    allows(&user.actor(), Action::ManagePhysician(target(p.account_id, p.prefecture_code)))
}

pub struct PendingView {
    pub id: i64,
    pub name: String,
    pub furigana: String,
    pub prefecture: String,
    pub fields: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "office/changes/list.html")]
struct ListPage {
    layout: Layout,
    requests: Vec<PendingView>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let prefecture = scope(user)?;
    let actor = user.actor();
    let requests = db::change_requests::pending(&state.pool, prefecture)
        .await?
        .into_iter()
        .filter(|r| {
            allows(&actor, Action::ManagePhysician(target(r.account_id, r.prefecture_code)))
        })
        .map(|r| PendingView {
            id: r.id,
            name: r.kanji_name,
            furigana: r.furigana,
            prefecture: r.prefecture_name.unwrap_or_else(|| "（未登録）".into()),
            fields: changed_labels(&r.changes.0),
            created_at: jp_time(r.created_at),
        })
        .collect();
    let page = ListPage { layout: ctx.layout().with_notice(ctx.take_flash().await?), requests };
    render(&page)
}

#[derive(Template)]
#[template(path = "office/changes/show.html")]
struct DetailPage {
    layout: Layout,
    id: i64,
    name: String,
    furigana: String,
    prefecture: String,
    rows: Vec<ChangeRow>,
    reason: String,
    created_at: String,
    status: &'static str,
    pending: bool,
    decided: Option<String>,
    decision_comment: Option<String>,
    comment: String,
    problem: Option<&'static str>,
    comment_error: Option<&'static str>,
}

/// The detail page, read afresh (also after a refused decision, with the reason shown).
async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    comment: String,
    problem: Option<&'static str>,
    comment_error: Option<&'static str>,
) -> AppResult<DetailPage> {
    let user = ctx.require(Action::ViewOffice)?;
    scope(user)?;
    let r = db::change_requests::detail(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let p = db::profile::physician_by_id(&state.pool, r.physician_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_manage(user, &p) {
        // Another prefecture's request: the same answer as a missing one (no existence oracle).
        return Err(AppError::NotFound);
    }
    let decided = r.decided_at.map(|at| match &r.decided_by_name {
        Some(name) => format!("{}（{}）", jp_time(at), name),
        None => jp_time(at),
    });
    Ok(DetailPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        id: r.id,
        name: p.kanji_name.clone(),
        furigana: p.furigana.clone(),
        prefecture: p.prefecture_name.clone().unwrap_or_else(|| "（未登録）".into()),
        rows: change_rows(&p, &r.changes.0),
        reason: r.reason,
        created_at: jp_time(r.created_at),
        status: status_label(r.status.code()),
        pending: r.status == ChangeRequestStatus::Pending,
        decided,
        decision_comment: r.decision_comment.filter(|c| !c.is_empty()),
        comment,
        problem,
        comment_error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    render(&detail_page(&state, &ctx, id, String::new(), None, None).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub(crate) comment: String,
}

fn already_decided(status: Option<&str>) -> AppError {
    let state = status.map(|s| format!("（現在の状態：{}）", status_label(s))).unwrap_or_default();
    AppError::Conflict(format!(
        "この申請は、すでにほかの担当者または医師ご本人が処理しています{state}。一覧を開き直して、最新の状態をご確認ください。"
    ))
}

/// Locks the request and its physician for the decision; refuses what this staff member may
/// not decide and anything no longer pending (another staff member decided first).
async fn lock_pending(
    tx: &mut sqlx::PgConnection,
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
        return Err(already_decided(Some(request.status.code())));
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
    tx: &mut sqlx::PgConnection,
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

pub(crate) fn parse_comment(text: &str, required: bool) -> Result<Option<String>, &'static str> {
    match parse_free_text(text, 500, None) {
        Err(_) => Err("コメントは500文字以内で入力してください。"),
        Ok(None) if required => Err(COMMENT_REQUIRED),
        Ok(comment) => Ok(comment),
    }
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    comment: String,
    problem: Option<&'static str>,
    comment_error: Option<&'static str>,
) -> AppResult<Response> {
    let page = detail_page(state, ctx, id, comment, problem, comment_error).await?;
    Ok((status, render(&page)?).into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?.clone();
    let now = ctx.now;
    let comment = match parse_comment(&form.comment, false) {
        Ok(c) => c,
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &ctx, id, status, form.comment, None, Some(e)).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let (request, p) = lock_pending(&mut tx, &user, id).await?;
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
            let status = StatusCode::CONFLICT;
            let problem = Some(REGISTRY_NUMBER_TAKEN);
            return refused(&state, &ctx, id, status, form.comment, problem, None).await;
        }
    }
    let (before, after) = before_after(&p, &changes);
    if let Err(e) = db::change_requests::apply(&mut tx, p.id, &changes, now).await {
        // Another physician took the number between the check and the update.
        if is_unique_violation(&e) {
            tx.rollback().await?;
            let status = StatusCode::CONFLICT;
            let problem = Some(REGISTRY_NUMBER_TAKEN);
            return refused(&state, &ctx, id, status, form.comment, problem, None).await;
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
    if !db::change_requests::decide(&mut tx, id, "approved", user.id, comment.as_deref(), now)
        .await?
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
    audit::record(&mut tx, &ctx.who(), now, entry).await?;
    let entry = audit::Entry {
        action: "change_request.approve",
        entity_type: "change_request",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": "pending" })),
        after: Some(json!({ "status": "approved", "comment": comment })),
    };
    audit::record(&mut tx, &ctx.who(), now, entry).await?;
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
            sig: outcome_signature(&user),
        };
        crate::mail::queue(&mut tx, &email, &message, now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!("{} さんの変更申請を承認し、登録情報に反映しました。", p.kanji_name))
        .await?;
    Ok(see_other("/office/changes"))
}

pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?.clone();
    let now = ctx.now;
    let comment = match parse_comment(&form.comment, true).and_then(|c| c.ok_or(COMMENT_REQUIRED)) {
        Ok(comment) => comment,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &ctx, id, status, form.comment, None, Some(error)).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let (request, p) = lock_pending(&mut tx, &user, id).await?;
    if !db::change_requests::decide(&mut tx, id, "rejected", user.id, Some(&comment), now).await? {
        return Err(already_decided(None));
    }
    let entry = audit::Entry {
        action: "change_request.reject",
        entity_type: "change_request",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": "pending" })),
        after: Some(json!({ "status": "rejected", "comment": comment })),
    };
    audit::record(&mut tx, &ctx.who(), now, entry).await?;
    if let Some((email, name)) = outcome_recipient(&mut tx, &p).await? {
        let association =
            user.association.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "事務局".into());
        let message = crate::mail::messages::physician::ChangeRequestRejected {
            name,
            requested_at: jp_time(request.created_at),
            items: changed_labels(&request.changes.0),
            comment: comment.clone(),
            association,
            profile_url: format!("{}/mypage/profile", state.config.base_url),
            sig: outcome_signature(&user),
        };
        crate::mail::queue(&mut tx, &email, &message, now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "{} さんの変更申請を承認しませんでした（医師にメールでお知らせします）。",
        p.kanji_name
    ))
    .await?;
    Ok(see_other("/office/changes"))
}
