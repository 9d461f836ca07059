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
use sqlx::PgConnection;

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::accounts::CurrentAccount;
use crate::db::application_review::{self as review_db, Application, Change, Cycle};
use crate::db::{self, audit};
use crate::domain::application::Status;
use crate::domain::application::{transition, Actor as DomainActor, Event};
use crate::domain::application_event::ApplicationEvent;
use crate::domain::category::{Category, Format, Programme};
use crate::domain::policy::{self, allows, Action, ApplicationTarget, List, Scope};
use crate::domain::prefecture;
use crate::domain::review::{self, kind_label, status_label, Tier};
use crate::domain::role::Role;
use crate::domain::terms::Origin;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

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

const COMMENT_MAX: usize = 1000;
pub const CONFLICT_MESSAGE: &str =
    "この申請は、ほかの担当者がすでに処理しました。画面の内容をご確認ください。";

// ---------------------------------------------------------------------------------------------
// Who sees and does what.

fn tier_of(user: &CurrentAccount) -> Option<Tier> {
    match user.role {
        Role::MunicipalStaff => Some(Tier::Municipal),
        Role::PrefecturalStaff => Some(Tier::Prefectural),
        Role::JmaStaff => Some(Tier::Jma),
        _ => None,
    }
}

pub(crate) fn scope_of(user: &CurrentAccount) -> Scope {
    policy::scope(&user.actor(), List::Applications)
}

fn target(app: &Application) -> ApplicationTarget {
    app.policy_target()
}

/// Staff outside the application's reach get 404: the page does not tell them it exists.
fn ensure_visible(user: &CurrentAccount, app: &Application) -> AppResult<()> {
    if user.role.is_staff() && allows(&user.actor(), Action::ViewApplication(target(app))) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn acting_tier(app: &Application) -> Option<Tier> {
    review::acting_tier(
        app.status.code(),
        app.received_by_municipal(),
        app.returned_by_tier.as_deref(),
    )
}

fn prefecture_association_name(code: i16) -> String {
    format!("{}医師会", prefecture::name(code).unwrap_or("（不明）"))
}

pub(crate) fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
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

// ---------------------------------------------------------------------------------------------
// Mail, events and audit.

use crate::mail::messages::physician::{
    ApplicationCertified, ApplicationFeeRecorded, ApplicationHandbookReceived, ApplicationHead,
    ApplicationPrefectureApproved, ApplicationReceivedMunicipal, ApplicationRejected,
    ApplicationReturned, Committee,
};
use crate::mail::messages::{Contact, Message};
use crate::mail::{self, Signature};

fn mail_head(app: &Application) -> ApplicationHead {
    ApplicationHead {
        name: app.kanji_name.clone(),
        application_id: app.id,
        programme: programme_label(&app.programme).to_string(),
        kind: kind_label(&app.kind).to_string(),
    }
}

/// Sent by the association that acted; questions go to the association the physician
/// applied through.
fn mail_signature(app: &Application, sender: String, reason: &str) -> Signature {
    Signature {
        sender,
        contact: Contact::association(app.receiving_name.clone()),
        reason: reason.to_string(),
    }
}

async fn mail_physician(
    conn: &mut PgConnection,
    app: &Application,
    message: &impl Message,
    ctx: &Ctx,
) -> sqlx::Result<()> {
    let Some(to) = app.email.as_deref() else {
        return Ok(());
    };
    mail::queue(conn, to, message, ctx.now).await?;
    Ok(())
}

/// The status `event` by `tier` leads to, by the domain's state machine; a step the machine
/// refuses (another tier's turn, a decided application) is a conflict with its message.
fn next_status(app: &Application, tier: Tier, event: Event) -> AppResult<Status> {
    transition(app.state(), DomainActor::Staff(tier), event)
        .map_err(|message| AppError::Conflict(message.into()))
}

/// The step in the application's history and in the audit log.
async fn record_step(
    conn: &mut PgConnection,
    ctx: &Ctx,
    app: &Application,
    tier: Tier,
    step: ApplicationEvent,
    comment: Option<&str>,
    after: serde_json::Value,
) -> sqlx::Result<()> {
    let action = step.code();
    let actor = ctx.who().actor_account_id;
    review_db::add_event(conn, app.id, ctx.now, actor, tier.code(), action, comment).await?;
    let entry = audit::Entry {
        action: &format!("application.{action}"),
        entity_type: "application",
        entity_id: Some(app.id.to_string()),
        before: Some(json!({ "status": app.status, "version": app.version })),
        after: Some(after),
    };
    audit::record(conn, &ctx.who(), ctx.now, entry).await
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
    ctx: Ctx,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
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
struct FormState {
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

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    conflict: Option<String>,
    form: FormState,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut conn = state.pool.acquire().await?;
    let app = review_db::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, &app)?;
    let cycle = match app.cycle_id {
        Some(c) => review_db::cycle(&mut conn, c, false).await?,
        None => None,
    };
    let renewing = match app.certification_id {
        Some(c) => review_db::certification(&mut conn, c, ctx.now.date_naive()).await?.map(|c| {
            format!(
                "認定証番号 {}（有効期間 {}〜{}）",
                c.certificate_number,
                format_jp_date(c.valid_from),
                format_jp_date(c.valid_until)
            )
        }),
        None => None,
    };
    drop(conn);
    let declared_rows = review_db::declared_credits(&state.pool, id).await?;
    let check = check_application(state, &app, ctx.now.date_naive()).await?;
    let handbook_declared = declared_rows.iter().any(|d| d.source == "handbook");
    let declared = declared_rows
        .into_iter()
        .map(|d| DeclaredView {
            category: Category::from_code(&d.category).map(Category::label).unwrap_or("不明"),
            format: Format::from_code(&d.format).map(Format::label).unwrap_or("不明"),
            units: d.units.normalize().to_string(),
            attended_on: format_jp_date(d.attended_on),
            source: if d.source == "handbook" { "手帳" } else { "修了証" },
            note: d.note.unwrap_or_default(),
        })
        .collect();
    let files = review_db::files(&state.pool, id)
        .await?
        .into_iter()
        .map(|f| FileView {
            id: f.id,
            name: f.file_name,
            kind: f.content_type,
            size_kb: (i64::from(f.size_bytes) + 1023) / 1024,
        })
        .collect();
    let history = review_db::events(&state.pool, id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: format_jp_datetime(e.at.with_timezone(&jst())),
            tier: match Tier::from_code(&e.tier) {
                Some(t) => t.label(),
                None => "医師",
            },
            what: crate::domain::application_event::label_of(&e.action),
            who: e.actor_name.unwrap_or_default(),
            comment: e.comment,
        })
        .collect();
    let mine = tier_of(user);
    let acting = acting_tier(&app);
    let my_turn = mine.is_some() && mine == acting;
    let a = ApplicationView {
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
        cycle: cycle.as_ref().map(cycle_label),
        renewing,
        occupational: app.programme == "occupational",
    };
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
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&state, &ctx, id, StatusCode::OK, None, FormState::default()).await
}

