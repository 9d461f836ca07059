//! Secret work-page URLs, one active per seminar. The token (256 random bits) appears only in
//! the mail to the organizer and in the URL; the database keeps its SHA-256.

use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::db::seminars::{Seminar, UnitRow, COLUMNS as SEMINAR_COLUMNS};
use crate::db::tokens::{hash, new_token};

/// Issues a new URL token for the seminar, revoking any earlier one. Returns the token.
pub async fn issue(
    conn: &mut PgConnection,
    seminar_id: i64,
    issued_by: Option<i64>,
    now: Jst,
) -> sqlx::Result<String> {
    sqlx::query(
        "UPDATE work_pages SET revoked_at = $2, revoked_by = $3
         WHERE seminar_id = $1 AND revoked_at IS NULL",
    )
    .bind(seminar_id)
    .bind(now)
    .bind(issued_by)
    .execute(&mut *conn)
    .await?;
    let token = new_token();
    sqlx::query(
        "INSERT INTO work_pages (seminar_id, token_hash, issued_at, issued_by)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(seminar_id)
    .bind(hash(&token))
    .bind(now)
    .bind(issued_by)
    .execute(conn)
    .await?;
    Ok(token)
}

pub async fn revoke(
    conn: &mut PgConnection,
    seminar_id: i64,
    revoked_by: Option<i64>,
    now: Jst,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE work_pages SET revoked_at = $2, revoked_by = $3
         WHERE seminar_id = $1 AND revoked_at IS NULL",
    )
    .bind(seminar_id)
    .bind(now)
    .bind(revoked_by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The seminar whose active work page has this token.
pub async fn seminar_for_token(pool: &PgPool, token: &str) -> sqlx::Result<Option<i64>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT seminar_id FROM work_pages WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash(token))
    .fetch_optional(pool)
    .await
}

pub async fn has_active(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM work_pages WHERE seminar_id = $1 AND revoked_at IS NULL)",
    )
    .bind(seminar_id)
    .fetch_one(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct SeminarWithUnits {
    #[sqlx(flatten)]
    seminar: Seminar,
    /// `[[category, "units"], …]` in category order.
    units: String,
}

/// The seminar whose active work page has this token, with the units it grants: what every
/// work page shows, in one statement (the token, the seminar and its units used to be three).
pub async fn seminar_with_units(
    pool: &PgPool,
    token: &str,
) -> sqlx::Result<Option<(Seminar, Vec<UnitRow>)>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row: Option<SeminarWithUnits> = sqlx::query_as(&format!(
        "SELECT {SEMINAR_COLUMNS},
                (SELECT COALESCE(jsonb_agg(jsonb_build_array(u.category, u.units::text)
                                           ORDER BY u.category), '[]'::jsonb)::text
                 FROM seminar_units u WHERE u.seminar_id = seminars.id) AS units
         FROM seminars
         WHERE id = (SELECT seminar_id FROM work_pages
                     WHERE token_hash = $1 AND revoked_at IS NULL)"
    ))
    .bind(hash(token))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let decode = |e: String| sqlx::Error::Decode(e.into());
    let pairs: Vec<(String, String)> =
        serde_json::from_str(&row.units).map_err(|e| decode(e.to_string()))?;
    let units = pairs
        .into_iter()
        .map(|(category, units)| {
            Ok(UnitRow {
                category,
                units: Decimal::from_str(&units).map_err(|e| decode(e.to_string()))?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(Some((row.seminar, units)))
}
