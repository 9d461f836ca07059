//! Counters of the unauthenticated forms' limits (see `domain::rate_limit`).

use sqlx::PgPool;

use crate::clock::Jst;
use crate::domain::rate_limit::{key, Limit};

/// Counts one hit and returns the count in the current window, in one statement, so parallel
/// requests each get their own number.
pub async fn hit(pool: &PgPool, limit: &Limit, value: &str, now: Jst) -> sqlx::Result<i32> {
    Ok(hit_in_window(pool, limit, value, now).await?.0)
}

/// Like `hit`, with the start of the current window (for a Retry-After).
pub async fn hit_in_window(
    pool: &PgPool,
    limit: &Limit,
    value: &str,
    now: Jst,
) -> sqlx::Result<(i32, Jst)> {
    let window_secs = limit.window.num_seconds() as f64;
    let (hits, start): (i32, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN rate_limits.window_start <= $2 - make_interval(secs => $3)
                       THEN 1 ELSE rate_limits.hits + 1 END,
           window_start = CASE WHEN rate_limits.window_start <= $2 - make_interval(secs => $3)
                               THEN $2 ELSE rate_limits.window_start END
         RETURNING hits, window_start",
    )
    .bind(key(limit, value))
    .bind(now)
    .bind(window_secs)
    .fetch_one(pool)
    .await?;
    Ok((hits, start.with_timezone(&crate::clock::jst())))
}
