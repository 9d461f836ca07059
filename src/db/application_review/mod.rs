//! Staff review of applications (DOMAIN §6): queues limited in SQL to what each tier may see,
//! the locked application, its state changes (each bumps `version`), events, review cycles,
//! prefectures' internal deadlines, approval effects and the paper certificates to forward.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

mod approval;
mod credits;
mod cycles;
pub use approval::*;
pub use credits::*;
pub use cycles::*;

pub use crate::domain::policy::Scope;

fn scope_binds(scope: Scope) -> (bool, Option<i64>, Option<i16>) {
    match scope {
        Scope::All => (true, None, None),
        Scope::Association(id) => (false, Some(id), None),
        Scope::Prefecture(code) => (false, None, Some(code)),
        Scope::Nothing => (false, None, None),
    }
}

/// The SQL filter of a scope over `a` (applications) and `r` (the receiving association),
/// with binds $1 (all), $2 (municipal association), $3 (prefecture).
const SCOPE_FILTER: &str = "a.status <> 'draft'
    AND ($1 OR (r.kind = 'municipal' AND a.receiving_association_id = $2)
         OR a.prefecture_code = $3)";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Application {
    pub id: i64,
    pub physician_id: i64,
    pub applicant_account_id: Option<i64>,
    pub kanji_name: String,
    pub registry_number: Option<String>,
    pub birth_date: NaiveDate,
    pub email: Option<String>,
    pub programme: String,
    pub kind: String,
    pub route: String,
    pub route_document_date: Option<NaiveDate>,
    pub certification_id: Option<i64>,
    pub prefecture_code: i16,
    pub receiving_association_id: i64,
    pub receiving_kind: String,
    pub receiving_name: String,
    pub status: crate::domain::application::Status,
    pub returned_by_tier: Option<String>,
    pub return_comment: Option<String>,
    pub late_reason: Option<String>,
    pub practical_activity: Option<String>,
    pub fee_paid_at: Option<DateTime<Utc>>,
    pub handbook_received_at: Option<DateTime<Utc>>,
    pub cycle_id: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// The certification renewed is flagged for the COVID special measure.
    pub covid_special: bool,
}

impl Application {
    pub fn received_by_municipal(&self) -> bool {
        self.receiving_kind == "municipal"
    }

    /// The application as the policy judges it (`Action::ViewApplication`).
    pub fn policy_target(&self) -> crate::domain::policy::ApplicationTarget {
        crate::domain::policy::ApplicationTarget {
            applicant_account_id: self.applicant_account_id.unwrap_or(-1),
            prefecture_code: self.prefecture_code,
            received_by_association_id: self
                .received_by_municipal()
                .then_some(self.receiving_association_id),
        }
    }

    pub fn status(&self) -> crate::domain::application::Status {
        self.status
    }

    /// Where it is, for the transitions of `domain::application`.
    pub fn state(&self) -> crate::domain::application::State {
        crate::domain::application::State {
            status: self.status,
            received_by_municipal: self.received_by_municipal(),
            returned_by: self
                .returned_by_tier
                .as_deref()
                .and_then(crate::domain::review::Tier::from_code),
        }
    }
}

const APPLICATION_COLUMNS: &str = "a.id, a.physician_id, p.account_id AS applicant_account_id,
    p.kanji_name, p.registry_number, p.birth_date, ac.email, a.programme, a.kind, a.route,
    a.route_document_date, a.certification_id, a.prefecture_code, a.receiving_association_id,
    r.kind AS receiving_kind, r.name AS receiving_name, a.status, a.returned_by_tier,
    a.return_comment, a.late_reason, a.practical_activity, a.fee_paid_at, a.handbook_received_at,
    a.cycle_id, a.submitted_at, a.forwarded_at, a.decided_at, a.version,
    COALESCE((SELECT ce.covid_special FROM certifications ce WHERE ce.id = a.certification_id),
             FALSE) AS covid_special";

