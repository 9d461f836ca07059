//! The signed-in user's own account: changing the password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_datetime;
use crate::db::{self, audit};
use crate::domain::policy::Action;
use crate::error::AppResult;
use crate::password;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

/// The password form's errors, keyed by field id.
pub type PasswordErrors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: PasswordErrors,
    must_change: bool,
}

pub async fn password_form(ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ChangeOwnPassword)?;
    let page = PasswordPage {
        must_change: user.must_change_password,
        layout: ctx.layout(),
        errors: PasswordErrors::default(),
    };
    render(&page)
}

pub const PASSWORD_CHANGED: &str =
    "パスワードを変更しました。ほかの端末・ブラウザでのログインはすべて終了しました。";

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ChangeOwnPassword)?.clone();
    let mut errors = PasswordErrors::default();
    if let Err(message) = password::check_new(
        &form.new_password,
        password::Personal {
            login_id: &user.login_id,
            name: &user.display_name,
            email: user.email.as_deref().unwrap_or(""),
        },
    ) {
        errors.add("new_password", message);
    } else if form.new_password != form.confirm_password {
        errors.add("confirm_password", "確認のため入力したパスワードが一致しません。");
    } else if form.new_password == form.current_password {
        errors.add("new_password", "現在と異なるパスワードを入力してください。");
    }

    let mut tx = state.pool.begin().await?;
    let stored = db::accounts::password_hash(&mut tx, user.id).await?;
    if !password::verify_async(form.current_password.clone(), stored).await {
        errors.add("current_password", "現在のパスワードが正しくありません。");
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        let page =
            PasswordPage { must_change: user.must_change_password, layout: ctx.layout(), errors };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = password::hash_async(form.new_password).await?;
    db::accounts::set_password(&mut tx, user.id, &hash, ctx.now).await?;
    // Whoever else holds a session of this account (a stolen one too) is signed out.
    let keep = ctx.session.id().map(|id| id.to_string());
    db::sessions::end_for_account(&mut tx, user.id, keep.as_deref()).await?;
    let entry = audit::Entry {
        action: "account.password_change",
        entity_type: "account",
        entity_id: Some(user.id.to_string()),
        before: None,
        after: Some(json!({ "password": "changed" })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    if let Some(email) = &user.email {
        let message = crate::mail::messages::account::PasswordChanged {
            name: user.display_name.clone(),
            changed_at: format_jp_datetime(ctx.now),
            login_url: format!("{}/login", state.config.base_url),
            sig: crate::mail::Signature::portal("パスワード変更のお知らせ"),
        };
        crate::mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.session.cycle_id().await?;
    ctx.flash(PASSWORD_CHANGED).await?;
    Ok(see_other(user.role.home_path()))
}
