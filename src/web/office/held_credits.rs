//! Held credits, resolved (issue 10, part 2). A credit whose 医籍登録番号 matches a registered
//! physician but whose birth date does not is held, never attached silently (DOMAIN §5). The
//! approving prefecture's staff (and JMA) see each held attendee beside the physician it nearly
//! matches and attach it (audited, mailed to the physician) or reject it with a reason that
//! the organizer reads on the work page, so that the row can be corrected.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::{audit, held_credits};
use crate::domain::category::Category;
use crate::domain::credit_match::MatchStatus;
use crate::domain::policy::{self, allows, Action, List, SeminarTarget};
use crate::error::{AppError, AppResult};
use crate::mail::messages::{acting_for, physician::HeldCreditsLinked};
use crate::mail::{self, Signature};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

/// Held attendees per page of the queue (each is a card with two forms).
pub const PER_PAGE: i64 = 50;
const REASON_MAX: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/held-credits", get(queue))
        .route("/office/held-credits/{seminar_id}/{registry_number}/attach", post(attach))
        .route("/office/held-credits/{seminar_id}/{registry_number}/reject", post(reject))
}

/// Whose held credits a staff member resolves: Some(prefecture) for prefectural staff, None
/// (all) for JMA; anyone else has none.
fn scope(ctx: &Ctx) -> AppResult<Option<i16>> {
    let user = ctx.require(Action::ViewOffice)?;
    let scope = policy::scope(&user.actor(), List::SeminarFollowUp);
    scope.prefecture_filter().ok_or(AppError::Forbidden)
}

fn units_text(units: &str) -> String {
    units
        .split(',')
        .filter_map(|pair| {
            let (code, value) = pair.split_once('=')?;
            let value = value.parse::<rust_decimal::Decimal>().ok()?.normalize();
            Some(format!("{} {}単位", Category::from_code(code)?.label(), value))
        })
        .collect::<Vec<_>>()
        .join("、")
}

pub struct HeldView {
    pub seminar_id: i64,
    pub seminar: String,
    pub seminar_date: String,
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub units: String,
    pub physician: Option<PhysicianView>,
}

pub struct PhysicianView {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
}

#[derive(Template)]
#[template(path = "office/held/list.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<HeldView>,
    error: Option<(i64, String, String)>,
    page: i64,
    pages: i64,
    total: i64,
    first: i64,
    last: i64,
}

/// The queue's page number, in the query string and in each decision form (so that a decision
/// returns to the page it was taken on).
#[derive(Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

fn queue_url(page: i64) -> String {
    if page > 1 {
        format!("/office/held-credits?page={page}")
    } else {
        "/office/held-credits".to_string()
    }
}

async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    prefecture: Option<i16>,
    page: Option<i64>,
    error: Option<(i64, String, String)>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let total = held_credits::queue_count(&mut conn, prefecture).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = page.unwrap_or(1).clamp(1, pages);
    let offset = (page - 1) * PER_PAGE;
    let rows = held_credits::queue(&mut conn, prefecture, PER_PAGE, offset).await?;
    drop(conn);
    let rows: Vec<HeldView> = rows
        .into_iter()
        .map(|h| HeldView {
            seminar_id: h.seminar_id,
            seminar: h.seminar_title,
            seminar_date: format_jp_date(h.starts_on),
            registry_number: h.registry_number,
            kanji_name: h.kanji_name,
            furigana: h.furigana,
            birth_date: h.birth_date.format("%Y-%m-%d").to_string(),
            units: units_text(&h.units),
            physician: match (h.physician_name, h.physician_furigana, h.physician_birth_date) {
                (Some(kanji_name), Some(furigana), Some(birth)) => Some(PhysicianView {
                    kanji_name,
                    furigana,
                    birth_date: birth.format("%Y-%m-%d").to_string(),
                }),
                _ => None,
            },
        })
        .collect();
    let failed = error.is_some();
    let view = QueuePage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        first: if rows.is_empty() { 0 } else { offset + 1 },
        last: offset + rows.len() as i64,
        rows,
        error,
        page,
        pages,
        total,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&view)?).into_response())
}

async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let prefecture = scope(&ctx)?;
    queue_page(&state, &ctx, prefecture, query.page, None).await
}

/// The held attendee, locked, if this staff member may decide it.
async fn held_for_decision(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    seminar_id: i64,
    registry_number: &str,
) -> AppResult<held_credits::HeldCredit> {
    let user = ctx.require(Action::ViewOffice)?;
    let held = held_credits::held_for_update(tx, seminar_id, registry_number)
        .await?
        .ok_or_else(|| AppError::Conflict("この単位は、すでに確認が済んでいます。".into()))?;
    let target = SeminarTarget {
        organizer_association_id: None,
        approving_prefecture_code: held.approving_prefecture_code,
    };
    if !allows(&user.actor(), Action::ManageSeminar(target)) {
        return Err(AppError::Forbidden);
    }
    Ok(held)
}

