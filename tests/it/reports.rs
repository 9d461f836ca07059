//! The seminar report (開催報告) from the work page: submit → the approving prefecture confirms
//! or returns → the organizer resubmits; attachments checked by content and served only as
//! downloads; sports seminars need none. Attendee recruitment: apply, capacity, CSV export.

use crate::common;

use crate::common::{Browser, TestApp};
use chrono::NaiveDate;
use mamis::db::seminars::{create, NewSeminar};
use reqwest::StatusCode;
use rust_decimal::Decimal;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

struct Seminar<'a> {
    programme: &'a str,
    title: &'a str,
    starts_on: &'a str,
    ends_on: &'a str,
    recruiting: bool,
    capacity: Option<i32>,
}

/// An approved seminar (Tokyo) with its work page; returns (id, token).
async fn seminar(app: &TestApp, s: Seminar<'_>) -> (i64, String) {
    let category = if s.programme == "sports" { "sports_retraining" } else { "lifelong_renewal" };
    let units = [(category, Decimal::from(2))];
    let mut conn = app.pool.acquire().await.unwrap();
    let id = create(
        &mut conn,
        &NewSeminar {
            programme: s.programme,
            title: s.title,
            starts_on: date(s.starts_on),
            ends_on: date(s.ends_on),
            format: "in_person",
            venue: "東京都医師会館",
            organizer_association_id: None,
            organizer_name: "産業保健研究会",
            contact_name: "鈴木 一郎",
            contact_email: "seminar@example.jp",
            contact_phone: Some("03-1111-2222"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: s.recruiting,
            capacity: s.capacity,
            units: &units,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let token = mamis::db::work_pages::issue(&mut conn, id, None, app.clock.now()).await.unwrap();
    (id, token)
}

async fn occupational(app: &TestApp) -> (i64, String) {
    seminar(
        app,
        Seminar {
            programme: "occupational",
            title: "産業医のためのメンタルヘルス研修会",
            starts_on: "2025-05-10",
            ends_on: "2025-05-10",
            recruiting: false,
            capacity: None,
        },
    )
    .await
}

async fn credit(app: &TestApp, seminar_id: i64, registry_number: &str) {
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, match_status, registered_at, updated_at)
         VALUES ($1, $2, '受講 者', 'ジュコウ シャ', '1970-05-15', 'male', 'a@example.jp',
                 '03-0000-0000', 'lifelong_renewal', 2, 'in_person', 'unmatched', now(), now())",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .execute(&app.pool)
    .await
    .unwrap();
}

const BOUNDARY: &str = "----mamis-test-boundary-7d3a";

enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, file_name, data) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(data);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the report form as the browser does: multipart, CSRF token in the query string.
async fn post_report(b: &mut Browser, token: &str, parts: &[Part<'_>]) -> common::Page {
    let csrf = b.csrf.clone().expect("a page with a form was opened first");
    let r = b
        .client
        .post(format!("{}/work/{token}/report?csrf_token={csrf}", b.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart_body(parts))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.text().await.unwrap();
    common::Page { status, headers, body }
}

fn report_fields<'a>(programme: &'a str) -> Vec<Part<'a>> {
    vec![
        Part::Field("attendee_count", "４２"),
        Part::Field("programme_text", programme),
        Part::Field("abstracts", "職場のメンタルヘルス対策の最新動向について解説した。"),
        Part::Field("income_item_0", "受講料"),
        Part::Field("income_amount_0", "１２，０００"),
        Part::Field("income_item_1", ""),
        Part::Field("income_amount_1", ""),
        Part::Field("expenditure_item_0", "会場費"),
        Part::Field("expenditure_amount_0", "¥50,000"),
        Part::Field("expenditure_item_1", "講師謝金"),
        Part::Field("expenditure_amount_1", "30000円"),
    ]
}

async fn report_status(app: &TestApp, seminar_id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM seminar_reports WHERE seminar_id = $1")
        .bind(seminar_id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

fn assert_private(page: &common::Page) {
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "no-referrer");
    assert!(page.headers.get("cache-control").unwrap().to_str().unwrap().contains("no-store"));
}

#[tokio::test]
async fn organizer_submits_the_report_and_tokyo_confirms_it() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (id, token) = occupational(&app).await;
    credit(&app, id, "111111").await;
    credit(&app, id, "222222").await;

    let mut organizer = app.browser();
    let form = organizer.get(&format!("/work/{token}/report")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_private(&form);
    assert!(
        form.body.contains("name=\"attendee_count\" inputmode=\"numeric\" value=\"2\""),
        "pre-filled from 2 attendees"
    );
    assert!(form.body.contains("単位を登録した受講者は2人"));

    let mut parts = report_fields("13:00 開会\n13:10 講演「職場のメンタルヘルス」");
    let pdf = crate::common::pdf_file();
    parts.push(Part::File("attachment", "プログラム.pdf", &pdf));
    let page = post_report(&mut organizer, &token, &parts).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some(format!("/work/{token}/report").as_str()));
    assert_eq!(report_status(&app, id).await.as_deref(), Some("submitted"));
    let (count, income, expenditure): (i32, serde_json::Value, serde_json::Value) = sqlx::query_as(
        "SELECT attendee_count, income, expenditure FROM seminar_reports WHERE seminar_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(count, 42, "full-width digits");
    assert_eq!(income, serde_json::json!([{"item": "受講料", "amount": 12000}]));
    assert_eq!(
        expenditure,
        serde_json::json!([{"item": "会場費", "amount": 50000}, {"item": "講師謝金", "amount": 30000}])
    );
    assert_eq!(
        app.count("SELECT count(*) FROM uploaded_files WHERE owner_type = 'seminar_report' AND content_type = 'application/pdf'").await,
        1
    );
    let shown = organizer.get(&format!("/work/{token}/report")).await.body;
    assert!(shown.contains("提出済み（都道府県医師会の確認待ち）"));
    assert!(!shown.contains("開催報告を提出する"), "no form while it waits");
    assert!(shown.contains("差引 -68,000円"));

    let mut tokyo = app.signed_in("tokyo").await;
    let list = tokyo.get("/office/reports").await;
    assert!(list.body.contains("産業医のためのメンタルヘルス研修会"));
    let detail = tokyo.get(&format!("/office/reports/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("13:10 講演「職場のメンタルヘルス」"));
    assert!(detail.body.contains("42人（単位を登録した受講者：2人）"));
    assert!(detail.body.contains("プログラム.pdf"));
    let page = tokyo.post(&format!("/office/reports/{id}/confirm"), &[("comment", "")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(report_status(&app, id).await.as_deref(), Some("confirmed"));
    assert_eq!(
        app.count("SELECT count(*) FROM mail_outbox WHERE to_address = 'seminar@example.jp' AND subject LIKE '%開催報告を確認しました%'").await,
        1
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'seminar_report' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["seminar_report.submit", "seminar_report.confirm"]);

    // A second decision finds it decided; the organizer cannot change a confirmed report.
    let again = tokyo.post(&format!("/office/reports/{id}/return"), &[("comment", "再確認")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let shown = organizer.get(&format!("/work/{token}/report")).await.body;
    assert!(shown.contains("確認済み"));
    let late = post_report(&mut organizer, &token, &report_fields("変更")).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn returned_report_is_corrected_and_resubmitted_and_jma_can_only_look() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (id, token) = occupational(&app).await;
    let mut organizer = app.browser();
    organizer.get(&format!("/work/{token}/report")).await;
    let page = post_report(&mut organizer, &token, &report_fields("初版のプログラム")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/reports/{id}")).await;
    let refused = tokyo.post(&format!("/office/reports/{id}/return"), &[("comment", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("差し戻す理由を"));
    assert_eq!(report_status(&app, id).await.as_deref(), Some("submitted"));
    let page = tokyo
        .post(&format!("/office/reports/{id}/return"), &[("comment", "講師名を追記してください。")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(report_status(&app, id).await.as_deref(), Some("returned"));
    let mail: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_address = 'seminar@example.jp' AND subject LIKE '%修正%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(mail.contains("講師名を追記してください。"));

    let form = organizer.get(&format!("/work/{token}/report")).await.body;
    assert!(form.contains("講師名を追記してください。"), "the comment is shown to the organizer");
    assert!(form.contains("修正して再提出する"));
    assert!(form.contains("初版のプログラム"), "the form holds what was filed");
    let page =
        post_report(&mut organizer, &token, &report_fields("13:10 講演（講師：山田医師）")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(report_status(&app, id).await.as_deref(), Some("submitted"));
    let text: String =
        sqlx::query_scalar("SELECT programme_text FROM seminar_reports WHERE seminar_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(text, "13:10 講演（講師：山田医師）");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'seminar_report.resubmit'").await,
        1
    );

    // JMA sees the report but the decision is the prefecture's.
    let mut jma = app.signed_in("jma").await;
    let page = jma.get(&format!("/office/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("13:10 講演（講師：山田医師）"));
    assert!(!page.body.contains("確認済みにする"));
    assert!(jma.get("/office/reports").await.body.contains("産業医のためのメンタルヘルス研修会"));
    let page = jma.post(&format!("/office/reports/{id}/confirm"), &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Municipal staff have no part in it.
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert_eq!(chiyoda.get(&format!("/office/reports/{id}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(report_status(&app, id).await.as_deref(), Some("submitted"));
}

#[tokio::test]
async fn attachments_that_are_not_pdf_jpeg_or_png_are_refused_and_nothing_is_saved() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (id, token) = occupational(&app).await;
    let mut organizer = app.browser();
    organizer.get(&format!("/work/{token}/report")).await;

    // An HTML page named .pdf: judged by its bytes.
    let mut parts = report_fields("プログラム");
    parts.push(Part::File("attachment", "report.pdf", b"<html><script>alert(1)</script></html>"));
    let page = post_report(&mut organizer, &token, &parts).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page
        .body
        .contains("「report.pdf」はPDF・JPEG・PNGのいずれでもないか、ファイルが壊れているため添付できません。"));
    assert!(page.body.contains("プログラム"), "what was typed is kept");

    // Over 10 MB.
    let mut big = crate::common::pdf_file();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let mut parts = report_fields("プログラム");
    parts.push(Part::File("attachment", "big.pdf", &big));
    let page = post_report(&mut organizer, &token, &parts).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("10MBを超えている"));

    // A bad amount points at its line.
    let mut parts = report_fields("プログラム");
    parts.push(Part::Field("expenditure_item_2", "資料代"));
    parts.push(Part::Field("expenditure_amount_2", "五千円"));
    let page = post_report(&mut organizer, &token, &parts).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"expenditure-error-2\""), "{}", page.body);

    assert_eq!(report_status(&app, id).await, None);
    assert_eq!(app.count("SELECT count(*) FROM uploaded_files").await, 0);
}

#[tokio::test]
async fn attachments_download_only_as_attachments_to_those_allowed() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (id, token) = occupational(&app).await;
    let (_, other_token) = seminar(
        &app,
        Seminar {
            programme: "occupational",
            title: "別の研修会",
            starts_on: "2025-05-01",
            ends_on: "2025-05-01",
            recruiting: false,
            capacity: None,
        },
    )
    .await;
    let mut organizer = app.browser();
    organizer.get(&format!("/work/{token}/report")).await;
    let mut parts = report_fields("プログラム");
    let png = crate::common::png_file();
    parts.push(Part::File("attachment", "会場写真.png", &png));
    assert_eq!(post_report(&mut organizer, &token, &parts).await.status, StatusCode::SEE_OTHER);
    let file_id: i64 =
        sqlx::query_scalar("SELECT id FROM uploaded_files").fetch_one(&app.pool).await.unwrap();

    let r = organizer
        .client
        .get(format!("{}/work/{token}/report/files/{file_id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h.get("content-type").unwrap(), "image/png");
    let disposition = h.get("content-disposition").unwrap().to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%E4%BC%9A%E5%A0%B4%E5%86%99%E7%9C%9F.png"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());

    // Another seminar's work page does not open this file; nor does a made-up token.
    let other = organizer.get(&format!("/work/{other_token}/report/files/{file_id}")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let fake = organizer.get(&format!("/work/{}/report/files/{file_id}", "0".repeat(64))).await;
    assert_eq!(fake.status, StatusCode::NOT_FOUND);

    // Staff download it through their own page.
    let tokyo = app.signed_in("tokyo").await;
    let r = tokyo
        .client
        .get(format!("{}/office/reports/{id}/files/{file_id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(r.headers().get("x-content-type-options").unwrap(), "nosniff");
    let mut chiyoda = app.signed_in("chiyoda").await;
    let page = chiyoda.get(&format!("/office/reports/{id}/files/{file_id}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sports_seminars_need_no_report_and_reports_wait_for_the_last_day() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (_, sports) = seminar(
        &app,
        Seminar {
            programme: "sports",
            title: "健康スポーツ医学再研修会",
            starts_on: "2025-05-10",
            ends_on: "2025-05-10",
            recruiting: false,
            capacity: None,
        },
    )
    .await;
    let (_, held) = occupational(&app).await;
    let mut organizer = app.browser();
    organizer.get(&format!("/work/{held}/report")).await;
    let page = organizer.get(&format!("/work/{sports}/report")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("開催報告の提出は<strong>不要</strong>です"));
    assert!(!page.body.contains("name=\"abstracts\""));

    let (_, upcoming) = seminar(
        &app,
        Seminar {
            programme: "occupational",
            title: "来月の研修会",
            starts_on: "2025-06-10",
            ends_on: "2025-06-11",
            recruiting: false,
            capacity: None,
        },
    )
    .await;
    let page = organizer.get(&format!("/work/{upcoming}/report")).await;
    assert!(page.body.contains("最終日から提出できます"));
    let page = post_report(&mut organizer, &upcoming, &report_fields("早すぎる")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM seminar_reports").await, 0);
    let page = post_report(&mut organizer, &sports, &report_fields("不要")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM seminar_reports").await, 0);
}

#[tokio::test]
async fn physicians_apply_within_capacity_and_the_organizer_exports_the_credit_csv() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (id, token) = seminar(
        &app,
        Seminar {
            programme: "occupational",
            title: "募集中の産業医研修会",
            starts_on: "2025-06-14",
            ends_on: "2025-06-14",
            recruiting: true,
            capacity: Some(2),
        },
    )
    .await;
    seminar(
        &app,
        Seminar {
            programme: "occupational",
            title: "募集していない研修会",
            starts_on: "2025-06-20",
            ends_on: "2025-06-20",
            recruiting: false,
            capacity: None,
        },
    )
    .await;

    // The public list: no login needed, only recruiting seminars.
    let mut anonymous = app.browser();
    let list = anonymous.get("/seminars").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("募集中の産業医研修会"));
    assert!(!list.body.contains("募集していない研修会"));
    assert!(list.body.contains(&format!("/login?next=/seminars/{id}/apply")));
    assert!(list.body.contains("2人（残り2人）"));

    let mut doctor = app.signed_in("doctor").await;
    let form = doctor.get(&format!("/seminars/{id}/apply")).await;
    assert_eq!(form.status, StatusCode::OK);
    for shown in [
        "山田 太郎",
        "ヤマダ タロウ",
        "1970年5月15日",
        "123456",
        "yamada.taro@example.jp",
        "03-1234-5678",
    ] {
        assert!(form.body.contains(shown), "pre-filled {shown}");
    }
    let page = doctor.post(&format!("/seminars/{id}/apply"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let again = doctor.post(&format!("/seminars/{id}/apply"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("すでに申し込んでいます"));
    assert_eq!(app.count("SELECT count(*) FROM seminar_applicants").await, 1);
    assert!(doctor.get("/seminars").await.body.contains("申込済み"));

    // A second applicant whose name a spreadsheet would run as a formula fills the last seat.
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    for (login, registry, name) in
        [("doctor2", "654321", "=HYPERLINK(\"http://evil\")"), ("doctor3", "765432", "高橋 三郎")]
    {
        sqlx::query(
            "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, email, created_at, updated_at)
                        VALUES ($1, $2, 'physician', $4, $1 || '@example.jp', now(), now()) RETURNING id)
             INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex, registry_number, phone,
                                     prefecture_code, registration_completed_at, created_at, updated_at)
             SELECT a.id, $4, 'タカハシ サブロウ', '1980-04-01', 'male', $3, '+81-3-5555-6666', 13, now(), now(), now() FROM a",
        )
        .bind(login)
        .bind(&hash)
        .bind(registry)
        .bind(name)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    app.clock.advance(chrono::Duration::minutes(5));
    let mut second = app.signed_in("doctor2").await;
    second.get(&format!("/seminars/{id}/apply")).await;
    assert_eq!(
        second.post(&format!("/seminars/{id}/apply"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let mut third = app.signed_in("doctor3").await;
    let full = third.get(&format!("/seminars/{id}/apply")).await;
    assert!(full.body.contains("定員に達したため"));
    let refused = third.post(&format!("/seminars/{id}/apply"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT count(*) FROM seminar_applicants").await, 2);
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'seminar.apply'").await, 2);

    // The organizer's work page lists them and exports the credit CSV.
    let mut organizer = app.browser();
    let page = organizer.get(&format!("/work/{token}/applicants")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_private(&page);
    assert!(page.body.contains("山田 太郎"));
    assert!(!page.body.contains("高橋 三郎"));
    let r = organizer
        .client
        .get(format!("{}/work/{token}/applicants.csv", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(r.headers().get("referrer-policy").unwrap(), "no-referrer");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "漢字氏名,フリガナ,生年月日（西暦）,性別,医籍登録番号,メールアドレス,電話番号,FAX番号"
    );
    assert_eq!(
        lines[1],
        "山田 太郎,ヤマダ タロウ,1970/05/15,男,123456,yamada.taro@example.jp,03-1234-5678,"
    );
    assert!(
        lines[2].starts_with("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "formula made inert: {}",
        lines[2]
    );
    assert!(lines[2].contains(",'+81-3-5555-6666,"), "{}", lines[2]);
    assert_eq!(lines.len(), 4, "two applicants and the final line end");

    // Cancelling frees the seat.
    doctor.get(&format!("/seminars/{id}/apply")).await;
    assert_eq!(
        doctor.post(&format!("/seminars/{id}/cancel"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    third.get(&format!("/seminars/{id}/apply")).await;
    assert_eq!(
        third.post(&format!("/seminars/{id}/apply"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    // Staff cannot apply; a seminar that has started takes no applications.
    let mut tokyo = app.signed_in("tokyo").await;
    assert_eq!(tokyo.get(&format!("/seminars/{id}/apply")).await.status, StatusCode::FORBIDDEN);
    app.clock.set(mamis::clock::parse_jst("2025-06-15 09:00").unwrap());
    let mut doctor = app.signed_in("doctor").await;
    assert_eq!(doctor.get(&format!("/seminars/{id}/apply")).await.status, StatusCode::NOT_FOUND);
    assert!(!anonymous.get("/seminars").await.body.contains("募集中の産業医研修会"));
}

/// Issue 12: `%PDF-1.4\n<html><script>…` named report.html was stored and served as HTML.
#[tokio::test]
async fn attack_html_polyglot_on_the_work_page_report_is_refused() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (id, token) = occupational(&app).await;
    let mut organizer = app.browser();
    organizer.get(&format!("/work/{token}/report")).await;
    let mut parts = report_fields("プログラム");
    parts.push(Part::File("attachment", "report.html", common::POLYGLOT));
    let page = post_report(&mut organizer, &token, &parts).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("「report.html」はPDF・JPEG・PNGのいずれでもないか"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM uploaded_files").await, 0);
    assert_eq!(report_status(&app, id).await, None);

    // A real PDF under an .html name is kept as .pdf and served as a sandboxed PDF download.
    let mut parts = report_fields("プログラム");
    let pdf = common::pdf_file();
    parts.push(Part::File("attachment", "report.html", &pdf));
    assert_eq!(post_report(&mut organizer, &token, &parts).await.status, StatusCode::SEE_OTHER);
    let (file_id, name): (i64, String) = sqlx::query_as("SELECT id, file_name FROM uploaded_files")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "report.pdf");
    let r = organizer
        .client
        .get(format!("{}/work/{token}/report/files/{file_id}", app.base))
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h.get("content-type").unwrap(), "application/pdf");
    assert!(h.get("content-disposition").unwrap().to_str().unwrap().contains("report.pdf"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.get("content-security-policy").unwrap().to_str().unwrap().contains("sandbox"));
}
