//! What the requirement check and the review page read: credits, certifications, letters,
//! evidence files.

#[allow(unused_imports)]
use super::*;

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
