//! Issue 5's browser journey in a real headless Chromium (chromedriver): the physician starts
//! the occupational renewal from the my page, declares 手帳 credits through the form and
//! submits; the prefecture (tokyo) records 入金 and 手帳受領 and approves; JMA approves in the
//! cycle; the physician sees the new validity on the my page and downloads the certificate.
//! All in one browser, logging out and in between the roles.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`; a missing chromedriver fails
//! the test (see tests/common/chrome.rs), it never passes silently.

use crate::common::a11y::keep_screenshot;
use crate::common::chrome;

use std::time::{Duration, Instant};

use crate::common::{TestApp, PASSWORD};
use chrome::*;
use fantoccini::{Client, Locator};
use sqlx::PgPool;

/// Clicks the submit button of the form whose action is `action` (the physician's forms send
/// the browser back to the error summary: `action#error-summary`), checking its label.
async fn submit(client: &Client, action: &str, label: &str) {
    let xpath = format!(
        "//form[@action='{action}' or @action='{action}#error-summary']//button[@type='submit']"
    );
    let button = element(client, Locator::XPath(&xpath)).await;
    assert_eq!(button.text().await.unwrap(), label, "the submit button of {action}");
    button.click().await.unwrap_or_else(|e| panic!("click 「{label}」: {e}"));
}

/// Clicks the link whose text contains `text` (inside main).
async fn follow(client: &Client, text: &str) {
    let xpath = format!("//main//a[contains(., '{text}')]");
    let link = element(client, Locator::XPath(&xpath)).await;
    link.click().await.unwrap_or_else(|e| panic!("click the link 「{text}」: {e}"));
}

async fn choose(client: &Client, id: &str, value: &str) {
    let select = element(client, Locator::Id(id)).await;
    select.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in #{id}: {e}"));
}

