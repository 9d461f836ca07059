//! Read-only views over registered credits: a physician's own totals and attendance history
//! (keyed by their own physician id only — DOMAIN §9), and the staff's deadline watch over the
//! seminars they approved.
//!
//! A credit counts for a physician when it is matched to them and not withdrawn; credits
//! still unmatched or held for a birth-date review never show on anyone's my page.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// Units of one category and format that fall inside one certification's validity period.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct CertificationSum {
    pub certification_id: i64,
    pub category: String,
    pub format: String,
    pub units: Decimal,
}

/// For every certification of the physician, the matched credits whose seminar ended within
/// the term standing on `on`, summed per category and format. One query for the whole my page.
pub async fn sums_within_validity(
    pool: &PgPool,
    physician_id: i64,
    on: NaiveDate,
) -> sqlx::Result<Vec<CertificationSum>> {
    static SQL: LazyLock<String> = LazyLock::new(|| sums_sql("$1", "$2"));
    sqlx::query_as(&SQL).bind(physician_id).bind(on).fetch_all(pool).await
}

/// The statement of `sums_within_validity` for the physician and date given as SQL
/// expressions (parameters, or columns of an enclosing statement: see `db::my_page`).
pub(crate) fn sums_sql(physician: &str, on: &str) -> String {
    format!(
        "SELECT ce.id AS certification_id, c.category, c.format, SUM(c.units) AS units
         FROM certifications_on({on}) ce
         JOIN credits c ON c.physician_id = ce.physician_id
                       AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
         JOIN seminars s ON s.id = c.seminar_id AND s.programme = ce.programme
         WHERE ce.physician_id = {physician}
           AND s.ends_on BETWEEN ce.valid_from AND ce.valid_until
         GROUP BY ce.id, c.category, c.format
         ORDER BY ce.id, c.category, c.format"
    )
}

/// The statement of `history` for the physician given as an SQL expression.
pub(crate) fn history_sql(physician: &str) -> String {
    format!(
        "SELECT s.id AS seminar_id, s.title, s.programme, s.starts_on, s.ends_on,
                s.organizer_name, c.category, c.format, c.units
         FROM credits c
         JOIN seminars s ON s.id = c.seminar_id
         WHERE c.physician_id = {physician} AND c.match_status = 'matched'
           AND c.withdrawn_at IS NULL
         ORDER BY s.ends_on DESC, s.starts_on DESC, s.id DESC, c.category"
    )
}

/// One category's units at one seminar (the history groups these rows by seminar).
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct HistoryRow {
    pub seminar_id: i64,
    pub title: String,
    pub programme: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub organizer_name: String,
    pub category: String,
    pub format: String,
    pub units: Decimal,
}

/// Every matched credit of the physician, newest seminar first, in one query.
pub async fn history(pool: &PgPool, physician_id: i64) -> sqlx::Result<Vec<HistoryRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| history_sql("$1"));
    sqlx::query_as(&SQL).bind(physician_id).fetch_all(pool).await
}

/// One approved seminar on the staff's deadline watch.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WatchRow {
    pub id: i64,
    pub programme: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub organizer_association_id: Option<i64>,
    pub organizer_name: String,
    pub approving_prefecture_code: i16,
    /// Distinct attendees with at least one credit that is not withdrawn.
    pub attendees: i64,
    pub credits: i64,
    /// Some credit was registered after the deadline (the upload marks it).
    pub any_late: bool,
    pub open_reports: i64,
    /// 開催報告: None when none was filed.
    pub report_status: Option<crate::domain::record_status::ReportStatus>,
    pub last_reminded_at: Option<DateTime<Utc>>,
}

impl WatchRow {
    pub fn target(&self) -> crate::domain::policy::SeminarTarget {
        crate::domain::policy::SeminarTarget {
            organizer_association_id: self.organizer_association_id,
            approving_prefecture_code: self.approving_prefecture_code,
        }
    }
}

