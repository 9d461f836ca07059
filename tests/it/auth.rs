//! Login, throttling, session rotation and expiry, logout.

use crate::common::{TestApp, PASSWORD};
use chrono::Duration;
use reqwest::StatusCode;

#[tokio::test]
async fn physician_logs_in_and_lands_on_my_page() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    let page = b.login("doctor", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/mypage"));
    let home = b.get("/mypage").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("山田 太郎"), "{}", home.body);
    assert!(home.body.contains("0123456"), "certificate number shown");
}

#[tokio::test]
async fn login_id_is_case_and_width_insensitive() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    let page = b.login("ＤＯＣＴＯＲ", PASSWORD).await;
    assert_eq!(page.location(), Some("/mypage"));
}

#[tokio::test]
async fn wrong_password_and_unknown_id_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    let wrong = b.login("doctor", "not-the-password").await;
    let unknown = b.login("nobody-here", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    for page in [&wrong, &unknown] {
        assert!(page.body.contains("ログインIDまたはパスワードが正しくありません。"));
    }
    // Not signed in afterwards.
    assert_eq!(b.get("/mypage").await.status, StatusCode::SEE_OTHER);
    let failures = app.count("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'");
    assert_eq!(failures.await, 2);
}

#[tokio::test]
async fn five_failures_delay_the_login_id_whether_or_not_it_exists() {
    let app = TestApp::spawn().await;
    for login_id in ["doctor", "ghost-account"] {
        let mut b = app.browser();
        for _ in 0..5 {
            assert_eq!(b.login(login_id, "wrong-password").await.status, StatusCode::UNAUTHORIZED);
        }
        // Even the right password is refused while locked (for the real account).
        let locked = b.login(login_id, PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{login_id}");
        assert!(locked.body.contains("しばらくの間ログインできません"));
    }
    // Another account is not affected.
    let mut other = app.browser();
    assert_eq!(other.login("tokyo", PASSWORD).await.status, StatusCode::SEE_OTHER);

    app.clock.advance(Duration::minutes(16));
    let mut b = app.browser();
    assert_eq!(b.login("doctor", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn many_failures_from_one_address_lock_that_address() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    for i in 0..20 {
        b.login(&format!("guess{i}"), "wrong-password").await;
    }
    let page = b.login("jma", PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn session_id_changes_at_login() {
    use reqwest::cookie::CookieStore;
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    // A session ID planted before login (fixation) is not the one used after it.
    let planted = "mamis_session=AAAAAAAAAAAAAAAAAAAAAA; Path=/";
    let url: url::Url = app.base.parse().unwrap();
    b.jar.set_cookies(&mut [reqwest::header::HeaderValue::from_static(planted)].iter(), &url);
    b.login("doctor", PASSWORD).await;
    let after = b.session_cookie().expect("a session after login");
    assert_ne!(after, "AAAAAAAAAAAAAAAAAAAAAA", "the session ID must not be the planted one");
    let rows = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions WHERE id = $1")
        .bind("AAAAAAAAAAAAAAAAAAAAAA")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/login").await;
    let r = b.post("/login", &[("login_id", "doctor"), ("password", PASSWORD)]).await;
    let cookies: Vec<String> =
        r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let cookie = cookies.iter().find(|c| c.starts_with("mamis_session=")).expect("{cookies:?}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http on a laptop: {cookie}");
}

/// Issue 12: every anonymous GET wrote a session row (2,000 GETs of /login, 2,000 rows).
#[tokio::test]
async fn attack_anonymous_page_views_write_no_session_rows() {
    let app = TestApp::spawn().await;
    let before = app.count("SELECT count(*) FROM sessions").await;
    for _ in 0..50 {
        let r = app.browser().client.get(format!("{}/login", app.base)).send().await.unwrap();
        let csrf = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(csrf.starts_with("mamis_csrf=") && csrf.contains("HttpOnly"), "{csrf}");
        assert!(csrf.contains("SameSite=Lax"), "{csrf}");
    }
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, before);
    // The login form still works (the token rides in its own cookie) and CSRF still holds.
    let mut b = app.browser();
    b.get("/login").await;
    let forged = b.post_raw("/login", &[("login_id", "doctor"), ("password", PASSWORD)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no token, no login");
    let wrong = b
        .post_raw(
            "/login",
            &[("login_id", "doctor"), ("password", PASSWORD), ("csrf_token", &"0".repeat(64))],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "a token not matching the cookie");
    assert_eq!(b.login("doctor", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, before + 1);
}

#[tokio::test]
async fn idle_session_expires_after_thirty_minutes() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(b.get("/mypage").await.status, StatusCode::OK);
    // Activity keeps it alive.
    app.clock.advance(Duration::minutes(29));
    assert_eq!(b.get("/mypage").await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(31));
    let page = b.get("/mypage").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login?next=%2Fmypage"));
    let login = b.get("/login?next=%2Fmypage").await;
    assert!(login.body.contains("一定時間操作がなかったため"), "{}", login.body);
}

#[tokio::test]
async fn session_ends_after_twelve_hours_even_when_active() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    for _ in 0..24 {
        app.clock.advance(Duration::minutes(29));
        assert_eq!(b.get("/mypage").await.status, StatusCode::OK);
    }
    // 24 × 29 min = 11 h 36 min; half an hour more passes twelve hours.
    app.clock.advance(Duration::minutes(25));
    assert_eq!(b.get("/mypage").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logout_destroys_the_session() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let cookie = b.session_cookie().unwrap();
    let page = b.post("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login?logged_out=1"));
    let rows = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions WHERE id = $1")
        .bind(&cookie)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the session row is deleted");
    assert_eq!(b.get("/mypage").await.status, StatusCode::SEE_OTHER);
    let logout = app.count("SELECT count(*) FROM audit_log WHERE action = 'auth.logout'").await;
    assert_eq!(logout, 1);
}

#[tokio::test]
async fn login_returns_to_the_page_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/login?next=%2Faudit").await;
    let page =
        b.post("/login", &[("login_id", "jma"), ("password", PASSWORD), ("next", "/audit")]).await;
    assert_eq!(page.location(), Some("/audit"));

    let mut b = app.browser();
    b.get("/login").await;
    let page = b
        .post("/login", &[("login_id", "jma"), ("password", PASSWORD), ("next", "//evil.example")])
        .await;
    assert_eq!(page.location(), Some("/office"));
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in_and_lose_their_sessions() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("tokyo").await;
    sqlx::query("UPDATE accounts SET disabled_at = now() WHERE login_id = 'tokyo'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(b.get("/office").await.status, StatusCode::SEE_OTHER);
    let mut again = app.browser();
    assert_eq!(again.login("tokyo", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id() {
    let app = TestApp::spawn().await;
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE login_id = 'doctor'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}
