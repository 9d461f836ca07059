//! HTTP: the router, one module per audience, and the middleware every request passes.

pub mod account;
pub mod admin;
pub mod api;
pub mod confirm;
pub mod ctx;
pub mod extract;
pub mod files;
pub mod layout;
pub mod middleware;
pub mod mypage;
pub mod office;
pub mod public;
pub mod views;
pub mod work;

use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::db::sessions::PgSessionStore;
use crate::domain::audience::Audience;
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

/// Every page of the portal, in one group per audience: a route's audience is the group it is
/// declared in, and each group's `route_layer` admits only that audience
/// (`domain::audience::admits`), before any handler of the group runs.
fn pages(state: &AppState) -> Router<AppState> {
    let guarded = |audience: Audience, routes: Router<AppState>| {
        routes
            .route_layer(from_fn_with_state((state.clone(), audience), middleware::audience::guard))
    };
    Router::new()
        .merge(guarded(Audience::Public, public::routes()))
        .merge(guarded(Audience::Public, mypage::public_routes()))
        .merge(guarded(Audience::WorkPage, work::routes()))
        .merge(guarded(Audience::SignedIn, signed_in_routes()))
        .merge(guarded(Audience::Physicians, mypage::routes()))
        .merge(guarded(Audience::Staff, office::routes()))
        .merge(guarded(Audience::Oversight, admin::oversight_routes()))
        .merge(guarded(Audience::Administrators, admin::routes()))
}

/// Pages for any signed-in account: the own password, the first-login steps, signing out and
/// leaving proxy entry (which staff do while the session shows the physician).
fn signed_in_routes() -> Router<AppState> {
    Router::new()
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/logout", post(public::auth::logout))
        .route("/proxy/stop", post(office::physicians::stop_proxy))
        .merge(public::welcome::routes())
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
    pages(&state)
        .fallback(not_found)
        .layer(from_fn(middleware::input::clean))
        .layer(from_fn_with_state(state.clone(), middleware::csrf::verify))
        .layer(sessions)
        .layer(from_fn_with_state(state.clone(), middleware::downtime::guard))
        .layer(middleware::replica::ReadRoutingLayer::new(state.clone()))
        // The organizer API (Audience::Api): Bearer tokens only, so it is merged outside the
        // session, CSRF and audience layers above (no cookie is read or set for it); it has
        // its own downtime answer and body limit.
        .merge(api::routes(&state))
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
