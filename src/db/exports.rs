//! The rows behind the staff spreadsheets (DOMAIN §10). One query per sheet.

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::domain::category::{Category, Programme};
use crate::export::xlsx::{ExpiringRow, PrefectureCount, RenewalCheckRow};

/// Statuses of a renewal application that is in the prefecture's hands or beyond it, not yet
/// decided by the JMA.
pub const RENEWAL_CHECK_STATUSES: [&str; 3] =
    ["submitted", "municipal_received", "prefecture_approved"];

/// A prefecture's occupational renewal applicants with their units per column of the
/// credit-check tool: the portal's matched credits whose seminar ended within the validity
/// period, and the units declared in the application (手帳) dated within it.
pub async fn renewal_check(
    pool: &PgPool,
    prefecture_code: i16,
) -> sqlx::Result<Vec<RenewalCheckRow>> {
    use crate::db::terms::RENEWED_TERM_JOIN;
    sqlx::query_as(&format!(
        "WITH apps AS (
             SELECT a.id, a.physician_id, a.submitted_at, a.fee_paid_at IS NOT NULL AS fee_paid,
                    a.handbook_received_at IS NOT NULL AS handbook_received, p.kanji_name, ce.certificate_number, rt.valid_from, rt.valid_until
             FROM applications a
             JOIN physicians p ON p.id = a.physician_id
             JOIN certifications ce ON ce.id = a.certification_id
             {RENEWED_TERM_JOIN}
             WHERE a.prefecture_code = $1 AND a.kind = 'renewal' AND a.programme = $2
               AND a.status = ANY($3)
         ),
         portal AS (
             SELECT apps.id,
                    SUM(c.units) FILTER (WHERE c.category = $4 AND c.format = 'in_person') AS ri,
                    SUM(c.units) FILTER (WHERE c.category = $4 AND c.format = 'web') AS rw,
                    SUM(c.units) FILTER (WHERE c.category = $5 AND c.format = 'in_person') AS p,
                    SUM(c.units) FILTER (WHERE c.category = $6 AND c.format = 'in_person') AS si,
                    SUM(c.units) FILTER (WHERE c.category = $6 AND c.format = 'web') AS sw
             FROM apps
             JOIN credits c ON c.physician_id = apps.physician_id
                           AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
             JOIN seminars s ON s.id = c.seminar_id AND s.programme = $2
             WHERE s.ends_on BETWEEN apps.valid_from AND apps.valid_until
             GROUP BY apps.id
         ),
         declared AS (
             SELECT apps.id,
                    SUM(d.units) FILTER (WHERE d.category = $4 AND d.format = 'in_person') AS ri,
                    SUM(d.units) FILTER (WHERE d.category = $4 AND d.format = 'web') AS rw,
                    SUM(d.units) FILTER (WHERE d.category = $5 AND d.format = 'in_person') AS p,
                    SUM(d.units) FILTER (WHERE d.category = $6 AND d.format = 'in_person') AS si,
                    SUM(d.units) FILTER (WHERE d.category = $6 AND d.format = 'web') AS sw
             FROM apps
             JOIN declared_credits d ON d.application_id = apps.id
             WHERE d.attended_on BETWEEN apps.valid_from AND apps.valid_until
             GROUP BY apps.id
         )
         SELECT apps.id AS application_id, apps.kanji_name, apps.certificate_number,
                apps.valid_from, apps.valid_until, apps.fee_paid, apps.handbook_received,
                COALESCE(portal.ri, 0) AS mamis_renewal_in_person,
                COALESCE(portal.rw, 0) AS mamis_renewal_web,
                COALESCE(portal.p, 0) AS mamis_practical,
                COALESCE(portal.si, 0) AS mamis_specialized_in_person,
                COALESCE(portal.sw, 0) AS mamis_specialized_web,
                COALESCE(declared.ri, 0) AS handbook_renewal_in_person,
                COALESCE(declared.rw, 0) AS handbook_renewal_web,
                COALESCE(declared.p, 0) AS handbook_practical,
                COALESCE(declared.si, 0) AS handbook_specialized_in_person,
                COALESCE(declared.sw, 0) AS handbook_specialized_web
         FROM apps
         LEFT JOIN portal ON portal.id = apps.id
         LEFT JOIN declared ON declared.id = apps.id
         ORDER BY apps.submitted_at NULLS LAST, apps.id"
    ))
    .bind(prefecture_code)
    .bind(Programme::Occupational.code())
    .bind(&RENEWAL_CHECK_STATUSES[..])
    .bind(Category::LifelongRenewal.code())
    .bind(Category::LifelongPractical.code())
    .bind(Category::LifelongSpecialized.code())
    .fetch_all(pool)
    .await
}

