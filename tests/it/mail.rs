//! The e-mail outbox: concurrent workers, retries after an SMTP outage, the file fallback and
//! the password-change notice end to end, delivered to a fake SMTP server.

use crate::common::smtp;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use crate::common::{TestApp, TestDb, PASSWORD};
use chrono::{DateTime, Duration, Utc};
use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use mamis::db::outbox;
use mamis::mail::{worker, Mailer};
use reqwest::StatusCode;
use smtp::FakeSmtp;
use sqlx::PgPool;

const NOTICE_SUBJECT: &str = "【MAMIS】パスワード変更のお知らせ";

/// A migrated, empty database (no demo data needed for the outbox itself).
async fn outbox_db() -> (TestDb, PgPool, Clock) {
    let db = TestDb::create().await;
    let pool = db.pool(10).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst("2025-04-10 10:00").unwrap());
    (db, pool, clock)
}

fn smtp_mailer(server: &FakeSmtp) -> Mailer {
    let mut config = Config::for_tests("unused");
    config.smtp_url = Some(server.url());
    Mailer::from_config(&config).unwrap()
}

async fn queue(pool: &PgPool, clock: &Clock, count: usize) -> Vec<String> {
    let mut conn = pool.acquire().await.unwrap();
    let mut subjects = Vec::new();
    for i in 0..count {
        let subject = format!("outbox test mail-{i:02}");
        let to = format!("user{i:02}@example.org");
        let body = format!("body of mail-{i:02}\n");
        outbox::enqueue(&mut conn, &to, &subject, &body, clock.now()).await.unwrap();
        subjects.push(subject);
    }
    subjects
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    subject: String,
    attempts: i32,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
}

async fn rows(pool: &PgPool) -> Vec<Row> {
    sqlx::query_as(
        "SELECT subject, attempts, last_error, next_attempt_at, sent_at, failed_at
         FROM mail_outbox ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// How many times the server received each subject.
fn subject_counts(server: &FakeSmtp) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for message in server.received() {
        let subject = message.subject().expect("every message has a Subject");
        *counts.entry(subject).or_insert(0) += 1;
    }
    counts
}

fn each_once(subjects: &[String]) -> BTreeMap<String, usize> {
    subjects.iter().map(|s| (s.clone(), 1)).collect()
}

/// A fresh directory for .eml files, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("mamis-mail-test-{}", uuid::Uuid::new_v4()));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_workers_deliver_every_mail_exactly_once() {
    let (_db, pool, clock) = outbox_db().await;
    let server = FakeSmtp::start().await;
    // Each message takes a moment, so the two workers really overlap.
    server.set_data_delay(StdDuration::from_millis(15));
    let subjects = queue(&pool, &clock, 40).await;

    let worker = |mailer: Mailer| {
        let (pool, clock) = (pool.clone(), clock.clone());
        tokio::spawn(async move { worker::deliver_due(&pool, &mailer, &clock).await.unwrap() })
    };
    let a = worker(smtp_mailer(&server));
    let b = worker(smtp_mailer(&server));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());

    assert_eq!(a.failed_attempts + b.failed_attempts, 0, "{a:?} {b:?}");
    assert_eq!(a.sent + b.sent, 40, "{a:?} {b:?}");
    assert!(a.sent > 0 && b.sent > 0, "both workers took part: {a:?} {b:?}");

    assert_eq!(subject_counts(&server), each_once(&subjects), "each mail arrived exactly once");
    for message in server.received() {
        let subject = message.subject().unwrap();
        let n = subject.trim_start_matches("outbox test mail-");
        assert_eq!(message.rcpt_to, vec![format!("user{n}@example.org")], "{subject}");
        assert_eq!(message.mail_from, "noreply@mamis.localhost");
    }

    let rows = rows(&pool).await;
    let row_subjects: Vec<String> = rows.iter().map(|r| r.subject.clone()).collect();
    assert_eq!(row_subjects, subjects);
    for row in &rows {
        assert!(row.sent_at.is_some(), "{row:?}");
        assert_eq!(row.attempts, 1, "{row:?}");
        assert_eq!(row.last_error, None, "{row:?}");
        assert_eq!(row.failed_at, None, "{row:?}");
    }

    // Nothing left: another round sends nothing more.
    let again = worker::deliver_due(&pool, &smtp_mailer(&server), &clock).await.unwrap();
    assert_eq!(again, worker::Report::default());
    assert_eq!(server.received().len(), 40);
}

