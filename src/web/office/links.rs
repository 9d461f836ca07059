//! Certification data from the old system: JMA staff import it (認定データの取り込み), the portal
//! links what matches by 医籍登録番号 + 生年月日, and staff decide the rest in the link review
//! queue (紐付け確認): a number that matches with another birth date is never linked silently.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::{format_jp_date, format_jp_datetime};
use crate::db::link_reviews::{self, Review};
use crate::db::{audit, linking, physicians};
use crate::domain::csv_text::RowError;
use crate::domain::member_csv::{self, Programme};
use crate::domain::policy::{allows, Action, PhysicianTarget};
use crate::domain::record_status::LinkReviewStatus;
use crate::domain::role::{AssociationKind, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::members::{error_views, read_csv_upload, ErrorView, MAX_UPLOAD_BYTES};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/certifications/import", get(import_form).post(import))
        .route("/office/links", get(list))
        .route("/office/links/{id}", get(show))
        .route("/office/links/{id}/link", post(link))
        .route("/office/links/{id}/reject", post(reject))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024))
}

// ---------------------------------------------------------------------------------------------
// Certification import (JMA).

#[derive(Template)]
#[template(path = "office/links/import.html")]
struct ImportPage {
    layout: Layout,
    file_error: Option<String>,
    errors: Vec<ErrorView>,
    hidden_errors: usize,
}

