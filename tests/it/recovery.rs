//! Forgotten login ID / password: the same answer for every address, a mailed link that works
//! once and for one hour, and a new password that replaces the old one.

use crate::common::{TestApp, PASSWORD};
use chrono::Duration;
use reqwest::StatusCode;

const SENT: &str = "入力されたメールアドレスが登録されている場合、ログインIDとパスワード再設定のご案内をお送りしました。";
const DONE: &str = "パスワードを再設定しました。ほかの端末・ブラウザでのログインはすべて終了しました。新しいパスワードでログインしてください。";
const USED_OR_EXPIRED: &str = "有効期限（1時間）が切れているか、すでに使用されています";
const NEW_PASSWORD: &str = "Sakura-2025-haru";

async fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT to_address, subject, body_text FROM mail_outbox ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// The path of the reset link in a mail body ("/reset?token=…").
fn reset_path(app: &TestApp, body: &str) -> String {
    let start =
        body.find(&format!("{}/reset?token=", app.base)).expect("a reset link") + app.base.len();
    let end = body[start..].find(char::is_whitespace).map_or(body.len(), |i| start + i);
    body[start..end].to_string()
}

fn token_of(path: &str) -> &str {
    path.split_once("token=").map(|(_, t)| t).unwrap_or("")
}

/// Asks for a reset link for `email` and returns the newest mailed reset path.
async fn request_link(app: &TestApp, email: &str) -> String {
    let mut b = app.browser();
    b.get("/forgot").await;
    let page = b.post("/forgot", &[("email", email)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mails = mails(app).await;
    let (_, _, body) = mails.last().expect("a mail was queued");
    reset_path(app, body)
}

#[tokio::test]
async fn forgot_for_a_registered_address_mails_the_login_id_and_a_reset_link() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    let form = b.get("/forgot").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"email\""), "{}", form.body);

    // Case does not matter; surrounding spaces neither.
    let page = b.post("/forgot", &[("email", " Yamada.Taro@EXAMPLE.jp ")]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(SENT), "{}", page.body);

    let mails = mails(&app).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, subject, body) = &mails[0];
    assert_eq!(to, "yamada.taro@example.jp");
    assert!(subject.contains("ログインID"), "{subject}");
    assert!(body.contains("ログインID: doctor"), "{body}");
    let path = reset_path(&app, body);
    assert_eq!(token_of(&path).len(), 64, "{path}");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM mail_tokens WHERE purpose = 'reset_password' AND used_at IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'account.password_reset_requested'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn forgot_for_an_unknown_or_unverified_address_answers_the_same_page_and_mails_nothing() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/forgot").await;
    let known = b.post("/forgot", &[("email", "yamada.taro@example.jp")]).await;
    let unknown = b.post("/forgot", &[("email", "nobody@example.jp")]).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body, "the page must not tell whether the address exists");
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM mail_outbox WHERE to_address = 'nobody@example.jp'").await,
        0
    );

    // An address nobody confirmed gets nothing either.
    sqlx::query("UPDATE accounts SET email_verified_at = NULL WHERE login_id = 'tokyo'")
        .execute(&app.pool)
        .await
        .unwrap();
    let unverified = b.post("/forgot", &[("email", "office@tokyo.example.jp")]).await;
    assert_eq!(unverified.status, known.status);
    assert_eq!(unverified.body, known.body);
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 1);

    // A malformed address is a typing mistake, shown next to the field.
    let bad = b.post("/forgot", &[("email", "yamada at example")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"email-error\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"yamada at example\""), "{}", bad.body);
}

