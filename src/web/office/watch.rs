//! Staff after the seminar: the deadline watch (credits due one month after the last day) with
//! reminder mail to the organizer, the physicians' missing-credit reports, and the review of
//! seminar reports (開催報告). Prefectural staff see the seminars they approved, JMA all
//! (DOMAIN §9); the policy's `ManageSeminar` decides each row, `ReviewSeminar` each decision.
//!
//! Declared from `work_page_report` (its routes are merged there), so the router needs no edit.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::accounts::CurrentAccount;
use crate::db::reports::SEMINAR_REPORT_FILES;
use crate::db::{self, audit};
use crate::domain::deadline;
use crate::domain::policy::{self, allows, Action, List};
use crate::domain::record_status::{MissingReportStatus, ReportStatus};
use crate::error::{AppError, AppResult};
use crate::mail::messages::organizer::{ReportConfirmed, ReportReturned, SeminarReminder};
use crate::mail::messages::{acting_for, physician::MissingCreditAnswered, prefecture_association};
use crate::mail::{self, messages::Contact, Signature};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::work::report::{
    date_range, file_views, jp_time, money_views, programme_label, report_status_label, text_lines,
    FileView, MissingView, MoneyView, SeminarHead,
};
use crate::web::{render, see_other};

const PER_PAGE: i64 = 50;
const ANSWER_MAX: usize = 1000;
const COMMENT_MAX: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/watch", get(watch))
        .route("/office/watch/{seminar_id}/remind", post(remind))
        .route("/office/missing-credits", get(missing_list))
        .route("/office/missing-credits/{id}/answer", post(answer_missing))
        .route("/office/reports", get(reports))
        .route("/office/reports/{seminar_id}", get(report))
        .route("/office/reports/{seminar_id}/confirm", post(confirm_report))
        .route("/office/reports/{seminar_id}/return", post(return_report))
        .route("/office/reports/{seminar_id}/files/{file_id}", get(report_file))
}

/// Whose seminars a staff member watches: Some(prefecture) for prefectural staff, None (all)
/// for JMA; anyone else has no such work.
fn scope(ctx: &Ctx) -> AppResult<(&CurrentAccount, Option<i16>)> {
    let user = ctx.require(Action::ViewOffice)?;
    let scope = policy::scope(&user.actor(), List::SeminarFollowUp);
    Ok((user, scope.prefecture_filter().ok_or(AppError::Forbidden)?))
}

fn scope_label(prefecture: Option<i16>) -> String {
    match prefecture.and_then(crate::domain::prefecture::name) {
        Some(name) => format!("{name}医師会が承認した研修会"),
        None => "全国の研修会".to_string(),
    }
}

fn pages(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

// ---------------------------------------------------------------------------------------------
// The deadline watch.

pub struct WatchView {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub organizer: String,
    pub held: bool,
    pub attendees: i64,
    pub credits: i64,
    pub due: String,
    /// Days until the due date while it is ahead (held seminars without credits).
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub late: bool,
    pub open_reports: i64,
    pub report: &'static str,
    pub report_pending: bool,
    pub last_reminded: Option<String>,
}

#[derive(Template)]
#[template(path = "office/watch/list.html")]
struct WatchPage {
    layout: Layout,
    scope: String,
    today: String,
    rows: Vec<WatchView>,
    overdue_count: usize,
    page: i64,
    pages: i64,
    total: i64,
    /// Seminars past their credit deadline with credits attached to nobody.
    unattached: Vec<UnattachedView>,
}

pub struct UnattachedView {
    pub title: String,
    pub due: String,
    pub unmatched: i64,
    pub held: i64,
}

#[derive(Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

fn report_state(programme: &str, held: bool, status: Option<&str>) -> (&'static str, bool) {
    if programme != "occupational" {
        return ("不要", false);
    }
    match status {
        None if held => ("未提出", true),
        None => ("開催後に提出", false),
        Some("submitted") => ("確認待ち", true),
        Some("returned") => ("差し戻し中", true),
        Some("confirmed") => ("確認済み", false),
        Some(_) => ("不明", false),
    }
}

pub async fn watch(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let (user, prefecture) = scope(&ctx)?;
    let actor = user.actor();
    let (today, reads) = (ctx.now.date_naive(), state.read_pool(&ctx));
    db::reports::close_resolved(&mut *state.pool.acquire().await?, ctx.now).await?;
    let total = db::credit_views::watch_count(reads, prefecture).await?;
    let pages = pages(total);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<WatchView> =
        db::credit_views::watch(reads, prefecture, today, PER_PAGE, (page - 1) * PER_PAGE)
            .await?
            .into_iter()
            .filter(|r| allows(&actor, Action::ManageSeminar(r.target())))
            .map(|r| {
                let held = r.ends_on < today;
                let registered = r.credits > 0;
                let (report, report_pending) =
                    report_state(&r.programme, held, r.report_status.as_deref());
                WatchView {
                    id: r.id,
                    programme: programme_label(&r.programme),
                    dates: date_range(r.starts_on, r.ends_on),
                    held,
                    attendees: r.attendees,
                    credits: r.credits,
                    due: format_jp_date(deadline::due_date(r.ends_on)),
                    days_left: (held && !registered)
                        .then(|| deadline::days_left(r.ends_on, today))
                        .filter(|d| *d >= 0),
                    overdue: held && deadline::is_overdue(r.ends_on, today, registered),
                    late: r.any_late,
                    open_reports: r.open_reports,
                    report,
                    report_pending,
                    last_reminded: r.last_reminded_at.map(jp_time),
                    title: r.title,
                    organizer: r.organizer_name,
                }
            })
            .collect();
    // Due dates before today: seminars that ended more than a month ago.
    let ended_before = today.checked_sub_months(chrono::Months::new(1)).unwrap_or(today);
    let unattached = db::held_credits::unattached_past_due(
        &mut *state.pool.acquire().await?,
        prefecture,
        ended_before,
        PER_PAGE,
    )
    .await?
    .into_iter()
    .map(|u| UnattachedView {
        title: u.title,
        due: format_jp_date(deadline::due_date(u.ends_on)),
        unmatched: u.unmatched,
        held: u.held,
    })
    .collect();
    let page = WatchPage {
        unattached,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        scope: scope_label(prefecture),
        today: format_jp_date(today),
        overdue_count: rows.iter().filter(|r| r.overdue).count(),
        rows,
        page,
        pages,
        total,
    };
    render(&page)
}

#[derive(Default, Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    page: Option<i64>,
}

pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(seminar_id): Path<i64>,
    Form(form): Form<RemindForm>,
) -> AppResult<Response> {
    scope(&ctx)?;
    let today = ctx.now.date_naive();
    let mut tx = state.pool.begin().await?;
    // Locked: two staff pressing the button at once send two mails, but one after the other,
    // each seeing the other's audit entry on the next page.
    let seminar =
        db::seminars::get_for_update(&mut tx, seminar_id).await?.ok_or(AppError::NotFound)?;
    ctx.require(Action::ManageSeminar(seminar.target()))?;
    if seminar.status != crate::domain::seminar::Status::Approved {
        return Err(AppError::Conflict("承認された研修会ではないため、督促できません。".into()));
    }
    let attendees = db::credit_views::attendee_count(&mut tx, seminar_id).await?;
    let report = db::reports::report(&mut tx, seminar_id).await?;
    let due = deadline::due_date(seminar.ends_on);
    let mut tasks = Vec::new();
    if attendees == 0 {
        tasks.push(format!(
            "・受講者の単位登録（登録期限：{}{}）",
            format_jp_date(due),
            if today > due { "、期限を過ぎています" } else { "" }
        ));
    }
    let (report_label, report_pending) = report_state(
        &seminar.programme,
        seminar.ends_on < today,
        report.as_ref().map(|r| r.status.code()),
    );
    if report_pending && report.as_ref().is_none_or(|r| r.status == ReportStatus::Returned) {
        tasks.push(format!("・開催報告の提出（現在：{report_label}）"));
    }
    if tasks.is_empty() {
        tasks.push("・単位登録の内容のご確認".to_string());
    }
    let message = reminder_mail(ctx.user.as_ref(), &seminar, tasks);
    let mail_id = crate::mail::queue(&mut tx, &seminar.contact_email, &message, ctx.now).await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "seminar.remind",
            entity_type: "seminar",
            entity_id: Some(seminar_id.to_string()),
            before: None,
            after: Some(json!({
                "to": seminar.contact_email,
                "mail_id": mail_id,
                "due_date": due,
                "attendees_registered": attendees,
                "report_status": report.as_ref().map(|r| r.status),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "「{}」の主催者（{}）に督促メールを送りました。",
        seminar.title, seminar.contact_email
    ))
    .await?;
    Ok(see_other(&format!("/office/watch?page={}", form.page.unwrap_or(1).max(1))))
}

// ---------------------------------------------------------------------------------------------
// Missing-credit reports.

#[derive(Default, Deserialize)]
pub struct MissingQuery {
    #[serde(default)]
    all: Option<String>,
}

#[derive(Template)]
#[template(path = "office/watch/missing.html")]
struct MissingPage {
    layout: Layout,
    scope: String,
    include_closed: bool,
    reports: Vec<MissingView>,
    error_for: Option<i64>,
    error: Option<&'static str>,
    typed: String,
}

async fn missing_page(
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
fn may_handle(actor: &crate::domain::role::Actor, r: &db::reports::MissingReport) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Seminar reports (開催報告).

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
struct ReportsPage {
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
                status: report_status_label(&r.status),
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
struct ReportPage {
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

async fn report_page(
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
    let balance = crate::web::work::report::yen(
        report.income.0.iter().map(|l| l.amount).sum::<i64>()
            - report.expenditure.0.iter().map(|l| l.amount).sum::<i64>(),
    );
    let page = ReportPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        contact: format!("{}（{}）", seminar.contact_name, seminar.contact_email),
        seminar: SeminarHead::new(&seminar),
        status: report_status_label(&report.status),
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
enum Decision {
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

async fn decide(
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
            report_status_label(&report.status)
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
        Decision::Confirm => ("confirmed", "seminar_report.confirm"),
        Decision::Return => ("returned", "seminar_report.return"),
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

// ---------------------------------------------------------------------------------------------
// Mail.

fn reminder_mail(
    user: Option<&CurrentAccount>,
    seminar: &db::seminars::Seminar,
    tasks: Vec<String>,
) -> SeminarReminder {
    let association = user.and_then(|u| u.association.as_ref()).map(|a| a.name.clone());
    SeminarReminder {
        organizer: seminar.organizer_name.clone(),
        association: association.unwrap_or_else(|| "MAMIS事務局".into()),
        seminar_title: seminar.title.clone(),
        period: date_range(seminar.starts_on, seminar.ends_on),
        tasks,
        sig: Signature {
            sender: acting_for(user),
            contact: Contact::association(prefecture_association(
                seminar.approving_prefecture_code,
            )),
            reason: "研修会の単位登録・開催報告のお願い".into(),
        },
    }
}

fn answer_mail(
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

async fn mail_report_decision(
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
