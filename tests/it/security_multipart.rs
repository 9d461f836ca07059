//! Issue 12, point 8 for multipart forms: a text field with a control character is refused
//! with 400 and the message, exactly as a url-encoded form's is (one check, web::middleware::input::
//! form_text, for both), never silently cleaned; bidi controls are removed alike. One test per
//! multipart route that takes text: the public seminar application, its correction link, the
//! association's new seminar and its resubmission, and the organizer's seminar report.

use reqwest::StatusCode;

use crate::common::{Browser, Page, TestApp};
use crate::credit_trust::{date, seminar_on};

const BOUNDARY: &str = "----mamis-multipart-controls-5Kp";
const NOW: &str = "2025-07-10 10:00";

fn multipart(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts `fields` as multipart, the CSRF token in the query string as the browser's forms do.
async fn post_multipart(b: &mut Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = b.csrf.clone().expect("a page with a form was opened first");
    let r = b
        .client
        .post(format!("{}{path}?csrf_token={csrf}", b.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(fields))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Page { status, headers, body: r.text().await.unwrap() }
}

fn assert_refused(page: &Page, route: &str) {
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{route}: {}", page.body);
    assert!(page.body.contains("制御文字"), "{route} says why: {}", page.body);
}

/// A complete outside application (Tokyo, occupational), `venue` as given.
fn application<'a>(title: &'a str, venue: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("programme", "occupational"),
        ("title", title),
        ("starts_on", "2025/10/18"),
        ("ends_on", ""),
        ("format", "in_person"),
        ("venue", venue),
        ("organizer_name", "一般社団法人 東京産業保健協会"),
        ("contact_name", "鈴木 一郎"),
        ("contact_email", "kenshu@example.jp"),
        ("contact_phone", "03-1234-5678"),
        ("contact_fax", ""),
        ("approving_prefecture", "13"),
        ("units_lifelong_renewal", "1"),
        ("lecture_subject", "産業医の職務と倫理"),
        ("lecture_lecturer", "山田 太郎"),
        ("lecture_minutes", "60"),
        ("lecture_category", "lifelong_renewal"),
    ]
}

async fn seminars_titled(app: &TestApp, title: &str) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, venue FROM seminars WHERE title = $1 ORDER BY id")
        .bind(title)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn attack_control_characters_in_a_multipart_seminar_application_are_a_400() {
    let app = TestApp::spawn_at(NOW).await;
    let mut b = app.browser();
    b.get("/seminars/apply").await;
    for bad in ["会館\u{0}大ホール", "会館\u{1}大ホール", "会館\u{7f}大ホール"] {
        let page =
            post_multipart(&mut b, "/seminars/apply", &application("制御文字の研修会", bad)).await;
        assert_refused(&page, "/seminars/apply");
    }
    assert!(seminars_titled(&app, "制御文字の研修会").await.is_empty(), "nothing stored");

    // The url-encoded form says the same.
    let page = b.post("/seminars/apply", &application("制御文字の研修会", "会館\u{1}")).await;
    assert_refused(&page, "/seminars/apply (url-encoded)");

    // Line breaks are text; bidi controls are removed, as from a url-encoded form.
    let page = post_multipart(
        &mut b,
        "/seminars/apply",
        &application("制御文字の研修会", "東京産業保健会館\u{202E}大ホール"),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let stored = seminars_titled(&app, "制御文字の研修会").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1, "東京産業保健会館大ホール");
}

#[tokio::test]
async fn attack_control_characters_through_a_correction_link_are_a_400() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "リンクで直す研修会";
    let mut organizer = app.browser();
    organizer.get("/seminars/apply").await;
    let page = organizer.post("/seminars/apply", &application(title, "東京産業保健会館")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = seminars_titled(&app, title).await[0].0;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/seminars/{id}")).await;
    let returned = tokyo
        .post(&format!("/office/seminars/{id}/return"), &[("comment", "会場を詳しく。")])
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    let mail: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE subject LIKE '%差し戻されました%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let start = mail.find("/seminars/correct/").unwrap() + "/seminars/correct/".len();
    let token: String = mail[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    let path = format!("/seminars/correct/{token}");

    let mut b = app.browser();
    assert_eq!(b.get(&path).await.status, StatusCode::OK);
    let page = post_multipart(&mut b, &path, &application(title, "会館\u{0}2階")).await;
    assert_refused(&page, "/seminars/correct/{token}");
    let status: String = sqlx::query_scalar("SELECT status FROM seminars WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "returned", "not resubmitted");
    assert_eq!(b.get(&path).await.status, StatusCode::OK, "the link still works");
}

#[tokio::test]
async fn attack_control_characters_in_an_associations_seminar_form_are_a_400() {
    let app = TestApp::spawn_at(NOW).await;
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert_eq!(chiyoda.get("/office/seminars/new").await.status, StatusCode::OK);
    let title = "千代田区医師会の研修会";
    let page =
        post_multipart(&mut chiyoda, "/office/seminars/new", &application(title, "会館\u{8}"))
            .await;
    assert_refused(&page, "/office/seminars/new");
    assert!(seminars_titled(&app, title).await.is_empty());

    // Its resubmission: created (url-encoded), then a multipart edit with a control character.
    let created = chiyoda.post("/office/seminars/new", &application(title, "区医師会館")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = seminars_titled(&app, title).await[0].0;
    let edit = format!("/office/seminars/{id}/edit");
    assert_eq!(chiyoda.get(&edit).await.status, StatusCode::OK);
    let page =
        post_multipart(&mut chiyoda, &edit, &application(title, "区医師会館\u{1b}[2J")).await;
    assert_refused(&page, "/office/seminars/{id}/edit");
    assert_eq!(seminars_titled(&app, title).await[0].1, "区医師会館", "unchanged");
}

#[tokio::test]
async fn attack_control_characters_in_the_seminar_report_are_a_400_not_cleaned() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar_on(&app, "報告する研修会", date(2025, 4, 5)).await;
    let mut b = app.browser();
    assert_eq!(b.get(&format!("{base}/report")).await.status, StatusCode::OK);
    let report = |programme: &'static str| {
        vec![
            ("attendee_count", "42"),
            ("programme_text", programme),
            ("abstracts", "職場のメンタルヘルス対策の最新動向について解説した。"),
            ("income_item_0", "受講料"),
            ("income_amount_0", "12000"),
            ("expenditure_item_0", "会場費"),
            ("expenditure_amount_0", "50000"),
        ]
    };
    let page = post_multipart(&mut b, &format!("{base}/report"), &report("13:00 開会\u{0}")).await;
    assert_refused(&page, "/work/{token}/report");
    let reports = "SELECT count(*) FROM seminar_reports";
    assert_eq!(app.count(reports).await, 0, "nothing stored");

    // Line breaks and tabs are text: the same report without the control is filed.
    let page =
        post_multipart(&mut b, &format!("{base}/report"), &report("13:00\t開会\r\n13:10 講演"))
            .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let text: String =
        sqlx::query_scalar("SELECT programme_text FROM seminar_reports WHERE seminar_id = $1")
            .bind(seminar_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(text, "13:00\t開会\n13:10 講演");
}
