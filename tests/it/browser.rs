//! End-to-end journeys in a real headless Chromium, driven through WebDriver (chromedriver).
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`). `CHROMEDRIVER` and `CHROME_BIN` override
//! where the two binaries are looked for. A missing chromedriver fails the test: it never
//! passes silently.

use crate::common::chrome;

use std::future::Future;
use std::time::{Duration, Instant};

use crate::common::{TestApp, PASSWORD};
use chrome::*;
use fantoccini::{Client, Locator};

/// Runs `journey` in a fresh browser against the real portal with the demo data. The browser
/// session is closed and chromedriver stopped afterwards, whether the journey passed or not.
async fn in_browser<F, Fut>(journey: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Fail fast (before any database work) when the browser or its driver is missing.
    chromedriver_binary();
    chrome_binary();
    let app = TestApp::spawn().await;
    let driver = Driver::start().await;
    let client = driver.connect().await;
    let outcome = tokio::spawn(journey(client.clone(), app.base.clone())).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    drop(driver);
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the journey did not finish: {error}"),
        }
    }
}

/// Waits until the browser shows a page at `path` (query string ignored).
async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let url = client.current_url().await.expect("the current URL");
        if url.path() == path {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url} after {PATIENCE:?}, expected {path}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    let element = client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"));
    element.text().await.unwrap()
}

async fn log_in(client: &Client, base: &str, login_id: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.expect("open /login");
    let id_field = client.wait().at_most(PATIENCE).for_element(Locator::Css("#login_id")).await;
    id_field.expect("the login ID field").send_keys(login_id).await.unwrap();
    client.find(Locator::Css("#password")).await.unwrap().send_keys(password).await.unwrap();
    let button = client
        .find(Locator::XPath("//form[@action='/login']//button[normalize-space()='ログイン']"))
        .await
        .expect("the login button");
    button.click().await.unwrap();
}

#[tokio::test]
async fn physician_logs_in_with_a_real_browser_and_sees_my_page() {
    in_browser(|client, base| async move {
        log_in(&client, &base, "doctor", PASSWORD).await;
        wait_for_path(&client, "/mypage").await;
        assert_eq!(text_of(&client, "main h1").await, "マイページ");
        let body = text_of(&client, "body").await;
        assert!(body.contains("マイページ"), "{body}");
        assert!(body.contains("山田 太郎"), "{body}");
        let title = client.title().await.unwrap();
        assert!(title.starts_with("マイページ"), "{title}");
    })
    .await;
}

#[tokio::test]
async fn physician_logs_out_through_the_header_button() {
    in_browser(|client, base| async move {
        log_in(&client, &base, "doctor", PASSWORD).await;
        wait_for_path(&client, "/mypage").await;
        let logout = client
            .find(Locator::XPath("//header//form[@action='/logout']//button"))
            .await
            .expect("a logout button in the header");
        assert_eq!(logout.text().await.unwrap(), "ログアウト");
        logout.click().await.unwrap();
        wait_for_path(&client, "/login").await;
        let notice = text_of(&client, "main .notice").await;
        assert!(notice.contains("ログアウトしました。"), "{notice}");
        assert!(client.find(Locator::Css("#login_id")).await.is_ok(), "the login form is shown");
        // Signed out for real: my page sends the browser back to the login form.
        client.goto(&format!("{base}/mypage")).await.unwrap();
        wait_for_path(&client, "/login").await;
        let body = text_of(&client, "body").await;
        assert!(!body.contains("山田 太郎"), "{body}");
    })
    .await;
}
