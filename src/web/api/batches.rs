//! Batches of attendees: checked row by row exactly as the CSV preview checks a file
//! (`domain::attendee_csv::check_rows`, the one function both use), kept as an upload of the
//! seminar (the work page lists it and shows its preview), then committed under an
//! Idempotency-Key.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;

use crate::app::credits as use_case;
use crate::db::api_tokens::{self, KeptAnswer};
use crate::db::credit_corrections;
use crate::db::credits::{self as credit_db, StoredAttendee, UploadContent};
use crate::domain::attendee_csv::{
    check_rows, too_many_rows, unit_column, CheckedRow, PreviewRow, RawAttendee, RowOutcome,
    MAX_ROWS, PERSON_COLUMNS,
};
use crate::domain::category::{Category, Units};
use crate::domain::person::RegistryNumber;
use crate::domain::revival::PriorState;
use crate::state::AppState;
use crate::web::api::auth::ApiClient;
use crate::web::api::problem::{ApiError, ApiResult, Problem};
use crate::web::api::types::{
    AttendeeInput, BatchInput, BatchResult, CommitCounts, CommitInput, CommitResult, Grant, Notice,
    RowMessage, RowResult, RowStatus, StoredAttendee as StoredOut,
};
use crate::web::middleware::input::form_text;

/// The request fields of the attendee columns, in `PERSON_COLUMNS` order.
const FIELDS: [&str; 8] =
    ["kanji_name", "furigana", "birth_date", "sex", "registry_number", "email", "phone", "fax"];

/// What a batch is called on the work page's list of uploads.
const FILE_NAME: &str = "（APIで送信）";
const ENCODING: &str = "api";

/// A text as a CSV cell holds it: control characters refused (400), bidi controls removed,
/// trimmed.
fn cell(text: &str) -> ApiResult<String> {
    Ok(form_text(text).map_err(ApiError::from)?.trim().to_string())
}

/// The unit categories of the columns, the heading row, and each row's cells.
type Cells = (Vec<Category>, Vec<String>, Vec<Vec<String>>);

/// The request's rows as cells under a heading row (the template's columns, then a unit column
/// for every category the seminar grants or a row names).
fn to_cells(rows: &[AttendeeInput], grants: &[(Category, Units)]) -> ApiResult<Cells> {
    let mut unknown = Vec::new();
    let mut categories: Vec<Category> = grants.iter().map(|(c, _)| *c).collect();
    for key in rows.iter().flat_map(|r| r.units.iter().flatten().map(|(k, _)| k)) {
        match Category::from_code(key) {
            Some(c) if !categories.contains(&c) => categories.push(c),
            Some(_) => {}
            None if !unknown.contains(key) => unknown.push(key.clone()),
            None => {}
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = grants.iter().map(|(c, _)| c.code()).collect();
        let errors = unknown
            .iter()
            .map(|k| format!("units のキー「{k}」は研修区分のコードではありません。"))
            .collect();
        return Err(ApiError::unprocessable(
            format!("研修区分のコードが分かりません。この研修会のコード：{}", known.join(", ")),
            errors,
        ));
    }
    categories.sort();
    let mut header: Vec<String> = PERSON_COLUMNS.iter().map(|c| c.name.to_string()).collect();
    header.extend(categories.iter().map(|c| unit_column(*c).to_string()));
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let person = [
            &row.kanji_name,
            &row.furigana,
            &row.birth_date,
            &row.sex,
            &row.registry_number,
            &row.email,
            row.phone.as_deref().unwrap_or(""),
            row.fax.as_deref().unwrap_or(""),
        ];
        let mut cells = Vec::with_capacity(header.len());
        for text in person {
            cells.push(cell(text)?);
        }
        for category in &categories {
            let value = row.units.as_ref().and_then(|u| u.get(category.code()));
            cells.push(match value {
                Some(v) => cell(&v.text())?,
                None => String::new(),
            });
        }
        out.push(cells);
    }
    Ok((categories, header, out))
}

