//! The two registration journeys in a real headless Chromium, driven through WebDriver
//! (chromedriver): a non-member's 利用者登録 from the login page to my page, and a member's
//! first login with the postcard password to 登録完了. The mailed links are read from the
//! `mail_outbox` table and opened in the same browser.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`). `CHROMEDRIVER` and `CHROME_BIN` override
//! where the two binaries are looked for. A missing chromedriver fails the test: it never
//! passes silently.

use crate::common::chrome;

use std::future::Future;
use std::time::{Duration, Instant};

use crate::common::TestApp;
use chrome::*;
use chrono::NaiveDate;

/// The initial password printed on the member's postcard.
const MEMBER_PASSWORD: &str = "Hagaki-Init-01";
use fantoccini::{Client, Locator};
use mamis::clock::Clock;
use mamis::db::{accounts, physicians};
use mamis::domain::role::Role;
use sqlx::PgPool;

// ---------------------------------------------------------------------------------------------
// The portal under test
// ---------------------------------------------------------------------------------------------

/// What a journey needs of the running portal; cloneable so that it can move into the task.
#[derive(Clone)]
struct Portal {
    base: String,
    pool: PgPool,
    clock: Clock,
}

impl Portal {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The full link (`base` + `path` + query) from the newest mail to `to` that carries one.
    /// Polls, so that a mail written just after the page answered is still found.
    async fn mailed_link(&self, to: &str, path: &str) -> String {
        let prefix = self.url(path);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let body: Option<String> = sqlx::query_scalar(
                "SELECT body_text FROM mail_outbox
                 WHERE to_address = $1 AND body_text LIKE '%' || $2 || '%'
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(to)
            .bind(&prefix)
            .fetch_optional(&self.pool)
            .await
            .expect("read mail_outbox");
            if let Some(body) = body {
                let start = body.find(&prefix).expect("the link in the mail");
                return body[start..].split_whitespace().next().unwrap().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} with a link to {prefix} after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Runs `journey` in a fresh browser against the real portal with the demo data, after
/// `setup` has prepared the database. The browser session is closed and chromedriver stopped
/// afterwards, whether the journey passed or not.
async fn in_browser<S, SFut, F, Fut>(setup: S, journey: F)
where
    S: FnOnce(Portal) -> SFut,
    SFut: Future<Output = ()>,
    F: FnOnce(Client, Portal) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Fail fast (before any database work) when the browser or its driver is missing.
    chromedriver_binary();
    chrome_binary();
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let portal =
        Portal { base: app.base.clone(), pool: app.pool.clone(), clock: app.clock.clone() };
    setup(portal.clone()).await;
    let driver = Driver::start().await;
    let client = driver.connect().await;
    let outcome = tokio::spawn(journey(client.clone(), portal)).await;
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

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A member as an import leaves them: account with the postcard password, details on file
/// (no phone, no fax), registration not complete; plus certification data from the old system
/// to link. Copied from `member()` in tests/registration.rs.
async fn member(portal: Portal) {
    let now = portal.clock.now();
    let hash = mamis::password::hash(MEMBER_PASSWORD).unwrap();
    let mut tx = portal.pool.begin().await.unwrap();
    let account_id = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            login_id: "m20250001",
            password_hash: &hash,
            role: Role::Physician,
            display_name: "髙橋 﨑子",
            email: None,
            must_change_password: true,
        },
        now,
    )
    .await
    .unwrap();
    physicians::create(
        &mut tx,
        &physicians::NewPhysician {
            account_id: Some(account_id),
            kanji_name: "髙橋\u{3000}﨑子",
            furigana: "タカハシ\u{3000}サキコ",
            birth_date: date(1975, 6, 3),
            sex: "female",
            registry_number: Some("234567"),
            phone: None,
            fax: None,
            postal_code: Some("530-0001"),
            address: Some("大阪府大阪市北区梅田1-1"),
            workplace: None,
            prefecture_code: Some(27),
            is_member: true,
            member_association_id: None,
            registration_completed_at: None,
        },
        now,
    )
    .await
    .unwrap();
    for (programme, number, birth) in
        [("occupational", "0345678", date(1975, 6, 3)), ("sports", "0456789", date(1975, 6, 30))]
    {
        physicians::create_certification(
            &mut tx,
            &physicians::NewCertification {
                programme,
                certificate_number: number,
                registry_number: "234567",
                birth_date: birth,
                physician_id: None,
                valid_from: date(2022, 8, 1),
                valid_until: date(2027, 7, 31),
            },
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Browser helpers: every one waits (polls) instead of sleeping a fixed time
// ---------------------------------------------------------------------------------------------

async fn value_of(client: &Client, id: &str) -> String {
    element(client, Locator::Id(id)).await.prop("value").await.unwrap().unwrap_or_default()
}

/// Ticks (clicks) the checkbox or radio button at `css` and checks that it is selected.
async fn tick(client: &Client, css: &str) {
    let input = element(client, Locator::Css(css)).await;
    input.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    assert!(input.is_selected().await.unwrap(), "{css} is ticked after the click");
}

/// Clicks the submit button of the form posting to `action`, checking its label.
async fn submit(client: &Client, action: &str, label: &str) {
    let xpath = format!("//form[@action='{action}']//button[@type='submit']");
    let button = element(client, Locator::XPath(&xpath)).await;
    assert_eq!(button.text().await.unwrap(), label, "the submit button of {action}");
    button.click().await.unwrap_or_else(|e| panic!("click 「{label}」: {e}"));
}

async fn log_in(client: &Client, portal: &Portal, login_id: &str, password: &str) {
    client.goto(&portal.url("/login")).await.expect("open /login");
    fill(client, "login_id", login_id).await;
    fill(client, "password", password).await;
    submit(client, "/login", "ログイン").await;
}

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn non_member_registers_from_the_login_page_in_a_real_browser() {
    in_browser(
        |_| async {},
        |client, portal| async move {
            let email = "hikaiin@example.jp";
            client.goto(&portal.url("/login")).await.expect("open /login");
            let link =
                element(&client, Locator::XPath("//main//a[contains(., '利用者登録')]")).await;
            assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("/register"));
            link.click().await.unwrap();
            wait_for_path(&client, "/register").await;
            wait_for_text(&client, "main h1", "利用者登録").await;
            wait_for_text(&client, "main .terms", "").await;

            tick(&client, "form[action='/register'] input[name='agree']").await;
            fill(&client, "email", email).await;
            submit(&client, "/register", "同意して確認メールを送る").await;
            wait_for_text(
                &client,
                "main .notice",
                &format!("{email} あてにご案内のメールをお送りしました"),
            )
            .await;

            let link = portal.mailed_link(email, "/register/continue?token=").await;
            client.goto(&link).await.expect("open the mailed link");
            wait_for_path(&client, "/register/continue").await;
            wait_for_text(&client, "main", &format!("メールアドレス：{email}（確認済み）")).await;

            fill(&client, "login_id", "takahashi.s").await;
            fill(&client, "password", "Own-Passw0rd!").await;
            fill(&client, "confirm_password", "Own-Passw0rd!").await;
            fill(&client, "kanji_name", "髙橋 﨑子").await;
            fill(&client, "furigana", "ﾀｶﾊｼ ｻｷｺ").await;
            fill(&client, "birth_date", "1975/6/3").await;
            tick(&client, "input[name='sex'][value='女']").await;
            fill(&client, "registry_number", "234567").await;
            fill(&client, "phone", "03-5555-0000").await;
            fill(&client, "fax", "06-1234-5678").await;
            fill(&client, "postal_code", "5300001").await;
            let prefecture = element(&client, Locator::Id("prefecture")).await;
            prefecture.select_by_value("27").await.expect("choose 大阪府");
            assert_eq!(value_of(&client, "prefecture").await, "27");
            fill(&client, "address", "大阪府大阪市北区梅田1-1").await;
            fill(&client, "workplace", "梅田産業医事務所").await;
            submit(&client, "/register/continue", "登録する").await;

            wait_for_path(&client, "/mypage").await;
            let notice = wait_for_text(&client, "main .notice", "利用者登録が完了しました。").await;
            assert_eq!(notice, "利用者登録が完了しました。");
            let lead = wait_for_text(&client, "main .lead", "さん").await;
            assert!(lead.starts_with("髙橋\u{3000}﨑子（"), "the exact kanji name: {lead}");
            assert!(lead.contains("タカハシ\u{3000}サキコ"), "furigana as full-width kana: {lead}");
            let who = wait_for_text(&client, "header .who", "さん").await;
            assert!(who.starts_with("髙橋\u{3000}﨑子 さん"), "{who}");

            // The new login works: sign out and in again through the forms.
            submit(&client, "/logout", "ログアウト").await;
            wait_for_path(&client, "/login").await;
            log_in(&client, &portal, "takahashi.s", "Own-Passw0rd!").await;
            wait_for_path(&client, "/mypage").await;
            wait_for_text(&client, "main .lead", "髙橋\u{3000}﨑子").await;

            let is_member: bool = sqlx::query_scalar(
                "SELECT is_member FROM physicians WHERE registry_number = '234567'",
            )
            .fetch_one(&portal.pool)
            .await
            .unwrap();
            assert!(!is_member, "a self-registered physician is not a member");
        },
    )
    .await;
}

#[tokio::test]
async fn member_completes_first_login_in_a_real_browser() {
    in_browser(member, |client, portal| async move {
        let email = "sakiko@example.jp";
        log_in(&client, &portal, "m20250001", MEMBER_PASSWORD).await;

        // 1 利用規約への同意
        wait_for_path(&client, "/welcome/terms").await;
        wait_for_text(&client, "main .steps [aria-current='step']", "1 利用規約への同意").await;
        tick(&client, "form[action='/welcome/terms'] input[name='agree']").await;
        submit(&client, "/welcome/terms", "同意して次へ").await;

        // 2 パスワードの設定
        wait_for_path(&client, "/welcome/password").await;
        wait_for_text(&client, "main .steps [aria-current='step']", "2 パスワードの設定").await;
        wait_for_text(&client, "main", "ログインID「m20250001」").await;
        fill(&client, "new_password", "Sakiko-Own-77").await;
        fill(&client, "confirm_password", "Sakiko-Own-77").await;
        submit(&client, "/welcome/password", "設定して次へ").await;

        // 3 メールアドレスの確認
        wait_for_path(&client, "/welcome/email").await;
        wait_for_text(&client, "main .steps [aria-current='step']", "3 メールアドレスの確認").await;
        fill(&client, "email", email).await;
        submit(&client, "/welcome/email", "確認メールを送信する").await;
        wait_for_text(
            &client,
            "main .notice",
            &format!("{email} あてに確認のメールをお送りしました"),
        )
        .await;
        let link = portal.mailed_link(email, "/verify-email?token=").await;
        client.goto(&link).await.expect("open the mailed link");

        // 4 登録情報の確認: what is on file is shown for review; the fax was missing.
        wait_for_path(&client, "/welcome/details").await;
        wait_for_text(&client, "main .notice", "メールアドレスを確認しました。").await;
        wait_for_text(&client, "main .steps [aria-current='step']", "4 登録情報の確認").await;
        assert_eq!(value_of(&client, "kanji_name").await, "髙橋\u{3000}﨑子");
        assert_eq!(value_of(&client, "furigana").await, "タカハシ\u{3000}サキコ");
        assert_eq!(value_of(&client, "registry_number").await, "234567");
        assert_eq!(value_of(&client, "prefecture").await, "27");
        let female = element(&client, Locator::Css("input[name='sex'][value='女']")).await;
        assert!(female.is_selected().await.unwrap(), "女 is preselected");
        assert_eq!(value_of(&client, "phone").await, "");
        assert_eq!(value_of(&client, "fax").await, "");
        fill(&client, "fax", "06-1234-5678").await;
        submit(&client, "/welcome/details", "この内容で登録を完了する").await;

        wait_for_path(&client, "/mypage").await;
        let notice =
            wait_for_text(&client, "main .notice", "マイページの登録が完了しました。").await;
        assert_eq!(notice, "マイページの登録が完了しました。");
        let lead = wait_for_text(&client, "main .lead", "さん").await;
        assert!(lead.starts_with("髙橋\u{3000}﨑子（"), "the exact kanji name: {lead}");
        // The certification whose birth date matches is linked and shown; the other is not.
        let certs = wait_for_text(&client, "main .cert", "認定証番号").await;
        assert!(certs.contains("0345678"), "{certs}");
        let page = page_text(&client).await;
        assert!(!page.contains("0456789"), "{page}");
        assert!(page.contains("認定医情報の反映待ち"), "the mismatch waits for staff: {page}");

        let fax: Option<String> =
            sqlx::query_scalar("SELECT fax FROM physicians WHERE registry_number = '234567'")
                .fetch_one(&portal.pool)
                .await
                .unwrap();
        assert_eq!(fax.as_deref(), Some("06-1234-5678"));
    })
    .await;
}
