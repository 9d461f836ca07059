//! The staff decisions on a seminar and its work page: each handler calls its use case in
//! `app::seminars` and shows the page again when it was refused (409 for a conflict, 422 for
//! a missing reason).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::show::{show_page, DecisionState, Shown};
use crate::app::seminars::{review, work_page, Decided, Staff};
use crate::clock::format_jp_date;
use crate::domain::policy::Action;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::see_other;
use crate::web::work::credits::ListQuery;

#[derive(Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub(crate) comment: String,
    #[serde(default)]
    pub(crate) decision: String,
}

fn staff<'a>(ctx: &'a Ctx, action: Action) -> AppResult<Staff<'a>> {
    Ok(Staff { account: ctx.require(action)?, who: ctx.who(), now: ctx.now })
}

/// Where a decision leads: back to the seminar with `notice`, or the page again saying why
/// not (`form`: which decision form the typed comment belongs to).
async fn answer<T>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    decided: Decided<T>,
    comment: String,
    form: &'static str,
    notice: impl FnOnce(T) -> String,
) -> AppResult<Response> {
    let shown = match decided {
        Decided::Done(done) => {
            ctx.flash(&notice(done)).await?;
            return Ok(see_other(&format!("/office/seminars/{id}")));
        }
        Decided::Conflict(message) => Shown {
            status: StatusCode::CONFLICT,
            conflict: Some(message),
            decision: DecisionState::default(),
        },
        Decided::Invalid(error) => Shown {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            conflict: None,
            decision: DecisionState { comment, comment_error: Some(error), form },
        },
    };
    show_page(state, ctx, id, shown, &ListQuery::default()).await
}

pub async fn prefecture_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let staff = staff(&ctx, Action::ViewOffice)?;
    let decided = review::prefecture_approve(&state, &staff, id).await?;
    answer(&state, &ctx, id, decided, String::new(), "", |cycle| match cycle {
        Some(c) => format!(
            "承認しました。{}年度 第{}回の運営委員会（{}）の審査に回ります。",
            c.fiscal_year,
            c.number,
            format_jp_date(c.committee_date)
        ),
        None => "承認しました。受付中の運営委員会の回がないため、回は未定です。".to_string(),
    })
    .await
}

pub async fn prefecture_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let staff = staff(&ctx, Action::ViewOffice)?;
    let decided = review::prefecture_return(&state, &staff, id, &form.comment).await?;
    answer(&state, &ctx, id, decided, form.comment, "return", |()| {
        "差し戻しました。主催者に理由をメールで知らせました。".to_string()
    })
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let staff = staff(&ctx, Action::DecideSeminarAtCommittee)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("承認か不承認かを選んでください。".into())),
    };
    let decided = review::committee_decide(&state, &staff, id, approve, &form.comment).await?;
    answer(&state, &ctx, id, decided, form.comment, "reject", |()| {
        if approve {
            "承認しました。作業ページのURLを主催者にメールで送りました。".to_string()
        } else {
            "不承認にしました。主催者に理由をメールで知らせました。".to_string()
        }
    })
    .await
}

pub async fn reissue_work_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let staff = staff(&ctx, Action::ViewOffice)?;
    let decided = work_page::reissue(&state, &staff, id).await?;
    answer(&state, &ctx, id, decided, String::new(), "", |()| {
        "作業ページのURLを再発行し、主催者にメールで送りました。これまでのURLは使えません。"
            .to_string()
    })
    .await
}

pub async fn revoke_work_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let staff = staff(&ctx, Action::ViewOffice)?;
    let decided = work_page::revoke(&state, &staff, id).await?;
    answer(&state, &ctx, id, decided, String::new(), "", |()| {
        "作業ページのURLを無効にしました。主催者にメールで知らせました。".to_string()
    })
    .await
}
