//! Requests to change identity fields (氏名, フリガナ, 生年月日, 性別, 医籍登録番号), which take
//! effect only when staff approve them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

/// The requested new values; only fields that differ from the record are present. This is the
/// shape of `change_requests.changes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kanji_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub furigana: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// `male` or `female`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_number: Option<String>,
}

impl IdentityChanges {
    pub fn is_empty(&self) -> bool {
        self == &IdentityChanges::default()
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeRequest {
    pub id: i64,
    pub physician_id: i64,
    pub requested_by: i64,
    pub changes: Json<IdentityChanges>,
    pub reason: String,
    pub status: crate::domain::record_status::ChangeRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
}

const COLUMNS: &str = "id, physician_id, requested_by, changes, reason, status, created_at,
    decided_at, decision_comment";

/// Files a request; None when the physician already has a pending one.
pub async fn create(
    conn: &mut PgConnection,
    physician_id: i64,
    requested_by: i64,
    changes: &IdentityChanges,
    reason: &str,
    now: Jst,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO change_requests (physician_id, requested_by, changes, reason, status,
                                      created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5)
         ON CONFLICT (physician_id) WHERE status = 'pending' DO NOTHING
         RETURNING id",
    )
    .bind(physician_id)
    .bind(requested_by)
    .bind(Json(changes))
    .bind(reason)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// A physician's requests, newest first.
pub async fn for_physician(
    pool: &PgPool,
    physician_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<ChangeRequest>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM change_requests WHERE physician_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(physician_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Withdraws the physician's own pending request; None if it is not theirs or not pending.
pub async fn withdraw(
    conn: &mut PgConnection,
    id: i64,
    physician_id: i64,
    account_id: i64,
    now: Jst,
) -> sqlx::Result<Option<ChangeRequest>> {
    sqlx::query_as(&format!(
        "UPDATE change_requests SET status = 'withdrawn', decided_at = $4, decided_by = $3
         WHERE id = $1 AND physician_id = $2 AND status = 'pending'
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(physician_id)
    .bind(account_id)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// A pending request as the staff list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PendingRow {
    pub id: i64,
    pub physician_id: i64,
    pub account_id: Option<i64>,
    pub prefecture_code: Option<i16>,
    pub prefecture_name: Option<String>,
    pub kanji_name: String,
    pub furigana: String,
    pub changes: Json<IdentityChanges>,
    pub created_at: DateTime<Utc>,
}

/// Pending requests, oldest first; `prefecture` limits them to physicians of one prefecture
/// (None: every prefecture).
pub async fn pending(pool: &PgPool, prefecture: Option<i16>) -> sqlx::Result<Vec<PendingRow>> {
    sqlx::query_as(
        "SELECT r.id, r.physician_id, p.account_id, p.prefecture_code,
                pr.name AS prefecture_name, p.kanji_name, p.furigana, r.changes, r.created_at
         FROM change_requests r
         JOIN physicians p ON p.id = r.physician_id
         LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
         WHERE r.status = 'pending'
           AND ($1::smallint IS NULL OR p.prefecture_code = $1)
         ORDER BY r.created_at, r.id",
    )
    .bind(prefecture)
    .fetch_all(pool)
    .await
}

/// One request with the decider's name (for the detail page).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Detail {
    pub id: i64,
    pub physician_id: i64,
    pub changes: Json<IdentityChanges>,
    pub reason: String,
    pub status: crate::domain::record_status::ChangeRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
    pub decided_by_name: Option<String>,
}

pub async fn detail(pool: &PgPool, id: i64) -> sqlx::Result<Option<Detail>> {
    sqlx::query_as(
        "SELECT r.id, r.physician_id, r.changes, r.reason, r.status, r.created_at, r.decided_at,
                r.decision_comment, a.display_name AS decided_by_name
         FROM change_requests r LEFT JOIN accounts a ON a.id = r.decided_by
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The request, row-locked until the caller's transaction ends, so two staff deciding at once
/// take turns and the second sees the first's decision.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ChangeRequest>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM change_requests WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Records a decision on a pending request (approved or rejected).
pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    status: crate::domain::record_status::ChangeRequestStatus,
    decided_by: i64,
    comment: Option<&str>,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE change_requests
         SET status = $2, decided_by = $3, decision_comment = $4, decided_at = $5
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(decided_by)
    .bind(comment)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Another physician already holds this 医籍登録番号.
pub async fn registry_number_taken(
    conn: &mut PgConnection,
    registry_number: &str,
    except_physician_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM physicians WHERE registry_number = $1 AND id <> $2)",
    )
    .bind(registry_number)
    .bind(except_physician_id)
    .fetch_one(conn)
    .await
}

/// Writes the approved values into the physician record (absent fields stay as they are).
pub async fn apply(
    conn: &mut PgConnection,
    physician_id: i64,
    c: &IdentityChanges,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE physicians
         SET kanji_name = COALESCE($2, kanji_name), furigana = COALESCE($3, furigana),
             birth_date = COALESCE($4, birth_date), sex = COALESCE($5, sex),
             registry_number = COALESCE($6, registry_number), updated_at = $7
         WHERE id = $1",
    )
    .bind(physician_id)
    .bind(&c.kanji_name)
    .bind(&c.furigana)
    .bind(c.birth_date)
    .bind(&c.sex)
    .bind(&c.registry_number)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The staff member who filed this request while acting for the physician (代理入力), if any.
pub async fn proxy_filer(conn: &mut PgConnection, request_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT actor_account_id FROM audit_log
         WHERE action = 'change_request.create' AND entity_type = 'change_request'
           AND entity_id = $1::text AND on_behalf_of_account_id IS NOT NULL
         ORDER BY id LIMIT 1",
    )
    .bind(request_id)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}
