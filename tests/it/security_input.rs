//! Issue 12, attacks through what is typed: off-site `next=`, control characters, bidi
//! controls, missing HSTS on https.

use crate::common::{TestApp, TestDb, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn attack_next_with_a_tab_does_not_redirect_off_site() {
    let app = TestApp::spawn().await;
    for next in ["/\t/127.0.0.1:9999/", "//evil.example/", "/\\evil.example", "/a//b"] {
        let mut b = app.browser();
        b.get("/login").await;
        let r = b
            .post("/login", &[("login_id", "doctor"), ("password", PASSWORD), ("next", next)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), Some("/mypage"), "{next:?}");
    }
}

#[tokio::test]
async fn attack_nul_byte_in_a_form_field_is_a_400_with_a_message() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/forgot").await;
    let r = b.post("/forgot", &[("email", "yamada\0@example.jp")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("制御文字"), "{}", r.body);
    let mut doctor = app.signed_in("doctor").await;
    let r = doctor.get("/office/physicians?q=%00").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn attack_bidi_controls_in_an_announcement_are_stripped() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in("admin").await;
    admin.get("/admin/announcements").await;
    let r = admin
        .post(
            "/admin/announcements",
            &[("title", "お知らせ\u{202E}moc.live"), ("body", "詳しくは\u{2066}こちら\u{2069}")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stored: String =
        sqlx::query_scalar("SELECT title || body FROM announcements ORDER BY id DESC")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, "お知らせmoc.live詳しくはこちら");
    let login = app.browser().get("/login").await;
    assert!(!login.body.contains('\u{202E}'));
}

#[tokio::test]
async fn attack_no_hsts_when_the_portal_is_served_over_https() {
    use tower::ServiceExt;
    let db = TestDb::create().await;
    let pool = db.pool(2).await;
    mamis::db::migrate(&pool).await.unwrap();
    let mut config = mamis::config::Config::for_tests(&db.url);
    config.base_url = "https://mamis.example.jp".into();
    let clock = mamis::clock::Clock::fixed(mamis::clock::parse_jst("2025-04-10 10:00").unwrap());
    let app = mamis::build(mamis::state::AppState::new(pool.clone(), config, clock.clone()));
    let req = axum::http::Request::get("/healthz").body(axum::body::Body::empty()).unwrap();
    let r = app.oneshot(req).await.unwrap();
    let hsts = r.headers().get("strict-transport-security").expect("HSTS on https");
    assert!(hsts.to_str().unwrap().starts_with("max-age="));

    // And not on plain http (a laptop), where it would be meaningless.
    let plain = mamis::config::Config::for_tests(&db.url);
    let app = mamis::build(mamis::state::AppState::new(pool, plain, clock));
    let req = axum::http::Request::get("/healthz").body(axum::body::Body::empty()).unwrap();
    assert!(app.oneshot(req).await.unwrap().headers().get("strict-transport-security").is_none());
}