/// Every row's outcome (line = position from 1).
fn outcomes(
    categories: &[Category],
    rows: &[Vec<String>],
    grants: &[(Category, Units)],
    today: NaiveDate,
) -> Vec<RowOutcome> {
    let checked = rows.iter().enumerate().map(|(i, cells)| CheckedRow {
        line: i as u64 + 1,
        cells: cells.clone(),
        raw: RawAttendee {
            kanji_name: &cells[0],
            furigana: &cells[1],
            birth_date: &cells[2],
            sex: &cells[3],
            registry_number: &cells[4],
            email: &cells[5],
            phone: &cells[6],
            fax: &cells[7],
            units: categories
                .iter()
                .zip(&cells[PERSON_COLUMNS.len()..])
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(c, cell)| (*c, cell.as_str()))
                .collect(),
        },
    });
    check_rows(checked, grants, today)
}

/// The request field of a CSV column.
fn field_of(column: &str) -> Option<String> {
    if let Some(i) = PERSON_COLUMNS.iter().position(|c| c.name == column) {
        return Some(FIELDS[i].to_string());
    }
    Category::ALL
        .into_iter()
        .find(|c| unit_column(*c) == column)
        .map(|c| format!("units.{}", c.code()))
}

fn messages(errors: &[crate::domain::csv_text::RowError]) -> Vec<RowMessage> {
    errors
        .iter()
        .map(|e| RowMessage {
            field: e.column.and_then(field_of),
            column: e.column.map(str::to_string),
            message: e.message.clone(),
        })
        .collect()
}

pub fn grant(category: Category, units: Units) -> Grant {
    Grant {
        category: category.code().to_string(),
        label: category.label().to_string(),
        units: units.to_string(),
    }
}

fn row_result(outcome: &RowOutcome) -> RowResult {
    let status = match outcome.status() {
        crate::domain::attendee_csv::RowStatus::Ok => RowStatus::Ok,
        crate::domain::attendee_csv::RowStatus::Warning => RowStatus::Warning,
        crate::domain::attendee_csv::RowStatus::Error => RowStatus::Error,
    };
    let stored = outcome.result.as_ref().ok().map(|a| StoredOut {
        kanji_name: a.kanji_name.clone(),
        furigana: a.furigana.clone(),
        birth_date: a.birth_date.format("%Y-%m-%d").to_string(),
        sex: a.sex.label().to_string(),
        registry_number: a.registry_number.as_str().to_string(),
        units: a.units.iter().map(|(c, u)| grant(*c, *u)).collect(),
    });
    RowResult {
        line: outcome.line,
        status,
        status_label: outcome.status().label().to_string(),
        name: outcome.name.clone(),
        registry_number: outcome.registry.clone(),
        errors: outcome.result.as_ref().err().map(|e| messages(e)).unwrap_or_default(),
        warnings: messages(&outcome.warnings),
        reasons: outcome.reasons(),
        notices: outcome
            .notices
            .iter()
            .map(|n| Notice {
                field: field_of(n.column),
                column: n.column.to_string(),
                original: n.original.clone(),
                stored: n.stored.clone(),
                message: n.message(),
            })
            .collect(),
        stored,
        prior: None,
    }
}

/// The checked batch, ready to keep.
struct Prepared {
    results: Vec<RowResult>,
    rows_ok: i32,
    content_json: String,
}

