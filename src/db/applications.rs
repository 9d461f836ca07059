//! A physician's applications (新規・更新申請) as the physician edits them: the draft, the
//! credits declared from before the cut-over, evidence files (uploaded_files, owner_type
//! 'application'), submission and withdrawal, and the event history. The staff review tiers
//! live in `application_review`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::clock::Jst;

/// `uploaded_files.owner_type` of an application's evidence.
pub const APPLICATION_FILES: &str = "application";

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct Application {
    pub id: i64,
    pub physician_id: i64,
    /// The applicant's account (None for physicians without one).
    pub account_id: Option<i64>,
    pub programme: String,
    pub kind: String,
    pub route: String,
    pub route_document_date: Option<NaiveDate>,
    pub certification_id: Option<i64>,
    pub certificate_number: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub prefecture_code: i16,
    pub receiving_association_id: i64,
    pub receiving_association_name: String,
    pub receiving_association_kind: String,
    pub status: crate::domain::application::Status,
    pub returned_by_tier: Option<String>,
    pub return_comment: Option<String>,
    pub late_reason: Option<String>,
    pub practical_activity: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fee_paid_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub exemption: Option<String>,
    /// The prefecture's guidance: how to pay the fee, where to mail the 手帳 original.
    pub fee_instructions: Option<String>,
    pub mailing_address: Option<String>,
    /// The review cycle it was forwarded into (第N回) and its committee date.
    pub cycle_number: Option<i16>,
    pub committee_date: Option<NaiveDate>,
}

impl Application {
    pub fn editable(&self) -> bool {
        self.status().is_editable()
    }

    pub fn status(&self) -> crate::domain::application::Status {
        self.state().status
    }

    /// Where it is, for the transitions of `domain::application`.
    pub fn state(&self) -> crate::domain::application::State {
        use crate::domain::application::State;
        use crate::domain::review::Tier;
        State {
            status: self.status,
            received_by_municipal: self.receiving_association_kind == "municipal",
            returned_by: self.returned_by_tier.as_deref().and_then(Tier::from_code),
        }
    }

    /// For `Action::ViewApplication`.
    pub fn target(&self) -> Option<crate::domain::policy::ApplicationTarget> {
        Some(crate::domain::policy::ApplicationTarget {
            applicant_account_id: self.account_id?,
            prefecture_code: self.prefecture_code,
            received_by_association_id: (self.receiving_association_kind == "municipal")
                .then_some(self.receiving_association_id),
        })
    }
}

const SELECT_COLUMNS: &str = "SELECT a.id, a.physician_id, p.account_id, a.programme, a.kind,
        a.route, a.route_document_date, a.certification_id, ce.certificate_number,
        rt.valid_from, rt.valid_until, a.prefecture_code, a.receiving_association_id,
        r.name AS receiving_association_name, r.kind AS receiving_association_kind, a.status,
        a.returned_by_tier, a.return_comment, a.late_reason, a.practical_activity,
        a.submitted_at, a.version, a.created_at, a.updated_at, a.fee_paid_at, a.decided_at,
        a.exemption, pa.fee_instructions, pa.mailing_address,
        rc.number AS cycle_number, rc.committee_date
     FROM applications a
     JOIN physicians p ON p.id = a.physician_id
     JOIN associations r ON r.id = a.receiving_association_id
     LEFT JOIN certifications ce ON ce.id = a.certification_id
     LEFT JOIN review_cycles rc ON rc.id = a.cycle_id
     LEFT JOIN associations pa ON pa.kind = 'prefectural' AND pa.prefecture_code = a.prefecture_code";

/// The statement of `list_for_physician` for the physician given as an SQL expression.
pub(crate) fn for_physician_sql(physician: &str) -> String {
    format!("{} WHERE a.physician_id = {physician} ORDER BY a.created_at DESC, a.id DESC", *SELECT)
}

static SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("{SELECT_COLUMNS}\n     {}", crate::db::terms::RENEWED_TERM_JOIN)
});

/// The physician's applications, newest first.
pub async fn list_for_physician(
    conn: &mut PgConnection,
    physician_id: i64,
) -> sqlx::Result<Vec<Application>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| for_physician_sql("$1"));
    sqlx::query_as(&SQL).bind(physician_id).fetch_all(conn).await
}

/// One application (for anyone; callers check who may see it).
pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(&format!("{} WHERE a.id = $1", *SELECT)).bind(id).fetch_optional(conn).await
}

/// One application of this physician, locked for the rest of the transaction.
pub async fn get_own_for_update(
    conn: &mut PgConnection,
    id: i64,
    physician_id: i64,
) -> sqlx::Result<Option<Application>> {
    let locked: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM applications WHERE id = $1 AND physician_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(physician_id)
    .fetch_optional(&mut *conn)
    .await?;
    match locked {
        Some(id) => get(conn, id).await,
        None => Ok(None),
    }
}

