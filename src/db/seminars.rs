//! Seminars and the units they grant.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Seminar {
    pub id: i64,
    pub programme: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: String,
    pub venue: String,
    pub organizer_association_id: Option<i64>,
    pub organizer_name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub contact_fax: Option<String>,
    pub approving_prefecture_code: i16,
    pub status: crate::domain::seminar::Status,
    pub status_comment: Option<String>,
    pub cycle_id: Option<i64>,
    pub paper_approved: bool,
    pub recruiting: bool,
    pub capacity: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl Seminar {
    pub fn target(&self) -> crate::domain::policy::SeminarTarget {
        crate::domain::policy::SeminarTarget {
            organizer_association_id: self.organizer_association_id,
            approving_prefecture_code: self.approving_prefecture_code,
        }
    }
}

pub(crate) const COLUMNS: &str = "id, programme, title, starts_on, ends_on, format, venue,
    organizer_association_id, organizer_name, contact_name, contact_email, contact_phone,
    contact_fax, approving_prefecture_code, status, status_comment, cycle_id, paper_approved,
    recruiting, capacity, version, created_at";

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Seminar>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM seminars WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The row locked for a state change (no lost update between two staff members).
pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Seminar>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM seminars WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn get_pool(pool: &PgPool, id: i64) -> sqlx::Result<Option<Seminar>> {
    get(&mut *pool.acquire().await?, id).await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnitRow {
    pub category: String,
    pub units: Decimal,
}

pub async fn units(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<Vec<UnitRow>> {
    sqlx::query_as(
        "SELECT category, units FROM seminar_units WHERE seminar_id = $1 ORDER BY category",
    )
    .bind(seminar_id)
    .fetch_all(conn)
    .await
}

pub struct NewSeminar<'a> {
    pub programme: &'a str,
    pub title: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: &'a str,
    pub venue: &'a str,
    pub organizer_association_id: Option<i64>,
    pub organizer_name: &'a str,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: Option<&'a str>,
    pub contact_fax: Option<&'a str>,
    pub approving_prefecture_code: i16,
    pub status: &'a str,
    pub submitted_by: Option<i64>,
    pub paper_approved: bool,
    pub recruiting: bool,
    pub capacity: Option<i32>,
    /// (category code, units)
    pub units: &'a [(&'a str, Decimal)],
}

pub async fn create(conn: &mut PgConnection, s: &NewSeminar<'_>, now: Jst) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
             organizer_association_id, organizer_name, contact_name, contact_email, contact_phone,
             contact_fax, approving_prefecture_code, status, submitted_by, submitted_at,
             paper_approved, recruiting, capacity, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $16, $16)
         RETURNING id",
    )
    .bind(s.programme)
    .bind(s.title)
    .bind(s.starts_on)
    .bind(s.ends_on)
    .bind(s.format)
    .bind(s.venue)
    .bind(s.organizer_association_id)
    .bind(s.organizer_name)
    .bind(s.contact_name)
    .bind(s.contact_email)
    .bind(s.contact_phone)
    .bind(s.contact_fax)
    .bind(s.approving_prefecture_code)
    .bind(s.status)
    .bind(s.submitted_by)
    .bind(now)
    .bind(s.paper_approved)
    .bind(s.recruiting)
    .bind(s.capacity)
    .fetch_one(&mut *conn)
    .await?;
    for (category, units) in s.units {
        sqlx::query("INSERT INTO seminar_units (seminar_id, category, units) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(category)
            .bind(units)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}
