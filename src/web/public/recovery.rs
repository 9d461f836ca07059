//! Forgotten login ID or password: a mailed link (one hour, single use) to set a new password.
//! The answer never tells whether an address is registered.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_datetime;
use crate::db::{self, audit, tokens::Purpose};
use crate::domain::person::parse_email;
use crate::domain::rate_limit;
use crate::error::AppResult;
use crate::password;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::middleware::limits;
use crate::web::{render, see_other};

/// The one answer to every well-formed request, registered address or not.
pub const SENT: &str = "入力されたメールアドレスが登録されている場合、ログインIDとパスワード再設定のご案内をお送りしました。";
pub const RESET_DONE: &str = "パスワードを再設定しました。ほかの端末・ブラウザでのログインはすべて終了しました。新しいパスワードでログインしてください。";
/// At most this many reset mails per address per hour (a light brake on abuse).
pub const MAX_RESET_MAILS_PER_HOUR: i64 = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/forgot", get(forgot_form).post(forgot_submit))
        .route("/reset", get(reset_form).post(reset_submit))
}

#[derive(Template)]
#[template(path = "recovery/forgot.html")]
struct ForgotPage {
    layout: Layout,
    email: String,
    error: Option<&'static str>,
    sent: bool,
}

fn forgot_page(ctx: &Ctx, email: String, error: Option<&'static str>, sent: bool) -> ForgotPage {
    ForgotPage { layout: Layout::new(ctx.user.as_ref(), &ctx.csrf), email, error, sent }
}

pub async fn forgot_form(ctx: Ctx) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    render(&forgot_page(&ctx, String::new(), None, false))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub(crate) email: String,
}

pub async fn forgot_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let email = match parse_email(&form.email) {
        Ok(email) => email,
        Err(message) => {
            let page = forgot_page(&ctx, form.email, Some(message), false);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    if let Some(refused) = limits::check(&state, &ctx, &[(rate_limit::FORGOT_PER_IP, None)]).await?
    {
        return Ok(refused);
    }
    let now = ctx.now;
    let mut tx = state.pool.begin().await?;
    let accounts = db::profile::accounts_with_verified_email(&mut tx, &email).await?;
    let mut queued = false;
    if !accounts.is_empty() {
        let recent =
            db::profile::reset_tokens_since(&mut tx, &email, now - Duration::hours(1)).await?;
        let budget = usize::try_from(MAX_RESET_MAILS_PER_HOUR - recent).unwrap_or(0);
        if budget < accounts.len() {
            tracing::warn!(recent, "password reset mails throttled for an address");
            let entry = audit::Entry {
                action: "account.password_reset_throttled",
                entity_type: "email",
                entity_id: None,
                before: None,
                after: Some(json!({ "email": email, "recent": recent })),
            };
            audit::record(&mut tx, &ctx.who(), now, entry).await?;
        }
        for account in accounts.into_iter().take(budget) {
            let token = db::tokens::issue(
                &mut tx,
                Purpose::ResetPassword,
                Some(account.id),
                &account.email,
                now,
            )
            .await?;
            let message = crate::mail::messages::account::PasswordResetLink {
                name: account.display_name.clone(),
                login_id: account.login_id.clone(),
                link: format!("{}/reset?token={token}", state.config.base_url),
                until: format_jp_datetime(now + Purpose::ResetPassword.lifetime()),
                sig: crate::mail::Signature::portal("ログインIDとパスワード再設定のご案内"),
            };
            crate::mail::queue(&mut tx, &account.email, &message, now).await?;
            let entry = audit::Entry {
                action: "account.password_reset_requested",
                entity_type: "account",
                entity_id: Some(account.id.to_string()),
                before: None,
                after: Some(json!({ "mailed_to": account.email })),
            };
            audit::record(&mut tx, &ctx.who(), now, entry).await?;
            queued = true;
        }
    }
    tx.commit().await?;
    if queued {
        state.mail_notify.notify_one();
    }
    render(&forgot_page(&ctx, String::new(), None, true))
}

#[derive(Default)]
pub struct ResetErrors {
    new: Option<&'static str>,
    confirm: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "recovery/reset.html")]
