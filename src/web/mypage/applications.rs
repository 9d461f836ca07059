//! The physician's applications (issue 5, part 2): start a new or renewal application for one
//! programme, see the requirement check live, declare pre-cut-over credits with evidence
//! uploads, choose the route and the receiving association, submit, withdraw.
//!
//! Only the owner sees an application (others get 404). Staff entering data for a physician
//! (代理入力) are the physician here (`ctx.user`); the audit names both.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::applications::{self as store, Application};
use crate::db::physicians::Physician;
use crate::db::{self, audit};
use crate::domain::application::{self, Actor, Event, Status};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::policy::Action;
use crate::domain::requirements::{Exemption, Rule};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::mypage::application_files;
use crate::web::{render, see_other};

const MAX_DECLARED: usize = 200;
const MAX_TEXT: usize = 4_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mypage/applications", get(list))
        .route("/mypage/applications/new", get(new_form).post(create))
        .route("/mypage/applications/{id}", get(show))
        .route("/mypage/applications/{id}/details", post(save_details))
        .route("/mypage/applications/{id}/credits", post(add_credit))
        .route("/mypage/applications/{id}/credits/{credit_id}/delete", post(remove_credit))
        .merge(application_files::routes())
        .route("/mypage/applications/{id}/submit", post(submit))
        .route("/mypage/applications/{id}/withdraw", get(withdraw_page).post(withdraw))
}

// ---------------------------------------------------------------------------------------------
// Labels and pure helpers.

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "new" => "新規申請",
        "renewal" => "更新申請",
        _ => "不明",
    }
}

pub fn route_label(route: &str) -> &'static str {
    match route {
        "credits" => "研修単位による申請",
        "university" => "産業医科大学の修了認定証による申請",
        "sports_exemption" => "免除資格による申請（日整会・JSPO）",
        _ => "不明",
    }
}

fn source_label(source: &str) -> &'static str {
    match source {
        "handbook" => "手帳（シール）",
        "certificate" => "修了証",
        _ => "不明",
    }
}

fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
}

fn tier_label(tier: &str) -> &'static str {
    match tier {
        "physician" => "申請者",
        "municipal" => "郡市区医師会",
        "prefectural" => "都道府県医師会",
        "jma" => "日本医師会",
        _ => "",
    }
}

/// Routes that a programme and kind allow.
pub(crate) fn routes_for(programme: &str, kind: &str) -> &'static [&'static str] {
    match (programme, kind) {
        ("occupational", "new") => &["credits", "university"],
        ("sports", "new") => &["credits", "sports_exemption"],
        _ => &["credits"],
    }
}

/// The first day of portal-managed credits (DOMAIN §3): declared credits are from before it.
fn cut_over(state: &AppState) -> NaiveDate {
    state.config.portal_credits_from
}

fn units_text(units: Decimal) -> String {
    units.normalize().to_string()
}

fn jp_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
}

/// Units as typed: 「1」「1.5」「１．５」. One decimal place, 0 < units ≤ 999.9.
pub(crate) fn parse_units(input: &str) -> Result<Decimal, &'static str> {
    let text = crate::domain::text::to_halfwidth_ascii(input).trim().to_string();
    if text.is_empty() {
        return Err("単位数を入力してください。");
    }
    let units: Decimal = text.parse().map_err(|_| "単位数は数字で入力してください（例：1.5）。")?;
    if units <= Decimal::ZERO || units > Decimal::new(9999, 1) {
        return Err("単位数は0より大きく999.9以下で入力してください。");
    }
    if units.normalize().scale() > 1 {
        return Err("単位数は小数第1位までで入力してください。");
    }
    Ok(units)
}

/// A typed date: Western (「2024-05-10」「2024/5/10」) or 和暦 (「令和6年5月10日」「R6.5.10」).
pub(crate) fn parse_date(input: &str) -> Option<NaiveDate> {
    crate::domain::era::parse_typed_date(input)
}

/// A (re)submitted application is always 'submitted'; the staff queues route it by
/// `returned_by_tier`: a municipal return goes back to municipal reception, a prefectural or
/// JMA return to the prefecture (JMA's committee has met; the prefecture forwards it into the
/// next cycle).
fn status_on_submit(_app: &Application) -> &'static str {
    "submitted"
}

/// 「第N回（YYYY年M月末の運営委員会）」: the committee meets at the end of an odd month.
fn cycle_text(number: i16, committee_date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("第{number}回（{}年{}月末の運営委員会）", committee_date.year(), committee_date.month())
}

const AFTER_APPROVAL: &str = "承認されると認定証はすぐにマイページからダウンロードでき、紙の認定証は翌月末ごろ都道府県医師会から届きます。";

