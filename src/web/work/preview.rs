//! The preview of an uploaded attendee list (issue 10, part 4): every row as it will be
//! stored (normalised name, フリガナ, 医籍登録番号, 性別, 生年月日, units per category) with
//! what was typed beside it where the two differ, a notice for every normalisation, the exact
//! reason of every error, and the attendees the organizer withdrew or corrected by hand
//! (「取り消し済み」/「修正済み」), which the commit skips unless ticked back in.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::db::credit_corrections;
use crate::db::credits as credit_db;
use crate::domain::attendee_csv::{self, PreviewRow, RowStatus, PERSON_COLUMNS};
use crate::domain::category::{Category, Units};
use crate::domain::revival::PriorState;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::members::csv_response;
use crate::web::render;
use crate::web::work::page::{
    accepting, encoding_label, jp_time, seminar_view, window, SeminarView, WorkPage,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work/{token}/credits/uploads/{id}", get(preview))
        .route("/work/{token}/credits/uploads/{id}/preview.csv", get(preview_download))
}

#[derive(Clone)]
pub struct PreviewRowView {
    pub line: u64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub name: String,
    pub registry: String,
    pub reasons: Vec<String>,
    /// What will be stored, each with what was typed where it differs.
    pub stored: Vec<StoredField>,
    pub units: String,
    pub notices: Vec<String>,
    /// 「取り消し済み」/「修正済み」: skipped by the commit unless ticked back in.
    pub prior: Option<String>,
    pub registry_number: String,
}

#[derive(Clone)]
pub struct StoredField {
    pub label: &'static str,
    pub value: String,
    pub original: Option<String>,
}

fn stored_fields(row: &PreviewRow) -> Vec<StoredField> {
    let Some(s) = &row.stored else { return Vec::new() };
    let labels = ["漢字氏名", "フリガナ", "生年月日", "性別", "医籍登録番号"];
    let columns = [
        PERSON_COLUMNS[attendee_csv::NAME].name,
        PERSON_COLUMNS[attendee_csv::FURIGANA].name,
        PERSON_COLUMNS[attendee_csv::BIRTH].name,
        PERSON_COLUMNS[attendee_csv::SEX].name,
        PERSON_COLUMNS[attendee_csv::REGISTRY].name,
    ];
    let values = [&s.0, &s.1, &s.2, &s.3, &s.4];
    labels
        .iter()
        .zip(columns)
        .zip(values)
        .map(|((label, column), value)| StoredField {
            label,
            value: value.clone(),
            original: row.notices.iter().find(|n| n.0 == column).map(|n| n.1.clone()),
        })
        .collect()
}

pub struct UploadView {
    pub id: i64,
    pub file_name: String,
    pub encoding: &'static str,
    pub uploaded: String,
    pub committed: Option<String>,
    pub rows_total: i32,
    pub rows_ok: i32,
    pub rows_warning: usize,
    pub rows_error: i32,
}

#[derive(Template)]
#[template(path = "work/preview.html")]
struct PreviewPage {
    layout: Layout,
    seminar: SeminarView,
    upload: UploadView,
    problems: Vec<PreviewRowView>,
    rows: Vec<PreviewRowView>,
    /// Rows of attendees withdrawn or corrected by hand (skipped unless ticked back in).
    prior_rows: Vec<PreviewRowView>,
    can_commit: bool,
    late: bool,
}

pub(crate) async fn preview_page(
    ctx: &Ctx,
    work: &WorkPage,
    grants: &[(Category, Units)],
    upload: &credit_db::Upload,
    rows: Vec<PreviewRow>,
    notice: Option<String>,
    prior: &HashMap<String, PriorState>,
) -> AppResult<Response> {
    let rows: Vec<PreviewRowView> = rows
        .into_iter()
        .map(|r| {
            let status = RowStatus::from_code(&r.status).unwrap_or(RowStatus::Error);
            let stored = stored_fields(&r);
            let notices = r.notice_messages();
            let registry_number = r.registry_number().to_string();
            let prior = match status {
                RowStatus::Error => None,
                _ => prior.get(&registry_number).map(PriorState::label),
            };
            PreviewRowView {
                line: r.line,
                status: status.code(),
                status_label: status.label(),
                units: r.stored.as_ref().map(|s| s.5.clone()).unwrap_or_default(),
                name: r.name,
                registry: r.registry,
                reasons: r.reasons,
                stored,
                notices,
                prior,
                registry_number,
            }
        })
        .collect();
    let problems: Vec<PreviewRowView> =
        rows.iter().filter(|r| r.status != RowStatus::Ok.code()).cloned().collect();
    let prior_rows: Vec<PreviewRowView> =
        rows.iter().filter(|r| r.prior.is_some()).cloned().collect();
    let rows_warning = rows.iter().filter(|r| r.status == RowStatus::Warning.code()).count();
    let today = ctx.now.date_naive();
    let notice = match notice {
        Some(notice) => Some(notice),
        None => ctx.take_flash().await?,
    };
    let page = PreviewPage {
        layout: ctx.layout().with_notice(notice),
        seminar: seminar_view(work, grants, today),
        upload: UploadView {
            id: upload.id,
            file_name: upload.file_name.clone(),
            encoding: encoding_label(&upload.encoding),
            uploaded: jp_time(upload.uploaded_at),
            committed: upload.committed_at.map(jp_time),
            rows_total: upload.rows_total,
            rows_ok: upload.rows_ok,
            rows_warning,
            rows_error: upload.rows_error,
        },
        problems,
        rows,
        prior_rows,
        can_commit: upload.committed_at.is_none() && upload.rows_ok > 0 && accepting(&work.seminar),
        late: window(&work.seminar, today).is_late(),
    };
    render(&page)
}

async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let grants = &work.grants;
    let mut conn = state.pool.acquire().await?;
    let upload =
        credit_db::upload(&mut conn, work.seminar.id, id).await?.ok_or(AppError::NotFound)?;
    let content = credit_db::upload_preview(&mut conn, work.seminar.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let prior = credit_corrections::prior_states(&mut conn, work.seminar.id).await?;
    drop(conn);
    preview_page(&ctx, &work, grants, &upload, content.preview, None, &prior).await
}

async fn preview_download(
    State(state): State<AppState>,
    work: WorkPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let content = credit_db::upload_preview(&mut conn, work.seminar.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let bytes = attendee_csv::preview_csv(&content.header, &content.preview);
    Ok(csv_response(&format!("attendees_result_{id}.csv"), bytes))
}
