//! Failed-login counters, shared by every instance through the database.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::clock::jst;
use crate::domain::throttle::Counter;

#[derive(sqlx::FromRow)]
struct Row {
    failures: i32,
    first_failure_at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

pub async fn get(pool: &PgPool, key: &str) -> sqlx::Result<Option<Counter>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT failures, first_failure_at, locked_until FROM login_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Counter {
        failures: r.failures,
        first_failure_at: r.first_failure_at.with_timezone(&jst()),
        locked_until: r.locked_until.map(|u| u.with_timezone(&jst())),
    }))
}

pub async fn put(pool: &PgPool, key: &str, counter: &Counter) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, first_failure_at, locked_until)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE
         SET failures = EXCLUDED.failures, first_failure_at = EXCLUDED.first_failure_at,
             locked_until = EXCLUDED.locked_until",
    )
    .bind(key)
    .bind(counter.failures)
    .bind(counter.first_failure_at)
    .bind(counter.locked_until)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn clear(pool: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(pool).await?;
    Ok(())
}
