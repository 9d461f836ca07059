//! Seminar reports (開催報告) as staff confirm or return them.

use super::*;

pub struct ReportRowView {
    pub seminar_id: i64,
    pub title: String,
    pub dates: String,
    pub organizer: String,
    pub attendee_count: i32,
    pub status: &'static str,
    pub waiting: bool,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "office/watch/reports.html")]
pub(super) struct ReportsPage {
    layout: Layout,
    scope: String,
    rows: Vec<ReportRowView>,
    page: i64,
    pages: i64,
}

pub async fn reports(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let (user, prefecture) = scope(&ctx)?;
    let actor = user.actor();
    let total = db::reports::reports_for_office_count(&state.pool, prefecture).await?;
    let pages = pages(total);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows =
        db::reports::reports_for_office(&state.pool, prefecture, PER_PAGE, (page - 1) * PER_PAGE)
            .await?
            .into_iter()
            .filter(|r| allows(&actor, Action::ManageSeminar(r.target())))
            .map(|r| ReportRowView {
                seminar_id: r.seminar_id,
                dates: date_range(r.starts_on, r.ends_on),
                organizer: r.organizer_name,
                attendee_count: r.attendee_count,
                status: r.status.label(),
                waiting: r.status == ReportStatus::Submitted,
                submitted: jp_time(r.submitted_at),
                title: r.title,
            })
            .collect();
    let page = ReportsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        scope: scope_label(prefecture),
        rows,
        page,
        pages,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "office/watch/report.html")]
pub(super) struct ReportPage {
    layout: Layout,
    seminar: SeminarHead,
    contact: String,
    status: &'static str,
    waiting: bool,
    can_decide: bool,
    submitted: String,
    decided: Option<String>,
    comment: Option<String>,
    attendee_count: i32,
    registered_attendees: i64,
    programme_lines: Vec<String>,
    abstract_lines: Vec<String>,
    income: Vec<MoneyView>,
    income_total: String,
    expenditure: Vec<MoneyView>,
    expenditure_total: String,
    balance: String,
    files: Vec<FileView>,
    conflict: Option<String>,
    comment_error: Option<&'static str>,
    typed_comment: String,
}

pub(super) async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    seminar_id: i64,
    status_code: StatusCode,
    conflict: Option<String>,
    comment_error: Option<&'static str>,
    typed_comment: String,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let seminar = db::seminars::get(&mut conn, seminar_id).await?.ok_or(AppError::NotFound)?;
    let user = ctx.require(Action::ManageSeminar(seminar.target()))?;
    let can_decide = allows(&user.actor(), Action::ReviewSeminar(seminar.target()));
    let report = db::reports::report(&mut conn, seminar_id).await?.ok_or(AppError::NotFound)?;
    let registered_attendees = db::credit_views::attendee_count(&mut conn, seminar_id).await?;
    let files = db::reports::files(&mut conn, SEMINAR_REPORT_FILES, seminar_id).await?;
    drop(conn);
    let (income, income_total) = money_views(&report.income.0);
    let (expenditure, expenditure_total) = money_views(&report.expenditure.0);
    let balance = crate::domain::seminar_report::yen(
        report.income.0.iter().map(|l| l.amount).sum::<i64>()
            - report.expenditure.0.iter().map(|l| l.amount).sum::<i64>(),
    );
    let page = ReportPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        contact: format!("{}（{}）", seminar.contact_name, seminar.contact_email),
        seminar: SeminarHead::new(&seminar),
        status: report.status.label(),
        waiting: report.status == ReportStatus::Submitted,
        can_decide,
        submitted: jp_time(report.submitted_at),
        decided: report.decided_at.map(|at| {
            format!("{}（{}）", jp_time(at), report.decided_by_name.clone().unwrap_or_default())
        }),
        comment: report.comment.clone(),
        attendee_count: report.attendee_count,
        registered_attendees,
        programme_lines: text_lines(&report.programme_text),
        abstract_lines: text_lines(&report.abstracts),
        income,
        income_total,
        expenditure,
        expenditure_total,
        balance,
        files: file_views(files, &format!("/office/reports/{seminar_id}/files")),
        conflict,
        comment_error,
        typed_comment,
    };
    Ok((status_code, render(&page)?).into_response())
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(seminar_id): Path<i64>,
) -> AppResult<Response> {
    scope(&ctx)?;
    report_page(&state, &ctx, seminar_id, StatusCode::OK, None, None, String::new()).await
}

#[derive(Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    comment: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    Confirm,
    Return,
}

