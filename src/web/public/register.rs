//! Self-registration for non-members (利用者登録): accept the terms and give an e-mail address →
//! confirm it through the mailed link → choose a login ID and password and enter the details →
//! 登録完了, signed in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::{self, audit, tokens, tokens::Purpose};
use crate::domain::person::parse_email;
use crate::domain::rate_limit;
use crate::domain::registration::{parse_details, parse_new_login_id, DetailsInput, FieldErrors};
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::password;
use crate::state::AppState;
use crate::web::ctx::{AuthData, Ctx, AUTH_KEY};
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::middleware::csrf;
use crate::web::middleware::limits;
use crate::web::public::welcome::{MessagePage, REGISTRY_NUMBER_TAKEN};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register", get(start_form).post(start))
        .route("/register/continue", get(details_form).post(finish))
}

#[derive(Template)]
#[template(path = "register/start.html")]
struct StartPage {
    layout: Layout,
    terms_title: String,
    terms_body: String,
    terms_version: String,
    email: String,
    errors: FieldErrors,
    sent_to: Option<String>,
}

async fn start_page(
    state: &AppState,
    ctx: &Ctx,
    email: String,
    errors: FieldErrors,
    sent_to: Option<String>,
) -> AppResult<Response> {
    let terms = db::physicians::current_terms(&mut *state.pool.acquire().await?).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = StartPage {
        layout: Layout::new(None, &ctx.csrf),
        terms_title: terms.title,
        terms_body: terms.body,
        terms_version: terms.version,
        email,
        errors,
        sent_to,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn start_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(user) = &ctx.user {
        return Ok(see_other(user.role.home_path()));
    }
    start_page(&state, &ctx, String::new(), FieldErrors::default(), None).await
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    agree: String,
    #[serde(default)]
    email: String,
}

pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    if form.agree != "yes" {
        errors.add("agree", "利用規約をお読みのうえ、「同意する」にチェックを入れてください。");
    }
    let email = parse_email(&form.email).map_err(|e| errors.add("email", e));
    let (Ok(email), true) = (email, errors.is_empty()) else {
        return start_page(&state, &ctx, form.email, errors, None).await;
    };
    let limits = [
        (rate_limit::REGISTER_PER_IP, None),
        (rate_limit::REGISTER_PER_ADDRESS, Some(email.as_str())),
    ];
    if let Some(refused) = limits::check(&state, &ctx, &limits).await? {
        return Ok(refused);
    }
    let mut tx = state.pool.begin().await?;
    // The answer is the same whether or not the address is registered; the mail differs.
    if db::accounts::email_in_use(&mut tx, &email).await? {
        let message = crate::mail::messages::account::RegistrationAddressInUse {
            forgot_url: format!("{}/forgot", state.config.base_url),
            sig: crate::mail::Signature::portal("利用者登録のお申し込みへのご案内"),
        };
        crate::mail::queue(&mut tx, &email, &message, ctx.now).await?;
    } else {
        let token =
            tokens::issue(&mut tx, Purpose::SelfRegistration, None, &email, ctx.now).await?;
        let message = crate::mail::messages::account::RegistrationInvitation {
            link: format!("{}/register/continue?token={token}", state.config.base_url),
            sig: crate::mail::Signature::portal("利用者登録のお申し込みへのご案内"),
        };
        crate::mail::queue(&mut tx, &email, &message, ctx.now).await?;
    }
    let entry = audit::Entry {
        action: "registration.start",
        entity_type: "registration",
        entity_id: None,
        before: None,
        after: Some(json!({ "email": email })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    start_page(&state, &ctx, String::new(), FieldErrors::default(), Some(email)).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct FinishForm {
    pub(crate) token: String,
    pub(crate) login_id: String,
    pub(crate) password: String,
    pub(crate) confirm_password: String,
    #[serde(flatten)]
    pub(crate) details: DetailsInput,
}

#[derive(Template)]
#[template(path = "register/details.html")]
struct DetailsPage {
    layout: Layout,
    token: String,
    email: String,
    login_id: String,
    form: DetailsInput,
    errors: FieldErrors,
    prefectures: Vec<PrefectureOption>,
    identity_locked: bool,
}

fn expired_page(ctx: &Ctx) -> AppResult<Response> {
    let page = MessagePage {
        layout: Layout::new(None, &ctx.csrf),
        title: "リンクの有効期限が切れています",
        message: "このリンクは有効期限（24時間）が切れているか、すでに使われています。お手数ですが、利用者登録を最初からやり直してください。".into(),
        link: Some(("/register", "利用者登録をやり直す")),
    };
    Ok((StatusCode::GONE, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn details_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let Some(claimed) =
        tokens::peek(&mut conn, Purpose::SelfRegistration, &query.token, ctx.now).await?
    else {
        return expired_page(&ctx);
    };
    let page = DetailsPage {
        layout: Layout::new(None, &ctx.csrf),
        token: query.token,
        email: claimed.email,
        login_id: String::new(),
        form: DetailsInput::default(),
        errors: FieldErrors::default(),
        prefectures: prefecture_options(""),
        identity_locked: false,
    };
    render(&page)
}

pub async fn finish(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<FinishForm>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let Some(claimed) =
        tokens::peek(&mut tx, Purpose::SelfRegistration, &form.token, ctx.now).await?
    else {
        return expired_page(&ctx);
    };
    // Each try tells whether a registry number is taken: a few per link and address only.
    let limits = [
        (rate_limit::CONTINUE_PER_LINK, Some(form.token.as_str())),
        (rate_limit::CONTINUE_PER_IP, None),
    ];
    if let Some(refused) = limits::check(&state, &ctx, &limits).await? {
        tx.rollback().await?;
        return Ok(refused);
    }
    let mut errors = FieldErrors::default();
    let login_id = parse_new_login_id(&form.login_id).map_err(|e| errors.add("login_id", e)).ok();
    if let Some(id) = &login_id {
        if db::accounts::login_id_taken(&mut tx, id).await? {
            errors
                .add("login_id", "このログインIDはすでに使われています。別のIDを選んでください。");
        }
    }
    if let Err(e) = password::check_new(
        &form.password,
        password::Personal {
            login_id: login_id.as_deref().unwrap_or(""),
            name: "",
            email: &claimed.email,
        },
    ) {
        errors.add("password", e);
    } else if form.password != form.confirm_password {
        errors.add("confirm_password", "確認のため入力したパスワードが一致しません。");
    }
    let details = match parse_details(&form.details, ctx.now.date_naive()) {
        Ok(d) => {
            if db::physicians::registry_number_holder(&mut tx, d.registry_number.as_str(), None)
                .await?
                .is_some()
            {
                errors.add("registry_number", REGISTRY_NUMBER_TAKEN);
            }
            Some(d)
        }
        Err(e) => {
            errors.merge(e);
            None
        }
    };
    let (Some(login_id), Some(details), true) = (login_id, details, errors.is_empty()) else {
        tx.rollback().await?;
        let page = DetailsPage {
            layout: Layout::new(None, &ctx.csrf),
            token: form.token,
            email: claimed.email,
            login_id: form.login_id,
            prefectures: prefecture_options(&form.details.prefecture),
            form: form.details,
            errors,
            identity_locked: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    // Used now, in the same transaction: a second submit of the same link fails here.
    if tokens::consume(&mut tx, Purpose::SelfRegistration, &form.token, ctx.now).await?.is_none() {
        tx.rollback().await?;
        return expired_page(&ctx);
    }
    let hash = password::hash_async(form.password).await?;
    let account_id = db::accounts::create(
        &mut tx,
        &db::accounts::NewAccount {
            login_id: &login_id,
            password_hash: &hash,
            role: Role::Physician,
            display_name: &details.kanji_name,
            email: Some(&claimed.email),
            must_change_password: false,
        },
        ctx.now,
    )
    .await?;
    let terms = db::physicians::current_terms(&mut tx).await?;
    db::physicians::accept_terms(&mut tx, account_id, &terms.version, ctx.now).await?;
    let physician_id =
        db::physicians::create_registered(&mut tx, account_id, &details, &terms.version, ctx.now)
            .await?;
    let linked = db::linking::link_certifications(&mut tx, Some(physician_id), ctx.now).await?;
    let credits = db::credits::attach_for_physician(&mut tx, physician_id, ctx.now).await?;
    let who = audit::Who { actor_account_id: Some(account_id), ..ctx.who() };
    let after = db::physicians::details_json(&mut tx, physician_id).await?;
    let entries = [
        audit::Entry {
            action: "account.create",
            entity_type: "account",
            entity_id: Some(account_id.to_string()),
            before: None,
            after: Some(
                json!({ "login_id": login_id, "role": "physician", "email": claimed.email }),
            ),
        },
        audit::Entry {
            action: "physician.self_registration",
            entity_type: "physician",
            entity_id: Some(physician_id.to_string()),
            before: None,
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
    let message = crate::mail::messages::account::RegistrationCompleted {
        name: details.kanji_name.clone(),
        completed_at: crate::clock::format_jp_datetime(ctx.now),
        login_id: login_id.to_string(),
        login_url: format!("{}/login", state.config.base_url),
        sig: crate::mail::Signature::portal("利用者登録完了のお知らせ"),
    };
    crate::mail::queue(&mut tx, &claimed.email, &message, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();

    ctx.session.cycle_id().await?;
    let now = ctx.now.timestamp();
    ctx.session.insert(AUTH_KEY, AuthData { account_id, login_at: now, last_seen: now }).await?;
    csrf::rotate(&ctx.session).await?;
    ctx.flash("利用者登録が完了しました。").await?;
    Ok(see_other("/mypage"))
}
