//! HTTP: the router, one module per audience, and the middleware every request passes.

pub mod account;
pub mod admin;
pub mod confirm;
pub mod ctx;
pub mod files;
pub mod layout;
pub mod middleware;
pub mod mypage;
pub mod office;
pub mod public;
pub mod work;

use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::db::sessions::PgSessionStore;
use crate::domain::text::redact_path;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "mamis_session";

pub fn render<T: Template>(page: &T) -> AppResult<Response> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(Html(html).into_response())
}

/// 303 See Other: the answer to a successful form POST.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Every page of the portal, by audience (the guard and the other layers come in `router`).
fn pages() -> Router<AppState> {
    Router::new()
        .route("/account/password", get(account::password_form).post(account::change_password))
        .merge(public::routes())
        .merge(mypage::routes())
        .merge(work::routes())
        .merge(office::routes())
        .merge(admin::routes())
}

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let sessions = SessionManagerLayer::new(PgSessionStore::new(state.pool.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(30)));

    let hsts = state.config.secure_cookies().then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });
    pages()
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), middleware::audience::guard))
        .layer(from_fn(middleware::input::clean))
        .layer(from_fn_with_state(state.clone(), middleware::csrf::verify))
        .layer(sessions)
        .layer(from_fn_with_state(state.clone(), middleware::downtime::guard))
        .layer(middleware::replica::ReadRoutingLayer::new(state.clone()))
        .route("/healthz", get(public::health::healthz))
        .route("/readyz", get(public::health::readyz))
        .route("/static/style.css", get(public::assets::stylesheet))
        .route("/static/focus.js", get(public::assets::focus_script))
        .route("/static/favicon.svg", get(public::assets::favicon_svg))
        .route("/favicon.ico", get(public::assets::favicon_ico))
        .route("/apple-touch-icon.png", get(public::assets::touch_icon))
        .layer(from_fn(middleware::headers::security))
        .layer(tower::util::option_layer(hsts))
        .layer(from_fn_with_state(state.clone(), middleware::query_count::scope))
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!(
                "request",
                method = %req.method(),
                path = %redact_path(req.uri().path()),
                request_id = %id,
                queries = tracing::field::Empty,
            )
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