fn prepare(
    input: &[AttendeeInput],
    grants: &[(Category, Units)],
    today: NaiveDate,
) -> ApiResult<Prepared> {
    if input.is_empty() {
        return Err(ApiError::unprocessable(
            "登録する受講者の行がありません（rows が空です）。",
            vec![],
        ));
    }
    if input.len() > MAX_ROWS {
        return Err(ApiError::unprocessable(too_many_rows(), vec![]));
    }
    let (categories, header, cells) = to_cells(input, grants)?;
    let outcomes = outcomes(&categories, &cells, grants, today);
    let results: Vec<RowResult> = outcomes.iter().map(row_result).collect();
    let content = UploadContent {
        header,
        rows: outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok())
            .map(StoredAttendee::from)
            .collect(),
        preview: outcomes.iter().map(PreviewRow::from).collect(),
    };
    let content_json = serde_json::to_string(&content)
        .map_err(|e| ApiError::from(crate::error::AppError::Internal(e.into())))?;
    Ok(Prepared { rows_ok: content.rows.len() as i32, results, content_json })
}

fn refusal(client: &ApiClient) -> ApiResult<()> {
    match use_case::registration_refusal(&client.seminar, client.now.date_naive()) {
        Some(message) => Err(ApiError::conflict(message)),
        None => Ok(()),
    }
}

/// Checks a batch of attendees and keeps it for its commit.
///
/// Every row gets the CSV preview's result: `ok`, `warning` (registered; read the warnings) or
/// `error` (not registered), with the same Japanese reasons, and what each valid row will be
/// stored as. Nothing is registered until the batch is committed.
#[utoipa::path(
    post,
    path = "/api/v1/credits/batches",
    tag = "credits",
    request_body = BatchInput,
    responses(
        (status = 201, description = "Checked and kept; commit it to register", body = BatchResult),
        (status = 400, description = "Unreadable request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The seminar takes no credits now", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Request too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No rows, too many rows, or an unknown category", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    client: ApiClient,
    body: Result<Json<BatchInput>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(input) = body?;
    refusal(&client)?;
    let grants = client.grants.clone();
    let today = client.now.date_naive();
    // Checking and serialising 10,000 rows is CPU work: keep it off the async threads.
    let prepared = tokio::task::spawn_blocking(move || prepare(&input.rows, &grants, today))
        .await
        .map_err(|e| ApiError::from(crate::error::AppError::Internal(e.into())))??;
    let rows_total = prepared.results.len() as i32;
    let mut tx = state.pool.begin().await?;
    credit_db::prefer_fast_compression(&mut tx).await?;
    let id = credit_db::create_upload(
        &mut tx,
        &credit_db::NewUpload {
            seminar_id: client.seminar.id,
            file_name: FILE_NAME,
            encoding: ENCODING,
            rows_total,
            rows_ok: prepared.rows_ok,
            rows_error: rows_total - prepared.rows_ok,
            content_json: &prepared.content_json,
        },
        client.now,
    )
    .await?;
    let prior = credit_corrections::prior_states(&mut tx, client.seminar.id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(batch_result(id, prepared.results, &prior, &client)))
        .into_response())
}

fn batch_result(
    id: i64,
    mut rows: Vec<RowResult>,
    prior: &HashMap<String, PriorState>,
    client: &ApiClient,
) -> BatchResult {
    for row in &mut rows {
        if let Some(stored) = &row.stored {
            row.prior = prior.get(&stored.registry_number).map(PriorState::label);
        }
    }
    let count = |s: RowStatus| rows.iter().filter(|r| r.status == s).count() as i64;
    BatchResult {
        id,
        rows_total: rows.len() as i64,
        rows_ok: count(RowStatus::Ok),
        rows_warning: count(RowStatus::Warning),
        rows_error: count(RowStatus::Error),
        late: use_case::is_late(&client.seminar, client.now.date_naive()),
        rows,
    }
}

/// The Idempotency-Key header: 1–255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(str::to_string).ok_or_else(|| {
        ApiError::bad_request(
            "Idempotency-Key ヘッダーに、この登録に固有の値（英数字255文字まで。UUIDなど）を付けてください。同じ値で送り直しても二重には登録されません。",
        )
    })
}

/// The commit's optional body.
fn commit_input(body: &Bytes) -> ApiResult<CommitInput> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(CommitInput::default());
    }
    let input: CommitInput = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("JSONとして読めませんでした（{e}）。"),
        )
    })?;
    Ok(input)
}

