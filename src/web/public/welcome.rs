//! A member's first login (初回ログイン): accept the terms, replace the postcard password,
//! confirm an e-mail address by a mailed link, review the details → 登録完了.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::{self, audit, tokens, tokens::Purpose};
use crate::domain::person::{parse_email, Sex};
use crate::domain::policy::Action;
use crate::domain::registration::{
    next_step, parse_details, DetailsInput, FieldErrors, Progress, Step,
};
use crate::error::{AppError, AppResult};
use crate::password;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/welcome", get(resume))
        .route("/welcome/terms", get(terms_form).post(accept_terms))
        .route("/welcome/password", get(password_form).post(set_password))
        .route("/welcome/email", get(email_form).post(send_email_link))
        .route("/welcome/details", get(details_form).post(confirm_details))
}

pub struct StepView {
    pub label: &'static str,
    pub current: bool,
    pub done: bool,
}

fn steps(current: Step) -> Vec<StepView> {
    let all = [
        (Step::Terms, "1 利用規約への同意"),
        (Step::Password, "2 パスワードの設定"),
        (Step::Email, "3 メールアドレスの確認"),
        (Step::Details, "4 登録情報の確認"),
    ];
    let index = all.iter().position(|(s, _)| *s == current).unwrap_or(0);
    all.iter()
        .enumerate()
        .map(|(i, (_, label))| StepView { label, current: i == index, done: i < index })
        .collect()
}

struct Where {
    account_id: i64,
    login_id: String,
    display_name: String,
    row: db::physicians::RegistrationRow,
    next: Option<Step>,
}

async fn locate(state: &AppState, ctx: &Ctx) -> AppResult<Where> {
    let user = ctx.require(Action::ViewMyPage)?;
    let mut conn = state.pool.acquire().await?;
    let row = db::physicians::registration(&mut conn, user.id).await?.ok_or(AppError::NotFound)?;
    let next = if row.registration_completed_at.is_some() {
        None
    } else {
        next_step(Progress {
            terms_accepted: row.terms_accepted,
            must_change_password: row.must_change_password,
            email_verified: row.email_verified,
            details_confirmed: false,
        })
        .or(Some(Step::Details))
    };
    Ok(Where {
        account_id: user.id,
        login_id: user.login_id.clone(),
        display_name: user.display_name.clone(),
        row,
        next,
    })
}

/// Sends the physician to the step they are on (or home when registration is complete).
fn go_to(next: Option<Step>) -> Response {
    see_other(next.map(Step::path).unwrap_or("/mypage"))
}

pub async fn resume(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(go_to(locate(&state, &ctx).await?.next))
}

#[derive(Template)]
#[template(path = "welcome/terms.html")]
struct TermsPage {
    layout: Layout,
    steps: Vec<StepView>,
    title: String,
    body: String,
    version: String,
    error: Option<&'static str>,
}

pub async fn terms_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Terms) {
        return Ok(go_to(here.next));
    }
    let terms = db::physicians::current_terms(&mut *state.pool.acquire().await?).await?;
    let page = TermsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        steps: steps(Step::Terms),
        title: terms.title,
        body: terms.body,
        version: terms.version,
        error: None,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    agree: String,
    #[serde(default)]
    version: String,
}