pub async fn confirm_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(seminar_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    decide(state, ctx, seminar_id, Decision::Confirm, form).await
}

pub async fn return_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(seminar_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    decide(state, ctx, seminar_id, Decision::Return, form).await
}

pub(super) async fn decide(
    state: AppState,
    ctx: Ctx,
    seminar_id: i64,
    decision: Decision,
    form: DecisionForm,
) -> AppResult<Response> {
    scope(&ctx)?;
    let comment = form.comment.trim().to_string();
    let mut tx = state.pool.begin().await?;
    let seminar = db::seminars::get(&mut tx, seminar_id).await?.ok_or(AppError::NotFound)?;
    ctx.require(Action::ManageSeminar(seminar.target()))?;
    let user = ctx.require(Action::ReviewSeminar(seminar.target()))?;
    // Locked until commit: a second decision, or the organizer's resubmission, waits here.
    let report = db::reports::lock_report(&mut tx, seminar_id).await?.ok_or(AppError::NotFound)?;
    if report.status != ReportStatus::Submitted {
        drop(tx);
        let message = format!(
            "この開催報告は、すでに{}が処理しています（現在：{}）。画面の内容をご確認ください。",
            report.decided_by_name.as_deref().unwrap_or("他の担当者"),
            report.status.label()
        );
        return report_page(
            &state,
            &ctx,
            seminar_id,
            StatusCode::CONFLICT,
            Some(message),
            None,
            comment,
        )
        .await;
    }
    let comment_error = if decision == Decision::Return && comment.is_empty() {
        Some("差し戻す理由を、主催者に伝わるように入力してください（メールでお知らせします）。")
    } else if comment.chars().count() > COMMENT_MAX {
        Some("コメントは1,000文字以内で入力してください。")
    } else {
        None
    };
    if comment_error.is_some() {
        drop(tx);
        return report_page(
            &state,
            &ctx,
            seminar_id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            comment_error,
            comment,
        )
        .await;
    }
    let (status, action) = match decision {
        Decision::Confirm => (ReportStatus::Confirmed, "seminar_report.confirm"),
        Decision::Return => (ReportStatus::Returned, "seminar_report.return"),
    };
    let comment = (!comment.is_empty()).then_some(comment);
    if !db::reports::decide_report(
        &mut tx,
        seminar_id,
        status,
        user.id,
        comment.as_deref(),
        ctx.now,
    )
    .await?
    {
        return Err(AppError::Conflict("この開催報告は、すでに処理されています。".into()));
    }
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action,
            entity_type: "seminar_report",
            entity_id: Some(seminar_id.to_string()),
            before: Some(json!({"status": report.status})),
            after: Some(json!({"status": status, "comment": comment})),
        },
    )
    .await?;
    let association =
        user.association.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "事務局".into());
    mail_report_decision(&mut tx, user, &seminar, decision, association, comment, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(match decision {
        Decision::Confirm => "開催報告を確認済みにしました。主催者にメールでお知らせしました。",
        Decision::Return => "開催報告を差し戻しました。主催者にメールでお知らせしました。",
    })
    .await?;
    Ok(see_other(&format!("/office/reports/{seminar_id}")))
}

pub async fn report_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((seminar_id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    scope(&ctx)?;
    let seminar =
        db::seminars::get_pool(&state.pool, seminar_id).await?.ok_or(AppError::NotFound)?;
    ctx.require(Action::ManageSeminar(seminar.target()))?;
    let file = db::files::get(&state.pool, SEMINAR_REPORT_FILES, seminar_id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::web::files::attachment(file))
}

pub(super) async fn mail_report_decision(
    tx: &mut sqlx::PgConnection,
    user: &CurrentAccount,
    seminar: &db::seminars::Seminar,
    decision: Decision,
    association: String,
    comment: Option<String>,
    now: crate::clock::Jst,
) -> sqlx::Result<i64> {
    let sig = Signature::by(acting_for(Some(user)), "開催報告の確認の結果のお知らせ");
    let (organizer, seminar_title) = (seminar.organizer_name.clone(), seminar.title.clone());
    let period = date_range(seminar.starts_on, seminar.ends_on);
    let to = &seminar.contact_email;
    match decision {
        Decision::Confirm => {
            let message =
                ReportConfirmed { organizer, seminar_title, period, association, comment, sig };
            mail::queue(tx, to, &message, now).await
        }
        Decision::Return => {
            let comment = comment.unwrap_or_default();
            let message =
                ReportReturned { organizer, seminar_title, period, association, comment, sig };
            mail::queue(tx, to, &message, now).await
        }
    }
}
