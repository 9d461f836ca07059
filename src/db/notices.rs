//! Renewal notices (DOMAIN §7): the certifications whose term nears its end, and the record of
//! each notice sent (`notices_sent`), which decides that a notice goes out once.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub physician_id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub kanji_name: String,
    /// The physician's prefecture, whose association answers questions about renewal.
    pub prefecture_code: Option<i16>,
    /// A verified, enabled address, else None.
    pub email: Option<String>,
}

/// Active certifications linked to a physician whose term standing on `today` ends within a
/// year and a few days (`domain::notices::due` decides exactly) and has no approved next term.
pub async fn candidates(pool: &PgPool, today: NaiveDate) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(
        "SELECT ce.id, ce.physician_id, ce.programme, ce.certificate_number, ce.valid_from,
                ce.valid_until, p.kanji_name, p.prefecture_code,
                CASE WHEN a.email_verified_at IS NOT NULL AND a.disabled_at IS NULL
                     THEN a.email END AS email
         FROM certifications_on($1) ce
         JOIN physicians p ON p.id = ce.physician_id
         LEFT JOIN accounts a ON a.id = p.account_id
         WHERE ce.status = 'active' AND ce.valid_until > $1
           AND ce.valid_until <= $1 + INTERVAL '1 year 3 days'
           AND ce.next_term_id IS NULL
         ORDER BY ce.valid_until, ce.id",
    )
    .bind(today)
    .fetch_all(pool)
    .await
}

/// Records a notice; false when it was already recorded (by an earlier or concurrent run).
pub async fn record(
    conn: &mut PgConnection,
    certification_id: i64,
    kind: &str,
    valid_until: NaiveDate,
    now: Jst,
) -> sqlx::Result<bool> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notices_sent (certification_id, kind, valid_until, sent_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING
         RETURNING certification_id",
    )
    .bind(certification_id)
    .bind(kind)
    .bind(valid_until)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(inserted.is_some())
}
