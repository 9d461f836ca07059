//! Seminar review: staff lists limited to what each may see (DOMAIN §9), the prefecture's and
//! JMA's decisions, review cycles, resubmission, status history and the attendees' credits.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::domain::policy::Scope;
use crate::domain::seminar::Status;

/// The scope as three bind values: everything, or an approving prefecture, or an organizer.
fn scope_binds(scope: Scope) -> (bool, Option<i16>, Option<i64>) {
    match scope {
        Scope::All => (true, None, None),
        Scope::Prefecture(code) => (false, Some(code), None),
        Scope::Association(id) => (false, None, Some(id)),
        Scope::Nothing => (false, None, None),
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub programme: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: String,
    pub organizer_association_id: Option<i64>,
    pub organizer_name: String,
    pub approving_prefecture_code: i16,
    pub status: crate::domain::seminar::Status,
    pub paper_approved: bool,
    pub cycle_id: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
}

const LIST_COLUMNS: &str = "s.id, s.programme, s.title, s.starts_on, s.ends_on, s.format,
    s.organizer_association_id, s.organizer_name, s.approving_prefecture_code, s.status,
    s.paper_approved, s.cycle_id, s.submitted_at";

/// Seminars within `scope`, optionally of one status; the newest applications first.
pub async fn list(
    pool: &PgPool,
    scope: Scope,
    status: Option<Status>,
    limit: i64,
) -> sqlx::Result<Vec<ListRow>> {
    let (all, prefecture, organizer) = scope_binds(scope);
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM seminars s
         WHERE ($1 OR s.approving_prefecture_code = $2 OR s.organizer_association_id = $3)
           AND ($4::text IS NULL OR s.status = $4)
         ORDER BY s.starts_on DESC, s.id DESC
         LIMIT $5"
    ))
    .bind(all)
    .bind(prefecture)
    .bind(organizer)
    .bind(status)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Cycle {
    pub id: i64,
    pub fiscal_year: i32,
    pub number: i16,
    pub intake_deadline: NaiveDate,
    pub committee_date: NaiveDate,
}

const CYCLE_COLUMNS: &str = "id, fiscal_year, number, intake_deadline, committee_date";

/// The review cycle a seminar approved by its prefecture today joins: the next one whose JMA
/// intake deadline has not passed.
pub async fn next_cycle(conn: &mut PgConnection, today: NaiveDate) -> sqlx::Result<Option<Cycle>> {
    sqlx::query_as(&format!(
        "SELECT {CYCLE_COLUMNS} FROM review_cycles
         WHERE intake_deadline >= $1 AND closed_at IS NULL
         ORDER BY intake_deadline LIMIT 1"
    ))
    .bind(today)
    .fetch_optional(conn)
    .await
}

pub async fn cycle(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Cycle>> {
    sqlx::query_as(&format!("SELECT {CYCLE_COLUMNS} FROM review_cycles WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CycleSummary {
    pub id: i64,
    pub fiscal_year: i32,
    pub number: i16,
    pub intake_deadline: NaiveDate,
    pub committee_date: NaiveDate,
    pub awaiting: i64,
    pub approved: i64,
    pub rejected: i64,
}

/// Cycles that hold seminars awaiting a decision, and those whose committee is still to come.
pub async fn cycle_summaries(pool: &PgPool, today: NaiveDate) -> sqlx::Result<Vec<CycleSummary>> {
    sqlx::query_as(
        "SELECT c.id, c.fiscal_year, c.number, c.intake_deadline, c.committee_date,
                count(s.id) FILTER (WHERE s.status = 'prefecture_approved') AS awaiting,
                count(s.id) FILTER (WHERE s.status = 'approved') AS approved,
                count(s.id) FILTER (WHERE s.status = 'rejected') AS rejected
         FROM review_cycles c
         LEFT JOIN seminars s ON s.cycle_id = c.id
         GROUP BY c.id
         HAVING count(s.id) FILTER (WHERE s.status = 'prefecture_approved') > 0
             OR c.id IN (SELECT id FROM review_cycles WHERE committee_date >= $1
                         ORDER BY committee_date LIMIT 2)
         ORDER BY c.committee_date",
    )
    .bind(today)
    .fetch_all(pool)
    .await
}

/// Seminars approved by their prefecture but not given a cycle (no cycle was open).
pub async fn awaiting_without_cycle(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM seminars WHERE status = 'prefecture_approved' AND cycle_id IS NULL",
    )
    .fetch_one(pool)
    .await
}

/// The seminars of one cycle (every status), those awaiting a decision first.
pub async fn in_cycle(pool: &PgPool, cycle_id: i64) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM seminars s WHERE s.cycle_id = $1
         ORDER BY (s.status = 'prefecture_approved') DESC, s.approving_prefecture_code, s.starts_on, s.id"
    ))
    .bind(cycle_id)
    .fetch_all(pool)
    .await
}

