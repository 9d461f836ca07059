//! Issue 12, attacks on signing in: parallel guessing, lock-out by strangers, sessions that
//! outlive a password change.

use crate::common::{TestApp, PASSWORD};
use chrono::Duration;
use reqwest::StatusCode;

async fn failures(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'").await
}

#[tokio::test]
async fn attack_parallel_password_burst_gets_at_most_five_checks() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    b.get("/login").await;
    let token = b.csrf.clone().unwrap();
    let mut burst = Vec::new();
    for i in 0..40 {
        let client = b.client.clone();
        let url = format!("{}/login", app.base);
        let token = token.clone();
        burst.push(tokio::spawn(async move {
            let guess = format!("wrong-guess-{i}");
            let form = [("login_id", "doctor"), ("password", &guess), ("csrf_token", &token)];
            client.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut refused = 0;
    for task in burst {
        if task.await.unwrap() == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    // Each admitted wrong guess is one password check and one audit row.
    assert!(failures(&app).await <= 5, "{} passwords checked", failures(&app).await);
    assert!(refused >= 35, "{refused} refused");
    // The right password, once the delay is in force, does not log in either.
    let mut owner = app.browser();
    assert_eq!(owner.login("doctor", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn attack_correct_password_inside_a_burst_does_not_log_in_once_delayed() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    for _ in 0..5 {
        b.login("doctor", "wrong-password").await;
    }
    let mut burst = Vec::new();
    for i in 0..30 {
        let mut b = app.browser();
        burst.push(tokio::spawn(async move {
            let password = if i == 15 { PASSWORD.to_string() } else { format!("guess-{i}") };
            b.login("doctor", &password).await.status
        }));
    }
    for task in burst {
        assert_ne!(task.await.unwrap(), StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn attack_stranger_locks_a_clerk_out_only_briefly_and_staff_can_unlock() {
    let app = TestApp::spawn().await;
    let mut attacker = app.browser();
    for _ in 0..5 {
        attacker.login("chiyoda", "wrong-password").await;
    }
    let mut clerk = app.browser();
    assert_eq!(clerk.login("chiyoda", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The first delay is short: a minute, not a quarter of an hour.
    app.clock.advance(Duration::seconds(61));
    assert_eq!(clerk.login("chiyoda", PASSWORD).await.status, StatusCode::SEE_OTHER);

    // Renewed guessing again: JMA lifts it on request.
    for _ in 0..5 {
        attacker.login("chiyoda", "wrong-password").await;
    }
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/admin/logins").await;
    assert!(page.body.contains("ログインID chiyoda"), "{}", page.body);
    let r = jma.post("/admin/logins", &[("key", "id:chiyoda")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut clerk = app.browser();
    assert_eq!(clerk.login("chiyoda", PASSWORD).await.status, StatusCode::SEE_OTHER);
    // A physician cannot reach the unlock page.
    let mut doctor = app.signed_in("doctor").await;
    assert_eq!(doctor.get("/admin/logins").await.status, StatusCode::FORBIDDEN);
}
