//! Certification terms (migration 0007): the validity periods a certification is held over.
//! `certifications_on(d)` in SQL gives each certification with the term standing on day `d`.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::domain::terms::{Origin, Term};

/// Joins, as `rt`, the term an application `a` renews: the certification's latest term begun by
/// the application's submission day (the latest of all for a draft), never the term the
/// application's own approval added. So a decided renewal keeps showing the term it renewed.
pub const RENEWED_TERM_JOIN: &str = "LEFT JOIN LATERAL (
        SELECT t.id, t.valid_from, t.valid_until FROM certification_terms t
        WHERE t.certification_id = a.certification_id
          AND t.application_id IS DISTINCT FROM a.id
          AND t.valid_from <= COALESCE((a.submitted_at AT TIME ZONE 'Asia/Tokyo')::date,
                                       'infinity'::date)
        ORDER BY t.valid_from DESC LIMIT 1) rt ON TRUE";

/// Joins, as `lt`, the latest term (begun or not) of the certification `c`.
pub const LATEST_TERM_JOIN: &str = "JOIN LATERAL (
        SELECT t.id, t.valid_from, t.valid_until FROM certification_terms t
        WHERE t.certification_id = c.id ORDER BY t.valid_from DESC LIMIT 1) lt ON TRUE";

#[derive(Clone, Debug, sqlx::FromRow)]
struct TermRow {
    id: i64,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    origin: String,
}

impl From<TermRow> for Term {
    fn from(r: TermRow) -> Self {
        Term {
            id: r.id,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            origin: Origin::from_code(&r.origin).unwrap_or(Origin::Imported),
        }
    }
}

/// Adds a term to a certification.
pub async fn insert(
    conn: &mut PgConnection,
    certification_id: i64,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    origin: Origin,
    application_id: Option<i64>,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO certification_terms (certification_id, valid_from, valid_until, origin,
             application_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(certification_id)
    .bind(valid_from)
    .bind(valid_until)
    .bind(origin.code())
    .bind(application_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Every term of a certification, oldest first.
pub async fn of_certification(pool: &PgPool, certification_id: i64) -> sqlx::Result<Vec<Term>> {
    let rows: Vec<TermRow> = sqlx::query_as(
        "SELECT id, valid_from, valid_until, origin FROM certification_terms
         WHERE certification_id = $1 ORDER BY valid_from",
    )
    .bind(certification_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Term::from).collect())
}

/// The latest term of a certification (the one a renewal renews), locking the certification
/// so that two approvals cannot both add a term after it.
pub async fn latest_for_update(
    conn: &mut PgConnection,
    certification_id: i64,
) -> sqlx::Result<Option<Term>> {
    sqlx::query("SELECT 1 FROM certifications WHERE id = $1 FOR UPDATE")
        .bind(certification_id)
        .execute(&mut *conn)
        .await?;
    let row: Option<TermRow> = sqlx::query_as(
        "SELECT id, valid_from, valid_until, origin FROM certification_terms
         WHERE certification_id = $1 ORDER BY valid_from DESC LIMIT 1",
    )
    .bind(certification_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Term::from))
}

/// One term of a physician's certification, for the staff's record page.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct PhysicianTerm {
    pub id: i64,
    pub certification_id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub status: crate::domain::record_status::CertificationStatus,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub origin: String,
    pub application_id: Option<i64>,
}

/// The statement of `of_physician` for the physician given as an SQL expression.
pub(crate) fn of_physician_sql(physician: &str) -> String {
    format!(
        "SELECT t.id, c.id AS certification_id, c.programme, c.certificate_number, c.status,
                t.valid_from, t.valid_until, t.origin, t.application_id
         FROM certifications c JOIN certification_terms t ON t.certification_id = c.id
         WHERE c.physician_id = {physician}
         ORDER BY c.programme, c.id, t.valid_from"
    )
}

/// Every term of every certification of a physician, by programme and then oldest first.
pub async fn of_physician(pool: &PgPool, physician_id: i64) -> sqlx::Result<Vec<PhysicianTerm>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| of_physician_sql("$1"));
    sqlx::query_as(&SQL).bind(physician_id).fetch_all(pool).await
}
