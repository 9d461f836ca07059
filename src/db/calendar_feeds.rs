//! A physician's private calendar feed (issue 14): only the SHA-256 of its token is stored
//! (`db::tokens::hash`); one feed in force per physician.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

/// When the physician's feed in force was issued, if they have one.
pub async fn active_since(pool: &PgPool, physician_id: i64) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "SELECT issued_at FROM calendar_feeds WHERE physician_id = $1 AND revoked_at IS NULL",
    )
    .bind(physician_id)
    .fetch_optional(pool)
    .await
}

/// Revokes the feed in force (if any); true when one was revoked.
pub async fn revoke(conn: &mut PgConnection, physician_id: i64, now: Jst) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE calendar_feeds SET revoked_at = $2 WHERE physician_id = $1 AND revoked_at IS NULL",
    )
    .bind(physician_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Stores a new feed (the caller revoked the previous one in the same transaction).
pub async fn insert(
    conn: &mut PgConnection,
    physician_id: i64,
    token_hash: &str,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO calendar_feeds (physician_id, token_hash, issued_at) VALUES ($1, $2, $3)
         RETURNING id",
    )
    .bind(physician_id)
    .bind(token_hash)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The physician (id, account) of a feed in force with this token hash.
pub async fn physician_of(
    pool: &PgPool,
    token_hash: &str,
) -> sqlx::Result<Option<(i64, Option<i64>)>> {
    sqlx::query_as(
        "SELECT p.id, p.account_id FROM calendar_feeds f JOIN physicians p ON p.id = f.physician_id
         WHERE f.token_hash = $1 AND f.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}
