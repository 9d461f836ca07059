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
use crate::domain::category::Programme;
use crate::domain::deadline;
use crate::domain::policy::{self, allows, Action, List};
use crate::domain::record_status::{MissingReportStatus, ReportStatus};
use crate::domain::seminar_report::watch_state;
use crate::error::{AppError, AppResult};
use crate::mail::messages::organizer::{ReportConfirmed, ReportReturned, SeminarReminder};
use crate::mail::messages::{acting_for, physician::MissingCreditAnswered, prefecture_association};
use crate::mail::{self, messages::Contact, Signature};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::views::{
    date_range, file_views, jp_time, money_views, programme_label, text_lines, FileView,
    MissingView, MoneyView, SeminarHead,
};
use crate::web::{render, see_other};

const PER_PAGE: i64 = 50;
const ANSWER_MAX: usize = 1000;
const COMMENT_MAX: usize = 1000;

mod missing;
mod reports;

use missing::*;
use reports::*;

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

/// Where the report stands on the watch (see `domain::seminar_report::watch_state`).
fn report_state(programme: &str, held: bool, status: Option<ReportStatus>) -> (&'static str, bool) {
    watch_state(Programme::from_code(programme) == Some(Programme::Occupational), held, status)
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
                let (report, report_pending) = report_state(&r.programme, held, r.report_status);
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
        report.as_ref().map(|r| r.status),
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
