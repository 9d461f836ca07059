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

use crate::clock::{format_jp_date, format_jp_datetime};
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
use crate::domain::revival;
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
    let page = MessagePage {
        layout: ctx.layout(),
        title: "単位はまだ登録できません",
        message: format!(
            "この研修会は「{}」のため、単位を登録できません（何も保存していません）。承認後に登録してください。",
            work.seminar.status.label()
        ),
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

/// The answer to a registration before the seminar's first day; None when it is open.
fn window_refusal(ctx: &Ctx, work: &WorkPage) -> AppResult<Option<Response>> {
    let Some(message) = window(&work.seminar, ctx.now.date_naive()).refusal() else {
        return Ok(None);
    };
    let page = MessagePage {
        layout: ctx.layout(),
        title: "単位はまだ登録できません",
        message,
        link: Some((work.base(), "作業ページに戻る")),
    };
    Ok(Some((StatusCode::CONFLICT, render(&page)?).into_response()))
}

pub(crate) fn jp_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format_jp_datetime(at.fixed_offset())
}

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

// ---------------------------------------------------------------------------------------------
// Upload → preview.

#[derive(Template)]
#[template(path = "work/upload.html")]
struct UploadPage {
    layout: Layout,
    seminar: SeminarView,
    notice_stickers: &'static str,
    file_error: Option<String>,
    errors: Vec<ErrorView>,
    hidden_errors: usize,
    unit_columns: Vec<String>,
}

async fn upload_page(
    ctx: &Ctx,
    work: &WorkPage,
    file_error: Option<String>,
    errors: Vec<RowError>,
) -> AppResult<Response> {
    let failed = file_error.is_some() || !errors.is_empty();
    let grants = &work.grants;
    let (errors, hidden_errors) = error_views(errors);
    let page = UploadPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(work, grants, ctx.now.date_naive()),
        notice_stickers: NO_STICKERS,
        file_error,
        errors,
        hidden_errors,
        unit_columns: grants.iter().map(|(c, _)| c.csv_header()).collect(),
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

async fn upload_form(ctx: Ctx, work: WorkPage) -> AppResult<Response> {
    upload_page(&ctx, &work, None, Vec::new()).await
}

const TOO_LARGE: &str = "ファイルが大きすぎます（5MBまで）。ファイルを分けて登録してください。";
const NO_FILE: &str = "登録する受講者のCSVファイルを選んでください。";

struct UploadedFile {
    file_name: String,
    bytes: Vec<u8>,
}

fn clean_file_name(name: Option<&str>) -> String {
    let name = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.trim().is_empty() {
        "upload.csv".to_string()
    } else {
        name.trim().to_string()
    }
}

/// The `file` field of the multipart form; Err is a message for the form.
async fn read_file(mut multipart: Multipart) -> Result<UploadedFile, String> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            TOO_LARGE.to_string()
        } else {
            "ファイルを受け取れませんでした。もう一度ファイルを選んで送信してください。".to_string()
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let chosen = field.file_name().is_some_and(|n| !n.is_empty());
        let file_name = clean_file_name(field.file_name());
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(TOO_LARGE.to_string());
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() && !chosen {
            return Err(NO_FILE.to_string());
        }
        return Ok(UploadedFile { file_name, bytes });
    }
    Err(NO_FILE.to_string())
}

/// How the file was saved (judged by its content, as `csv_text::decode` reads it).
fn encoding_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        "utf-8-bom"
    } else if std::str::from_utf8(bytes).is_ok() {
        "utf-8"
    } else {
        "shift_jis"
    }
}

pub(crate) fn encoding_label(code: &str) -> &'static str {
    match code {
        "utf-8-bom" => "UTF-8（BOM付き）",
        "utf-8" => "UTF-8",
        "shift_jis" => "Shift_JIS（Excelの「CSV（コンマ区切り）」）",
        "form" => "画面から入力",
        _ => "",
    }
}

/// The parsed file, ready to store: counts and the content as JSON.
pub(crate) struct Prepared {
    pub(crate) encoding: &'static str,
    pub(crate) rows_total: i32,
    pub(crate) rows_ok: i32,
    pub(crate) rows_error: i32,
    pub(crate) content: UploadContent,
    pub(crate) content_json: String,
}

