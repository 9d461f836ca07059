//! Serving stored uploads: always as a download, never rendered by the browser.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::db::files::FileData;

/// `attachment` with an ASCII fallback name and the real name in RFC 5987 form: the browser
/// always downloads, never renders.
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A stored file as a download, typed as checked by content at upload, sandboxed.
pub fn attachment(file: FileData) -> Response {
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(&file.file_name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let mut response = file.data.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, private"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn download_names_are_safe_header_values() {
        let value = content_disposition("報告 \"書\".pdf");
        assert!(value.starts_with("attachment; filename=\"______.pdf\""));
        assert!(value.contains("filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%22%E6%9B%B8%22.pdf"));
        assert!(value.is_ascii());
    }
}
