//! The physician's private calendar feed (issue 14): issued from the my page (CSRF-protected,
//! audited), read by a real iCalendar parser (Python's `icalendar`), re-issued and revoked
//! (the old URL answers 404).

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::common::TestApp;
use crate::finder::{doctor, seminar, NewSeminar};

/// The feed URL's path from the page that issued it.
fn feed_path(body: &str) -> String {
    let start = body.find("/calendar/").expect("a feed URL on the page");
    let end = body[start..].find(".ics").expect("an .ics URL") + start + 4;
    body[start..end].to_string()
}

/// Parses `ics` with Python's icalendar and returns "SUMMARY|DTSTART|DTEND|LOCATION" per event.
fn parsed_events(ics: &str) -> Vec<String> {
    let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
assert cal.get("VERSION") == "2.0", cal.get("VERSION")
for e in cal.walk("VEVENT"):
    assert e.get("UID") and e.get("DTSTAMP")
    print("|".join([str(e.get("SUMMARY")), e.decoded("DTSTART").isoformat(),
                    e.decoded("DTEND").isoformat(), str(e.get("LOCATION") or "")]))
"#;
    let python = std::env::var("ICAL_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(ics.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the iCalendar parser refused the feed (pip install icalendar): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

#[tokio::test]
async fn the_feed_carries_expiry_deadlines_committee_and_applied_seminars() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (physician, prefecture) = doctor(&app).await;
    // A seminar the doctor applies to through the recruitment flow; a comma and a semicolon
    // in its title and venue must survive escaping.
    let id = seminar(
        &app,
        NewSeminar {
            title: "カレンダー研修会, 第1回; 実地",
            prefecture,
            starts: "2025-06-14",
            recruiting: true,
            ..NewSeminar::default()
        },
    )
    .await;
    // An application forwarded to a cycle: its committee date goes in the feed.
    sqlx::query("UPDATE applications SET status = 'withdrawn' WHERE physician_id = $1")
        .bind(physician)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO applications (physician_id, programme, kind, certification_id, prefecture_code,
             receiving_association_id, status, cycle_id, submitted_at, created_at, updated_at)
         SELECT c.physician_id, 'sports', 'renewal', c.id, $2,
                (SELECT id FROM associations ORDER BY id LIMIT 1), 'prefecture_approved',
                (SELECT id FROM review_cycles WHERE committee_date = '2025-07-31'), now(), now(), now()
         FROM certifications c WHERE c.physician_id = $1 AND c.programme = 'sports'",
    )
    .bind(physician)
    .bind(prefecture)
    .execute(&app.pool)
    .await
    .unwrap();

    let mut b = app.signed_in("doctor").await;
    assert_eq!(b.post(&format!("/seminars/{id}/apply"), &[]).await.status, StatusCode::SEE_OTHER);
    let section = b.get("/mypage/calendar").await;
    assert_eq!(section.status, StatusCode::OK);
    assert!(section.body.contains("配信URLを発行する"));
    // Without the CSRF token nothing is issued.
    let forged = b.post_raw("/mypage/calendar/issue", &[]).await;
    assert_ne!(forged.status, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM calendar_feeds").await, 0);

    b.get("/mypage/calendar").await;
    let issued = b.post("/mypage/calendar/issue", &[]).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let path = feed_path(&issued.body);
    let token = path.trim_start_matches("/calendar/").trim_end_matches(".ics");
    assert_eq!(token.len(), 64);
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM calendar_feeds")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, token, "only the hash is stored");
    assert_eq!(stored.len(), 64);

    // The feed needs no session: a fresh client (a calendar program) reads it.
    let mut calendar = app.browser();
    let feed = calendar.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    for line in feed.body.split("\r\n") {
        assert!(line.len() <= 75, "unfolded line: {line}");
        assert!(!line.contains('\n'), "bare LF");
    }
    let events = parsed_events(&feed.body);
    let has = |prefix: &str| events.iter().any(|e| e.starts_with(prefix));
    assert!(has("認定産業医の有効期限|"), "{events:?}");
    assert!(has("認定産業医の更新申請の期間|"), "{events:?}");
    assert!(
        has("認定健康スポーツ医の申請の審査（第2回運営委員会）|2025-07-31|2025-08-01|"),
        "{events:?}"
    );
    assert!(
        events.contains(
            &"カレンダー研修会, 第1回; 実地|2025-06-14|2025-06-15|検索テスト会館".to_string()
        ),
        "{events:?}"
    );

    // Re-issuing stops the old URL; revoking stops the new one.
    b.get("/mypage/calendar").await;
    let again = b.post("/mypage/calendar/issue", &[]).await;
    let new_path = feed_path(&again.body);
    assert_ne!(new_path, path);
    assert_eq!(calendar.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(calendar.get(&new_path).await.status, StatusCode::OK);
    b.get("/mypage/calendar").await;
    let revoked = b.post("/mypage/calendar/revoke", &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(calendar.get(&new_path).await.status, StatusCode::NOT_FOUND);
    assert!(b.get("/mypage/calendar").await.body.contains("配信URLを発行する"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'calendar_feed.issue'").await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'calendar_feed.revoke'").await,
        1
    );
}

#[tokio::test]
async fn unknown_or_malformed_feed_urls_are_not_found_and_the_section_needs_a_physician() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let mut anonymous = app.browser();
    for path in [
        "/calendar/00.ics",
        "/calendar/nothing",
        &format!("/calendar/{}.ics", "ab".repeat(32)),
        &format!("/calendar/{}.ics", "zz".repeat(32)),
    ] {
        assert_eq!(anonymous.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let section = anonymous.get("/mypage/calendar").await;
    assert_eq!(section.status, StatusCode::SEE_OTHER);
    let mut tokyo = app.signed_in("tokyo").await;
    assert_eq!(tokyo.get("/mypage/calendar").await.status, StatusCode::FORBIDDEN);
}