/// The approving prefecture's decision; false if the seminar was no longer waiting for it.
pub async fn prefecture_decide(
    conn: &mut PgConnection,
    id: i64,
    status: Status,
    comment: Option<&str>,
    cycle_id: Option<i64>,
    by: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE seminars SET status = $2, status_comment = $3, cycle_id = $4,
             prefecture_decided_by = $5, prefecture_decided_at = $6,
             version = version + 1, updated_at = $6
         WHERE id = $1 AND status = 'submitted'",
    )
    .bind(id)
    .bind(status)
    .bind(comment)
    .bind(cycle_id)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// JMA's committee decision; false if the seminar was no longer waiting for it.
pub async fn jma_decide(
    conn: &mut PgConnection,
    id: i64,
    status: Status,
    comment: Option<&str>,
    by: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE seminars SET status = $2, status_comment = $3,
             jma_decided_by = $4, jma_decided_at = $5, version = version + 1, updated_at = $5
         WHERE id = $1 AND status = 'prefecture_approved'",
    )
    .bind(id)
    .bind(status)
    .bind(comment)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A seminar JMA approved on paper: record who entered it as the committee decision.
pub async fn record_paper_decision(
    conn: &mut PgConnection,
    id: i64,
    by: i64,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE seminars SET jma_decided_by = $2, jma_decided_at = $3 WHERE id = $1")
        .bind(id)
        .bind(by)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a resubmission replaces (organizer and approving prefecture stay as they were).
pub struct Resubmission<'a> {
    pub programme: &'a str,
    pub title: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: &'a str,
    pub venue: &'a str,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: Option<&'a str>,
    pub contact_fax: Option<&'a str>,
    pub recruiting: bool,
    pub capacity: Option<i32>,
    /// (category code, units)
    pub units: &'a [(&'a str, Decimal)],
}

/// A corrected seminar goes back to the prefecture; false if it was no longer editable.
pub async fn resubmit(
    conn: &mut PgConnection,
    id: i64,
    s: &Resubmission<'_>,
    by: Option<i64>,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE seminars SET programme = $2, title = $3, starts_on = $4, ends_on = $5,
             format = $6, venue = $7, contact_name = $8, contact_email = $9, contact_phone = $10,
             contact_fax = $11, recruiting = $12, capacity = $13,
             status = 'submitted', status_comment = NULL, cycle_id = NULL,
             submitted_by = $14, submitted_at = $15, prefecture_decided_by = NULL,
             prefecture_decided_at = NULL, version = version + 1, updated_at = $15
         WHERE id = $1 AND status IN ('submitted', 'returned')",
    )
    .bind(id)
    .bind(s.programme)
    .bind(s.title)
    .bind(s.starts_on)
    .bind(s.ends_on)
    .bind(s.format)
    .bind(s.venue)
    .bind(s.contact_name)
    .bind(s.contact_email)
    .bind(s.contact_phone)
    .bind(s.contact_fax)
    .bind(s.recruiting)
    .bind(s.capacity)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM seminar_units WHERE seminar_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (category, units) in s.units {
        sqlx::query("INSERT INTO seminar_units (seminar_id, category, units) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(category)
            .bind(units)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_name: Option<String>,
    pub comment: Option<String>,
}

/// The seminar's audit trail (its own entries and its work page's), oldest first.
pub async fn history(pool: &PgPool, seminar_id: i64) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as(
        "SELECT l.at, l.action, a.display_name AS actor_name, l.after ->> 'comment' AS comment
         FROM audit_log l
         LEFT JOIN accounts a ON a.id = l.actor_account_id
         WHERE l.entity_type IN ('seminar', 'work_page') AND l.entity_id = $1
         ORDER BY l.id",
    )
    .bind(seminar_id.to_string())
    .fetch_all(pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkPageRow {
    pub issued_at: DateTime<Utc>,
    pub issued_by_name: Option<String>,
}

/// The seminar's active work page, if any (never the token: only its hash is stored).
pub async fn active_work_page(
    conn: &mut PgConnection,
    seminar_id: i64,
) -> sqlx::Result<Option<WorkPageRow>> {
    sqlx::query_as(
        "SELECT w.issued_at, a.display_name AS issued_by_name
         FROM work_pages w LEFT JOIN accounts a ON a.id = w.issued_by
         WHERE w.seminar_id = $1 AND w.revoked_at IS NULL",
    )
    .bind(seminar_id)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssociationRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub prefecture_code: Option<i16>,
}

/// Associations that may organize seminars (prefectural and municipal), by prefecture.
pub async fn organizing_associations(pool: &PgPool) -> sqlx::Result<Vec<AssociationRow>> {
    sqlx::query_as(
        "SELECT id, name, kind, prefecture_code FROM associations
         WHERE kind IN ('prefectural', 'municipal')
         ORDER BY prefecture_code, kind DESC, name",
    )
    .fetch_all(pool)
    .await
}

pub async fn association(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<AssociationRow>> {
    sqlx::query_as(
        "SELECT id, name, kind, prefecture_code FROM associations
         WHERE id = $1 AND kind IN ('prefectural', 'municipal')",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}
