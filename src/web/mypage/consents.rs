//! The physician's own view of proxy-entry consents (代理入力の同意): every consent, who
//! recorded it, when and how, and a button to withdraw one in force.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::clock::{format_jp_datetime, jst};
use crate::db::{self, audit};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::office::physicians::method_label;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mypage/consents", get(list))
        .route("/mypage/consents/{id}/revoke", post(revoke))
}

pub struct ConsentView {
    pub id: i64,
    pub association: String,
    pub recorded_by: String,
    pub granted: String,
    pub method: &'static str,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "profile/consents.html")]
struct ConsentsPage {
    layout: Layout,
    consents: Vec<ConsentView>,
}

pub async fn list(State(state): State<AppState>, ctx: extract::Physician) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let user = &ctx.user;
    let physician = db::physicians::for_account(&state.pool, user.id).await?;
    let rows = match &physician {
        Some(p) => db::proxy::consents_of(&state.pool, p.id).await?,
        None => Vec::new(),
    };
    let consents = rows
        .into_iter()
        .map(|c| ConsentView {
            id: c.id,
            association: c.association_name,
            recorded_by: c.recorded_by_name,
            granted: format_jp_datetime(c.granted_at.with_timezone(&jst())),
            method: method_label(&c.method),
            revoked: c.revoked_at.map(|r| format_jp_datetime(r.with_timezone(&jst()))),
        })
        .collect();
    let page = ConsentsPage { layout: ctx.layout().with_notice(ctx.take_flash().await?), consents };
    render(&page)
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let user = &ctx.user;
    let physician =
        db::physicians::for_account(&state.pool, user.id).await?.ok_or(AppError::NotFound)?;
    let mut tx = state.pool.begin().await?;
    let association = db::proxy::revoke_own_consent(&mut tx, physician.id, id, ctx.now)
        .await?
        .ok_or(AppError::NotFound)?;
    let entry = audit::Entry {
        action: "proxy.consent_revoked",
        entity_type: "physician",
        entity_id: Some(physician.id.to_string()),
        before: None,
        after: Some(json!({ "association": association, "by": "physician" })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash(&format!("{association}の代理入力の同意を取り消しました。")).await?;
    Ok(see_other("/mypage/consents"))
}
