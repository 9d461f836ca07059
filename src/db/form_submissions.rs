//! Double submission of a form is harmless (issue 10, part 5): each form carries a random key;
//! the first POST with a key claims it in its transaction, a second one (a double click, a
//! resend after a timeout) waits for the first to commit and then finds what it created.

use sqlx::PgConnection;

use crate::clock::Jst;

/// What claiming a key found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: go on and `done` the key with what was created.
    Fresh,
    /// Already used: the record the first submission created (None if it created none).
    Seen(Option<i64>),
}

/// Claims `key` for `form` in the caller's transaction.
pub async fn claim(
    conn: &mut PgConnection,
    key: &str,
    form: &str,
    now: Jst,
) -> sqlx::Result<Claim> {
    let inserted = sqlx::query(
        "INSERT INTO form_submissions (idempotency_key, form, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(form)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let record: Option<i64> = sqlx::query_scalar(
        "SELECT record_id FROM form_submissions WHERE idempotency_key = $1 AND form = $2",
    )
    .bind(key)
    .bind(form)
    .fetch_optional(conn)
    .await?
    .flatten();
    Ok(Claim::Seen(record))
}

/// Records what the submission with `key` created.
pub async fn done(conn: &mut PgConnection, key: &str, record_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE form_submissions SET record_id = $2 WHERE idempotency_key = $1")
        .bind(key)
        .bind(record_id)
        .execute(conn)
        .await?;
    Ok(())
}
