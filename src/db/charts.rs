//! The rows behind the associations' charts (issue 14, part 3): one statement per chart, scoped
//! to a prefecture or the whole country. The charts' rules (at risk, on time) are applied in
//! `domain::association_charts`, not here.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::domain::application::Status;
use crate::domain::category::Programme;

/// A certification whose current term ends in the window, with its portal credits (when not
/// applied) as (category code, format code, units) — several rows per certification.
#[derive(Debug, sqlx::FromRow)]
pub struct DueRow {
    pub certification_id: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub applied: bool,
    pub category: Option<String>,
    pub format: Option<String>,
    pub units: Option<Decimal>,
}

/// Certifications of `programme` whose latest term ends in [from, until), of physicians of
/// `prefecture` (None: all, including certifications not yet linked to a physician).
pub async fn renewals_due(
    pool: &PgPool,
    programme: Programme,
    from: NaiveDate,
    until: NaiveDate,
    prefecture: Option<i16>,
) -> sqlx::Result<Vec<DueRow>> {
    sqlx::query_as(
        "WITH due AS (
             SELECT t.certification_id, c.physician_id, c.programme, t.valid_from, t.valid_until,
                    EXISTS (SELECT 1 FROM applications a
                            WHERE a.certification_id = c.id AND a.kind = 'renewal'
                              AND a.status IN ('submitted', 'municipal_received',
                                               'prefecture_approved', 'returned')) AS applied
             FROM certification_terms t
             JOIN certifications c ON c.id = t.certification_id
             LEFT JOIN physicians p ON p.id = c.physician_id
             WHERE t.valid_until >= $1 AND t.valid_until < $2
               AND c.status = 'active' AND c.programme = $3
               AND ($4::smallint IS NULL OR p.prefecture_code = $4)
               AND NOT EXISTS (SELECT 1 FROM certification_terms later
                               WHERE later.certification_id = t.certification_id
                                 AND later.valid_from > t.valid_from)
         )
         SELECT d.certification_id, d.valid_from, d.valid_until, d.applied,
                x.category, x.format, x.units
         FROM due d
         LEFT JOIN LATERAL (
             SELECT cr.category, cr.format, SUM(cr.units) AS units
             FROM credits cr JOIN seminars s ON s.id = cr.seminar_id
             WHERE NOT d.applied AND cr.physician_id = d.physician_id
               AND cr.match_status = 'matched' AND cr.withdrawn_at IS NULL
               AND s.programme = d.programme
               AND s.ends_on BETWEEN d.valid_from AND d.valid_until
             GROUP BY cr.category, cr.format
         ) x ON TRUE
         ORDER BY d.certification_id",
    )
    .bind(from)
    .bind(until)
    .bind(programme.code())
    .bind(prefecture)
    .fetch_all(pool)
    .await
}

/// Applications per review cycle and status, for the cycles whose committee meets in
/// [from, until].
#[derive(Debug, sqlx::FromRow)]
pub struct CycleCount {
    pub fiscal_year: i32,
    pub number: i16,
    pub committee_date: NaiveDate,
    pub status: Status,
    pub applications: i64,
}

pub async fn applications_per_cycle(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    prefecture: Option<i16>,
) -> sqlx::Result<Vec<CycleCount>> {
    sqlx::query_as(
        "SELECT rc.fiscal_year, rc.number, rc.committee_date, a.status, count(*) AS applications
         FROM applications a JOIN review_cycles rc ON rc.id = a.cycle_id
         WHERE rc.committee_date BETWEEN $1 AND $2
           AND ($3::smallint IS NULL OR a.prefecture_code = $3)
         GROUP BY rc.fiscal_year, rc.number, rc.committee_date, a.status
         ORDER BY rc.committee_date, a.status",
    )
    .bind(from)
    .bind(until)
    .bind(prefecture)
    .fetch_all(pool)
    .await
}

/// The cycles whose committee meets in [from, until] (the chart's bars, applications or not).
pub async fn cycles(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
) -> sqlx::Result<Vec<(i32, i16, NaiveDate)>> {
    sqlx::query_as(
        "SELECT fiscal_year, number, committee_date FROM review_cycles
         WHERE committee_date BETWEEN $1 AND $2 ORDER BY committee_date",
    )
    .bind(from)
    .bind(until)
    .fetch_all(pool)
    .await
}

/// An approved seminar that ended in the window, and whether it has credits, on time or not.
#[derive(Debug, sqlx::FromRow)]
pub struct SeminarCredits {
    pub ends_on: NaiveDate,
    pub any_credit: bool,
    pub on_time_credit: bool,
}

pub async fn seminar_credits(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    prefecture: Option<i16>,
) -> sqlx::Result<Vec<SeminarCredits>> {
    sqlx::query_as(
        "SELECT s.ends_on,
                EXISTS (SELECT 1 FROM credits c
                        WHERE c.seminar_id = s.id AND c.withdrawn_at IS NULL) AS any_credit,
                EXISTS (SELECT 1 FROM credits c
                        WHERE c.seminar_id = s.id AND c.withdrawn_at IS NULL
                          AND NOT c.late) AS on_time_credit
         FROM seminars s
         WHERE s.status = 'approved' AND s.ends_on >= $1 AND s.ends_on < $2
           AND ($3::smallint IS NULL OR s.approving_prefecture_code = $3)",
    )
    .bind(from)
    .bind(until)
    .bind(prefecture)
    .fetch_all(pool)
    .await
}

/// Credits still held (birth date mismatch) or unmatched, by the month they were registered
/// (Japan time), of seminars approved by `prefecture`.
#[derive(Debug, sqlx::FromRow)]
pub struct UnresolvedCount {
    pub month: NaiveDate,
    pub held: i64,
    pub unmatched: i64,
}

pub async fn unresolved_credits(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    prefecture: Option<i16>,
) -> sqlx::Result<Vec<UnresolvedCount>> {
    sqlx::query_as(
        "SELECT date_trunc('month', c.registered_at AT TIME ZONE 'Asia/Tokyo')::date AS month,
                count(*) FILTER (WHERE c.match_status = 'birth_date_mismatch') AS held,
                count(*) FILTER (WHERE c.match_status = 'unmatched') AS unmatched
         FROM credits c JOIN seminars s ON s.id = c.seminar_id
         WHERE c.match_status IN ('birth_date_mismatch', 'unmatched') AND c.withdrawn_at IS NULL
           AND c.registered_at >= ($1::date AT TIME ZONE 'Asia/Tokyo')
           AND c.registered_at < ($2::date AT TIME ZONE 'Asia/Tokyo')
           AND ($3::smallint IS NULL OR s.approving_prefecture_code = $3)
         GROUP BY 1 ORDER BY 1",
    )
    .bind(from)
    .bind(until)
    .bind(prefecture)
    .fetch_all(pool)
    .await
}
