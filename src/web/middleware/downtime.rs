//! Refuses service during a maintenance window: 503, Retry-After, and a page that says when
//! the portal returns. Static files and health checks stay up.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::clock::{format_jp_datetime, Jst};
use crate::domain::downtime::{open_during_maintenance, resume_message, retry_after_seconds};
use crate::state::AppState;
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "maintenance.html")]
struct MaintenancePage {
    layout: Layout,
    resume: String,
    resume_at: String,
}

pub fn maintenance_response(now: Jst, resume: Jst) -> Response {
    let page = MaintenancePage {
        layout: Layout::anonymous(),
        resume: resume_message(resume),
        resume_at: format_jp_datetime(resume),
    };
    let body = page.render().unwrap_or_else(|_| resume_message(resume));
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response();
    let seconds = retry_after_seconds(now, resume).to_string();
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if open_during_maintenance(req.uri().path()) {
        return next.run(req).await;
    }
    let now = state.clock.now();
    match state.windows.resume_at(&state.pool, now).await {
        Ok(Some(resume)) => maintenance_response(now, resume),
        Ok(None) => next.run(req).await,
        // The database is down: the handler will answer 503 on its own.
        Err(_) => next.run(req).await,
    }
}