/// The physician's latest certification of a programme that is not revoked or withdrawn, with
/// its latest term.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CurrentCertification {
    pub id: i64,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

pub async fn current_certification(
    conn: &mut PgConnection,
    physician_id: i64,
    programme: &str,
) -> sqlx::Result<Option<CurrentCertification>> {
    sqlx::query_as(&format!(
        "SELECT c.id, c.certificate_number, lt.valid_from, lt.valid_until FROM certifications c
         {}
         WHERE c.physician_id = $1 AND c.programme = $2 AND c.status = 'active'
         ORDER BY lt.valid_until DESC, c.id DESC LIMIT 1",
        crate::db::terms::LATEST_TERM_JOIN
    ))
    .bind(physician_id)
    .bind(programme)
    .fetch_optional(conn)
    .await
}

/// An association that may receive the application.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Receiver {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

/// The prefectural association, then (where the prefecture uses municipal reception) the
/// prefecture's municipal associations by name.
pub async fn receivers(
    conn: &mut PgConnection,
    prefecture_code: i16,
) -> sqlx::Result<Vec<Receiver>> {
    sqlx::query_as(
        "SELECT a.id, a.name, a.kind FROM associations a
         WHERE a.prefecture_code = $1
           AND (a.kind = 'prefectural'
                OR (a.kind = 'municipal' AND EXISTS (
                    SELECT 1 FROM associations pa
                    WHERE pa.kind = 'prefectural' AND pa.prefecture_code = $1
                      AND pa.uses_municipal_reception)))
         ORDER BY a.kind = 'prefectural' DESC, a.name, a.id",
    )
    .bind(prefecture_code)
    .fetch_all(conn)
    .await
}

/// The physician's own municipal association (membership), if any.
pub async fn member_association(
    conn: &mut PgConnection,
    physician_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT member_association_id FROM physicians WHERE id = $1")
        .bind(physician_id)
        .fetch_one(conn)
        .await
}

pub struct NewApplication<'a> {
    pub physician_id: i64,
    pub programme: &'a str,
    pub kind: &'a str,
    pub certification_id: Option<i64>,
    pub prefecture_code: i16,
    pub receiving_association_id: i64,
}

/// Creates a draft. None: the physician already has an open application of this programme
/// (the unique index `applications_one_open`).
pub async fn create(
    conn: &mut PgConnection,
    a: &NewApplication<'_>,
    now: Jst,
) -> sqlx::Result<Option<i64>> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO applications (physician_id, programme, kind, certification_id,
             prefecture_code, receiving_association_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $7)
         ON CONFLICT (physician_id, programme)
             WHERE status NOT IN ('approved', 'rejected', 'withdrawn') DO NOTHING
         RETURNING id",
    )
    .bind(a.physician_id)
    .bind(a.programme)
    .bind(a.kind)
    .bind(a.certification_id)
    .bind(a.prefecture_code)
    .bind(a.receiving_association_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(inserted)
}

/// What the physician may change on an editable application.
pub struct Details<'a> {
    pub route: &'a str,
    pub route_document_date: Option<NaiveDate>,
    pub receiving_association_id: i64,
    pub late_reason: Option<&'a str>,
    pub practical_activity: Option<&'a str>,
    /// Sports new by exemption: which of the four.
    pub exemption: Option<&'a str>,
}

pub async fn update_details(
    conn: &mut PgConnection,
    id: i64,
    d: &Details<'_>,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE applications SET route = $2, route_document_date = $3,
             receiving_association_id = $4, late_reason = $5, practical_activity = $6,
             updated_at = $7, exemption = $8, version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(d.route)
    .bind(d.route_document_date)
    .bind(d.receiving_association_id)
    .bind(d.late_reason)
    .bind(d.practical_activity)
    .bind(now)
    .bind(d.exemption)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the application handed in (again, after a return) to the tier given by `status`.
pub async fn submit(conn: &mut PgConnection, id: i64, status: &str, now: Jst) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE applications SET status = $2, submitted_at = $3, updated_at = $3,
             version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn withdraw(conn: &mut PgConnection, id: i64, now: Jst) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE applications SET status = 'withdrawn', updated_at = $2, version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bumps the version after a change to declared credits or files.
pub async fn touch(conn: &mut PgConnection, id: i64, now: Jst) -> sqlx::Result<()> {
    sqlx::query("UPDATE applications SET updated_at = $2, version = version + 1 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Events.

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub tier: String,
    pub action: String,
    pub comment: Option<String>,
    pub actor_name: Option<String>,
}

pub async fn add_event(
    conn: &mut PgConnection,
    application_id: i64,
    actor_account_id: Option<i64>,
    tier: &str,
    action: &str,
    comment: Option<&str>,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_account_id, tier, action,
             comment)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(application_id)
    .bind(now)
    .bind(actor_account_id)
    .bind(tier)
    .bind(action)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn events(conn: &mut PgConnection, application_id: i64) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT e.at, e.tier, e.action, e.comment, ac.display_name AS actor_name
         FROM application_events e LEFT JOIN accounts ac ON ac.id = e.actor_account_id
         WHERE e.application_id = $1 ORDER BY e.at, e.id",
    )
    .bind(application_id)
    .fetch_all(conn)
    .await
}

