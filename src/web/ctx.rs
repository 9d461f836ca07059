//! The request context every handler starts from: session, CSRF token, signed-in user (with
//! idle and absolute expiry enforced on the portal's clock), client address and request ID.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::clock::{jst, Jst};
use crate::db::{self, accounts::CurrentAccount, audit::Who};
use crate::domain::policy::{allows, Action};
use crate::domain::session::{expired, needs_touch, Expiry};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::middleware::csrf;

pub const AUTH_KEY: &str = "auth";
pub const NOTICE_KEY: &str = "notice";
/// The physician account a staff member is entering data for (代理入力).
pub const PROXY_KEY: &str = "proxy_for";
pub const NOT_UNDER_PROXY: &str = "代理入力中は、メールアドレス・パスワードの変更、パスワードの再設定、代理入力の同意の管理はできません。ご本人が操作してください。";
pub const SESSION_IDLE: &str =
    "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。";
pub const SESSION_TOO_LONG: &str =
    "ログインから12時間が経過したため、ログアウトしました。もう一度ログインしてください。";

/// What the session remembers about a signed-in user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthData {
    pub account_id: i64,
    /// Unix seconds.
    pub login_at: i64,
    pub last_seen: i64,
}

fn from_unix(secs: i64) -> Jst {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default().with_timezone(&jst())
}

#[derive(Clone)]
pub struct Ctx {
    pub session: Session,
    pub csrf: String,
    pub user: Option<CurrentAccount>,
    /// Set while staff act for a physician: `user` is then the physician, this the staff.
    pub proxy_by: Option<CurrentAccount>,
    pub now: Jst,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub path_and_query: String,
    /// The session ended (idle or too long) on this request.
    pub session_expired: bool,
    /// Where this request may read from (`AppState::read_pool`).
    pub reads: Option<std::sync::Arc<crate::state::ReadRoute>>,
}