struct ResetPage {
    layout: Layout,
    token: String,
    login_id: String,
    errors: ResetErrors,
}

#[derive(Template)]
#[template(path = "recovery/invalid.html")]
struct InvalidLinkPage {
    layout: Layout,
}

/// The link expired, was already used, or was replaced by a newer one.
fn invalid_link(ctx: &Ctx) -> AppResult<Response> {
    let page = InvalidLinkPage { layout: Layout::new(ctx.user.as_ref(), &ctx.csrf) };
    Ok((StatusCode::GONE, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let mut conn = state.pool.acquire().await?;
    let claim = db::tokens::peek(&mut conn, Purpose::ResetPassword, &query.token, ctx.now).await?;
    let account = match claim.and_then(|c| c.account_id) {
        Some(id) => db::profile::account_email(&mut conn, id).await?,
        None => None,
    };
    let Some(account) = account else {
        return invalid_link(&ctx);
    };
    let page = ResetPage {
        layout: Layout::new(ctx.user.as_ref(), &ctx.csrf),
        token: query.token,
        login_id: account.login_id,
        errors: ResetErrors::default(),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let now = ctx.now;
    let mut tx = state.pool.begin().await?;
    let claim = db::tokens::peek(&mut tx, Purpose::ResetPassword, &form.token, now).await?;
    let account_id = claim.and_then(|c| c.account_id);
    let account = match account_id {
        Some(id) => db::profile::account_email(&mut tx, id).await?,
        None => None,
    };
    let (Some(account_id), Some(account)) = (account_id, account) else {
        tx.rollback().await?;
        return invalid_link(&ctx);
    };

    let mut errors = ResetErrors::default();
    if let Err(message) = password::check_new(
        &form.new_password,
        password::Personal {
            login_id: &account.login_id,
            name: &account.display_name,
            email: account.email.as_deref().unwrap_or(""),
        },
    ) {
        errors.new = Some(message);
    } else if form.new_password != form.confirm_password {
        errors.confirm = Some("確認のため入力したパスワードが一致しません。");
    }
    if errors.new.is_some() || errors.confirm.is_some() {
        tx.rollback().await?;
        let page = ResetPage {
            layout: Layout::new(ctx.user.as_ref(), &ctx.csrf),
            token: form.token,
            login_id: account.login_id,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }

    let hash = password::hash_async(form.new_password).await?;
    // Consuming inside the transaction makes the link single-use even for two quick clicks.
    if db::tokens::consume(&mut tx, Purpose::ResetPassword, &form.token, now).await?.is_none() {
        tx.rollback().await?;
        return invalid_link(&ctx);
    }
    db::accounts::set_password(&mut tx, account_id, &hash, now).await?;
    db::sessions::end_for_account(&mut tx, account_id, None).await?;
    let who = audit::Who { actor_account_id: Some(account_id), ..ctx.who() };
    let entry = audit::Entry {
        action: "account.password_reset",
        entity_type: "account",
        entity_id: Some(account_id.to_string()),
        before: None,
        after: Some(json!({ "password": "reset" })),
    };
    audit::record(&mut tx, &who, now, entry).await?;
    if let Some(email) = &account.email {
        let message = crate::mail::messages::account::PasswordResetDone {
            name: account.display_name.clone(),
            reset_at: format_jp_datetime(now),
            login_url: format!("{}/login", state.config.base_url),
            sig: crate::mail::Signature::portal("パスワード再設定のお知らせ"),
        };
        crate::mail::queue(&mut tx, email, &message, now).await?;
    }
    tx.commit().await?;
    // A login ID locked by failed attempts opens again once its owner proved who they are.
    let id_key = format!("id:{}", account.login_id.to_lowercase());
    db::throttle::clear(&state.pool, &id_key).await?;
    state.mail_notify.notify_one();
    if ctx.user.as_ref().is_some_and(|u| u.id == account_id) {
        // This browser's own session was ended in the store too: do not write it back.
        ctx.session.remove::<crate::web::ctx::AuthData>(crate::web::ctx::AUTH_KEY).await?;
    }
    ctx.flash(RESET_DONE).await?;
    Ok(see_other("/login"))
}