const APPLICATION_FROM: &str = "FROM applications a
    JOIN physicians p ON p.id = a.physician_id
    LEFT JOIN accounts ac ON ac.id = p.account_id
    JOIN associations r ON r.id = a.receiving_association_id";

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(&format!(
        "SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM} WHERE a.id = $1 AND a.status <> 'draft'"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The application, locked until the transaction ends: a second staff member's change waits
/// here and then sees the first one's result.
pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(&format!(
        "SELECT {APPLICATION_COLUMNS} {APPLICATION_FROM}
         WHERE a.id = $1 AND a.status <> 'draft' FOR UPDATE OF a"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueueRow {
    pub id: i64,
    pub kanji_name: String,
    pub registry_number: Option<String>,
    pub programme: String,
    pub kind: String,
    pub prefecture_code: i16,
    pub receiving_name: String,
    pub status: String,
    pub fee_paid: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    pub cycle_id: Option<i64>,
}

const QUEUE_COLUMNS: &str = "a.id, p.kanji_name, p.registry_number, a.programme, a.kind,
    a.prefecture_code, r.name AS receiving_name, a.status, a.fee_paid_at IS NOT NULL AS fee_paid,
    a.submitted_at, a.cycle_id";

/// What waits for this tier: municipal reception; the prefecture (direct submissions, those
/// received by a municipal association, corrections it or JMA asked for); JMA's decisions.
fn waiting_in(scope: Scope) -> &'static str {
    match scope {
        Scope::Association(_) => {
            "a.status = 'submitted' AND r.kind = 'municipal'
             AND (a.returned_by_tier IS NULL OR a.returned_by_tier = 'municipal')"
        }
        Scope::Prefecture(_) => {
            "(a.status = 'municipal_received' OR (a.status = 'submitted' AND (r.kind <> 'municipal'
               OR a.returned_by_tier IN ('prefectural', 'jma'))))"
        }
        Scope::All => "a.status = 'prefecture_approved'",
        Scope::Nothing => "FALSE",
    }
}

/// One page of the applications waiting for `scope`, oldest submission first.
pub async fn queue(
    pool: &PgPool,
    scope: Scope,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<QueueRow>> {
    let (all, municipal, prefecture) = scope_binds(scope);
    sqlx::query_as(&format!(
        "SELECT {QUEUE_COLUMNS} {APPLICATION_FROM}
         WHERE {SCOPE_FILTER} AND {}
         ORDER BY a.submitted_at, a.id LIMIT $4 OFFSET $5",
        waiting_in(scope)
    ))
    .bind(all)
    .bind(municipal)
    .bind(prefecture)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

/// How many applications wait for `scope` (the queue's length over all pages).
pub async fn queue_count(pool: &PgPool, scope: Scope) -> sqlx::Result<i64> {
    let (all, municipal, prefecture) = scope_binds(scope);
    sqlx::query_scalar(&format!(
        "SELECT count(*) {APPLICATION_FROM} WHERE {SCOPE_FILTER} AND {}",
        waiting_in(scope)
    ))
    .bind(all)
    .bind(municipal)
    .bind(prefecture)
    .fetch_one(pool)
    .await
}

/// What staff search applications by (issue 9 §6); every field optional.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Part of the name in kanji or katakana (LIKE wildcards escaped by the caller's choice of
    /// `like_pattern`).
    pub name: Option<String>,
    /// A registry or certificate number, exactly.
    pub number: Option<String>,
    pub programme: Option<String>,
    pub status: Option<String>,
    pub cycle_id: Option<i64>,
}

/// `%text%` with LIKE's wildcards and escape character taken literally.
pub fn like_pattern(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

const SEARCH_FILTER: &str = "($4::text IS NULL OR p.kanji_name LIKE $4 OR p.furigana LIKE $4)
    AND ($5::text IS NULL OR p.registry_number = $5 OR EXISTS (
        SELECT 1 FROM certifications c2
        WHERE c2.certificate_number = $5
          AND (c2.id = a.certification_id OR c2.id IN (
              SELECT t.certification_id FROM certification_terms t WHERE t.application_id = a.id))))
    AND ($6::text IS NULL OR a.programme = $6)
    AND ($7::text IS NULL OR a.status = $7)
    AND ($8::bigint IS NULL OR a.cycle_id = $8)";

/// Every application in `scope` matching `search`, in every status, newest first.
pub async fn search(
    pool: &PgPool,
    scope: Scope,
    search: &Search,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<QueueRow>, i64)> {
    let (all, municipal, prefecture) = scope_binds(scope);
    let name = search.name.as_deref().map(like_pattern);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) {APPLICATION_FROM} WHERE {SCOPE_FILTER} AND {SEARCH_FILTER}"
    ))
    .bind(all)
    .bind(municipal)
    .bind(prefecture)
    .bind(&name)
    .bind(&search.number)
    .bind(&search.programme)
    .bind(&search.status)
    .bind(search.cycle_id)
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query_as(&format!(
        "SELECT {QUEUE_COLUMNS} {APPLICATION_FROM}
         WHERE {SCOPE_FILTER} AND {SEARCH_FILTER}
         ORDER BY a.submitted_at DESC NULLS LAST, a.id DESC LIMIT $9 OFFSET $10"
    ))
    .bind(all)
    .bind(municipal)
    .bind(prefecture)
    .bind(&name)
    .bind(&search.number)
    .bind(&search.programme)
    .bind(&search.status)
    .bind(search.cycle_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok((rows, total))
}