#[tokio::test]
async fn the_reset_link_works_once_and_the_new_password_replaces_the_old() {
    let app = TestApp::spawn().await;
    // Someone locked the login ID by guessing; the owner's reset opens it again.
    for _ in 0..5 {
        let page = app.browser().login("doctor", "wrong-guess-123").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.browser().login("doctor", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);

    let path = request_link(&app, "yamada.taro@example.jp").await;
    let token = token_of(&path).to_string();
    let mut b = app.browser();
    let form = b.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("doctor"), "the form names the login ID: {}", form.body);
    assert!(form.body.contains(&format!("name=\"token\" value=\"{token}\"")), "{}", form.body);

    // A mistake does not use the link up.
    let mismatch = b
        .post(
            "/reset",
            &[
                ("token", &token),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", "other-pass-99"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("id=\"confirm-error\""), "{}", mismatch.body);
    let weak = b
        .post(
            "/reset",
            &[("token", &token), ("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("10文字以上"), "{}", weak.body);

    let done = b
        .post(
            "/reset",
            &[
                ("token", &token),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), Some("/login"));
    let login = b.get("/login").await;
    assert!(login.body.contains(DONE), "{}", login.body);

    // The same link a second time: refused, and the password stays as set.
    let again = b
        .post(
            "/reset",
            &[
                ("token", &token),
                ("new_password", "Another-pass-77"),
                ("confirm_password", "Another-pass-77"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains(USED_OR_EXPIRED), "{}", again.body);
    assert!(again.body.contains("href=\"/forgot\""), "{}", again.body);
    let reopened = app.browser().get(&path).await;
    assert_eq!(reopened.status, StatusCode::GONE);
    assert!(reopened.body.contains(USED_OR_EXPIRED));

    assert_eq!(app.browser().login("doctor", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let fresh = app.browser().login("doctor", NEW_PASSWORD).await;
    assert_eq!(fresh.status, StatusCode::SEE_OTHER, "the lock was cleared by the reset");
    assert_eq!(
        app.browser().login("doctor", "Another-pass-77").await.status,
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'account.password_reset'").await,
        1
    );
    let notices = mails(&app).await;
    assert!(
        notices.iter().any(|(to, subject, _)| to == "yamada.taro@example.jp"
            && subject == "【MAMIS】パスワード再設定のお知らせ"),
        "{notices:?}"
    );
}

#[tokio::test]
async fn the_reset_link_expires_after_an_hour() {
    let app = TestApp::spawn().await;
    let path = request_link(&app, "yamada.taro@example.jp").await;
    let token = token_of(&path).to_string();

    app.clock.advance(Duration::minutes(59));
    let mut b = app.browser();
    assert_eq!(b.get(&path).await.status, StatusCode::OK, "still valid at 59 minutes");

    app.clock.advance(Duration::minutes(2));
    let expired = b.get(&path).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.body.contains(USED_OR_EXPIRED), "{}", expired.body);
    let post = b
        .post(
            "/reset",
            &[
                ("token", &token),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::GONE);

    assert_eq!(app.browser().login("doctor", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.browser().login("doctor", NEW_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_newer_reset_link_voids_the_older_one() {
    let app = TestApp::spawn().await;
    let first = request_link(&app, "yamada.taro@example.jp").await;
    let second = request_link(&app, "yamada.taro@example.jp").await;
    assert_ne!(first, second);
    let mut b = app.browser();
    assert_eq!(b.get(&first).await.status, StatusCode::GONE);
    assert_eq!(b.get(&second).await.status, StatusCode::OK);
}

#[tokio::test]
async fn reset_mails_are_limited_per_address_and_hour() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/forgot").await;
    let first = b.post("/forgot", &[("email", "yamada.taro@example.jp")]).await;
    for _ in 0..6 {
        let page = b.post("/forgot", &[("email", "yamada.taro@example.jp")]).await;
        assert_eq!(page.status, first.status);
        assert_eq!(page.body, first.body, "the throttled answer looks the same");
    }
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 5);

    // An hour later the owner can ask again.
    app.clock.advance(Duration::minutes(61));
    b.post("/forgot", &[("email", "yamada.taro@example.jp")]).await;
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 6);
}

/// Issue 12: the forgotten-password form is limited per client address as well.
#[tokio::test]
async fn attack_forgot_form_flood_from_one_client_is_limited() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/forgot").await;
    let mut refused = 0;
    for i in 0..12 {
        let page = b.post("/forgot", &[("email", &format!("guess{i}@example.jp"))]).await;
        if page.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 2);
}
