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

use crate::db::{self, audit, seminars};
use crate::domain::rate_limit;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{
    applications_open_on, check_application, parse_seminar, period_label, SeminarInput, Status,
};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::middleware::limits;
use crate::web::office::seminar_files::{self, AttachmentsView, Submission};
use crate::web::office::seminars::{
    draft_json, mail_received_unconfirmed, new_seminar, unit_rows, MailSeminar, SeminarForm,
};
use crate::web::work::seminar_guard;
use crate::web::work::timetable::{self, TimetableView};
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

pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    submission: Submission,
) -> AppResult<Response> {
    let file_error = submission.file_error();
    let (mut input, raw_lectures) = timetable::split_form(submission.pairs);
    // An outside body names itself; it cannot claim an association as organizer.
    input.organizer_association = String::new();
    let today = ctx.now.date_naive();
    let checked = parse_seminar(&input, today)
        .and_then(|d| check_application(&d, today).map(|_| d))
        .and_then(|d| seminar_files::refuse_bad_files(file_error.as_deref()).map(|_| d))
        .map_err(|errors| (errors, TimetableView::new(raw_lectures.clone(), Vec::new())))
        .and_then(|d| timetable::check(&raw_lectures, &d).map(|l| (d, l)));
    let (draft, lectures) = match checked {
        Ok(d) => d,
        Err((errors, view)) => return apply_page(&ctx, input, view, file_error, errors),
    };
    let limits = [
        (rate_limit::SEMINAR_APPLY_PER_IP, None),
        (rate_limit::SEMINAR_APPLY_PER_ADDRESS, Some(draft.contact_email.as_str())),
    ];
    if let Some(refused) = limits::check(&state, &ctx, &limits).await? {
        return Ok(refused);
    }
    let units = unit_rows(&draft);
    let mut tx = state.pool.begin().await?;
    if let Some(errors) = seminar_guard::cycle_errors(&mut tx, draft.starts_on, today).await? {
        drop(tx);
        let view = TimetableView::new(raw_lectures, Vec::new());
        return apply_page(&ctx, input, view, None, errors);
    }
    let key = seminar_guard::key(&input);
    if let Some(key) = key {
        if let Some(seen) = seminar_guard::seen(&mut tx, key, "seminar_apply", ctx.now).await? {
            drop(tx);
            // The same form again: show what the first POST created.
            if let Some(id) = seen {
                ctx.session.insert(APPLIED_KEY, id).await?;
            }
            return Ok(see_other("/seminars/apply/done"));
        }
    }
    let new = new_seminar(&draft, &units, None, Status::Submitted.code(), None, false);
    let id = seminars::create(&mut tx, &new, ctx.now).await?;
    db::seminar_lectures::replace(&mut tx, id, &lectures).await?;
    seminar_files::store(&mut tx, id, &submission.files, ctx.now).await?;
    if let Some(key) = key {
        db::form_submissions::done(&mut tx, key, id).await?;
    }
    let entry = audit::Entry {
        action: "seminar.submitted",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(draft_json(&draft)),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let mail = MailSeminar {
        id,
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        prefecture: draft.approving_prefecture_code,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
    };
    mail_received_unconfirmed(&mut tx, &mail, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
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
