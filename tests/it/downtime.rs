//! Maintenance windows: 503 with Retry-After inside, normal service outside, managed in the UI.

use crate::common;

use crate::common::TestApp;
use chrono::Duration;
use mamis::clock::parse_jst;
use reqwest::StatusCode;

async fn status_at(app: &TestApp, now: &str, path: &str) -> common::Page {
    app.clock.set(parse_jst(now).unwrap());
    app.browser().get(path).await
}

#[tokio::test]
async fn full_stop_from_march_30_to_april_6() {
    let app = TestApp::spawn().await;
    let outside =
        ["2025-03-29 17:00", "2025-03-29 23:59:59", "2025-04-07 00:00", "2025-04-07 09:00"];
    for now in outside {
        assert_eq!(status_at(&app, now, "/login").await.status, StatusCode::OK, "{now}");
    }
    for now in ["2025-03-30 00:00", "2025-04-01 12:00", "2025-04-06 23:59:59"] {
        let page = status_at(&app, now, "/login").await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{now}");
        assert!(page.body.contains("2025年4月7日 0:00 に再開します"), "{now}: {}", page.body);
        let retry: i64 = page.headers["retry-after"].to_str().unwrap().parse().unwrap();
        let expected =
            (parse_jst("2025-04-07 00:00").unwrap() - parse_jst(now).unwrap()).num_seconds().max(1);
        assert_eq!(retry, expected, "{now}");
    }
}

