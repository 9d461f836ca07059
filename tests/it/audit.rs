//! The audit log: written for every change, with who, what, before/after, when and from where;
//! browsable by JMA staff and administrators.

use crate::common;

use crate::common::TestApp;
use reqwest::StatusCode;

#[derive(sqlx::FromRow, Debug)]
struct Row {
    actor: Option<String>,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    ip: Option<String>,
    request_id: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
}

async fn rows(app: &TestApp) -> Vec<Row> {
    sqlx::query_as(
        "SELECT a.login_id AS actor, l.action, l.entity_type, l.entity_id, host(l.ip) AS ip,
                l.request_id, l.at
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_account_id ORDER BY l.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn login_change_and_logout_are_recorded_with_who_when_and_where() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut admin = app.signed_in("admin").await;
    admin
        .post(
            "/admin/announcements",
            &[
                ("title", "お知らせ"),
                ("body", "本文"),
                ("published_from", ""),
                ("published_until", ""),
            ],
        )
        .await;
    admin.post("/logout", &[]).await;
    let rows = rows(&app).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["auth.login", "announcement.create", "auth.logout"]);
    for row in &rows {
        assert_eq!(row.actor.as_deref(), Some("admin"), "{row:?}");
        assert_eq!(row.ip.as_deref(), Some("127.0.0.1"), "{row:?}");
        assert!(row.request_id.as_ref().is_some_and(|id| id.len() >= 32), "{row:?}");
        assert_eq!(row.at, mamis::clock::parse_jst("2025-04-10 10:00").unwrap());
    }
    assert_eq!(rows[1].entity_type, "announcement");
    assert!(rows[1].entity_id.is_some());
}

#[tokio::test]
async fn jma_staff_and_administrators_browse_the_log_others_may_not() {
    let app = TestApp::spawn().await;
    app.signed_in("doctor").await;
    for login_id in ["jma", "admin"] {
        let mut b = app.signed_in(login_id).await;
        let page = b.get("/audit").await;
        assert_eq!(page.status, StatusCode::OK, "{login_id}");
        // Actions read in Japanese; the stored code appears only as a filter option's value.
        assert!(page.body.contains("<td data-label=\"操作\">ログイン</td>"), "{}", page.body);
        assert!(!page.body.contains(">auth.login"), "no raw code shown");
        assert!(page.body.contains("<option value=\"auth.login\">ログイン</option>"));
        let filtered = b.get("/audit?actor=doctor").await;
        assert!(filtered.body.contains("doctor"));
        assert!(!filtered.body.contains(">admin<"), "filter by actor");
    }
    for login_id in ["doctor", "chiyoda", "tokyo"] {
        let mut b = app.signed_in(login_id).await;
        assert_eq!(b.get("/audit").await.status, StatusCode::FORBIDDEN, "{login_id}");
    }
}

#[tokio::test]
async fn audit_log_pages_fifty_at_a_time() {
    let app = TestApp::spawn().await;
    for _ in 0..60 {
        let mut b = app.browser();
        b.login("nobody", "wrong").await;
    }
    // 60 failures from one address lock it after 20; the rest are 'refused' entries.
    let mut jma = app.browser();
    sqlx::query("DELETE FROM login_throttle").execute(&app.pool).await.unwrap();
    jma.login("jma", common::PASSWORD).await;
    let first = jma.get("/audit").await;
    assert_eq!(first.body.matches("<tr><td data-label=\"日時\">").count(), 50);
    let marker = "href=\"/audit?";
    let start = first.body.find(marker).expect("a link to older entries") + 6;
    let end = first.body[start..].find('"').unwrap() + start;
    let next = first.body[start..end].replace("&#38;", "&").replace("&amp;", "&");
    let second = jma.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(
        second.body.matches("<tr><td data-label=\"日時\">").count(),
        11,
        "61 entries in all"
    );
}