/// Registers a checked batch's valid rows.
///
/// Send an `Idempotency-Key`: the same key gets the same answer again (header
/// `Idempotent-Replayed: true`) and nothing is registered twice. Attendees withdrawn or
/// corrected on the work page are skipped unless their 医籍登録番号 is in `revive`.
#[utoipa::path(
    post,
    path = "/api/v1/credits/batches/{id}/commit",
    tag = "credits",
    params(
        ("id" = i64, Path, description = "The batch's id"),
        ("Idempotency-Key" = String, Header, description = "A value unique to this commit (e.g. a UUID)"),
    ),
    request_body(content = Option<CommitInput>, description = "Optional"),
    responses(
        (status = 200, description = "Registered (or the same key's earlier answer)", body = CommitResult),
        (status = 400, description = "No Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such batch of this seminar", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Committed before, or the seminar takes no credits now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for another request, or the body is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn commit(
    State(state): State<AppState>,
    client: ApiClient,
    id: Result<Path<i64>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let key = idempotency_key(&headers)?;
    let mut revive: Vec<String> = commit_input(&body)?
        .revive
        .iter()
        .map(|n| RegistryNumber::parse(n).map(|r| r.as_str().to_string()).unwrap_or(n.clone()))
        .collect();
    revive.sort();
    revive.dedup();
    let request = format!("commit {id} revive {}", revive.join(","));
    let seminar_id = client.seminar.id;
    let mut tx = state.pool.begin().await?;
    // The same key sent twice at once: the second waits here, then finds the first's answer.
    credit_db::lock_seminar(&mut tx, seminar_id).await?;
    if let Some(kept) = api_tokens::kept_answer(&mut tx, seminar_id, &key).await? {
        tx.rollback().await?;
        return replay(kept, &request);
    }
    refusal(&client)?;
    let done = use_case::commit(
        &mut tx,
        &client.who,
        client.now,
        &client.seminar,
        id,
        &revive,
        &client.via(),
    )
    .await
    .map_err(|e| match e {
        crate::error::AppError::NotFound => {
            ApiError::not_found(format!("この研修会のバッチ {id} は見つかりません。"))
        }
        other => ApiError::from(other),
    })?;
    let Some(done) = done else {
        tx.rollback().await?;
        return Err(ApiError::conflict(
            "このバッチはすでに登録済みです。もう一度登録しても単位は重複しません（何も変更していません）。",
        ));
    };
    let result = commit_result(id, &done);
    let body = serde_json::to_value(&result)
        .map_err(|e| ApiError::from(crate::error::AppError::Internal(e.into())))?;
    let kept = KeptAnswer { request, status: 200, body };
    api_tokens::keep_answer(&mut tx, seminar_id, &key, &kept, client.now).await?;
    tx.commit().await?;
    Ok(Json(result).into_response())
}

fn commit_result(id: i64, done: &use_case::Committed) -> CommitResult {
    let c = &done.counts;
    CommitResult {
        batch_id: id,
        late: done.late,
        message: use_case::commit_message(c, done.late),
        counts: CommitCounts {
            rows: c.rows,
            inserted: c.inserted,
            updated: c.updated,
            unchanged: c.unchanged(),
            matched: c.matched,
            unmatched: c.unmatched,
            birth_date_mismatch: c.mismatched,
            people: c.people,
            skipped: c.skipped,
        },
    }
}

/// The answer kept under the key, if it was for the same request.
fn replay(kept: KeptAnswer, request: &str) -> ApiResult<Response> {
    if kept.request != request {
        return Err(ApiError::unprocessable(
            "この Idempotency-Key は別の登録に使われています。登録ごとに別の値を付けてください。",
            vec![],
        ));
    }
    let status = StatusCode::from_u16(kept.status as u16).unwrap_or(StatusCode::OK);
    let mut response = (status, Json(kept.body)).into_response();
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}
