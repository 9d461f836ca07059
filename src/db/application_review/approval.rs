//! Approval effects: the certification issued and the paper certificate to forward.

#[allow(unused_imports)]
use super::*;

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