/// Evidence as a download, never shown inline (the type was checked by content on upload).
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let app =
        review_db::get(&mut *state.pool.acquire().await?, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, &app)?;
    let file = db::files::get(&state.pool, db::applications::APPLICATION_FILES, id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::web::files::attachment(file))
}

// ---------------------------------------------------------------------------------------------
// The steps.

#[derive(Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) comment: String,
    #[serde(default)]
    pub(crate) decision: String,
}

pub(crate) fn required_comment(text: &str, missing: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(missing.to_string());
    }
    if text.chars().count() > COMMENT_MAX {
        return Err("コメントは1000文字以内で入力してください。".to_string());
    }
    Ok(text.to_string())
}

/// The locked application, if it is this staff member's turn on the version their page showed.
enum Locked {
    Ready(Box<Application>),
    Stale,
}

async fn lock_turn(
    conn: &mut PgConnection,
    user: &CurrentAccount,
    id: i64,
    version: &str,
    tier: Tier,
) -> AppResult<Locked> {
    let app = review_db::get_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, &app)?;
    if tier_of(user) != Some(tier) {
        return Err(AppError::Forbidden);
    }
    if acting_tier(&app) != Some(tier) || version.trim().parse::<i32>().ok() != Some(app.version) {
        return Ok(Locked::Stale);
    }
    Ok(Locked::Ready(Box::new(app)))
}