pub async fn accept_terms(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<TermsForm>,
) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    let mut tx = state.pool.begin().await?;
    let terms = db::physicians::current_terms(&mut tx).await?;
    if form.agree != "yes" || form.version != terms.version {
        let page = TermsPage {
            layout: ctx.layout(),
            steps: steps(Step::Terms),
            title: terms.title,
            body: terms.body,
            version: terms.version,
            error: Some("利用規約をお読みのうえ、「同意する」にチェックを入れてください。"),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    db::physicians::accept_terms(&mut tx, here.account_id, &terms.version, ctx.now).await?;
    let entry = audit::Entry {
        action: "physician.accept_terms",
        entity_type: "account",
        entity_id: Some(here.account_id.to_string()),
        before: None,
        after: Some(json!({ "terms_version": terms.version })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    resume(State(state), ctx).await
}

#[derive(Default)]
pub struct PasswordErrors {
    new: Option<&'static str>,
    confirm: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "welcome/password.html")]
struct PasswordPage {
    layout: Layout,
    steps: Vec<StepView>,
    login_id: String,
    errors: PasswordErrors,
}

pub async fn password_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Password) {
        return Ok(go_to(here.next));
    }
    let page = PasswordPage {
        layout: ctx.layout(),
        steps: steps(Step::Password),
        login_id: here.login_id,
        errors: PasswordErrors::default(),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn set_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Password) {
        return Ok(go_to(here.next));
    }
    let mut errors = PasswordErrors::default();
    if let Err(e) = password::check_new(
        &form.new_password,
        password::Personal {
            login_id: &here.login_id,
            name: ctx.user.as_ref().map_or("", |u| u.display_name.as_str()),
            email: ctx.user.as_ref().and_then(|u| u.email.as_deref()).unwrap_or(""),
        },
    ) {
        errors.new = Some(e);
    } else if form.new_password != form.confirm_password {
        errors.confirm = Some("確認のため入力したパスワードが一致しません。");
    }
    if errors.new.is_none() && errors.confirm.is_none() {
        let mut tx = state.pool.begin().await?;
        let old = db::accounts::password_hash(&mut tx, here.account_id).await?;
        if password::verify_async(form.new_password.clone(), old).await {
            errors.new = Some("はがきに記載の初期パスワードとは異なるパスワードにしてください。");
        } else {
            let hash = password::hash_async(form.new_password).await?;
            db::accounts::set_password(&mut tx, here.account_id, &hash, ctx.now).await?;
            db::accounts::forget_initial_password(&mut tx, here.account_id).await?;
            let entry = audit::Entry {
                action: "account.password_set_at_first_login",
                entity_type: "account",
                entity_id: Some(here.account_id.to_string()),
                before: None,
                after: Some(json!({ "password": "changed" })),
            };
            audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
            tx.commit().await?;
            return resume(State(state), ctx).await;
        }
    }
    let page = PasswordPage {
        layout: ctx.layout(),
        steps: steps(Step::Password),
        login_id: here.login_id,
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "welcome/email.html")]
struct EmailPage {
    layout: Layout,
    steps: Vec<StepView>,
    email: String,
    sent_to: Option<String>,
    error: Option<&'static str>,
}

/// The address the confirmation link went to (kept in the session, not in the URL).
const SENT_KEY: &str = "welcome_email_sent";

