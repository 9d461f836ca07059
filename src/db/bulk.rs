//! Bulk loading for the national data set: `COPY … FROM STDIN` in PostgreSQL's text format,
//! with explicit ids so related rows can be written without reading ids back. The loader
//! writes each row's fields in the order of the column list its `COPY` statement names here.

use chrono::NaiveDate;
use sqlx::postgres::PgCopyIn;
use sqlx::PgConnection;

pub const ACCOUNTS: &str = "COPY accounts (id, login_id, password_hash, role, display_name,
    email, email_verified_at, must_change_password, created_at, updated_at) FROM STDIN";
pub const STAFF_MEMBERSHIPS: &str =
    "COPY staff_memberships (account_id, association_id, since) FROM STDIN";
pub const PHYSICIANS: &str = "COPY physicians (id, account_id, kanji_name, furigana, birth_date,
    sex, registry_number, phone, postal_code, address, workplace, prefecture_code, is_member,
    member_association_id, terms_version, terms_accepted_at, details_confirmed_at,
    registration_completed_at, created_at, updated_at) FROM STDIN";
pub const TERMS_ACCEPTANCES: &str =
    "COPY terms_acceptances (account_id, version, accepted_at) FROM STDIN";
pub const CERTIFICATIONS: &str = "COPY certifications (id, programme, certificate_number,
    registry_number, birth_date, physician_id, linked_at, created_at, updated_at, verify_code)
    FROM STDIN";
pub const CERTIFICATION_TERMS: &str = "COPY certification_terms (certification_id, valid_from,
    valid_until, origin, created_at) FROM STDIN";
pub const SEMINARS: &str = "COPY seminars (id, programme, title, starts_on, ends_on, format,
    venue, organizer_association_id, organizer_name, contact_name, contact_email, contact_phone,
    approving_prefecture_code, status, submitted_at, prefecture_decided_by,
    prefecture_decided_at, cycle_id, jma_decided_by, jma_decided_at, paper_approved, created_at,
    updated_at) FROM STDIN";
pub const SEMINAR_UNITS: &str = "COPY seminar_units (seminar_id, category, units) FROM STDIN";
pub const WORK_PAGES: &str =
    "COPY work_pages (seminar_id, token_hash, issued_at, issued_by) FROM STDIN";
pub const CREDITS: &str = "COPY credits (seminar_id, registry_number, kanji_name, furigana,
    birth_date, sex, email, phone, category, units, format, physician_id, match_status,
    registered_at, updated_at) FROM STDIN";
pub const APPLICATIONS: &str = "COPY applications (id, physician_id, programme, kind,
    certification_id, prefecture_code, receiving_association_id, status, returned_by_tier,
    return_comment, practical_activity, fee_paid_at, fee_recorded_by, cycle_id, submitted_at,
    forwarded_at, decided_at, decided_by, version, created_at, updated_at) FROM STDIN";
pub const APPLICATION_EVENTS: &str = "COPY application_events (application_id, at,
    actor_account_id, tier, action, comment) FROM STDIN";

/// Rows in COPY text format: tab between fields, newline after a row, `\N` for NULL.
#[derive(Default)]
pub struct CopyRows {
    buf: String,
    first: bool,
    pub rows: u64,
}