pub(crate) enum Parse {
    FileError(String),
    RowErrors(Vec<RowError>),
    Ready(Box<Prepared>),
}

pub(crate) fn prepare(bytes: &[u8], grants: &[(Category, Units)], today: NaiveDate) -> Parse {
    let encoding = encoding_of(bytes);
    let text = match csv_text::decode(bytes) {
        Ok(text) => text,
        Err(message) => return Parse::FileError(message.to_string()),
    };
    let parsed = match parse_attendees(&text, grants, today) {
        Ok(parsed) => parsed,
        Err(errors) => return Parse::RowErrors(errors),
    };
    let rows: Vec<StoredAttendee> = parsed.attendees().map(StoredAttendee::from).collect();
    let content = UploadContent {
        preview: parsed.rows.into_iter().map(PreviewRow::from).collect(),
        rows,
        header: parsed.header,
    };
    let content_json = match serde_json::to_string(&content) {
        Ok(json) => json,
        Err(e) => return Parse::FileError(format!("ファイルを保存できませんでした（{e}）。")),
    };
    let rows_total = content.preview.len() as i32;
    let rows_ok = content.rows.len() as i32;
    Parse::Ready(Box::new(Prepared {
        encoding,
        rows_total,
        rows_ok,
        rows_error: rows_total - rows_ok,
        content,
        content_json,
    }))
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    multipart: Multipart,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    if let Some(refused) = window_refusal(&ctx, &work)? {
        return Ok(refused);
    }
    let file = match read_file(multipart).await {
        Ok(file) => file,
        Err(message) => return upload_page(&ctx, &work, Some(message), vec![]).await,
    };
    let grants = &work.grants;
    let today = ctx.now.date_naive();
    let task_grants = grants.to_vec();
    let bytes = file.bytes;
    // Parsing and serialising 10,000 rows is CPU work: keep it off the async threads.
    let parsed = tokio::task::spawn_blocking(move || prepare(&bytes, &task_grants, today))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let prepared = match parsed {
        Parse::FileError(message) => return upload_page(&ctx, &work, Some(message), vec![]).await,
        Parse::RowErrors(errors) => return upload_page(&ctx, &work, None, errors).await,
        Parse::Ready(prepared) => prepared,
    };
    let mut tx = state.pool.begin().await?;
    credit_db::prefer_fast_compression(&mut tx).await?;
    let id = credit_db::create_upload(
        &mut tx,
        &credit_db::NewUpload {
            seminar_id: work.seminar.id,
            file_name: &file.file_name,
            encoding: prepared.encoding,
            rows_total: prepared.rows_total,
            rows_ok: prepared.rows_ok,
            rows_error: prepared.rows_error,
            content_json: &prepared.content_json,
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    let upload = credit_db::Upload {
        id,
        seminar_id: work.seminar.id,
        file_name: file.file_name,
        encoding: prepared.encoding.to_string(),
        rows_total: prepared.rows_total,
        rows_ok: prepared.rows_ok,
        rows_error: prepared.rows_error,
        uploaded_at: ctx.now.to_utc(),
        committed_at: None,
    };
    let Prepared { content, .. } = *prepared;
    let mut conn = state.pool.acquire().await?;
    let prior = credit_corrections::prior_states(&mut conn, work.seminar.id).await?;
    drop(conn);
    preview_page(&ctx, &work, grants, &upload, content.preview, None, &prior).await
}

// ---------------------------------------------------------------------------------------------
// Commit.

fn counts_json(counts: &CommitCounts) -> serde_json::Value {
    json!({
        "rows": counts.rows,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged(),
        "matched": counts.matched,
        "unmatched": counts.unmatched,
        "birth_date_mismatch": counts.mismatched,
        "people": counts.people,
        "skipped": counts.skipped,
    })
}

fn commit_message(counts: &CommitCounts, late: bool) -> String {
    let mut message = format!(
        "受講者 {} 名・単位 {} 件を登録しました（単位：新規 {} 件、修正 {} 件、変更なし {} 件）。",
        counts.people,
        counts.rows,
        counts.inserted,
        counts.updated,
        counts.unchanged()
    );
    if counts.mismatched > 0 {
        message.push_str(&format!(
            "生年月日がMAMISの登録と一致しない {} 名（単位 {} 件）は、事務局が確認するまで保留されます。",
            counts.mismatched_people, counts.mismatched
        ));
    }
    if counts.skipped > 0 {
        message.push_str(&format!(
            "作業ページで取り消し・修正済みの {} 名は登録しませんでした（元に戻す場合は確認画面でチェックを入れて登録してください）。",
            counts.skipped
        ));
    }
    if late {
        message.push_str("登録期限を過ぎているため、期限後の登録として記録しました。");
    }
    message
}

/// Writes an upload's attendees and audits the commit, in the caller's transaction. Returns
/// None when the upload was committed before (nothing changes).
async fn commit_in(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    seminar: &Seminar,
    upload_id: i64,
    action: &str,
    skip: &[String],
    before: Option<serde_json::Value>,
) -> AppResult<Option<(credit_db::Upload, CommitCounts, bool)>> {
    let upload =
        credit_db::upload_for_update(tx, seminar.id, upload_id).await?.ok_or(AppError::NotFound)?;
    if upload.committed_at.is_some() {
        return Ok(None);
    }
    let late = window(seminar, ctx.now.date_naive()).is_late();
    let (counts, corrections) =
        credit_db::commit_upload(tx, seminar.id, upload_id, &seminar.format, late, skip, ctx.now)
            .await?;
    credit_db::mark_committed(tx, upload_id, ctx.now).await?;
    let mut after = counts_json(&counts);
    after["upload_id"] = json!(upload_id);
    after["file_name"] = json!(upload.file_name);
    after["late"] = json!(late);
    after["via"] = json!("work_page");
    after["corrections"] = corrections;
    let entry = audit::Entry {
        action,
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before,
        after: Some(after),
    };
    audit::record(tx, &ctx.who(), ctx.now, entry).await?;
    Ok(Some((upload, counts, late)))
}

async fn commit(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, id)): Path<(String, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    if let Some(refused) = window_refusal(&ctx, &work)? {
        return Ok(refused);
    }
    let ticked: Vec<&str> =
        fields.iter().filter(|(k, _)| k == "revive").map(|(_, v)| v.as_str()).collect();
    let mut tx = state.pool.begin().await?;
    // One commit at a time per seminar: a second one waits here (not on the credit rows).
    credit_db::lock_seminar(&mut tx, work.seminar.id).await?;
    let prior = credit_corrections::prior_states(&mut tx, work.seminar.id).await?;
    let skip: Vec<String> = prior
        .iter()
        .filter(|(number, state)| revival::skipped(Some(state), ticked.contains(&number.as_str())))
        .map(|(number, _)| number.clone())
        .collect();
    let done = commit_in(&mut tx, &ctx, &work.seminar, id, "credits.commit", &skip, None).await?;
    let message = match done {
        Some((_, counts, late)) => {
            tx.commit().await?;
            commit_message(&counts, late)
        }
        None => {
            tx.rollback().await?;
            "このファイルはすでに登録済みです。もう一度登録しても単位は重複しません（何も変更していません）。".to_string()
        }
    };
    ctx.flash(&message).await?;
    Ok(see_other(&format!("{}/credits", work.base())))
}

// ---------------------------------------------------------------------------------------------
// Withdrawal (the list itself: `work_credits`).

/// Withdrawing takes the credits off the attendees' my pages: confirmed on a page of its own
/// that names the attendee and each credit that will stop counting.
async fn withdraw_page(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, registry_number)): Path<(String, String)>,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    let mut conn = state.pool.acquire().await?;
    let rows = credit_db::for_attendee(&mut conn, work.seminar.id, &registry_number).await?;
    let active: Vec<_> = rows.iter().filter(|r| r.withdrawn_at.is_none()).collect();
    let Some(first) = active.first() else {
        ctx.flash(&format!("医籍登録番号 {registry_number} の登録中の単位はありません。")).await?;
        return Ok(see_other(&format!("{}/credits", work.base())));
    };
    let lost = active
        .iter()
        .map(|r| {
            let category =
                Category::from_code(&r.category).map_or(r.category.as_str(), |c| c.label());
            format!("{category} {}単位", r.units.normalize())
        })
        .collect();
    let base = work.base();
    let page = crate::web::confirm::ConfirmPage {
        layout: ctx.layout(),
        title: "受講者の単位を取り消しますか".into(),
        lead: format!(
            "{} さん（医籍登録番号 {registry_number}）のこの研修会の単位を取り消します。",
            first.kanji_name
        ),
        lost,
        note: Some(
            "取り消すと、この方のマイページと申請の要件確認に、これらの単位は表示も算入もされなくなります。間違えて取り消したときは、もう一度登録してください。"
                .into(),
        ),
        action: format!("{base}/credits/{registry_number}/withdraw"),
        button: format!("{} さんの単位を取り消す", first.kanji_name),
        cancel_href: format!("{base}/credits"),
        cancel_label: "取り消さずに受講者の一覧へ戻る".into(),
    };
    render(&page)
}

