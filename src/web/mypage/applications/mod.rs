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
use serde::Deserialize;

use crate::app::applications::physician::{self as commands, Applicant};
use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db;
use crate::db::applications::{self as store, Application};
use crate::db::physicians::Physician;
use crate::domain::application::{self, Actor, Event, Status};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::requirements::{Exemption, Rule};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::mypage::application_files;
use crate::web::views::units_text;
use crate::web::{render, see_other};

mod edit;
mod new;
mod show;

pub use crate::app::applications::physician::{is_late, lock_own, NOT_EDITABLE};
pub use crate::domain::application_form::{
    parse_credit, parse_date, parse_units, routes_for, CreditForm, DetailsForm,
};
pub use crate::domain::review::kind_label;
use edit::*;
pub use new::NewQuery;
use new::*;
pub use show::Errors;
use show::*;
pub(in crate::web::mypage) use show::{own_application, show_page};

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

/// The first day of portal-managed credits (DOMAIN §3): declared credits are from before it.
fn cut_over(state: &AppState) -> NaiveDate {
    state.config.portal_credits_from
}

fn jp_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
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

// ---------------------------------------------------------------------------------------------
// Who is asking.

/// The signed-in physician with a completed registration (None: not registered yet).
async fn my_physician(state: &AppState, ctx: &extract::Physician) -> AppResult<Option<Physician>> {
    let user = &ctx.user;
    let physician =
        db::physicians::for_account(&state.pool, user.id).await?.ok_or(AppError::NotFound)?;
    Ok(physician.registration_completed_at.is_some().then_some(physician))
}

pub(in crate::web::mypage) async fn registered(
    state: &AppState,
    ctx: &extract::Physician,
) -> AppResult<Physician> {
    my_physician(state, ctx).await?.ok_or(AppError::NotFound)
}

/// The use cases' view of the physician acting.
pub(in crate::web::mypage) fn applicant<'a>(
    ctx: &'a extract::Physician,
    physician: &'a Physician,
) -> Applicant<'a> {
    Applicant { physician, email: ctx.user.email.as_deref(), who: ctx.who(), now: ctx.now }
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

pub async fn list(State(state): State<AppState>, ctx: extract::Physician) -> AppResult<Response> {
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
