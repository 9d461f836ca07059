//! The staff's steps on one application: each handler reads the form, calls its use case in
//! `app::applications::review` and answers with the application page.

#[allow(unused_imports)]
use super::*;
use crate::app::applications::review::{Clerk, Outcome, Receipt};

#[derive(Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) comment: String,
    #[serde(default)]
    pub(crate) decision: String,
}

fn clerk(ctx: &extract::Staff) -> Clerk<'_> {
    Clerk { user: &ctx.user, who: ctx.who(), now: ctx.now }
}

pub(super) fn back(id: i64) -> Response {
    see_other(&format!("/office/applications/{id}"))
}

/// The application page after a step: back to it with the notice, or shown again with the
/// conflict or the error beside its form (the comment typed is kept).
async fn answer(
    state: &AppState,
    ctx: &extract::Staff,
    id: i64,
    outcome: Outcome,
    comment: String,
) -> AppResult<Response> {
    match outcome {
        Outcome::Done(notice) => {
            ctx.flash(&notice).await?;
            Ok(back(id))
        }
        Outcome::Stale => {
            let conflict = Some(CONFLICT_MESSAGE.to_string());
            show_page(state, ctx, id, StatusCode::CONFLICT, conflict, FormState::default()).await
        }
        Outcome::Refused { form, error, conflict } => {
            let status =
                if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            let comment = if form == "approve" { String::new() } else { comment };
            let form = FormState { comment, error: Some(error), form };
            show_page(state, ctx, id, status, None, form).await
        }
    }
}

pub async fn receive(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let outcome = steps_app::receive(&state, &clerk(&ctx), id, &form.version).await?;
    answer(&state, &ctx, id, outcome, form.comment).await
}

pub async fn return_to_physician(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let outcome =
        steps_app::return_to_physician(&state, &clerk(&ctx), id, &form.version, &form.comment)
            .await?;
    answer(&state, &ctx, id, outcome, form.comment).await
}

pub async fn record_fee(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let outcome =
        steps_app::record_receipt(&state, &clerk(&ctx), id, &form.version, Receipt::Fee).await?;
    answer(&state, &ctx, id, outcome, form.comment).await
}

pub async fn record_handbook(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let receipt = Receipt::Handbook;
    let outcome =
        steps_app::record_receipt(&state, &clerk(&ctx), id, &form.version, receipt).await?;
    answer(&state, &ctx, id, outcome, form.comment).await
}

/// The prefecture approves and forwards to the next review cycle it still meets.
pub async fn prefecture_approve(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let outcome = steps_app::prefecture_approve(&state, &clerk(&ctx), id, &form.version).await?;
    answer(&state, &ctx, id, outcome, form.comment).await
}

/// JMA: approve, or reject with a reason.
pub async fn decide(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let clerk = clerk(&ctx);
    let outcome = match form.decision.as_str() {
        "approve" => committee::approve(&state, &clerk, id, &form.version).await?,
        "reject" => committee::reject(&state, &clerk, id, &form.version, &form.comment).await?,
        _ => return Err(AppError::BadRequest("承認か不承認かを選んでください。".into())),
    };
    answer(&state, &ctx, id, outcome, form.comment).await
}
