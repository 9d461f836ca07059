//! A physician's own profile: contact details, e-mail address, password recovery look-ups and
//! the change history drawn from the audit log.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::db::physicians::{Physician, PHYSICIAN_COLUMNS};

/// The physician record of an account, row-locked for the caller's transaction.
pub async fn physician_for_update(
    conn: &mut PgConnection,
    account_id: i64,
) -> sqlx::Result<Option<Physician>> {
    sqlx::query_as(&format!(
        "SELECT {PHYSICIAN_COLUMNS}
         FROM physicians p LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
         WHERE p.account_id = $1
         FOR UPDATE OF p"
    ))
    .bind(account_id)
    .fetch_optional(conn)
    .await
}

/// A physician by id (staff pages).
pub async fn physician_by_id(pool: &PgPool, physician_id: i64) -> sqlx::Result<Option<Physician>> {
    sqlx::query_as(&format!(
        "SELECT {PHYSICIAN_COLUMNS}
         FROM physicians p LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
         WHERE p.id = $1"
    ))
    .bind(physician_id)
    .fetch_optional(pool)
    .await
}

/// A physician by id, row-locked (staff decisions).
pub async fn physician_by_id_for_update(
    conn: &mut PgConnection,
    physician_id: i64,
) -> sqlx::Result<Option<Physician>> {
    sqlx::query_as(&format!(
        "SELECT {PHYSICIAN_COLUMNS}
         FROM physicians p LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
         WHERE p.id = $1
         FOR UPDATE OF p"
    ))
    .bind(physician_id)
    .fetch_optional(conn)
    .await
}

/// Contact details a physician changes without approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub postal_code: Option<String>,
    pub prefecture_code: i16,
    pub address: String,
    pub workplace: Option<String>,
}

pub async fn update_contact(
    conn: &mut PgConnection,
    physician_id: i64,
    c: &Contact,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE physicians SET phone = $2, fax = $3, postal_code = $4, prefecture_code = $5,
                address = $6, workplace = $7, updated_at = $8
         WHERE id = $1",
    )
    .bind(physician_id)
    .bind(&c.phone)
    .bind(&c.fax)
    .bind(&c.postal_code)
    .bind(c.prefecture_code)
    .bind(&c.address)
    .bind(&c.workplace)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountEmail {
    pub email: Option<String>,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub display_name: String,
    pub login_id: String,
}

/// An enabled account's login ID, name and address.
pub async fn account_email(
    conn: &mut PgConnection,
    account_id: i64,
) -> sqlx::Result<Option<AccountEmail>> {
    sqlx::query_as(
        "SELECT email, email_verified_at, display_name, login_id FROM accounts
         WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await
}

/// Sets a confirmed address; returns the previous one (None when the account is gone).
pub async fn set_verified_email(
    conn: &mut PgConnection,
    account_id: i64,
    email: &str,
    now: Jst,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar(
        "UPDATE accounts a SET email = $2, email_verified_at = $3, updated_at = $3
         FROM (SELECT id, email FROM accounts WHERE id = $1 AND disabled_at IS NULL FOR UPDATE) old
         WHERE a.id = old.id
         RETURNING old.email",
    )
    .bind(account_id)
    .bind(email)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// The physician's display name follows an approved change of 氏名.
pub async fn set_display_name(
    conn: &mut PgConnection,
    account_id: i64,
    display_name: &str,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET display_name = $2, updated_at = $3 WHERE id = $1")
        .bind(account_id)
        .bind(display_name)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RecoveryAccount {
    pub id: i64,
    pub login_id: String,
    pub display_name: String,
    pub email: String,
}

/// Enabled accounts whose confirmed address is `email` (case-insensitive).
pub async fn accounts_with_verified_email(
    conn: &mut PgConnection,
    email: &str,
) -> sqlx::Result<Vec<RecoveryAccount>> {
    sqlx::query_as(
        "SELECT id, login_id, display_name, email FROM accounts
         WHERE lower(email) = lower($1) AND email_verified_at IS NOT NULL
           AND disabled_at IS NULL
         ORDER BY id",
    )
    .bind(email)
    .fetch_all(conn)
    .await
}

/// Password-reset links issued to an address since `since` (the abuse throttle).
pub async fn reset_tokens_since(
    conn: &mut PgConnection,
    email: &str,
    since: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM mail_tokens
         WHERE purpose = 'reset_password' AND lower(email) = lower($1) AND created_at > $2",
    )
    .bind(email)
    .bind(since)
    .fetch_one(conn)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct HistoryRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// The actor was the physician themself.
    pub by_self: bool,
    /// Staff entered it for the physician (代理入力).
    pub on_behalf: bool,
    /// The actor was a staff member (a decision or proxy entry).
    pub by_staff: bool,
    /// The staff actor's association (named in the history, never 「ご本人」).
    pub staff_association: Option<String>,
}

/// Changes to a physician's own records, newest first: their account, their physician record,
/// their change requests, and anything staff entered on their behalf. Logins are left out.
pub async fn history(
    pool: &PgPool,
    account_id: i64,
    physician_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as(
        "SELECT l.id, l.at, l.action, l.before, l.after,
                l.actor_account_id IS NOT DISTINCT FROM $1 AS by_self,
                l.on_behalf_of_account_id IS NOT DISTINCT FROM $1 AS on_behalf,
                COALESCE(a.role <> 'physician', FALSE) AS by_staff,
                s.name AS staff_association
         FROM audit_log l
         LEFT JOIN accounts a ON a.id = l.actor_account_id
         LEFT JOIN staff_memberships m ON m.account_id = l.actor_account_id
         LEFT JOIN associations s ON s.id = m.association_id
         WHERE l.action NOT LIKE 'auth.%'
           AND ((l.entity_type = 'account' AND l.entity_id = $1::text)
                OR ($2::bigint IS NOT NULL AND l.entity_type = 'physician'
                    AND l.entity_id = $2::text)
                OR ($2::bigint IS NOT NULL AND l.entity_type = 'change_request'
                    AND l.entity_id IN (SELECT id::text FROM change_requests
                                        WHERE physician_id = $2))
                OR l.on_behalf_of_account_id = $1)
         ORDER BY l.at DESC, l.id DESC
         LIMIT $3",
    )
    .bind(account_id)
    .bind(physician_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
