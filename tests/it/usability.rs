//! Issue 13: pages an elderly physician uses without help. Errors summarised at the top with
//! links to their fields; destructive actions confirmed on a page of their own; Japanese
//! labels instead of stored codes; 和暦 wherever a date is typed; the recruitment list's
//! filters; announcements on the signed-in home pages.

use crate::common::{Browser, Page, TestApp};
use reqwest::StatusCode;

const BOUNDARY: &str = "----mamis-usability-boundary";

fn title_of(page: &Page) -> &str {
    let start = page.body.find("<title>").expect("a title") + "<title>".len();
    let end = page.body[start..].find("</title>").unwrap() + start;
    &page.body[start..end]
}

async fn new_application(b: &mut Browser) -> i64 {
    let path = "/mypage/applications/new?programme=occupational&kind=renewal";
    assert_eq!(b.get(path).await.status, StatusCode::OK);
    let created = b.post(path, &[]).await;
    let location = created.location().expect("a redirect to the application");
    location.trim_start_matches("/mypage/applications/").parse().unwrap()
}

async fn upload(b: &mut Browser, id: i64, file_name: &str, content: &[u8]) -> Page {
    let token = b.csrf.clone().expect("a page with a CSRF token was opened first");
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let r = b
        .client
        .post(format!("{}/mypage/applications/{id}/files?csrf_token={token}", b.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Page { status, headers, body: r.text().await.unwrap() }
}

#[tokio::test]
async fn application_errors_are_summarised_at_the_top_with_links_to_each_marked_field() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let mut b = app.signed_in("doctor").await;
    let id = new_application(&mut b).await;
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(!title_of(&page).starts_with("入力内容を確認してください"));
    assert!(!page.body.contains("id=\"error-summary\""));
    // Forms send the browser back to the summary (works without JavaScript).
    assert!(page
        .body
        .contains(&format!("action=\"/mypage/applications/{id}/credits#error-summary\"")));

    let page = b
        .post(
            &format!("/mypage/applications/{id}/credits"),
            &[
                ("category", "lifelong_renewal"),
                ("format", "in_person"),
                ("units", "たくさん"),
                ("attended_on", "去年の春"),
                ("source", "handbook"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(title_of(&page).starts_with("入力内容を確認してください："), "{}", title_of(&page));
    let summary = page.body.find("id=\"error-summary\"").expect("an error summary");
    let requirements = page.body.find("id=\"check-heading\"").unwrap();
    assert!(summary < requirements, "the summary comes before the rest of the page");
    assert!(
        page.body.contains("<a href=\"#units\">単位数は数字で入力してください"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<a href=\"#attended_on\">受講日を"), "{}", page.body);
    assert!(page.body.contains("tabindex=\"-1\""));
    // Each field carries its own message and is marked invalid.
    let units = &page.body[page.body.find("id=\"units\"").unwrap()..];
    let units = &units[..units.find('>').unwrap()];
    assert!(units.contains("aria-invalid=\"true\""), "{units}");
    assert!(units.contains("units-error"), "{units}");
    assert!(page.body.contains("<p class=\"field-error\" id=\"units-error\">"));
    assert!(page.body.contains("<p class=\"field-error\" id=\"attended_on-error\">"));
    assert!(!page.body.contains("id=\"format-error\""), "a good field is not marked");
    assert_eq!(app.count("SELECT count(*) FROM declared_credits").await, 0);

    // A file that is not what its name says: the message sits at the top, linked to #file.
    let page = upload(&mut b, id, "scan.pdf", b"MZ\x90\x00 this is a program").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(title_of(&page).starts_with("入力内容を確認してください"));
    assert!(page.body.contains("<a href=\"#file\">"), "{}", page.body);
    let file = &page.body[page.body.find("id=\"file\"").unwrap()..];
    assert!(file[..file.find('>').unwrap()].contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn a_japanese_era_date_typed_in_the_declaration_is_echoed_in_the_western_calendar() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let mut b = app.signed_in("doctor").await;
    let id = new_application(&mut b).await;
    b.get(&format!("/mypage/applications/{id}")).await;
    // Another field is wrong: the page comes back and reads the 和暦 date back.
    let page = b
        .post(
            &format!("/mypage/applications/{id}/credits"),
            &[
                ("category", "lifelong_renewal"),
                ("format", "in_person"),
                ("units", ""),
                ("attended_on", "令和6年5月10日"),
                ("source", "handbook"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("西暦では 2024年5月10日 です。"), "{}", page.body);
    assert!(!page.body.contains("<a href=\"#attended_on\">"), "the date itself was fine");
}

#[tokio::test]
async fn the_maintenance_form_reports_errors_at_the_top_too() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin").await;
    admin.get("/admin/maintenance").await;
    let page = admin
        .post("/admin/maintenance", &[("starts_at", ""), ("ends_at", "いつか"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(title_of(&page).starts_with("入力内容を確認してください"));
    for field in ["starts_at", "ends_at", "reason"] {
        assert!(page.body.contains(&format!("<a href=\"#{field}\">")), "{field}: {}", page.body);
        assert!(page.body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
}

#[tokio::test]
async fn closing_a_committee_cycle_is_confirmed_on_its_own_page() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let cycle =
        app.count("SELECT id FROM review_cycles WHERE fiscal_year = 2026 AND number = 1").await;
    let closed = || async {
        app.count(&format!(
            "SELECT count(*) FROM review_cycles WHERE id = {cycle} AND closed_at IS NOT NULL"
        ))
        .await
    };
    let mut jma = app.signed_in("jma").await;
    let page = jma.get(&format!("/office/cycles/{cycle}")).await;
    assert!(page.body.contains(&format!("href=\"/office/cycles/{cycle}/close\"")), "{}", page.body);
    let confirm = jma.get(&format!("/office/cycles/{cycle}/close")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("この回を締め切りますか"));
    assert!(confirm.body.contains("次の回で審査されます"), "says what changes");
    assert!(confirm.body.contains("name=\"confirm\" value=\"yes\""));
    // A POST without the confirmation closes nothing.
    let page = jma.post(&format!("/office/cycles/{cycle}/close"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("この回を締め切りますか"));
    assert_eq!(closed().await, 0);
    let page = jma
        .post(
            &format!("/office/cycles/{cycle}/close"),
            &[("confirm", "yes"), ("confirm_early", "yes")],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    assert_eq!(closed().await, 1);
    // Only JMA.
    let mut tokyo = app.signed_in("tokyo").await;
    assert_eq!(
        tokyo.get(&format!("/office/cycles/{cycle}/close")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn application_history_reads_in_japanese_for_the_physician_and_staff() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let mut b = app.signed_in("doctor").await;
    let id = new_application(&mut b).await;
    sqlx::query(
        "UPDATE applications SET status = 'submitted', submitted_at = now(),
                receiving_association_id = (SELECT id FROM associations
                                            WHERE kind = 'prefectural' AND prefecture_code = 13)
          WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    for action in ["submitted", "fee_recorded", "handbook_received", "prefecture_approved"] {
        sqlx::query(
            "INSERT INTO application_events (application_id, at, actor_account_id, tier, action)
             VALUES ($1, now(), NULL, 'prefectural', $2)",
        )
        .bind(id)
        .bind(action)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let mine = b.get(&format!("/mypage/applications/{id}")).await;
    for label in [
        "申請を作成",
        "申請料の入金を確認",
        "手帳の原本を受領",
        "都道府県医師会が承認（日本医師会へ進達）",
    ] {
        assert!(mine.body.contains(label), "{label}: {}", mine.body);
    }
    assert!(!mine.body.contains(">その他<"));
    assert!(!mine.body.contains("内容を確認のうえ、提出してください"), "submitted already");

    let mut tokyo = app.signed_in("tokyo").await;
    let staff = tokyo.get(&format!("/office/applications/{id}")).await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.body);
    assert!(staff.body.contains("申請を作成"), "{}", staff.body);
    assert!(!staff.body.contains(">created<"));
    assert!(!staff.body.contains(">fee_recorded<"));
}

#[tokio::test]
async fn the_recruitment_list_filters_by_prefecture_programme_and_date() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    for (title, programme, prefecture, starts) in [
        ("東京の産業医研修会", "occupational", 13, "2025-06-14"),
        ("大阪の産業医研修会", "occupational", 27, "2025-06-21"),
        ("東京のスポーツ医研修会", "sports", 13, "2025-07-05"),
    ] {
        sqlx::query(
            "INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
                 organizer_name, contact_name, contact_email, contact_phone,
                 approving_prefecture_code, status, paper_approved, recruiting, created_at,
                 updated_at)
             VALUES ($1, $2, $3::date, $3::date, 'in_person', '医師会館', '医師会', '担当',
                     'x@example.jp', '03-0000-0000', $4, 'approved', TRUE, TRUE, now(), now())",
        )
        .bind(programme)
        .bind(title)
        .bind(starts)
        .bind(prefecture as i16)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let mut b = app.browser();
    let all = b.get("/seminars").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    for t in ["東京の産業医研修会", "大阪の産業医研修会", "東京のスポーツ医研修会"]
    {
        assert!(all.body.contains(t));
    }
    let tokyo = b.get("/seminars?prefecture=13").await;
    assert!(
        tokyo.body.contains("東京の産業医研修会") && tokyo.body.contains("東京のスポーツ医研修会")
    );
    assert!(!tokyo.body.contains("大阪の産業医研修会"));
    assert!(tokyo.body.contains("条件に合う研修会：2件"));
    let sports = b.get("/seminars?prefecture=13&programme=sports").await;
    assert!(sports.body.contains("東京のスポーツ医研修会"));
    assert!(!sports.body.contains("東京の産業医研修会"));
    // Dates in either calendar; 和暦 is read back in the Western calendar.
    let june = b
        .get("/seminars?from=2025-06-15&until=%E4%BB%A4%E5%92%8C7%E5%B9%B46%E6%9C%8830%E6%97%A5")
        .await;
    assert!(june.body.contains("大阪の産業医研修会"), "{}", june.body);
    assert!(
        !june.body.contains("東京の産業医研修会") && !june.body.contains("東京のスポーツ医研修会")
    );
    assert!(june.body.contains("西暦では 2025年6月30日 です。"));
    let bad = b.get("/seminars?from=%E3%81%84%E3%81%A4%E3%81%8B").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("id=\"from-error\""));
}

#[tokio::test]
async fn announcements_and_planned_stops_show_on_the_signed_in_home_pages() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    sqlx::query(
        "INSERT INTO announcements (title, body, published_from, created_at)
         VALUES ('年末年始の窓口', '12月29日から1月3日まで、電話窓口はお休みです。', '2025-05-01 09:00+09', now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut doctor = app.signed_in("doctor").await;
    let page = doctor.get("/mypage").await;
    assert!(page.body.contains("システム管理者からのお知らせ"), "{}", page.body);
    assert!(page.body.contains("年末年始の窓口"));
    assert!(page.body.contains("電話窓口はお休みです"));
    let mut tokyo = app.signed_in("tokyo").await;
    assert!(tokyo.get("/office").await.body.contains("年末年始の窓口"));
}

#[tokio::test]
async fn the_favicon_and_focus_script_are_served() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    for (path, kind) in [
        ("/favicon.ico", "image/x-icon"),
        ("/static/favicon.svg", "image/svg+xml"),
        ("/static/focus.js", "text/javascript; charset=utf-8"),
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.headers["content-type"], kind, "{path}");
    }
    let login = b.get("/login").await;
    assert!(login.body.contains("<link rel=\"icon\" href=\"/favicon.ico\""));
}

#[tokio::test]
async fn the_missing_credit_report_takes_a_japanese_era_date_and_summarises_its_errors() {
    let app = TestApp::spawn_at("2025-06-20 10:00").await;
    let mut doctor = app.signed_in("doctor").await;
    doctor.get("/mypage/missing-credits").await;
    let page = doctor
        .post(
            "/mypage/missing-credits",
            &[("title", ""), ("date", "先月"), ("note", ""), ("q", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(title_of(&page).starts_with("入力内容を確認してください"));
    assert!(page.body.contains("<a href=\"#title\">"), "{}", page.body);
    assert!(page.body.contains("<a href=\"#date\">"), "{}", page.body);
    let page = doctor
        .post(
            "/mypage/missing-credits",
            &[("title", "産業医研修会"), ("date", "令和7年5月10日"), ("note", ""), ("q", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let stored: chrono::NaiveDate =
        sqlx::query_scalar("SELECT seminar_date FROM missing_credit_reports")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, chrono::NaiveDate::from_ymd_opt(2025, 5, 10).unwrap());
}

#[tokio::test]
async fn the_password_form_summarises_its_errors() {
    let app = TestApp::spawn().await;
    let mut doctor = app.signed_in("doctor").await;
    doctor.get("/account/password").await;
    let page = doctor
        .post(
            "/account/password",
            &[("current_password", "wrong"), ("new_password", "x"), ("confirm_password", "y")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(title_of(&page).starts_with("入力内容を確認してください"));
    assert!(page.body.contains("<a href=\"#new_password\">"), "{}", page.body);
    assert!(page.body.contains("<a href=\"#current_password\">"), "{}", page.body);
}
