//! The outbox worker: delivers queued mail with retries. Each mail is claimed with
//! `FOR UPDATE SKIP LOCKED` inside its own transaction, so several workers (or instances) never
//! send the same mail, and a failed attempt is recorded and retried later.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use sqlx::PgPool;
use tokio::sync::Notify;

use super::Mailer;
use crate::clock::Clock;
use crate::db::outbox;

/// After this many failed attempts a mail is marked failed (shown to administrators).
pub const MAX_ATTEMPTS: i32 = 50;

/// The default cap of the back-off (`MAIL_RETRY_MAX_SECS`).
pub const DEFAULT_RETRY_MAX: StdDuration = StdDuration::from_secs(3600);

/// How often the worker looks for due mail when nobody wakes it.
const POLL_INTERVAL: StdDuration = StdDuration::from_secs(15);

/// Exponential back-off: 1, 2, 4 … minutes, at most an hour.
pub fn retry_delay(attempts_so_far: i32) -> Duration {
    let exp = attempts_so_far.clamp(0, 6) as u32;
    Duration::minutes(2i64.pow(exp)).min(Duration::hours(1))
}

/// The back-off, capped at `max` (`MAIL_RETRY_MAX_SECS`).
pub fn retry_delay_capped(attempts_so_far: i32, max: StdDuration) -> Duration {
    let max = Duration::from_std(max).unwrap_or(Duration::hours(1));
    retry_delay(attempts_so_far).min(max)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub failed_attempts: usize,
}

/// Delivers every mail that is due now; returns what happened.
pub async fn deliver_due(pool: &PgPool, mailer: &Mailer, clock: &Clock) -> anyhow::Result<Report> {
    deliver_due_with(pool, mailer, clock, DEFAULT_RETRY_MAX).await
}

/// `deliver_due` with the back-off capped at `retry_max`.
pub async fn deliver_due_with(
    pool: &PgPool,
    mailer: &Mailer,
    clock: &Clock,
    retry_max: StdDuration,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    loop {
        let now = clock.now();
        let mut tx = pool.begin().await?;
        let Some(mail) = outbox::claim_next(&mut tx, now).await? else {
            tx.rollback().await?;
            return Ok(report);
        };
        let message_id = message_id(mail.id, mail.created_at, mailer.from_domain());
        match mailer.send(&message_id, &mail.to_address, &mail.subject, &mail.body_text).await {
            Ok(()) => {
                outbox::mark_sent(&mut tx, mail.id, clock.now()).await?;
                report.sent += 1;
            }
            Err(error) => {
                tracing::warn!(mail_id = mail.id, %error, "mail delivery failed; will retry");
                let attempts = mail.attempts + 1;
                let give_up = (attempts >= MAX_ATTEMPTS).then(|| clock.now());
                let next = clock.now() + retry_delay_capped(mail.attempts, retry_max);
                outbox::mark_attempt_failed(&mut tx, mail.id, &error, next, give_up).await?;
                report.failed_attempts += 1;
            }
        }
        tx.commit().await?;
        if report.failed_attempts > 0 && report.sent == 0 {
            // The server is likely down: stop this round instead of hammering it.
            return Ok(report);
        }
    }
}

/// The Message-ID of a queued mail: the same on every attempt, so that when a server took a
/// message but its reply was lost (SMTP then sends it again) the copies can be recognised.
/// The creation time keeps IDs apart across databases that reuse outbox numbers.
pub fn message_id(
    outbox_id: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    domain: &str,
) -> String {
    format!("<mamis.{outbox_id}.{}@{domain}>", created_at.timestamp_micros())
}

/// Runs forever: delivers due mail, then sleeps until notified or for the poll interval (never
/// longer than the back-off cap, so a short cap really retries that soon).
pub async fn run(
    pool: PgPool,
    mailer: Mailer,
    clock: Clock,
    notify: Arc<Notify>,
    retry_max: StdDuration,
) {
    let interval = POLL_INTERVAL.min(retry_max);
    loop {
        if let Err(error) = deliver_due_with(&pool, &mailer, &clock, retry_max).await {
            tracing::warn!(%error, "mail worker round failed");
        }
        let _ = tokio::time::timeout(interval, notify.notified()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps_at_an_hour() {
        assert_eq!(retry_delay(0), Duration::minutes(1));
        assert_eq!(retry_delay(1), Duration::minutes(2));
        assert_eq!(retry_delay(3), Duration::minutes(8));
        assert_eq!(retry_delay(6), Duration::hours(1));
        assert_eq!(retry_delay(40), Duration::hours(1));
    }

    #[test]
    fn backoff_respects_a_shorter_cap() {
        let cap = StdDuration::from_secs(2);
        assert_eq!(retry_delay_capped(0, cap), Duration::seconds(2));
        assert_eq!(retry_delay_capped(9, cap), Duration::seconds(2));
        assert_eq!(retry_delay_capped(1, DEFAULT_RETRY_MAX), Duration::minutes(2));
        assert_eq!(retry_delay_capped(9, DEFAULT_RETRY_MAX), Duration::hours(1));
    }
}
