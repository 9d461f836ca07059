//! Who is calling the API: an organizer's system with a Bearer token of one seminar. No
//! session and no CSRF token: nothing here rides on a cookie, so a page elsewhere cannot make
//! a browser send the token. Each token gets `domain::rate_limit::API_PER_TOKEN` requests a
//! window (429 with Retry-After beyond) and, like a work page, a few at a time.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use crate::clock::Jst;
use crate::db::api_tokens::{self, ApiToken};
use crate::db::audit::Who;
use crate::db::seminars::{self, Seminar};
use crate::db::{self};
use crate::domain::category::{Category, Units};
use crate::domain::rate_limit::{exceeded, retry_after_seconds, API_PER_TOKEN};
use crate::state::AppState;
use crate::web::api::problem::ApiError;
use crate::web::work::limit::{turn, Turn};

/// An authenticated API request: the token, its seminar and the units it grants.
pub struct ApiClient {
    pub token: ApiToken,
    pub seminar: Seminar,
    /// The units the seminar grants, in category order.
    pub grants: Vec<(Category, Units)>,
    pub now: Jst,
    /// For the audit log: no account (organizers have none), the address and request ID.
    pub who: Who,
    _turn: Turn,
}

impl ApiClient {
    /// How the audit log names this door: the token's id and name.
    pub fn via(&self) -> serde_json::Value {
        serde_json::json!({ "api_token": self.token.id, "name": self.token.name })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn client_ip(parts: &Parts, behind_proxy: bool) -> Option<String> {
    let forwarded = behind_proxy
        .then(|| parts.headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
    forwarded
        .or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
}

fn grants(rows: Vec<seminars::UnitRow>) -> Vec<(Category, Units)> {
    let mut grants: Vec<(Category, Units)> = rows
        .into_iter()
        .filter_map(|r| Some((Category::from_code(&r.category)?, Units::new(r.units).ok()?)))
        .collect();
    grants.sort_by_key(|(c, _)| *c);
    grants
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let now = state.clock.now();
        let token = api_tokens::authenticate(&state.pool, secret, now)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let (hits, window_start) =
            db::rate_limit::hit_in_window(&state.pool, &API_PER_TOKEN, &token.id.to_string(), now)
                .await?;
        if exceeded(&API_PER_TOKEN, hits) {
            tracing::warn!(token = token.id, hits, "API token over its rate limit");
            return Err(ApiError::too_many(retry_after_seconds(&API_PER_TOKEN, window_start, now)));
        }
        let turn = turn(&format!("api:{}", token.id)).await.map_err(ApiError::from)?;
        let mut conn = state.pool.acquire().await?;
        let seminar =
            seminars::get(&mut conn, token.seminar_id).await?.ok_or_else(ApiError::unauthorized)?;
        let units = seminars::units(&mut conn, seminar.id).await?;
        let who = Who {
            actor_account_id: None,
            on_behalf_of_account_id: None,
            ip: client_ip(parts, state.config.behind_proxy),
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        };
        Ok(ApiClient { token, seminar, grants: grants(units), now, who, _turn: turn })
    }
}