pub async fn email_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Email) {
        return Ok(go_to(here.next));
    }
    let sent: Option<String> = ctx.session.get(SENT_KEY).await?;
    let page = EmailPage {
        layout: ctx.layout(),
        steps: steps(Step::Email),
        email: sent.clone().or(here.row.email).unwrap_or_default(),
        sent_to: sent,
        error: None,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn send_email_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Email) {
        return Ok(go_to(here.next));
    }
    let email = match parse_email(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let page = EmailPage {
                layout: ctx.layout(),
                steps: steps(Step::Email),
                email: form.email,
                sent_to: None,
                error: Some(e),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let token =
        tokens::issue(&mut tx, Purpose::VerifyEmail, Some(here.account_id), &email, ctx.now)
            .await?;
    let message = crate::mail::messages::account::EmailConfirmation {
        name: here.display_name.clone(),
        link: format!("{}/verify-email?token={token}", state.config.base_url),
        sig: crate::mail::Signature::portal("メールアドレスの確認"),
    };
    crate::mail::queue(&mut tx, &email, &message, ctx.now).await?;
    let entry = audit::Entry {
        action: "account.email_confirmation_sent",
        entity_type: "account",
        entity_id: Some(here.account_id.to_string()),
        before: None,
        after: Some(json!({ "email": email })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.session.insert(SENT_KEY, &email).await?;
    Ok(see_other("/welcome/email"))
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub title: &'static str,
    pub message: String,
    pub link: Option<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The link in the confirmation mail. Works once, within 24 hours.
pub async fn verify_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let claimed = tokens::consume(&mut tx, Purpose::VerifyEmail, &query.token, ctx.now).await?;
    let Some(claimed) = claimed.filter(|c| c.account_id.is_some()) else {
        tx.rollback().await?;
        let page = MessagePage {
            layout: ctx.layout(),
            title: "リンクの有効期限が切れています",
            message: "このリンクは有効期限が切れているか、すでに使われています。お手数ですが、もう一度メールアドレスの確認をやり直してください。".into(),
            link: Some(("/welcome", "登録の手続きに戻る")),
        };
        return Ok((StatusCode::GONE, render(&page)?).into_response());
    };
    let account_id = claimed.account_id.unwrap_or_default();
    let before =
        db::accounts::set_verified_email(&mut tx, account_id, &claimed.email, ctx.now).await?;
    let who = audit::Who {
        actor_account_id: ctx.user.as_ref().map(|u| u.id).or(Some(account_id)),
        ..ctx.who()
    };
    let entry = audit::Entry {
        action: "account.email_verified",
        entity_type: "account",
        entity_id: Some(account_id.to_string()),
        before: Some(json!({ "email": before })),
        after: Some(json!({ "email": claimed.email })),
    };
    audit::record(&mut tx, &who, ctx.now, entry).await?;
    tx.commit().await?;
    if ctx.user.as_ref().is_some_and(|u| u.id == account_id) {
        ctx.flash("メールアドレスを確認しました。").await?;
        return resume(State(state), ctx).await;
    }
    let page = MessagePage {
        layout: ctx.layout(),
        title: "メールアドレスを確認しました",
        message: "ログインして、登録の手続きを続けてください。".into(),
        link: Some(("/login", "ログイン画面へ")),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "welcome/details.html")]
struct DetailsPage {
    layout: Layout,
    steps: Vec<StepView>,
    form: DetailsInput,
    errors: FieldErrors,
    prefectures: Vec<PrefectureOption>,
    identity_locked: bool,
}

pub fn details_input(p: &db::physicians::Physician) -> DetailsInput {
    DetailsInput {
        kanji_name: p.kanji_name.clone(),
        furigana: p.furigana.clone(),
        birth_date: p.birth_date.format("%Y-%m-%d").to_string(),
        sex: Sex::from_code(&p.sex).map(|s| s.label().to_string()).unwrap_or_default(),
        registry_number: p.registry_number.clone().unwrap_or_default(),
        phone: p.phone.clone().unwrap_or_default(),
        fax: p.fax.clone().unwrap_or_default(),
        postal_code: p.postal_code.clone().unwrap_or_default(),
        prefecture: p.prefecture_code.map(|c| c.to_string()).unwrap_or_default(),
        address: p.address.clone().unwrap_or_default(),
        workplace: p.workplace.clone().unwrap_or_default(),
    }
}

pub async fn details_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Details) {
        return Ok(go_to(here.next));
    }
    let physician = db::physicians::for_account(&state.pool, here.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = details_input(&physician);
    let page = DetailsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        steps: steps(Step::Details),
        prefectures: prefecture_options(&form.prefecture),
        form,
        errors: FieldErrors::default(),
        identity_locked: false,
    };
    render(&page)
}

/// 医籍登録番号 already belongs to someone else: say whom to contact, never who it is.
pub const REGISTRY_NUMBER_TAKEN: &str = "この医籍登録番号は、すでに別の利用者の登録に使われています。番号をご確認のうえ、お心当たりがない場合はMAMISコールセンター（0120-110-030、平日10:00～18:00）またはご所属の都道府県医師会にお問い合わせください。";

pub async fn confirm_details(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<DetailsInput>,
) -> AppResult<Response> {
    let here = locate(&state, &ctx).await?;
    if here.next != Some(Step::Details) {
        return Ok(go_to(here.next));
    }
    let physician_id = here.row.physician_id;
    let mut tx = state.pool.begin().await?;
    let parsed = match parse_details(&form, ctx.now.date_naive()) {
        Ok(details) => {
            let holder = db::physicians::registry_number_holder(
                &mut tx,
                details.registry_number.as_str(),
                Some(physician_id),
            )
            .await?;
            if holder.is_some() {
                let mut errors = FieldErrors::default();
                errors.add("registry_number", REGISTRY_NUMBER_TAKEN);
                Err(errors)
            } else {
                Ok(details)
            }
        }
        Err(errors) => Err(errors),
    };
    let details = match parsed {
        Ok(details) => details,
        Err(errors) => {
            tx.rollback().await?;
            let page = DetailsPage {
                layout: ctx.layout(),
                steps: steps(Step::Details),
                prefectures: prefecture_options(&form.prefecture),
                form,
                errors,
                identity_locked: false,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let before = db::physicians::details_json(&mut tx, physician_id).await?;
    db::physicians::confirm_details(&mut tx, physician_id, &details, ctx.now).await?;
    let after = db::physicians::details_json(&mut tx, physician_id).await?;
    db::physicians::complete_registration(&mut tx, physician_id, ctx.now).await?;
    let linked = db::linking::link_certifications(&mut tx, Some(physician_id), ctx.now).await?;
    let credits = db::credits::attach_for_physician(&mut tx, physician_id, ctx.now).await?;
    let who = ctx.who();
    let entries = [
        audit::Entry {
            action: "physician.confirm_details",
            entity_type: "physician",
            entity_id: Some(physician_id.to_string()),
            before: Some(before),
            after: Some(after),
        },
        audit::Entry {
            action: "physician.registration_completed",
            entity_type: "physician",
            entity_id: Some(physician_id.to_string()),
            before: None,
            after: Some(json!({
                "linked": linked.linked,
                "queued_for_review": linked.queued,
                "credits_attached": credits
            })),
        },
    ];
    for entry in entries {
        audit::record(&mut tx, &who, ctx.now, entry).await?;
    }
    if let Some(email) = &here.row.email {
        let message = crate::mail::messages::account::MypageRegistered {
            name: details.kanji_name.clone(),
            completed_at: crate::clock::format_jp_datetime(ctx.now),
            login_url: format!("{}/login", state.config.base_url),
            sig: crate::mail::Signature::portal("マイページ登録完了のお知らせ"),
        };
        crate::mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("マイページの登録が完了しました。").await?;
    Ok(see_other("/mypage"))
}
