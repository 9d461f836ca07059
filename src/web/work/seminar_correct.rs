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

use crate::app::seminars::returned_by_link;
use crate::app::seminars::submission::{self, Correction, Refusal, Resubmitted};
use crate::db::{seminar_lectures, seminars};
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::SeminarInput;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::seminar_files::{self, AttachmentsView, Submission};
use crate::web::office::seminars::{input_from, SeminarForm};
use crate::web::work::seminar_apply::APPLIED_KEY;
use crate::web::work::timetable::TimetableView;
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

async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let seminar = returned_by_link(&mut conn, &token, false).await?;
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
    let correction = Correction::Link { token: &token };
    match submission::resubmit(&state, &ctx.who(), ctx.now, correction, submission.posted()).await?
    {
        Resubmitted::Done(id) => {
            ctx.session.insert(APPLIED_KEY, id).await?;
            Ok(see_other("/seminars/apply/done"))
        }
        Resubmitted::Refused(seminar, refusal) => {
            let Refusal { input, errors, lectures, lecture_errors, file_error } = *refusal;
            let timetable = TimetableView::new(lectures, lecture_errors);
            let attachments = AttachmentsView { error: file_error, existing: Vec::new() };
            page(&ctx, &seminar, &token, input, timetable, attachments, errors)
        }
    }
}