async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, registry_number)): Path<(String, String)>,
    Form(confirmed): Form<crate::web::confirm::Confirmed>,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    if !confirmed.yes() {
        return Ok(see_other(&format!("{}/credits/{registry_number}/withdraw", work.base())));
    }
    let mut tx = state.pool.begin().await?;
    let withdrawn = withdraw_in(&mut tx, &ctx, &work.seminar, &registry_number, None).await?;
    tx.commit().await?;
    let message = if withdrawn == 0 {
        format!("医籍登録番号 {registry_number} の登録中の単位はありません。")
    } else {
        format!("医籍登録番号 {registry_number} の単位（{withdrawn} 件）を取り消しました。")
    };
    ctx.flash(&message).await?;
    Ok(see_other(&format!("{}/credits", work.base())))
}

/// Credits as the audit log keeps them (before or after a change).
fn credit_snapshot(rows: &[credit_db::CreditRow]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            json!({
                "id": r.id,
                "registry_number": r.registry_number,
                "category": r.category,
                "units": r.units,
                "kanji_name": r.kanji_name,
                "furigana": r.furigana,
                "birth_date": r.birth_date,
                "sex": r.sex,
                "match_status": r.match_status,
                "physician_id": r.physician_id,
                "withdrawn": r.withdrawn_at.is_some(),
            })
        })
        .collect()
}

