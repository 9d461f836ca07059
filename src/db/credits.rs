//! Credits registered by organizers, and the uploaded attendee lists between preview and
//! commit. A commit is a few set-based statements whatever the file's size: the parsed rows
//! go from the upload's JSONB straight into an upsert that matches physicians in the same
//! statement (no row-by-row round trips).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;

use crate::clock::Jst;
use crate::domain::attendee_csv::{AttendeeRow, PreviewRow};

/// One attendee as kept in `credit_uploads.parsed` until commit: a JSON array whose positions
/// `commit_upload` reads (`r ->> 0` is the 医籍登録番号 …), so that 10,000 rows repeat no keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredTuple", from = "StoredTuple")]
pub struct StoredAttendee {
    pub line: u64,
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    /// 'male' / 'female'
    pub sex: String,
    pub email: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    /// Category code → units.
    pub units: BTreeMap<String, Decimal>,
}

type StoredTuple = (
    String,
    String,
    String,
    NaiveDate,
    String,
    String,
    Option<String>,
    Option<String>,
    BTreeMap<String, Decimal>,
    u64,
);

impl From<StoredAttendee> for StoredTuple {
    fn from(a: StoredAttendee) -> Self {
        (
            a.registry_number,
            a.kanji_name,
            a.furigana,
            a.birth_date,
            a.sex,
            a.email,
            a.phone,
            a.fax,
            a.units,
            a.line,
        )
    }
}

impl From<StoredTuple> for StoredAttendee {
    fn from(t: StoredTuple) -> Self {
        StoredAttendee {
            registry_number: t.0,
            kanji_name: t.1,
            furigana: t.2,
            birth_date: t.3,
            sex: t.4,
            email: t.5,
            phone: t.6,
            fax: t.7,
            units: t.8,
            line: t.9,
        }
    }
}

impl From<&AttendeeRow> for StoredAttendee {
    fn from(row: &AttendeeRow) -> Self {
        StoredAttendee {
            line: row.line,
            registry_number: row.registry_number.as_str().to_string(),
            kanji_name: row.kanji_name.clone(),
            furigana: row.furigana.clone(),
            birth_date: row.birth_date,
            sex: row.sex.code().to_string(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            fax: row.fax.clone(),
            units: row.units.iter().map(|(c, u)| (c.code().to_string(), u.value())).collect(),
        }
    }
}

/// What an upload keeps: the file's headings, every row's outcome (for the preview page and
/// its CSV) and the valid attendees to write on commit.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UploadContent {
    pub header: Vec<String>,
    pub preview: Vec<PreviewRow>,
    pub rows: Vec<StoredAttendee>,
}

pub struct NewUpload<'a> {
    pub seminar_id: i64,
    pub file_name: &'a str,
    pub encoding: &'a str,
    pub rows_total: i32,
    pub rows_ok: i32,
    pub rows_error: i32,
    /// `UploadContent` as JSON text (serialised off the async threads by the caller).
    pub content_json: &'a str,
}

/// Uploads are a few megabytes of JSONB: lz4 compresses them several times faster than the
/// default pglz, where the server has it (for the caller's transaction only).
pub async fn prefer_fast_compression(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "SELECT set_config('default_toast_compression', 'lz4', true)
         FROM pg_settings
         WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn create_upload(
    conn: &mut PgConnection,
    upload: &NewUpload<'_>,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO credit_uploads (seminar_id, file_name, encoding, rows_total, rows_ok,
             rows_error, parsed, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
         RETURNING id",
    )
    .bind(upload.seminar_id)
    .bind(upload.file_name)
    .bind(upload.encoding)
    .bind(upload.rows_total)
    .bind(upload.rows_ok)
    .bind(upload.rows_error)
    .bind(upload.content_json)
    .bind(now)
    .fetch_one(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Upload {
    pub id: i64,
    pub seminar_id: i64,
    pub file_name: String,
    pub encoding: String,
    pub rows_total: i32,
    pub rows_ok: i32,
    pub rows_error: i32,
    pub uploaded_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
}

const UPLOAD_COLUMNS: &str =
    "id, seminar_id, file_name, encoding, rows_total, rows_ok, rows_error, uploaded_at, committed_at";

/// An upload of this seminar (None for another seminar's: the work page sees only its own).
pub async fn upload(
    conn: &mut PgConnection,
    seminar_id: i64,
    id: i64,
) -> sqlx::Result<Option<Upload>> {
    sqlx::query_as(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM credit_uploads WHERE id = $1 AND seminar_id = $2"
    ))
    .bind(id)
    .bind(seminar_id)
    .fetch_optional(conn)
    .await
}

/// The upload locked for its commit: a second, concurrent commit waits here and then sees
/// `committed_at` set.
pub async fn upload_for_update(
    conn: &mut PgConnection,
    seminar_id: i64,
    id: i64,
) -> sqlx::Result<Option<Upload>> {
    sqlx::query_as(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM credit_uploads WHERE id = $1 AND seminar_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(seminar_id)
    .fetch_optional(conn)
    .await
}

/// The stored headings and row outcomes of an upload (without the attendees to write).
pub async fn upload_preview(
    conn: &mut PgConnection,
    seminar_id: i64,
    id: i64,
) -> sqlx::Result<Option<UploadContent>> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT jsonb_build_object('header', parsed -> 'header', 'preview', parsed -> 'preview')::text
         FROM credit_uploads WHERE id = $1 AND seminar_id = $2",
    )
    .bind(id)
    .bind(seminar_id)
    .fetch_optional(conn)
    .await?;
    json.map(|text| serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(e.into())))
        .transpose()
}

