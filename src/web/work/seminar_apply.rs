//! The public seminar application for organizers outside the associations (医師会以外): no
//! account, the anonymous session carries the CSRF token. From 2025-07-01 (DOMAIN §5).
//! A returned application is not edited in place: the return mail asks the organizer to apply
//! again with the corrections (an outside body has no account to come back to).

use askama::Template;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::seminars::submission::{self, Applicant, Created, Refusal};
use crate::db;
use crate::domain::rate_limit;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{applications_open_on, period_label, SeminarInput};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::middleware::limits;
use crate::web::office::seminar_files::{self, AttachmentsView, Submission};
use crate::web::office::seminars::SeminarForm;
use crate::web::work::timetable::TimetableView;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/seminars/apply",
            get(apply_form).post(apply).layer(DefaultBodyLimit::max(seminar_files::REQUEST_LIMIT)),
        )
        .route("/seminars/apply/done", get(applied))
}

/// The session remembers the application just made, for the confirmation page only.
pub(crate) const APPLIED_KEY: &str = "seminar_applied";

#[derive(Template)]
#[template(path = "seminars/apply.html")]
struct ApplyPage {
    layout: Layout,
    /// Before applications open: the date they do.
    opens_on: Option<String>,
    form: SeminarForm,
}

fn apply_page(
    ctx: &Ctx,
    input: SeminarInput,
    timetable: TimetableView,
    file_error: Option<String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let today = ctx.now.date_naive();
    let page = ApplyPage {
        layout: ctx.layout(),
        opens_on: (today < applications_open_on())
            .then(|| applications_open_on().format("%Y年%-m月%-d日").to_string()),
        form: SeminarForm {
            timetable: Some(timetable),
            attachments: Some(AttachmentsView { error: file_error, existing: Vec::new() }),
            ..SeminarForm::new(input, errors)
        },
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn apply_form(ctx: Ctx) -> AppResult<Response> {
    let input = SeminarInput { format: "in_person".into(), ..Default::default() };
    let timetable = TimetableView::new(Vec::new(), Vec::new());
    apply_page(&ctx, input, timetable, None, FieldErrors::default())
}

/// Refused form: shown again with its errors.
fn refused_page(ctx: &Ctx, refusal: Box<Refusal>) -> AppResult<Response> {
    let Refusal { input, errors, lectures, lecture_errors, file_error } = *refusal;
    apply_page(ctx, input, TimetableView::new(lectures, lecture_errors), file_error, errors)
}

pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    submission: Submission,
) -> AppResult<Response> {
    let checked = match submission::check(submission.posted(), None, ctx.now.date_naive()) {
        Ok(checked) => checked,
        Err(refusal) => return refused_page(&ctx, refusal),
    };
    let limits = [
        (rate_limit::SEMINAR_APPLY_PER_IP, None),
        (rate_limit::SEMINAR_APPLY_PER_ADDRESS, Some(checked.draft.contact_email.as_str())),
    ];
    if let Some(refused) = limits::check(&state, &ctx, &limits).await? {
        return Ok(refused);
    }
    let id = match submission::create(&state, &ctx.who(), ctx.now, &Applicant::Outside, checked)
        .await?
    {
        Created::New { id, .. } | Created::Again(Some(id)) => id,
        // The same form again, which created nothing: the confirmation page sends them back.
        Created::Again(None) => return Ok(see_other("/seminars/apply/done")),
        Created::Refused(refusal) => return refused_page(&ctx, refusal),
    };
    ctx.session.insert(APPLIED_KEY, id).await?;
    Ok(see_other("/seminars/apply/done"))
}

#[derive(Template)]
#[template(path = "seminars/applied.html")]
struct AppliedPage {
    layout: Layout,
    id: i64,
    title: String,
    period: String,
    prefecture: String,
    contact_email: String,
}

pub async fn applied(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(id) = ctx.session.get::<i64>(APPLIED_KEY).await? else {
        return Ok(see_other("/seminars/apply"));
    };
    let Some(seminar) = db::seminars::get_pool(&state.pool, id).await? else {
        return Ok(see_other("/seminars/apply"));
    };
    let page = AppliedPage {
        layout: ctx.layout(),
        id,
        period: period_label(seminar.starts_on, seminar.ends_on),
        prefecture: format!(
            "{}医師会",
            crate::domain::prefecture::name(seminar.approving_prefecture_code).unwrap_or("")
        ),
        contact_email: seminar.contact_email,
        title: seminar.title,
    };
    render(&page)
}
