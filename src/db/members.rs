//! Members imported by staff (医師会員): import batches, their accounts and physician records,
//! and the postcards that carry each member's login ID and initial password.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::db::{accounts, physicians};
use crate::domain::role::Role;

/// A prefectural or municipal association, to resolve 所属医師会 by name.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssociationRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub prefecture_code: i16,
}

pub async fn regional_associations(conn: &mut PgConnection) -> sqlx::Result<Vec<AssociationRow>> {
    sqlx::query_as(
        "SELECT id, kind, name, prefecture_code FROM associations
         WHERE kind IN ('prefectural', 'municipal') AND prefecture_code IS NOT NULL
         ORDER BY id",
    )
    .fetch_all(conn)
    .await
}

/// Which of these 医籍登録番号 already belong to a physician.
pub async fn registry_numbers_in_use(
    conn: &mut PgConnection,
    numbers: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT registry_number FROM physicians WHERE registry_number = ANY($1::text[])",
    )
    .bind(numbers)
    .fetch_all(conn)
    .await
}

/// Which of these login IDs are taken (compared without case, as login does).
pub async fn login_ids_taken(
    conn: &mut PgConnection,
    login_ids: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT lower(login_id) FROM accounts
         WHERE lower(login_id) = ANY(SELECT lower(x) FROM unnest($1::text[]) AS x)",
    )
    .bind(login_ids)
    .fetch_all(conn)
    .await
}

pub async fn create_batch(
    conn: &mut PgConnection,
    association_id: i64,
    imported_by: i64,
    file_name: &str,
    rows_imported: i32,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO member_import_batches
             (association_id, imported_by, file_name, rows_imported, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(association_id)
    .bind(imported_by)
    .bind(file_name)
    .bind(rows_imported)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub struct NewMember<'a> {
    pub login_id: &'a str,
    pub password_hash: &'a str,
    pub initial_password: &'a str,
    pub kanji_name: &'a str,
    pub furigana: &'a str,
    pub birth_date: NaiveDate,
    pub sex: &'a str,
    pub registry_number: &'a str,
    pub phone: Option<&'a str>,
    pub fax: Option<&'a str>,
    pub postal_code: &'a str,
    pub address: &'a str,
    pub prefecture_code: i16,
    pub member_association_id: i64,
}

pub struct CreatedMember {
    pub account_id: i64,
    pub physician_id: i64,
}

/// One member: an account that must change its password, a physician record whose
/// registration is not complete yet, and the postcard with the initial password.
pub async fn create_member(
    conn: &mut PgConnection,
    batch_id: i64,
    m: &NewMember<'_>,
    now: Jst,
) -> sqlx::Result<CreatedMember> {
    let account_id = accounts::create(
        conn,
        &accounts::NewAccount {
            login_id: m.login_id,
            password_hash: m.password_hash,
            role: Role::Physician,
            display_name: m.kanji_name,
            email: None,
            must_change_password: true,
        },
        now,
    )
    .await?;
    let physician_id = physicians::create(
        conn,
        &physicians::NewPhysician {
            account_id: Some(account_id),
            kanji_name: m.kanji_name,
            furigana: m.furigana,
            birth_date: m.birth_date,
            sex: m.sex,
            registry_number: Some(m.registry_number),
            phone: m.phone,
            fax: m.fax,
            postal_code: Some(m.postal_code),
            address: Some(m.address),
            workplace: None,
            prefecture_code: Some(m.prefecture_code),
            is_member: true,
            member_association_id: Some(m.member_association_id),
            registration_completed_at: None,
        },
        now,
    )
    .await?;
    sqlx::query(
        "INSERT INTO member_postcards (account_id, batch_id, initial_password, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(batch_id)
    .bind(m.initial_password)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(CreatedMember { account_id, physician_id })
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Batch {
    pub id: i64,
    pub association_id: i64,
    pub association_name: String,
    pub imported_by_name: String,
    pub file_name: String,
    pub rows_imported: i32,
    /// Postcards still holding an initial password (members who have not logged in yet).
    pub postcards_remaining: i64,
    pub created_at: DateTime<Utc>,
}

const BATCH_SELECT: &str = "
    SELECT b.id, b.association_id, s.name AS association_name,
           a.display_name AS imported_by_name, b.file_name, b.rows_imported,
           (SELECT count(*) FROM member_postcards c WHERE c.batch_id = b.id) AS postcards_remaining,
           b.created_at
    FROM member_import_batches b
    JOIN associations s ON s.id = b.association_id
    JOIN accounts a ON a.id = b.imported_by";

pub async fn batch(pool: &PgPool, id: i64) -> sqlx::Result<Option<Batch>> {
    sqlx::query_as(&format!("{BATCH_SELECT} WHERE b.id = $1")).bind(id).fetch_optional(pool).await
}

/// The newest batches of one association (None: every association, for JMA).
pub async fn recent_batches(
    pool: &PgPool,
    association_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Batch>> {
    sqlx::query_as(&format!(
        "{BATCH_SELECT} WHERE ($1::bigint IS NULL OR b.association_id = $1)
         ORDER BY b.id DESC LIMIT $2"
    ))
    .bind(association_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// What goes on one postcard.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Postcard {
    pub account_id: i64,
    pub login_id: String,
    pub initial_password: String,
    pub kanji_name: String,
    pub registry_number: Option<String>,
    pub postal_code: Option<String>,
    pub prefecture_code: Option<i16>,
    pub address: Option<String>,
    pub member_association_name: Option<String>,
}

/// The postcards of a batch whose initial password has not been replaced yet.
pub async fn postcards(pool: &PgPool, batch_id: i64) -> sqlx::Result<Vec<Postcard>> {
    sqlx::query_as(
        "SELECT c.account_id, a.login_id, c.initial_password, p.kanji_name, p.registry_number,
                p.postal_code, p.prefecture_code, p.address,
                s.name AS member_association_name
         FROM member_postcards c
         JOIN accounts a ON a.id = c.account_id
         JOIN physicians p ON p.account_id = c.account_id
         LEFT JOIN associations s ON s.id = p.member_association_id
         WHERE c.batch_id = $1
         ORDER BY p.postal_code NULLS LAST, c.account_id",
    )
    .bind(batch_id)
    .fetch_all(pool)
    .await
}
