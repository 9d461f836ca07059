//! Issue 12, attacks on the account itself: sessions surviving a password change or reset,
//! guessable new passwords.

use crate::common::{TestApp, PASSWORD};
use reqwest::StatusCode;

const NEW_PASSWORD: &str = "Sakura-2025-haru";

async fn change_password(b: &mut crate::common::Browser, new: &str) -> crate::common::Page {
    b.get("/account/password").await;
    b.post(
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", new), ("confirm_password", new)],
    )
    .await
}

#[tokio::test]
async fn attack_session_survives_password_change() {
    let app = TestApp::spawn().await;
    let mut thief = app.signed_in("doctor").await;
    let mut owner = app.signed_in("doctor").await;
    let r = change_password(&mut owner, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The owner stays signed in and is told the others were signed out.
    let home = owner.get("/mypage").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("ほかの端末・ブラウザでのログインはすべて終了しました"),
        "{}",
        home.body
    );
    // The other session is gone.
    let stolen = thief.get("/mypage").await;
    assert_eq!(stolen.status, StatusCode::SEE_OTHER);
    assert!(stolen.location().unwrap_or("").starts_with("/login"));
}

#[tokio::test]
async fn attack_session_survives_password_reset() {
    let app = TestApp::spawn().await;
    let mut thief = app.signed_in("doctor").await;
    let mut b = app.browser();
    b.get("/forgot").await;
    b.post("/forgot", &[("email", "yamada.taro@example.jp")]).await;
    let body: String = sqlx::query_scalar("SELECT body_text FROM mail_outbox ORDER BY id DESC")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let start = body.find("/reset?token=").unwrap() + "/reset?token=".len();
    let token: String = body[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    b.get(&format!("/reset?token={token}")).await;
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
    assert_eq!(thief.get("/mypage").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn attack_guessable_or_personal_new_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let mut owner = app.signed_in("doctor").await;
    for weak in ["1234567890", "qwertyuiop", "password123", "doctordoctor", "yamada.taro-2025"] {
        let r = change_password(&mut owner, weak).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        assert!(r.body.contains("パスワード"), "{}", r.body);
    }
    let r = change_password(&mut owner, "password123").await;
    assert!(r.body.contains("推測されやすいパスワードです"), "{}", r.body);
    let r = change_password(&mut owner, "doctordoctor").await;
    assert!(r.body.contains("ログインID・お名前・メールアドレスを含む"), "{}", r.body);
    // The demo password still signs in: only new passwords are judged.
    assert_eq!(app.browser().login("doctor", PASSWORD).await.status, StatusCode::SEE_OTHER);
}
