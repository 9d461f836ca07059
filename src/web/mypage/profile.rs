//! A physician's own details (/mypage/profile): contact changes, e-mail change by mailed link,
//! requests to change identity fields (decided by staff), and the history of changes.
//! There is never an id in these URLs: every page works on the signed-in physician's record.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::change_requests::IdentityChanges;
use crate::db::physicians::Physician;
use crate::db::profile::Contact;
use crate::db::{self, audit, tokens::Purpose};
use crate::domain::person::{
    parse_birth_date, parse_email, parse_free_text, parse_furigana, parse_kanji_name, parse_phone,
    parse_postal_code, RegistryNumber, Sex,
};
use crate::domain::policy::Action;
use crate::domain::prefecture;
use crate::domain::record_status::ChangeRequestStatus;
use crate::domain::registration::{DetailsInput, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::{render, see_other};

const NO_RECORD: &str =
    "登録情報がまだありません。マイページの登録を完了してから、もう一度お試しください。";
const HISTORY_LIMIT: i64 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mypage/profile", get(show))
        .route("/mypage/profile/edit", get(edit_form).post(edit_submit))
        .route("/mypage/profile/email", get(email_form).post(email_submit))
        .route("/mypage/profile/email/confirm", get(email_confirm))
        .route("/mypage/profile/request", get(request_form).post(request_submit))
        .route("/mypage/profile/request/{id}/withdraw", post(request_withdraw))
        .route("/mypage/history", get(history))
}

// ---------------------------------------------------------------------------------------------
// Labels shared with the staff pages.

pub fn sex_label(code: &str) -> &'static str {
    Sex::from_code(code).map(Sex::label).unwrap_or("")
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "審査中",
        "approved" => "承認されました",
        "rejected" => "承認されませんでした",
        "withdrawn" => "取り下げました",
        _ => "",
    }
}

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
        ("status", Value::String(s)) => status_label(s).to_string(),
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

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// One identity field: what the record says and what was asked for.
pub struct ChangeRow {
    pub label: &'static str,
    pub current: String,
    pub requested: String,
}

/// The requested fields next to the record's current values, in the form's order.
pub fn change_rows(p: &Physician, c: &IdentityChanges) -> Vec<ChangeRow> {
    let mut rows = Vec::new();
    if let Some(v) = &c.kanji_name {
        rows.push(ChangeRow {
            label: "氏名", current: p.kanji_name.clone(), requested: v.clone()
        });
    }
    if let Some(v) = &c.furigana {
        rows.push(ChangeRow {
            label: "フリガナ",
            current: p.furigana.clone(),
            requested: v.clone(),
        });
    }
    if let Some(v) = c.birth_date {
        rows.push(ChangeRow {
            label: "生年月日",
            current: format_jp_date(p.birth_date),
            requested: format_jp_date(v),
        });
    }
    if let Some(v) = &c.sex {
        rows.push(ChangeRow {
            label: "性別",
            current: sex_label(&p.sex).into(),
            requested: sex_label(v).into(),
        });
    }
    if let Some(v) = &c.registry_number {
        rows.push(ChangeRow {
            label: "医籍登録番号",
            current: opt(&p.registry_number),
            requested: v.clone(),
        });
    }
    rows
}

/// The labels of the requested fields: 「氏名、医籍登録番号」.
pub fn changed_labels(c: &IdentityChanges) -> String {
    let mut labels = Vec::new();
    for (present, label) in [
        (c.kanji_name.is_some(), "氏名"),
        (c.furigana.is_some(), "フリガナ"),
        (c.birth_date.is_some(), "生年月日"),
        (c.sex.is_some(), "性別"),
        (c.registry_number.is_some(), "医籍登録番号"),
    ] {
        if present {
            labels.push(label);
        }
    }
    labels.join("、")
}

pub fn jp_time(at: DateTime<Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
}

async fn own_physician(state: &AppState, account_id: i64) -> AppResult<Option<Physician>> {
    Ok(db::physicians::for_account(&state.pool, account_id).await?)
}

