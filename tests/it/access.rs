//! Roles land on their own homes; cross-role pages are refused; CSRF and security headers.

use crate::common;

use crate::common::TestApp;
use reqwest::StatusCode;

#[tokio::test]
async fn every_role_lands_on_its_own_home_page() {
    let app = TestApp::spawn().await;
    let cases = [
        ("doctor", "/mypage", "マイページ"),
        ("chiyoda", "/office", "千代田区医師会"),
        ("tokyo", "/office", "東京都医師会"),
        ("jma", "/office", "日本医師会"),
        ("admin", "/admin", "システム管理"),
    ];
    for (login_id, home, text) in cases {
        let mut b = app.browser();
        let page = b.login(login_id, common::PASSWORD).await;
        assert_eq!(page.location(), Some(home), "{login_id}");
        let page = b.get(home).await;
        assert_eq!(page.status, StatusCode::OK, "{login_id}");
        assert!(page.body.contains(text), "{login_id}: {}", page.body);
        // The root sends a signed-in user home too.
        assert_eq!(b.get("/").await.location(), Some(home));
    }
}

#[tokio::test]
async fn cross_role_pages_are_forbidden() {
    let app = TestApp::spawn().await;
    let forbidden = [
        ("doctor", "/office"),
        ("doctor", "/admin"),
        ("doctor", "/audit"),
        ("doctor", "/admin/maintenance"),
        ("tokyo", "/mypage"),
        ("tokyo", "/admin"),
        ("tokyo", "/audit"),
        ("chiyoda", "/admin/announcements"),
        ("jma", "/mypage"),
        ("jma", "/admin/maintenance"),
        ("admin", "/mypage"),
        ("admin", "/office"),
    ];
    for (login_id, path) in forbidden {
        let mut b = app.signed_in(login_id).await;
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{login_id} {path}");
        assert!(page.body.contains("このページを表示する権限がありません"));
    }
}

