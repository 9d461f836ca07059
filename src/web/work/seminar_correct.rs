//! A returned application of an outside organizer, corrected through the private link the
//! return mail carries (issue 10, part 5): the form comes back filled in with the reason for
//! the return; the correction keeps the application's number and history and goes back to the
//! prefecture. The link works until the correction is sent (only its SHA-256 is stored).

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::db::{audit, seminar_lectures, seminar_links, seminar_review, seminars};
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{check_application, parse_seminar, SeminarInput, Status};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::seminar_files::{self, AttachmentsView, Submission};
use crate::web::office::seminars::{
    draft_json, input_from, mail_received, unit_rows, MailSeminar, SeminarForm,
};
use crate::web::work::seminar_apply::APPLIED_KEY;
use crate::web::work::seminar_guard;
use crate::web::work::timetable::{self, TimetableView};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/seminars/correct/{token}",
        get(form).post(correct).layer(DefaultBodyLimit::max(seminar_files::REQUEST_LIMIT)),
    )
}

#[derive(Template)]
#[template(path = "seminars/correct.html")]
struct CorrectPage {
    layout: Layout,
    id: i64,
    token: String,
    comment: String,
    form: SeminarForm,
}

fn page(
    ctx: &Ctx,
    seminar: &seminars::Seminar,
    token: &str,
    input: SeminarInput,
    timetable: TimetableView,
    attachments: AttachmentsView,
    errors: FieldErrors,
) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut form = SeminarForm::new(input, errors);
    form.timetable = Some(timetable);
    form.attachments = Some(attachments);
    form.organizer_fixed = Some(seminar.organizer_name.clone());
    let page = CorrectPage {
        layout: ctx.layout(),
        id: seminar.id,
        token: token.to_string(),
        comment: seminar.status_comment.clone().unwrap_or_default(),
        form,
    };
    Ok((status, render(&page)?).into_response())
}

/// The returned seminar behind an open link; 404 otherwise (the link says nothing else).
async fn returned(
    conn: &mut sqlx::PgConnection,
    token: &str,
    lock: bool,
) -> AppResult<seminars::Seminar> {
    let id = seminar_links::seminar_for(conn, token, lock).await?.ok_or(AppError::NotFound)?;
    let seminar = if lock {
        seminars::get_for_update(conn, id).await?
    } else {
        seminars::get(conn, id).await?
    }
    .ok_or(AppError::NotFound)?;
    if seminar.status != Status::Returned || seminar.organizer_association_id.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(seminar)
}

async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let seminar = returned(&mut conn, &token, false).await?;
    let units = seminars::units(&mut conn, seminar.id).await?;
    let lectures = seminar_lectures::for_seminar(&mut conn, seminar.id).await?;
    let existing = seminar_files::views(&mut conn, seminar.id).await?;
    drop(conn);
    let timetable = TimetableView::from_rows(&lectures);
    let attachments =
        AttachmentsView { error: None, existing: existing.into_iter().map(|f| f.name).collect() };
    let input = input_from(&seminar, &units);
    page(&ctx, &seminar, &token, input, timetable, attachments, FieldErrors::default())
}

async fn correct(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    submission: Submission,
) -> AppResult<Response> {
    let file_error = submission.file_error();
    let attachments = || AttachmentsView { error: file_error.clone(), existing: Vec::new() };
    let (mut input, raw_lectures) = timetable::split_form(submission.pairs);
    let mut tx = state.pool.begin().await?;
    let seminar = returned(&mut tx, &token, true).await?;
    // Who organizes and which prefecture approves stay as applied.
    input.organizer_name = seminar.organizer_name.clone();
    input.approving_prefecture = seminar.approving_prefecture_code.to_string();
    input.organizer_association = String::new();
    let today = ctx.now.date_naive();
    let checked = parse_seminar(&input, today)
        .and_then(|d| check_application(&d, today).map(|_| d))
        .and_then(|d| seminar_files::refuse_bad_files(file_error.as_deref()).map(|_| d))
        .map_err(|errors| (errors, TimetableView::new(raw_lectures.clone(), Vec::new())))
        .and_then(|d| timetable::check(&raw_lectures, &d).map(|l| (d, l)));
    let (draft, lectures) = match checked {
        Ok(d) => d,
        Err((errors, view)) => {
            drop(tx);
            return page(&ctx, &seminar, &token, input, view, attachments(), errors);
        }
    };
    if let Some(errors) = seminar_guard::cycle_errors(&mut tx, draft.starts_on, today).await? {
        drop(tx);
        let view = TimetableView::new(raw_lectures, Vec::new());
        return page(&ctx, &seminar, &token, input, view, attachments(), errors);
    }
    let units = unit_rows(&draft);
    let change = seminar_review::Resubmission {
        programme: draft.programme.code(),
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        format: draft.format.code(),
        venue: &draft.venue,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
        contact_phone: draft.contact_phone.as_deref(),
        contact_fax: draft.contact_fax.as_deref(),
        recruiting: draft.recruiting,
        capacity: draft.capacity,
        units: &units,
    };
    if !seminar_review::resubmit(&mut tx, seminar.id, &change, None, ctx.now).await? {
        return Err(AppError::Conflict("この申請は、すでに再申請されています。".into()));
    }
    seminar_lectures::replace(&mut tx, seminar.id, &lectures).await?;
    seminar_files::store(&mut tx, seminar.id, &submission.files, ctx.now).await?;
    seminar_links::close(&mut tx, &token, ctx.now).await?;
    let entry = audit::Entry {
        action: "seminar.resubmitted",
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before: Some(json!({ "status": seminar.status, "status_comment": seminar.status_comment })),
        after: Some(json!({ "via": "correction_link", "seminar": draft_json(&draft) })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let mail = MailSeminar {
        id: seminar.id,
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        prefecture: seminar.approving_prefecture_code,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
    };
    mail_received(&mut tx, &mail, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.session.insert(APPLIED_KEY, seminar.id).await?;
    Ok(see_other("/seminars/apply/done"))
}