async fn stale(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Response> {
    show_page(
        state,
        ctx,
        id,
        StatusCode::CONFLICT,
        Some(CONFLICT_MESSAGE.to_string()),
        FormState::default(),
    )
    .await
}

macro_rules! locked_or_stale {
    ($tx:expr, $state:expr, $ctx:expr, $user:expr, $id:expr, $version:expr, $tier:expr) => {
        match lock_turn(&mut $tx, $user, $id, $version, $tier).await? {
            Locked::Ready(app) => *app,
            Locked::Stale => {
                drop($tx);
                return stale(&$state, &$ctx, $id).await;
            }
        }
    };
}

fn back(id: i64) -> Response {
    see_other(&format!("/office/applications/{id}"))
}

pub async fn receive(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    let app = locked_or_stale!(tx, state, ctx, user, id, &form.version, Tier::Municipal);
    let next = next_status(&app, Tier::Municipal, Event::Receive)?;
    let change = Change {
        status: next,
        returned_by_tier: None,
        return_comment: None,
        cycle_id: None,
        forwarded: false,
        decided_by: None,
    };
    if !review_db::change(&mut tx, id, app.version, &change, ctx.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": next });
    record_step(&mut tx, &ctx, &app, Tier::Municipal, ApplicationEvent::Received, None, after)
        .await?;
    let message = ApplicationReceivedMunicipal {
        head: mail_head(&app),
        municipal: app.receiving_name.clone(),
        sig: mail_signature(&app, app.receiving_name.clone(), "申請の審査の状況のお知らせ"),
    };
    mail_physician(&mut tx, &app, &message, &ctx).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("受け付けました。都道府県医師会の審査に回ります。").await?;
    Ok(back(id))
}

pub async fn return_to_physician(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let tier = tier_of(user).ok_or(AppError::Forbidden)?;
    let mut tx = state.pool.begin().await?;
    let app = locked_or_stale!(tx, state, ctx, user, id, &form.version, tier);
    let comment = match required_comment(
        &form.comment,
        "差し戻す理由（医師に修正してほしいこと）を入力してください。",
    ) {
        Ok(c) => c,
        Err(error) => {
            drop(tx);
            let state_form =
                FormState { comment: form.comment, error: Some(error), form: "return" };
            return show_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, None, state_form)
                .await;
        }
    };
    let next = next_status(&app, tier, Event::Return)?;
    let change = Change {
        status: next,
        returned_by_tier: Some(tier.code()),
        return_comment: Some(&comment),
        cycle_id: None,
        forwarded: false,
        decided_by: None,
    };
    if !review_db::change(&mut tx, id, app.version, &change, ctx.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": next, "returned_by_tier": tier.code(), "comment": comment });
    record_step(&mut tx, &ctx, &app, tier, ApplicationEvent::Returned, Some(&comment), after)
        .await?;
    let sender =
        mail::messages::acting_association(user.association.as_ref().map(|a| a.name.as_str()));
    let message = ApplicationReturned {
        head: mail_head(&app),
        tier: tier.label().to_string(),
        comment: comment.clone(),
        mypage_url: format!("{}/mypage", state.config.base_url),
        sig: mail_signature(&app, sender, "申請の審査の状況のお知らせ"),
    };
    mail_physician(&mut tx, &app, &message, &ctx).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("差し戻しました。医師に理由をメールで知らせました。").await?;
    Ok(back(id))
}

async fn record_receipt(
    state: AppState,
    ctx: Ctx,
    id: i64,
    form: StepForm,
    handbook: bool,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    let app = locked_or_stale!(tx, state, ctx, user, id, &form.version, Tier::Prefectural);
    if handbook && app.programme != "occupational" {
        return Err(AppError::BadRequest("手帳の受領は認定産業医の申請だけに記録します。".into()));
    }
    let already =
        if handbook { app.handbook_received_at.is_some() } else { app.fee_paid_at.is_some() };
    if already
        || !review_db::record_receipt(&mut tx, id, app.version, handbook, user.id, ctx.now).await?
    {
        drop(tx);
        return stale(&state, &ctx, id).await;
    }
    let (step, notice) = if handbook {
        (ApplicationEvent::HandbookReceived, "手帳の原本の受領を記録しました。")
    } else {
        (ApplicationEvent::FeeRecorded, "入金を記録しました。")
    };
    let after = json!({ step.code(): true });
    record_step(&mut tx, &ctx, &app, Tier::Prefectural, step, None, after).await?;
    let sig = mail_signature(
        &app,
        prefecture_association_name(app.prefecture_code),
        "申請の審査の状況のお知らせ",
    );
    if handbook {
        let message = ApplicationHandbookReceived { head: mail_head(&app), sig };
        mail_physician(&mut tx, &app, &message, &ctx).await?;
    } else {
        let message = ApplicationFeeRecorded { head: mail_head(&app), sig };
        mail_physician(&mut tx, &app, &message, &ctx).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(notice).await?;
    Ok(back(id))
}

pub async fn record_fee(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    record_receipt(state, ctx, id, form, false).await
}

pub async fn record_handbook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    record_receipt(state, ctx, id, form, true).await
}

/// The prefecture approves and forwards to the next review cycle it still meets.
pub async fn prefecture_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    let app = locked_or_stale!(tx, state, ctx, user, id, &form.version, Tier::Prefectural);
    let handbook_declared = review_db::has_handbook_credits(&mut tx, id).await?;
    let today = ctx.now.date_naive();
    let cycles = review_db::open_cycles(&mut tx, app.prefecture_code, today).await?;
    let candidates: Vec<review::CycleCandidate> = cycles
        .iter()
        .map(|c| review::CycleCandidate {
            id: c.id,
            intake_deadline: c.intake_deadline,
            internal_deadline: c.internal_deadline,
        })
        .collect();
    let blocker = review::forward_blocker(
        &app.programme,
        app.fee_paid_at.is_some(),
        handbook_declared,
        app.handbook_received_at.is_some(),
    )
    .map(str::to_string);
    let chosen = review::choose_cycle(&candidates, today);
    let error = blocker.or_else(|| {
        chosen
            .is_none()
            .then(|| "受付中の審査の回がありません。日本医師会にお問い合わせください。".to_string())
    });
    if let Some(error) = error {
        drop(tx);
        let f = FormState { comment: String::new(), error: Some(error), form: "approve" };
        return show_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, None, f).await;
    }
    let cycle = cycles.iter().find(|c| Some(c.id) == chosen).ok_or(AppError::NotFound)?;
    let next = next_status(&app, Tier::Prefectural, Event::Forward)?;
    let change = Change {
        status: next,
        returned_by_tier: None,
        return_comment: None,
        cycle_id: Some(cycle.id),
        forwarded: true,
        decided_by: None,
    };
    if !review_db::change(&mut tx, id, app.version, &change, ctx.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": next, "cycle_id": cycle.id });
    let comment = format!("{}年度 第{}回", cycle.fiscal_year, cycle.number);
    let step = ApplicationEvent::PrefectureApproved;
    record_step(&mut tx, &ctx, &app, Tier::Prefectural, step, Some(&comment), after).await?;
    let message = ApplicationPrefectureApproved {
        head: mail_head(&app),
        committee: Committee {
            fiscal_year: cycle.fiscal_year,
            number: cycle.number,
            date: format_jp_date(cycle.committee_date),
        },
        sig: mail_signature(
            &app,
            prefecture_association_name(app.prefecture_code),
            "申請の審査の状況のお知らせ",
        ),
    };
    mail_physician(&mut tx, &app, &message, &ctx).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "承認し、日本医師会へ進達しました。{}年度 第{}回の運営委員会（{}）で審査します。",
        cycle.fiscal_year,
        cycle.number,
        format_jp_date(cycle.committee_date)
    ))
    .await?;
    Ok(back(id))
}