/// Pages that need the physician record send a physician without one back to the profile.
async fn no_record(ctx: &Ctx) -> AppResult<Response> {
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

fn request_view(p: &Physician, r: &db::change_requests::ChangeRequest) -> RequestView {
    RequestView {
        id: r.id,
        created_at: jp_time(r.created_at),
        status: status_label(r.status.code()),
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

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?;
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

// ---------------------------------------------------------------------------------------------
// Contact details.

#[derive(Template)]
#[template(path = "profile/edit.html")]
struct EditPage {
    layout: Layout,
    form: DetailsInput,
    errors: FieldErrors,
    prefectures: Vec<PrefectureOption>,
    identity_locked: bool,
}

/// The form as the record stands (identity fields are shown read-only).
fn details_input(p: &Physician) -> DetailsInput {
    DetailsInput {
        kanji_name: p.kanji_name.clone(),
        furigana: p.furigana.clone(),
        birth_date: p.birth_date.format("%Y-%m-%d").to_string(),
        sex: sex_label(&p.sex).to_string(),
        registry_number: opt(&p.registry_number),
        phone: opt(&p.phone),
        fax: opt(&p.fax),
        postal_code: opt(&p.postal_code),
        prefecture: p.prefecture_code.map(|c| c.to_string()).unwrap_or_default(),
        address: opt(&p.address),
        workplace: opt(&p.workplace),
    }
}

fn edit_page(ctx: &Ctx, form: DetailsInput, errors: FieldErrors) -> EditPage {
    EditPage {
        layout: ctx.layout(),
        prefectures: prefecture_options(&form.prefecture),
        form,
        errors,
        identity_locked: true,
    }
}

/// The contact fields of the details form, with the same rules and messages as registration.
pub(crate) fn parse_contact(input: &DetailsInput) -> Result<Contact, FieldErrors> {
    let mut errors = FieldErrors::default();
    let phone = parse_phone(&input.phone).map_err(|e| errors.add("phone", e));
    let fax =
        parse_phone(&input.fax).map_err(|e| errors.add("fax", e.replace("電話番号", "FAX番号")));
    let postal_code =
        parse_postal_code(&input.postal_code).map_err(|e| errors.add("postal_code", e));
    let prefecture_code = prefecture::parse(&input.prefecture)
        .ok_or_else(|| errors.add("prefecture", "都道府県を選んでください。"));
    let address = parse_free_text(&input.address, 200, Some("住所を入力してください。"))
        .map_err(|e| errors.add("address", e));
    let workplace =
        parse_free_text(&input.workplace, 100, None).map_err(|e| errors.add("workplace", e));
    if let (Ok(None), Ok(None)) = (&phone, &fax) {
        errors.add("phone", "電話番号かFAX番号のどちらかを入力してください。");
    }
    match (phone, fax, postal_code, prefecture_code, address, workplace) {
        (
            Ok(phone),
            Ok(fax),
            Ok(postal_code),
            Ok(prefecture_code),
            Ok(Some(address)),
            Ok(workplace),
        ) if errors.is_empty() => {
            Ok(Contact { phone, fax, postal_code, prefecture_code, address, workplace })
        }
        _ => Err(errors),
    }
}

pub async fn edit_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?;
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    render(&edit_page(&ctx, details_input(&p), FieldErrors::default()))
}

/// Adds `key` to both sides when the value changed.
fn diff(
    before: &mut Map<String, Value>,
    after: &mut Map<String, Value>,
    key: &str,
    old: Value,
    new: Value,
) {
    if old != new {
        before.insert(key.into(), old);
        after.insert(key.into(), new);
    }
}

pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(input): Form<DetailsInput>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?.clone();
    let mut tx = state.pool.begin().await?;
    let Some(p) = db::profile::physician_for_update(&mut tx, user.id).await? else {
        tx.rollback().await?;
        return no_record(&ctx).await;
    };
    let contact = match parse_contact(&input) {
        Ok(contact) => contact,
        Err(errors) => {
            tx.rollback().await?;
            // Keep what was typed in the contact fields; identity fields are not editable here.
            let recorded = details_input(&p);
            let form = DetailsInput {
                kanji_name: recorded.kanji_name,
                furigana: recorded.furigana,
                birth_date: recorded.birth_date,
                sex: recorded.sex,
                registry_number: recorded.registry_number,
                ..input
            };
            let page = edit_page(&ctx, form, errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let (mut before, mut after) = (Map::new(), Map::new());
    diff(&mut before, &mut after, "phone", json!(p.phone), json!(contact.phone));
    diff(&mut before, &mut after, "fax", json!(p.fax), json!(contact.fax));
    diff(&mut before, &mut after, "postal_code", json!(p.postal_code), json!(contact.postal_code));
    diff(
        &mut before,
        &mut after,
        "prefecture_code",
        json!(p.prefecture_code),
        json!(contact.prefecture_code),
    );
    diff(&mut before, &mut after, "address", json!(p.address), json!(contact.address));
    diff(&mut before, &mut after, "workplace", json!(p.workplace), json!(contact.workplace));
    if after.is_empty() {
        tx.rollback().await?;
        ctx.flash("変更された項目はありませんでした。").await?;
        return Ok(see_other("/mypage/profile"));
    }
    db::profile::update_contact(&mut tx, p.id, &contact, ctx.now).await?;
    let entry = audit::Entry {
        action: "physician.update_contact",
        entity_type: "physician",
        entity_id: Some(p.id.to_string()),
        before: Some(Value::Object(before)),
        after: Some(Value::Object(after)),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("連絡先・住所などを変更しました。").await?;
    Ok(see_other("/mypage/profile"))
}

// ---------------------------------------------------------------------------------------------
// E-mail address.

#[derive(Template)]
#[template(path = "profile/email.html")]
struct EmailPage {
    layout: Layout,
    current: Option<String>,
    email: String,
    error: Option<&'static str>,
}

pub async fn email_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let user = ctx.require(Action::ViewMyPage)?;
    let mut conn = state.pool.acquire().await?;
    let current = db::profile::account_email(&mut conn, user.id).await?.and_then(|a| a.email);
    let page = EmailPage { layout: ctx.layout(), current, email: String::new(), error: None };
    render(&page)
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn email_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let user = ctx.require(Action::ViewMyPage)?.clone();
    let now = ctx.now;
    let mut tx = state.pool.begin().await?;
    let account = db::profile::account_email(&mut tx, user.id).await?.ok_or(AppError::Forbidden)?;
    let parsed = parse_email(&form.email).and_then(|email| {
        if account.email.as_deref().is_some_and(|cur| cur.eq_ignore_ascii_case(&email)) {
            Err("現在登録されているメールアドレスと同じです。")
        } else {
            Ok(email)
        }
    });
    let email = match parsed {
        Ok(email) => email,
        Err(message) => {
            tx.rollback().await?;
            let page = EmailPage {
                layout: ctx.layout(),
                current: account.email,
                email: form.email,
                error: Some(message),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let token =
        db::tokens::issue(&mut tx, Purpose::VerifyEmail, Some(user.id), &email, now).await?;
    let message = crate::mail::messages::account::EmailChangeConfirmation {
        name: account.display_name.clone(),
        link: format!("{}/mypage/profile/email/confirm?token={token}", state.config.base_url),
        until: format_jp_datetime(now + Purpose::VerifyEmail.lifetime()),
        sig: crate::mail::Signature::portal("メールアドレス変更の確認"),
    };
    crate::mail::queue(&mut tx, &email, &message, now).await?;
    if let Some(old) = &account.email {
        let notice = crate::mail::messages::account::EmailChangeNotice {
            name: account.display_name.clone(),
            requested_at: format_jp_datetime(now),
            sig: crate::mail::Signature::portal("メールアドレス変更手続きのお知らせ"),
        };
        crate::mail::queue(&mut tx, old, &notice, now).await?;
    }
    let entry = audit::Entry {
        action: "account.email_change_requested",
        entity_type: "account",
        entity_id: Some(user.id.to_string()),
        before: None,
        after: Some(json!({ "requested_email": email })),
    };
    audit::record(&mut tx, &ctx.who(), now, entry).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "{email} に確認のメールをお送りしました。メールに記載のURLを開くと、変更が完了します（24時間以内）。"
    ))
    .await?;
    Ok(see_other("/mypage/profile"))
}

#[derive(Template)]
#[template(path = "profile/email_invalid.html")]
struct EmailLinkInvalidPage {
    layout: Layout,
    signed_in: bool,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Opening the mailed link completes the change; the token is bound to the account that asked.
pub async fn email_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let now = ctx.now;
    let mut tx = state.pool.begin().await?;
    let claim = db::tokens::consume(&mut tx, Purpose::VerifyEmail, &query.token, now).await?;
    let changed = match claim.as_ref().and_then(|c| c.account_id.map(|id| (id, &c.email))) {
        Some((account_id, email)) => {
            db::profile::set_verified_email(&mut tx, account_id, email, now)
                .await?
                .map(|old| (account_id, email.clone(), old))
        }
        None => None,
    };
    let Some((account_id, email, old)) = changed else {
        tx.rollback().await?;
        let page = EmailLinkInvalidPage { layout: ctx.layout(), signed_in: ctx.user.is_some() };
        return Ok((StatusCode::GONE, render(&page)?).into_response());
    };
    let who = audit::Who { actor_account_id: Some(account_id), ..ctx.who() };
    let entry = audit::Entry {
        action: "account.email_change",
        entity_type: "account",
        entity_id: Some(account_id.to_string()),
        before: Some(json!({ "email": old })),
        after: Some(json!({ "email": email })),
    };
    audit::record(&mut tx, &who, now, entry).await?;
    tx.commit().await?;
    ctx.flash(&format!("メールアドレスを {email} に変更しました。")).await?;
    let mine = ctx.user.as_ref().is_some_and(|u| u.id == account_id);
    Ok(see_other(if mine { "/mypage/profile" } else { "/login" }))
}

// ---------------------------------------------------------------------------------------------
// Identity change requests.

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IdentityForm {
    kanji_name: String,
    furigana: String,
    birth_date: String,
    sex: String,
    registry_number: String,
    reason: String,
}

impl IdentityForm {
    fn of(p: &Physician) -> Self {
        IdentityForm {
            kanji_name: p.kanji_name.clone(),
            furigana: p.furigana.clone(),
            birth_date: p.birth_date.format("%Y-%m-%d").to_string(),
            sex: sex_label(&p.sex).to_string(),
            registry_number: opt(&p.registry_number),
            reason: String::new(),
        }
    }
}

/// Parses the form and keeps only what differs from the record (compared in normal form, so
/// 「山田 太郎」 and 「山田　太郎」 are the same name).
pub(crate) fn parse_identity(
    form: &IdentityForm,
    p: &Physician,
    today: NaiveDate,
) -> Result<(IdentityChanges, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let kanji_name = parse_kanji_name(&form.kanji_name).map_err(|e| errors.add("kanji_name", e));
    let furigana = parse_furigana(&form.furigana).map_err(|e| errors.add("furigana", e));
    let birth_date =
        parse_birth_date(&form.birth_date, today).map_err(|e| errors.add("birth_date", e));
    let sex = Sex::parse(&form.sex).map_err(|e| errors.add("sex", e));
    let registry_number =
        RegistryNumber::parse(&form.registry_number).map_err(|e| errors.add("registry_number", e));
    let reason = parse_free_text(&form.reason, 500, Some("変更の理由を入力してください。"))
        .map_err(|e| errors.add("reason", e));
    let (
        Ok(kanji_name),
        Ok(furigana),
        Ok(birth_date),
        Ok(sex),
        Ok(registry_number),
        Ok(Some(reason)),
    ) = (kanji_name, furigana, birth_date, sex, registry_number, reason)
    else {
        return Err(errors);
    };
    let same_name = parse_kanji_name(&p.kanji_name).is_ok_and(|n| n == kanji_name);
    let same_furigana = parse_furigana(&p.furigana).is_ok_and(|f| f == furigana);
    let changes = IdentityChanges {
        kanji_name: (!same_name).then_some(kanji_name),
        furigana: (!same_furigana).then_some(furigana),
        birth_date: (birth_date != p.birth_date).then_some(birth_date),
        sex: (sex.code() != p.sex).then(|| sex.code().to_string()),
        registry_number: (p.registry_number.as_deref() != Some(registry_number.as_str()))
            .then(|| registry_number.as_str().to_string()),
    };
    Ok((changes, reason))
}

#[derive(Template)]
#[template(path = "profile/request.html")]
struct RequestPage {
    layout: Layout,
    form: IdentityForm,
    errors: FieldErrors,
    /// A message about the whole form (nothing changed, a request already pending).
    problem: Option<&'static str>,
    pending: Option<RequestView>,
}

async fn pending_view(state: &AppState, p: &Physician) -> AppResult<Option<RequestView>> {
    let latest = db::change_requests::for_physician(&state.pool, p.id, 1).await?;
    Ok(latest
        .first()
        .filter(|r| r.status == ChangeRequestStatus::Pending)
        .map(|r| request_view(p, r)))
}

pub async fn request_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?;
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    let page = RequestPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        form: IdentityForm::of(&p),
        errors: FieldErrors::default(),
        problem: None,
        pending: pending_view(&state, &p).await?,
    };
    render(&page)
}

const ALREADY_PENDING: &str = "審査中の変更申請があるため、新しい申請はできません。審査の結果をお待ちいただくか、審査中の申請を取り下げてから、あらためて申請してください。";

pub async fn request_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<IdentityForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?.clone();
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    let pending = pending_view(&state, &p).await?;
    let (status, errors, problem) = match parse_identity(&form, &p, ctx.now.date_naive()) {
        // A stale form while a request is pending: that is what the physician must know.
        _ if pending.is_some() => {
            (StatusCode::CONFLICT, FieldErrors::default(), Some(ALREADY_PENDING))
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok((changes, _)) if changes.is_empty() => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::default(),
            Some("現在の登録内容から変更された項目がありません。変更したい項目を書き換えてください。"),
        ),
        Ok((changes, reason)) => {
            let mut tx = state.pool.begin().await?;
            let created =
                db::change_requests::create(&mut tx, p.id, user.id, &changes, &reason, ctx.now)
                    .await?;
            if let Some(id) = created {
                let entry = audit::Entry {
                    action: "change_request.create",
                    entity_type: "change_request",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(json!({ "changes": changes, "reason": reason, "status": "pending" })),
                };
                audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
                tx.commit().await?;
                ctx.flash("変更を申請しました。事務局が確認し、結果をメールでお知らせします。")
                    .await?;
                return Ok(see_other("/mypage/profile"));
            }
            // Filed meanwhile from another tab: the unique index let only one through.
            tx.rollback().await?;
            (StatusCode::CONFLICT, FieldErrors::default(), Some(ALREADY_PENDING))
        }
    };
    let pending = match pending {
        Some(view) => Some(view),
        None => pending_view(&state, &p).await?,
    };
    let page = RequestPage { layout: ctx.layout(), form, errors, problem, pending };
    Ok((status, render(&page)?).into_response())
}

pub async fn request_withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?.clone();
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    let mut tx = state.pool.begin().await?;
    let Some(withdrawn) =
        db::change_requests::withdraw(&mut tx, id, p.id, user.id, ctx.now).await?
    else {
        tx.rollback().await?;
        return Err(AppError::Conflict(
            "この申請は審査が終わっているか、すでに取り下げられているため、取り下げできません。"
                .into(),
        ));
    };
    let entry = audit::Entry {
        action: "change_request.withdraw",
        entity_type: "change_request",
        entity_id: Some(withdrawn.id.to_string()),
        before: Some(json!({ "status": "pending" })),
        after: Some(json!({ "status": "withdrawn" })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("変更申請を取り下げました。").await?;
    Ok(see_other("/mypage/profile"))
}

// ---------------------------------------------------------------------------------------------
// History.

pub struct HistoryView {
    pub at: String,
    pub what: String,
    pub by: String,
    pub proxy: bool,
    pub details: Vec<String>,
}

const DETAIL_ORDER: [&str; 17] = [
    "kanji_name",
    "furigana",
    "birth_date",
    "sex",
    "registry_number",
    "phone",
    "fax",
    "postal_code",
    "prefecture_code",
    "address",
    "workplace",
    "email",
    "requested_email",
    "mailed_to",
    "status",
    "reason",
    "comment",
];

/// 「住所：旧 → 新」 lines for the fields an entry touched. A change request's requested
/// values sit under "changes".
fn detail_lines(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let flatten = |v: Option<&Value>| -> Map<String, Value> {
        let mut map = v.and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(Value::Object(changes)) = map.remove("changes") {
            map.extend(changes);
        }
        map
    };
    let (before, after) = (flatten(before), flatten(after));
    let mut lines = Vec::new();
    for key in DETAIL_ORDER {
        let Some(label) = field_label(key) else { continue };
        match (before.get(key), after.get(key)) {
            (Some(old), Some(new)) => lines.push(format!(
                "{label}：{} → {}",
                display_value(key, old),
                display_value(key, new)
            )),
            (None, Some(new)) => lines.push(format!("{label}：{}", display_value(key, new))),
            (Some(old), None) => {
                lines.push(format!("{label}：{}（変更前）", display_value(key, old)))
            }
            (None, None) => {}
        }
    }
    lines
}

#[derive(Template)]
#[template(path = "profile/history.html")]
struct HistoryPage {
    layout: Layout,
    entries: Vec<HistoryView>,
}

pub async fn history(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ViewMyPage)?;
    let physician = own_physician(&state, user.id).await?;
    let rows =
        db::profile::history(&state.pool, user.id, physician.map(|p| p.id), HISTORY_LIMIT).await?;
    let entries = rows
        .into_iter()
        .map(|r| HistoryView {
            at: jp_time(r.at),
            what: crate::domain::audit_action::label_of(&r.action),
            by: match (r.on_behalf, r.by_self, r.by_staff, &r.staff_association) {
                (true, _, _, Some(name)) => format!("{name}（事務局）による代理入力"),
                (true, _, _, None) => "事務局による代理入力".to_string(),
                (_, true, _, _) => "ご本人".to_string(),
                (_, _, true, Some(name)) => format!("{name}（事務局）"),
                (_, _, true, None) => "事務局".to_string(),
                _ => "ログイン前の手続き".to_string(),
            },
            proxy: r.on_behalf,
            details: detail_lines(r.before.as_ref(), r.after.as_ref()),
        })
        .collect();
    render(&HistoryPage { layout: ctx.layout(), entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lines_speak_plain_japanese() {
        let before = json!({ "address": "東京都千代田区1-1", "prefecture_code": 13 });
        let after = json!({ "address": "大阪府大阪市北区1-1", "prefecture_code": 27 });
        assert_eq!(
            detail_lines(Some(&before), Some(&after)),
            vec!["都道府県：東京都 → 大阪府", "住所：東京都千代田区1-1 → 大阪府大阪市北区1-1"]
        );
        let request = json!({
            "changes": { "sex": "female", "birth_date": "1970-05-16" }, "reason": "誤登録"
        });
        assert_eq!(
            detail_lines(None, Some(&request)),
            vec!["生年月日：1970年5月16日", "性別：女", "理由：誤登録"]
        );
        assert_eq!(
            detail_lines(None, Some(&json!({ "password": "changed" }))),
            Vec::<String>::new()
        );
        assert_eq!(
            detail_lines(Some(&json!({ "fax": null })), Some(&json!({ "fax": "03-1111-2222" }))),
            vec!["FAX番号：（なし） → 03-1111-2222"]
        );
    }
}
