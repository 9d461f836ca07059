//! Physicians' missing-credit reports (briefing Q4), seminar reports (開催報告) and the files
//! attached to them.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;

// ---------------------------------------------------------------------------------------------
// Missing-credit reports.

/// Closes every open report whose credit has meanwhile been registered and matched (the
/// report's purpose is fulfilled). Run before any list of reports is shown, so a closed state
/// is stored with its time rather than guessed at each read; the statement is idempotent and
/// concurrent runs serialise on the row locks (the second sees `status = 'closed'`).
pub async fn close_resolved(conn: &mut PgConnection, now: Jst) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE missing_credit_reports r
         SET status = 'closed', closed_at = $1
         WHERE r.status = 'open' AND r.seminar_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM credits c
                       WHERE c.seminar_id = r.seminar_id AND c.physician_id = r.physician_id
                         AND c.match_status = 'matched' AND c.withdrawn_at IS NULL)",
    )
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub struct NewMissingReport<'a> {
    pub physician_id: i64,
    pub seminar_id: Option<i64>,
    pub seminar_title: &'a str,
    pub seminar_date: NaiveDate,
    pub note: Option<&'a str>,
}

pub async fn create_missing(
    conn: &mut PgConnection,
    r: &NewMissingReport<'_>,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO missing_credit_reports
             (physician_id, seminar_id, seminar_title, seminar_date, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(r.physician_id)
    .bind(r.seminar_id)
    .bind(r.seminar_title)
    .bind(r.seminar_date)
    .bind(r.note)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// An open report of this physician for this seminar already exists.
pub async fn has_open_missing(
    conn: &mut PgConnection,
    physician_id: i64,
    seminar_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM missing_credit_reports
                        WHERE physician_id = $1 AND seminar_id = $2 AND status = 'open')",
    )
    .bind(physician_id)
    .bind(seminar_id)
    .fetch_one(conn)
    .await
}

/// A report with the physician and (when chosen) the seminar it concerns.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MissingReport {
    pub id: i64,
    pub physician_id: i64,
    pub seminar_id: Option<i64>,
    pub seminar_title: String,
    pub seminar_date: NaiveDate,
    pub note: Option<String>,
    pub status: crate::domain::record_status::MissingReportStatus,
    pub answer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub registry_number: Option<String>,
    pub physician_account_id: Option<i64>,
    pub physician_prefecture_code: Option<i16>,
    pub physician_email: Option<String>,
    pub organizer_name: Option<String>,
    pub organizer_association_id: Option<i64>,
    pub approving_prefecture_code: Option<i16>,
    pub answered_by_name: Option<String>,
}

impl MissingReport {
    /// The seminar as the policy sees it, when the report names one.
    pub fn seminar_target(&self) -> Option<crate::domain::policy::SeminarTarget> {
        self.approving_prefecture_code.map(|code| crate::domain::policy::SeminarTarget {
            organizer_association_id: self.organizer_association_id,
            approving_prefecture_code: code,
        })
    }

    pub fn physician_target(&self) -> crate::domain::policy::PhysicianTarget {
        crate::domain::policy::PhysicianTarget {
            account_id: self.physician_account_id,
            prefecture_code: self.physician_prefecture_code,
            proxy_consent: false,
        }
    }
}

const MISSING_SELECT: &str = "SELECT r.id, r.physician_id, r.seminar_id, r.seminar_title,
        r.seminar_date, r.note, r.status, r.answer, r.created_at, r.closed_at,
        p.kanji_name, p.furigana, p.birth_date, p.registry_number,
        p.account_id AS physician_account_id, p.prefecture_code AS physician_prefecture_code,
        a.email AS physician_email,
        s.organizer_name, s.organizer_association_id, s.approving_prefecture_code,
        b.display_name AS answered_by_name
    FROM missing_credit_reports r
    JOIN physicians p ON p.id = r.physician_id
    LEFT JOIN accounts a ON a.id = p.account_id
    LEFT JOIN seminars s ON s.id = r.seminar_id
    LEFT JOIN accounts b ON b.id = r.answered_by";

/// The physician's own reports, newest first.
pub async fn missing_for_physician(
    pool: &PgPool,
    physician_id: i64,
) -> sqlx::Result<Vec<MissingReport>> {
    sqlx::query_as(&format!(
        "{MISSING_SELECT} WHERE r.physician_id = $1 ORDER BY r.created_at DESC, r.id DESC"
    ))
    .bind(physician_id)
    .fetch_all(pool)
    .await
}

