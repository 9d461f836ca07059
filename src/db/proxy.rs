//! Proxy entry (代理入力): physicians' consents and the staff-side physician lookup.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::domain::search::{contains_pattern, fold};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PhysicianSummary {
    pub id: i64,
    pub account_id: Option<i64>,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub registry_number: Option<String>,
    pub prefecture_code: Option<i16>,
    pub registration_completed_at: Option<DateTime<Utc>>,
}

/// Physicians matching a registry number or a name / furigana fragment, limited to one
/// prefecture unless `prefecture` is None (JMA). The fragment is compared folded (see
/// `domain::search`), with LIKE's wildcards taken literally.
pub async fn search(
    pool: &PgPool,
    query: &str,
    prefecture: Option<i16>,
    limit: i64,
) -> sqlx::Result<Vec<PhysicianSummary>> {
    sqlx::query_as(
        "SELECT id, account_id, kanji_name, furigana, birth_date, registry_number,
                prefecture_code, registration_completed_at
         FROM physicians
         WHERE ($2::smallint IS NULL OR prefecture_code = $2)
           AND (registry_number = $1 OR ($4 <> '%%' AND search_key LIKE $4))
         ORDER BY furigana, id
         LIMIT $3",
    )
    .bind(query)
    .bind(prefecture)
    .bind(limit)
    .bind(contains_pattern(&fold(query)))
    .fetch_all(pool)
    .await
}

pub async fn physician(pool: &PgPool, id: i64) -> sqlx::Result<Option<PhysicianSummary>> {
    sqlx::query_as(
        "SELECT id, account_id, kanji_name, furigana, birth_date, registry_number,
                prefecture_code, registration_completed_at
         FROM physicians WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn physician_by_account(
    pool: &PgPool,
    account_id: i64,
) -> sqlx::Result<Option<PhysicianSummary>> {
    sqlx::query_as(
        "SELECT id, account_id, kanji_name, furigana, birth_date, registry_number,
                prefecture_code, registration_completed_at
         FROM physicians WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Consent {
    pub id: i64,
    pub association_id: i64,
    pub association_name: String,
    pub method: String,
    pub note: Option<String>,
    pub recorded_by_login: String,
    pub granted_at: DateTime<Utc>,
}

/// The consent in force for a physician and an association, if any.
pub async fn active_consent(
    pool: &PgPool,
    physician_id: i64,
    association_id: Option<i64>,
) -> sqlx::Result<Option<Consent>> {
    sqlx::query_as(
        "SELECT c.id, c.association_id, s.name AS association_name, c.method, c.note,
                a.login_id AS recorded_by_login, c.granted_at
         FROM proxy_consents c
         JOIN associations s ON s.id = c.association_id
         JOIN accounts a ON a.id = c.recorded_by
         WHERE c.physician_id = $1 AND c.revoked_at IS NULL
           AND ($2::bigint IS NULL OR c.association_id = $2)
         ORDER BY c.granted_at DESC LIMIT 1",
    )
    .bind(physician_id)
    .bind(association_id)
    .fetch_optional(pool)
    .await
}

pub async fn record_consent(
    conn: &mut PgConnection,
    physician_id: i64,
    association_id: i64,
    method: &str,
    note: Option<&str>,
    recorded_by: i64,
    now: Jst,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO proxy_consents (physician_id, association_id, method, note, recorded_by,
                                     granted_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (physician_id, association_id) WHERE revoked_at IS NULL DO NOTHING
         RETURNING id",
    )
    .bind(physician_id)
    .bind(association_id)
    .bind(method)
    .bind(note)
    .bind(recorded_by)
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub async fn revoke_consent(
    conn: &mut PgConnection,
    physician_id: i64,
    association_id: i64,
    now: Jst,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE proxy_consents SET revoked_at = $3
         WHERE physician_id = $1 AND association_id = $2 AND revoked_at IS NULL",
    )
    .bind(physician_id)
    .bind(association_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One consent as the physician sees it, in force or revoked.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConsentRecord {
    pub id: i64,
    pub association_name: String,
    pub method: String,
    pub recorded_by_name: String,
    pub granted_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every consent a physician ever gave, newest first.
pub async fn consents_of(pool: &PgPool, physician_id: i64) -> sqlx::Result<Vec<ConsentRecord>> {
    sqlx::query_as(
        "SELECT c.id, s.name AS association_name, c.method, a.display_name AS recorded_by_name,
                c.granted_at, c.revoked_at
         FROM proxy_consents c
         JOIN associations s ON s.id = c.association_id
         JOIN accounts a ON a.id = c.recorded_by
         WHERE c.physician_id = $1
         ORDER BY c.granted_at DESC, c.id DESC",
    )
    .bind(physician_id)
    .fetch_all(pool)
    .await
}

/// The physician withdraws one consent of theirs. Ok(None): not theirs, or already revoked.
pub async fn revoke_own_consent(
    conn: &mut PgConnection,
    physician_id: i64,
    consent_id: i64,
    now: Jst,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE proxy_consents c SET revoked_at = $3
         FROM associations s
         WHERE c.id = $2 AND c.physician_id = $1 AND c.revoked_at IS NULL
           AND s.id = c.association_id
         RETURNING s.name",
    )
    .bind(physician_id)
    .bind(consent_id)
    .bind(now)
    .fetch_optional(conn)
    .await
}