// ---------------------------------------------------------------------------------------------
// The requirement check's facts (app::checks) and its frozen copy.

/// What the requirement check of one application reads besides the credits.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckFacts {
    pub id: i64,
    pub physician_id: i64,
    pub programme: String,
    pub kind: String,
    pub route: String,
    pub route_document_date: Option<NaiveDate>,
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub practical_activity: Option<String>,
    pub late_reason: Option<String>,
    /// The term it renews (renewal).
    pub renewed_term_id: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub files: i64,
    pub decided_check: Option<serde_json::Value>,
    pub exemption: Option<String>,
}

pub async fn check_facts(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<CheckFacts>> {
    Ok(check_facts_of(conn, &[id]).await?.pop())
}

/// The check's facts of several applications in one statement (lists).
pub async fn check_facts_of(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<CheckFacts>> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.physician_id, a.programme, a.kind, a.route, a.route_document_date,
                a.status, a.submitted_at, a.practical_activity, a.late_reason,
                rt.id AS renewed_term_id, rt.valid_from, rt.valid_until,
                (SELECT count(*) FROM uploaded_files f
                 WHERE f.owner_type = '{APPLICATION_FILES}' AND f.owner_id = a.id) AS files,
                a.decided_check, a.exemption
         FROM applications a
         {}
         WHERE a.id = ANY($1)",
        crate::db::terms::RENEWED_TERM_JOIN
    ))
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Keeps the check as it was decided.
pub async fn freeze_check(
    conn: &mut PgConnection,
    id: i64,
    check: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE applications SET decided_check = $2 WHERE id = $1")
        .bind(id)
        .bind(check)
        .execute(conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Credits: the portal's and the declared ones.

/// Portal credits of several physicians (all programmes), with whose they are.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnedCreditRow {
    pub physician_id: i64,
    pub programme: String,
    #[sqlx(flatten)]
    pub credit: CreditRow,
}

pub async fn portal_credits_of(
    conn: &mut PgConnection,
    physician_ids: &[i64],
) -> sqlx::Result<Vec<OwnedCreditRow>> {
    sqlx::query_as(
        "SELECT c.physician_id, s.programme, c.id, c.category, c.format, c.units,
                s.ends_on AS date
         FROM credits c JOIN seminars s ON s.id = c.seminar_id
         WHERE c.physician_id = ANY($1)
           AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
         ORDER BY s.ends_on, c.id",
    )
    .bind(physician_ids)
    .fetch_all(conn)
    .await
}

/// Declared credits of several applications, with whose they are.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnedDeclaredCredit {
    pub application_id: i64,
    #[sqlx(flatten)]
    pub credit: DeclaredCredit,
}

pub async fn declared_credits_of(
    conn: &mut PgConnection,
    application_ids: &[i64],
) -> sqlx::Result<Vec<OwnedDeclaredCredit>> {
    sqlx::query_as(
        "SELECT d.application_id, d.id, d.category, d.format, d.units, d.attended_on, d.source,
                d.note,
                EXISTS (SELECT 1 FROM uploaded_files f WHERE f.declared_credit_id = d.id)
                    AS evidenced
         FROM declared_credits d
         WHERE d.application_id = ANY($1) ORDER BY d.attended_on, d.id",
    )
    .bind(application_ids)
    .fetch_all(conn)
    .await
}

/// One credit as the requirement check reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CreditRow {
    pub id: i64,
    pub category: String,
    pub format: String,
    pub units: Decimal,
    pub date: NaiveDate,
}

