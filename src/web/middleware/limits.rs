//! The unauthenticated forms' limits as a handler sees them: count, and if over, the 429 page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::db;
use crate::domain::rate_limit::{exceeded, Limit};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::render;

pub const TOO_MANY: &str = "短い時間に同じ手続きが繰り返されたため、受け付けを一時的に止めています。1時間ほどたってから、もう一度お試しください。";

#[derive(askama::Template)]
#[template(path = "message.html")]
struct TooManyPage {
    layout: Layout,
    title: &'static str,
    message: String,
    link: Option<(&'static str, &'static str)>,
}

/// Counts one hit on every `(limit, value)` (the client address for `None`); Some(429 page)
/// when any is over its limit.
pub async fn check(
    state: &AppState,
    ctx: &Ctx,
    limits: &[(Limit, Option<&str>)],
) -> AppResult<Option<Response>> {
    let mut over = false;
    for (limit, value) in limits {
        let value = match value {
            Some(v) => v.to_string(),
            None => ctx.ip.clone().unwrap_or_else(|| "unknown".into()),
        };
        let hits = db::rate_limit::hit(&state.pool, limit, &value, ctx.now).await?;
        if exceeded(limit, hits) {
            tracing::warn!(limit = limit.name, hits, "unauthenticated form over its limit");
            over = true;
        }
    }
    if !over {
        return Ok(None);
    }
    let page = TooManyPage {
        layout: Layout::new(None, &ctx.csrf),
        title: "しばらくしてからお試しください",
        message: TOO_MANY.into(),
        link: Some(("/login", "ログイン画面へ")),
    };
    Ok(Some((StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response()))
}
