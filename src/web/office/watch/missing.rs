//! Physicians' missing-credit reports (単位未反映の問い合わせ) as staff answer them.

use super::*;

#[derive(Default, Deserialize)]
pub struct MissingQuery {
    #[serde(default)]
    all: Option<String>,
}

#[derive(Template)]
#[template(path = "office/watch/missing.html")]
pub(super) struct MissingPage {
    layout: Layout,
    scope: String,
    include_closed: bool,
    reports: Vec<MissingView>,
    error_for: Option<i64>,
    error: Option<&'static str>,
    typed: String,
}

pub(super) async fn missing_page(
    state: &AppState,
    ctx: &Ctx,
    include_closed: bool,
    error: Option<(i64, &'static str, String)>,
) -> AppResult<Response> {
    let (user, prefecture) = scope(ctx)?;
    let actor = user.actor();
    db::reports::close_resolved(&mut *state.pool.acquire().await?, ctx.now).await?;
    let reports = db::reports::missing_for_office(&state.pool, prefecture, include_closed, 200)
        .await?
        .into_iter()
        .filter(|r| may_handle(&actor, r))
        .map(MissingView::from)
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (error_for, error, typed) = match error {
        Some((id, message, typed)) => (Some(id), Some(message), typed),
        None => (None, None, String::new()),
    };
    let page = MissingPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        scope: scope_label(prefecture),
        include_closed,
        reports,
        error_for,
        error,
        typed,
    };
    Ok((status, render(&page)?).into_response())
}

/// A report about a seminar belongs to whoever manages the seminar; one typed without a
/// seminar to the staff of the physician's prefecture.
pub(super) fn may_handle(
    actor: &crate::domain::role::Actor,
    r: &db::reports::MissingReport,
) -> bool {
    match r.seminar_target() {
        Some(target) => allows(actor, Action::ManageSeminar(target)),
        None => allows(actor, Action::ManagePhysician(r.physician_target())),
    }
}

pub async fn missing_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MissingQuery>,
) -> AppResult<Response> {
    missing_page(&state, &ctx, query.all.is_some(), None).await
}

#[derive(Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub async fn answer_missing(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let (user, _) = scope(&ctx)?;
    let answer = form.answer.trim().to_string();
    let mut tx = state.pool.begin().await?;
    let report = db::reports::lock_missing(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !may_handle(&user.actor(), &report) {
        return Err(AppError::NotFound);
    }
    if report.status != MissingReportStatus::Open {
        drop(tx);
        ctx.flash("この報告は、すでに終了しています（回答済み、または単位が登録されました）。")
            .await?;
        return Ok(see_other("/office/missing-credits?all=1"));
    }
    let problem = if answer.is_empty() {
        Some("医師への回答を入力してください（メールでお知らせします）。")
    } else if answer.chars().count() > ANSWER_MAX {
        Some("回答は1,000文字以内で入力してください。")
    } else {
        None
    };
    if let Some(message) = problem {
        drop(tx);
        return missing_page(&state, &ctx, false, Some((id, message, form.answer))).await;
    }
    if !db::reports::answer_missing(&mut tx, id, &answer, user.id, ctx.now).await? {
        return Err(AppError::Conflict("この報告は、すでに終了しています。".into()));
    }
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "missing_credit.answer",
            entity_type: "missing_credit_report",
            entity_id: Some(id.to_string()),
            before: Some(json!({"status": report.status})),
            after: Some(json!({"status": "closed", "answer": answer})),
        },
    )
    .await?;
    if let Some(email) = &report.physician_email {
        let message = answer_mail(user, &report, &answer);
        crate::mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("回答を送り、報告を終了しました。").await?;
    Ok(see_other("/office/missing-credits"))
}

pub(super) fn answer_mail(
    user: &CurrentAccount,
    report: &db::reports::MissingReport,
    answer: &str,
) -> MissingCreditAnswered {
    let association = user.association.as_ref().map(|a| a.name.clone());
    MissingCreditAnswered {
        name: report.kanji_name.clone(),
        association: association.unwrap_or_else(|| "事務局".into()),
        seminar_title: report.seminar_title.clone(),
        seminar_date: format_jp_date(report.seminar_date),
        answer: answer.to_string(),
        sig: Signature::by(acting_for(Some(user)), "単位未反映のご報告への回答のお知らせ"),
    }
}
