//! The private correction link of a returned seminar application (issue 10, part 5): one open
//! link per seminar; the database keeps the token's SHA-256 only.

use sqlx::PgConnection;

use crate::clock::Jst;
use crate::db::tokens::{hash, new_token};

/// Issues a link for the seminar (closing any earlier one); returns the token for the mail.
pub async fn issue(conn: &mut PgConnection, seminar_id: i64, now: Jst) -> sqlx::Result<String> {
    sqlx::query(
        "UPDATE seminar_correction_links SET used_at = $2
         WHERE seminar_id = $1 AND used_at IS NULL",
    )
    .bind(seminar_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let token = new_token();
    sqlx::query(
        "INSERT INTO seminar_correction_links (seminar_id, token_hash, issued_at)
         VALUES ($1, $2, $3)",
    )
    .bind(seminar_id)
    .bind(hash(&token))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(token)
}

/// The seminar of an open link (locked with `for_update`), or None.
pub async fn seminar_for(
    conn: &mut PgConnection,
    token: &str,
    for_update: bool,
) -> sqlx::Result<Option<i64>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let lock = if for_update { " FOR UPDATE" } else { "" };
    sqlx::query_scalar(&format!(
        "SELECT seminar_id FROM seminar_correction_links
         WHERE token_hash = $1 AND used_at IS NULL{lock}"
    ))
    .bind(hash(token))
    .fetch_optional(conn)
    .await
}

/// Closes the link once the correction is sent.
pub async fn close(conn: &mut PgConnection, token: &str, now: Jst) -> sqlx::Result<()> {
    sqlx::query("UPDATE seminar_correction_links SET used_at = $2 WHERE token_hash = $1")
        .bind(hash(token))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