async fn committee_date(tx: &mut PgConnection, app: &Application) -> AppResult<Option<NaiveDate>> {
    Ok(match app.cycle_id {
        Some(c) => review_db::cycle(tx, c, false).await?.map(|c| c.committee_date),
        None => None,
    })
}

/// JMA's approval of one locked application: status, certification, paper certificate, mail,
/// event and audit. Err(message) when the certification cannot be issued.
async fn approve_at_committee(
    tx: &mut PgConnection,
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentAccount,
    app: &Application,
) -> AppResult<Result<(), String>> {
    let today = ctx.now.date_naive();
    let committee = committee_date(tx, app).await?.unwrap_or(today);
    crate::app::checks::freeze(tx, app.id, today).await?;
    let submitted_on = app.submitted_at.map(|t| t.with_timezone(&jst()).date_naive());
    let (certification_id, number, from, until, before, origin) = if app.kind == "renewal" {
        let renewed = match app.certification_id {
            Some(c) => crate::db::terms::latest_for_update(tx, c).await?.map(|t| (c, t)),
            None => None,
        };
        let Some((certification_id, renewed)) = renewed else {
            return Ok(Err("更新する認定が見つかりません。".into()));
        };
        let Some(number) = review_db::certification(tx, certification_id, today)
            .await?
            .map(|c| c.certificate_number)
        else {
            return Ok(Err("更新する認定が見つかりません。".into()));
        };
        let (from, until) = review::renewal_validity(renewed.valid_until);
        let origin = Origin::of_renewal(
            submitted_on.unwrap_or(today),
            renewed.valid_until,
            app.covid_special,
        );
        let before = json!({ "renewed_term": { "id": renewed.id,
            "valid_from": renewed.valid_from, "valid_until": renewed.valid_until } });
        (certification_id, number, from, until, Some(before), origin)
    } else {
        let Some(registry) = app.registry_number.as_deref() else {
            return Ok(Err("医籍登録番号が登録されていないため、認定証を発行できません。".into()));
        };
        let (from, until) = review::new_validity(committee);
        let (id, number) = review_db::insert_certification(tx, app, registry, ctx.now).await?;
        (id, number, from, until, None, Origin::New)
    };
    let term_id =
        crate::db::terms::insert(tx, certification_id, from, until, origin, Some(app.id), ctx.now)
            .await?;
    let change = Change {
        status: next_status(app, Tier::Jma, Event::Approve)?,
        returned_by_tier: None,
        return_comment: None,
        cycle_id: app.cycle_id,
        forwarded: false,
        decided_by: Some(user.id),
    };
    if !review_db::change(tx, app.id, app.version, &change, ctx.now).await? {
        return Ok(Err(CONFLICT_MESSAGE.into()));
    }
    review_db::queue_paper_certificate(tx, certification_id, term_id, app.id, app.prefecture_code)
        .await?;
    let comment = format!(
        "認定証番号 {number}・有効期間 {}〜{}",
        format_jp_date(from),
        format_jp_date(until)
    );
    let after = json!({
        "status": change.status,
        "certification_id": certification_id,
        "certificate_number": number,
        "term_id": term_id,
        "origin": origin.code(),
        "valid_from": from,
        "valid_until": until,
        "previous": before,
    });
    record_step(tx, ctx, app, Tier::Jma, ApplicationEvent::Approved, Some(&comment), after).await?;
    let message = ApplicationCertified {
        head: mail_head(app),
        committee_date: format_jp_date(committee),
        comment: comment.clone(),
        certificate_url: format!(
            "{}/mypage/certificates/{certification_id}/terms/{term_id}.pdf",
            state.config.base_url
        ),
        sig: mail_signature(app, mail::messages::JMA.into(), "申請の審査の結果のお知らせ"),
    };
    mail_physician(tx, app, &message, ctx).await?;
    Ok(Ok(()))
}

