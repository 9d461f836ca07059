//! Physicians and their certifications.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Physician {
    pub id: i64,
    pub account_id: Option<i64>,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub registry_number: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub workplace: Option<String>,
    pub prefecture_code: Option<i16>,
    pub prefecture_name: Option<String>,
    pub is_member: bool,
    pub registration_completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The columns of `Physician`, over `physicians p` joined with `prefectures pr`.
pub(crate) const PHYSICIAN_COLUMNS: &str =
    "p.id, p.account_id, p.kanji_name, p.furigana, p.birth_date,
    p.sex, p.registry_number, p.phone, p.fax, p.postal_code, p.address, p.workplace,
    p.prefecture_code, pr.name AS prefecture_name, p.is_member, p.registration_completed_at";

pub async fn for_account(pool: &PgPool, account_id: i64) -> sqlx::Result<Option<Physician>> {
    sqlx::query_as(&format!(
        "SELECT {PHYSICIAN_COLUMNS}
         FROM physicians p LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
         WHERE p.account_id = $1"
    ))
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// The physician of an account with what the my page decides on: how many certifications
/// are linked to them and how many link reviews are still open.
#[derive(Debug, sqlx::FromRow)]
pub struct WithLinkCounts {
    #[sqlx(flatten)]
    pub physician: Physician,
    pub linked: i64,
    pub open_reviews: i64,
}

/// The statement of `for_account_with_link_counts` for the account given as an SQL
/// expression.
pub(crate) fn with_link_counts_sql(account: &str) -> String {
    format!(
        "SELECT {PHYSICIAN_COLUMNS},
                (SELECT count(*) FROM certifications WHERE physician_id = p.id) AS linked,
                (SELECT count(*) FROM link_reviews
                 WHERE physician_id = p.id AND status = 'open') AS open_reviews
         FROM physicians p LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
         WHERE p.account_id = {account}"
    )
}

/// `for_account` and `linking::counts` in one round trip (the my page opens most often).
pub async fn for_account_with_link_counts(
    pool: &PgPool,
    account_id: i64,
) -> sqlx::Result<Option<WithLinkCounts>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| with_link_counts_sql("$1"));
    sqlx::query_as(&SQL).bind(account_id).fetch_optional(pool).await
}

pub struct NewPhysician<'a> {
    pub account_id: Option<i64>,
    pub kanji_name: &'a str,
    pub furigana: &'a str,
    pub birth_date: NaiveDate,
    pub sex: &'a str,
    pub registry_number: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub fax: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub address: Option<&'a str>,
    pub workplace: Option<&'a str>,
    pub prefecture_code: Option<i16>,
    pub is_member: bool,
    pub member_association_id: Option<i64>,
    pub registration_completed_at: Option<Jst>,
}

pub async fn create(conn: &mut PgConnection, p: &NewPhysician<'_>, now: Jst) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex,
             registry_number, phone, fax, postal_code, address, workplace, prefecture_code,
             is_member, member_association_id, terms_version, terms_accepted_at,
             details_confirmed_at, registration_completed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                 CASE WHEN $15::timestamptz IS NULL THEN NULL ELSE '2025-01' END,
                 $15, $15, $15, $16, $16)
         RETURNING id",
    )
    .bind(p.account_id)
    .bind(p.kanji_name)
    .bind(p.furigana)
    .bind(p.birth_date)
    .bind(p.sex)
    .bind(p.registry_number)
    .bind(p.phone)
    .bind(p.fax)
    .bind(p.postal_code)
    .bind(p.address)
    .bind(p.workplace)
    .bind(p.prefecture_code)
    .bind(p.is_member)
    .bind(p.member_association_id)
    .bind(p.registration_completed_at)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// A certification with the term standing on the day asked (`certifications_on`).
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct Certification {
    pub id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub term_id: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub origin: String,
    pub next_term_id: Option<i64>,
    pub next_valid_from: Option<NaiveDate>,
    pub next_valid_until: Option<NaiveDate>,
    pub status: crate::domain::record_status::CertificationStatus,
}

/// The statement of `certifications` for the physician and date given as SQL expressions.
pub(crate) fn certifications_sql(physician: &str, on: &str) -> String {
    format!(
        "SELECT id, programme, certificate_number, term_id, valid_from, valid_until, origin,
                next_term_id, next_valid_from, next_valid_until, status
         FROM certifications_on({on}) WHERE physician_id = {physician}
         ORDER BY programme, valid_until DESC"
    )
}

/// A physician's certifications as they stand on `on`.
pub async fn certifications(
    pool: &PgPool,
    physician_id: i64,
    on: NaiveDate,
) -> sqlx::Result<Vec<Certification>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| certifications_sql("$1", "$2"));
    sqlx::query_as(&SQL).bind(physician_id).bind(on).fetch_all(pool).await
}

pub struct NewCertification<'a> {
    pub programme: &'a str,
    pub certificate_number: &'a str,
    pub registry_number: &'a str,
    pub birth_date: NaiveDate,
    pub physician_id: Option<i64>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// A certification imported from the old system, with its term in force.
pub async fn create_certification(
    conn: &mut PgConnection,
    c: &NewCertification<'_>,
    now: Jst,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO certifications (programme, certificate_number, registry_number, birth_date,
             physician_id, linked_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::bigint IS NULL THEN NULL ELSE $6 END, $6, $6)
         RETURNING id",
    )
    .bind(c.programme)
    .bind(c.certificate_number)
    .bind(c.registry_number)
    .bind(c.birth_date)
    .bind(c.physician_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    crate::db::terms::insert(
        conn,
        id,
        c.valid_from,
        c.valid_until,
        crate::domain::terms::Origin::Imported,
        None,
        now,
    )
    .await?;
    Ok(id)
}

