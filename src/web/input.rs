//! Every text a form sends passes here first: control characters (NUL and the like) are
//! refused with a message instead of failing deep in the database, and bidirectional-text
//! controls are removed, so nothing stored can be shown reordered.

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

fn pairs_have_controls(pairs: &[u8]) -> bool {
    url::form_urlencoded::parse(pairs)
        .any(|(k, v)| has_forbidden_control(&k) || has_forbidden_control(&v))
}

fn without_bidi(pairs: &[u8]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(pairs) {
        out.append_pair(&strip_bidi(&k), &strip_bidi(&v));
    }
    out.finish()
}

pub async fn clean(req: Request, next: Next) -> Response {
    if req.uri().query().is_some_and(|q| pairs_have_controls(q.as_bytes())) {
        return AppError::BadRequest(CONTROL_CHARACTERS.into()).into_response();
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return AppError::PayloadTooLarge.into_response();
    };
    if pairs_have_controls(&bytes) {
        return AppError::BadRequest(CONTROL_CHARACTERS.into()).into_response();
    }
    let cleaned = without_bidi(&bytes);
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(cleaned))).await
}
