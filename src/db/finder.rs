//! The public seminar finder (issue 14): approved seminars still to come, narrowed by the
//! filters of `domain::finder`, each with the units it grants; one seminar's page; the
//! candidates for a physician's suggestions; the seminars a physician applied to (their
//! calendar feed).
//!
//! The list reads the partial indexes of migration 0107 (approved seminars by start day, also
//! per prefecture) and stops after its page; the units come in the same statement.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::domain::finder::Filter;

/// A seminar as the finder lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FoundSeminar {
    pub id: i64,
    pub programme: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: String,
    pub venue: String,
    pub organizer_name: String,
    pub prefecture_code: i16,
    pub recruiting: bool,
    pub capacity: Option<i32>,
    /// `[{"category": "...", "units": 1.5}, ...]` as text.
    pub units: String,
}

/// One category's units of a seminar.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SeminarUnits {
    pub category: String,
    pub units: Decimal,
}

impl FoundSeminar {
    pub fn units(&self) -> Vec<SeminarUnits> {
        serde_json::from_str(&self.units).unwrap_or_default()
    }
}

const COLUMNS: &str = "s.id, s.programme, s.title, s.starts_on, s.ends_on, s.format, s.venue,
    s.organizer_name, s.approving_prefecture_code AS prefecture_code, s.recruiting, s.capacity,
    (SELECT COALESCE(json_agg(json_build_object('category', u.category, 'units', u.units)
                              ORDER BY u.category), '[]')::text
     FROM seminar_units u WHERE u.seminar_id = s.id) AS units";

/// $1 first day, $2 programme, $3 category codes, $4 prefecture, $5 last day, $6 format.
const WHERE: &str = "s.status = 'approved' AND s.starts_on >= $1
    AND ($2::text IS NULL OR s.programme = $2)
    AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM seminar_units u
                                       WHERE u.seminar_id = s.id AND u.category = ANY($3)))
    AND ($4::smallint IS NULL OR s.approving_prefecture_code = $4)
    AND ($5::date IS NULL OR s.starts_on <= $5)
    AND ($6::text IS NULL OR s.format = $6)";

fn bind<'q>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, FoundSeminar, sqlx::postgres::PgArguments>,
    first_day: NaiveDate,
    filter: &'q Filter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, FoundSeminar, sqlx::postgres::PgArguments> {
    query
        .bind(first_day)
        .bind(filter.programme.map(|p| p.code()))
        .bind(filter.category_codes())
        .bind(filter.prefecture)
        .bind(filter.until)
        .bind(filter.format.map(|f| f.code()))
}

/// A page of the seminars matching `filter` that start on or after `first_day`, soonest first.
pub async fn search(
    pool: &PgPool,
    first_day: NaiveDate,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<FoundSeminar>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {COLUMNS} FROM seminars s WHERE {WHERE}
             ORDER BY s.starts_on, s.id LIMIT $7 OFFSET $8"
        )
    });
    bind(sqlx::query_as(&SQL), first_day, filter).bind(limit).bind(offset).fetch_all(pool).await
}

/// How many seminars match (for the pager).
pub async fn count(pool: &PgPool, first_day: NaiveDate, filter: &Filter) -> sqlx::Result<i64> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("SELECT count(*) FROM seminars s WHERE {WHERE}"));
    sqlx::query_scalar(&SQL)
        .bind(first_day)
        .bind(filter.programme.map(|p| p.code()))
        .bind(filter.category_codes())
        .bind(filter.prefecture)
        .bind(filter.until)
        .bind(filter.format.map(|f| f.code()))
        .fetch_one(pool)
        .await
}

/// One approved seminar (whatever its date), or None.
pub async fn approved(pool: &PgPool, id: i64) -> sqlx::Result<Option<FoundSeminar>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {COLUMNS} FROM seminars s WHERE s.status = 'approved' AND s.id = $1")
    });
    sqlx::query_as(&SQL).bind(id).fetch_optional(pool).await
}

/// The seminars that could fill a renewal: approved, starting from `first_day`, ending by
/// `last_day` (the term's end), of the programme, held in the physician's prefecture or on
/// the Web; soonest first, at most `limit`. (No category filter: every category of the
/// programme may count, and the semi-join on units tripled the time on the national set.)
pub async fn candidates(
    pool: &PgPool,
    first_day: NaiveDate,
    last_day: NaiveDate,
    programme: &str,
    prefecture: Option<i16>,
    limit: i64,
) -> sqlx::Result<Vec<FoundSeminar>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {COLUMNS} FROM seminars s
             WHERE s.status = 'approved' AND s.starts_on >= $1 AND s.ends_on <= $2
               AND s.programme = $3
               AND (s.format = 'web' OR s.approving_prefecture_code = $4)
             ORDER BY s.starts_on, s.id LIMIT $5"
        )
    });
    sqlx::query_as(&SQL)
        .bind(first_day)
        .bind(last_day)
        .bind(programme)
        .bind(prefecture)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// A seminar the physician applied to (not cancelled), for their calendar.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AppliedSeminar {
    pub id: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub format: String,
    pub organizer_name: String,
}

/// The physician's applications for seminars ending on or after `from`, soonest first.
pub async fn applied_seminars(
    pool: &PgPool,
    physician_id: i64,
    from: NaiveDate,
) -> sqlx::Result<Vec<AppliedSeminar>> {
    sqlx::query_as(
        "SELECT s.id, s.title, s.starts_on, s.ends_on, s.venue, s.format, s.organizer_name
         FROM seminar_applicants sa JOIN seminars s ON s.id = sa.seminar_id
         WHERE sa.physician_id = $1 AND sa.cancelled_at IS NULL AND s.ends_on >= $2
         ORDER BY s.starts_on, s.id",
    )
    .bind(physician_id)
    .bind(from)
    .fetch_all(pool)
    .await
}