#[tokio::test]
async fn announced_january_window() {
    let app = TestApp::spawn().await;
    assert_eq!(status_at(&app, "2025-01-17 18:59", "/login").await.status, StatusCode::OK);
    let page = status_at(&app, "2025-01-18 12:00", "/login").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("2025年1月20日 9:30 に再開します"));
    assert_eq!(status_at(&app, "2025-01-20 09:30", "/login").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_page_and_post_is_refused_but_static_files_and_health_checks_stay_up() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    app.clock.set(parse_jst("2025-04-02 10:00").unwrap());
    for path in ["/mypage", "/", "/login", "/no-such-page", "/audit"] {
        assert_eq!(b.get(path).await.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
    }
    let page = b.post("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    for path in ["/static/style.css", "/healthz", "/readyz"] {
        assert_eq!(b.get(path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn login_page_lists_current_and_upcoming_notices() {
    let app = TestApp::spawn_at("2025-02-10 10:00").await;
    let page = app.browser().get("/login").await;
    assert!(page.body.contains("システム管理者からのお知らせ"));
    assert!(page.body.contains("データ移行に伴う全機能停止のお知らせ"), "{}", page.body);
    assert!(page.body.contains("2025年3月30日 0:00 から 2025年4月7日 0:00 まで"));
    // The January window is over and its announcement has expired.
    assert!(!page.body.contains("2025年1月17日 19:00"));
    assert!(!page.body.contains("システムメンテナンスのお知らせ"));
}

#[tokio::test]
async fn administrator_schedules_a_window_and_the_portal_stops_in_it() {
    let app = TestApp::spawn_at("2025-05-01 10:00").await;
    let mut admin = app.signed_in("admin").await;
    let page = admin
        .post(
            "/admin/maintenance",
            &[
                ("starts_at", "2025-05-10T19:00"),
                ("ends_at", "2025-05-11T06:00"),
                ("reason", "サーバー機器の交換"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/maintenance").await;
    assert!(list.body.contains("停止予定を登録しました。"));
    assert!(list.body.contains("サーバー機器の交換"));

    let login = app.browser().get("/login").await;
    assert!(login.body.contains("2025年5月10日 19:00 から 2025年5月11日 6:00 まで"));

    app.clock.set(parse_jst("2025-05-10 22:00").unwrap());
    let page = app.browser().get("/login").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("2025年5月11日 6:00 に再開します"));

    app.clock.advance(Duration::hours(8));
    assert_eq!(app.browser().get("/login").await.status, StatusCode::OK);

    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'maintenance_window.create' AND actor_account_id IS NOT NULL AND after->>'reason' = 'サーバー機器の交換'")
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn bad_window_input_is_explained_next_to_the_field_and_kept() {
    let app = TestApp::spawn_at("2025-05-01 10:00").await;
    let mut admin = app.signed_in("admin").await;
    let page = admin
        .post(
            "/admin/maintenance",
            &[("starts_at", "2025-05-10T19:00"), ("ends_at", "2025-05-10T18:00"), ("reason", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("終了日時は開始日時より後にしてください。"));
    assert!(page.body.contains("停止の理由を入力してください"));
    assert!(page.body.contains("value=\"2025-05-10T19:00\""), "typed input is kept");
    assert!(page.body.contains("aria-describedby=\"ends_at-error\""));
    let page = admin
        .post(
            "/admin/maintenance",
            &[("starts_at", "あした"), ("ends_at", "2025-05-10T18:00"), ("reason", "x")],
        )
        .await;
    assert!(page.body.contains("日時は「2025-04-07 09:00」の形で入力してください。"));
    assert_eq!(app.count("SELECT count(*) FROM maintenance_windows").await, 2);
}

#[tokio::test]
async fn deleting_a_window_reopens_the_portal_and_is_audited() {
    let app = TestApp::spawn_at("2025-05-01 10:00").await;
    let mut admin = app.signed_in("admin").await;
    admin
        .post(
            "/admin/maintenance",
            &[
                ("starts_at", "2025-05-10T19:00"),
                ("ends_at", "2025-05-11T06:00"),
                ("reason", "点検"),
            ],
        )
        .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM maintenance_windows WHERE reason = '点検'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    admin.get("/admin/maintenance").await;
    // Deleting is confirmed on a page of its own; a POST without the confirmation keeps it.
    let confirm = admin.get(&format!("/admin/maintenance/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("停止予定を削除しますか"), "{}", confirm.body);
    assert!(confirm.body.contains("（点検）を削除します"), "{}", confirm.body);
    let unconfirmed = admin.post(&format!("/admin/maintenance/{id}/delete"), &[]).await;
    assert_eq!(unconfirmed.location(), Some(format!("/admin/maintenance/{id}/delete").as_str()));
    assert_eq!(
        app.count("SELECT count(*) FROM maintenance_windows WHERE reason = '点検'").await,
        1
    );
    let page = admin.post(&format!("/admin/maintenance/{id}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    app.clock.set(parse_jst("2025-05-10 22:00").unwrap());
    assert_eq!(app.browser().get("/login").await.status, StatusCode::OK);
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'maintenance_window.delete' AND before->>'reason' = '点検'")
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn administrator_publishes_an_announcement_on_the_login_page() {
    let app = TestApp::spawn_at("2025-05-01 10:00").await;
    let mut admin = app.signed_in("admin").await;
    let page = admin
        .post(
            "/admin/announcements",
            &[
                ("title", "連休中の問い合わせ窓口について"),
                ("body", "5月3日から6日までコールセンターはお休みです。"),
                ("published_from", ""),
                ("published_until", "2025-05-07T00:00"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let login = app.browser().get("/login").await;
    assert!(login.body.contains("連休中の問い合わせ窓口について"));
    app.clock.set(parse_jst("2025-05-08 10:00").unwrap());
    let login = app.browser().get("/login").await;
    assert!(!login.body.contains("連休中の問い合わせ窓口について"), "expired");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'announcement.create'").await,
        1
    );
}

/// Issue 12: a window starting in the past was saved without a word and shut `/admin` and
/// `/login` at once, so nobody could delete it.
#[tokio::test]
async fn attack_window_in_the_past_needs_confirmation_and_the_administrator_stays_in() {
    let app = TestApp::spawn_at("2025-05-10 10:00").await;
    let mut admin = app.signed_in("admin").await;
    admin.get("/admin/maintenance").await;
    let window = [
        ("starts_at", "2025-05-10T09:00"),
        ("ends_at", "2025-05-10T18:00"),
        ("reason", "緊急メンテナンス"),
    ];
    let asked = admin.post("/admin/maintenance", &window).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("登録した時点ですぐに始まります"), "{}", asked.body);
    assert!(asked.body.contains("2025年5月10日 18:00 まで"), "{}", asked.body);
    let ours = "SELECT count(*) FROM maintenance_windows WHERE reason = '緊急メンテナンス'";
    assert_eq!(app.count(ours).await, 0);
    assert_eq!(app.browser().get("/login").await.status, StatusCode::OK);

    let mut confirmed = window.to_vec();
    confirmed.push(("confirm", "yes"));
    assert_eq!(admin.post("/admin/maintenance", &confirmed).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.browser().get("/login").await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.browser().get("/mypage").await.status, StatusCode::SERVICE_UNAVAILABLE);

    // The signed-in administrator keeps the admin pages; a fresh one signs in at /admin/login.
    assert_eq!(admin.get("/admin/maintenance").await.status, StatusCode::OK);
    let mut fresh = app.browser();
    assert_eq!(fresh.get("/admin/login").await.status, StatusCode::OK);
    let r =
        fresh.post("/admin/login", &[("login_id", "admin"), ("password", common::PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/admin"));
    let list = fresh.get("/admin/maintenance").await;
    assert_eq!(list.status, StatusCode::OK);
    // Nobody else gets in through that door.
    let mut doctor = app.browser();
    doctor.get("/admin/login").await;
    let r = doctor
        .post("/admin/login", &[("login_id", "doctor"), ("password", common::PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let id: i64 =
        sqlx::query_scalar("SELECT id FROM maintenance_windows WHERE reason = '緊急メンテナンス'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let r = fresh.post(&format!("/admin/maintenance/{id}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.browser().get("/login").await.status, StatusCode::OK);
}