/// Where a physician's account stands on the way to 登録完了.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationRow {
    pub physician_id: i64,
    pub terms_accepted: bool,
    pub must_change_password: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub details_confirmed: bool,
    pub registration_completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn registration(
    conn: &mut PgConnection,
    account_id: i64,
) -> sqlx::Result<Option<RegistrationRow>> {
    sqlx::query_as(
        "SELECT p.id AS physician_id,
                EXISTS (SELECT 1 FROM terms_acceptances t
                        WHERE t.account_id = a.id
                          AND t.version = (SELECT version FROM terms_versions
                                           ORDER BY effective_from DESC LIMIT 1)) AS terms_accepted,
                a.must_change_password, a.email, a.email_verified_at IS NOT NULL AS email_verified,
                p.details_confirmed_at IS NOT NULL AS details_confirmed,
                p.registration_completed_at
         FROM accounts a JOIN physicians p ON p.account_id = a.id
         WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Terms {
    pub version: String,
    pub title: String,
    pub body: String,
}

pub async fn current_terms(conn: &mut PgConnection) -> sqlx::Result<Terms> {
    sqlx::query_as(
        "SELECT version, title, body FROM terms_versions ORDER BY effective_from DESC LIMIT 1",
    )
    .fetch_one(conn)
    .await
}

pub async fn accept_terms(
    conn: &mut PgConnection,
    account_id: i64,
    version: &str,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO terms_acceptances (account_id, version, accepted_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, version) DO NOTHING",
    )
    .bind(account_id)
    .bind(version)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE physicians SET terms_version = $2, terms_accepted_at = $3, updated_at = $3
         WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(version)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The physician holding a 医籍登録番号, other than `except`.
pub async fn registry_number_holder(
    conn: &mut PgConnection,
    registry_number: &str,
    except: Option<i64>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM physicians WHERE registry_number = $1 AND ($2::bigint IS NULL OR id <> $2)",
    )
    .bind(registry_number)
    .bind(except)
    .fetch_optional(conn)
    .await
}

/// A physician's details as a JSON object (for audit before/after).
pub async fn details_json(
    conn: &mut PgConnection,
    physician_id: i64,
) -> sqlx::Result<serde_json::Value> {
    sqlx::query_scalar(
        "SELECT jsonb_build_object('kanji_name', kanji_name, 'furigana', furigana,
                'birth_date', birth_date, 'sex', sex, 'registry_number', registry_number,
                'phone', phone, 'fax', fax, 'postal_code', postal_code,
                'prefecture_code', prefecture_code, 'address', address, 'workplace', workplace)
         FROM physicians WHERE id = $1",
    )
    .bind(physician_id)
    .fetch_one(conn)
    .await
}

/// Saves reviewed details and marks them confirmed.
pub async fn confirm_details(
    conn: &mut PgConnection,
    physician_id: i64,
    d: &crate::domain::registration::Details,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE physicians SET kanji_name = $2, furigana = $3, birth_date = $4, sex = $5,
                registry_number = $6, phone = $7, fax = $8, postal_code = $9,
                prefecture_code = $10, address = $11, workplace = $12,
                details_confirmed_at = $13, updated_at = $13
         WHERE id = $1",
    )
    .bind(physician_id)
    .bind(&d.kanji_name)
    .bind(&d.furigana)
    .bind(d.birth_date)
    .bind(d.sex.code())
    .bind(d.registry_number.as_str())
    .bind(&d.phone)
    .bind(&d.fax)
    .bind(&d.postal_code)
    .bind(d.prefecture_code)
    .bind(&d.address)
    .bind(&d.workplace)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // The name in the header and in mails follows the corrected name.
    sqlx::query(
        "UPDATE accounts SET display_name = $2, updated_at = $3
         WHERE id = (SELECT account_id FROM physicians WHERE id = $1)",
    )
    .bind(physician_id)
    .bind(&d.kanji_name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn complete_registration(
    conn: &mut PgConnection,
    physician_id: i64,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE physicians SET registration_completed_at = $2, updated_at = $2
         WHERE id = $1 AND registration_completed_at IS NULL",
    )
    .bind(physician_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A self-registered physician (非会員), complete at once.
pub async fn create_registered(
    conn: &mut PgConnection,
    account_id: i64,
    d: &crate::domain::registration::Details,
    terms_version: &str,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex,
             registry_number, phone, fax, postal_code, address, workplace, prefecture_code,
             is_member, terms_version, terms_accepted_at, details_confirmed_at,
             registration_completed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, FALSE, $13,
                 $14, $14, $14, $14, $14)
         RETURNING id",
    )
    .bind(account_id)
    .bind(&d.kanji_name)
    .bind(&d.furigana)
    .bind(d.birth_date)
    .bind(d.sex.code())
    .bind(d.registry_number.as_str())
    .bind(&d.phone)
    .bind(&d.fax)
    .bind(&d.postal_code)
    .bind(&d.address)
    .bind(&d.workplace)
    .bind(d.prefecture_code)
    .bind(terms_version)
    .bind(now)
    .fetch_one(conn)
    .await
}
