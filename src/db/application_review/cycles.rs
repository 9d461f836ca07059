//! Review cycles and prefectures' internal deadlines.

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Cycle {
    pub id: i64,
    pub fiscal_year: i32,
    pub number: i16,
    pub intake_deadline: NaiveDate,
    pub committee_date: NaiveDate,
    pub closed_at: Option<DateTime<Utc>>,
    pub internal_deadline: Option<NaiveDate>,
}

/// Open cycles whose JMA intake deadline is today or later, with the prefecture's own deadline.
pub async fn open_cycles(
    conn: &mut PgConnection,
    prefecture: i16,
    today: NaiveDate,
) -> sqlx::Result<Vec<Cycle>> {
    sqlx::query_as(
        "SELECT c.id, c.fiscal_year, c.number, c.intake_deadline, c.committee_date, c.closed_at,
                d.internal_deadline
         FROM review_cycles c
         LEFT JOIN prefecture_deadlines d ON d.cycle_id = c.id AND d.prefecture_code = $1
         WHERE c.closed_at IS NULL AND c.intake_deadline >= $2
         ORDER BY c.intake_deadline",
    )
    .bind(prefecture)
    .bind(today)
    .fetch_all(conn)
    .await
}

pub async fn cycle(conn: &mut PgConnection, id: i64, lock: bool) -> sqlx::Result<Option<Cycle>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query_as(&format!(
        "SELECT id, fiscal_year, number, intake_deadline, committee_date, closed_at,
                NULL::date AS internal_deadline
         FROM review_cycles WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn set_deadline(
    conn: &mut PgConnection,
    prefecture: i16,
    cycle_id: i64,
    deadline: Option<NaiveDate>,
) -> sqlx::Result<()> {
    match deadline {
        Some(d) => {
            sqlx::query(
                "INSERT INTO prefecture_deadlines (prefecture_code, cycle_id, internal_deadline)
                 VALUES ($1, $2, $3)
                 ON CONFLICT (prefecture_code, cycle_id) DO UPDATE SET internal_deadline = $3",
            )
            .bind(prefecture)
            .bind(cycle_id)
            .bind(d)
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query(
                "DELETE FROM prefecture_deadlines WHERE prefecture_code = $1 AND cycle_id = $2",
            )
            .bind(prefecture)
            .bind(cycle_id)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CycleSummary {
    pub id: i64,
    pub fiscal_year: i32,
    pub number: i16,
    pub intake_deadline: NaiveDate,
    pub committee_date: NaiveDate,
    pub closed_at: Option<DateTime<Utc>>,
    pub awaiting: i64,
    pub approved: i64,
    pub rejected: i64,
}

/// Cycles holding applications, and the next two committees.
pub async fn cycle_summaries(pool: &PgPool, today: NaiveDate) -> sqlx::Result<Vec<CycleSummary>> {
    sqlx::query_as(
        "SELECT c.id, c.fiscal_year, c.number, c.intake_deadline, c.committee_date, c.closed_at,
                count(a.id) FILTER (WHERE a.status = 'prefecture_approved') AS awaiting,
                count(a.id) FILTER (WHERE a.status = 'approved') AS approved,
                count(a.id) FILTER (WHERE a.status = 'rejected') AS rejected
         FROM review_cycles c
         LEFT JOIN applications a ON a.cycle_id = c.id
         GROUP BY c.id
         HAVING count(a.id) > 0
             OR c.id IN (SELECT id FROM review_cycles WHERE committee_date >= $1
                         ORDER BY committee_date LIMIT 2)
         ORDER BY c.committee_date",
    )
    .bind(today)
    .fetch_all(pool)
    .await
}

/// The applications of one cycle, those awaiting a decision first.
pub async fn in_cycle(pool: &PgPool, cycle_id: i64) -> sqlx::Result<Vec<Application>> {
    sqlx::query_as(&format!(
        "SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM}
         WHERE a.cycle_id = $1 AND a.status <> 'draft'
         ORDER BY (a.status = 'prefecture_approved') DESC, a.prefecture_code, a.id"
    ))
    .bind(cycle_id)
    .fetch_all(pool)
    .await
}

pub async fn awaiting_in_cycle(conn: &mut PgConnection, cycle_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM applications WHERE cycle_id = $1 AND status = 'prefecture_approved'",
    )
    .bind(cycle_id)
    .fetch_one(conn)
    .await
}

pub async fn close_cycle(conn: &mut PgConnection, cycle_id: i64, now: Jst) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE review_cycles SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL")
            .bind(cycle_id)
            .bind(now)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn reopen_cycle(conn: &mut PgConnection, cycle_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE review_cycles SET closed_at = NULL WHERE id = $1 AND closed_at IS NOT NULL",
    )
    .bind(cycle_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
