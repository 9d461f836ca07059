//! Single-use tokens mailed to people (e-mail confirmation, password reset, self-registration).
//! The token itself is only ever in the mail; the database keeps its SHA-256.

use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::clock::Jst;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    SelfRegistration,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::SelfRegistration => "self_registration",
        }
    }

    /// How long a mailed link works.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::ResetPassword => Duration::hours(1),
            Purpose::VerifyEmail | Purpose::SelfRegistration => Duration::hours(24),
        }
    }
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Creates a token and returns it (to be put in a mail). Earlier unused tokens of the same
/// purpose for the same account or address stop working.
pub async fn issue(
    conn: &mut PgConnection,
    purpose: Purpose,
    account_id: Option<i64>,
    email: &str,
    now: Jst,
) -> sqlx::Result<String> {
    sqlx::query(
        "UPDATE mail_tokens SET used_at = $4
         WHERE purpose = $1 AND used_at IS NULL
           AND (($2::bigint IS NOT NULL AND account_id = $2)
                OR ($2::bigint IS NULL AND account_id IS NULL AND lower(email) = lower($3)))",
    )
    .bind(purpose.code())
    .bind(account_id)
    .bind(email)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let token = new_token();
    sqlx::query(
        "INSERT INTO mail_tokens (purpose, token_hash, account_id, email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(purpose.code())
    .bind(hash(&token))
    .bind(account_id)
    .bind(email)
    .bind(now)
    .bind(now + purpose.lifetime())
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub account_id: Option<i64>,
    pub email: String,
}

/// A valid, unused, unexpired token of this purpose, without using it (to show a form).
pub async fn peek(
    conn: &mut PgConnection,
    purpose: Purpose,
    token: &str,
    now: Jst,
) -> sqlx::Result<Option<Claimed>> {
    sqlx::query_as(
        "SELECT id, account_id, email FROM mail_tokens
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash(token))
    .bind(purpose.code())
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Uses the token: returns it once, then never again (row-locked, so two clicks race safely).
pub async fn consume(
    conn: &mut PgConnection,
    purpose: Purpose,
    token: &str,
    now: Jst,
) -> sqlx::Result<Option<Claimed>> {
    sqlx::query_as(
        "UPDATE mail_tokens SET used_at = $3
         WHERE id = (SELECT id FROM mail_tokens
                     WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
                     FOR UPDATE)
         RETURNING id, account_id, email",
    )
    .bind(hash(token))
    .bind(purpose.code())
    .bind(now)
    .fetch_optional(conn)
    .await
}