/// Withdraws an attendee's credits in force (all, or those of categories not in `keep`),
/// audited with what they were. Returns how many.
async fn withdraw_in(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    seminar: &Seminar,
    registry_number: &str,
    keep: Option<&[Category]>,
) -> AppResult<usize> {
    let rows = match keep {
        None => credit_db::withdraw(tx, seminar.id, registry_number, ctx.now).await?,
        Some(keep) => {
            let keep: Vec<String> = keep.iter().map(|c| c.code().to_string()).collect();
            credit_db::withdraw_categories(tx, seminar.id, registry_number, &keep, ctx.now).await?
        }
    };
    if rows.is_empty() {
        return Ok(0);
    }
    let before = credit_snapshot(&rows);
    let entry = audit::Entry {
        action: "credits.withdraw",
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before: Some(json!({ "registry_number": registry_number, "credits": before })),
        after: Some(json!({ "withdrawn_at": ctx.now, "via": "work_page" })),
    };
    audit::record(tx, &ctx.who(), ctx.now, entry).await?;
    Ok(rows.len())
}

// ---------------------------------------------------------------------------------------------
// One attendee at a time (entry and correction).

/// Form field of each attendee column, in `PERSON_COLUMNS` order.
const FIELDS: [&str; 8] =
    ["kanji_name", "furigana", "birth_date", "sex", "registry_number", "email", "phone", "fax"];

pub struct UnitInput {
    pub field: &'static str,
    pub label: &'static str,
    pub granted: String,
    pub value: String,
}

#[derive(Default)]
pub struct EntryInput {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub sex: String,
    pub registry_number: String,
    pub email: String,
    pub phone: String,
    pub fax: String,
    /// Set when correcting an attendee already registered.
    pub original_registry_number: String,
}

#[derive(Template)]
#[template(path = "work/entry.html")]
struct EntryPage {
    layout: Layout,
    seminar: SeminarView,
    form: EntryInput,
    units: Vec<UnitInput>,
    errors: FieldErrors,
    warnings: Vec<String>,
    correcting: bool,
}

#[derive(Deserialize)]
struct EntryQuery {
    registry_number: Option<String>,
}

