//! HTTP: the router, one module per audience, and the middleware every request passes.

pub mod account;
pub mod admin;
pub mod admin_logins;
pub mod application_files;
pub mod applications;
pub mod assets;
pub mod audience;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod confirm;
pub mod consents;
pub mod csrf;
pub mod ctx;
pub mod downtime;
pub mod files;
pub mod headers;
pub mod health;
pub mod home;
pub mod input;
pub mod layout;
pub mod limits;
pub mod office_application_search;
pub mod office_applications;
pub mod office_association;
pub mod office_changes;
pub mod office_exports;
pub mod office_held_credits;
pub mod office_links;
pub mod office_members;
pub mod office_notices;
pub mod office_physician_record;
pub mod office_physicians;
pub mod office_postcards;
pub mod office_reception;
pub mod office_seminars;
pub mod profile;
pub mod query_count;
pub mod recovery;
pub mod register;
pub mod seminar_files;
pub mod seminar_guard;
pub mod seminar_timetable;
pub mod seminars_correct;
pub mod seminars_public;
pub mod welcome;
pub mod work_credits;
pub mod work_limit;
pub mod work_page;
pub mod work_page_report;
pub mod work_preview;

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
        .route("/", get(home::root))
        .route("/login", get(auth::show).post(auth::submit))
        .route("/admin/login", get(auth::admin_show).post(auth::admin_submit))
        .route("/logout", post(auth::logout))
        .route("/mypage", get(home::mypage))
        .route("/mypage/credits/print", get(home::credits_print))
        .route("/office", get(home::office))
        .route("/admin", get(home::admin))
        .route("/admin/maintenance", get(admin::windows).post(admin::create_window))
        .route(
            "/admin/maintenance/{id}/delete",
            get(admin::delete_window_page).post(admin::delete_window),
        )
        .route("/admin/announcements", get(admin::announcements).post(admin::create_announcement))
        .route("/admin/announcements/{id}/delete", post(admin::delete_announcement))
        .route("/audit", get(audit::list))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .merge(admin_logins::routes())
        .merge(consents::routes())
        .merge(welcome::routes())
        .merge(register::routes())
        .merge(recovery::routes())
        .merge(profile::routes())
        .merge(office_members::routes())
        .merge(office_association::routes())
        .merge(office_links::routes())
        .merge(office_changes::routes())
        .merge(office_physician_record::routes())
        .merge(office_physicians::routes())
        .merge(office_exports::routes())
        .merge(certificates::routes())
        .merge(office_seminars::routes())
        .merge(office_application_search::routes())
        .merge(office_applications::routes())
        .merge(office_notices::routes())
        .merge(office_reception::routes())
        .merge(office_held_credits::routes())
        .merge(seminars_public::routes())
        .merge(seminars_correct::routes())
        .merge(seminar_files::routes())
        .merge(work_page::routes())
        .merge(work_page_report::routes())
        .merge(applications::routes())
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
        .layer(from_fn_with_state(state.clone(), audience::guard))
        .layer(from_fn(input::clean))
        .layer(from_fn_with_state(state.clone(), csrf::verify))
        .layer(sessions)
        .layer(from_fn_with_state(state.clone(), downtime::guard))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/style.css", get(assets::stylesheet))
        .route("/static/focus.js", get(assets::focus_script))
        .route("/static/favicon.svg", get(assets::favicon_svg))
        .route("/favicon.ico", get(assets::favicon_ico))
        .route("/apple-touch-icon.png", get(assets::touch_icon))
        .layer(from_fn(headers::security))
        .layer(tower::util::option_layer(hsts))
        .layer(from_fn_with_state(state.clone(), query_count::scope))
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