/// JMA: approve, reject (with a reason) or return (with a comment) one application.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    if form.decision != "approve" && form.decision != "reject" {
        return Err(AppError::BadRequest("承認か不承認かを選んでください。".into()));
    }
    let mut tx = state.pool.begin().await?;
    let app = locked_or_stale!(tx, state, ctx, user, id, &form.version, Tier::Jma);
    if form.decision == "approve" {
        if let Err(error) = approve_at_committee(&mut tx, &state, &ctx, user, &app).await? {
            drop(tx);
            let f = FormState { comment: String::new(), error: Some(error), form: "approve" };
            return show_page(&state, &ctx, id, StatusCode::CONFLICT, None, f).await;
        }
        tx.commit().await?;
        state.mail_notify.notify_one();
        ctx.flash("承認しました。認定証を発行し、医師にメールで知らせました。").await?;
        return Ok(back(id));
    }
    let reason = match required_comment(&form.comment, "不承認の理由を入力してください。")
    {
        Ok(c) => c,
        Err(error) => {
            drop(tx);
            let f = FormState { comment: form.comment, error: Some(error), form: "reject" };
            return show_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, None, f).await;
        }
    };
    let today = ctx.now.date_naive();
    crate::app::checks::freeze(&mut tx, id, today).await?;
    if !review_db::reject(&mut tx, id, app.version, &reason, user.id, ctx.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": Status::Rejected, "comment": reason });
    record_step(&mut tx, &ctx, &app, Tier::Jma, ApplicationEvent::Rejected, Some(&reason), after)
        .await?;
    let message = ApplicationRejected {
        head: mail_head(&app),
        reason: reason.clone(),
        sig: mail_signature(&app, mail::messages::JMA.into(), "申請の審査の結果のお知らせ"),
    };
    mail_physician(&mut tx, &app, &message, &ctx).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("不承認にしました。医師に理由をメールで知らせました。").await?;
    Ok(back(id))
}

// ---------------------------------------------------------------------------------------------
// Prefectures' internal deadlines.

pub struct DeadlineView {
    pub cycle_id: i64,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "office/applications/deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    prefecture: String,
    rows: Vec<DeadlineView>,
}

/// A prefectural clerk's own prefecture (their applications' scope); others have none.
fn own_prefecture(user: &CurrentAccount) -> AppResult<i16> {
    match scope_of(user) {
        Scope::Prefecture(code) => Ok(code),
        _ => Err(AppError::Forbidden),
    }
}

async fn deadline_rows(
    state: &AppState,
    prefecture: i16,
    today: NaiveDate,
) -> AppResult<Vec<Cycle>> {
    Ok(review_db::open_cycles(&mut *state.pool.acquire().await?, prefecture, today).await?)
}

