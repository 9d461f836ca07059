//! Drill 2: the mail server unreachable for a while. The portal runs with SMTP_URL pointing at
//! a loopback port where nothing listens; 50 mails are queued through the library's outbox;
//! after the outage a fake SMTP server starts on that port and every mail must arrive exactly
//! once (by Message-ID, which carries the outbox id).
//!
//! Variant `mail_drop_after_data`: the server takes the first few messages and hangs up
//! before its final reply. The portal cannot know the message was taken, so it sends it again:
//! SMTP is at-least-once there. The drill asserts that nothing is lost and reports the copies
//! (which carry the same Message-ID, so a mail store can tell them apart).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::common::*;
use crate::smtp::FakeSmtp;
use crate::Outcome;

const MAILS: usize = 50;
const OUTAGE: Duration = Duration::from_secs(10);
const RETRY_MAX_SECS: u64 = 2;
/// Every mail must be in after the server returns within this long.
const DELIVERY_BOUND: Duration = Duration::from_secs(45);
const DROPPED_REPLIES: usize = 5;

pub async fn run(drop_after_data: bool) -> anyhow::Result<Outcome> {
    let db = DrillDb::create("mail").await?;
    let result = drill(&db, drop_after_data).await;
    db.drop_now().await;
    result
}

async fn drill(db: &DrillDb, drop_after_data: bool) -> anyhow::Result<Outcome> {
    let pool = db.pool().await?;
    let dir = TempDir::new("mamis-drill-mail");
    let smtp_port = free_port();
    let spec = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "portal",
        args: &["serve", "--no-demo"],
        env: &[
            ("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
            ("MAIL_RETRY_MAX_SECS", RETRY_MAX_SECS.to_string()),
        ],
    };
    let portal = Portal::start(&spec, Duration::from_secs(60)).await?;

    // Queue the mails as a handler would: in a transaction of their own.
    let now = mamis::clock::Clock::system().now();
    let mut ids = Vec::with_capacity(MAILS);
    let mut tx = pool.begin().await?;
    for i in 0..MAILS {
        let id = mamis::db::outbox::enqueue(
            &mut tx,
            &format!("drill{i}@example.jp"),
            &format!("drill mail {i}"),
            &format!("本文 {i}"),
            now,
        )
        .await?;
        ids.push(id);
    }
    tx.commit().await?;

    tokio::time::sleep(OUTAGE).await;
    let (failed_attempts, sent_during): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(attempts), 0)::bigint, COUNT(sent_at) FROM mail_outbox",
    )
    .fetch_one(&pool)
    .await?;
    if sent_during > 0 {
        bail!("{sent_during} mails marked sent while no server listened");
    }

    let server =
        FakeSmtp::start_on(smtp_port, if drop_after_data { DROPPED_REPLIES } else { 0 }).await?;
    let back = Instant::now();
    let drained = wait_for(DELIVERY_BOUND, Duration::from_millis(200), || async {
        let unsent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
                .fetch_one(&pool)
                .await
                .ok()?;
        (unsent == 0 && server.received().len() >= MAILS).then(|| back.elapsed())
    })
    .await;
    // Stray late copies would show up now.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let rows: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT id, created_at FROM mail_outbox ORDER BY id")
            .fetch_all(&pool)
            .await?;
    let domain = "mamis.localhost";
    let expected: HashMap<String, i64> = rows
        .iter()
        .map(|(id, created)| (mamis::mail::worker::message_id(*id, *created, domain), *id))
        .collect();
    let received = server.received();
    let mut copies: HashMap<&str, usize> = HashMap::new();
    for m in &received {
        *copies.entry(m.as_str()).or_default() += 1;
    }
    let delivered = expected.keys().filter(|m| copies.contains_key(m.as_str())).count();
    let lost = MAILS - delivered;
    let twice = copies.values().filter(|&&n| n > 1).count();
    let extra_copies: usize = copies.values().map(|n| n - 1).sum();
    let unknown = copies.keys().filter(|m| !expected.contains_key(**m)).count();
    let failed_state: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NOT NULL")
            .fetch_one(&pool)
            .await?;

    let mut problems = Vec::new();
    if drained.is_none() {
        problems.push(format!("not every mail delivered within {DELIVERY_BOUND:?}"));
    }
    if lost > 0 || failed_state > 0 || unknown > 0 {
        problems.push(format!("lost={lost} given_up={failed_state} unknown_ids={unknown}"));
    }
    if failed_attempts == 0 {
        problems.push("the worker never tried during the outage".into());
    }
    if !drop_after_data && extra_copies > 0 {
        problems.push(format!("{twice} mails delivered more than once"));
    }
    if drop_after_data && extra_copies > server.dropped() {
        problems.push(format!("{extra_copies} copies for {} dropped replies", server.dropped()));
    }
    let mut figures = format!(
        "queued={MAILS} outage_s={} attempts_during_outage={failed_attempts} delivered={delivered} lost={lost} delivered_twice={twice} extra_copies={extra_copies} drain_after_server_back_ms={}",
        OUTAGE.as_secs(),
        drained.map(ms).map_or("-".into(), |v| v.to_string()),
    );
    if drop_after_data {
        figures.push_str(&format!(
            " replies_dropped_after_data={} (at-least-once: each dropped reply means one resend with the same Message-ID)",
            server.dropped()
        ));
    }
    drop(portal);
    pool.close().await;
    Ok(Outcome { pass: problems.is_empty(), figures, problems })
}
