//! Held credits, resolved (issue 10, part 2). A credit whose 医籍登録番号 matches a registered
//! physician but whose birth date does not is held, never attached silently (DOMAIN §5). The
//! approving prefecture's staff (and JMA) see each held attendee beside the physician it nearly
//! matches and attach it (audited, mailed to the physician) or reject it with a reason that
//! the organizer reads on the work page, so that the row can be corrected.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::{self, audit, held_credits};
use crate::domain::category::Category;
use crate::domain::policy::{allows, Action, SeminarTarget};
use crate::domain::role::{AssociationKind, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

const SHOWN: i64 = 200;
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
    let own = user
        .association
        .as_ref()
        .filter(|a| a.kind == AssociationKind::Prefectural)
        .and_then(|a| a.prefecture_code);
    let probe = SeminarTarget {
        organizer_association_id: None,
        approving_prefecture_code: own.unwrap_or(0),
    };
    if !allows(&user.actor(), Action::ManageSeminar(probe)) {
        return Err(AppError::Forbidden);
    }
    Ok(if user.role == Role::JmaStaff { None } else { own })
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
}

async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    prefecture: Option<i16>,
    error: Option<(i64, String, String)>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let rows = held_credits::queue(&mut conn, prefecture, SHOWN).await?;
    drop(conn);
    let rows = rows
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
    let page = QueuePage { layout: ctx.layout().with_notice(ctx.take_flash().await?), rows, error };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

async fn queue(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let prefecture = scope(&ctx)?;
    queue_page(&state, &ctx, prefecture, None).await
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
                "match_status": "birth_date_mismatch",
                "credit_birth_date": held.birth_date,
                "physician_birth_date": held.physician_birth_date,
            })),
            after: Some(json!({
                "match_status": "matched",
                "physician_id": physician_id,
                "credits": count,
            })),
        },
    )
    .await?;
    if let Some(email) = &held.physician_email {
        let body = format!(
            "{} 様\n\n研修会「{}」（{}）の単位を、事務局が確認のうえマイページに反映しました。\n主催者が登録した生年月日（{}）がMAMISの登録と異なっていたため、確認しておりました。\n\n単位：{}\n\nマイページでご確認ください。\n",
            held.physician_name.as_deref().unwrap_or(""),
            held.seminar_title,
            format_jp_date(held.starts_on),
            held.birth_date.format("%Y-%m-%d"),
            units_text(&held.units),
        );
        db::outbox::enqueue(&mut tx, email, "【MAMIS】確認中の単位を反映しました", &body, ctx.now)
            .await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "{}さん（医籍登録番号 {}）の単位を紐付けました（{} 件）。",
        held.kanji_name, registry_number, count
    ))
    .await?;
    Ok(see_other("/office/held-credits"))
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
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
        return queue_page(&state, &ctx, prefecture, error).await;
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
                "match_status": "birth_date_mismatch",
                "credit_birth_date": held.birth_date,
                "physician_birth_date": held.physician_birth_date,
            })),
            after: Some(json!({ "match_status": "rejected", "reason": reason, "credits": count })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&format!(
        "{}さん（医籍登録番号 {}）の単位の紐付けを見送りました。理由は主催者の作業ページに表示されます。",
        held.kanji_name, registry_number
    ))
    .await?;
    Ok(see_other("/office/held-credits"))
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