async fn attach(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((seminar_id, registry_number)): Path<(i64, String)>,
    Form(back): Form<PageQuery>,
) -> AppResult<Response> {
    scope(&ctx)?;
    let user_id = ctx.require(Action::ViewOffice)?.id;
    let mut tx = state.pool.begin().await?;
    let held = held_for_decision(&mut tx, &ctx, seminar_id, &registry_number).await?;
    let Some(physician_id) = held.physician_id else {
        return Err(AppError::Conflict(
            "この医籍登録番号の医師は、MAMISに登録されていません。".into(),
        ));
    };
    let count =
        held_credits::attach(&mut tx, seminar_id, &registry_number, physician_id, user_id, ctx.now)
            .await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "credits.held_attach",
            entity_type: "seminar",
            entity_id: Some(seminar_id.to_string()),
            before: Some(json!({
                "registry_number": registry_number,
                "match_status": MatchStatus::BirthDateMismatch,
                "credit_birth_date": held.birth_date,
                "physician_birth_date": held.physician_birth_date,
            })),
            after: Some(json!({
                "match_status": MatchStatus::Matched,
                "physician_id": physician_id,
                "credits": count,
            })),
        },
    )
    .await?;
    if let Some(email) = &held.physician_email {
        let sig = Signature::by(acting_for(ctx.user.as_ref()), "確認中だった単位の反映のお知らせ");
        let message = HeldCreditsLinked {
            name: held.physician_name.clone().unwrap_or_default(),
            seminar_title: held.seminar_title.clone(),
            seminar_date: format_jp_date(held.starts_on),
            registered_birth_date: held.birth_date.format("%Y-%m-%d").to_string(),
            units: units_text(&held.units),
            sig,
        };
        mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "{}さん（医籍登録番号 {}）の単位を紐付けました（{} 件）。",
        held.kanji_name, registry_number, count
    ))
    .await?;
    Ok(see_other(&queue_url(back.page.unwrap_or(1))))
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    page: Option<i64>,
}

async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((seminar_id, registry_number)): Path<(i64, String)>,
    Form(form): Form<RejectForm>,
) -> AppResult<Response> {
    let prefecture = scope(&ctx)?;
    let user_id = ctx.require(Action::ViewOffice)?.id;
    let reason = form.reason.trim().to_string();
    let problem = if reason.is_empty() {
        Some("見送る理由を入力してください（主催者の作業ページに表示します）。")
    } else if reason.chars().count() > REASON_MAX {
        Some("理由は500文字以内で入力してください。")
    } else {
        None
    };
    if let Some(message) = problem {
        let error = Some((seminar_id, registry_number, message.to_string()));
        return queue_page(&state, &ctx, prefecture, form.page, error).await;
    }
    let mut tx = state.pool.begin().await?;
    let held = held_for_decision(&mut tx, &ctx, seminar_id, &registry_number).await?;
    let count =
        held_credits::reject(&mut tx, seminar_id, &registry_number, &reason, user_id, ctx.now)
            .await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "credits.held_reject",
            entity_type: "seminar",
            entity_id: Some(seminar_id.to_string()),
            before: Some(json!({
                "registry_number": registry_number,
                "match_status": MatchStatus::BirthDateMismatch,
                "credit_birth_date": held.birth_date,
                "physician_birth_date": held.physician_birth_date,
            })),
            after: Some(json!({ "match_status": MatchStatus::Rejected, "reason": reason, "credits": count })),
        },
    )
    .await?;
    let message =
        rejection_mail(&held, &reason, crate::mail::messages::acting_for(ctx.user.as_ref()));
    crate::mail::messages::queue(&mut tx, &held.contact_email, &message, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "{}さん（医籍登録番号 {}）の単位の紐付けを見送りました。理由は主催者の作業ページに表示し、研修会の連絡先にメールでお知らせしました。",
        held.kanji_name, registry_number
    ))
    .await?;
    Ok(see_other(&queue_url(form.page.unwrap_or(1))))
}

/// The organizer's mail: which attendee, why, and what to do. The work-page URL is not in it
/// (only its hash is stored); the organizer opens the page from the URL already received.
fn rejection_mail(
    held: &held_credits::HeldCredit,
    reason: &str,
    association: String,
) -> crate::mail::messages::organizer::HeldCreditsRejected {
    crate::mail::messages::organizer::HeldCreditsRejected {
        contact_name: held.contact_name.clone(),
        seminar_title: held.seminar_title.clone(),
        seminar_date: format_jp_date(held.starts_on),
        attendee_name: held.kanji_name.clone(),
        attendee_kana: held.furigana.clone(),
        registry_number: held.registry_number.clone(),
        registered_birth_date: held.birth_date.format("%Y-%m-%d").to_string(),
        units: units_text(&held.units),
        reason: reason.to_string(),
        sig: crate::mail::messages::Signature::by(
            association,
            "受講者の単位の紐付けの見送りのお知らせ",
        ),
    }
}

/// The my page's 「確認中の単位があります」: each seminar as 「研修会名（2025年4月5日）」.
pub async fn held_lines(state: &AppState, physician_id: i64) -> AppResult<Vec<String>> {
    let mut conn = state.pool.acquire().await?;
    let rows = held_credits::held_for_physician(&mut conn, physician_id).await?;
    Ok(held_line_texts(rows))
}

/// 「研修会名（2025年6月1日）」 for each seminar with held credits.
pub fn held_line_texts(rows: Vec<held_credits::HeldSeminar>) -> Vec<String> {
    rows.into_iter().map(|s| format!("{}（{}）", s.title, format_jp_date(s.starts_on))).collect()
}
