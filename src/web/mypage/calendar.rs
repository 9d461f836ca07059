//! The physician's private calendar feed (issue 14): the my page section that issues,
//! re-issues and revokes its URL, and the feed itself at /calendar/{token}.ics (public path:
//! calendar programs fetch it without a session; the token is the key).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::clock::format_jp_datetime;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::mypage::missing_credits::my_physician;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mypage/calendar", get(show))
        .route("/mypage/calendar/issue", post(issue))
        .route("/mypage/calendar/revoke", post(revoke))
}

/// The feed itself: public, its secret URL is the key (a calendar app cannot sign in).
pub fn feed_routes() -> Router<AppState> {
    Router::new().route("/calendar/{file}", get(feed))
}

#[derive(Template)]
#[template(path = "mypage/calendar.html")]
struct CalendarPage {
    layout: Layout,
    /// When the feed in force was issued.
    issued_at: Option<String>,
    /// The URL, only on the page that answers its issue (it is not stored).
    new_url: Option<String>,
}

async fn page(state: &AppState, ctx: &Ctx, new_url: Option<String>) -> AppResult<Response> {
    let Some(physician) = my_physician(state, ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let issued_at = db::calendar_feeds::active_since(&state.pool, physician.id).await?;
    let page = CalendarPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        issued_at: issued_at.map(|at| format_jp_datetime(at.with_timezone(&crate::clock::jst()))),
        new_url,
    };
    render(&page)
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    page(&state, &ctx, None).await
}

/// Issues (or re-issues) the URL and shows it once. Refused under proxy entry: the URL is the
/// physician's private key to their calendar.
pub async fn issue(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let token = crate::app::calendar::issue(&state.pool, &ctx.who(), physician.id, ctx.now).await?;
    let url = format!("{}/calendar/{token}.ics", state.config.base_url.trim_end_matches('/'));
    page(&state, &ctx, Some(url)).await
}

pub async fn revoke(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    if crate::app::calendar::revoke(&state.pool, &ctx.who(), physician.id, ctx.now).await? {
        ctx.flash("カレンダー配信のURLを停止しました。これまでのURLは使えません。").await?;
    }
    Ok(see_other("/mypage/calendar"))
}

/// The feed: text/calendar for a token in force, 404 otherwise (revoked, unknown, malformed).
pub async fn feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let body = crate::app::calendar::feed(&state.pool, token, ctx.now, &state.config.base_url)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}
