//! Certificates and their public verification. Each certification carries a random code
//! (`verify_code`, migration 0005) that only its certificate's QR code reveals, so validity
//! cannot be looked up by trying certificate numbers.

use chrono::NaiveDate;
use sqlx::PgPool;

/// A certification as its certificate and the verification page need it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Certificate {
    pub id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub physician_id: Option<i64>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: String,
    pub verify_code: String,
}

const COLUMNS: &str = "id, programme, certificate_number, physician_id, valid_from, valid_until, \
                       status, verify_code";

/// One of `physician_id`'s own certifications; `None` for anyone else's.
pub async fn owned(
    pool: &PgPool,
    certification_id: i64,
    physician_id: i64,
) -> sqlx::Result<Option<Certificate>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certifications WHERE id = $1 AND physician_id = $2"
    ))
    .bind(certification_id)
    .bind(physician_id)
    .fetch_optional(pool)
    .await
}

/// The certification a verification URL names (the code is compared by the caller).
pub async fn by_number(
    pool: &PgPool,
    programme: &str,
    certificate_number: &str,
) -> sqlx::Result<Option<Certificate>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certifications WHERE programme = $1 AND certificate_number = $2"
    ))
    .bind(programme)
    .bind(certificate_number)
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
