//! Linking certification data (and later credits) to physicians by 医籍登録番号 + 生年月日.
//! A number that matches with a different birth date is never linked silently: it goes to the
//! staff review queue (link_reviews).

use sqlx::PgConnection;

use crate::clock::Jst;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub linked: u64,
    pub queued: u64,
}

/// Links every unlinked certification that matches a registered physician, and queues the
/// birth-date mismatches. `physician_id` limits the work to one physician (at 登録完了);
/// None covers everyone (after an import).
pub async fn link_certifications(
    conn: &mut PgConnection,
    physician_id: Option<i64>,
    now: Jst,
) -> sqlx::Result<Outcome> {
    let linked = sqlx::query(
        "UPDATE certifications c
         SET physician_id = p.id, linked_at = $2, updated_at = $2
         FROM physicians p
         WHERE c.physician_id IS NULL
           AND p.registration_completed_at IS NOT NULL
           AND p.registry_number = c.registry_number
           AND p.birth_date = c.birth_date
           AND ($1::bigint IS NULL OR p.id = $1)",
    )
    .bind(physician_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let queued = sqlx::query(
        "INSERT INTO link_reviews (physician_id, certification_id, created_at)
         SELECT p.id, c.id, $2
         FROM certifications c
         JOIN physicians p ON p.registry_number = c.registry_number
         WHERE c.physician_id IS NULL
           AND p.registration_completed_at IS NOT NULL
           AND p.birth_date <> c.birth_date
           AND ($1::bigint IS NULL OR p.id = $1)
         ON CONFLICT (physician_id, certification_id) DO NOTHING",
    )
    .bind(physician_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(Outcome { linked, queued })
}

/// Counts for the my page: linked certifications and open reviews of one physician.
pub async fn counts(conn: &mut PgConnection, physician_id: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM certifications WHERE physician_id = $1),
                (SELECT count(*) FROM link_reviews WHERE physician_id = $1 AND status = 'open')",
    )
    .bind(physician_id)
    .fetch_one(conn)
    .await
}