/// The physician's portal credits of a programme: matched, not withdrawn, dated by the
/// seminar's last day.
pub async fn portal_credits(
    conn: &mut PgConnection,
    physician_id: i64,
    programme: &str,
) -> sqlx::Result<Vec<CreditRow>> {
    sqlx::query_as(
        "SELECT c.id, c.category, c.format, c.units, s.ends_on AS date
         FROM credits c JOIN seminars s ON s.id = c.seminar_id
         WHERE c.physician_id = $1 AND s.programme = $2
           AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
         ORDER BY s.ends_on, c.id",
    )
    .bind(physician_id)
    .bind(programme)
    .fetch_all(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeclaredCredit {
    pub id: i64,
    pub category: String,
    pub format: String,
    pub units: Decimal,
    pub attended_on: NaiveDate,
    pub source: String,
    pub note: Option<String>,
    /// Its certificate's photo or PDF was uploaded with it.
    pub evidenced: bool,
}

pub async fn declared_credits(
    conn: &mut PgConnection,
    application_id: i64,
) -> sqlx::Result<Vec<DeclaredCredit>> {
    sqlx::query_as(
        "SELECT d.id, d.category, d.format, d.units, d.attended_on, d.source, d.note,
                EXISTS (SELECT 1 FROM uploaded_files f WHERE f.declared_credit_id = d.id)
                    AS evidenced
         FROM declared_credits d
         WHERE d.application_id = $1 ORDER BY d.attended_on, d.id",
    )
    .bind(application_id)
    .fetch_all(conn)
    .await
}

pub struct NewDeclaredCredit<'a> {
    pub category: &'a str,
    pub format: &'a str,
    pub units: Decimal,
    pub attended_on: NaiveDate,
    pub source: &'a str,
    pub note: Option<&'a str>,
}

pub async fn add_declared_credit(
    conn: &mut PgConnection,
    application_id: i64,
    c: &NewDeclaredCredit<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO declared_credits (application_id, category, format, units, attended_on,
             source, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(application_id)
    .bind(c.category)
    .bind(c.format)
    .bind(c.units)
    .bind(c.attended_on)
    .bind(c.source)
    .bind(c.note)
    .fetch_one(conn)
    .await
}

/// Removes one declared credit of the application; false when it is not there.
pub async fn remove_declared_credit(
    conn: &mut PgConnection,
    application_id: i64,
    credit_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM declared_credits WHERE id = $1 AND application_id = $2")
        .bind(credit_id)
        .bind(application_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

// ---------------------------------------------------------------------------------------------
// Evidence files. Staff pages may use these too, after checking `Action::ViewApplication`.

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileMeta {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
}

/// The application's evidence files, oldest first (without their contents).
pub async fn files(conn: &mut PgConnection, application_id: i64) -> sqlx::Result<Vec<FileMeta>> {
    sqlx::query_as(
        "SELECT id, file_name, content_type, size_bytes, uploaded_at FROM uploaded_files
         WHERE owner_type = $1 AND owner_id = $2 ORDER BY uploaded_at, id",
    )
    .bind(APPLICATION_FILES)
    .bind(application_id)
    .fetch_all(conn)
    .await
}

pub async fn add_file(
    conn: &mut PgConnection,
    application_id: i64,
    file_name: &str,
    content_type: &str,
    data: &[u8],
    now: Jst,
) -> sqlx::Result<i64> {
    let size = i32::try_from(data.len()).unwrap_or(i32::MAX);
    sqlx::query_scalar(
        "INSERT INTO uploaded_files (owner_type, owner_id, file_name, content_type, size_bytes,
             data, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(APPLICATION_FILES)
    .bind(application_id)
    .bind(file_name)
    .bind(content_type)
    .bind(size)
    .bind(data)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Marks a file as the evidence of one declared credit of the same application.
pub async fn link_file_to_credit(
    conn: &mut PgConnection,
    application_id: i64,
    file_id: i64,
    credit_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE uploaded_files f SET declared_credit_id = $3
         FROM declared_credits d
         WHERE f.id = $2 AND f.owner_type = $4 AND f.owner_id = $1
           AND d.id = $3 AND d.application_id = $1",
    )
    .bind(application_id)
    .bind(file_id)
    .bind(credit_id)
    .bind(APPLICATION_FILES)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes one evidence file; the name when it was there.
pub async fn remove_file(
    conn: &mut PgConnection,
    application_id: i64,
    file_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM uploaded_files WHERE id = $1 AND owner_type = $2 AND owner_id = $3
         RETURNING file_name",
    )
    .bind(file_id)
    .bind(APPLICATION_FILES)
    .bind(application_id)
    .fetch_optional(conn)
    .await
}

/// The review cycle (審査の回) an application was forwarded into.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssignedCycle {
    pub fiscal_year: i32,
    pub number: i16,
    pub committee_date: NaiveDate,
}

/// The cycle of an application (None: not forwarded to JMA yet).
pub async fn assigned_cycle(
    conn: &mut PgConnection,
    application_id: i64,
) -> sqlx::Result<Option<AssignedCycle>> {
    sqlx::query_as(
        "SELECT c.fiscal_year, c.number, c.committee_date
         FROM applications a JOIN review_cycles c ON c.id = a.cycle_id
         WHERE a.id = $1",
    )
    .bind(application_id)
    .fetch_optional(conn)
    .await
}