/// When to expect the decision and the certificate (issue 5, part 4): the cycle the
/// application is in, or, while it waits at the association, the cycle it would join if the
/// prefecture forwarded it today (an estimate).
async fn cycle_notice(
    conn: &mut sqlx::PgConnection,
    app: &Application,
    today: NaiveDate,
) -> AppResult<Option<String>> {
    if let Some(c) = store::assigned_cycle(conn, app.id).await? {
        let cycle = cycle_text(c.number, c.committee_date);
        return Ok(match app.status {
            Status::PrefectureApproved => Some(format!("{cycle}で審査されます。{AFTER_APPROVAL}")),
            Status::Approved if today < c.committee_date => Some(format!(
                "{cycle}の決定として認定されました（{}付け）。",
                format_jp_date(c.committee_date)
            )),
            Status::Approved => Some(format!("{cycle}で審査され、認定されました。")),
            Status::Rejected => Some(format!("{cycle}で審査されました。")),
            _ => None,
        });
    }
    if !matches!(app.status, Status::Submitted | Status::MunicipalReceived) {
        return Ok(None);
    }
    let cycles =
        crate::db::application_review::open_cycles(conn, app.prefecture_code, today).await?;
    let candidates: Vec<crate::domain::review::CycleCandidate> = cycles
        .iter()
        .map(|c| crate::domain::review::CycleCandidate {
            id: c.id,
            intake_deadline: c.intake_deadline,
            internal_deadline: c.internal_deadline,
        })
        .collect();
    let chosen = crate::domain::review::choose_cycle(&candidates, today);
    Ok(cycles.iter().find(|c| Some(c.id) == chosen).map(|c| {
        format!(
            "今日、都道府県医師会から日本医師会へ送られた場合、{}で審査される見込みです（目安）。{AFTER_APPROVAL}",
            cycle_text(c.number, c.committee_date)
        )
    }))
}

fn is_late(app: &Application, today: NaiveDate) -> bool {
    app.kind == "renewal" && app.valid_until.is_some_and(|u| today > u)
}

// ---------------------------------------------------------------------------------------------
// Who is asking.

/// The signed-in physician with a completed registration (None: not registered yet).
async fn my_physician(state: &AppState, ctx: &Ctx) -> AppResult<Option<Physician>> {
    let user = ctx.require(Action::ViewMyPage)?;
    let physician =
        db::physicians::for_account(&state.pool, user.id).await?.ok_or(AppError::NotFound)?;
    Ok(physician.registration_completed_at.is_some().then_some(physician))
}

pub(super) async fn registered(state: &AppState, ctx: &Ctx) -> AppResult<Physician> {
    my_physician(state, ctx).await?.ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// The list.

pub struct ApplicationRow {
    pub id: i64,
    pub programme: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub created: String,
    pub submitted: Option<String>,
}

pub struct ProgrammeRow {
    pub code: &'static str,
    pub label: &'static str,
    pub certificate: Option<String>,
    pub can_new: bool,
    pub can_renew: bool,
    pub open_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "applications/list.html")]
struct ListPage {
    layout: Layout,
    programmes: Vec<ProgrammeRow>,
    applications: Vec<ApplicationRow>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let today = ctx.now.date_naive();
    let mut conn = state.pool.acquire().await?;
    let applications = store::list_for_physician(&mut conn, physician.id).await?;
    let mut programmes = Vec::new();
    for p in Programme::ALL {
        let cert = store::current_certification(&mut conn, physician.id, p.code()).await?;
        let open = applications.iter().find(|a| a.programme == p.code() && !a.status.is_closed());
        programmes.push(ProgrammeRow {
            code: p.code(),
            label: p.label(),
            certificate: cert.as_ref().map(|c| {
                format!(
                    "認定証番号 {}（有効期間 {} ～ {}）",
                    c.certificate_number,
                    format_jp_date(c.valid_from),
                    format_jp_date(c.valid_until)
                )
            }),
            can_new: cert.as_ref().is_none_or(|c| c.valid_until < today),
            can_renew: cert.is_some(),
            open_id: open.map(|a| a.id),
        });
    }
    drop(conn);
    let page = ListPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        programmes,
        applications: applications
            .iter()
            .map(|a| ApplicationRow {
                id: a.id,
                programme: programme_label(&a.programme),
                kind: kind_label(&a.kind),
                status: a.status.label_for_physician(),
                created: jp_time(a.created_at),
                submitted: a.submitted_at.map(jp_time),
            })
            .collect(),
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------------
// Starting an application.

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub(crate) programme: String,
    #[serde(default)]
    pub(crate) kind: String,
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    receiving_association_id: String,
}

pub struct ReceiverOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
    /// Why this association receives it.
    pub reason: &'static str,
}

#[derive(Template)]
#[template(path = "applications/new.html")]
struct NewPage {
    layout: Layout,
    programme_code: &'static str,
    programme: &'static str,
    kind_code: &'static str,
    kind: &'static str,
    certificate: Option<String>,
    receivers: Vec<ReceiverOption>,
    error: Option<String>,
    open_id: Option<i64>,
}

fn parse_new(query: &NewQuery) -> AppResult<(Programme, &'static str)> {
    let programme = Programme::from_code(&query.programme).ok_or(AppError::NotFound)?;
    let kind = match query.kind.as_str() {
        "new" => "new",
        "renewal" => "renewal",
        _ => return Err(AppError::NotFound),
    };
    Ok((programme, kind))
}