#[tokio::test]
async fn forbidden_posts_change_nothing() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("tokyo").await;
    let page = b
        .post(
            "/admin/maintenance",
            &[("starts_at", "2025-05-01 19:00"), ("ends_at", "2025-05-02 09:00"), ("reason", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM maintenance_windows").await, 2);
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    for path in ["/mypage", "/office", "/admin", "/audit", "/account/password"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().unwrap().starts_with("/login?next="), "{path}");
    }
    assert_eq!(b.get("/").await.location(), Some("/login"));
}

#[tokio::test]
async fn post_without_a_valid_csrf_token_is_refused_with_403() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/login").await;
    // Missing token: even correct credentials do not log in.
    let page =
        b.post_raw("/login", &[("login_id", "doctor"), ("password", common::PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("送信を受け付けられませんでした"));
    // Wrong token.
    let page = b
        .post_raw(
            "/login",
            &[("login_id", "doctor"), ("password", common::PASSWORD), ("csrf_token", "0000")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/mypage").await.status, StatusCode::SEE_OTHER, "still signed out");

    // Signed in: a state change with another session's token is refused.
    let mut admin = app.signed_in("admin").await;
    let mut other = app.browser();
    other.get("/login").await;
    admin.csrf = other.csrf.clone();
    let page = admin
        .post(
            "/admin/maintenance",
            &[("starts_at", "2025-05-01 19:00"), ("ends_at", "2025-05-02 09:00"), ("reason", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM maintenance_windows").await, 2);
    // Logout needs the token too.
    let r = admin.client.post(format!("{}/logout", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn token_from_before_login_is_useless_after_login() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/login").await;
    let before = b.csrf.clone().unwrap();
    b.login("admin", common::PASSWORD).await;
    assert_ne!(b.csrf.clone().unwrap(), before);
    b.csrf = Some(before);
    let page = b
        .post(
            "/admin/maintenance",
            &[("starts_at", "2025-05-01 19:00"), ("ends_at", "2025-05-02 09:00"), ("reason", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cross_origin_form_posts_are_refused() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/login").await;
    let token = b.csrf.clone().unwrap();
    let r = b
        .client
        .post(format!("{}/login", app.base))
        .header("origin", "https://evil.example")
        .form(&[("login_id", "doctor"), ("password", common::PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An opaque origin is refused outside the work pages too.
    let r = b
        .client
        .post(format!("{}/login", app.base))
        .header("origin", "null")
        .form(&[("login_id", "doctor"), ("password", common::PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The same post from our own origin works.
    let r = b
        .client
        .post(format!("{}/login", app.base))
        .header("origin", app.base.clone())
        .form(&[("login_id", "doctor"), ("password", common::PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    for path in ["/login", "/does-not-exist", "/healthz"] {
        let page = b.get(path).await;
        let h = |name: &str| page.headers.get(name).map(|v| v.to_str().unwrap().to_string());
        let csp = h("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert!(h("referrer-policy").is_some(), "{path}");
        assert_eq!(h("cache-control").as_deref(), Some("no-store"), "{path}");
        assert!(h("x-request-id").is_some(), "{path}");
    }
    let css = b.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"].to_str().unwrap().starts_with("text/css"));
}

#[tokio::test]
async fn unknown_pages_get_a_japanese_404() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("ページが見つかりません"));
    assert!(page.body.contains("lang=\"ja\""));
}

#[tokio::test]
async fn health_checks_answer_and_readiness_follows_the_database() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    assert_eq!(b.get("/healthz").await.body, "ok");
    assert_eq!(b.get("/readyz").await.status, StatusCode::OK);
    app.pool.close().await;
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(b.get("/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE);
    // Pages answer with the Japanese 503 page rather than a raw error.
    let page = b.get("/login").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("一時的にご利用いただけません"), "{}", page.body);
}

#[tokio::test]
async fn a_physician_never_reaches_another_physicians_data() {
    let app = TestApp::spawn().await;
    // A second registered physician with a certification of their own.
    let (id, cert): (i64, i64) = sqlx::query_as(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, created_at, updated_at)
                    SELECT 'other', password_hash, 'physician', '佐藤 花子', now(), now()
                    FROM accounts WHERE login_id = 'doctor' RETURNING id),
              p AS (INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex,
                        registry_number, phone, prefecture_code, registration_completed_at,
                        details_confirmed_at, created_at, updated_at)
                    SELECT a.id, '佐藤　花子', 'サトウ　ハナコ', '1980-04-01', 'female', '654321',
                           '03-0000-0000', 13, now(), now(), now(), now() FROM a RETURNING id),
              c AS (INSERT INTO certifications (programme, certificate_number, registry_number,
                        birth_date, physician_id, created_at, updated_at)
                    SELECT 'occupational', '0999999', '654321', '1980-04-01', p.id,
                           now(), now() FROM p RETURNING id),
              t AS (INSERT INTO certification_terms (certification_id, valid_from, valid_until,
                        origin, created_at)
                    SELECT id, '2022-01-01', '2026-12-31', 'imported', now() FROM c)
         SELECT p.id, c.id FROM p, c",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut doctor = app.signed_in("doctor").await;
    for path in ["/mypage", "/mypage/profile", "/mypage/history", "/mypage/credits/print"] {
        let page = doctor.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("佐藤") && !page.body.contains("0999999"), "{path}");
    }
    for path in [
        format!("/office/physicians/{id}"),
        "/office/physicians?q=654321".to_string(),
        "/office/links".to_string(),
        "/office/changes".to_string(),
        format!("/office/links/{cert}"),
        format!("/office/changes/{cert}"),
    ] {
        let status = doctor.get(&path).await.status;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
    let page = doctor.post(&format!("/office/physicians/{id}/proxy"), &[]).await;
    assert!(page.status == StatusCode::FORBIDDEN || page.status == StatusCode::NOT_FOUND);
}
