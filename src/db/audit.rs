//! The audit log: who did what to which record, on whose behalf, when and from where.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

/// Who is acting, taken from the request: written into every entry.
#[derive(Clone, Debug, Default)]
pub struct Who {
    pub actor_account_id: Option<i64>,
    /// The physician's account when staff act for them (代理入力).
    pub on_behalf_of_account_id: Option<i64>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

pub struct Entry<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(
    conn: &mut PgConnection,
    who: &Who,
    at: Jst,
    entry: Entry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_account_id, on_behalf_of_account_id, action,
                                entity_type, entity_id, before, after, ip, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::inet, $10)",
    )
    .bind(at)
    .bind(who.actor_account_id)
    .bind(who.on_behalf_of_account_id)
    .bind(entry.action)
    .bind(entry.entity_type)
    .bind(entry.entity_id)
    .bind(entry.before)
    .bind(entry.after)
    .bind(who.ip.as_deref())
    .bind(who.request_id.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_login_id: Option<String>,
    pub on_behalf_of_login_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub action_prefix: Option<String>,
    pub actor_login_id: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
}

/// Newest first; `before_id` pages backwards (keyset pagination stays fast on a long log).
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    before_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(
        "SELECT l.id, l.at, a.login_id AS actor_login_id, b.login_id AS on_behalf_of_login_id,
                l.action, l.entity_type, l.entity_id, l.before, l.after,
                host(l.ip) AS ip, l.request_id
         FROM audit_log l
         LEFT JOIN accounts a ON a.id = l.actor_account_id
         LEFT JOIN accounts b ON b.id = l.on_behalf_of_account_id
         WHERE ($1::text IS NULL OR l.action LIKE $1 || '%')
           AND ($2::text IS NULL OR lower(a.login_id) = lower($2))
           AND ($3::text IS NULL OR l.entity_type = $3)
           AND ($4::text IS NULL OR l.entity_id = $4)
           AND ($5::bigint IS NULL OR l.id < $5)
         ORDER BY l.id DESC
         LIMIT $6",
    )
    .bind(filter.action_prefix.as_deref())
    .bind(filter.actor_login_id.as_deref())
    .bind(filter.entity_type.as_deref())
    .bind(filter.entity_id.as_deref())
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