#[tokio::test]
async fn delivery_is_retried_after_an_smtp_outage_without_loss_or_duplicates() {
    let (_db, pool, clock) = outbox_db().await;
    let server = FakeSmtp::start().await;
    let mailer = smtp_mailer(&server);
    let subjects = queue(&pool, &clock, 5).await;
    let first_try = clock.now();

    server.set_down(true);
    // A round stops at the first failure (it does not hammer a dead server); repeated rounds
    // try each due mail once until none is due.
    let mut rounds = 0;
    loop {
        let report = worker::deliver_due(&pool, &mailer, &clock).await.unwrap();
        if report == worker::Report::default() {
            break;
        }
        assert_eq!(report, worker::Report { sent: 0, failed_attempts: 1 });
        rounds += 1;
        assert!(rounds <= 5, "a failed mail was retried before its back-off");
    }
    assert_eq!(rounds, 5, "every mail was attempted once");
    assert_eq!(server.refused(), 5, "one connection per attempt");
    assert!(server.received().is_empty());

    let retry_at = first_try + worker::retry_delay(0);
    for row in rows(&pool).await {
        assert_eq!(row.sent_at, None, "{row:?}");
        assert_eq!(row.failed_at, None, "a single failure does not give up: {row:?}");
        assert_eq!(row.attempts, 1, "{row:?}");
        let error = row.last_error.as_deref().unwrap_or("");
        assert!(error.contains("421") || error.contains("service not available"), "{row:?}");
        assert_eq!(row.next_attempt_at, retry_at, "{row:?}");
        assert!(row.next_attempt_at > clock.now().with_timezone(&Utc), "{row:?}");
    }

    // Immediately again: nothing is due, so the server is not even contacted.
    let connections = server.connections();
    let report = worker::deliver_due(&pool, &mailer, &clock).await.unwrap();
    assert_eq!(report, worker::Report::default());
    assert_eq!(server.connections(), connections);

    // Back up, but the back-off has not passed yet: still nothing.
    server.set_down(false);
    clock.advance(worker::retry_delay(0) - Duration::seconds(1));
    let report = worker::deliver_due(&pool, &mailer, &clock).await.unwrap();
    assert_eq!(report, worker::Report::default());
    assert!(server.received().is_empty());

    // Past the back-off: everything goes out, once.
    clock.advance(Duration::seconds(2));
    let report = worker::deliver_due(&pool, &mailer, &clock).await.unwrap();
    assert_eq!(report, worker::Report { sent: 5, failed_attempts: 0 });
    assert_eq!(subject_counts(&server), each_once(&subjects));
    for row in rows(&pool).await {
        assert!(row.sent_at.is_some(), "{row:?}");
        assert_eq!(row.attempts, 2, "{row:?}");
        assert_eq!(row.failed_at, None, "{row:?}");
    }

    let report = worker::deliver_due(&pool, &mailer, &clock).await.unwrap();
    assert_eq!(report, worker::Report::default());
    assert_eq!(server.received().len(), 5, "nothing is sent twice");
}

#[tokio::test]
async fn without_smtp_url_mail_is_written_as_eml_files() {
    let (_db, pool, clock) = outbox_db().await;
    let dir = TempDir::new();
    let mut config = Config::for_tests("unused");
    config.smtp_url = None;
    config.mail_outbox_dir = dir.0.clone();
    let mailer = Mailer::from_config(&config).unwrap();
    assert!(dir.0.is_dir(), "the outbox directory is created");

    let mut conn = pool.acquire().await.unwrap();
    let subject = "file fallback mail-eml";
    outbox::enqueue(&mut conn, "kakunin@example.org", subject, "hello file\n", clock.now())
        .await
        .unwrap();
    drop(conn);

    let report = worker::deliver_due(&pool, &mailer, &clock).await.unwrap();
    assert_eq!(report, worker::Report { sent: 1, failed_attempts: 0 });

    let files: Vec<PathBuf> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("To: kakunin@example.org"), "{text}");
    assert!(text.contains(subject), "{text}");
    assert!(text.contains("hello file"), "{text}");
    assert!(text.contains("MIME-Version: 1.0"), "RFC 2045 header: {text}");

    let rows = rows(&pool).await;
    assert!(rows[0].sent_at.is_some() && rows[0].attempts == 1, "{rows:?}");
}

#[tokio::test]
async fn password_change_queues_one_notice_that_is_delivered_and_failed_change_queues_none() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let new_password = "N3w-passw0rd-x";
    let audit_sql = "SELECT count(*) FROM audit_log WHERE action = 'account.password_change'";

    assert_eq!(b.get("/account/password").await.status, StatusCode::OK);
    let failed = b
        .post(
            "/account/password",
            &[
                ("current_password", "not-my-password"),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(failed.body.contains("現在のパスワードが正しくありません。"), "{}", failed.body);
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 0, "no mail queued");
    assert_eq!(app.count(audit_sql).await, 0, "nothing half-saved");

    let changed = b
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(app.count(audit_sql).await, 1);
    let queued: Vec<(String, String, String)> =
        sqlx::query_as("SELECT to_address, subject, body_text FROM mail_outbox")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].0, "yamada.taro@example.jp");
    assert_eq!(queued[0].1, NOTICE_SUBJECT);
    assert!(queued[0].2.contains("山田 太郎"), "{}", queued[0].2);

    // The worker delivers it.
    let server = FakeSmtp::start().await;
    let report = worker::deliver_due(&app.pool, &smtp_mailer(&server), &app.clock).await.unwrap();
    assert_eq!(report, worker::Report { sent: 1, failed_attempts: 0 });
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_to, vec!["yamada.taro@example.jp".to_string()]);
    assert_eq!(received[0].subject().as_deref(), Some(NOTICE_SUBJECT));
    let body = received[0].body_text();
    assert!(body.contains("山田 太郎") && body.contains("パスワードが"), "{body}");
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL").await, 1);

    // Only the new password works now.
    let old = app.browser().login("doctor", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app.browser().login("doctor", new_password).await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
}
