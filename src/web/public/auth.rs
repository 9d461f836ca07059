//! Login and logout.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;

use crate::db::{self, audit};
use crate::domain::postcard::{self, InitialPassword};
use crate::domain::role::Role;
use crate::domain::text::{normalize_login_id, safe_next_path};
use crate::domain::throttle::{MAX_FAILURES_PER_IP, MAX_FAILURES_PER_LOGIN_ID};
use crate::error::AppResult;
use crate::password;
use crate::state::AppState;
use crate::web::ctx::{AuthData, Ctx, AUTH_KEY};
use crate::web::layout::{site_notices, Layout, NoticeView};
use crate::web::middleware::csrf;
use crate::web::{render, see_other};

pub const WRONG_CREDENTIALS: &str = "ログインIDまたはパスワードが正しくありません。";
pub const LOCKED: &str = "ログインに続けて失敗したため、しばらくの間ログインできません。数分（失敗が続いた場合は最長15分）おいてからお試しください。急ぎの場合は事務局にロックの解除をご依頼ください。";

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    login_id: String,
    next: String,
    error: Option<&'static str>,
    notices: Vec<NoticeView>,
    /// `/login`, or `/admin/login` (open during maintenance windows, administrators only).
    action: &'static str,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    logged_out: Option<String>,
}

async fn notices(state: &AppState, ctx: &Ctx) -> AppResult<Vec<NoticeView>> {
    site_notices(state, ctx.now).await
}

struct Door {
    action: &'static str,
    admin_only: bool,
}

const PUBLIC: Door = Door { action: "/login", admin_only: false };
const ADMIN: Door = Door { action: "/admin/login", admin_only: true };

async fn login_page(
    state: &AppState,
    ctx: &Ctx,
    door: &Door,
    login_id: String,
    next: String,
    error: Option<&'static str>,
    notice: Option<String>,
) -> AppResult<Response> {
    let page = LoginPage {
        layout: Layout::new(None, &ctx.csrf).with_notice(notice),
        login_id,
        next,
        error,
        notices: notices(state, ctx).await?,
        action: door.action,
    };
    render(&page)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    show_door(state, ctx, query, &PUBLIC).await
}

/// The administrators' sign-in, reachable during maintenance windows.
pub async fn admin_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    show_door(state, ctx, query, &ADMIN).await
}

async fn show_door(
    state: AppState,
    ctx: Ctx,
    query: LoginQuery,
    door: &Door,
) -> AppResult<Response> {
    if let Some(user) = &ctx.user {
        return Ok(see_other(user.role.home_path()));
    }
    let notice = if ctx.session_expired {
        Some(
            "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。".into(),
        )
    } else if query.logged_out.is_some() {
        Some("ログアウトしました。".into())
    } else {
        ctx.take_flash().await?
    };
    let next = query.next.unwrap_or_default();
    login_page(&state, &ctx, door, String::new(), next, None, notice).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub(crate) login_id: String,
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    sign_in(state, ctx, form, &PUBLIC).await
}

pub async fn admin_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    sign_in(state, ctx, form, &ADMIN).await
}

