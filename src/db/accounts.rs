//! Accounts, staff memberships and the association each staff member acts for.

use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::domain::role::{Actor, AssociationKind, AssociationRef, Role};

#[derive(Debug, sqlx::FromRow)]
pub struct LoginRow {
    pub id: i64,
    pub password_hash: String,
    pub disabled: bool,
    pub role: String,
    /// A member still on the postcard's initial password: until when it works.
    pub postcard_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The hash of the password an earlier, reissued postcard carried.
    pub postcard_superseded_hash: Option<String>,
}

pub async fn find_for_login(pool: &PgPool, login_id: &str) -> sqlx::Result<Option<LoginRow>> {
    sqlx::query_as(
        "SELECT a.id, a.password_hash, a.disabled_at IS NOT NULL AS disabled, a.role,
                c.expires_at AS postcard_expires_at,
                c.superseded_hash AS postcard_superseded_hash
         FROM accounts a LEFT JOIN member_postcards c ON c.account_id = a.id
         WHERE lower(a.login_id) = lower($1)",
    )
    .bind(login_id)
    .fetch_optional(pool)
    .await
}

/// The signed-in user, loaded on every request (so a disabled account stops at once).
#[derive(Clone, Debug)]
pub struct CurrentAccount {
    pub id: i64,
    pub login_id: String,
    pub role: Role,
    pub display_name: String,
    pub email: Option<String>,
    pub must_change_password: bool,
    pub association: Option<AssociationRef>,
}

impl CurrentAccount {
    pub fn actor(&self) -> Actor {
        Actor { account_id: self.id, role: self.role, association: self.association.clone() }
    }
}

#[derive(sqlx::FromRow)]
struct CurrentRow {
    id: i64,
    login_id: String,
    role: String,
    display_name: String,
    email: Option<String>,
    must_change_password: bool,
    association_id: Option<i64>,
    association_kind: Option<String>,
    association_name: Option<String>,
    prefecture_code: Option<i16>,
}

pub async fn load_current(pool: &PgPool, id: i64) -> sqlx::Result<Option<CurrentAccount>> {
    let row: Option<CurrentRow> = sqlx::query_as(
        "SELECT a.id, a.login_id, a.role, a.display_name, a.email, a.must_change_password,
                s.id AS association_id, s.kind AS association_kind, s.name AS association_name,
                s.prefecture_code
         FROM accounts a
         LEFT JOIN staff_memberships m ON m.account_id = a.id
         LEFT JOIN associations s ON s.id = m.association_id
         WHERE a.id = $1 AND a.disabled_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        let role = Role::from_code(&r.role)?;
        let association = match (r.association_id, r.association_kind, r.association_name) {
            (Some(id), Some(kind), Some(name)) => Some(AssociationRef {
                id,
                kind: AssociationKind::from_code(&kind)?,
                name,
                prefecture_code: r.prefecture_code,
            }),
            _ => None,
        };
        Some(CurrentAccount {
            id: r.id,
            login_id: r.login_id,
            role,
            display_name: r.display_name,
            email: r.email,
            must_change_password: r.must_change_password,
            association,
        })
    }))
}

pub struct NewAccount<'a> {
    pub login_id: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub must_change_password: bool,
}

pub async fn create(conn: &mut PgConnection, new: &NewAccount<'_>, now: Jst) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO accounts (login_id, password_hash, role, display_name, email,
                               email_verified_at, must_change_password, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 IS NULL THEN NULL ELSE $6 END, $7, $6, $6)
         RETURNING id",
    )
    .bind(new.login_id)
    .bind(new.password_hash)
    .bind(new.role.code())
    .bind(new.display_name)
    .bind(new.email)
    .bind(now)
    .bind(new.must_change_password)
    .fetch_one(conn)
    .await
}

pub async fn add_membership(
    conn: &mut PgConnection,
    account_id: i64,
    association_id: i64,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO staff_memberships (account_id, association_id, since) VALUES ($1, $2, $3)",
    )
    .bind(account_id)
    .bind(association_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn password_hash(conn: &mut PgConnection, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(conn)
        .await
}

pub async fn set_password(
    conn: &mut PgConnection,
    id: i64,
    password_hash: &str,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET password_hash = $2, must_change_password = FALSE, updated_at = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM accounts").fetch_one(pool).await
}

/// The association of a kind: JMA, a prefecture's, or a municipal one by name.
pub async fn association_id(
    conn: &mut PgConnection,
    kind: AssociationKind,
    prefecture_code: Option<i16>,
    name: Option<&str>,
) -> sqlx::Result<Option<i64>> {
    let kind = match kind {
        AssociationKind::Jma => "jma",
        AssociationKind::Prefectural => "prefectural",
        AssociationKind::Municipal => "municipal",
    };
    sqlx::query_scalar(
        "SELECT id FROM associations
         WHERE kind = $1
           AND ($2::smallint IS NULL OR prefecture_code = $2)
           AND ($3::text IS NULL OR name = $3)
         ORDER BY id LIMIT 1",
    )
    .bind(kind)
    .bind(prefecture_code)
    .bind(name)
    .fetch_optional(conn)
    .await
}

pub async fn create_municipal_association(
    conn: &mut PgConnection,
    name: &str,
    prefecture_code: i16,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO associations (kind, name, prefecture_code, parent_id)
         SELECT 'municipal', $1, $2, p.id FROM associations p
         WHERE p.kind = 'prefectural' AND p.prefecture_code = $2
         RETURNING id",
    )
    .bind(name)
    .bind(prefecture_code)
    .fetch_one(conn)
    .await
}

pub async fn login_id_taken(conn: &mut PgConnection, login_id: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(login_id) = lower($1))")
        .bind(login_id)
        .fetch_one(conn)
        .await
}

pub async fn email_in_use(conn: &mut PgConnection, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM accounts
                        WHERE lower(email) = lower($1) AND email_verified_at IS NOT NULL)",
    )
    .bind(email)
    .fetch_one(conn)
    .await
}

/// Records a confirmed e-mail address.
pub async fn set_verified_email(
    conn: &mut PgConnection,
    id: i64,
    email: &str,
    now: Jst,
) -> sqlx::Result<Option<String>> {
    let before: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE accounts a SET email = $2, email_verified_at = $3, updated_at = $3
         FROM (SELECT id, email FROM accounts WHERE id = $1 FOR UPDATE) old
         WHERE a.id = old.id RETURNING old.email",
    )
    .bind(id)
    .bind(email)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(before.flatten())
}

/// The printed initial password is no longer needed once the physician chose their own.
pub async fn forget_initial_password(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM member_postcards WHERE account_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
