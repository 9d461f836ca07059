//! The organizer's journey in a real headless Chromium (chromedriver): open the seminar's
//! secret work page, upload the attendee list saved by Excel as Shift_JIS, read the preview
//! (an era date converted, half-width kana), commit, see the registered attendees; then the
//! demo physician `doctor` (医籍登録番号 123456, born 1970-05-15, a row of the file) logs in
//! and the credit is theirs.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`). `CHROMEDRIVER` and `CHROME_BIN` override
//! where the two binaries are looked for. A missing chromedriver fails the test: it never
//! passes silently.

use crate::common;
use crate::common::chrome;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::TestApp;
use chrome::*;
use chrono::NaiveDate;

const TITLE: &str = "産業医研修会（職場のメンタルヘルス）";
use fantoccini::{Client, Locator};
use mamis::db::{seminars, work_pages};
use rust_decimal::Decimal;

// ---------------------------------------------------------------------------------------------
// Browser helpers: every one waits (polls) instead of sleeping a fixed time
// ---------------------------------------------------------------------------------------------

/// A work page is served with `Referrer-Policy: no-referrer`, so a real browser sends
/// `Origin: null` with every form it posts from there (Fetch standard, "serializing a request
/// origin"). Say so plainly if the portal's CSRF check refuses that, instead of timing out.
async fn refused_by_csrf(client: &Client, expected: &str) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Ok(h1) = client.find(Locator::Css("main h1")).await {
            let text = h1.text().await.unwrap_or_default();
            if text.contains("送信を受け付けられませんでした") {
                panic!(
                    "the portal refused a form posted from a work page as CSRF: under \
                     Referrer-Policy: no-referrer the browser sends `Origin: null`, which \
                     web::middleware::csrf::verify rejects; it must let `Origin: null` through for /work/ \
                     paths (the session token still decides)"
                );
            }
            if text.contains(expected) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The journey
// ---------------------------------------------------------------------------------------------

fn fixture_path(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// An approved seminar of an outside organizer with its work page; returns the page's path.
async fn approved_seminar(app: &TestApp) -> (i64, String) {
    let now = app.clock.now();
    let held = NaiveDate::from_ymd_opt(2025, 4, 5).unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    let units =
        [("lifelong_renewal", Decimal::new(1, 0)), ("lifelong_specialized", Decimal::new(15, 1))];
    let id = seminars::create(
        &mut conn,
        &seminars::NewSeminar {
            programme: "occupational",
            title: TITLE,
            starts_on: held,
            ends_on: held,
            format: "in_person",
            venue: "東京都千代田区 医師会館",
            organizer_association_id: None,
            organizer_name: "株式会社 産業保健研修",
            contact_name: "研修 担当",
            contact_email: "kenshu@example.jp",
            contact_phone: Some("03-0000-1111"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: false,
            capacity: None,
            units: &units,
        },
        now,
    )
    .await
    .unwrap();
    let token = work_pages::issue(&mut conn, id, None, now).await.unwrap();
    (id, format!("/work/{token}"))
}

async fn journey(client: Client, base: String, work: String) {
    let url = |path: &str| format!("{base}{path}");

    // The work page: the seminar, its due date, the notice about stickers.
    client.goto(&url(&work)).await.expect("open the work page");
    wait_for_text(&client, "main h1", "研修会の作業ページ").await;
    wait_for_text(&client, "main .lead", TITLE).await;
    wait_for_text(&client, "main", "2025年5月5日（最終日から1か月）").await;
    wait_for_text(&client, "main .warning", "単位シール・紙の修了証は発行できません").await;

    // Upload the Shift_JIS file.
    let link = element(&client, Locator::LinkText("受講者の単位をCSVファイルで登録する")).await;
    link.click().await.unwrap();
    wait_for_path(&client, &format!("{work}/credits/upload")).await;
    let file = element(&client, Locator::Id("file")).await;
    let path = fixture_path("attendees_sjis.csv");
    file.send_keys(&path.to_string_lossy()).await.expect("choose the file");
    let button =
        element(&client, Locator::Css("form[enctype='multipart/form-data'] button[type='submit']"))
            .await;
    assert_eq!(button.text().await.unwrap(), "アップロードして確認する");
    button.click().await.unwrap();

    // The preview: three rows, one converted era date, nothing registered yet.
    refused_by_csrf(&client, "アップロードした受講者の確認").await;
    let summary = wait_for_text(&client, "#upload-summary", "Shift_JIS").await;
    assert!(
        summary.contains("3行（登録できる行 3行、うち確認事項のある行 1行、エラーの行 0行）"),
        "{summary}"
    );
    let problems =
        wait_for_text(&client, "#problem-rows", "昭和45年5月15日を1970-05-15に変換しました。")
            .await;
    assert!(problems.contains("2行目"), "{problems}");
    let all = wait_for_text(&client, "#all-rows", "髙橋\u{3000}﨑子").await;
    assert!(all.contains("第２３４５６７号"), "cells as written: {all}");

    // Commit.
    let commit = element(&client, Locator::Id("commit")).await;
    assert_eq!(commit.text().await.unwrap(), "3名の単位を登録する");
    commit.click().await.unwrap();
    refused_by_csrf(&client, "登録済みの受講者").await;
    wait_for_path(&client, &format!("{work}/credits")).await;
    wait_for_text(
        &client,
        "main .notice",
        "受講者 3 名・単位 6 件を登録しました（単位：新規 6 件、修正 0 件、変更なし 0 件）。",
    )
    .await;
    let table = wait_for_text(&client, "#attendees", "山田\u{3000}太郎").await;
    assert!(table.contains("反映済み（本人のマイページに表示）"), "{table}");
    assert!(table.contains("本人のMAMIS登録待ち"), "{table}");

    // The demo physician logs in.
    client.goto(&url("/login")).await.expect("open /login");
    fill(&client, "login_id", "doctor").await;
    fill(&client, "password", common::PASSWORD).await;
    let button =
        element(&client, Locator::XPath("//form[@action='/login']//button[@type='submit']")).await;
    button.click().await.unwrap();
    wait_for_path(&client, "/mypage").await;
    let main = wait_for_text(&client, "main", "マイページ").await;
    // The credit list on the my page belongs to another part of the portal: when it is there,
    // it names the seminar.
    if main.contains("研修会の受講履歴") && !main.contains("研修会の記録はまだありません")
    {
        assert!(main.contains(TITLE), "the my page lists the seminar: {main}");
    } else {
        println!("note: the my page does not list seminar credits yet");
    }
}

#[tokio::test]
async fn organizer_uploads_a_shift_jis_list_and_the_physician_gets_the_credit() {
    // Fail fast (before any database work) when the browser or its driver is missing.
    chromedriver_binary();
    chrome_binary();
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let (seminar_id, work) = approved_seminar(&app).await;
    let driver = Driver::start().await;
    let client = driver.connect().await;
    let outcome = tokio::spawn(journey(client.clone(), app.base.clone(), work)).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    drop(driver);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the journey did not finish: {error}"),
        }
    }

    // The doctor's credits exist and are theirs.
    let doctor: i64 =
        sqlx::query_scalar("SELECT p.id FROM physicians p JOIN accounts a ON a.id = p.account_id WHERE a.login_id = 'doctor'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let credits: Vec<(String, Option<i64>, String)> = sqlx::query_as(
        "SELECT category, physician_id, match_status FROM credits
         WHERE seminar_id = $1 AND registry_number = '123456' ORDER BY category",
    )
    .bind(seminar_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        credits,
        vec![
            ("lifelong_renewal".to_string(), Some(doctor), "matched".to_string()),
            ("lifelong_specialized".to_string(), Some(doctor), "matched".to_string()),
        ]
    );
}
