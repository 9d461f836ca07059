//! Staff review of applications (DOMAIN §6): the municipal association receives (where the
//! physician handed the application in there), the prefectural association records the fee
//! (入金) and the 手帳 original and forwards to the next review cycle, JMA decides per cycle.
//! Any tier may return an application to the physician with a comment.
//!
//! Every change locks the application row (`SELECT … FOR UPDATE`), checks its status and the
//! `version` the staff member's page showed, and bumps the version: of two staff members acting
//! at once one wins and the other gets a 409 page, never a silent overwrite. Every step is
//! audited, written to `application_events` and mailed to the physician in one transaction.
//!
//! Approval effects: a new certification gets the next 7-digit number of its programme and a
//! validity from the committee date; a renewal extends the same certification row (same
//! number, which is unique per programme, so the certificate PDF and the verification page
//! show the new validity at once; the previous validity is kept in the audit log and the
//! application's history). Either way the prefecture gets a paper certificate to forward.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use crate::app::applications::committee;
use crate::app::applications::review::{self as steps_app, acting_tier, ensure_visible, tier_of};
use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::accounts::CurrentAccount;
use crate::db::application_review::{self as review_db, Application, Cycle};
use crate::db::{self, audit};
use crate::domain::application::Status;
use crate::domain::category::{Category, Format};
use crate::domain::policy::{self, Action, List, Scope};
use crate::domain::prefecture;
use crate::domain::review::{self, kind_label, status_label, Tier};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

mod cycles;
mod deadlines;
mod paper;
mod steps;

pub use crate::app::applications::review::{
    prefecture_association_name, programme_label, required_comment, CONFLICT_MESSAGE,
};
use cycles::*;
pub use deadlines::parse_date;
use deadlines::*;
use paper::*;
pub use steps::StepForm;
use steps::*;

pub(crate) fn scope_of(user: &CurrentAccount) -> Scope {
    policy::scope(&user.actor(), List::Applications)
}

fn cycle_label(c: &Cycle) -> String {
    format!(
        "{}年度 第{}回（日本医師会の受付締切 {}・運営委員会 {}）",
        c.fiscal_year,
        c.number,
        format_jp_date(c.intake_deadline),
        format_jp_date(c.committee_date)
    )
}

pub(crate) fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    at.map(|t| format_jp_datetime(t.with_timezone(&jst())))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/applications", get(list))
        .route("/office/applications/deadlines", get(deadlines).post(save_deadlines))
        .route("/office/applications/{id}", get(show))
        .route("/office/applications/{id}/files/{file_id}", get(download))
        .route("/office/applications/{id}/receive", post(receive))
        .route("/office/applications/{id}/return", post(return_to_physician))
        .route("/office/applications/{id}/fee", post(record_fee))
        .route("/office/applications/{id}/handbook", post(record_handbook))
        .route("/office/applications/{id}/approve", post(prefecture_approve))
        .route("/office/applications/{id}/decide", post(decide))
        .route("/office/cycles", get(cycles))
        .route("/office/cycles/{id}", get(cycle_page))
        .route("/office/cycles/{id}/approve", post(cycle_bulk_approve))
        .route("/office/cycles/{id}/close", get(cycle_close_page).post(cycle_close))
        .route("/office/cycles/{id}/reopen", post(cycle_reopen))
        .route("/office/paper-certificates", get(paper_list))
        .route("/office/paper-certificates/{certification_id}/sent", post(paper_sent))
}

// ---------------------------------------------------------------------------------------------
// The queue.

pub struct QueueView {
    pub id: i64,
    pub name: String,
    pub registry_number: String,
    pub programme: &'static str,
    pub kind: &'static str,
    pub prefecture: &'static str,
    pub receiving: String,
    pub status: &'static str,
    pub fee_paid: bool,
    pub submitted_at: String,
}

