//! The organizer's secret work page (作業ページ): no account, the URL is the key. Pages are
//! never cached and never leak the URL through the Referer header.
//!
//! Credit registration lives here: the template CSV, upload → preview (every row with its
//! outcome, downloadable as the same CSV with 結果/理由 columns) → commit, one attendee at a
//! time through a form, the list of registered attendees with correction and withdrawal.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::credit_corrections;
use crate::db::credits::{self as credit_db, CommitCounts, StoredAttendee, UploadContent};
use crate::db::{self, audit, seminars::Seminar};
use crate::domain::attendee_csv::{
    self, parse_attendee, parse_attendees, PreviewRow, RawAttendee, PERSON_COLUMNS,
};
use crate::domain::category::{Category, Format, Programme, Units};
use crate::domain::credit_window::CreditWindow;
use crate::domain::csv_text::{self, RowError};
use crate::domain::deadline;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::period_label;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::members::{csv_response, error_views, ErrorView};
use crate::web::work::preview::preview_page;
use crate::web::{render, see_other};

/// Largest attendee CSV accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The request may be a little larger than the file (multipart headers, boundaries).
const MAX_UPLOAD_REQUEST: usize = MAX_UPLOAD_BYTES + 64 * 1024;

pub const NO_STICKERS: &str = "この研修会では単位シール・紙の修了証は発行できません（単位の二重付与になります）。単位はMAMISへの登録で付与されます。";

mod entry;
mod upload;
mod withdraw;

use entry::*;
pub(crate) use upload::encoding_label;
use upload::*;
/// The upload's parse, as the fuzzers drive it (`fuzz_targets`).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use upload::{prepare, Parse};
use withdraw::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work/{token}", get(home))
        .route("/work/{token}/credits/template.csv", get(template_csv))
        .route(
            "/work/{token}/credits/upload",
            get(upload_form).post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_REQUEST)),
        )
        .route("/work/{token}/credits/uploads/{id}/commit", post(commit))
        .route("/work/{token}/credits/new", get(entry_form).post(entry))
        .route(
            "/work/{token}/credits/{registry_number}/withdraw",
            get(withdraw_page).post(withdraw),
        )
        .merge(crate::web::work::credits::routes())
        .merge(crate::web::work::preview::routes())
        // Every answer under /work/{token}, 404s and error pages included.
        .layer(map_response(private_layer))
}

/// The seminar behind `/work/{token}/…`; 404 for an unknown or revoked token.
pub struct WorkPage {
    pub token: String,
    pub seminar: Seminar,
    /// The units the seminar grants, in category order (read with the seminar).
    pub grants: Vec<(Category, Units)>,
    /// This request's turn on the work page (see `work_limit`).
    _turn: crate::web::work::limit::Turn,
}

impl WorkPage {
    /// The URL prefix of this work page, e.g. `/work/ab12…`.
    pub fn base(&self) -> String {
        format!("/work/{}", self.token)
    }
}

impl FromRequestParts<AppState> for WorkPage {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Path(params): Path<Vec<(String, String)>> =
            Path::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        let token = params
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v)
            .ok_or(AppError::NotFound)?;
        let turn = crate::web::work::limit::turn(&token).await?;
        let (seminar, units) = db::work_pages::seminar_with_units(&state.pool, &token)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(WorkPage { token, seminar, grants: grants(units), _turn: turn })
    }
}

/// Work-page responses: no Referer (the URL is the secret) and never stored by caches.
pub fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, private"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    response
}

async fn private_layer(response: Response) -> Response {
    private(response)
}

// ---------------------------------------------------------------------------------------------
// What every page shows of the seminar.

pub struct GrantView {
    pub label: &'static str,
    pub units: String,
}

pub struct SeminarView {
    pub base: String,
    pub title: String,
    pub programme: &'static str,
    /// 認定産業医 seminars file a seminar report (開催報告).
    pub occupational: bool,
    pub recruiting: bool,
    pub format: &'static str,
    pub period: String,
    pub venue: String,
    pub organizer: String,
    pub status: &'static str,
    pub accepting: bool,
    pub due_date: String,
    /// Held and past the due date: registration now is late.
    pub past_due: bool,
    pub days_left: i64,
    pub grants: Vec<GrantView>,
    /// Before the first day: when registration opens (nothing can be registered yet).
    pub window_closed: Option<String>,
}

/// Only approved seminars take credits.
pub(crate) fn accepting(seminar: &Seminar) -> bool {
    seminar.status == crate::domain::seminar::Status::Approved
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    layout: Layout,
    title: &'static str,
    message: String,
    link: Option<(String, &'static str)>,
}

/// The answer to a change on a seminar that takes no credits (not approved, or no longer).
fn not_accepting(ctx: &Ctx, work: &WorkPage) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    let message = crate::app::credits::registration_refusal(&work.seminar, today);
    refusal_page(ctx, work, message.unwrap_or_default())
}