/// Polls until the element set at `css` has exactly `n` members.
async fn wait_for_count(client: &Client, css: &str, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(found) = client.find_all(Locator::Css(css)).await {
            if found.len() == n {
                return;
            }
        }
        if Instant::now() >= deadline {
            panic!(
                "not {n} × {css} after {PATIENCE:?}; the page says:\n{}",
                page_text(client).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls until `sql` (one boolean) is true: the effect of a click reached the database.
async fn wait_for_db(pool: &PgPool, sql: &str, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let done: bool = sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql);
        if done {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not done after {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn log_in(client: &Client, base: &str, login_id: &str, home: &str) {
    client.goto(&format!("{base}/login")).await.expect("open /login");
    fill(client, "login_id", login_id).await;
    fill(client, "password", PASSWORD).await;
    submit(client, "/login", "ログイン").await;
    wait_for_path(client, home).await;
}

async fn log_out(client: &Client) {
    submit(client, "/logout", "ログアウト").await;
    wait_for_path(client, "/login").await;
}

/// Declares one 手帳 credit through the form; `rows` is the table's size afterwards.
async fn declare(client: &Client, id: i64, category: &str, units: &str, rows: usize) {
    choose(client, "category", category).await;
    choose(client, "format", "in_person").await;
    fill(client, "units", units).await;
    fill(client, "attended_on", "2024-06-01").await;
    choose(client, "source", "handbook").await;
    submit(client, &format!("/mypage/applications/{id}/credits"), "単位を追加する").await;
    wait_for_count(client, "section[aria-labelledby='declared-heading'] tbody tr", rows).await;
}

/// Clicks a staff button on the application page and waits for its effect in the database and
/// for the page to come back without that form.
async fn staff_step(client: &Client, pool: &PgPool, id: i64, step: &str, label: &str, done: &str) {
    let action = format!("/office/applications/{id}/{step}");
    submit(client, &action, label).await;
    wait_for_db(pool, &format!("SELECT {done} FROM applications WHERE id = {id}"), label).await;
    wait_for_count(client, &format!("form[action='{action}']"), 0).await;
}

async fn journey(client: Client, base: String, pool: PgPool) {
    // The physician: my page → 新規・更新申請 → 更新申請 (occupational) → 申請を作成する.
    log_in(&client, &base, "doctor", "/mypage").await;
    keep_screenshot(&client, "mypage", 390).await;
    keep_screenshot(&client, "mypage", 1280).await;
    follow(&client, "新規・更新申請").await;
    wait_for_path(&client, "/mypage/applications").await;
    let renew = element(
        &client,
        Locator::Css("a[href='/mypage/applications/new?programme=occupational&kind=renewal']"),
    )
    .await;
    renew.click().await.unwrap();
    wait_for_path(&client, "/mypage/applications/new").await;
    let button = element(&client, Locator::XPath("//main//form//button[@type='submit']")).await;
    assert_eq!(button.text().await.unwrap(), "申請を作成する");
    button.click().await.unwrap();
    let id: i64 = {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = client.current_url().await.unwrap();
            if let Some(Ok(id)) =
                url.path().strip_prefix("/mypage/applications/").map(str::parse::<i64>)
            {
                break id;
            }
            assert!(Instant::now() < deadline, "no draft page; at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    wait_for_text(&client, "h1", "更新申請").await;

    declare(&client, id, "lifelong_renewal", "1", 1).await;
    declare(&client, id, "lifelong_practical", "1", 2).await;
    declare(&client, id, "lifelong_specialized", "18", 3).await;
    wait_for_text(&client, "main", "要件を満たしています。").await;
    keep_screenshot(&client, "application", 390).await;
    keep_screenshot(&client, "application", 1280).await;
    submit(&client, &format!("/mypage/applications/{id}/submit"), "申請を提出する").await;
    wait_for_text(&client, "main", "提出済み（受付待ち）").await;
    // Not forwarded yet: the cycle it would join today, as an estimate.
    wait_for_text(&client, "#cycle", "第1回（2026年5月末の運営委員会）で審査される見込み").await;
    log_out(&client).await;

    // The prefecture: the queue → the application → 入金, 手帳受領, 承認.
    log_in(&client, &base, "tokyo", "/office").await;
    client.goto(&format!("{base}/office/applications")).await.unwrap();
    let link =
        element(&client, Locator::Css(&format!("main a[href='/office/applications/{id}']"))).await;
    keep_screenshot(&client, "office-applications", 390).await;
    keep_screenshot(&client, "office-applications", 1280).await;
    link.click().await.unwrap();
    wait_for_path(&client, &format!("/office/applications/{id}")).await;
    staff_step(&client, &pool, id, "fee", "入金を記録する", "fee_paid_at IS NOT NULL").await;
    staff_step(
        &client,
        &pool,
        id,
        "handbook",
        "受領を記録する",
        "handbook_received_at IS NOT NULL",
    )
    .await;
    staff_step(
        &client,
        &pool,
        id,
        "approve",
        "承認する",
        "status = 'prefecture_approved' AND cycle_id IS NOT NULL",
    )
    .await;
    log_out(&client).await;

    // JMA: 審査の回 → the cycle → tick the application → まとめて承認.
    log_in(&client, &base, "jma", "/office").await;
    client.goto(&format!("{base}/office/applications")).await.unwrap();
    follow(&client, "審査の回（運営委員会）").await;
    wait_for_path(&client, "/office/cycles").await;
    let cycle_id: i64 = sqlx::query_scalar("SELECT cycle_id FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let cycle =
        element(&client, Locator::Css(&format!("main a[href='/office/cycles/{cycle_id}']"))).await;
    assert!(cycle.text().await.unwrap().contains("第1回"), "the application is in FY2026 第1回");
    cycle.click().await.unwrap();
    wait_for_path(&client, &format!("/office/cycles/{cycle_id}")).await;
    let pick = element(&client, Locator::Id(&format!("pick-{id}"))).await;
    pick.click().await.unwrap();
    assert!(pick.is_selected().await.unwrap(), "the application is ticked");
    submit(
        &client,
        &format!("/office/cycles/{cycle_id}/approve"),
        "チェックした申請をまとめて承認する",
    )
    .await;
    wait_for_db(
        &pool,
        &format!("SELECT status = 'approved' FROM applications WHERE id = {id}"),
        "JMA approval",
    )
    .await;
    wait_for_count(&client, &format!("#pick-{id}"), 0).await;
    log_out(&client).await;

    // The physician (approved in April): the term in force and the approved next term on the
    // my page, and both certificates as PDFs.
    log_in(&client, &base, "doctor", "/mypage").await;
    wait_for_text(&client, "main", "2026年8月1日 ～ 2031年7月31日（承認済み）").await;
    wait_for_text(&client, "main", "2021年8月1日 ～ 2026年7月31日").await;
    let cookies = client
        .get_all_cookies()
        .await
        .unwrap()
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    for text in [
        "認定証（PDF）をダウンロード（有効期間 2021年8月1日",
        "次の有効期間の認定証（PDF）をダウンロード",
    ] {
        let link =
            element(&client, Locator::XPath(&format!("//main//a[contains(., '{text}')]"))).await;
        let href = link.attr("href").await.unwrap().expect("the certificate link has an href");
        let url = if href.starts_with("http") { href.clone() } else { format!("{base}{href}") };
        let response = reqwest::Client::new()
            .get(&url)
            .header(reqwest::header::COOKIE, cookies.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(content_type.starts_with("application/pdf"), "content type {content_type}");
        assert!(response.bytes().await.unwrap().starts_with(b"%PDF"), "{url} is a PDF");
    }

    // The application page says in which cycle it was decided.
    client.goto(&format!("{base}/mypage/applications/{id}")).await.unwrap();
    wait_for_text(&client, "#cycle", "第1回（2026年5月末の運営委員会）の決定として認定されました")
        .await;
}

#[tokio::test]
async fn renewal_from_the_my_page_to_the_certificate_in_a_real_browser() {
    // Fail fast (before any database work) when the browser or its driver is missing.
    chromedriver_binary();
    chrome_binary();
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let driver = Driver::start().await;
    let client = driver.connect().await;
    let outcome = tokio::spawn(journey(client.clone(), app.base.clone(), app.pool.clone())).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    drop(driver);
    drop(app);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the journey did not finish: {error}"),
        }
    }
}

/// A registered physician without any certification (same demo password).
async fn newcomer(pool: &PgPool) {
    sqlx::query(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, email,
                        email_verified_at, created_at, updated_at)
                    SELECT 'newdoc', password_hash, 'physician', '鈴木 一郎', 'suzuki@example.jp',
                           now(), now(), now()
                    FROM accounts WHERE login_id = 'doctor' RETURNING id)
         INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex, registry_number,
                                 phone, prefecture_code, address, registration_completed_at,
                                 details_confirmed_at, created_at, updated_at)
         SELECT a.id, '鈴木　一郎', 'スズキ　イチロウ', '1985-01-20', 'male', '777777', '03-1111-2222',
                13, '東京都文京区本駒込2-28-16', now(), now(), now(), now() FROM a",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn new_certification_journey(client: Client, base: String, pool: PgPool) {
    log_in(&client, &base, "newdoc", "/mypage").await;
    follow(&client, "新規・更新申請").await;
    wait_for_path(&client, "/mypage/applications").await;
    let new = element(
        &client,
        Locator::Css("a[href='/mypage/applications/new?programme=occupational&kind=new']"),
    )
    .await;
    new.click().await.unwrap();
    wait_for_path(&client, "/mypage/applications/new").await;
    element(&client, Locator::XPath("//main//form//button[@type='submit']"))
        .await
        .click()
        .await
        .unwrap();
    let id: i64 = {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = client.current_url().await.unwrap();
            if let Some(Ok(id)) =
                url.path().strip_prefix("/mypage/applications/").map(str::parse::<i64>)
            {
                break id;
            }
            assert!(Instant::now() < deadline, "no draft page; at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let basic = [
        ("basic_early_general", "2"),
        ("basic_early_health_management", "2"),
        ("basic_early_mental_health", "1"),
        ("basic_early_health_promotion", "1"),
        ("basic_early_work_environment", "2"),
        ("basic_early_work_management", "2"),
        ("basic_early_hazardous_work", "2"),
        ("basic_early_practice", "2"),
        ("basic_practical", "10"),
        ("basic_late", "26"),
    ];
    for (row, (category, units)) in basic.iter().enumerate() {
        declare(&client, id, category, units, row + 1).await;
    }
    wait_for_text(&client, "main", "要件を満たしています。").await;
    submit(&client, &format!("/mypage/applications/{id}/submit"), "申請を提出する").await;
    wait_for_text(&client, "main", "提出済み（受付待ち）").await;
    log_out(&client).await;

    log_in(&client, &base, "tokyo", "/office").await;
    client.goto(&format!("{base}/office/applications/{id}")).await.unwrap();
    wait_for_path(&client, &format!("/office/applications/{id}")).await;
    staff_step(&client, &pool, id, "fee", "入金を記録する", "fee_paid_at IS NOT NULL").await;
    staff_step(
        &client,
        &pool,
        id,
        "handbook",
        "受領を記録する",
        "handbook_received_at IS NOT NULL",
    )
    .await;
    staff_step(&client, &pool, id, "approve", "承認する", "status = 'prefecture_approved'").await;
    log_out(&client).await;

    log_in(&client, &base, "jma", "/office").await;
    let cycle_id: i64 = sqlx::query_scalar("SELECT cycle_id FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    client.goto(&format!("{base}/office/cycles/{cycle_id}")).await.unwrap();
    let pick = element(&client, Locator::Id(&format!("pick-{id}"))).await;
    pick.click().await.unwrap();
    submit(
        &client,
        &format!("/office/cycles/{cycle_id}/approve"),
        "チェックした申請をまとめて承認する",
    )
    .await;
    wait_for_db(
        &pool,
        &format!("SELECT status = 'approved' FROM applications WHERE id = {id}"),
        "JMA approval",
    )
    .await;
    log_out(&client).await;

    // A new certificate: a 7-digit number, valid from the committee date for five years.
    log_in(&client, &base, "newdoc", "/mypage").await;
    wait_for_text(&client, "main", "2031年5月30日").await;
    let number: String = sqlx::query_scalar(
        "SELECT c.certificate_number FROM certifications c
         JOIN physicians p ON p.id = c.physician_id WHERE p.registry_number = '777777'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(number.len(), 7);
    wait_for_text(&client, "main", &number).await;
    element(&client, Locator::XPath("//main//a[contains(., '認定証（PDF）をダウンロード')]")).await;
}

#[tokio::test]
async fn new_occupational_certification_from_the_my_page_in_a_real_browser() {
    chromedriver_binary();
    chrome_binary();
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    newcomer(&app.pool).await;
    let driver = Driver::start().await;
    let client = driver.connect().await;
    let outcome =
        tokio::spawn(new_certification_journey(client.clone(), app.base.clone(), app.pool.clone()))
            .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    drop(driver);
    drop(app);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the journey did not finish: {error}"),
        }
    }
}
