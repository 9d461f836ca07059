//! A physician's own details (/mypage/profile): contact changes, e-mail change by mailed link,
//! requests to change identity fields (decided by staff), and the history of changes.
//! There is never an id in these URLs: every page works on the signed-in physician's record.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::clock::format_jp_date;
use crate::db::change_requests::IdentityChanges;
use crate::db::physicians::Physician;
use crate::db::profile::Contact;
use crate::db::{self, audit};
use crate::domain::person::{
    parse_birth_date, parse_free_text, parse_furigana, parse_kanji_name, parse_phone,
    parse_postal_code, RegistryNumber, Sex,
};
use crate::domain::prefecture;
use crate::domain::record_status::ChangeRequestStatus;
use crate::domain::registration::{DetailsInput, FieldErrors};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::extract;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::{render, see_other};

pub use crate::app::changes::{change_rows, changed_labels, jp_time, sex_label, ChangeRow};
pub use contact::parse_contact;
pub use identity::{parse_identity, IdentityForm};

mod contact;
mod email;
mod history;
mod identity;
use contact::*;
use email::*;
use history::*;
use identity::*;

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

const NO_RECORD: &str =
    "登録情報がまだありません。マイページの登録を完了してから、もう一度お試しください。";
const HISTORY_LIMIT: i64 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mypage/profile", get(show))
        .route("/mypage/profile/edit", get(edit_form).post(edit_submit))
        .route("/mypage/profile/email", get(email_form).post(email_submit))
        .route("/mypage/profile/request", get(request_form).post(request_submit))
        .route("/mypage/profile/request/{id}/withdraw", post(request_withdraw))
        .route("/mypage/history", get(history))
}

// ---------------------------------------------------------------------------------------------
// Labels shared with the staff pages.

/// The Japanese name of a field as it appears in audit entries and change requests.
pub fn field_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "kanji_name" => "氏名",
        "furigana" => "フリガナ",
        "birth_date" => "生年月日",
        "sex" => "性別",
        "registry_number" => "医籍登録番号",
        "phone" => "電話番号",
        "fax" => "FAX番号",
        "postal_code" => "郵便番号",
        "prefecture_code" => "都道府県",
        "address" => "住所",
        "workplace" => "所属施設",
        "email" => "メールアドレス",
        "requested_email" => "新しいメールアドレス（確認待ち）",
        "mailed_to" => "送信先",
        "status" => "状態",
        "reason" => "理由",
        "comment" => "事務局からのコメント",
        _ => return None,
    })
}

/// A stored value as a person reads it.
pub fn display_value(key: &str, value: &Value) -> String {
    match (key, value) {
        (_, Value::Null) => "（なし）".into(),
        ("sex", Value::String(s)) => sex_label(s).to_string(),
        ("status", Value::String(s)) => ChangeRequestStatus::from_code(s)
            .map(ChangeRequestStatus::label)
            .unwrap_or("")
            .to_string(),
        ("birth_date", Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(format_jp_date)
            .unwrap_or_else(|_| s.clone()),
        ("prefecture_code", Value::Number(n)) => n
            .as_i64()
            .and_then(|c| i16::try_from(c).ok())
            .and_then(prefecture::name)
            .unwrap_or("")
            .to_string(),
        (_, Value::String(s)) if s.is_empty() => "（なし）".into(),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

pub(super) async fn own_physician(
    state: &AppState,
    account_id: i64,
) -> AppResult<Option<Physician>> {
    Ok(db::physicians::for_account(&state.pool, account_id).await?)
}

/// Pages that need the physician record send a physician without one back to the profile.
pub(super) async fn no_record(ctx: &Ctx) -> AppResult<Response> {
    ctx.flash(NO_RECORD).await?;
    Ok(see_other("/mypage"))
}

// ---------------------------------------------------------------------------------------------
// The profile page.

pub struct DetailsView {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub registry_number: String,
    pub phone: String,
    pub fax: String,
    pub postal_code: String,
    pub prefecture: String,
    pub address: String,
    pub workplace: String,
}

impl DetailsView {
    fn of(p: &Physician) -> Self {
        DetailsView {
            kanji_name: p.kanji_name.clone(),
            furigana: p.furigana.clone(),
            birth_date: format_jp_date(p.birth_date),
            sex: sex_label(&p.sex),
            registry_number: opt(&p.registry_number),
            phone: opt(&p.phone),
            fax: opt(&p.fax),
            postal_code: opt(&p.postal_code),
            prefecture: opt(&p.prefecture_name),
            address: opt(&p.address),
            workplace: opt(&p.workplace),
        }
    }
}

pub struct RequestView {
    pub id: i64,
    pub created_at: String,
    pub status: &'static str,
    pub pending: bool,
    pub rows: Vec<ChangeRow>,
    pub reason: String,
    pub decided_at: Option<String>,
    pub comment: Option<String>,
}

pub(super) fn request_view(p: &Physician, r: &db::change_requests::ChangeRequest) -> RequestView {
    RequestView {
        id: r.id,
        created_at: jp_time(r.created_at),
        status: r.status.label(),
        pending: r.status == ChangeRequestStatus::Pending,
        rows: change_rows(p, &r.changes.0),
        reason: r.reason.clone(),
        decided_at: r.decided_at.map(jp_time),
        comment: r.decision_comment.clone().filter(|c| !c.is_empty()),
    }
}

#[derive(Template)]
#[template(path = "profile/show.html")]
struct ProfilePage {
    layout: Layout,
    details: Option<DetailsView>,
    email: Option<String>,
    email_verified: bool,
    requests: Vec<RequestView>,
}

pub async fn show(State(state): State<AppState>, ctx: extract::Physician) -> AppResult<Response> {
    let user = &ctx.user;
    let physician = own_physician(&state, user.id).await?;
    let mut conn = state.pool.acquire().await?;
    let account = db::profile::account_email(&mut conn, user.id).await?;
    drop(conn);
    let mut requests = Vec::new();
    if let Some(p) = &physician {
        for r in db::change_requests::for_physician(&state.pool, p.id, 3).await? {
            requests.push(request_view(p, &r));
        }
    }
    let page = ProfilePage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        details: physician.as_ref().map(DetailsView::of),
        email: account.as_ref().and_then(|a| a.email.clone()),
        email_verified: account.as_ref().is_some_and(|a| a.email_verified_at.is_some()),
        requests,
    };
    render(&page)
}
