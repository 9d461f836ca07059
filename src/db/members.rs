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
/// registration is not complete yet, and the postcard, whose initial password is issued
/// only when it is printed.
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
        "INSERT INTO member_postcards (account_id, batch_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(account_id)
    .bind(batch_id)
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
    /// Of those, the postcards printed (their password issued).
    pub postcards_printed: i64,
    /// The last printing, and until when its passwords work.
    pub last_printed_at: Option<DateTime<Utc>>,
    pub last_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const BATCH_SELECT: &str = "
    SELECT b.id, b.association_id, s.name AS association_name,
           a.display_name AS imported_by_name, b.file_name, b.rows_imported,
           c.remaining AS postcards_remaining, c.printed AS postcards_printed,
           c.last_printed_at, c.last_expires_at, b.created_at
    FROM member_import_batches b
    JOIN associations s ON s.id = b.association_id
    JOIN accounts a ON a.id = b.imported_by
    CROSS JOIN LATERAL (
        SELECT count(*) AS remaining, count(c.issued_at) AS printed,
               max(c.issued_at) AS last_printed_at, max(c.expires_at) AS last_expires_at
        FROM member_postcards c WHERE c.batch_id = b.id) c";

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

/// What goes on one postcard (its password exists only while it is printed).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Postcard {
    pub account_id: i64,
    pub login_id: String,
    pub kanji_name: String,
    pub registry_number: Option<String>,
    pub postal_code: Option<String>,
    pub prefecture_code: Option<i16>,
    pub address: Option<String>,
    pub member_association_name: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
}

const POSTCARD_SELECT: &str = "
    SELECT c.account_id, a.login_id, p.kanji_name, p.registry_number,
           p.postal_code, p.prefecture_code, p.address,
           s.name AS member_association_name, c.issued_at
    FROM member_postcards c
    JOIN accounts a ON a.id = c.account_id
    JOIN physicians p ON p.account_id = c.account_id
    LEFT JOIN associations s ON s.id = p.member_association_id
    WHERE c.batch_id = $1";

/// The postcards of a batch whose member has not chosen their own password yet.
pub async fn postcards(pool: &PgPool, batch_id: i64) -> sqlx::Result<Vec<Postcard>> {
    sqlx::query_as(&format!("{POSTCARD_SELECT} ORDER BY p.postal_code NULLS LAST, c.account_id"))
        .bind(batch_id)
        .fetch_all(pool)
        .await
}

/// The same, locked for printing: two clerks printing at once get one printing after the
/// other, never two sets of passwords of which only one works.
pub async fn lock_postcards(conn: &mut PgConnection, batch_id: i64) -> sqlx::Result<Vec<Postcard>> {
    sqlx::query_as(&format!(
        "{POSTCARD_SELECT} ORDER BY p.postal_code NULLS LAST, c.account_id FOR UPDATE OF c, a"
    ))
    .bind(batch_id)
    .fetch_all(conn)
    .await
}

/// Issues new initial passwords (their hashes, in `account_ids` order): each account's hash is
/// replaced, and the postcard records the printing, the expiry and the hash it replaced when
/// that one had been printed (a reissue).
pub async fn issue_passwords(
    conn: &mut PgConnection,
    account_ids: &[i64],
    hashes: &[String],
    issued_at: Jst,
    expires_at: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE member_postcards c
         SET superseded_hash = CASE WHEN c.issued_at IS NULL THEN NULL ELSE a.password_hash END,
             issued_at = $2, expires_at = $3, issue_count = c.issue_count + 1
         FROM accounts a
         WHERE a.id = c.account_id AND c.account_id = ANY($1::bigint[])",
    )
    .bind(account_ids)
    .bind(issued_at)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE accounts a SET password_hash = n.hash, updated_at = $3
         FROM unnest($1::bigint[], $2::text[]) AS n(id, hash)
         WHERE a.id = n.id",
    )
    .bind(account_ids)
    .bind(hashes)
    .bind(issued_at)
    .execute(conn)
    .await?;
    Ok(())
}
