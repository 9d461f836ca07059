//! Staff decide physicians' requests to change identity fields (氏名, フリガナ, 生年月日, 性別,
//! 医籍登録番号): prefectural staff for physicians of their prefecture, JMA for everyone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::app::changes::{
    self, change_rows, changed_labels, jp_time, may_manage, scope, target, ChangeRow, Clerk,
    Decided,
};
use crate::db;
use crate::domain::person::parse_free_text;
use crate::domain::policy::{allows, Action};
use crate::domain::record_status::ChangeRequestStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

const COMMENT_REQUIRED: &str =
    "承認しない理由を、医師に伝わるように入力してください（メールでお知らせします）。";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/changes", get(list))
        .route("/office/changes/{id}", get(show))
        .route("/office/changes/{id}/approve", post(approve))
        .route("/office/changes/{id}/reject", post(reject))
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

pub async fn list(State(state): State<AppState>, ctx: extract::Staff) -> AppResult<Response> {
    let user = &ctx.user;
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
    ctx: &extract::Staff,
    id: i64,
    comment: String,
    problem: Option<&'static str>,
    comment_error: Option<&'static str>,
) -> AppResult<DetailPage> {
    let user = &ctx.user;
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
        status: r.status.label(),
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
    ctx: extract::Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    render(&detail_page(&state, &ctx, id, String::new(), None, None).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub(crate) comment: String,
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
    ctx: &extract::Staff,
    id: i64,
    status: StatusCode,
    comment: String,
    problem: Option<&'static str>,
    comment_error: Option<&'static str>,
) -> AppResult<Response> {
    let page = detail_page(state, ctx, id, comment, problem, comment_error).await?;
    Ok((status, render(&page)?).into_response())
}

fn clerk(ctx: &extract::Staff) -> Clerk<'_> {
    Clerk { user: &ctx.user, who: ctx.who(), now: ctx.now }
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let comment = match parse_comment(&form.comment, false) {
        Ok(c) => c,
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &ctx, id, status, form.comment, None, Some(e)).await;
        }
    };
    match changes::approve(&state, &clerk(&ctx), id, comment).await? {
        Decided::Done { name } => {
            ctx.flash(&format!("{name} さんの変更申請を承認し、登録情報に反映しました。")).await?;
            Ok(see_other("/office/changes"))
        }
        Decided::Refused(problem) => {
            let status = StatusCode::CONFLICT;
            refused(&state, &ctx, id, status, form.comment, Some(problem), None).await
        }
    }
}

pub async fn reject(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let comment = match parse_comment(&form.comment, true).and_then(|c| c.ok_or(COMMENT_REQUIRED)) {
        Ok(comment) => comment,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &ctx, id, status, form.comment, None, Some(error)).await;
        }
    };
    let name = changes::reject(&state, &clerk(&ctx), id, &comment).await?;
    ctx.flash(&format!(
        "{name} さんの変更申請を承認しませんでした（医師にメールでお知らせします）。"
    ))
    .await?;
    Ok(see_other("/office/changes"))
}
