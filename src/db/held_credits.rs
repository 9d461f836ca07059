//! Held credits (issue 10, part 2): the 医籍登録番号 matches a registered physician but the
//! birth date does not. Staff of the approving prefecture (or JMA) attach them to that
//! physician or reject them with a reason the organizer reads on the work page. Also what the
//! physician and the deadline watch see of credits not (yet) attached.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::clock::Jst;

/// One held attendee of one seminar beside the physician it nearly matches.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HeldCredit {
    pub seminar_id: i64,
    pub seminar_title: String,
    pub starts_on: NaiveDate,
    pub approving_prefecture_code: i16,
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    /// 「生涯研修 更新 1.0、…」 as category codes and units: "lifelong_renewal=1.0,…".
    pub units: String,
    pub registered_at: DateTime<Utc>,
    pub physician_id: Option<i64>,
    pub physician_name: Option<String>,
    pub physician_furigana: Option<String>,
    pub physician_birth_date: Option<NaiveDate>,
    pub physician_email: Option<String>,
    /// The seminar's contact, who is told when a held credit is rejected.
    pub contact_name: String,
    pub contact_email: String,
}

const HELD_SELECT: &str = "
    SELECT c.seminar_id, s.title AS seminar_title, s.starts_on, s.approving_prefecture_code,
           c.registry_number, min(c.kanji_name) AS kanji_name, min(c.furigana) AS furigana,
           min(c.birth_date) AS birth_date,
           string_agg(c.category || '=' || c.units::text, ',' ORDER BY c.category) AS units,
           min(c.registered_at) AS registered_at,
           p.id AS physician_id, p.kanji_name AS physician_name,
           p.furigana AS physician_furigana, p.birth_date AS physician_birth_date,
           a.email AS physician_email, s.contact_name, s.contact_email
    FROM credits c
    JOIN seminars s ON s.id = c.seminar_id
    LEFT JOIN physicians p ON p.registry_number = c.registry_number
                          AND p.registration_completed_at IS NOT NULL
    LEFT JOIN accounts a ON a.id = p.account_id
    WHERE c.match_status = 'birth_date_mismatch' AND c.withdrawn_at IS NULL";

const HELD_GROUP: &str = "
    GROUP BY c.seminar_id, s.title, s.starts_on, s.approving_prefecture_code, c.registry_number,
             p.id, p.kanji_name, p.furigana, p.birth_date, a.email, s.contact_name,
             s.contact_email";

/// One page of the queue: the held attendees of one prefecture's seminars or (None) all,
/// oldest first.
pub async fn queue(
    conn: &mut PgConnection,
    prefecture: Option<i16>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<HeldCredit>> {
    sqlx::query_as(&format!(
        "{HELD_SELECT} AND ($1::smallint IS NULL OR s.approving_prefecture_code = $1)
         {HELD_GROUP} ORDER BY min(c.registered_at), c.seminar_id, c.registry_number
         LIMIT $2 OFFSET $3"
    ))
    .bind(prefecture)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// How many held attendees (seminar × 医籍登録番号) the whole queue holds.
pub async fn queue_count(conn: &mut PgConnection, prefecture: Option<i16>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT DISTINCT c.seminar_id, c.registry_number
             FROM credits c JOIN seminars s ON s.id = c.seminar_id
             WHERE c.match_status = 'birth_date_mismatch' AND c.withdrawn_at IS NULL
               AND ($1::smallint IS NULL OR s.approving_prefecture_code = $1)
         ) held",
    )
    .bind(prefecture)
    .fetch_one(conn)
    .await
}

/// One held attendee, locked for the decision.
pub async fn held_for_update(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
) -> sqlx::Result<Option<HeldCredit>> {
    sqlx::query(
        "SELECT id FROM credits WHERE seminar_id = $1 AND registry_number = $2
           AND match_status = 'birth_date_mismatch' AND withdrawn_at IS NULL FOR UPDATE",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .execute(&mut *conn)
    .await?;
    sqlx::query_as(&format!(
        "{HELD_SELECT} AND c.seminar_id = $1 AND c.registry_number = $2 {HELD_GROUP}"
    ))
    .bind(seminar_id)
    .bind(registry_number)
    .fetch_optional(conn)
    .await
}

/// Attaches the held credits to the physician; returns how many.
pub async fn attach(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
    physician_id: i64,
    by: i64,
    now: Jst,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE credits SET physician_id = $3, match_status = 'matched', review_reason = NULL,
                reviewed_by = $4, reviewed_at = $5, updated_at = $5
         WHERE seminar_id = $1 AND registry_number = $2
           AND match_status = 'birth_date_mismatch' AND withdrawn_at IS NULL",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .bind(physician_id)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Rejects the held credits with a reason for the organizer; returns how many.
pub async fn reject(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
    reason: &str,
    by: i64,
    now: Jst,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE credits SET match_status = 'rejected', physician_id = NULL, review_reason = $3,
                reviewed_by = $4, reviewed_at = $5, updated_at = $5
         WHERE seminar_id = $1 AND registry_number = $2
           AND match_status = 'birth_date_mismatch' AND withdrawn_at IS NULL",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Seminars where credits under the physician's 医籍登録番号 wait for staff (birth date
/// differs): the physician's my page says 「確認中の単位があります」.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HeldSeminar {
    pub title: String,
    pub starts_on: NaiveDate,
}

pub async fn held_for_physician(
    conn: &mut PgConnection,
    physician_id: i64,
) -> sqlx::Result<Vec<HeldSeminar>> {
    sqlx::query_as(
        "SELECT s.title, s.starts_on
         FROM physicians p
         JOIN credits c ON c.registry_number = p.registry_number
         JOIN seminars s ON s.id = c.seminar_id
         WHERE p.id = $1 AND c.match_status = 'birth_date_mismatch' AND c.withdrawn_at IS NULL
         GROUP BY s.id, s.title, s.starts_on ORDER BY s.starts_on",
    )
    .bind(physician_id)
    .fetch_all(conn)
    .await
}

/// Seminars past their credit deadline with credits attached to nobody (waiting for the
/// physician's registration, or held): for the deadline watch.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnattachedSeminar {
    pub seminar_id: i64,
    pub title: String,
    pub ends_on: NaiveDate,
    pub unmatched: i64,
    pub held: i64,
}

pub async fn unattached_past_due(
    conn: &mut PgConnection,
    prefecture: Option<i16>,
    due_before: NaiveDate,
    limit: i64,
) -> sqlx::Result<Vec<UnattachedSeminar>> {
    sqlx::query_as(
        "SELECT s.id AS seminar_id, s.title, s.ends_on,
                count(DISTINCT c.registry_number) FILTER (WHERE c.match_status = 'unmatched')
                    AS unmatched,
                count(DISTINCT c.registry_number)
                    FILTER (WHERE c.match_status = 'birth_date_mismatch') AS held
         FROM seminars s
         JOIN credits c ON c.seminar_id = s.id
         WHERE s.ends_on < $2
           AND ($1::smallint IS NULL OR s.approving_prefecture_code = $1)
           AND c.withdrawn_at IS NULL
           AND c.match_status IN ('unmatched', 'birth_date_mismatch')
         GROUP BY s.id, s.title, s.ends_on
         ORDER BY s.ends_on, s.id
         LIMIT $3",
    )
    .bind(prefecture)
    .bind(due_before)
    .bind(limit)
    .fetch_all(conn)
    .await
}
