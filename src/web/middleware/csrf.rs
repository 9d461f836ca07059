//! CSRF protection: a random token required on every state-changing request (form field
//! `csrf_token`, header `X-CSRF-Token`, or `?csrf_token=` for multipart uploads). The Origin
//! header, when the browser sends one, must name this site.
//!
//! A session that holds something (a signed-in user) keeps its token in the session. A visitor
//! without one gets the token in a cookie of its own (double submit: the form must send back
//! what the cookie holds), so an anonymous page view writes no session row. On https the
//! cookie is `__Host-` prefixed, so no other host of the domain can plant one.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use tower_sessions::Session;

use crate::error::AppError;
use crate::state::AppState;

pub const FIELD: &str = "csrf_token";
const SESSION_KEY: &str = "csrf";
pub const COOKIE: &str = "mamis_csrf";
const SECURE_COOKIE: &str = "__Host-mamis_csrf";

/// The anonymous visitor's token (from the cookie, or new on this response).
#[derive(Clone, Debug)]
pub struct CookieToken(pub String);
/// Largest url-encoded form read here (larger bodies are uploads and use the query token).
const FORM_LIMIT: usize = 1024 * 1024;

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The token forms of this request carry: the session's if it has one, else the cookie's.
/// Nothing is written to the session here.
pub async fn token(session: &Session, cookie: Option<&CookieToken>) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(SESSION_KEY).await? {
        return Ok(token);
    }
    Ok(cookie.map(|c| c.0.clone()).unwrap_or_default())
}

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The token in the request's cookie, if it has the shape of one.
fn token_in_cookies(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|(_, v)| v.to_string())
}

/// A fresh token (after login, so a token seen before login is useless after).
pub async fn rotate(session: &Session) -> Result<String, AppError> {
    let token = new_token();
    session.insert(SESSION_KEY, &token).await?;
    Ok(token)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn field_in(pairs: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(pairs).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned())
}

fn origin_matches_host(req: &Request) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        // Work pages are served with `Referrer-Policy: no-referrer` (their URL is the secret),
        // under which browsers send `Origin: null` with forms; the session token still decides.
        return req.uri().path().starts_with("/work/");
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    origin_host.eq_ignore_ascii_case(host)
}

pub async fn verify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secure = state.config.secure_cookies();
    let name = cookie_name(secure);
    let cookie = token_in_cookies(&req, name);
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let (token, fresh) = match cookie {
            Some(token) => (token, false),
            None => (new_token(), true),
        };
        req.extensions_mut().insert(CookieToken(token.clone()));
        let mut response = next.run(req).await;
        if fresh {
            // Lax, not Strict: a link from a mail opens a page with the cookie the other tabs
            // use, instead of replacing it (double submit does not rely on SameSite).
            let secure_attr = if secure { "; Secure" } else { "" };
            let value = format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax{secure_attr}");
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        return response;
    }
    if let Some(token) = &cookie {
        req.extensions_mut().insert(CookieToken(token.clone()));
    }
    if !origin_matches_host(&req) {
        return AppError::Csrf.into_response();
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return AppError::Csrf.into_response();
    };
    let expected = match session.get::<String>(SESSION_KEY).await {
        Ok(Some(token)) => token,
        Ok(None) => match cookie {
            Some(token) => token,
            None => return AppError::Csrf.into_response(),
        },
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut offered = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().query().and_then(|q| field_in(q.as_bytes())));
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let req = if offered.is_none() && is_form {
        let (parts, body) = req.into_parts();
        let bytes = match to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => bytes,
            Err(_) => return AppError::PayloadTooLarge.into_response(),
        };
        offered = field_in(&bytes);
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    match offered {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => {
            next.run(req).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_form_fields() {
        assert_eq!(field_in(b"a=1&csrf_token=abc%20d&b=2"), Some("abc d".into()));
        assert_eq!(field_in(b"a=1"), None);
    }

    #[test]
    fn compares_whole_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
    }
}
