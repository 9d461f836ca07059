//! `/office/reception`: the prefecture (or the administrator, for any prefecture) decides
//! whether members apply through their municipal association (郡市区医師会 受付) and
//! non-members directly to the prefecture, or everyone directly to the prefecture.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::{self, audit};
use crate::domain::person::parse_free_text;
use crate::domain::policy::Action;
use crate::domain::prefecture;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/reception", get(page).post(save))
}

#[derive(Deserialize, Default)]
pub struct Which {
    #[serde(default)]
    prefecture: Option<i16>,
}

#[derive(Deserialize)]
pub struct SaveForm {
    prefecture: i16,
    #[serde(default)]
    uses_municipal: String,
    #[serde(default)]
    fee_instructions: String,
    #[serde(default)]
    mailing_address: String,
}

/// Longest guidance text kept.
const MAX_GUIDANCE: usize = 1000;

pub struct PrefectureChoice {
    pub code: i16,
    pub name: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office/reception.html")]
struct ReceptionPage {
    layout: Layout,
    prefecture: i16,
    prefecture_name: &'static str,
    uses_municipal: bool,
    fee_instructions: String,
    mailing_address: String,
    error: Option<&'static str>,
    /// The administrator chooses the prefecture.
    choices: Vec<PrefectureChoice>,
}

/// The prefecture the signed-in account may set: its own, or for the administrator the one
/// asked for (Tokyo by default).
fn prefecture_of(ctx: &Ctx, asked: Option<i16>) -> AppResult<i16> {
    let user =
        ctx.user.as_ref().ok_or(AppError::LoginRequired { next: "/office/reception".into() })?;
    let code = match user.role {
        Role::Sysadmin => asked.unwrap_or(13),
        _ => {
            let own = user
                .association
                .as_ref()
                .and_then(|a| a.prefecture_code)
                .ok_or(AppError::NotFound)?;
            if asked.is_some_and(|a| a != own) {
                return Err(AppError::NotFound);
            }
            own
        }
    };
    ctx.require(Action::ManageReception(code))?;
    Ok(code)
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Which>,
) -> AppResult<Response> {
    let code = prefecture_of(&ctx, q.prefecture)?;
    let uses = db::reception::uses_municipal(&state.pool, code).await?.ok_or(AppError::NotFound)?;
    let guidance = db::reception::guidance(&state.pool, code).await?;
    let is_admin = ctx.user.as_ref().is_some_and(|u| u.role == Role::Sysadmin);
    let choices = if is_admin {
        (1..=47)
            .filter_map(|c| {
                prefecture::name(c).map(|name| PrefectureChoice {
                    code: c,
                    name,
                    selected: c == code,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = ReceptionPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        prefecture: code,
        prefecture_name: prefecture::name(code).unwrap_or(""),
        uses_municipal: uses,
        fee_instructions: guidance.fee_instructions.unwrap_or_default(),
        mailing_address: guidance.mailing_address.unwrap_or_default(),
        error: None,
        choices,
    };
    render(&page)
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SaveForm>,
) -> AppResult<Response> {
    let code = prefecture_of(&ctx, Some(form.prefecture))?;
    let uses = form.uses_municipal == "yes";
    let text = |t: &str| parse_free_text(t, MAX_GUIDANCE, None);
    let guidance = match (text(&form.fee_instructions), text(&form.mailing_address)) {
        (Ok(fee_instructions), Ok(mailing_address)) => {
            db::reception::Guidance { fee_instructions, mailing_address }
        }
        (Err(error), _) | (_, Err(error)) => {
            let page = ReceptionPage {
                layout: ctx.layout(),
                prefecture: code,
                prefecture_name: prefecture::name(code).unwrap_or(""),
                uses_municipal: uses,
                fee_instructions: form.fee_instructions,
                mailing_address: form.mailing_address,
                error: Some(error),
                choices: Vec::new(),
            };
            return Ok(
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response()
            );
        }
    };
    let mut tx = state.pool.begin().await?;
    let before_guidance = db::reception::guidance(&state.pool, code).await?;
    let before =
        db::reception::set_uses_municipal(&mut tx, code, uses).await?.ok_or(AppError::NotFound)?;
    db::reception::set_guidance(&mut tx, code, &guidance).await?;
    let entry = audit::Entry {
        action: "reception.changed",
        entity_type: "prefecture",
        entity_id: Some(code.to_string()),
        before: Some(json!({
            "uses_municipal_reception": before,
            "fee_instructions": before_guidance.fee_instructions,
            "mailing_address": before_guidance.mailing_address,
        })),
        after: Some(json!({
            "uses_municipal_reception": uses,
            "fee_instructions": guidance.fee_instructions,
            "mailing_address": guidance.mailing_address,
        })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash(if uses {
        "保存しました。会員は郡市区医師会を通じて、会員でない方は都道府県医師会へ直接申請します。"
    } else {
        "保存しました。全員が都道府県医師会へ直接申請します。"
    })
    .await?;
    Ok(see_other(&format!("/office/reception?prefecture={code}")))
}
