//! JMA's entry of a seminar approved on paper; the use case is `app::seminars::paper`.

use axum::extract::State;
use axum::response::Response;
use axum::Form;

use super::form::{form_page, AssociationOption, FormText, SeminarForm};
use crate::app::seminars::paper::{self, Entered};
use crate::app::seminars::Staff;
use crate::db::seminar_review;
use crate::domain::policy::Action;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::SeminarInput;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::see_other;

fn paper_text() -> FormText {
    FormText {
        heading: "書面で承認済みの研修会の登録",
        intro: "2025年7月までに書面で申請・承認された研修会を登録します。登録すると承認済みとなり、作業ページのURLを主催者の担当者にメールで送ります。",
        action: "/office/seminars/paper".into(),
        submit_label: "登録して作業ページを発行する",
        back: "/office/seminars".into(),
    }
}

async fn paper_form_with(
    state: &AppState,
    ctx: &Ctx,
    input: SeminarInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let selected = input.organizer_association.trim().parse::<i64>().ok();
    let associations = seminar_review::organizing_associations(&state.pool)
        .await?
        .into_iter()
        .map(|a| AssociationOption { selected: selected == Some(a.id), id: a.id, name: a.name })
        .collect();
    let mut form = SeminarForm::new(input, errors);
    form.associations = associations;
    form_page(ctx, paper_text(), form).await
}

pub async fn paper_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::DecideSeminarAtCommittee)?;
    let input = SeminarInput { format: "in_person".into(), ..Default::default() };
    paper_form_with(&state, &ctx, input, FieldErrors::default()).await
}

pub async fn paper_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<SeminarInput>,
) -> AppResult<Response> {
    let user = ctx.require(Action::DecideSeminarAtCommittee)?;
    let staff = Staff { account: user, who: ctx.who(), now: ctx.now };
    match paper::enter(&state, &staff, input).await? {
        Entered::New { id, contact_email } => {
            ctx.flash(&format!(
                "登録しました（受付番号 {id}）。作業ページのURLを {contact_email} に送りました。"
            ))
            .await?;
            Ok(see_other(&format!("/office/seminars/{id}")))
        }
        Entered::Again(Some(id)) => Ok(see_other(&format!("/office/seminars/{id}"))),
        Entered::Again(None) => Ok(see_other("/office/seminars")),
        Entered::Refused(input, errors) => paper_form_with(&state, &ctx, *input, errors).await,
    }
}