/// Active certifications on `today` per prefecture (of the linked physician) and programme.
pub async fn prefecture_counts(
    pool: &PgPool,
    today: NaiveDate,
    only: Option<i16>,
) -> sqlx::Result<Vec<PrefectureCount>> {
    sqlx::query_as(
        "SELECT p.prefecture_code, ce.programme, count(*) AS certifications
         FROM certifications ce
         JOIN certification_terms t ON t.certification_id = ce.id
                                   AND t.valid_from <= $1 AND t.valid_until >= $1
         LEFT JOIN physicians p ON p.id = ce.physician_id
         WHERE ce.status = 'active'
           AND ($2::smallint IS NULL OR p.prefecture_code = $2)
         GROUP BY p.prefecture_code, ce.programme
         ORDER BY p.prefecture_code, ce.programme",
    )
    .bind(today)
    .bind(only)
    .fetch_all(pool)
    .await
}

/// Active certifications whose term expires between `from` and `until` (inclusive), with the
/// holder's details; `only` limits them to physicians of one prefecture. `linked_only` leaves
/// out certifications not yet linked to a physician (no address to write to). A term already
/// renewed stays on the list, marked by its open or approved application.
const EXPIRING_WHERE: &str = "FROM certification_terms t
         JOIN certifications ce ON ce.id = t.certification_id
         LEFT JOIN physicians p ON p.id = ce.physician_id
         LEFT JOIN accounts a ON a.id = p.account_id
         WHERE ce.status = 'active' AND t.valid_until BETWEEN $1 AND $2
           AND ($3::smallint IS NULL OR p.prefecture_code = $3)
           AND (NOT $4 OR p.id IS NOT NULL)";

/// The expiring certifications in postal order; `limit` (None: all) bounds an on-screen
/// preview, the spreadsheets take them all.
pub async fn expiring(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    only: Option<i16>,
    linked_only: bool,
    limit: Option<i64>,
) -> sqlx::Result<Vec<ExpiringRow>> {
    let sql = format!(
        "SELECT ce.programme, ce.certificate_number, t.valid_from, t.valid_until,
                p.kanji_name, p.furigana, COALESCE(p.birth_date, ce.birth_date) AS birth_date,
                COALESCE(p.registry_number, ce.registry_number) AS registry_number,
                p.postal_code, p.address, p.workplace, p.prefecture_code, a.email,
                p.registration_completed_at IS NOT NULL AS registered,
                EXISTS (SELECT 1 FROM applications ap
                        WHERE ap.certification_id = ce.id
                          AND ap.status NOT IN ('approved', 'rejected', 'withdrawn'))
                    AS open_application
         {EXPIRING_WHERE}
         ORDER BY p.prefecture_code NULLS LAST, p.postal_code NULLS LAST, t.valid_until,
                  p.furigana, ce.programme, ce.certificate_number
         LIMIT $5"
    );
    sqlx::query_as(&sql)
        .bind(from)
        .bind(until)
        .bind(only)
        .bind(linked_only)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// How many rows `expiring` would return without a limit.
pub async fn expiring_count(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    only: Option<i16>,
    linked_only: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT count(*) {EXPIRING_WHERE}"))
        .bind(from)
        .bind(until)
        .bind(only)
        .bind(linked_only)
        .fetch_one(pool)
        .await
}