async fn sign_in(state: AppState, ctx: Ctx, form: LoginForm, door: &Door) -> AppResult<Response> {
    let login_id = normalize_login_id(&form.login_id);
    let id_key = format!("id:{}", login_id.to_lowercase());
    let ip_key = ctx.ip.as_ref().map(|ip| format!("ip:{ip}"));
    let now = ctx.now;

    // Counted before the password is checked, under the counters' row locks: a burst of
    // parallel attempts gets exactly the limit's worth of checks.
    let mut keys = vec![(id_key.as_str(), MAX_FAILURES_PER_LOGIN_ID)];
    if let Some(key) = &ip_key {
        keys.push((key.as_str(), MAX_FAILURES_PER_IP));
    }
    if !db::throttle::admit_attempt(&state.pool, &keys, now).await? {
        let mut conn = state.pool.acquire().await?;
        let entry = audit::Entry {
            action: "auth.login_refused_locked",
            entity_type: "login",
            entity_id: None,
            before: None,
            after: Some(json!({ "login_id": login_id })),
        };
        audit::record(&mut conn, &ctx.who(), now, entry).await?;
        drop(conn);
        let page = login_page(&state, &ctx, door, login_id, form.next, Some(LOCKED), None).await?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }

    let account = db::accounts::find_for_login(&state.pool, &login_id).await?;
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    // A member's earlier, reissued postcard: checked only when the password is wrong.
    let superseded = account.as_ref().and_then(|a| a.postcard_superseded_hash.clone());
    let typed = superseded.as_ref().map(|_| form.password.clone());
    let password_ok = password::verify_async(form.password, stored).await;
    let postcard_refusal = match (&account, typed, superseded) {
        (Some(a), _, _) if password_ok => {
            let now_utc = now.with_timezone(&chrono::Utc);
            (InitialPassword::at(a.postcard_expires_at, now_utc) == InitialPassword::Expired)
                .then_some(("expired", postcard::EXPIRED_MESSAGE))
        }
        (Some(_), Some(typed), Some(old)) => password::verify_async(typed, old)
            .await
            .then_some(("reissued", postcard::REISSUED_MESSAGE)),
        _ => None,
    };
    if let (Some((reason, message)), Some(a)) = (postcard_refusal, &account) {
        let mut conn = state.pool.acquire().await?;
        let entry = audit::Entry {
            action: "auth.login_refused_postcard",
            entity_type: "account",
            entity_id: Some(a.id.to_string()),
            before: None,
            after: Some(json!({ "login_id": login_id, "reason": reason })),
        };
        audit::record(&mut conn, &ctx.who(), now, entry).await?;
        drop(conn);
        let page = login_page(&state, &ctx, door, login_id, form.next, Some(message), None).await?;
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    }
    // The administrators' door admits administrators only (the same answer as a wrong
    // password for anyone else, so it tells nothing about other accounts).
    let account = account.filter(|a| {
        password_ok && !a.disabled && (!door.admin_only || a.role == Role::Sysadmin.code())
    });

    let Some(account) = account else {
        let mut conn = state.pool.acquire().await?;
        let entry = audit::Entry {
            action: "auth.login_failed",
            entity_type: "login",
            entity_id: None,
            before: None,
            after: Some(json!({ "login_id": login_id })),
        };
        audit::record(&mut conn, &ctx.who(), now, entry).await?;
        drop(conn);
        let page =
            login_page(&state, &ctx, door, login_id, form.next, Some(WRONG_CREDENTIALS), None)
                .await?;
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };

    db::throttle::succeeded(&state.pool, &id_key, ip_key.as_deref()).await?;
    // A new session ID on login, so an ID planted before login is worthless after it.
    ctx.session.cycle_id().await?;
    let auth =
        AuthData { account_id: account.id, login_at: now.timestamp(), last_seen: now.timestamp() };
    ctx.session.insert(AUTH_KEY, &auth).await?;
    csrf::rotate(&ctx.session).await?;

    let mut conn = state.pool.acquire().await?;
    let who = audit::Who { actor_account_id: Some(account.id), ..ctx.who() };
    let entry = audit::Entry {
        action: "auth.login",
        entity_type: "account",
        entity_id: Some(account.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&mut conn, &who, now, entry).await?;
    // Never wait for a second pooled connection while holding one: under load every request
    // could hold one and wait for another until the acquire timeout.
    drop(conn);

    let current = db::accounts::load_current(&state.pool, account.id).await?;
    let home = current.map(|c| c.role.home_path()).unwrap_or("/");
    Ok(see_other(safe_next_path(&form.next).unwrap_or(home)))
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(user) = &ctx.user {
        let mut conn = state.pool.acquire().await?;
        let entry = audit::Entry {
            action: "auth.logout",
            entity_type: "account",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: None,
        };
        audit::record(&mut conn, &ctx.who(), ctx.now, entry).await?;
    }
    ctx.session.flush().await?;
    Ok(see_other("/login?logged_out=1"))
}

/// `/`: the signed-in person's home, or the sign-in page.
pub async fn root(ctx: Ctx) -> Response {
    match &ctx.user {
        Some(user) => see_other(user.role.home_path()),
        None => see_other("/login"),
    }
}
