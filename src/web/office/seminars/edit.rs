//! An association's staff apply for their own seminar and correct it while it waits or after
//! it was returned; the use cases are `app::seminars::submission`.

use axum::extract::{Path, State};
use axum::response::Response;

use super::form::{form_page, input_from, FormText, SeminarForm};
use crate::app::seminars::editable;
use crate::app::seminars::submission::{self, Applicant, Correction, Created, Resubmitted};
use crate::db::accounts::CurrentAccount;
use crate::db::{self, seminars};
use crate::domain::policy::Action;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::SeminarInput;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::office::seminar_files::{self, AttachmentsView, Submission};
use crate::web::see_other;
use crate::web::work::timetable::TimetableView;

fn new_text() -> FormText {
    FormText {
        heading: "研修会の申請",
        intro: "貴会が主催する研修会を、都道府県医師会へ申請します。都道府県医師会の承認後、日本医師会の運営委員会で審査されます。",
        action: "/office/seminars/new".into(),
        submit_label: "申請する",
        back: "/office/seminars".into(),
    }
}

fn edit_text(id: i64) -> FormText {
    FormText {
        heading: "研修会の申請内容の修正",
        intro: "差し戻しの理由をご確認のうえ、内容を修正して再申請してください。再申請すると、都道府県医師会の審査をもう一度受けます。",
        action: format!("/office/seminars/{id}/edit"),
        submit_label: "修正して再申請する",
        back: format!("/office/seminars/{id}"),
    }
}

/// The staff member's association, which organizes; its prefecture approves.
fn own_association(user: &CurrentAccount) -> AppResult<(Applicant, String, i16)> {
    let applicant = Applicant::association_of(user)?;
    let (name, code) =
        applicant.fixed().map(|(n, c)| (n.to_string(), c)).ok_or(AppError::Forbidden)?;
    Ok((applicant, name, code))
}

pub async fn new_form(ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let (_, name, code) = own_association(user)?;
    let input = SeminarInput { format: "in_person".into(), ..Default::default() };
    let mut form = SeminarForm::new(input, FieldErrors::default()).fixed(&name, code);
    form.timetable = Some(TimetableView::new(Vec::new(), Vec::new()));
    form.attachments = Some(AttachmentsView::default());
    form_page(&ctx, new_text(), form).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    submission: Submission,
) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let (applicant, name, code) = own_association(user)?;
    let checked =
        match submission::check(submission.posted(), Some((&name, code)), ctx.now.date_naive()) {
            Ok(checked) => checked,
            Err(refusal) => {
                return form_page(
                    &ctx,
                    new_text(),
                    SeminarForm::refused(refusal).fixed(&name, code),
                )
                .await
            }
        };
    match submission::create(&state, &ctx.who(), ctx.now, &applicant, checked).await? {
        Created::New { id, contact_email } => {
            ctx.flash(&format!(
                "研修会の申請を受け付けました（受付番号 {id}）。確認のメールを {contact_email} に送りました。"
            ))
            .await?;
            Ok(see_other(&format!("/office/seminars/{id}")))
        }
        Created::Again(Some(id)) => Ok(see_other(&format!("/office/seminars/{id}"))),
        Created::Again(None) => Ok(see_other("/office/seminars")),
        Created::Refused(refusal) => {
            form_page(&ctx, new_text(), SeminarForm::refused(refusal).fixed(&name, code)).await
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let mut conn = state.pool.acquire().await?;
    let seminar = editable(&mut conn, user, id, false).await?;
    let units = seminars::units(&mut conn, id).await?;
    let lectures = db::seminar_lectures::for_seminar(&mut conn, id).await?;
    let existing = seminar_files::views(&mut conn, id).await?.into_iter().map(|f| f.name).collect();
    drop(conn);
    let mut form = SeminarForm::new(input_from(&seminar, &units), FieldErrors::default())
        .fixed(&seminar.organizer_name, seminar.approving_prefecture_code);
    form.timetable = Some(TimetableView::from_rows(&lectures));
    form.attachments = Some(AttachmentsView { error: None, existing });
    form_page(&ctx, edit_text(id), form).await
}

pub async fn resubmit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    submission: Submission,
) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let correction = Correction::Staff { account: user, id };
    match submission::resubmit(&state, &ctx.who(), ctx.now, correction, submission.posted()).await?
    {
        Resubmitted::Done(_) => {
            ctx.flash("修正した内容で再申請しました。都道府県医師会がもう一度審査します。").await?;
            Ok(see_other(&format!("/office/seminars/{id}")))
        }
        Resubmitted::Refused(seminar, refusal) => {
            let form = SeminarForm::refused(refusal)
                .fixed(&seminar.organizer_name, seminar.approving_prefecture_code);
            form_page(&ctx, edit_text(id), form).await
        }
    }
}