fn unit_inputs(grants: &[(Category, Units)], values: &HashMap<String, String>) -> Vec<UnitInput> {
    grants
        .iter()
        .map(|(c, u)| UnitInput {
            field: c.code(),
            label: c.label(),
            granted: u.to_string(),
            value: values.get(c.code()).cloned().unwrap_or_else(|| u.to_string()),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn entry_page(
    ctx: &Ctx,
    work: &WorkPage,
    grants: &[(Category, Units)],
    form: EntryInput,
    unit_values: &HashMap<String, String>,
    errors: FieldErrors,
    warnings: Vec<String>,
) -> AppResult<Response> {
    let failed = !errors.is_empty();
    let page = EntryPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(work, grants, ctx.now.date_naive()),
        correcting: !form.original_registry_number.is_empty(),
        form,
        units: unit_inputs(grants, unit_values),
        errors,
        warnings,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

async fn entry_form(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Query(query): Query<EntryQuery>,
) -> AppResult<Response> {
    let grants = &work.grants;
    let mut form = EntryInput::default();
    let mut units = HashMap::new();
    if let Some(number) = query.registry_number.filter(|n| !n.is_empty()) {
        let mut conn = state.pool.acquire().await?;
        let rows: Vec<credit_db::CreditRow> =
            credit_db::for_attendee(&mut conn, work.seminar.id, &number)
                .await?
                .into_iter()
                .filter(|r| r.withdrawn_at.is_none())
                .collect();
        let Some(first) = rows.first() else {
            return Err(AppError::NotFound);
        };
        form = EntryInput {
            kanji_name: first.kanji_name.clone(),
            furigana: first.furigana.clone(),
            birth_date: first.birth_date.format("%Y-%m-%d").to_string(),
            sex: crate::domain::person::Sex::from_code(&first.sex)
                .map(|s| s.label().to_string())
                .unwrap_or_default(),
            registry_number: first.registry_number.clone(),
            email: first.email.clone(),
            phone: first.phone.clone().unwrap_or_default(),
            fax: first.fax.clone().unwrap_or_default(),
            original_registry_number: first.registry_number.clone(),
        };
        for (category, _) in grants {
            let value = rows
                .iter()
                .find(|r| r.category == category.code())
                .map(|r| r.units.normalize().to_string())
                .unwrap_or_else(|| "0".to_string());
            units.insert(category.code().to_string(), value);
        }
    }
    entry_page(&ctx, &work, grants, form, &units, FieldErrors::default(), Vec::new()).await
}

async fn entry(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    if let Some(refused) = window_refusal(&ctx, &work)? {
        return Ok(refused);
    }
    let grants = &work.grants;
    let fields: HashMap<String, String> = fields.into_iter().collect();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let form = EntryInput {
        kanji_name: field("kanji_name"),
        furigana: field("furigana"),
        birth_date: field("birth_date"),
        sex: field("sex"),
        registry_number: field("registry_number"),
        email: field("email"),
        phone: field("phone"),
        fax: field("fax"),
        original_registry_number: field("original_registry_number"),
    };
    let unit_values: HashMap<String, String> =
        grants.iter().map(|(c, _)| (c.code().to_string(), field(c.code()))).collect();
    let raw = RawAttendee {
        kanji_name: &form.kanji_name,
        furigana: &form.furigana,
        birth_date: &form.birth_date,
        sex: &form.sex,
        registry_number: &form.registry_number,
        email: &form.email,
        phone: &form.phone,
        fax: &form.fax,
        units: grants
            .iter()
            .map(|(c, _)| (*c, unit_values.get(c.code()).map(String::as_str).unwrap_or("")))
            .collect(),
    };
    let (result, warnings) = parse_attendee(0, &raw, grants, ctx.now.date_naive());
    let warnings: Vec<String> = warnings.into_iter().map(|w| w.message).collect();
    let attendee = match result {
        Ok(attendee) => attendee,
        Err(row_errors) => {
            let mut errors = FieldErrors::default();
            for e in row_errors {
                let field = PERSON_COLUMNS
                    .iter()
                    .position(|c| Some(c.name) == e.column)
                    .map(|i| FIELDS[i])
                    .or_else(|| {
                        Category::ALL
                            .into_iter()
                            .find(|c| Some(attendee_csv::unit_column(*c)) == e.column)
                            .map(Category::code)
                    })
                    .unwrap_or("units");
                errors.add(field, e.message);
            }
            return entry_page(&ctx, &work, grants, form, &unit_values, errors, warnings).await;
        }
    };

    let original = crate::domain::person::RegistryNumber::parse(&form.original_registry_number)
        .ok()
        .map(|n| n.as_str().to_string());
    let content = UploadContent {
        header: Vec::new(),
        preview: Vec::new(),
        rows: vec![StoredAttendee::from(&attendee)],
    };
    let content_json = serde_json::to_string(&content).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = state.pool.begin().await?;
    credit_db::lock_seminar(&mut tx, work.seminar.id).await?;
    // A correction is audited with the attendee's credits before and after.
    let before = match &original {
        Some(old) => {
            let rows = credit_db::for_attendee(&mut tx, work.seminar.id, old).await?;
            Some(json!({ "registry_number": old, "credits": credit_snapshot(&rows) }))
        }
        None => None,
    };
    // A correction: a changed 医籍登録番号 withdraws the old entry (the new one is matched
    // afresh); categories set to 0 are withdrawn.
    match &original {
        Some(old) if old != attendee.registry_number.as_str() => {
            withdraw_in(&mut tx, &ctx, &work.seminar, old, None).await?;
        }
        Some(old) => {
            let keep: Vec<Category> = attendee.units.iter().map(|(c, _)| *c).collect();
            withdraw_in(&mut tx, &ctx, &work.seminar, old, Some(&keep)).await?;
        }
        None => {}
    }
    let upload_id = credit_db::create_upload(
        &mut tx,
        &credit_db::NewUpload {
            seminar_id: work.seminar.id,
            file_name: "（画面から入力）",
            encoding: "form",
            rows_total: 1,
            rows_ok: 1,
            rows_error: 0,
            content_json: &content_json,
        },
        ctx.now,
    )
    .await?;
    let action = if original.is_some() { "credits.correct" } else { "credits.entry" };
    let done = commit_in(&mut tx, &ctx, &work.seminar, upload_id, action, &[], before).await?;
    if let Some(old) = &original {
        let new = attendee.registry_number.as_str();
        let changed = (old != new).then_some(old.as_str());
        credit_corrections::mark_corrected(&mut tx, work.seminar.id, new, changed, ctx.now).await?;
        let rows = credit_db::for_attendee(&mut tx, work.seminar.id, new).await?;
        let entry = audit::Entry {
            action: "credits.correction",
            entity_type: "seminar",
            entity_id: Some(work.seminar.id.to_string()),
            before: Some(json!({ "registry_number": old })),
            after: Some(json!({ "registry_number": new, "credits": credit_snapshot(&rows) })),
        };
        audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    }
    tx.commit().await?;
    let (_, counts, late) =
        done.ok_or_else(|| AppError::Internal(anyhow::anyhow!("fresh upload already committed")))?;
    let mut message = format!(
        "{}さん（医籍登録番号 {}）の単位を登録しました。",
        attendee.kanji_name,
        attendee.registry_number.as_str()
    );
    if counts.mismatched > 0 {
        message
            .push_str("生年月日がMAMISの登録と一致しないため、事務局が確認するまで保留されます。");
    }
    if late {
        message.push_str("登録期限を過ぎているため、期限後の登録として記録しました。");
    }
    for warning in warnings {
        message.push_str(&warning);
    }
    ctx.flash(&message).await?;
    Ok(see_other(&format!("{}/credits", work.base())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_told_by_content() {
        assert_eq!(encoding_of(b"\xEF\xBB\xBFa,b"), "utf-8-bom");
        assert_eq!(encoding_of("漢字".as_bytes()), "utf-8");
        assert_eq!(encoding_of(b"\x8a\xbf\x8e\x9a"), "shift_jis");
    }

    #[test]
    fn fields_follow_the_columns() {
        assert_eq!(FIELDS.len(), PERSON_COLUMNS.len());
        assert_eq!(PERSON_COLUMNS[attendee_csv::REGISTRY].name, "医籍登録番号");
        assert_eq!(FIELDS[attendee_csv::REGISTRY], "registry_number");
    }

    #[test]
    fn a_jst_time_is_shown_in_japanese() {
        let at: crate::clock::Jst = crate::clock::parse_jst("2025-05-01 09:05").unwrap();
        assert_eq!(jp_time(at.to_utc()), "2025年5月1日 9:05");
    }
}
