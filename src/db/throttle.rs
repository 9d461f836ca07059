//! Failed-login counters, shared by every instance through the database. Each attempt is
//! counted under the counter rows' locks before the password is checked, so parallel attempts
//! queue on the rows instead of overwriting each other's counts.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::clock::{jst, Jst};
use crate::domain::throttle::{admit, Admission, Counter};

#[derive(sqlx::FromRow)]
struct Row {
    key: String,
    failures: i32,
    first_failure_at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

impl Row {
    fn counter(&self) -> Option<Counter> {
        (self.failures > 0).then(|| Counter {
            failures: self.failures,
            first_failure_at: self.first_failure_at.with_timezone(&jst()),
            locked_until: self.locked_until.map(|u| u.with_timezone(&jst())),
        })
    }
}

async fn lock_rows(conn: &mut PgConnection, keys: &[&str], now: Jst) -> sqlx::Result<Vec<Row>> {
    // Make sure each row exists, so there is something to lock (an empty counter: 0 failures).
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, first_failure_at)
         SELECT k, 0, $2 FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(keys)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Always in key order, so two requests never wait on each other's rows.
    sqlx::query_as(
        "SELECT key, failures, first_failure_at, locked_until FROM login_throttle
         WHERE key = ANY($1) ORDER BY key FOR UPDATE",
    )
    .bind(keys)
    .fetch_all(&mut *conn)
    .await
}

async fn put(conn: &mut PgConnection, key: &str, counter: &Counter) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE login_throttle SET failures = $2, first_failure_at = $3, locked_until = $4
         WHERE key = $1",
    )
    .bind(key)
    .bind(counter.failures)
    .bind(counter.first_failure_at)
    .bind(counter.locked_until)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts one attempt against every `(key, limit)` in one transaction. Ok(false): a delay is
/// in force on one of them, nothing was counted, and the password must not be checked.
pub async fn admit_attempt(pool: &PgPool, keys: &[(&str, i32)], now: Jst) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    let rows = lock_rows(&mut tx, &names, now).await?;
    let mut next = Vec::new();
    for row in &rows {
        let limit = keys.iter().find(|(k, _)| *k == row.key).map_or(1, |(_, l)| *l);
        match admit(row.counter(), now, limit) {
            Admission::Refused => {
                tx.rollback().await?;
                return Ok(false);
            }
            Admission::Admitted(counter) => next.push((row.key.as_str(), counter)),
        }
    }
    for (key, counter) in next {
        put(&mut tx, key, &counter).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// After a successful attempt: the login ID's count is cleared, the address's gives back the
/// one attempt it counted.
pub async fn succeeded(pool: &PgPool, id_key: &str, ip_key: Option<&str>) -> sqlx::Result<()> {
    clear(pool, id_key).await?;
    if let Some(key) = ip_key {
        sqlx::query(
            "UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1",
        )
        .bind(key)
        .execute(pool)
        .await?;
    }
    Ok(())
}

pub async fn clear(pool: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(pool).await?;
    Ok(())
}

/// Counters with a delay in force now, for the administrator's unlock page.
pub async fn delayed(pool: &PgPool, now: Jst) -> sqlx::Result<Vec<(String, i32, Jst)>> {
    let rows: Vec<(String, i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT key, failures, locked_until FROM login_throttle
         WHERE locked_until > $1 ORDER BY locked_until DESC LIMIT 200",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(k, f, u)| (k, f, u.with_timezone(&jst()))).collect())
}