/// Why this physician cannot start this application (None: they can).
fn refusal(
    kind: &str,
    cert: Option<&store::CurrentCertification>,
    today: NaiveDate,
) -> Option<String> {
    match (kind, cert) {
        ("renewal", None) => Some(
            "この区分の認定がないため、更新申請はできません。新規申請をしてください。".into(),
        ),
        ("new", Some(c)) if c.valid_until >= today => Some(format!(
            "この区分の認定（認定証番号 {}）が有効期間中のため、新規申請はできません。更新申請をしてください。",
            c.certificate_number
        )),
        _ => None,
    }
}

fn open_message(id: i64) -> String {
    format!(
        "この区分の申請（申請番号 {id}）がすでにあります。申請は区分ごとに1件ずつです。提出前の申請は、その申請の画面から続けるか、取り下げてから新しく作成してください。"
    )
}

/// The one association that receives the physician's application (`review::reception`): the
/// member's own municipal association where the prefecture uses municipal reception,
/// otherwise the prefectural association. `_selected` is what the form sent: the rule decides.
async fn receiver_options(
    conn: &mut sqlx::PgConnection,
    physician: &Physician,
    _selected: Option<i64>,
) -> AppResult<Vec<ReceiverOption>> {
    use crate::domain::review::{reception, Reception};
    let Some(prefecture) = physician.prefecture_code else {
        return Ok(Vec::new());
    };
    let receivers = store::receivers(conn, prefecture).await?;
    let uses_municipal = receivers.iter().any(|r| r.kind == "municipal");
    let own = store::member_association(conn, physician.id)
        .await?
        .filter(|o| receivers.iter().any(|r| r.id == *o && r.kind == "municipal"));
    let (route, reason) = reception(uses_municipal, physician.is_member, own);
    let chosen = match route {
        Reception::Municipal(id) => receivers.iter().find(|r| r.id == id),
        Reception::Prefectural => receivers.iter().find(|r| r.kind == "prefectural"),
    };
    Ok(chosen
        .map(|r| ReceiverOption { selected: true, id: r.id, name: r.name.clone(), reason })
        .into_iter()
        .collect())
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    physician: &Physician,
    query: &NewQuery,
    error: Option<String>,
    open_id: Option<i64>,
    status: StatusCode,
) -> AppResult<Response> {
    let (programme, kind) = parse_new(query)?;
    let today = ctx.now.date_naive();
    let mut conn = state.pool.acquire().await?;
    let cert = store::current_certification(&mut conn, physician.id, programme.code()).await?;
    let error = error.or_else(|| refusal(kind, cert.as_ref(), today));
    let error = error.or_else(|| {
        physician.prefecture_code.is_none().then(|| {
            "登録情報に都道府県がないため申請できません。登録情報を確認してください。".into()
        })
    });
    let receivers = receiver_options(&mut conn, physician, None).await?;
    drop(conn);
    let page = NewPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        programme_code: programme.code(),
        programme: programme.label(),
        kind_code: kind,
        kind: kind_label(kind),
        certificate: cert.filter(|_| kind == "renewal").map(|c| {
            format!(
                "認定証番号 {}（有効期間 {} ～ {}）",
                c.certificate_number,
                format_jp_date(c.valid_from),
                format_jp_date(c.valid_until)
            )
        }),
        receivers,
        error,
        open_id,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<NewQuery>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    new_page(&state, &ctx, &physician, &query, None, None, StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<NewQuery>,
    Form(form): Form<NewForm>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let (programme, kind) = parse_new(&query)?;
    let today = ctx.now.date_naive();
    let mut tx = state.pool.begin().await?;
    let cert = store::current_certification(&mut tx, physician.id, programme.code()).await?;
    let refused = refusal(kind, cert.as_ref(), today);
    let Some(prefecture) = physician.prefecture_code else {
        drop(tx);
        return new_page(
            &state,
            &ctx,
            &physician,
            &query,
            None,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if let Some(message) = refused {
        drop(tx);
        return new_page(
            &state,
            &ctx,
            &physician,
            &query,
            Some(message),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let chosen = form.receiving_association_id.trim().parse::<i64>().ok();
    let receivers = receiver_options(&mut tx, &physician, chosen).await?;
    let Some(receiver) = receivers.iter().find(|r| r.selected).map(|r| r.id) else {
        return Err(AppError::BadRequest("受付先の医師会が見つかりません。".into()));
    };
    let created = store::create(
        &mut tx,
        &store::NewApplication {
            physician_id: physician.id,
            programme: programme.code(),
            kind,
            certification_id: cert.as_ref().filter(|_| kind == "renewal").map(|c| c.id),
            prefecture_code: prefecture,
            receiving_association_id: receiver,
        },
        ctx.now,
    )
    .await?;
    let Some(id) = created else {
        drop(tx);
        let mut conn = state.pool.acquire().await?;
        let open = store::list_for_physician(&mut conn, physician.id)
            .await?
            .into_iter()
            .find(|a| a.programme == programme.code() && !a.status.is_closed())
            .map(|a| a.id);
        drop(conn);
        return new_page(
            &state,
            &ctx,
            &physician,
            &query,
            Some(open_message(open.unwrap_or_default())),
            open,
            StatusCode::CONFLICT,
        )
        .await;
    };
    store::add_event(
        &mut tx,
        id,
        ctx.who().actor_account_id,
        "physician",
        "created",
        None,
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "application.create",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "physician_id": physician.id,
                "programme": programme.code(),
                "kind": kind,
                "certification_id": cert.as_ref().filter(|_| kind == "renewal").map(|c| c.id),
                "receiving_association_id": receiver,
                "status": "draft",
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash("申請を作成しました。内容を入力し、要件を満たしたら提出してください。").await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

// ---------------------------------------------------------------------------------------------
// The application page.

pub struct RuleView {
    pub label: String,
    pub required: Option<String>,
    pub counted: Option<String>,
    pub met: bool,
    pub shortfall: Option<String>,
    pub note: Option<String>,
}

fn rule_view(r: &Rule) -> RuleView {
    RuleView {
        label: r.label.clone(),
        required: r.required.map(|u| format!("{}単位", units_text(u))),
        counted: r.counted.map(|u| format!("{}単位", units_text(u))),
        met: r.met,
        shortfall: match (r.required, r.counted) {
            (Some(req), Some(got)) if got < req => {
                Some(format!("あと{}単位", units_text(req - got)))
            }
            _ => None,
        },
        note: r.note.clone(),
    }
}

pub struct DeclaredView {
    pub id: i64,
    pub category: &'static str,
    pub format: &'static str,
    pub units: String,
    pub date: String,
    pub source: &'static str,
    pub note: String,
    /// Dated outside the validity period of the term renewed: shown, not counted.
    pub outside: bool,
    /// Its certificate's upload, where each declared certificate needs one (sports): Some(true)
    /// uploaded, Some(false) still missing; None where no upload per row is asked.
    pub evidenced: Option<bool>,
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub href: String,
    pub uploaded: String,
}

pub struct EventView {
    pub at: String,
    pub who: String,
    pub action: String,
    pub comment: Option<String>,
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Default, Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) format: String,
    #[serde(default)]
    pub(crate) units: String,
    #[serde(default)]
    pub(crate) attended_on: String,
    #[serde(default)]
    pub(crate) source: String,
    #[serde(default)]
    pub(crate) note: String,
}

#[derive(Default, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    pub(crate) route: String,
    #[serde(default)]
    pub(crate) route_document_date: String,
    #[serde(default)]
    pub(crate) receiving_association_id: String,
    #[serde(default)]
    pub(crate) late_reason: String,
    #[serde(default)]
    pub(crate) practical_activity: String,
    #[serde(default)]
    pub(crate) exemption: String,
}

/// The page's errors, keyed by the id of the control (or section heading) they concern: shown
/// beside it and summarised at the top of the page.
pub(super) type Errors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "applications/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    programme: &'static str,
    kind: &'static str,
    status: &'static str,
    editable: bool,
    certificate: Option<String>,
    receiver: String,
    return_comment: Option<String>,
    submitted: Option<String>,
    /// What comes after submission: the fee as the prefecture instructs, and for declared 手帳
    /// credits where to mail the original.
    fee_instructions: String,
    handbook_address: Option<String>,
    cycle: Option<String>,
    met: bool,
    rules: Vec<RuleView>,
    portal_count: usize,
    declared: Vec<DeclaredView>,
    files: Vec<FileView>,
    events: Vec<EventView>,
    categories: Vec<Choice>,
    formats: Vec<Choice>,
    sources: Vec<Choice>,
    credit_form: CreditForm,
    cut_over: String,
    routes: Vec<Choice>,
    route_document_date: String,
    show_route_date: bool,
    receivers: Vec<ReceiverOption>,
    late: bool,
    late_reason: String,
    needs_practical: bool,
    practical_activity: String,
    /// Sports new by exemption: the four to choose from.
    exemptions: Vec<Choice>,
    /// The attendance date typed in 和暦, read back in the Western calendar.
    attended_echo: Option<String>,
    /// Declared certificates each need their own upload (sports).
    needs_upload: bool,
    errors: Errors,
}

/// Loads the physician's own application (404 for anyone else's).
pub(super) async fn own_application(
    conn: &mut sqlx::PgConnection,
    physician: &Physician,
    id: i64,
) -> AppResult<Application> {
    store::get(conn, id).await?.filter(|a| a.physician_id == physician.id).ok_or(AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    physician: &Physician,
    id: i64,
    credit_form: CreditForm,
    details: Option<DetailsForm>,
    errors: Errors,
    status_code: StatusCode,
) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    let mut conn = state.pool.acquire().await?;
    let app = own_application(&mut conn, physician, id).await?;
    let portal = store::portal_credits(&mut conn, physician.id, &app.programme).await?;
    let declared = store::declared_credits(&mut conn, id).await?;
    let files = store::files(&mut conn, id).await?;
    let events = store::events(&mut conn, id).await?;
    let cycle = cycle_notice(&mut conn, &app, today).await?;
    let details = details.unwrap_or_else(|| DetailsForm {
        route: app.route.clone(),
        route_document_date: app.route_document_date.map(|d| d.to_string()).unwrap_or_default(),
        receiving_association_id: app.receiving_association_id.to_string(),
        late_reason: app.late_reason.clone().unwrap_or_default(),
        practical_activity: app.practical_activity.clone().unwrap_or_default(),
        exemption: app.exemption.clone().unwrap_or_default(),
    });
    let receivers = receiver_options(
        &mut conn,
        physician,
        details.receiving_association_id.trim().parse().ok(),
    )
    .await?;
    let checked = crate::app::checks::application_with(&mut conn, id, today, &portal, &declared)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let outcome = checked.outcome;
    let programme = Programme::from_code(&app.programme).unwrap_or(Programme::Occupational);
    let categories = programme
        .categories()
        .into_iter()
        .filter(|c| {
            if app.kind == "renewal" {
                !c.is_basic() && *c != Category::SportsEarly && *c != Category::SportsLate
            } else {
                c.is_basic() || matches!(c, Category::SportsEarly | Category::SportsLate)
            }
        })
        .map(|c| Choice {
            code: c.code(),
            label: c.label(),
            selected: credit_form.category == c.code(),
        })
        .collect();
    let formats = [Format::InPerson, Format::Web]
        .into_iter()
        .map(|f| Choice {
            code: f.code(),
            label: f.label(),
            selected: credit_form.format == f.code()
                || (credit_form.format.is_empty() && f == Format::InPerson),
        })
        .collect();
    let sources = [("handbook", "手帳（シール）"), ("certificate", "修了証（紙・PDF）")]
        .into_iter()
        .filter(|(code, _)| programme.declared_sources().contains(code))
        .map(|(code, label)| Choice {
            code,
            label,
            selected: credit_form.source == code
                || (credit_form.source.is_empty() && code == programme.declared_sources()[0]),
        })
        .collect();
    let exemptions = if app.programme == "sports" && app.kind == "new" {
        Exemption::ALL
            .into_iter()
            .map(|e| Choice {
                code: e.code(),
                label: e.label(),
                selected: details.exemption == e.code(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let needs_upload = programme.declared_needs_upload();
    let allowed = routes_for(&app.programme, &app.kind);
    let routes = allowed
        .iter()
        .map(|r| Choice { code: r, label: route_label(r), selected: details.route == *r })
        .collect();
    let page = ShowPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        id,
        programme: programme.label(),
        kind: kind_label(&app.kind),
        status: app.status.label_for_physician(),
        editable: app.editable(),
        certificate: app.certificate_number.as_ref().map(|n| {
            format!(
                "認定証番号 {}（有効期間 {} ～ {}）",
                n,
                app.valid_from.map(format_jp_date).unwrap_or_default(),
                app.valid_until.map(format_jp_date).unwrap_or_default()
            )
        }),
        receiver: app.receiving_association_name.clone(),
        return_comment: (app.status() == Status::Returned)
            .then(|| app.return_comment.clone())
            .flatten(),
        submitted: app.submitted_at.map(jp_time),
        fee_instructions: app
            .fee_instructions
            .clone()
            .unwrap_or_else(|| "支払い方法は都道府県医師会からご案内します。".into()),
        handbook_address: declared.iter().any(|c| c.source == "handbook").then(|| {
            app.mailing_address
                .clone()
                .unwrap_or_else(|| "送り先は都道府県医師会からご案内します。".into())
        }),
        cycle,
        met: outcome.met,
        rules: outcome.rules.iter().map(rule_view).collect(),
        portal_count: portal.len(),
        declared: declared
            .iter()
            .map(|c| DeclaredView {
                id: c.id,
                category: Category::from_code(&c.category).map(Category::label).unwrap_or("不明"),
                format: Format::from_code(&c.format).map(Format::label).unwrap_or("不明"),
                units: units_text(c.units),
                date: format_jp_date(c.attended_on),
                source: source_label(&c.source),
                note: c.note.clone().unwrap_or_default(),
                outside: app.kind == "renewal"
                    && app
                        .valid_from
                        .zip(app.valid_until)
                        .is_some_and(|(f, u)| c.attended_on < f || c.attended_on > u),
                evidenced: needs_upload.then_some(c.evidenced),
            })
            .collect(),
        files: files
            .iter()
            .map(|f| FileView {
                id: f.id,
                name: f.file_name.clone(),
                size: if f.size_bytes >= 1024 * 1024 {
                    format!("{:.1}MB", f64::from(f.size_bytes) / 1024.0 / 1024.0)
                } else {
                    format!("{}KB", (f.size_bytes + 1023) / 1024)
                },
                href: format!("/mypage/applications/{id}/files/{}", f.id),
                uploaded: jp_time(f.uploaded_at),
            })
            .collect(),
        events: events
            .iter()
            .map(|e| EventView {
                at: jp_time(e.at),
                who: match &e.actor_name {
                    Some(n) => format!("{}（{}）", tier_label(&e.tier), n),
                    None => tier_label(&e.tier).to_string(),
                },
                action: crate::domain::application_event::label_of(&e.action),
                comment: e.comment.clone(),
            })
            .collect(),
        categories,
        formats,
        sources,
        attended_echo: crate::domain::era::western_echo(&credit_form.attended_on),
        credit_form,
        cut_over: format_jp_date(cut_over(state)),
        routes,
        show_route_date: allowed.contains(&"university"),
        route_document_date: details.route_document_date,
        receivers,
        late: is_late(&app, today),
        late_reason: details.late_reason,
        needs_practical: app.programme == "sports" && app.kind == "renewal",
        practical_activity: details.practical_activity,
        exemptions,
        needs_upload,
        errors,
    };
    Ok((status_code, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    show_page(
        &state,
        &ctx,
        &physician,
        id,
        CreditForm::default(),
        None,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// Opens a transaction with the physician's own application locked, editable or not.
pub(super) async fn lock_own(
    state: &AppState,
    physician: &Physician,
    id: i64,
) -> AppResult<(sqlx::Transaction<'static, sqlx::Postgres>, Application)> {
    let mut tx = state.pool.begin().await?;
    let app =
        store::get_own_for_update(&mut tx, id, physician.id).await?.ok_or(AppError::NotFound)?;
    Ok((tx, app))
}

pub(super) const NOT_EDITABLE: &str =
    "この申請は提出済みのため変更できません。差し戻された場合は、修正して再提出できます。";

pub async fn save_details(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DetailsForm>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let today = ctx.now.date_naive();
    let (mut tx, app) = lock_own(&state, &physician, id).await?;
    let mut errors = Errors::default();
    if !app.editable() {
        errors.add("details-heading", NOT_EDITABLE);
    }
    let allowed = routes_for(&app.programme, &app.kind);
    let route = allowed.iter().copied().find(|r| *r == form.route.trim()).unwrap_or("credits");
    let route_date = if route == "university" {
        match parse_date(&form.route_document_date) {
            Some(d) if d > today => {
                errors.add("route_document_date", "修了認定証の日付が未来になっています。");
                None
            }
            Some(d) => Some(d),
            None => {
                errors.add(
                    "route_document_date",
                    "修了認定証の日付を「2022-03-31」（または令和4年3月31日）のように入力してください。",
                );
                None
            }
        }
    } else {
        None
    };
    let receiver = receiver_options(&mut tx, &physician, None).await?.first().map(|r| r.id);
    if receiver.is_none() {
        errors.add(
            "details-heading",
            "受付先の医師会が見つかりません。登録情報の都道府県を確認してください。",
        );
    }
    let late_reason = form.late_reason.trim().replace("\r\n", "\n");
    let practical = form.practical_activity.trim().replace("\r\n", "\n");
    if late_reason.chars().count() > MAX_TEXT {
        errors.add("late_reason", "遅延理由書は4,000文字以内で入力してください。");
    }
    if practical.chars().count() > MAX_TEXT {
        errors.add("practical_activity", "実践活動の記録は4,000文字以内で入力してください。");
    }
    let exemption = Exemption::from_code(form.exemption.trim());
    if route == "sports_exemption" && exemption.is_none() {
        errors.add("exemption", "免除の資格を4つのうちから選んでください。");
    }
    let exemption = exemption.filter(|_| route == "sports_exemption");
    let (Some(receiver), true) = (receiver, errors.is_empty()) else {
        drop(tx);
        return show_page(
            &state,
            &ctx,
            &physician,
            id,
            CreditForm::default(),
            Some(form),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let late_reason = (is_late(&app, today) && !late_reason.is_empty()).then_some(late_reason);
    let practical = (app.programme == "sports" && app.kind == "renewal" && !practical.is_empty())
        .then_some(practical);
    store::update_details(
        &mut tx,
        id,
        &store::Details {
            route,
            route_document_date: route_date,
            receiving_association_id: receiver,
            late_reason: late_reason.as_deref(),
            practical_activity: practical.as_deref(),
            exemption: exemption.map(Exemption::code),
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "application.update",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: Some(json!({
                "route": app.route,
                "route_document_date": app.route_document_date,
                "receiving_association_id": app.receiving_association_id,
                "late_reason": app.late_reason,
                "practical_activity": app.practical_activity,
                "exemption": app.exemption,
            })),
            after: Some(json!({
                "route": route,
                "route_document_date": route_date,
                "receiving_association_id": receiver,
                "late_reason": late_reason,
                "exemption": exemption.map(Exemption::code),
                "practical_activity": practical,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash("申請の内容を保存しました。").await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

/// A credit the physician declares by hand (from the handbook or a certificate), as accepted.
#[derive(Debug)]
pub(crate) struct DeclaredCredit {
    pub category: Category,
    pub format: Format,
    pub units: Decimal,
    pub attended_on: NaiveDate,
    pub source: &'static str,
    pub note: Option<String>,
}

/// The credit form of an application in `programme`: every problem, in the order of the form.
pub(crate) fn parse_credit(
    form: &CreditForm,
    programme: &str,
    cut_over: NaiveDate,
    today: NaiveDate,
) -> Result<DeclaredCredit, Errors> {
    let mut errors = Errors::default();
    let category =
        Category::from_code(form.category.trim()).filter(|c| c.programme().code() == programme);
    if category.is_none() {
        errors.add("category", "研修の区分を選んでください。");
    }
    let format = Format::from_code(form.format.trim());
    if format.is_none() {
        errors.add("format", "形式（対面・Web）を選んでください。");
    }
    // A course's completion certificate carries no units to type: record it as 1.
    let units = if category.is_some_and(Category::is_course) && form.units.trim().is_empty() {
        Some(rust_decimal::Decimal::ONE)
    } else {
        parse_units(&form.units).map_err(|e| errors.add("units", e)).ok()
    };
    let date = match parse_date(&form.attended_on) {
        None => {
            errors.add(
                "attended_on",
                "受講日を「2024-05-10」または「令和6年5月10日」のように入力してください。",
            );
            None
        }
        Some(d) if d >= cut_over => {
            errors.add(
                "attended_on",
                format!(
                    "{}以降に開催された研修会の単位はポータルに登録されるため、ここには入力しません。",
                    format_jp_date(cut_over)
                ),
            );
            None
        }
        Some(d) if d > today => {
            errors.add("attended_on", "受講日が未来の日付になっています。");
            None
        }
        Some(d) => Some(d),
    };
    let sources = Programme::from_code(programme).map(Programme::declared_sources).unwrap_or(&[]);
    let source = match sources.iter().find(|s| **s == form.source.trim()) {
        Some(s) => Some(*s),
        None if programme == Programme::Sports.code() => {
            errors.add("source", "健康スポーツ医の研修は、手帳ではなく修了証で入力してください。");
            None
        }
        None => {
            errors.add("source", "記録の種類（手帳・修了証）を選んでください。");
            None
        }
    };
    let note = form.note.trim().to_string();
    if note.chars().count() > 200 {
        errors.add("note", "研修会名・メモは200文字以内で入力してください。");
    }
    match (category, format, units, date, source, errors.is_empty()) {
        (Some(category), Some(format), Some(units), Some(attended_on), Some(source), true) => {
            Ok(DeclaredCredit {
                category,
                format,
                units,
                attended_on,
                source,
                note: (!note.is_empty()).then_some(note),
            })
        }
        _ => Err(errors),
    }
}

pub async fn add_credit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CreditForm>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let today = ctx.now.date_naive();
    let (mut tx, app) = lock_own(&state, &physician, id).await?;
    let mut errors = Errors::default();
    if !app.editable() {
        errors.add("declared-heading", NOT_EDITABLE);
    }
    let credit = parse_credit(&form, &app.programme, cut_over(&state), today)
        .map_err(|e| errors.merge(e))
        .ok();
    if store::declared_credits(&mut tx, id).await?.len() >= MAX_DECLARED {
        errors.add("declared-heading", "入力できる件数の上限に達しました。");
    }
    let (Some(credit), true) = (credit, errors.is_empty()) else {
        drop(tx);
        return show_page(
            &state,
            &ctx,
            &physician,
            id,
            form,
            None,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let DeclaredCredit { category, format, units, attended_on: date, source, note } = credit;
    let credit_id = store::add_declared_credit(
        &mut tx,
        id,
        &store::NewDeclaredCredit {
            category: category.code(),
            format: format.code(),
            units,
            attended_on: date,
            source,
            note: note.as_deref(),
        },
    )
    .await?;
    store::touch(&mut tx, id, ctx.now).await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "application.declare_credit",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "declared_credit_id": credit_id,
                "category": category.code(),
                "format": format.code(),
                "units": units,
                "attended_on": date,
                "source": source,
                "note": note,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    // A 和暦 date is echoed in the Western calendar it was stored as.
    let typed = form.attended_on.trim();
    let notice = if !typed.is_ascii() || typed.starts_with(char::is_alphabetic) {
        format!(
            "単位を追加しました（受講日「{typed}」を{}として登録しました）。",
            format_jp_date(date)
        )
    } else {
        "単位を追加しました。".to_string()
    };
    ctx.flash(&notice).await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

pub async fn remove_credit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, credit_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let (mut tx, app) = lock_own(&state, &physician, id).await?;
    if !app.editable() {
        return Err(AppError::Conflict(NOT_EDITABLE.into()));
    }
    if !store::remove_declared_credit(&mut tx, id, credit_id).await? {
        return Err(AppError::NotFound);
    }
    store::touch(&mut tx, id, ctx.now).await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "application.remove_credit",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: Some(json!({"declared_credit_id": credit_id})),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash("単位を削除しました。").await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

// ---------------------------------------------------------------------------------------------
// Submit and withdraw.

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let today = ctx.now.date_naive();
    let (mut tx, app) = lock_own(&state, &physician, id).await?;
    if let Err(why) = application::transition(app.state(), Actor::Physician, Event::Submit) {
        drop(tx);
        let errors = Errors::one("check-heading", why);
        return show_page(
            &state,
            &ctx,
            &physician,
            id,
            CreditForm::default(),
            None,
            errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let outcome = crate::app::checks::application(&mut tx, id, today)
        .await?
        .ok_or(AppError::NotFound)?
        .outcome;
    let declared = store::declared_credits(&mut tx, id).await?;
    let files = store::files(&mut tx, id).await?;
    if !outcome.met {
        drop(tx);
        let mut errors = Errors::default();
        outcome
            .rules
            .iter()
            .filter(|r| !r.met)
            .map(|r| {
                let v = rule_view(r);
                let mut text = r.label.clone();
                if let (Some(req), Some(got)) = (&v.required, &v.counted) {
                    text.push_str(&format!("：必要 {req}、算入 {got}"));
                }
                if let Some(s) = &v.shortfall {
                    text.push_str(&format!("（{s}）"));
                }
                if let Some(n) = &v.note {
                    text.push_str(&format!("　{n}"));
                }
                text
            })
            .for_each(|text| errors.push("check-heading", text));
        return show_page(
            &state,
            &ctx,
            &physician,
            id,
            CreditForm::default(),
            None,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let resubmission = app.status() == Status::Returned;
    let status = status_on_submit(&app);
    store::submit(&mut tx, id, status, ctx.now).await?;
    store::add_event(
        &mut tx,
        id,
        ctx.who().actor_account_id,
        "physician",
        if resubmission { "resubmitted" } else { "submitted" },
        None,
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: if resubmission { "application.resubmit" } else { "application.submit" },
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: Some(json!({"status": app.status})),
            after: Some(json!({
                "status": status,
                "programme": app.programme,
                "kind": app.kind,
                "declared_credits": declared.len(),
                "files": files.len(),
            })),
        },
    )
    .await?;
    let email = ctx.user.as_ref().and_then(|u| u.email.clone());
    if let Some(email) = &email {
        let message = crate::mail::messages::physician::ApplicationSubmitted {
            name: physician.kanji_name.clone(),
            application_id: id,
            programme: programme_label(&app.programme).to_string(),
            kind: kind_label(&app.kind).to_string(),
            receiving: app.receiving_association_name.clone(),
            submitted_at: format_jp_datetime(ctx.now),
            mail_handbook: app.programme == "occupational" && !declared.is_empty(),
            sig: crate::mail::Signature::portal_for(
                app.receiving_association_name.clone(),
                "申請の受付のお知らせ",
            ),
        };
        crate::mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    if email.is_some() {
        state.mail_notify.notify_one();
    }
    ctx.flash("申請を提出しました。受付のお知らせをメールでお送りしました。").await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

#[derive(Template)]
#[template(path = "applications/withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    id: i64,
    programme: &'static str,
    kind: &'static str,
    declared: usize,
    files: usize,
}

/// Withdrawing loses the declared credits and files: it is confirmed on a page of its own.
pub async fn withdraw_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let mut conn = state.pool.acquire().await?;
    let app = own_application(&mut conn, &physician, id).await?;
    if let Err(why) = application::transition(app.state(), Actor::Physician, Event::Withdraw) {
        return Err(AppError::Conflict(why.into()));
    }
    let page = WithdrawPage {
        layout: ctx.layout(),
        id,
        programme: programme_label(&app.programme),
        kind: kind_label(&app.kind),
        declared: store::declared_credits(&mut conn, id).await?.len(),
        files: store::files(&mut conn, id).await?.len(),
    };
    render(&page)
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let (mut tx, app) = lock_own(&state, &physician, id).await?;
    if let Err(why) = application::transition(app.state(), Actor::Physician, Event::Withdraw) {
        return Err(AppError::Conflict(why.into()));
    }
    store::withdraw(&mut tx, id, ctx.now).await?;
    store::add_event(
        &mut tx,
        id,
        ctx.who().actor_account_id,
        "physician",
        "withdrawn",
        None,
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "application.withdraw",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: Some(json!({"status": app.status})),
            after: Some(json!({"status": "withdrawn"})),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash("申請を取り下げました。").await?;
    Ok(see_other("/mypage/applications"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_as_typed() {
        assert_eq!(parse_units("1.5"), Ok(Decimal::new(15, 1)));
        assert_eq!(parse_units("１８"), Ok(Decimal::from(18)));
        assert!(parse_units("0").is_err());
        assert!(parse_units("1.25").is_err());
        assert!(parse_units("abc").is_err());
        assert!(parse_units("1000").is_err());
    }
}