impl QueueView {
    pub(crate) fn new(r: review_db::QueueRow) -> Self {
        QueueView {
            id: r.id,
            name: r.kanji_name,
            registry_number: r.registry_number.unwrap_or_default(),
            programme: programme_label(&r.programme),
            kind: kind_label(&r.kind),
            prefecture: prefecture::name(r.prefecture_code).unwrap_or("不明"),
            receiving: r.receiving_name,
            status: status_label(&r.status),
            fee_paid: r.fee_paid,
            submitted_at: when(r.submitted_at).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "office/applications/list.html")]
struct ListPage {
    caption: String,
    layout: Layout,
    heading: String,
    rows: Vec<QueueView>,
    page: i64,
    pages: i64,
    is_prefectural: bool,
    is_jma: bool,
}

/// Applications per page of the queue (a prefecture can have hundreds waiting before a cycle).
const QUEUE_PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    pub(crate) page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    let user = &ctx.user;
    let scope = scope_of(user);
    let total = review_db::queue_count(&state.pool, scope).await?;
    let pages = ((total + QUEUE_PER_PAGE - 1) / QUEUE_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let offset = (page - 1) * QUEUE_PER_PAGE;
    let rows = review_db::queue(&state.pool, scope, QUEUE_PER_PAGE, offset)
        .await?
        .into_iter()
        .map(QueueView::new)
        .collect();
    let heading = match scope {
        Scope::Association(_) => format!(
            "{}で受け付ける申請",
            user.association.as_ref().map(|a| a.name.as_str()).unwrap_or("")
        ),
        Scope::Prefecture(code) => {
            format!("{}で審査する申請", prefecture_association_name(code))
        }
        Scope::All => "日本医師会の審査待ちの申請".to_string(),
        Scope::Nothing => "審査する申請はありません".to_string(),
    };
    let caption = if pages > 1 {
        format!("審査待ちの申請 {total}件（{page} / {pages} ページ）")
    } else {
        format!("審査待ちの申請 {total}件")
    };
    let page = ListPage {
        caption,
        heading,
        rows,
        page,
        pages,
        is_prefectural: user.role == Role::PrefecturalStaff,
        is_jma: user.role == Role::JmaStaff,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------------
// The application page.

pub struct RuleView {
    pub label: String,
    pub required: String,
    pub counted: String,
    pub met: bool,
    pub note: String,
}

pub struct CheckView {
    pub met: bool,
    pub rules: Vec<RuleView>,
}

pub struct DeclaredView {
    pub category: &'static str,
    pub format: &'static str,
    pub units: String,
    pub attended_on: String,
    pub source: &'static str,
    pub note: String,
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub size_kb: i64,
}

pub struct EventView {
    pub at: String,
    pub tier: &'static str,
    pub what: String,
    pub who: String,
    pub comment: Option<String>,
}

/// The application's requirement check (`app::checks`: the same for every page and list).
pub async fn check_application(
    state: &AppState,
    app: &Application,
    today: NaiveDate,
) -> AppResult<CheckView> {
    let mut conn = state.pool.acquire().await?;
    let Some(checked) = crate::app::checks::application(&mut conn, app.id, today).await? else {
        return Ok(CheckView { met: false, rules: Vec::new() });
    };
    let outcome = checked.outcome;
    let number = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    Ok(CheckView {
        met: outcome.met,
        rules: outcome
            .rules
            .into_iter()
            .map(|r| RuleView {
                required: number(r.required),
                counted: number(r.counted),
                met: r.met,
                note: r.note.unwrap_or_default(),
                label: r.label,
            })
            .collect(),
    })
}

pub struct ApplicationView {
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub registry_number: String,
    pub programme: &'static str,
    pub kind: &'static str,
    pub route: &'static str,
    pub prefecture: String,
    pub receiving: String,
    pub status: &'static str,
    pub returned_by: Option<&'static str>,
    pub return_comment: Option<String>,
    pub late_reason: Option<String>,
    pub practical_activity: Option<String>,
    pub fee_paid_at: Option<String>,
    pub handbook_received_at: Option<String>,
    pub submitted_at: Option<String>,
    pub forwarded_at: Option<String>,
    pub cycle: Option<String>,
    pub renewing: Option<String>,
    pub occupational: bool,
}

#[derive(Default)]
pub(super) struct FormState {
    comment: String,
    error: Option<String>,
    /// Which form the error belongs to: "return", "reject", "approve".
    form: &'static str,
}

#[derive(Template)]
#[template(path = "office/applications/show.html")]
struct ShowPage {
    layout: Layout,
    a: ApplicationView,
    check: CheckView,
    declared: Vec<DeclaredView>,
    files: Vec<FileView>,
    history: Vec<EventView>,
    conflict: Option<String>,
    can_receive: bool,
    can_review: bool,
    can_decide: bool,
    can_return: bool,
    handbook_declared: bool,
    form: FormState,
}

fn declared_view(d: review_db::DeclaredRow) -> DeclaredView {
    DeclaredView {
        category: Category::from_code(&d.category).map(Category::label).unwrap_or("不明"),
        format: Format::from_code(&d.format).map(Format::label).unwrap_or("不明"),
        units: d.units.normalize().to_string(),
        attended_on: format_jp_date(d.attended_on),
        source: if d.source == "handbook" { "手帳" } else { "修了証" },
        note: d.note.unwrap_or_default(),
    }
}

fn file_view(f: review_db::FileRow) -> FileView {
    FileView {
        id: f.id,
        name: f.file_name,
        kind: f.content_type,
        size_kb: (i64::from(f.size_bytes) + 1023) / 1024,
    }
}

fn event_view(e: review_db::EventRow) -> EventView {
    EventView {
        at: format_jp_datetime(e.at.with_timezone(&jst())),
        tier: match Tier::from_code(&e.tier) {
            Some(t) => t.label(),
            None => "医師",
        },
        what: crate::domain::application_event::label_of(&e.action),
        who: e.actor_name.unwrap_or_default(),
        comment: e.comment,
    }
}

fn application_view(
    app: &Application,
    cycle: Option<&Cycle>,
    renewing: Option<String>,
) -> ApplicationView {
    ApplicationView {
        id: app.id,
        version: app.version,
        name: app.kanji_name.clone(),
        registry_number: app.registry_number.clone().unwrap_or_default(),
        programme: programme_label(&app.programme),
        kind: kind_label(&app.kind),
        route: match app.route.as_str() {
            "university" => "産業医科大学の修了認定証",
            "sports_exemption" => "講習会の免除（資格の証明）",
            _ => "単位",
        },
        prefecture: prefecture_association_name(app.prefecture_code),
        receiving: app.receiving_name.clone(),
        status: app.status.label_for_staff(),
        returned_by: app.returned_by_tier.as_deref().and_then(Tier::from_code).map(Tier::label),
        return_comment: app.return_comment.clone(),
        late_reason: app.late_reason.clone().filter(|t| !t.trim().is_empty()),
        practical_activity: app.practical_activity.clone().filter(|t| !t.trim().is_empty()),
        fee_paid_at: when(app.fee_paid_at),
        handbook_received_at: when(app.handbook_received_at),
        submitted_at: when(app.submitted_at),
        forwarded_at: when(app.forwarded_at),
        cycle: cycle.map(cycle_label),
        renewing,
        occupational: app.programme == "occupational",
    }
}

pub(super) async fn show_page(
    state: &AppState,
    ctx: &extract::Staff,
    id: i64,
    status: StatusCode,
    conflict: Option<String>,
    form: FormState,
) -> AppResult<Response> {
    let user = &ctx.user;
    let mut conn = state.pool.acquire().await?;
    let app = review_db::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, &app)?;
    let cycle = match app.cycle_id {
        Some(c) => review_db::cycle(&mut conn, c, false).await?,
        None => None,
    };
    let renewing = match app.certification_id {
        Some(c) => review_db::certification(&mut conn, c, ctx.now.date_naive()).await?,
        None => None,
    };
    let renewing = renewing.map(|c| {
        let (from, until) = (format_jp_date(c.valid_from), format_jp_date(c.valid_until));
        format!("認定証番号 {}（有効期間 {from}〜{until}）", c.certificate_number)
    });
    drop(conn);
    let declared_rows = review_db::declared_credits(&state.pool, id).await?;
    let check = check_application(state, &app, ctx.now.date_naive()).await?;
    let handbook_declared = declared_rows.iter().any(|d| d.source == "handbook");
    let declared = declared_rows.into_iter().map(declared_view).collect();
    let files = review_db::files(&state.pool, id).await?.into_iter().map(file_view).collect();
    let history = review_db::events(&state.pool, id).await?.into_iter().map(event_view).collect();
    let mine = tier_of(user);
    let acting = acting_tier(&app);
    let my_turn = mine.is_some() && mine == acting;
    let a = application_view(&app, cycle.as_ref(), renewing);
    let page = ShowPage {
        a,
        check,
        declared,
        files,
        history,
        conflict,
        can_receive: my_turn && acting == Some(Tier::Municipal),
        can_review: my_turn && acting == Some(Tier::Prefectural),
        can_decide: my_turn && acting == Some(Tier::Jma),
        can_return: my_turn,
        handbook_declared,
        form,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&state, &ctx, id, StatusCode::OK, None, FormState::default()).await
}

/// Evidence as a download, never shown inline (the type was checked by content on upload).
pub async fn download(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let user = &ctx.user;
    let app =
        review_db::get(&mut *state.pool.acquire().await?, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, &app)?;
    let file = db::files::get(&state.pool, db::applications::APPLICATION_FILES, id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::web::files::attachment(file))
}
