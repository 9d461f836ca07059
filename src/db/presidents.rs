//! The presidents' names (会長名) printed on paper: the request letter names the prefecture's
//! and the JMA's, the certificate is signed by the JMA's.

use sqlx::{PgConnection, PgPool};

pub async fn of_association(pool: &PgPool, association_id: i64) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT president_name FROM associations WHERE id = $1")
        .bind(association_id)
        .fetch_optional(pool)
        .await?
        .flatten())
}

/// Sets it; returns the previous name.
pub async fn set(
    conn: &mut PgConnection,
    association_id: i64,
    name: Option<&str>,
) -> sqlx::Result<Option<String>> {
    let before: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE associations a SET president_name = $2
         FROM (SELECT id, president_name FROM associations WHERE id = $1 FOR UPDATE) old
         WHERE a.id = old.id RETURNING old.president_name",
    )
    .bind(association_id)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    Ok(before.flatten())
}

/// The JMA president's name (the certificate's signatory).
pub async fn jma(pool: &PgPool) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT president_name FROM associations WHERE kind = 'jma' ORDER BY id LIMIT 1",
    )
    .fetch_optional(pool)
    .await?
    .flatten())
}

/// For the request letter: (the prefectural association's president, the JMA's).
pub async fn for_letter(
    conn: &mut PgConnection,
    prefecture: i16,
) -> sqlx::Result<(Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT (SELECT president_name FROM associations
                 WHERE kind = 'prefectural' AND prefecture_code = $1),
                (SELECT president_name FROM associations WHERE kind = 'jma' ORDER BY id LIMIT 1)",
    )
    .bind(prefecture)
    .fetch_one(conn)
    .await
}