fn refusal_page(ctx: &Ctx, work: &WorkPage, message: String) -> AppResult<Response> {
    let page = MessagePage {
        layout: ctx.layout(),
        title: "単位はまだ登録できません",
        message,
        link: Some((work.base(), "作業ページに戻る")),
    };
    Ok((StatusCode::CONFLICT, render(&page)?).into_response())
}

/// The units a seminar grants, as domain values in category order.
fn grants(rows: Vec<db::seminars::UnitRow>) -> Vec<(Category, Units)> {
    let mut grants: Vec<(Category, Units)> = rows
        .into_iter()
        .filter_map(|r| {
            let category = Category::from_code(&r.category)?;
            Some((category, Units::new(r.units).ok()?))
        })
        .collect();
    grants.sort_by_key(|(c, _)| *c);
    grants
}

pub(crate) fn seminar_view(
    work: &WorkPage,
    grants: &[(Category, Units)],
    today: NaiveDate,
) -> SeminarView {
    let s = &work.seminar;
    SeminarView {
        base: work.base(),
        title: s.title.clone(),
        programme: Programme::from_code(&s.programme).map(Programme::label).unwrap_or(""),
        occupational: s.programme == Programme::Occupational.code(),
        recruiting: s.recruiting,
        format: Format::from_code(&s.format).map(Format::label).unwrap_or(""),
        period: period_label(s.starts_on, s.ends_on),
        venue: s.venue.clone(),
        organizer: s.organizer_name.clone(),
        status: s.status.label(),
        accepting: accepting(s),
        due_date: format_jp_date(deadline::due_date(s.ends_on)),
        past_due: deadline::is_late(s.ends_on, today),
        days_left: deadline::days_left(s.ends_on, today),
        grants: grants
            .iter()
            .map(|(c, u)| GrantView { label: c.label(), units: u.to_string() })
            .collect(),
        window_closed: window(s, today).refusal(),
    }
}

/// The seminar's credit window on `today` (one rule for the CSV and the form).
pub(crate) fn window(seminar: &Seminar, today: NaiveDate) -> CreditWindow {
    CreditWindow::on(seminar.starts_on, seminar.ends_on, today)
}

/// The answer to a registration the seminar does not take today (not approved, or before its
/// first day: the one rule the API uses too); None when it is open.
fn registration_refused(ctx: &Ctx, work: &WorkPage) -> AppResult<Option<Response>> {
    let today = ctx.now.date_naive();
    match crate::app::credits::registration_refusal(&work.seminar, today) {
        Some(message) => refusal_page(ctx, work, message).map(Some),
        None => Ok(None),
    }
}

pub(crate) use crate::web::views::jp_time;

// ---------------------------------------------------------------------------------------------
// The work page itself.

pub struct UploadListView {
    pub id: i64,
    pub file_name: String,
    pub uploaded: String,
    pub rows_ok: i32,
    pub rows_error: i32,
    pub committed: Option<String>,
}

#[derive(Template)]
#[template(path = "work/home.html")]
struct HomePage {
    layout: Layout,
    seminar: SeminarView,
    notice_stickers: &'static str,
    summary: credit_db::Summary,
    registered: bool,
    overdue: bool,
    uploads: Vec<UploadListView>,
}

async fn home(State(state): State<AppState>, ctx: Ctx, work: WorkPage) -> AppResult<Response> {
    let grants = &work.grants;
    let mut conn = state.pool.acquire().await?;
    let summary = credit_db::summary(&mut conn, work.seminar.id).await?;
    let uploads = credit_db::recent_uploads(&mut conn, work.seminar.id, 10)
        .await?
        .into_iter()
        .map(|u| UploadListView {
            id: u.id,
            file_name: u.file_name,
            uploaded: jp_time(u.uploaded_at),
            rows_ok: u.rows_ok,
            rows_error: u.rows_error,
            committed: u.committed_at.map(jp_time),
        })
        .collect();
    drop(conn);
    let today = ctx.now.date_naive();
    let registered = summary.credits > 0;
    let page = HomePage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(&work, grants, today),
        notice_stickers: NO_STICKERS,
        overdue: deadline::is_overdue(work.seminar.ends_on, today, registered),
        registered,
        summary,
        uploads,
    };
    render(&page)
}

async fn template_csv(work: WorkPage) -> AppResult<Response> {
    let categories: Vec<Category> = work.grants.iter().copied().map(|(c, _)| c).collect();
    Ok(csv_response(
        &format!("attendees_seminar{}.csv", work.seminar.id),
        attendee_csv::template_csv(&categories),
    ))
}
