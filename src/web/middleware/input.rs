//! Every text a form sends passes here first: control characters (NUL and the like) are
//! refused with a message instead of failing deep in the database, and bidirectional-text
//! controls are removed, so nothing stored can be shown reordered.

use std::borrow::Cow;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::text::{has_forbidden_control, strip_bidi};
use crate::error::AppError;

const FORM_LIMIT: usize = 1024 * 1024;
pub const CONTROL_CHARACTERS: &str =
    "入力に使えない制御文字（NULなど）が含まれていました。入力内容を確かめて、もう一度送信してください。";

/// One text value of any form, url-encoded or multipart: refused (400 with the message) when
/// it holds a control character, returned without bidi controls otherwise. Both kinds of form
/// pass here, so a field means the same whichever encoding the browser chose.
pub fn form_text(text: &str) -> Result<Cow<'_, str>, AppError> {
    if has_forbidden_control(text) {
        return Err(AppError::BadRequest(CONTROL_CHARACTERS.into()));
    }
    Ok(strip_bidi(text))
}

/// The url-encoded pairs, each name and value through `form_text`, encoded again.
fn checked_pairs(pairs: &[u8]) -> Result<String, AppError> {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(pairs) {
        out.append_pair(&form_text(&k)?, &form_text(&v)?);
    }
    Ok(out.finish())
}

pub async fn clean(req: Request, next: Next) -> Response {
    if let Some(Err(refused)) = req.uri().query().map(|q| checked_pairs(q.as_bytes())) {
        return refused.into_response();
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        // Multipart forms are read field by field by their handlers, each text through
        // `form_text` (files are not text).
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return AppError::PayloadTooLarge.into_response();
    };
    let cleaned = match checked_pairs(&bytes) {
        Ok(cleaned) => cleaned,
        Err(refused) => return refused.into_response(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(cleaned))).await
}
