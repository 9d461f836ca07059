//! The organizer API's tokens (one seminar each, named, revocable) and the answers kept under
//! an Idempotency-Key. The token itself is shown once on the work page; the database keeps
//! its SHA-256 (`db::tokens::hash`): a token is 256 random bits, so unlike a password it needs
//! no slow hash, and a fast one keeps the per-request lookup an index probe.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::db::tokens::{hash, new_token};

/// Every token starts with this, so that a secret scanner (or a person) recognises one.
pub const PREFIX: &str = "mamis_";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub seminar_id: i64,
    pub name: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, seminar_id, name, hint, created_at, last_used_at, revoked_at";
const TOKEN_COLUMNS: &str =
    "t.id, t.seminar_id, t.name, t.hint, t.created_at, t.last_used_at, t.revoked_at";

/// The active work page of this URL token: `work_pages.id`.
const WORK_PAGE: &str = "(SELECT id FROM work_pages WHERE token_hash = $1 AND revoked_at IS NULL)";

/// Creates a token from the work page whose URL token is `work_token` (None: that URL is not
/// active); returns its row and the token (to show once).
pub async fn issue(
    conn: &mut PgConnection,
    work_token: &str,
    name: &str,
    now: Jst,
) -> sqlx::Result<Option<(ApiToken, String)>> {
    let token = format!("{PREFIX}{}", new_token());
    let hint: String = token.chars().take(PREFIX.len() + 6).collect();
    let row = sqlx::query_as(&format!(
        "INSERT INTO api_tokens (seminar_id, work_page_id, name, token_hash, hint, created_at)
         SELECT w.seminar_id, w.id, $2, $3, $4, $5 FROM work_pages w WHERE w.id = {WORK_PAGE}
         RETURNING {COLUMNS}"
    ))
    .bind(hash(work_token))
    .bind(name)
    .bind(hash(&token))
    .bind(&hint)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| (row, token)))
}

/// The tokens issued from this work page URL, newest first (revoked ones included).
pub async fn for_work_page(
    conn: &mut PgConnection,
    work_token: &str,
) -> sqlx::Result<Vec<ApiToken>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE work_page_id = {WORK_PAGE} ORDER BY id DESC"
    ))
    .bind(hash(work_token))
    .fetch_all(conn)
    .await
}

/// Revokes one token issued from this work page URL; the row as it was before (None: not
/// this page's, or revoked already).
pub async fn revoke(
    conn: &mut PgConnection,
    work_token: &str,
    id: i64,
    now: Jst,
) -> sqlx::Result<Option<ApiToken>> {
    sqlx::query_as(&format!(
        "UPDATE api_tokens SET revoked_at = $3
         WHERE id = $2 AND work_page_id = {WORK_PAGE} AND revoked_at IS NULL
         RETURNING {COLUMNS}"
    ))
    .bind(hash(work_token))
    .bind(id)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// The token in force with this secret (and the work page URL it came from still active), its
/// last use noted (at most once a minute, so that a
/// busy client does not rewrite the row on every request). One statement.
pub async fn authenticate(pool: &PgPool, token: &str, now: Jst) -> sqlx::Result<Option<ApiToken>> {
    let Some(rest) = token.strip_prefix(PREFIX) else { return Ok(None) };
    if rest.len() != 64 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    sqlx::query_as(&format!(
        "WITH found AS (
             SELECT {TOKEN_COLUMNS} FROM api_tokens t
             JOIN work_pages w ON w.id = t.work_page_id AND w.revoked_at IS NULL
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
         ),
         touched AS (
             UPDATE api_tokens t SET last_used_at = $2
             FROM found f
             WHERE t.id = f.id
               AND (f.last_used_at IS NULL OR f.last_used_at < $2 - interval '1 minute')
         )
         SELECT * FROM found"
    ))
    .bind(hash(token))
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// An answer kept under an Idempotency-Key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeptAnswer {
    pub request: String,
    pub status: i16,
    pub body: Value,
}

pub async fn kept_answer(
    conn: &mut PgConnection,
    seminar_id: i64,
    key: &str,
) -> sqlx::Result<Option<KeptAnswer>> {
    sqlx::query_as(
        "SELECT request, status, body FROM api_idempotency
         WHERE seminar_id = $1 AND idempotency_key = $2",
    )
    .bind(seminar_id)
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// Keeps an answer (in the transaction that did the work it describes).
pub async fn keep_answer(
    conn: &mut PgConnection,
    seminar_id: i64,
    key: &str,
    answer: &KeptAnswer,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_idempotency (seminar_id, idempotency_key, request, status, body,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(seminar_id)
    .bind(key)
    .bind(&answer.request)
    .bind(answer.status)
    .bind(&answer.body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