impl Ctx {
    /// The signed-in user, if the policy lets them do `action`; otherwise a redirect to the
    /// login page (not signed in) or 403.
    pub fn require(&self, action: Action) -> Result<&CurrentAccount, AppError> {
        let Some(user) = &self.user else {
            return Err(AppError::LoginRequired { next: self.path_and_query.clone() });
        };
        // A physician's password is theirs alone, even under proxy entry.
        if self.proxy_by.is_some() && matches!(action, Action::ChangeOwnPassword) {
            return Err(AppError::Forbidden);
        }
        if allows(&user.actor(), action) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Credentials and the e-mail address are the physician's alone: refused under proxy entry
    /// (staff could otherwise take the account over through a reset mailed to their address).
    pub fn refuse_under_proxy(&self) -> Result<(), AppError> {
        if self.proxy_by.is_some() {
            return Err(AppError::BadRequest(NOT_UNDER_PROXY.into()));
        }
        Ok(())
    }

    /// Like `require`, for one record: a user who may not act on it gets the same 404 as for
    /// a record that does not exist, so the answer tells nothing about other people's records.
    /// Check the role's own access first (with `require`) where a 403 is the honest answer.
    pub fn require_record(&self, action: Action) -> Result<&CurrentAccount, AppError> {
        match self.require(action) {
            Err(AppError::Forbidden) => Err(AppError::NotFound),
            other => other,
        }
    }

    pub fn layout(&self) -> Layout {
        let layout = Layout::new(self.user.as_ref(), &self.csrf);
        match (&self.proxy_by, &self.user) {
            (Some(staff), Some(physician)) => {
                layout.with_proxy(&staff.display_name, &physician.display_name)
            }
            _ => layout,
        }
    }

    pub fn who(&self) -> Who {
        let (actor, on_behalf_of) = match (&self.proxy_by, &self.user) {
            (Some(staff), Some(physician)) => (Some(staff.id), Some(physician.id)),
            (_, user) => (user.as_ref().map(|u| u.id), None),
        };
        Who {
            actor_account_id: actor,
            on_behalf_of_account_id: on_behalf_of,
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// A notice to show once on the next page.
    pub async fn flash(&self, message: &str) -> Result<(), AppError> {
        self.session.insert(NOTICE_KEY, message).await?;
        Ok(())
    }

    pub async fn take_flash(&self) -> Result<Option<String>, AppError> {
        // Removing marks the session changed, which writes its row back: only remove a notice
        // that is there, so that a page without one costs no session write.
        if self.session.get_value(NOTICE_KEY).await?.is_none() {
            return Ok(None);
        }
        Ok(self.session.remove::<String>(NOTICE_KEY).await?)
    }
}

/// The physician a staff member may act for right now: consent in force, same prefecture.
async fn proxy_target(
    state: &AppState,
    staff: &CurrentAccount,
    physician_account: i64,
) -> Result<Option<CurrentAccount>, AppError> {
    let Some(physician) = db::proxy::physician_by_account(&state.pool, physician_account).await?
    else {
        return Ok(None);
    };
    let association = staff.association.as_ref().map(|a| a.id);
    let consent = db::proxy::active_consent(&state.pool, physician.id, association).await?;
    let target = crate::domain::policy::PhysicianTarget {
        account_id: physician.account_id,
        prefecture_code: physician.prefecture_code,
        proxy_consent: consent.is_some(),
    };
    if !allows(&staff.actor(), Action::ActForPhysician(target)) {
        return Ok(None);
    }
    Ok(db::accounts::load_current(&state.pool, physician_account).await?)
}

/// Under proxy entry: swaps the signed-in staff member for the physician they act for and
/// returns the staff member; ends a proxy entry that is no longer allowed.
async fn take_proxy(
    state: &AppState,
    session: &Session,
    user: &mut Option<CurrentAccount>,
) -> Result<Option<CurrentAccount>, AppError> {
    let mut proxy_by = None;
    if let Some(staff) = user.as_ref().filter(|u| u.role.is_staff()) {
        if let Some(target_account) = session.get::<i64>(PROXY_KEY).await? {
            match proxy_target(state, staff, target_account).await? {
                Some(physician) => {
                    proxy_by = user.take();
                    *user = Some(physician);
                }
                None => {
                    session.remove::<i64>(PROXY_KEY).await?;
                }
            }
        }
    }
    Ok(proxy_by)
}

fn client_ip(parts: &Parts, behind_proxy: bool) -> Option<String> {
    if behind_proxy {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Built already by the audience guard (web::middleware::audience) for this request.
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let csrf = csrf::token(&session, parts.extensions.get::<csrf::CookieToken>()).await?;
        let now = state.clock.now();
        let mut user = None;
        let mut session_expired = false;
        if let Some(mut auth) = session.get::<AuthData>(AUTH_KEY).await? {
            if let Some(why) = expired(from_unix(auth.login_at), from_unix(auth.last_seen), now) {
                session.remove::<AuthData>(AUTH_KEY).await?;
                let notice = match why {
                    Expiry::Idle => SESSION_IDLE,
                    Expiry::Absolute => SESSION_TOO_LONG,
                };
                session.insert(NOTICE_KEY, notice).await?;
                session_expired = true;
            } else {
                user = db::accounts::load_current(&state.pool, auth.account_id).await?;
                if user.is_none() {
                    session.remove::<AuthData>(AUTH_KEY).await?;
                } else if needs_touch(from_unix(auth.last_seen), now) {
                    auth.last_seen = now.timestamp();
                    session.insert(AUTH_KEY, auth).await?;
                }
            }
        }
        let proxy_by = take_proxy(state, &session, &mut user).await?;
        Ok(Ctx {
            session,
            csrf,
            user,
            proxy_by,
            now,
            ip: client_ip(parts, state.config.behind_proxy),
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            path_and_query: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
            session_expired,
            reads: parts.extensions.get().cloned(),
        })
    }
}