/// Approved seminars of one prefecture (None: all, for JMA): held ones first, most recent
/// first, then upcoming ones soonest first. Each half is read along its index
/// (`seminars_approved_by_end`, migration 0081) only as far as the page reaches, and only the
/// page's rows get their counts (lateral subqueries), so a page costs the same with 20 or
/// 20,000 seminars (national data: 41 ms → under 1 ms to choose the page) and is one statement.
pub async fn watch(
    pool: &PgPool,
    prefecture: Option<i16>,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<WatchRow>> {
    sqlx::query_as(
        "WITH held AS (
             SELECT s.id, s.programme, s.title, s.starts_on, s.ends_on,
                    s.organizer_association_id, s.organizer_name, s.approving_prefecture_code,
                    1 AS part
             FROM seminars s
             WHERE s.status = 'approved' AND s.ends_on < $2
               AND ($1::smallint IS NULL OR s.approving_prefecture_code = $1)
             ORDER BY s.ends_on DESC, s.id DESC
             LIMIT $3 + $4
         ), upcoming AS (
             SELECT s.id, s.programme, s.title, s.starts_on, s.ends_on,
                    s.organizer_association_id, s.organizer_name, s.approving_prefecture_code,
                    2 AS part
             FROM seminars s
             WHERE s.status = 'approved' AND s.ends_on >= $2
               AND ($1::smallint IS NULL OR s.approving_prefecture_code = $1)
             ORDER BY s.ends_on, s.id DESC
             LIMIT $3 + $4
         ), page AS (
             SELECT p.*, row_number() OVER (
                        ORDER BY p.part,
                                 CASE WHEN p.part = 1 THEN p.ends_on END DESC,
                                 p.ends_on, p.id DESC) AS position
             FROM (SELECT * FROM held UNION ALL SELECT * FROM upcoming) p
             ORDER BY position
             LIMIT $3 OFFSET $4
         )
         SELECT s.id, s.programme, s.title, s.starts_on, s.ends_on, s.organizer_association_id,
                s.organizer_name, s.approving_prefecture_code,
                cr.attendees, cr.credits, cr.any_late,
                mr.open_reports, sr.status AS report_status, rm.last_reminded_at
         FROM page s
         CROSS JOIN LATERAL (
             SELECT count(DISTINCT c.registry_number) AS attendees, count(*) AS credits,
                    COALESCE(bool_or(c.late), FALSE) AS any_late
             FROM credits c
             WHERE c.seminar_id = s.id AND c.withdrawn_at IS NULL
               AND c.match_status <> 'rejected'
         ) cr
         CROSS JOIN LATERAL (
             SELECT count(*) AS open_reports FROM missing_credit_reports r
             WHERE r.seminar_id = s.id AND r.status = 'open'
         ) mr
         CROSS JOIN LATERAL (
             SELECT max(l.at) AS last_reminded_at FROM audit_log l
             WHERE l.entity_type = 'seminar' AND l.entity_id = s.id::text
               AND l.action = 'seminar.remind'
         ) rm
         LEFT JOIN seminar_reports sr ON sr.seminar_id = s.id
         ORDER BY s.position",
    )
    .bind(prefecture)
    .bind(today)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn watch_count(pool: &PgPool, prefecture: Option<i16>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM seminars
         WHERE status = 'approved' AND ($1::smallint IS NULL OR approving_prefecture_code = $1)",
    )
    .bind(prefecture)
    .fetch_one(pool)
    .await
}

/// Distinct attendees registered for a seminar (the 開催報告's pre-filled attendee count).
pub async fn attendee_count(conn: &mut sqlx::PgConnection, seminar_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(DISTINCT registry_number) FROM credits
         WHERE seminar_id = $1 AND withdrawn_at IS NULL AND match_status <> 'rejected'",
    )
    .bind(seminar_id)
    .fetch_one(conn)
    .await
}
