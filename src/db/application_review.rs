//! Staff review of applications (DOMAIN §6): queues limited in SQL to what each tier may see,
//! the locked application, its state changes (each bumps `version`), events, review cycles,
//! prefectures' internal deadlines, approval effects and the paper certificates to forward.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

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

// ---------------------------------------------------------------------------------------------
// Credits for the requirement check.

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CreditRow {
    pub category: String,
    pub format: String,
    pub units: Decimal,
    pub date: NaiveDate,
}

/// The physician's matched portal credits of the programme (dated by the seminar's last day).
pub async fn portal_credits(
    pool: &PgPool,
    physician_id: i64,
    programme: &str,
) -> sqlx::Result<Vec<CreditRow>> {
    sqlx::query_as(
        "SELECT c.category, c.format, c.units, s.ends_on AS date
         FROM credits c JOIN seminars s ON s.id = c.seminar_id
         WHERE c.physician_id = $1 AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
           AND s.programme = $2
         ORDER BY s.ends_on, c.id",
    )
    .bind(physician_id)
    .bind(programme)
    .fetch_all(pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeclaredRow {
    pub category: String,
    pub format: String,
    pub units: Decimal,
    pub attended_on: NaiveDate,
    pub source: String,
    pub note: Option<String>,
}

pub async fn declared_credits(
    pool: &PgPool,
    application_id: i64,
) -> sqlx::Result<Vec<DeclaredRow>> {
    sqlx::query_as(
        "SELECT category, format, units, attended_on, source, note FROM declared_credits
         WHERE application_id = $1 ORDER BY attended_on, id",
    )
    .bind(application_id)
    .fetch_all(pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CertificationRow {
    pub id: i64,
    pub programme: String,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// One application of a prefecture's request letter (依頼状) for a cycle.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LetterSource {
    pub kanji_name: String,
    pub programme: String,
    pub kind: String,
    pub certificate_number: Option<String>,
}

/// The applications a prefecture forwarded into a cycle, in the letter's order.
pub async fn letter_sources(
    conn: &mut PgConnection,
    prefecture: i16,
    cycle_id: i64,
) -> sqlx::Result<Vec<LetterSource>> {
    sqlx::query_as(
        "SELECT p.kanji_name, a.programme, a.kind, ce.certificate_number
         FROM applications a
         JOIN physicians p ON p.id = a.physician_id
         LEFT JOIN certifications ce ON ce.id = a.certification_id
         WHERE a.prefecture_code = $1 AND a.cycle_id = $2
           AND a.status IN ('prefecture_approved', 'approved', 'rejected')
         ORDER BY a.programme DESC, a.kind, a.forwarded_at NULLS LAST, p.furigana, a.id",
    )
    .bind(prefecture)
    .bind(cycle_id)
    .fetch_all(conn)
    .await
}

/// The statement of `internal_deadlines` for the prefecture and date given as SQL expressions.
pub(crate) fn internal_deadlines_sql(prefecture: &str, from: &str) -> String {
    format!(
        "SELECT c.committee_date, pd.internal_deadline
         FROM prefecture_deadlines pd JOIN review_cycles c ON c.id = pd.cycle_id
         WHERE pd.prefecture_code = {prefecture} AND c.committee_date >= {from}
         ORDER BY c.committee_date"
    )
}

/// A prefecture's internal deadlines, by the committee date of their cycle, for committees
/// from `from` on.
pub async fn internal_deadlines(
    pool: &PgPool,
    prefecture: i16,
    from: NaiveDate,
) -> sqlx::Result<Vec<(NaiveDate, NaiveDate)>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| internal_deadlines_sql("$1", "$2"));
    sqlx::query_as(&SQL).bind(prefecture).bind(from).fetch_all(pool).await
}

/// A certification with the term standing on `on`.
pub async fn certification(
    conn: &mut PgConnection,
    id: i64,
    on: NaiveDate,
) -> sqlx::Result<Option<CertificationRow>> {
    sqlx::query_as(
        "SELECT id, programme, certificate_number, valid_from, valid_until
         FROM certifications_on($2) WHERE id = $1",
    )
    .bind(id)
    .bind(on)
    .fetch_optional(conn)
    .await
}

// ---------------------------------------------------------------------------------------------
// Evidence files.

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
}

pub async fn files(pool: &PgPool, application_id: i64) -> sqlx::Result<Vec<FileRow>> {
    sqlx::query_as(
        "SELECT id, file_name, content_type, size_bytes FROM uploaded_files
         WHERE owner_type = 'application' AND owner_id = $1 ORDER BY id",
    )
    .bind(application_id)
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// Review cycles and prefectures' internal deadlines.

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

// ---------------------------------------------------------------------------------------------
// Approval effects.

/// A new certification with the next number of its programme's sequence (7 digits); its
/// first term is added by the caller.
pub async fn insert_certification(
    conn: &mut PgConnection,
    application: &Application,
    registry_number: &str,
    now: Jst,
) -> sqlx::Result<(i64, String)> {
    // The sequence name comes from a checked value, never from user input.
    let sequence = if application.programme == "sports" {
        "certificate_number_sports"
    } else {
        "certificate_number_occupational"
    };
    sqlx::query_as(&format!(
        "INSERT INTO certifications (programme, certificate_number, registry_number, birth_date,
             physician_id, linked_at, created_at, updated_at)
         VALUES ($1, lpad(nextval('{sequence}')::text, 7, '0'), $2, $3, $4, $5, $5, $5)
         RETURNING id, certificate_number"
    ))
    .bind(&application.programme)
    .bind(registry_number)
    .bind(application.birth_date)
    .bind(application.physician_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The paper certificate of a term, for the prefecture to forward (a renewal's replaces the
/// earlier one in the prefecture's list).
pub async fn queue_paper_certificate(
    conn: &mut PgConnection,
    certification_id: i64,
    term_id: i64,
    application_id: i64,
    prefecture: i16,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO paper_certificates (certification_id, term_id, application_id,
             prefecture_code)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (certification_id) DO UPDATE SET term_id = $2, application_id = $3,
             prefecture_code = $4, sent_at = NULL, sent_by = NULL",
    )
    .bind(certification_id)
    .bind(term_id)
    .bind(application_id)
    .bind(prefecture)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaperRow {
    pub certification_id: i64,
    pub application_id: Option<i64>,
    pub prefecture_code: i16,
    pub programme: String,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub kanji_name: Option<String>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Paper certificates of a prefecture (None: all), unsent first.
pub async fn paper_certificates(
    pool: &PgPool,
    prefecture: Option<i16>,
) -> sqlx::Result<Vec<PaperRow>> {
    sqlx::query_as(
        "SELECT pc.certification_id, pc.application_id, pc.prefecture_code, ce.programme,
                ce.certificate_number, t.valid_from, t.valid_until, p.kanji_name, p.postal_code,
                p.address, pc.sent_at
         FROM paper_certificates pc
         JOIN certifications ce ON ce.id = pc.certification_id
         JOIN certification_terms t ON t.id = pc.term_id
         LEFT JOIN physicians p ON p.id = ce.physician_id
         WHERE ($1::smallint IS NULL OR pc.prefecture_code = $1)
         ORDER BY pc.sent_at IS NOT NULL, pc.sent_at DESC, pc.certification_id
         LIMIT 1000",
    )
    .bind(prefecture)
    .fetch_all(pool)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaperLock {
    pub prefecture_code: i16,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn paper_for_update(
    conn: &mut PgConnection,
    certification_id: i64,
) -> sqlx::Result<Option<PaperLock>> {
    sqlx::query_as(
        "SELECT prefecture_code, sent_at FROM paper_certificates
         WHERE certification_id = $1 FOR UPDATE",
    )
    .bind(certification_id)
    .fetch_optional(conn)
    .await
}

pub async fn mark_paper_sent(
    conn: &mut PgConnection,
    certification_id: i64,
    by: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE paper_certificates SET sent_at = $2, sent_by = $3
         WHERE certification_id = $1 AND sent_at IS NULL",
    )
    .bind(certification_id)
    .bind(now)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