async fn import_page(
    ctx: &Ctx,
    file_error: Option<String>,
    errors: Vec<RowError>,
) -> AppResult<Response> {
    let failed = file_error.is_some() || !errors.is_empty();
    let (errors, hidden_errors) = error_views(errors);
    let page = ImportPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        file_error,
        errors,
        hidden_errors,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub async fn import_form(ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ImportCertifications)?;
    import_page(&ctx, None, Vec::new()).await
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> AppResult<Response> {
    ctx.require(Action::ImportCertifications)?;
    let upload = match read_csv_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => return import_page(&ctx, Some(message), Vec::new()).await,
    };
    let rows = match member_csv::parse_certifications(&upload.text, ctx.now.date_naive()) {
        Ok(rows) => rows,
        Err(errors) => return import_page(&ctx, None, errors).await,
    };

    let mut tx = state.pool.begin().await?;
    let programmes: Vec<String> = rows.iter().map(|r| r.programme.code().to_string()).collect();
    let numbers: Vec<String> = rows.iter().map(|r| r.certificate_number.clone()).collect();
    let existing: std::collections::HashSet<(String, String)> =
        link_reviews::certificates_in_use(&mut tx, &programmes, &numbers)
            .await?
            .into_iter()
            .collect();
    let errors: Vec<RowError> = rows
        .iter()
        .filter(|r| {
            existing.contains(&(r.programme.code().to_string(), r.certificate_number.clone()))
        })
        .map(|r| {
            RowError::new(
                r.line,
                Some("認定証番号"),
                format!(
                    "{}の認定証番号 {} はすでに登録されています。",
                    r.programme.label(),
                    r.certificate_number
                ),
            )
        })
        .collect();
    if !errors.is_empty() {
        drop(tx);
        return import_page(&ctx, None, errors).await;
    }
    for row in &rows {
        physicians::create_certification(
            &mut tx,
            &physicians::NewCertification {
                programme: row.programme.code(),
                certificate_number: &row.certificate_number,
                registry_number: row.registry_number.as_str(),
                birth_date: row.birth_date,
                physician_id: None,
                valid_from: row.valid_from,
                valid_until: row.valid_until,
            },
            ctx.now,
        )
        .await
        .map_err(duplicate_certificate)?;
    }
    let outcome = linking::link_certifications(&mut tx, None, ctx.now).await?;
    let entry = audit::Entry {
        action: "certifications.import",
        entity_type: "certification_import",
        entity_id: None,
        before: None,
        after: Some(json!({
            "file_name": upload.file_name,
            "imported": rows.len(),
            "linked": outcome.linked,
            "queued_for_review": outcome.queued,
        })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash(&format!(
        "認定データを{}件取り込みました。医師に紐付けたもの：{}件、紐付け確認に回したもの：{}件。",
        rows.len(),
        outcome.linked,
        outcome.queued
    ))
    .await?;
    Ok(see_other("/office/certifications/import"))
}

/// Another import of the same certificate committed between our check and our insert.
fn duplicate_certificate(e: sqlx::Error) -> AppError {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => AppError::Conflict(
            "同じ認定証番号の認定データが、取り込みの途中で別に登録されました。何も保存していません。もう一度取り込んでください。".into(),
        ),
        _ => e.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The link review queue.

fn target(review: &Review) -> PhysicianTarget {
    PhysicianTarget {
        account_id: review.physician_account_id,
        prefecture_code: review.prefecture_code,
        proxy_consent: false,
    }
}

/// Staff who may work the queue, and the prefecture their list is limited to (None: all).
fn queue_scope(ctx: &Ctx) -> AppResult<Option<i16>> {
    let own_prefecture = ctx
        .user
        .as_ref()
        .and_then(|u| u.association.as_ref())
        .filter(|a| a.kind == AssociationKind::Prefectural)
        .and_then(|a| a.prefecture_code);
    // Someone who may manage a physician of their own prefecture (or any, for JMA).
    let user = ctx.require(Action::ManagePhysician(PhysicianTarget {
        account_id: None,
        prefecture_code: own_prefecture,
        proxy_consent: false,
    }))?;
    Ok(if user.role == Role::JmaStaff { None } else { own_prefecture })
}

fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
}

pub struct ReviewView {
    pub id: i64,
    pub status: &'static str,
    pub is_open: bool,
    pub created: String,
    pub decided: Option<String>,
    pub note: String,
    pub kanji_name: String,
    pub furigana: String,
    pub prefecture: String,
    pub physician_birth_date: String,
    pub physician_registry_number: String,
    pub programme: &'static str,
    pub certificate_number: String,
    pub certification_birth_date: String,
    pub certification_registry_number: String,
    pub validity: String,
    pub birth_dates_differ: bool,
    pub registry_numbers_differ: bool,
    /// The certification is attached to a physician already (through another decision).
    pub certification_taken: bool,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        let decided = r.decided_at.map(|at| {
            format!(
                "{}（{}）",
                format_jp_datetime(at.fixed_offset()),
                r.decided_by_name.clone().unwrap_or_default()
            )
        });
        ReviewView {
            id: r.id,
            status: r.status.label(),
            is_open: r.status == LinkReviewStatus::Open,
            created: format_jp_datetime(r.created_at.fixed_offset()),
            decided,
            note: r.note.unwrap_or_default(),
            kanji_name: r.kanji_name,
            furigana: r.furigana,
            prefecture: r.prefecture_name.unwrap_or_else(|| "（未登録）".into()),
            physician_birth_date: format_jp_date(r.physician_birth_date),
            physician_registry_number: r.physician_registry_number.clone().unwrap_or_default(),
            programme: programme_label(&r.programme),
            certificate_number: r.certificate_number,
            certification_birth_date: format_jp_date(r.certification_birth_date),
            certification_registry_number: r.certification_registry_number.clone(),
            validity: format!(
                "{} ～ {}",
                format_jp_date(r.valid_from),
                format_jp_date(r.valid_until)
            ),
            birth_dates_differ: r.physician_birth_date != r.certification_birth_date,
            registry_numbers_differ: r.physician_registry_number.as_deref()
                != Some(r.certification_registry_number.as_str()),
            certification_taken: r.certification_physician_id.is_some_and(|p| p != r.physician_id),
        }
    }
}

#[derive(Template)]
#[template(path = "office/links/list.html")]
struct ListPage {
    layout: Layout,
    scope: String,
    reviews: Vec<ReviewView>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let scope = queue_scope(&ctx)?;
    let Some(actor) = ctx.user.as_ref().map(|u| u.actor()) else {
        return Err(AppError::Forbidden);
    };
    let reviews = link_reviews::open_reviews(&state.pool, scope)
        .await?
        .into_iter()
        .filter(|r| allows(&actor, Action::ManagePhysician(target(r))))
        .map(ReviewView::from)
        .collect();
    let page = ListPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        scope: match scope.and_then(crate::domain::prefecture::name) {
            Some(name) => format!("{name}の医師"),
            None => "全国の医師".to_string(),
        },
        reviews,
    };
    render(&page)
}

