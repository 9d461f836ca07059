//! The staff queue of certification data that matched a physician's 医籍登録番号 but not their
//! birth date (紐付け確認), and the old-system certification import that feeds it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

/// A review with both sides of the comparison.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Review {
    pub id: i64,
    pub status: crate::domain::record_status::LinkReviewStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by_name: Option<String>,
    pub note: Option<String>,
    pub physician_id: i64,
    pub physician_account_id: Option<i64>,
    pub kanji_name: String,
    pub furigana: String,
    pub physician_birth_date: NaiveDate,
    pub physician_registry_number: Option<String>,
    pub prefecture_code: Option<i16>,
    pub prefecture_name: Option<String>,
    pub certification_id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub certification_registry_number: String,
    pub certification_birth_date: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Set when the certification is already attached to a physician.
    pub certification_physician_id: Option<i64>,
}

const REVIEW_SELECT: &str = "
    SELECT r.id, r.status, r.created_at, r.decided_at, d.display_name AS decided_by_name, r.note,
           p.id AS physician_id, p.account_id AS physician_account_id, p.kanji_name, p.furigana,
           p.birth_date AS physician_birth_date, p.registry_number AS physician_registry_number,
           p.prefecture_code, pr.name AS prefecture_name,
           c.id AS certification_id, c.programme, c.certificate_number,
           c.registry_number AS certification_registry_number,
           c.birth_date AS certification_birth_date, lt.valid_from, lt.valid_until,
           c.physician_id AS certification_physician_id
    FROM link_reviews r
    JOIN physicians p ON p.id = r.physician_id
    JOIN certifications c ON c.id = r.certification_id
    JOIN LATERAL (SELECT t.valid_from, t.valid_until FROM certification_terms t
                  WHERE t.certification_id = c.id ORDER BY t.valid_from DESC LIMIT 1) lt ON TRUE
    LEFT JOIN prefectures pr ON pr.code = p.prefecture_code
    LEFT JOIN accounts d ON d.id = r.decided_by";

/// Open reviews of physicians in one prefecture (None: all prefectures, for JMA), oldest first.
pub async fn open_reviews(
    pool: &PgPool,
    prefecture_code: Option<i16>,
) -> sqlx::Result<Vec<Review>> {
    sqlx::query_as(&format!(
        "{REVIEW_SELECT}
         WHERE r.status = 'open' AND ($1::smallint IS NULL OR p.prefecture_code = $1)
         ORDER BY r.created_at, r.id"
    ))
    .bind(prefecture_code)
    .fetch_all(pool)
    .await
}

pub async fn review(pool: &PgPool, id: i64) -> sqlx::Result<Option<Review>> {
    sqlx::query_as(&format!("{REVIEW_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(pool).await
}

/// The review, with it and its certification locked until the transaction ends, so that two
/// staff members deciding at once are served one after the other.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Review>> {
    sqlx::query_as(&format!("{REVIEW_SELECT} WHERE r.id = $1 FOR UPDATE OF r, c"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Closes an open review as 'linked' or 'rejected'; false if it was no longer open.
pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    status: crate::domain::record_status::LinkReviewStatus,
    decided_by: i64,
    note: Option<&str>,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE link_reviews SET status = $2, decided_by = $3, decided_at = $4, note = $5
         WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(status)
    .bind(decided_by)
    .bind(now)
    .bind(note)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Attaches an unattached certification to a physician; false if it was attached already.
pub async fn attach_certification(
    conn: &mut PgConnection,
    certification_id: i64,
    physician_id: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE certifications SET physician_id = $2, linked_at = $3, updated_at = $3
         WHERE id = $1 AND physician_id IS NULL",
    )
    .bind(certification_id)
    .bind(physician_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Which (programme, certificate number) pairs already exist.
pub async fn certificates_in_use(
    conn: &mut PgConnection,
    programmes: &[String],
    numbers: &[String],
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT c.programme, c.certificate_number
         FROM certifications c
         JOIN unnest($1::text[], $2::text[]) AS x(programme, certificate_number)
           ON x.programme = c.programme AND x.certificate_number = c.certificate_number",
    )
    .bind(programmes)
    .bind(numbers)
    .fetch_all(conn)
    .await
}