pub async fn deadlines(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let prefecture = own_prefecture(user)?;
    let rows = deadline_rows(&state, prefecture, ctx.now.date_naive())
        .await?
        .iter()
        .map(|c| DeadlineView {
            cycle_id: c.id,
            label: cycle_label(c),
            value: c
                .internal_deadline
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            error: None,
        })
        .collect();
    let page = DeadlinesPage {
        prefecture: prefecture_association_name(prefecture),
        rows,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    crate::domain::era::parse_typed_date(text)
}

pub async fn save_deadlines(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let prefecture = own_prefecture(user)?;
    let today = ctx.now.date_naive();
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let cycles = deadline_rows(&state, prefecture, today).await?;
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    for c in &cycles {
        let key = format!("deadline_{}", c.id);
        let Some(value) = fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.trim().to_string())
        else {
            continue;
        };
        let mut error = None;
        let parsed =
            if value.is_empty() { Ok(None) } else { parse_date(&value).map(Some).ok_or(()) };
        match parsed {
            Err(()) => error = Some("日付を「2026-04-20」の形で入力してください。".to_string()),
            Ok(Some(d)) if d > c.intake_deadline => {
                error =
                    Some("日本医師会の受付締切と同じ日か、それより前にしてください。".to_string())
            }
            Ok(d) => {
                if d != c.internal_deadline {
                    changes.push((c.id, c.internal_deadline, d));
                }
            }
        }
        rows.push(DeadlineView { cycle_id: c.id, label: cycle_label(c), value, error });
    }
    if rows.iter().any(|r| r.error.is_some()) {
        let page = DeadlinesPage {
            prefecture: prefecture_association_name(prefecture),
            rows,
            layout: ctx.layout(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let mut tx = state.pool.begin().await?;
    for (cycle_id, before, after) in &changes {
        review_db::set_deadline(&mut tx, prefecture, *cycle_id, *after).await?;
        let entry = audit::Entry {
            action: "prefecture_deadline.set",
            entity_type: "prefecture_deadline",
            entity_id: Some(format!("{prefecture}:{cycle_id}")),
            before: Some(json!({ "internal_deadline": before })),
            after: Some(json!({ "internal_deadline": after })),
        };
        audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    }
    tx.commit().await?;
    ctx.flash(&format!("締切を保存しました（変更 {}件）。", changes.len())).await?;
    Ok(see_other("/office/applications/deadlines"))
}

// ---------------------------------------------------------------------------------------------
// JMA: the cycles.

fn require_jma(user: &CurrentAccount) -> AppResult<()> {
    if policy::allows(&user.actor(), Action::DecideApplicationsAtCommittee) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub struct CycleSummaryView {
    pub id: i64,
    pub label: String,
    pub closed: bool,
    pub awaiting: i64,
    pub approved: i64,
    pub rejected: i64,
}

#[derive(Template)]
#[template(path = "office/applications/cycles.html")]
struct CyclesPage {
    layout: Layout,
    cycles: Vec<CycleSummaryView>,
}

pub async fn cycles(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    require_jma(user)?;
    let cycles = review_db::cycle_summaries(&state.pool, ctx.now.date_naive())
        .await?
        .into_iter()
        .map(|c| CycleSummaryView {
            label: format!(
                "{}年度 第{}回（受付締切 {}・運営委員会 {}）",
                c.fiscal_year,
                c.number,
                format_jp_date(c.intake_deadline),
                format_jp_date(c.committee_date)
            ),
            id: c.id,
            closed: c.closed_at.is_some(),
            awaiting: c.awaiting,
            approved: c.approved,
            rejected: c.rejected,
        })
        .collect();
    let page = CyclesPage { cycles, layout: ctx.layout().with_notice(ctx.take_flash().await?) };
    render(&page)
}

pub struct CycleRowView {
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub registry_number: String,
    pub programme: &'static str,
    pub kind: &'static str,
    pub prefecture: &'static str,
    pub status: &'static str,
    pub awaiting: bool,
    /// The decision is recorded (approved or rejected).
    pub decided: bool,
    pub check_met: bool,
}

#[derive(Template)]
#[template(path = "office/applications/cycle.html")]
struct CyclePage {
    layout: Layout,
    id: i64,
    label: String,
    closed: bool,
    /// Closed and still before the committee date.
    can_reopen: bool,
    /// The committee has not met yet: decisions recorded now take effect on its date.
    before_committee: bool,
    committee_date: String,
    intake_deadline: String,
    rows: Vec<CycleRowView>,
    awaiting: usize,
    decided: usize,
}

pub async fn cycle_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    require_jma(user)?;
    let cycle = review_db::cycle(&mut *state.pool.acquire().await?, cycle_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = ctx.now.date_naive();
    let applications = review_db::in_cycle(&state.pool, cycle_id).await?;
    let ids: Vec<i64> = applications.iter().map(|a| a.id).collect();
    let checks =
        crate::app::checks::applications(&mut *state.pool.acquire().await?, &ids, today).await?;
    let mut rows = Vec::new();
    for app in applications {
        rows.push(CycleRowView {
            id: app.id,
            version: app.version,
            registry_number: app.registry_number.clone().unwrap_or_default(),
            programme: programme_label(&app.programme),
            kind: kind_label(&app.kind),
            prefecture: prefecture::name(app.prefecture_code).unwrap_or("不明"),
            status: app.status.label_for_staff(),
            awaiting: app.status() == Status::PrefectureApproved,
            decided: matches!(app.status(), Status::Approved | Status::Rejected),
            check_met: checks.get(&app.id).is_some_and(|c| c.outcome.met),
            name: app.kanji_name,
        });
    }
    let page = CyclePage {
        id: cycle_id,
        label: cycle_label(&cycle),
        closed: cycle.closed_at.is_some(),
        can_reopen: cycle.closed_at.is_some() && review::may_reopen(today, cycle.committee_date),
        before_committee: today < review::effective_on(cycle.committee_date),
        committee_date: format_jp_date(cycle.committee_date),
        intake_deadline: format_jp_date(cycle.intake_deadline),
        decided: rows.iter().filter(|r| r.decided).count(),
        awaiting: rows.iter().filter(|r| r.awaiting).count(),
        rows,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

/// Approves the ticked applications of one cycle in one transaction, in id order (two bulk
/// approvals never deadlock); those someone else decided meanwhile are skipped and counted.
pub async fn cycle_bulk_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    require_jma(user)?;
    let mut ids: Vec<i64> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "application_id")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let back = format!("/office/cycles/{cycle_id}");
    if ids.is_empty() {
        ctx.flash("承認する申請にチェックを入れてください。").await?;
        return Ok(see_other(&back));
    }
    let mut tx = state.pool.begin().await?;
    review_db::cycle(&mut tx, cycle_id, false).await?.ok_or(AppError::NotFound)?;
    let (mut approved, mut skipped) = (0, 0);
    for id in ids {
        let app = match review_db::get_for_update(&mut tx, id).await? {
            Some(a) if a.cycle_id == Some(cycle_id) && acting_tier(&a) == Some(Tier::Jma) => a,
            _ => {
                skipped += 1;
                continue;
            }
        };
        match approve_at_committee(&mut tx, &state, &ctx, user, &app).await? {
            Ok(()) => approved += 1,
            Err(_) => skipped += 1,
        }
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    let mut notice = format!("{approved}件を承認し、認定証を発行しました。");
    if skipped > 0 {
        notice.push_str(&format!(
            "{skipped}件は、ほかの担当者がすでに処理していたか認定証を発行できなかったため、そのままにしました。"
        ));
    }
    ctx.flash(&notice).await?;
    Ok(see_other(&back))
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    /// Sent by the confirmation page.
    #[serde(default)]
    confirm: String,
    /// Closing before the intake deadline, confirmed as such.
    #[serde(default)]
    confirm_early: String,
}

#[derive(Template)]
#[template(path = "office/applications/cycle_close.html")]
struct CycleClosePage {
    layout: Layout,
    id: i64,
    label: String,
    intake_deadline: String,
    committee_date: String,
    /// The intake deadline has not come yet.
    early: bool,
    /// Applications in the cycle that still await JMA's decision (closing is refused).
    awaiting: i64,
}

fn close_page(ctx: &Ctx, cycle: &Cycle, awaiting: i64) -> AppResult<Response> {
    let page = CycleClosePage {
        layout: ctx.layout(),
        id: cycle.id,
        label: cycle_label(cycle),
        intake_deadline: format_jp_date(cycle.intake_deadline),
        committee_date: format_jp_date(cycle.committee_date),
        early: ctx.now.date_naive() < cycle.intake_deadline,
        awaiting,
    };
    render(&page)
}

/// Closing a cycle is confirmed on a page of its own that says what it changes.
pub async fn cycle_close_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    require_jma(user)?;
    let mut conn = state.pool.acquire().await?;
    let cycle = review_db::cycle(&mut conn, cycle_id, false).await?.ok_or(AppError::NotFound)?;
    if cycle.closed_at.is_some() {
        return Ok(see_other(&format!("/office/cycles/{cycle_id}")));
    }
    let awaiting = review_db::awaiting_in_cycle(&mut conn, cycle_id).await?;
    close_page(&ctx, &cycle, awaiting)
}

/// Closes a cycle once every application in it is decided; later forwards join the next one.
/// Without the confirmation page's answer it shows that page and changes nothing.
pub async fn cycle_close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    require_jma(user)?;
    let back = format!("/office/cycles/{cycle_id}");
    let mut tx = state.pool.begin().await?;
    let cycle = review_db::cycle(&mut tx, cycle_id, true).await?.ok_or(AppError::NotFound)?;
    if cycle.closed_at.is_some() {
        return Err(AppError::Conflict("この回は、ほかの担当者がすでに締め切りました。".into()));
    }
    let awaiting = review_db::awaiting_in_cycle(&mut tx, cycle_id).await?;
    let today = ctx.now.date_naive();
    let confirmed = form.confirm_early == "yes";
    if form.confirm != "yes" && !confirmed {
        drop(tx);
        return close_page(&ctx, &cycle, awaiting);
    }
    match review::close_blocker(today, cycle.intake_deadline, confirmed, awaiting) {
        Some(review::CloseBlocker::Awaiting(n)) => {
            drop(tx);
            ctx.flash(&format!("審査待ちの申請が{n}件あるため、締め切れません。")).await?;
            return Ok(see_other(&back));
        }
        Some(review::CloseBlocker::BeforeIntakeDeadline) => {
            drop(tx);
            return close_page(&ctx, &cycle, awaiting);
        }
        None => {}
    }
    review_db::close_cycle(&mut tx, cycle_id, ctx.now).await?;
    let entry = audit::Entry {
        action: "review_cycle.closed",
        entity_type: "review_cycle",
        entity_id: Some(cycle_id.to_string()),
        before: None,
        after: Some(json!({ "closed": true, "before_intake_deadline": confirmed })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("この回を締め切りました。委員会の日までは、締め切りを取り消せます。").await?;
    Ok(see_other(&back))
}

/// Reopens a closed cycle, until its committee date.
pub async fn cycle_reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    require_jma(user)?;
    let back = format!("/office/cycles/{cycle_id}");
    let mut tx = state.pool.begin().await?;
    let cycle = review_db::cycle(&mut tx, cycle_id, true).await?.ok_or(AppError::NotFound)?;
    if !review::may_reopen(ctx.now.date_naive(), cycle.committee_date) {
        drop(tx);
        ctx.flash("委員会の日を過ぎたため、締め切りを取り消せません。").await?;
        return Ok(see_other(&back));
    }
    if review_db::reopen_cycle(&mut tx, cycle_id).await? {
        let entry = audit::Entry {
            action: "review_cycle.reopened",
            entity_type: "review_cycle",
            entity_id: Some(cycle_id.to_string()),
            before: Some(json!({ "closed": true })),
            after: Some(json!({ "closed": false })),
        };
        audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    }
    tx.commit().await?;
    ctx.flash("締め切りを取り消しました。この回に申請を追加できます。").await?;
    Ok(see_other(&back))
}

// ---------------------------------------------------------------------------------------------
// Paper certificates the prefecture forwards.

pub struct PaperView {
    pub certification_id: i64,
    pub name: String,
    pub address: String,
    pub programme: &'static str,
    pub number: String,
    pub validity: String,
    pub prefecture: &'static str,
    pub sent_at: Option<String>,
}

#[derive(Template)]
#[template(path = "office/applications/paper.html")]
struct PaperPage {
    layout: Layout,
    rows: Vec<PaperView>,
    can_tick: bool,
}

pub async fn paper_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let prefecture = match user.role {
        Role::PrefecturalStaff => Some(own_prefecture(user)?),
        Role::JmaStaff => None,
        _ => return Err(AppError::Forbidden),
    };
    let rows = review_db::paper_certificates(&state.pool, prefecture)
        .await?
        .into_iter()
        .map(|r| PaperView {
            certification_id: r.certification_id,
            name: r.kanji_name.unwrap_or_default(),
            address: format!(
                "〒{} {}",
                r.postal_code.unwrap_or_default(),
                r.address.unwrap_or_default()
            ),
            programme: programme_label(&r.programme),
            number: r.certificate_number,
            validity: format!(
                "{}〜{}",
                format_jp_date(r.valid_from),
                format_jp_date(r.valid_until)
            ),
            prefecture: prefecture::name(r.prefecture_code).unwrap_or("不明"),
            sent_at: when(r.sent_at),
        })
        .collect();
    let page = PaperPage {
        rows,
        can_tick: prefecture.is_some(),
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

pub async fn paper_sent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(certification_id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let prefecture = own_prefecture(user)?;
    let mut tx = state.pool.begin().await?;
    let paper = review_db::paper_for_update(&mut tx, certification_id)
        .await?
        .filter(|p| p.prefecture_code == prefecture)
        .ok_or(AppError::NotFound)?;
    if paper.sent_at.is_some()
        || !review_db::mark_paper_sent(&mut tx, certification_id, user.id, ctx.now).await?
    {
        return Err(AppError::Conflict(
            "この認定証は、ほかの担当者がすでに発送済みにしました。".into(),
        ));
    }
    let entry = audit::Entry {
        action: "paper_certificate.sent",
        entity_type: "certification",
        entity_id: Some(certification_id.to_string()),
        before: None,
        after: Some(json!({ "sent": true })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("発送済みにしました。").await?;
    Ok(see_other("/office/paper-certificates"))
}
