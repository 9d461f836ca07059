//! Fixtures of the application tests (applications, application_new, application_journey,
//! application_review): starting an application through the pages, declaring a credit,
//! uploading evidence as the form does, and a staff step on the version the page showed.

use reqwest::StatusCode;

use super::{Browser, Page, TestApp};

const BOUNDARY: &str = "----mamis-application-evidence";

/// One file field named `file`, as the evidence forms send it.
pub fn multipart_body(file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads a file to `path` as the form does: multipart body, CSRF token in the query string.
pub async fn upload_to(b: &mut Browser, path: &str, file_name: &str, content: &[u8]) -> Page {
    let token = b.csrf.clone().expect("a page with a CSRF token was opened first");
    let r = b
        .client
        .post(format!("{}{path}?csrf_token={token}", b.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart_body(file_name, content))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.text().await.unwrap();
    Page { status, headers, body }
}

/// Starts an application through the pages; the response of the POST.
pub async fn start(b: &mut Browser, programme: &str, kind: &str) -> Page {
    let path = format!("/mypage/applications/new?programme={programme}&kind={kind}");
    assert_eq!(b.get(&path).await.status, StatusCode::OK);
    b.post(&path, &[]).await
}

/// The application a POST redirected to.
pub fn id_of(page: &Page) -> i64 {
    let location = page.location().expect("a redirect to the application");
    location.trim_start_matches("/mypage/applications/").parse().expect("an application id")
}

/// A credit declared by hand on the application's form.
pub struct Declared<'a> {
    pub category: &'a str,
    pub format: &'a str,
    pub units: &'a str,
    pub attended_on: &'a str,
    pub source: &'a str,
}

impl<'a> Declared<'a> {
    /// In person, from the handbook.
    pub fn handbook(category: &'a str, units: &'a str, attended_on: &'a str) -> Self {
        Declared { category, format: "in_person", units, attended_on, source: "handbook" }
    }

    /// In person, from a certificate.
    pub fn certificate(category: &'a str, units: &'a str, attended_on: &'a str) -> Self {
        Declared { category, format: "in_person", units, attended_on, source: "certificate" }
    }
}

pub async fn declare(b: &mut Browser, id: i64, c: Declared<'_>) -> Page {
    b.post(
        &format!("/mypage/applications/{id}/credits"),
        &[
            ("category", c.category),
            ("format", c.format),
            ("units", c.units),
            ("attended_on", c.attended_on),
            ("source", c.source),
            ("note", ""),
        ],
    )
    .await
}

/// The application's version, as the staff page carries it in its forms.
pub async fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!("SELECT version::bigint FROM applications WHERE id = {id}"))
        .await
        .to_string()
}

/// A staff step through the application page: open it, post `action` with the version shown.
pub async fn staff_step(
    app: &TestApp,
    b: &mut Browser,
    id: i64,
    action: &str,
    extra: &[(&str, &str)],
) -> Page {
    let page = b.get(&format!("/office/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let v = version(app, id).await;
    let mut fields = vec![("version", v.as_str())];
    fields.extend_from_slice(extra);
    b.post(&format!("/office/applications/{id}/{action}"), &fields).await
}