#[derive(Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "office/links/show.html")]
struct ShowPage {
    layout: Layout,
    review: ReviewView,
    conflict: Option<String>,
    note: String,
    note_error: Option<&'static str>,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    conflict: Option<String>,
    note: String,
    note_error: Option<&'static str>,
) -> AppResult<Response> {
    queue_scope(ctx)?;
    let review = link_reviews::review(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    ctx.require_record(Action::ManagePhysician(target(&review)))?;
    let page = ShowPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        review: review.into(),
        conflict,
        note,
        note_error,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&state, &ctx, id, StatusCode::OK, None, String::new(), None).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Decision {
    Link,
    Reject,
}

pub async fn link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    decide(state, ctx, id, Decision::Link, form).await
}

pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    decide(state, ctx, id, Decision::Reject, form).await
}

const NOTE_MAX: usize = 500;

async fn decide(
    state: AppState,
    ctx: Ctx,
    id: i64,
    decision: Decision,
    form: DecisionForm,
) -> AppResult<Response> {
    let note = form.note.trim().to_string();
    queue_scope(&ctx)?;
    let mut tx = state.pool.begin().await?;
    // Locked until commit: a second decision waits here and then sees the first one's result.
    let review = link_reviews::lock(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let user = ctx.require_record(Action::ManagePhysician(target(&review)))?;
    let conflict = if review.status != LinkReviewStatus::Open {
        Some(format!(
            "この確認は、すでに{}が「{}」として処理しています。画面の内容をご確認ください。",
            review.decided_by_name.as_deref().unwrap_or("他の担当者"),
            review.status.label()
        ))
    } else if decision == Decision::Link && review.certification_physician_id.is_some() {
        Some("この認定データは、すでに別の医師に紐付いています。紐付けはできません。".to_string())
    } else {
        None
    };
    if let Some(message) = conflict {
        drop(tx);
        return show_page(&state, &ctx, id, StatusCode::CONFLICT, Some(message), note, None).await;
    }
    let note_error = if decision == Decision::Reject && note.is_empty() {
        Some("紐付けない理由を入力してください（例：生年月日が異なり、別人と確認した）。")
    } else if note.chars().count() > NOTE_MAX {
        Some("メモは500文字以内で入力してください。")
    } else {
        None
    };
    if note_error.is_some() {
        drop(tx);
        return show_page(
            &state,
            &ctx,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            note,
            note_error,
        )
        .await;
    }
    let note = (!note.is_empty()).then_some(note);
    let (status, action) = match decision {
        Decision::Link => (LinkReviewStatus::Linked, "link_review.link"),
        Decision::Reject => (LinkReviewStatus::Rejected, "link_review.reject"),
    };
    if decision == Decision::Link
        && !link_reviews::attach_certification(
            &mut tx,
            review.certification_id,
            review.physician_id,
            ctx.now,
        )
        .await?
    {
        // The row lock makes this unreachable; refuse rather than overwrite if it ever happens.
        return Err(AppError::Conflict("この認定データは、すでに紐付いています。".into()));
    }
    if !link_reviews::decide(&mut tx, id, status, user.id, note.as_deref(), ctx.now).await? {
        return Err(AppError::Conflict("この確認は、すでに処理されています。".into()));
    }
    let entry = audit::Entry {
        action,
        entity_type: "link_review",
        entity_id: Some(id.to_string()),
        before: Some(json!({
            "status": review.status,
            "physician_id": review.physician_id,
            "certification_id": review.certification_id,
            "certification_physician_id": review.certification_physician_id,
        })),
        after: Some(json!({
            "status": status,
            "physician_id": review.physician_id,
            "certification_id": review.certification_id,
            "certification_physician_id": match decision {
                Decision::Link => Some(review.physician_id),
                Decision::Reject => review.certification_physician_id,
            },
            "note": note,
        })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash(match decision {
        Decision::Link => "認定データを医師に紐付けました。",
        Decision::Reject => "この認定データは紐付けないことにしました。",
    })
    .await?;
    Ok(see_other("/office/links"))
}
