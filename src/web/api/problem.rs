//! The API's errors as problem details (RFC 9457, `application/problem+json`): `type` is
//! `about:blank`, so `title` is the HTTP status phrase; `detail` says in Japanese what went
//! wrong and what to do, as the work page would.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem detail (RFC 9457).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status phrase, e.g. `Unprocessable Entity`.
    pub title: String,
    pub status: u16,
    /// What went wrong and what to do, in Japanese.
    pub detail: String,
    /// Problems of single parts of the request (e.g. an unknown unit category).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub errors: Vec<String>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<i64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into(), errors: Vec::new(), retry_after: None }
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "APIトークンがないか、正しくないか、取り消されています。作業ページの「APIで登録する」で発行したトークンを Authorization: Bearer ヘッダーで送ってください。",
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, detail)
    }

    pub fn unprocessable(detail: impl Into<String>, errors: Vec<String>) -> Self {
        ApiError { errors, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail) }
    }

    pub fn too_many(retry_after: i64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "このトークンからの要求が多すぎます。{retry_after}秒ほどたってから、もう一度お試しください。"
                ),
            )
        }
    }

    pub fn unavailable(detail: impl Into<String>, retry_after: i64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, detail)
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::not_found("見つかりません。"),
            AppError::BadRequest(message) => ApiError::bad_request(message),
            AppError::Conflict(message) => ApiError::conflict(message),
            AppError::PayloadTooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "送信内容が大きすぎます。行を分けて送ってください。",
            ),
            AppError::Unavailable(detail) => {
                tracing::error!(%detail, "service unavailable");
                ApiError::unavailable(
                    "一時的にご利用いただけません。しばらくしてからもう一度お試しください。",
                    30,
                )
            }
            AppError::Forbidden | AppError::LoginRequired { .. } | AppError::Csrf => {
                ApiError::unauthorized()
            }
            AppError::Internal(error) => {
                tracing::error!(error = ?error, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "処理中にエラーが発生しました。時間をおいてもう一度お試しください。",
                )
            }
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::from(AppError::from(e))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let detail = match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                "送信内容が大きすぎます。行を分けて送ってください。".to_string()
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "Content-Type: application/json で送ってください。".to_string()
            }
            _ => format!("JSONとして読めませんでした（{}）。", rejection.body_text()),
        };
        ApiError::new(status, detail)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::not_found(format!("URLが正しくありません（{}）。", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!(
            "クエリパラメーターが正しくありません（{}）。",
            rejection.body_text()
        ))
    }
}
