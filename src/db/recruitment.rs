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

/// The list's filters ($2–$5 after OPEN's $1): each None matches every seminar.
const FILTERED: &str = "($2::smallint IS NULL OR s.approving_prefecture_code = $2)
    AND ($3::text IS NULL OR s.programme = $3)
    AND ($4::date IS NULL OR s.starts_on >= $4)
    AND ($5::date IS NULL OR s.starts_on <= $5)";

/// What the physician narrowed the recruitment list to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenFilter {
    /// The approving prefecture (the seminar's prefecture).
    pub prefecture: Option<i16>,
    pub programme: Option<&'static str>,
    /// First day on or after which the seminar starts.
    pub from: Option<NaiveDate>,
    /// Last day on or before which the seminar starts.
    pub until: Option<NaiveDate>,
}

/// Approved seminars inviting applications that have not started, soonest first.
pub async fn open_seminars(
    pool: &PgPool,
    today: NaiveDate,
    filter: &OpenFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<OpenSeminar>> {
    sqlx::query_as(&format!(
        "SELECT s.id, s.programme, s.title, s.starts_on, s.ends_on, s.format, s.venue,
                s.organizer_name, s.capacity,
                (SELECT count(*) FROM seminar_applicants a
                 WHERE a.seminar_id = s.id AND a.cancelled_at IS NULL) AS applicants
         FROM seminars s
         WHERE {OPEN} AND {FILTERED}
         ORDER BY s.starts_on, s.id
         LIMIT $6 OFFSET $7"
    ))
    .bind(today)
    .bind(filter.prefecture)
    .bind(filter.programme)
    .bind(filter.from)
    .bind(filter.until)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn open_count(pool: &PgPool, today: NaiveDate, filter: &OpenFilter) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM seminars s WHERE {OPEN} AND {FILTERED}"))
        .bind(today)
        .bind(filter.prefecture)
        .bind(filter.programme)
        .bind(filter.from)
        .bind(filter.until)
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
