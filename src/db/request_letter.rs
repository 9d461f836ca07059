//! The seminars a prefecture forwards into a review cycle, for its request letter (依頼状).

use chrono::NaiveDate;
use sqlx::PgConnection;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LetterSeminar {
    pub title: String,
    pub programme: String,
    pub starts_on: NaiveDate,
    pub organizer_name: String,
}

/// The seminars the prefecture approved into the cycle (decided by JMA or still waiting).
pub async fn seminars(
    conn: &mut PgConnection,
    prefecture: i16,
    cycle_id: i64,
) -> sqlx::Result<Vec<LetterSeminar>> {
    sqlx::query_as(
        "SELECT title, programme, starts_on, organizer_name FROM seminars
         WHERE approving_prefecture_code = $1 AND cycle_id = $2
           AND status IN ('prefecture_approved', 'approved', 'rejected')
         ORDER BY programme DESC, starts_on, id",
    )
    .bind(prefecture)
    .bind(cycle_id)
    .fetch_all(conn)
    .await
}
