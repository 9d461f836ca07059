//! The back-off cap (`MAIL_RETRY_MAX_SECS`) and the Message-ID that stays the same on every
//! attempt of one outbox mail (so copies after a lost SMTP reply can be recognised).

use crate::common::smtp::FakeSmtp;
use crate::common::TestDb;

use chrono::Duration;
use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use mamis::db::outbox;
use mamis::mail::{worker, Mailer};

#[tokio::test]
async fn a_short_retry_cap_retries_that_soon_and_the_message_id_names_the_outbox_row() {
    let db = TestDb::create().await;
    let pool = db.pool(5).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst("2025-04-10 10:00").unwrap());
    let server = FakeSmtp::start().await;
    let mut config = Config::for_tests("unused");
    config.smtp_url = Some(server.url());
    let mailer = Mailer::from_config(&config).unwrap();
    let cap = std::time::Duration::from_secs(2);

    let mut conn = pool.acquire().await.unwrap();
    let id = outbox::enqueue(&mut conn, "a@example.org", "retry cap", "body\n", clock.now())
        .await
        .unwrap();
    drop(conn);

    server.set_down(true);
    let report = worker::deliver_due_with(&pool, &mailer, &clock, cap).await.unwrap();
    assert_eq!(report, worker::Report { sent: 0, failed_attempts: 1 });
    let next: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT next_attempt_at FROM mail_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(next, clock.now() + Duration::seconds(2), "the cap, not a minute");

    server.set_down(false);
    clock.advance(Duration::seconds(2));
    let report = worker::deliver_due_with(&pool, &mailer, &clock, cap).await.unwrap();
    assert_eq!(report, worker::Report { sent: 1, failed_attempts: 0 });

    let created: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT created_at FROM mail_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].header("Message-ID").as_deref(),
        Some(worker::message_id(id, created, "mamis.localhost").as_str())
    );
}
