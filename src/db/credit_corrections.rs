//! What the organizer changed by hand on the work page (issue 10, part 3), so that a later
//! upload of an old file does not undo it: attendees withdrawn (and the number a wrong one was
//! corrected to) and attendees corrected.

use std::collections::HashMap;

use sqlx::PgConnection;

use crate::clock::Jst;
use crate::domain::revival::PriorState;

#[derive(sqlx::FromRow)]
struct PriorRow {
    registry_number: String,
    active: bool,
    corrected: bool,
    corrected_to: Option<String>,
}

/// Every attendee of the seminar the organizer withdrew or corrected, by 医籍登録番号.
pub async fn prior_states(
    conn: &mut PgConnection,
    seminar_id: i64,
) -> sqlx::Result<HashMap<String, PriorState>> {
    let rows: Vec<PriorRow> = sqlx::query_as(
        "SELECT registry_number,
                bool_or(withdrawn_at IS NULL) AS active,
                bool_or(withdrawn_at IS NULL AND corrected_at IS NOT NULL) AS corrected,
                max(corrected_to) FILTER (WHERE withdrawn_at IS NOT NULL) AS corrected_to
         FROM credits
         WHERE seminar_id = $1 AND (withdrawn_at IS NOT NULL OR corrected_at IS NOT NULL)
         GROUP BY registry_number",
    )
    .bind(seminar_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let state = PriorState::of(r.active, r.corrected, r.corrected_to)?;
            Some((r.registry_number, state))
        })
        .collect())
}

/// Marks an attendee's credits in force as corrected by hand, and (when the number itself was
/// wrong) the withdrawn entry under the old number with the number it was corrected to.
pub async fn mark_corrected(
    conn: &mut PgConnection,
    seminar_id: i64,
    registry_number: &str,
    old_number: Option<&str>,
    now: Jst,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE credits SET corrected_at = $3
         WHERE seminar_id = $1 AND registry_number = $2 AND withdrawn_at IS NULL",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if let Some(old) = old_number {
        sqlx::query(
            "UPDATE credits SET corrected_to = $3
             WHERE seminar_id = $1 AND registry_number = $2 AND withdrawn_at IS NOT NULL",
        )
        .bind(seminar_id)
        .bind(old)
        .bind(registry_number)
        .execute(conn)
        .await?;
    }
    Ok(())
}
