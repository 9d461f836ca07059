//! Attendee recruitment (受講者募集): approved seminars that invite applications, and the
//! physicians who applied.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenSeminar {
    pub id: i64,
    pub programme: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: String,
    pub venue: String,
    pub organizer_name: String,
    pub capacity: Option<i32>,
    pub applicants: i64,
}

const OPEN: &str = "s.status = 'approved' AND s.recruiting AND s.starts_on >= $1";

/// Approved seminars inviting applications that have not started, soonest first.
pub async fn open_seminars(
    pool: &PgPool,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<OpenSeminar>> {
    sqlx::query_as(&format!(
        "SELECT s.id, s.programme, s.title, s.starts_on, s.ends_on, s.format, s.venue,
                s.organizer_name, s.capacity,
                (SELECT count(*) FROM seminar_applicants a
                 WHERE a.seminar_id = s.id AND a.cancelled_at IS NULL) AS applicants
         FROM seminars s
         WHERE {OPEN}
         ORDER BY s.starts_on, s.id
         LIMIT $2 OFFSET $3"
    ))
    .bind(today)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn open_count(pool: &PgPool, today: NaiveDate) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM seminars s WHERE {OPEN}"))
        .bind(today)
        .fetch_one(pool)
        .await
}

/// One open seminar, or None when it does not (or no longer) invite applications.
pub async fn open_seminar(
    conn: &mut PgConnection,
    id: i64,
    today: NaiveDate,
) -> sqlx::Result<Option<OpenSeminar>> {
    sqlx::query_as(&format!(
        "SELECT s.id, s.programme, s.title, s.starts_on, s.ends_on, s.format, s.venue,
                s.organizer_name, s.capacity,
                (SELECT count(*) FROM seminar_applicants a
                 WHERE a.seminar_id = s.id AND a.cancelled_at IS NULL) AS applicants
         FROM seminars s
         WHERE {OPEN} AND s.id = $2"
    ))
    .bind(today)
    .bind(id)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnitsOf {
    pub seminar_id: i64,
    pub category: String,
    pub units: Decimal,
}

/// Units of several seminars in one query (for a list page).
pub async fn units_of(pool: &PgPool, seminar_ids: &[i64]) -> sqlx::Result<Vec<UnitsOf>> {
    sqlx::query_as(
        "SELECT seminar_id, category, units FROM seminar_units
         WHERE seminar_id = ANY($1) ORDER BY seminar_id, category",
    )
    .bind(seminar_ids)
    .fetch_all(pool)
    .await
}

/// Whether the physician holds an application (not cancelled) for the seminar.
pub async fn has_applied(
    conn: &mut PgConnection,
    seminar_id: i64,
    physician_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM seminar_applicants
                        WHERE seminar_id = $1 AND physician_id = $2 AND cancelled_at IS NULL)",
    )
    .bind(seminar_id)
    .bind(physician_id)
    .fetch_one(conn)
    .await
}

/// Records the application; false when the physician already holds one. An earlier,
/// cancelled application is revived (one row per seminar × physician).
pub async fn apply(
    conn: &mut PgConnection,
    seminar_id: i64,
    physician_id: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO seminar_applicants (seminar_id, physician_id, applied_at)
         VALUES ($1, $2, $3)
         ON CONFLICT (seminar_id, physician_id) DO UPDATE
             SET applied_at = EXCLUDED.applied_at, cancelled_at = NULL
             WHERE seminar_applicants.cancelled_at IS NOT NULL",
    )
    .bind(seminar_id)
    .bind(physician_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn cancel(
    conn: &mut PgConnection,
    seminar_id: i64,
    physician_id: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE seminar_applicants SET cancelled_at = $3
         WHERE seminar_id = $1 AND physician_id = $2 AND cancelled_at IS NULL",
    )
    .bind(seminar_id)
    .bind(physician_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An applicant as the organizer needs them for the credit CSV.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Applicant {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub registry_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub applied_at: DateTime<Utc>,
}

pub async fn applicants(pool: &PgPool, seminar_id: i64) -> sqlx::Result<Vec<Applicant>> {
    sqlx::query_as(
        "SELECT p.kanji_name, p.furigana, p.birth_date, p.sex, p.registry_number,
                a.email, p.phone, p.fax, sa.applied_at
         FROM seminar_applicants sa
         JOIN physicians p ON p.id = sa.physician_id
         LEFT JOIN accounts a ON a.id = p.account_id
         WHERE sa.seminar_id = $1 AND sa.cancelled_at IS NULL
         ORDER BY sa.applied_at, p.furigana, p.id",
    )
    .bind(seminar_id)
    .fetch_all(pool)
    .await
}

/// Which of `seminar_ids` the physician holds an application for (one query for a list).
pub async fn applied_among(
    pool: &PgPool,
    physician_id: i64,
    seminar_ids: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT seminar_id FROM seminar_applicants
         WHERE physician_id = $1 AND seminar_id = ANY($2) AND cancelled_at IS NULL",
    )
    .bind(physician_id)
    .bind(seminar_ids)
    .fetch_all(pool)
    .await
}
