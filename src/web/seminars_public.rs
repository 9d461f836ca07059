//! The public seminar application for organizers outside the associations (医師会以外): no
//! account, the anonymous session carries the CSRF token. From 2025-07-01 (DOMAIN §5).
//! A returned application is not edited in place: the return mail asks the organizer to apply
//! again with the corrections (an outside body has no account to come back to).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

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
use crate::web::limits;
use crate::web::office_seminars::{
    draft_json, mail_received_unconfirmed, new_seminar, unit_rows, MailSeminar, SeminarForm,
};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/seminars/apply", get(apply_form).post(apply))
        .route("/seminars/apply/done", get(applied))
}

/// The session remembers the application just made, for the confirmation page only.
const APPLIED_KEY: &str = "seminar_applied";

#[derive(Template)]
#[template(path = "seminars/apply.html")]
struct ApplyPage {
    layout: Layout,
    /// Before applications open: the date they do.
    opens_on: Option<String>,
    form: SeminarForm,
}

fn apply_page(ctx: &Ctx, input: SeminarInput, errors: FieldErrors) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let today = ctx.now.date_naive();
    let page = ApplyPage {
        layout: ctx.layout(),
        opens_on: (today < applications_open_on())
            .then(|| applications_open_on().format("%Y年%-m月%-d日").to_string()),
        form: SeminarForm::new(input, errors),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn apply_form(ctx: Ctx) -> AppResult<Response> {
    let input = SeminarInput { format: "in_person".into(), ..Default::default() };
    apply_page(&ctx, input, FieldErrors::default())
}

pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(mut input): Form<SeminarInput>,
) -> AppResult<Response> {
    // An outside body names itself; it cannot claim an association as organizer.
    input.organizer_association = String::new();
    let today = ctx.now.date_naive();
    let draft =
        match parse_seminar(&input, today).and_then(|d| check_application(&d, today).map(|_| d)) {
            Ok(d) => d,
            Err(errors) => return apply_page(&ctx, input, errors),
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
    let new = new_seminar(&draft, &units, None, Status::Submitted.code(), None, false);
    let id = seminars::create(&mut tx, &new, ctx.now).await?;
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