/// An event of the application's history.
pub async fn add_event(
    conn: &mut PgConnection,
    application_id: i64,
    at: Jst,
    actor: Option<i64>,
    tier: &str,
    action: &str,
    comment: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_account_id, tier, action, comment)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(application_id)
    .bind(at)
    .bind(actor)
    .bind(tier)
    .bind(action)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub tier: String,
    pub action: String,
    pub actor_name: Option<String>,
    pub comment: Option<String>,
}

pub async fn events(pool: &PgPool, application_id: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT e.at, e.tier, e.action, ac.display_name AS actor_name, e.comment
         FROM application_events e LEFT JOIN accounts ac ON ac.id = e.actor_account_id
         WHERE e.application_id = $1 ORDER BY e.at, e.id",
    )
    .bind(application_id)
    .fetch_all(pool)
    .await
}

/// One state change, applied only while the version is still the one the caller saw (the
/// caller also holds the row lock); false when someone else changed it first.
pub struct Change<'a> {
    /// The status the domain's transition gave (`domain::application::transition`).
    pub status: crate::domain::application::Status,
    pub returned_by_tier: Option<&'a str>,
    pub return_comment: Option<&'a str>,
    pub cycle_id: Option<i64>,
    pub forwarded: bool,
    pub decided_by: Option<i64>,
}

pub async fn change(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    c: &Change<'_>,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE applications SET status = $3,
             returned_by_tier = COALESCE($4, returned_by_tier),
             return_comment = CASE WHEN $4::text IS NULL THEN return_comment ELSE $5 END,
             cycle_id = $6,
             forwarded_at = CASE WHEN $7 THEN $9 ELSE forwarded_at END,
             decided_by = COALESCE($8, decided_by),
             decided_at = CASE WHEN $8::bigint IS NULL THEN decided_at ELSE $9 END,
             version = version + 1, updated_at = $9
         WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(c.status)
    .bind(c.returned_by_tier)
    .bind(c.return_comment)
    .bind(c.cycle_id)
    .bind(c.forwarded)
    .bind(c.decided_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// JMA's rejection keeps its reason in `return_comment` (the physician sees it).
pub async fn reject(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    reason: &str,
    by: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE applications SET status = 'rejected', return_comment = $3, decided_by = $4,
             decided_at = $5, version = version + 1, updated_at = $5
         WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records 入金 (fee) or the 手帳 original's receipt.
pub async fn record_receipt(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    handbook: bool,
    by: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let sql = if handbook {
        "UPDATE applications SET handbook_received_at = $3, handbook_received_by = $4,
             version = version + 1, updated_at = $3
         WHERE id = $1 AND version = $2 AND handbook_received_at IS NULL"
    } else {
        "UPDATE applications SET fee_paid_at = $3, fee_recorded_by = $4,
             version = version + 1, updated_at = $3
         WHERE id = $1 AND version = $2 AND fee_paid_at IS NULL"
    };
    let done = sqlx::query(sql).bind(id).bind(version).bind(now).bind(by).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn has_handbook_credits(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM declared_credits WHERE application_id = $1 AND source = 'handbook')",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}
