//! The stylesheet, the small script and the icons, compiled into the binary so they serve the
//! same from any directory.

use axum::http::header;
use axum::response::IntoResponse;

const STYLESHEET: &str = include_str!("../../../static/style.css");
const FOCUS_SCRIPT: &str = include_str!("../../../static/focus.js");
const FAVICON_SVG: &str = include_str!("../../../static/favicon.svg");
const FAVICON_ICO: &[u8] = include_bytes!("../../../static/favicon.ico");
const TOUCH_ICON: &[u8] = include_bytes!("../../../static/apple-touch-icon.png");

/// Icons and the script change rarely: a day of caching spares a request on every page.
const CACHE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=86400");

pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET)
}

/// Moves focus to the error summary; the page works the same without it.
pub async fn focus_script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), CACHE], FOCUS_SCRIPT)
}

pub async fn favicon_svg() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), CACHE], FAVICON_SVG)
}

pub async fn favicon_ico() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/x-icon"), CACHE], FAVICON_ICO)
}

pub async fn touch_icon() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/png"), CACHE], TOUCH_ICON)
}
