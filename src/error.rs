//! One error type for every handler. Users see a Japanese page; details go to the log only.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::web::layout::Layout;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    LoginRequired { next: String },
    #[error("CSRF token missing or invalid")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                AppError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(ref db) if db.code().is_some_and(|c| c.starts_with("57P")) => {
                // admin_shutdown, crash_shutdown, cannot_connect_now
                AppError::Unavailable(e.to_string())
            }
            // character_not_in_repertoire: a NUL that reached the database by a path no form
            // check sees (text read from an uploaded file, for instance).
            sqlx::Error::Database(ref db) if db.code().is_some_and(|c| c == "22021") => {
                AppError::BadRequest(crate::web::middleware::input::CONTROL_CHARACTERS.into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::Unavailable(format!("session store: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: &'static str,
    message: String,
}

pub fn error_page(status: StatusCode, title: &'static str, message: String) -> Response {
    let page = ErrorPage { layout: Layout::anonymous(), title, message };
    let body = page.render().unwrap_or_else(|_| format!("<h1>{title}</h1>"));
    (status, Html(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "ページが見つかりません",
                "お探しのページは見つかりませんでした。URLをご確認ください。".into(),
            ),
            AppError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "このページは表示できません",
                "このページを表示する権限がありません。".into(),
            ),
            AppError::LoginRequired { next } => {
                let target = if next.is_empty() || next == "/" {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", urlencode(&next))
                };
                Redirect::to(&target).into_response()
            }
            AppError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "送信を受け付けられませんでした",
                "画面の有効期限が切れたか、正しくない送信です。お手数ですが、前の画面を開き直してからもう一度送信してください。".into(),
            ),
            AppError::BadRequest(message) => {
                error_page(StatusCode::BAD_REQUEST, "入力内容を確認してください", message)
            }
            AppError::Conflict(message) => {
                error_page(StatusCode::CONFLICT, "ほかの操作と重なりました", message)
            }
            AppError::PayloadTooLarge => error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "送信内容が大きすぎます",
                "送信できる大きさの上限を超えています。".into(),
            ),
            AppError::Unavailable(detail) => {
                tracing::error!(%detail, "service unavailable");
                let mut response = error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ただいま混み合っています",
                    "一時的にご利用いただけません。しばらくしてからもう一度お試しください。".into(),
                );
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
                response
            }
            AppError::Internal(error) => {
                tracing::error!(error = ?error, "internal error");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました",
                    "申し訳ありません。処理中にエラーが発生しました。時間をおいてもう一度お試しください。".into(),
                )
            }
        }
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub type AppResult<T> = Result<T, AppError>;
