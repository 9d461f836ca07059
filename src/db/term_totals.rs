//! Per-term credit totals kept on write (migration 0103): the table the renewal check reads,
//! and the comparison with a fresh aggregate that the tests run after every kind of write.

use rust_decimal::Decimal;
use sqlx::PgConnection;

/// One (term, category, format) where the kept total and a fresh aggregate disagree.
#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Drift {
    pub term_id: i64,
    pub category: String,
    pub format: String,
    pub kept: Decimal,
    pub fresh: Decimal,
}

/// Every key where `term_credit_totals` differs from `term_credit_totals_fresh` (a kept row
/// of 0 units equals a missing fresh row). Empty when the totals are true.
pub async fn drift(conn: &mut PgConnection) -> sqlx::Result<Vec<Drift>> {
    sqlx::query_as(
        "SELECT COALESCE(k.term_id, f.term_id) AS term_id,
                COALESCE(k.category, f.category) AS category,
                COALESCE(k.format, f.format) AS format,
                COALESCE(k.units, 0)::NUMERIC(12, 1) AS kept,
                COALESCE(f.units, 0)::NUMERIC(12, 1) AS fresh
         FROM term_credit_totals k
         FULL JOIN term_credit_totals_fresh f
                ON f.term_id = k.term_id AND f.category = k.category AND f.format = k.format
         WHERE COALESCE(k.units, 0) <> COALESCE(f.units, 0)
         ORDER BY 1, 2, 3",
    )
    .fetch_all(conn)
    .await
}

/// The kept units of all terms of a physician's certifications, summed (for tests that a
/// write moved them at all).
pub async fn physician_units(conn: &mut PgConnection, physician_id: i64) -> sqlx::Result<Decimal> {
    sqlx::query_scalar(
        "SELECT COALESCE(sum(k.units), 0)::NUMERIC(12, 1)
         FROM term_credit_totals k
         JOIN certification_terms t ON t.id = k.term_id
         JOIN certifications ce ON ce.id = t.certification_id
         WHERE ce.physician_id = $1",
    )
    .bind(physician_id)
    .fetch_one(conn)
    .await
}
