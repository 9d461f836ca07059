//! The mail outbox. Mail is queued in the same transaction as the change that causes it and
//! delivered by a worker; row locks make sure two workers never send the same mail.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::clock::Jst;

pub async fn enqueue(
    conn: &mut PgConnection,
    to: &str,
    subject: &str,
    body: &str,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO mail_outbox (to_address, subject, body_text, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(now)
    .fetch_one(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueuedMail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// Locks one due mail for the caller's transaction; other workers skip it.
pub async fn claim_next(
    tx: &mut Transaction<'_, Postgres>,
    now: Jst,
) -> sqlx::Result<Option<QueuedMail>> {
    sqlx::query_as(
        "SELECT id, to_address, subject, body_text, attempts, created_at FROM mail_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn mark_sent(tx: &mut Transaction<'_, Postgres>, id: i64, now: Jst) -> sqlx::Result<()> {
    sqlx::query("UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn mark_attempt_failed(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    error: &str,
    next_attempt_at: Jst,
    give_up_at: Option<Jst>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_outbox
         SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, failed_at = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(next_attempt_at)
    .bind(give_up_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn recent(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as(
        "SELECT id, to_address, subject, attempts, last_error, sent_at, failed_at, created_at
         FROM mail_outbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