/// Reports about one seminar (its work page): open ones first.
pub async fn missing_for_seminar(
    pool: &PgPool,
    seminar_id: i64,
) -> sqlx::Result<Vec<MissingReport>> {
    sqlx::query_as(&format!(
        "{MISSING_SELECT} WHERE r.seminar_id = $1
         ORDER BY (r.status = 'open') DESC, r.created_at DESC, r.id DESC"
    ))
    .bind(seminar_id)
    .fetch_all(pool)
    .await
}

/// Reports the staff of one prefecture handle (None: all, for JMA): those about seminars the
/// prefecture approved, and those typed without a seminar by physicians of the prefecture.
/// Open ones first; closed ones only when `include_closed`.
pub async fn missing_for_office(
    pool: &PgPool,
    prefecture: Option<i16>,
    include_closed: bool,
    limit: i64,
) -> sqlx::Result<Vec<MissingReport>> {
    sqlx::query_as(&format!(
        "{MISSING_SELECT}
         WHERE ($1::smallint IS NULL
                OR s.approving_prefecture_code = $1
                OR (r.seminar_id IS NULL AND p.prefecture_code = $1))
           AND ($2 OR r.status = 'open')
         ORDER BY (r.status = 'open') DESC, r.created_at DESC, r.id DESC
         LIMIT $3"
    ))
    .bind(prefecture)
    .bind(include_closed)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The report, locked until the end of the transaction (two staff answering do not both win).
pub async fn lock_missing(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<MissingReport>> {
    sqlx::query_as(&format!("{MISSING_SELECT} WHERE r.id = $1 FOR UPDATE OF r"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn answer_missing(
    conn: &mut PgConnection,
    id: i64,
    answer: &str,
    by: i64,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE missing_credit_reports
         SET status = 'closed', answer = $2, answered_by = $3, closed_at = $4
         WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(answer)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An approved seminar a physician can pick when reporting.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeminarChoice {
    pub id: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub organizer_name: String,
    pub programme: String,
}

/// Approved seminars whose title contains `query` (spaces ignored on both sides), held on
/// or before `today`, newest first.
pub async fn search_approved_seminars(
    pool: &PgPool,
    query: &str,
    today: NaiveDate,
    limit: i64,
) -> sqlx::Result<Vec<SeminarChoice>> {
    sqlx::query_as(
        "SELECT id, title, starts_on, ends_on, organizer_name, programme FROM seminars
         WHERE status = 'approved' AND starts_on <= $2
           AND translate(title, ' 　', '') ILIKE
               '%' || replace(replace(replace(translate($1, ' 　', ''), '\\', '\\\\'),
                                      '%', '\\%'), '_', '\\_') || '%'
         ORDER BY ends_on DESC, id DESC
         LIMIT $3",
    )
    .bind(query)
    .bind(today)
    .bind(limit)
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// Seminar reports (開催報告).

pub use crate::domain::seminar_report::MoneyLine;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeminarReport {
    pub seminar_id: i64,
    pub attendee_count: i32,
    pub programme_text: String,
    pub abstracts: String,
    pub income: Json<Vec<MoneyLine>>,
    pub expenditure: Json<Vec<MoneyLine>>,
    pub status: crate::domain::record_status::ReportStatus,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by_name: Option<String>,
    pub comment: Option<String>,
}

const REPORT_SELECT: &str = "SELECT r.seminar_id, r.attendee_count, r.programme_text,
        r.abstracts, r.income, r.expenditure, r.status, r.submitted_at, r.decided_at,
        a.display_name AS decided_by_name, r.comment
    FROM seminar_reports r LEFT JOIN accounts a ON a.id = r.decided_by";

pub async fn report(
    conn: &mut PgConnection,
    seminar_id: i64,
) -> sqlx::Result<Option<SeminarReport>> {
    sqlx::query_as(&format!("{REPORT_SELECT} WHERE r.seminar_id = $1"))
        .bind(seminar_id)
        .fetch_optional(conn)
        .await
}

pub async fn lock_report(
    conn: &mut PgConnection,
    seminar_id: i64,
) -> sqlx::Result<Option<SeminarReport>> {
    sqlx::query_as(&format!("{REPORT_SELECT} WHERE r.seminar_id = $1 FOR UPDATE OF r"))
        .bind(seminar_id)
        .fetch_optional(conn)
        .await
}

pub struct ReportInput<'a> {
    pub attendee_count: i32,
    pub programme_text: &'a str,
    pub abstracts: &'a str,
    pub income: &'a [MoneyLine],
    pub expenditure: &'a [MoneyLine],
}

/// Files the report (first time, or again after it was returned). The return comment stays
/// for the reviewer to compare; the decision fields are cleared.
pub async fn submit_report(
    conn: &mut PgConnection,
    seminar_id: i64,
    r: &ReportInput<'_>,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO seminar_reports (seminar_id, attendee_count, programme_text, abstracts,
             income, expenditure, status, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7)
         ON CONFLICT (seminar_id) DO UPDATE SET
             attendee_count = EXCLUDED.attendee_count,
             programme_text = EXCLUDED.programme_text,
             abstracts = EXCLUDED.abstracts,
             income = EXCLUDED.income,
             expenditure = EXCLUDED.expenditure,
             status = 'submitted',
             submitted_at = EXCLUDED.submitted_at,
             decided_by = NULL,
             decided_at = NULL",
    )
    .bind(seminar_id)
    .bind(r.attendee_count)
    .bind(r.programme_text)
    .bind(r.abstracts)
    .bind(Json(r.income))
    .bind(Json(r.expenditure))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Confirms or returns a submitted report; false when it was no longer waiting.
pub async fn decide_report(
    conn: &mut PgConnection,
    seminar_id: i64,
    status: crate::domain::record_status::ReportStatus,
    by: i64,
    comment: Option<&str>,
    now: Jst,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE seminar_reports
         SET status = $2, decided_by = $3, decided_at = $4, comment = COALESCE($5, comment)
         WHERE seminar_id = $1 AND status = 'submitted'",
    )
    .bind(seminar_id)
    .bind(status)
    .bind(by)
    .bind(now)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A report on the staff list, with its seminar.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportListRow {
    pub seminar_id: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub organizer_name: String,
    pub organizer_association_id: Option<i64>,
    pub approving_prefecture_code: i16,
    pub attendee_count: i32,
    pub status: crate::domain::record_status::ReportStatus,
    pub submitted_at: DateTime<Utc>,
}

impl ReportListRow {
    pub fn target(&self) -> crate::domain::policy::SeminarTarget {
        crate::domain::policy::SeminarTarget {
            organizer_association_id: self.organizer_association_id,
            approving_prefecture_code: self.approving_prefecture_code,
        }
    }
}

/// Reports of one prefecture's seminars (None: all): waiting ones first.
pub async fn reports_for_office(
    pool: &PgPool,
    prefecture: Option<i16>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ReportListRow>> {
    sqlx::query_as(
        "SELECT r.seminar_id, s.title, s.starts_on, s.ends_on, s.organizer_name,
                s.organizer_association_id, s.approving_prefecture_code,
                r.attendee_count, r.status, r.submitted_at
         FROM seminar_reports r JOIN seminars s ON s.id = r.seminar_id
         WHERE ($1::smallint IS NULL OR s.approving_prefecture_code = $1)
         ORDER BY CASE r.status WHEN 'submitted' THEN 0 WHEN 'returned' THEN 1 ELSE 2 END,
                  r.submitted_at DESC, r.seminar_id DESC
         LIMIT $2 OFFSET $3",
    )
    .bind(prefecture)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn reports_for_office_count(pool: &PgPool, prefecture: Option<i16>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM seminar_reports r JOIN seminars s ON s.id = r.seminar_id
         WHERE ($1::smallint IS NULL OR s.approving_prefecture_code = $1)",
    )
    .bind(prefecture)
    .fetch_one(pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// Uploaded files.

pub const SEMINAR_REPORT_FILES: &str = "seminar_report";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileMeta {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
}

pub async fn files(
    conn: &mut PgConnection,
    owner_type: &str,
    owner_id: i64,
) -> sqlx::Result<Vec<FileMeta>> {
    sqlx::query_as(
        "SELECT id, file_name, content_type, size_bytes, uploaded_at FROM uploaded_files
         WHERE owner_type = $1 AND owner_id = $2 ORDER BY id",
    )
    .bind(owner_type)
    .bind(owner_id)
    .fetch_all(conn)
    .await
}

pub async fn add_file(
    conn: &mut PgConnection,
    owner_type: &str,
    owner_id: i64,
    file_name: &str,
    content_type: &str,
    data: &[u8],
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO uploaded_files
             (owner_type, owner_id, file_name, content_type, size_bytes, data, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(owner_type)
    .bind(owner_id)
    .bind(file_name)
    .bind(content_type)
    .bind(data.len() as i32)
    .bind(data)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn remove_files(
    conn: &mut PgConnection,
    owner_type: &str,
    owner_id: i64,
    ids: &[i64],
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM uploaded_files WHERE owner_type = $1 AND owner_id = $2 AND id = ANY($3)",
    )
    .bind(owner_type)
    .bind(owner_id)
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