pub async fn recent_uploads(
    conn: &mut PgConnection,
    seminar_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<Upload>> {
    sqlx::query_as(&format!(
        "SELECT {UPLOAD_COLUMNS} FROM credit_uploads WHERE seminar_id = $1
         ORDER BY id DESC LIMIT $2"
    ))
    .bind(seminar_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// What one commit did.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct CommitCounts {
    /// Credit rows (attendee × category) in the upload.
    pub rows: i64,
    pub inserted: i64,
    /// Existing credits whose data changed (corrections) or that were withdrawn and are back.
    pub updated: i64,
    /// Inserted or updated rows by match result.
    pub matched: i64,
    pub unmatched: i64,
    pub mismatched: i64,
    /// Attendees (people) written or left unchanged, apart from the credit rows.
    pub people: i64,
    /// Attendees whose credits were held (birth date differs).
    pub mismatched_people: i64,
    /// Attendees of the file skipped: withdrawn or corrected by hand and not ticked back in.
    pub skipped: i64,
}

impl CommitCounts {
    pub fn unchanged(&self) -> i64 {
        self.rows - self.inserted - self.updated
    }

    /// The counts as the audit log keeps them.
    pub fn audit_json(&self) -> Value {
        serde_json::json!({
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged(),
            "matched": self.matched,
            "unmatched": self.unmatched,
            "birth_date_mismatch": self.mismatched,
            "people": self.people,
            "skipped": self.skipped,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
struct CommitResult {
    #[sqlx(flatten)]
    counts: CommitCounts,
    corrections: Value,
}

/// Writes the upload's attendees as credits of `seminar_id` (call inside the transaction that
/// holds the upload's lock). One credit per seminar × 医籍登録番号 × category: an existing one
/// is corrected in place, never doubled; an identical one is left untouched; credits of earlier
/// uploads missing from this one stay (withdrawal is explicit). Each written row is matched:
/// a registered physician with the number and the same birth date → attached ('matched');
/// the number with another birth date → 'birth_date_mismatch', held and not attached; no
/// registered physician → 'unmatched' (attached later by `attach_for_physician`).
///
/// Returns the counts and, for corrected rows, each row's before and after (for the audit log).
///
/// Attendees whose 医籍登録番号 is in `skip` (withdrawn or corrected by hand, see
/// `domain::revival`) are left as they are.
pub async fn commit_upload(
    conn: &mut PgConnection,
    seminar_id: i64,
    upload_id: i64,
    format: &str,
    late: bool,
    skip: &[String],
    now: Jst,
) -> sqlx::Result<(CommitCounts, Value)> {
    // The statement keeps 10,000 attendees in memory: enough working memory avoids spilling
    // them to temporary files (for this transaction only).
    sqlx::query("SELECT set_config('work_mem', '64MB', true)").execute(&mut *conn).await?;
    let result: CommitResult = sqlx::query_as(
        "WITH everyone AS (
             SELECT r ->> 0 AS registry_number, r ->> 1 AS kanji_name, r ->> 2 AS furigana,
                    (r ->> 3)::date AS birth_date, r ->> 4 AS sex, r ->> 5 AS email,
                    r ->> 6 AS phone, r ->> 7 AS fax, r -> 8 AS units
             FROM credit_uploads cu
             CROSS JOIN LATERAL jsonb_array_elements(cu.parsed -> 'rows') AS r
             WHERE cu.id = $1 AND cu.seminar_id = $2
         ),
         people AS (
             SELECT * FROM everyone WHERE NOT (registry_number = ANY($6))
         ),
         -- Matched once per attendee (a registered physician with the number), then one
         -- row per category.
         incoming AS (
             SELECT pe.registry_number, pe.kanji_name, pe.furigana, pe.birth_date, pe.sex,
                    pe.email, pe.phone, pe.fax, u.key AS category,
                    (u.value #>> '{}')::numeric(4, 1) AS units,
                    CASE WHEN p.birth_date = pe.birth_date THEN p.id END AS physician_id,
                    CASE WHEN p.id IS NULL THEN 'unmatched'
                         WHEN p.birth_date = pe.birth_date THEN 'matched'
                         ELSE 'birth_date_mismatch' END AS match_status
             FROM people pe
             LEFT JOIN physicians p ON p.registry_number = pe.registry_number
                                   AND p.registration_completed_at IS NOT NULL
             CROSS JOIN LATERAL jsonb_each(pe.units) AS u
         ),
         old AS (
             SELECT c.id, c.kanji_name, c.furigana, c.birth_date, c.sex, c.email, c.phone,
                    c.fax, c.units, c.match_status, c.physician_id, c.withdrawn_at
             FROM credits c
             JOIN incoming i ON c.registry_number = i.registry_number
                            AND c.category = i.category
             WHERE c.seminar_id = $2
         ),
         upserted AS (
             INSERT INTO credits AS c (seminar_id, registry_number, kanji_name, furigana,
                 birth_date, sex, email, phone, fax, category, units, format, physician_id,
                 match_status, late, registered_at, updated_at)
             SELECT $2, i.registry_number, i.kanji_name, i.furigana, i.birth_date, i.sex,
                    i.email, i.phone, i.fax, i.category, i.units, $3, i.physician_id,
                    i.match_status, $4, $5, $5
             FROM incoming i
             ON CONFLICT (seminar_id, registry_number, category) DO UPDATE SET
                 kanji_name = EXCLUDED.kanji_name,
                 furigana = EXCLUDED.furigana,
                 birth_date = EXCLUDED.birth_date,
                 sex = EXCLUDED.sex,
                 email = EXCLUDED.email,
                 phone = EXCLUDED.phone,
                 fax = EXCLUDED.fax,
                 units = EXCLUDED.units,
                 format = EXCLUDED.format,
                 -- Staff rejected this attendee's match: a correction that keeps the birth
                 -- date keeps the decision; a new birth date is matched afresh.
                 physician_id = CASE
                     WHEN c.match_status = 'rejected' AND c.birth_date = EXCLUDED.birth_date
                     THEN NULL ELSE EXCLUDED.physician_id END,
                 match_status = CASE
                     WHEN c.match_status = 'rejected' AND c.birth_date = EXCLUDED.birth_date
                     THEN 'rejected' ELSE EXCLUDED.match_status END,
                 withdrawn_at = NULL,
                 -- Ticked back in by the organizer: no longer a hand correction.
                 corrected_at = NULL,
                 corrected_to = NULL,
                 updated_at = EXCLUDED.updated_at
             WHERE c.withdrawn_at IS NOT NULL
                OR (c.kanji_name, c.furigana, c.birth_date, c.sex, c.email, c.phone, c.fax,
                    c.units, c.format)
                   IS DISTINCT FROM
                   (EXCLUDED.kanji_name, EXCLUDED.furigana, EXCLUDED.birth_date, EXCLUDED.sex,
                    EXCLUDED.email, EXCLUDED.phone, EXCLUDED.fax, EXCLUDED.units,
                    EXCLUDED.format)
             RETURNING c.id, c.registry_number, c.category, c.kanji_name, c.furigana,
                       c.birth_date, c.sex, c.email, c.phone, c.fax, c.units, c.match_status,
                       c.physician_id, (c.xmax = 0) AS inserted
         )
         SELECT (SELECT count(*) FROM incoming) AS rows,
                count(*) FILTER (WHERE u.inserted) AS inserted,
                count(*) FILTER (WHERE NOT u.inserted) AS updated,
                count(*) FILTER (WHERE u.match_status = 'matched') AS matched,
                count(*) FILTER (WHERE u.match_status = 'unmatched') AS unmatched,
                count(*) FILTER (WHERE u.match_status = 'birth_date_mismatch') AS mismatched,
                (SELECT count(*) FROM people) AS people,
                count(DISTINCT u.registry_number)
                    FILTER (WHERE u.match_status = 'birth_date_mismatch') AS mismatched_people,
                (SELECT count(*) FROM everyone) - (SELECT count(*) FROM people) AS skipped,
                COALESCE(jsonb_agg(jsonb_build_object(
                    'registry_number', u.registry_number,
                    'category', u.category,
                    'before', jsonb_build_object(
                        'kanji_name', o.kanji_name, 'furigana', o.furigana,
                        'birth_date', o.birth_date, 'sex', o.sex, 'email', o.email,
                        'phone', o.phone, 'fax', o.fax, 'units', o.units,
                        'match_status', o.match_status, 'physician_id', o.physician_id,
                        'withdrawn_at', o.withdrawn_at),
                    'after', jsonb_build_object(
                        'kanji_name', u.kanji_name, 'furigana', u.furigana,
                        'birth_date', u.birth_date, 'sex', u.sex, 'email', u.email,
                        'phone', u.phone, 'fax', u.fax, 'units', u.units,
                        'match_status', u.match_status, 'physician_id', u.physician_id))
                    ORDER BY u.registry_number, u.category)
                  FILTER (WHERE NOT u.inserted), '[]'::jsonb) AS corrections
         FROM upserted u
         LEFT JOIN old o ON o.id = u.id",
    )
    .bind(upload_id)
    .bind(seminar_id)
    .bind(format)
    .bind(late)
    .bind(now)
    .bind(skip)
    .fetch_one(&mut *conn)
    .await?;
    Ok((result.counts, result.corrections))
}

/// Serialises the credit writes of one seminar (commits, corrections) for the caller's
/// transaction: two organizers committing at once wait for each other instead of interleaving.
pub async fn lock_seminar(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<()> {
    // Key space 10010: credit writes; the second key is the seminar.
    sqlx::query("SELECT pg_advisory_xact_lock(10010, $1)")
        .bind(seminar_id as i32)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_committed(conn: &mut PgConnection, upload_id: i64, now: Jst) -> sqlx::Result<()> {
    sqlx::query("UPDATE credit_uploads SET committed_at = $2 WHERE id = $1")
        .bind(upload_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The seminar's credits at a glance (withdrawn ones apart).
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// Attendees (distinct 医籍登録番号) with at least one credit in force.
    pub attendees: i64,
    /// Credit rows (attendee × category) in force.
    pub credits: i64,
    pub matched: i64,
    /// Attendees whose credits wait for the physician's registration.
    pub unmatched: i64,
    /// Attendees whose birth date differs from the physician's: held for staff review.
    pub mismatched: i64,
    pub withdrawn: i64,
    pub late: i64,
    /// Every attendee ever registered (withdrawn ones included): the list's length.
    pub listed: i64,
}

/// The select list of `Summary` over a seminar's credits (shared with `credit_list::shape`).
pub(crate) const SUMMARY_COLUMNS: &str =
    "count(DISTINCT registry_number) FILTER (WHERE withdrawn_at IS NULL) AS attendees,
     count(*) FILTER (WHERE withdrawn_at IS NULL) AS credits,
     count(DISTINCT registry_number)
         FILTER (WHERE withdrawn_at IS NULL AND match_status = 'matched') AS matched,
     count(DISTINCT registry_number)
         FILTER (WHERE withdrawn_at IS NULL AND match_status = 'unmatched') AS unmatched,
     count(DISTINCT registry_number)
         FILTER (WHERE withdrawn_at IS NULL AND match_status = 'birth_date_mismatch')
         AS mismatched,
     count(DISTINCT registry_number) FILTER (WHERE withdrawn_at IS NOT NULL) AS withdrawn,
     count(DISTINCT registry_number) FILTER (WHERE withdrawn_at IS NULL AND late) AS late,
     count(DISTINCT registry_number) AS listed";

pub async fn summary(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<Summary> {
    sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM credits WHERE seminar_id = $1"))
        .bind(seminar_id)
        .fetch_one(conn)
        .await
}

/// One credit row as the work page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CreditRow {
    pub id: i64,
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub email: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub category: String,
    pub units: Decimal,
    pub physician_id: Option<i64>,
    pub match_status: String,
    pub late: bool,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Why staff rejected a held credit (the organizer corrects the row).
    pub review_reason: Option<String>,
}

/// Marks a commit's audit entry as late (or not), under the key the audit log has always used.
pub fn note_late(after: &mut Value, late: bool) {
    after["late"] = Value::Bool(late);
}

impl CreditRow {
    /// Credits as the audit log keeps them (before or after a change).
    pub fn audit_json(rows: &[CreditRow]) -> Vec<Value> {
        rows.iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "registry_number": r.registry_number,
                    "category": r.category,
                    "units": r.units,
                    "kanji_name": r.kanji_name,
                    "furigana": r.furigana,
                    "birth_date": r.birth_date,
                    "sex": r.sex,
                    "match_status": r.match_status,
                    "physician_id": r.physician_id,
                    "withdrawn": r.withdrawn_at.is_some(),
                })
            })
            .collect()
    }
}

pub(crate) const CREDIT_COLUMNS: &str = "id, registry_number, kanji_name, furigana, birth_date,
    sex, email, phone, fax, category, units, physician_id, match_status, late, withdrawn_at,
    registered_at, updated_at, review_reason";

/// Every credit of the seminar, withdrawn ones included, by attendee.
pub async fn for_seminar(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<Vec<CreditRow>> {
    sqlx::query_as(&format!(
        "SELECT {CREDIT_COLUMNS} FROM credits WHERE seminar_id = $1
         ORDER BY furigana, registry_number, category"
    ))
    .bind(seminar_id)
    .fetch_all(conn)
    .await
}

/// One attendee's credits of the seminar.
pub async fn for_attendee(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
) -> sqlx::Result<Vec<CreditRow>> {
    sqlx::query_as(&format!(
        "SELECT {CREDIT_COLUMNS} FROM credits WHERE seminar_id = $1 AND registry_number = $2
         ORDER BY category"
    ))
    .bind(seminar_id)
    .bind(registry_number)
    .fetch_all(conn)
    .await
}

/// Withdraws every credit in force of one attendee of the seminar; returns them as they were.
pub async fn withdraw(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
    now: Jst,
) -> sqlx::Result<Vec<CreditRow>> {
    sqlx::query_as(&format!(
        "WITH prior AS (
             SELECT {CREDIT_COLUMNS} FROM credits
             WHERE seminar_id = $1 AND registry_number = $2 AND withdrawn_at IS NULL
             FOR UPDATE
         ),
         done AS (
             UPDATE credits c SET withdrawn_at = $3, updated_at = $3
             FROM prior b WHERE c.id = b.id
         )
         SELECT * FROM prior ORDER BY category"
    ))
    .bind(seminar_id)
    .bind(registry_number)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Withdraws an attendee's credits in force except those of the categories in `keep` (a
/// correction that sets a category to 0); returns them as they were.
pub async fn withdraw_categories(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
    keep: &[String],
    now: Jst,
) -> sqlx::Result<Vec<CreditRow>> {
    sqlx::query_as(&format!(
        "WITH prior AS (
             SELECT {CREDIT_COLUMNS} FROM credits
             WHERE seminar_id = $1 AND registry_number = $2 AND withdrawn_at IS NULL
               AND NOT (category = ANY($4))
             FOR UPDATE
         ),
         done AS (
             UPDATE credits c SET withdrawn_at = $3, updated_at = $3
             FROM prior b WHERE c.id = b.id
         )
         SELECT * FROM prior ORDER BY category"
    ))
    .bind(seminar_id)
    .bind(registry_number)
    .bind(now)
    .bind(keep)
    .fetch_all(conn)
    .await
}

/// Attaches the unmatched credits of a physician who has completed registration (or was just
/// linked): same 医籍登録番号 and same birth date → attached; same number with another birth
/// date → flagged 'birth_date_mismatch' for staff, never attached. Returns how many credits
/// were attached.
pub async fn attach_for_physician(
    conn: &mut PgConnection,
    physician_id: i64,
    now: Jst,
) -> sqlx::Result<u64> {
    let statuses: Vec<String> = sqlx::query_scalar(
        "UPDATE credits c SET
             physician_id = CASE WHEN c.birth_date = p.birth_date THEN p.id END,
             match_status = CASE WHEN c.birth_date = p.birth_date THEN 'matched'
                                 ELSE 'birth_date_mismatch' END,
             updated_at = $2
         FROM physicians p
         WHERE p.id = $1
           AND p.registration_completed_at IS NOT NULL
           AND p.registry_number IS NOT NULL
           AND c.registry_number = p.registry_number
           AND c.physician_id IS NULL
           AND c.match_status = 'unmatched'
         RETURNING c.match_status",
    )
    .bind(physician_id)
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(statuses.iter().filter(|s| *s == "matched").count() as u64)
}