impl CopyRows {
    pub fn with_capacity(bytes: usize) -> CopyRows {
        CopyRows { buf: String::with_capacity(bytes), first: true, rows: 0 }
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push('\t');
        }
        self.first = false;
    }

    /// A text field, escaped as COPY's text format requires.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.sep();
        for c in value.chars() {
            match c {
                '\\' => self.buf.push_str("\\\\"),
                '\t' => self.buf.push_str("\\t"),
                '\n' => self.buf.push_str("\\n"),
                '\r' => self.buf.push_str("\\r"),
                c => self.buf.push(c),
            }
        }
        self
    }

    /// A value whose text never needs escaping (numbers, dates, codes).
    pub fn plain(&mut self, value: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write;
        self.sep();
        let _ = write!(self.buf, "{value}");
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.push_str("\\N");
        self
    }

    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    pub fn opt(&mut self, value: Option<impl std::fmt::Display>) -> &mut Self {
        match value {
            Some(v) => self.plain(v),
            None => self.null(),
        }
    }

    /// A timestamp at a time of day in JST on a calendar date.
    pub fn at(&mut self, day: NaiveDate, hh_mm: &str) -> &mut Self {
        self.plain(format_args!("{day} {hh_mm}:00+09"))
    }

    pub fn opt_at(&mut self, day: Option<NaiveDate>, hh_mm: &str) -> &mut Self {
        match day {
            Some(d) => self.at(d, hh_mm),
            None => self.null(),
        }
    }

    pub fn end(&mut self) {
        self.buf.push('\n');
        self.first = true;
        self.rows += 1;
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Sends what has been written so far and starts afresh.
    pub async fn flush(&mut self, copy: &mut PgCopyIn<&mut PgConnection>) -> sqlx::Result<()> {
        if !self.buf.is_empty() {
            copy.send(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Starts a COPY; send rows with `CopyRows::flush`, end with `finish()`.
pub async fn begin<'c>(
    conn: &'c mut PgConnection,
    statement: &str,
) -> sqlx::Result<PgCopyIn<&'c mut PgConnection>> {
    conn.copy_in_raw(statement).await
}

/// Loads one buffer of rows in one COPY.
pub async fn copy(
    conn: &mut PgConnection,
    statement: &str,
    rows: &mut CopyRows,
) -> sqlx::Result<u64> {
    let mut copy = conn.copy_in_raw(statement).await?;
    rows.flush(&mut copy).await?;
    copy.finish().await
}

/// The next free id of each table the loader writes with explicit ids.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct NextIds {
    pub account: i64,
    pub physician: i64,
    pub certification: i64,
    pub seminar: i64,
    pub application: i64,
}

pub async fn next_ids(conn: &mut PgConnection) -> sqlx::Result<NextIds> {
    sqlx::query_as(
        "SELECT (SELECT coalesce(max(id), 0) + 1 FROM accounts) AS account,
                (SELECT coalesce(max(id), 0) + 1 FROM physicians) AS physician,
                (SELECT coalesce(max(id), 0) + 1 FROM certifications) AS certification,
                (SELECT coalesce(max(id), 0) + 1 FROM seminars) AS seminar,
                (SELECT coalesce(max(id), 0) + 1 FROM applications) AS application",
    )
    .fetch_one(conn)
    .await
}

/// After writing explicit ids, moves each sequence past them.
pub async fn reset_sequences(conn: &mut PgConnection) -> sqlx::Result<()> {
    for table in ["accounts", "physicians", "certifications", "seminars", "applications"] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                           (SELECT coalesce(max(id), 1) FROM {table}))"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Association ids: JMA, and per prefecture code its prefectural association.
pub async fn associations(
    conn: &mut PgConnection,
) -> sqlx::Result<Vec<(i64, String, String, Option<i16>)>> {
    sqlx::query_as("SELECT id, kind, name, prefecture_code FROM associations ORDER BY id")
        .fetch_all(conn)
        .await
}

/// Creates municipal associations (name, prefecture code, parent id), returning their ids in
/// the order given.
pub async fn insert_municipal_associations(
    conn: &mut PgConnection,
    names: &[String],
    prefectures: &[i16],
    parents: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "INSERT INTO associations (kind, name, prefecture_code, parent_id)
         SELECT 'municipal', n, p, parent
         FROM UNNEST($1::text[], $2::smallint[], $3::bigint[]) WITH ORDINALITY AS t(n, p, parent, i)
         ORDER BY i
         RETURNING id",
    )
    .bind(names)
    .bind(prefectures)
    .bind(parents)
    .fetch_all(conn)
    .await
}

pub async fn use_municipal_reception(
    conn: &mut PgConnection,
    prefectures: &[i16],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE associations SET uses_municipal_reception = TRUE
         WHERE kind = 'prefectural' AND prefecture_code = ANY ($1)",
    )
    .bind(prefectures)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn review_cycles(
    conn: &mut PgConnection,
) -> sqlx::Result<Vec<(i64, NaiveDate, NaiveDate)>> {
    sqlx::query_as("SELECT id, intake_deadline, committee_date FROM review_cycles ORDER BY id")
        .fetch_all(conn)
        .await
}

pub async fn analyze(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("ANALYZE").execute(conn).await?;
    Ok(())
}

/// Row counts of the tables the national data set fills, for the loader's summary.
pub async fn counts(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for table in [
        "accounts",
        "staff_memberships",
        "associations",
        "physicians",
        "certifications",
        "seminars",
        "seminar_units",
        "work_pages",
        "credits",
        "applications",
        "application_events",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await?;
        out.push((table.to_string(), n));
    }
    Ok(out)
}
