//! Certificates and their public verification. Each certification carries a random code
//! (`verify_code`, migration 0005) that only its certificate's QR code reveals, so validity
//! cannot be looked up by trying certificate numbers. A certificate is of one term (migration
//! 0007); the verification page shows the term standing today and an approved next one.

use chrono::NaiveDate;
use sqlx::PgPool;

/// A certification with one of its terms, as its certificate and the verification page need it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Certificate {
    pub id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub physician_id: Option<i64>,
    /// The holder's name as printed on the certificate.
    pub holder_name: Option<String>,
    pub term_id: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub next_valid_from: Option<NaiveDate>,
    pub next_valid_until: Option<NaiveDate>,
    pub status: String,
    pub verify_code: String,
    /// When the term was recorded, and whether it came from the old system (the issue date).
    pub term_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub term_imported: Option<bool>,
}

const COLUMNS: &str = "ce.id, ce.programme, ce.certificate_number, ce.physician_id,
    p.kanji_name AS holder_name, ce.term_id, ce.valid_from, ce.valid_until, ce.next_valid_from,
    ce.next_valid_until, ce.status, ce.verify_code, t.created_at AS term_recorded_at,
    t.origin = 'imported' AS term_imported";

/// One of `physician_id`'s own certifications with the term standing on `on`; `None` for
/// anyone else's.
pub async fn owned(
    pool: &PgPool,
    certification_id: i64,
    physician_id: i64,
    on: NaiveDate,
) -> sqlx::Result<Option<Certificate>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certifications_on($3) ce
         LEFT JOIN physicians p ON p.id = ce.physician_id
         LEFT JOIN certification_terms t ON t.id = ce.term_id
         WHERE ce.id = $1 AND ce.physician_id = $2"
    ))
    .bind(certification_id)
    .bind(physician_id)
    .bind(on)
    .fetch_optional(pool)
    .await
}

/// One term of one of `physician_id`'s own certifications (each term has its certificate).
pub async fn owned_term(
    pool: &PgPool,
    certification_id: i64,
    term_id: i64,
    physician_id: i64,
) -> sqlx::Result<Option<Certificate>> {
    sqlx::query_as(
        "SELECT ce.id, ce.programme, ce.certificate_number, ce.physician_id,
                p.kanji_name AS holder_name, t.id AS term_id, t.valid_from, t.valid_until,
                NULL::date AS next_valid_from, NULL::date AS next_valid_until, ce.status,
                ce.verify_code, t.created_at AS term_recorded_at,
                t.origin = 'imported' AS term_imported
         FROM certifications ce
         JOIN certification_terms t ON t.certification_id = ce.id
         LEFT JOIN physicians p ON p.id = ce.physician_id
         WHERE ce.id = $1 AND t.id = $2 AND ce.physician_id = $3",
    )
    .bind(certification_id)
    .bind(term_id)
    .bind(physician_id)
    .fetch_optional(pool)
    .await
}

/// The certification a verification URL names, with the term standing on `on` (the code is
/// compared by the caller).
pub async fn by_number(
    pool: &PgPool,
    programme: &str,
    certificate_number: &str,
    on: NaiveDate,
) -> sqlx::Result<Option<Certificate>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certifications_on($3) ce
         LEFT JOIN physicians p ON p.id = ce.physician_id
         LEFT JOIN certification_terms t ON t.id = ce.term_id
         WHERE ce.programme = $1 AND ce.certificate_number = $2"
    ))
    .bind(programme)
    .bind(certificate_number)
    .bind(on)
    .fetch_optional(pool)
    .await
}

/// The code printed (as part of the QR code's URL) on a certification's certificate.
pub async fn code_for(pool: &PgPool, certification_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT verify_code FROM certifications WHERE id = $1")
        .bind(certification_id)
        .fetch_optional(pool)
        .await
}
