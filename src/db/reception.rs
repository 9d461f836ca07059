//! Per-prefecture reception setting (issue 9 §5): whether members apply through their
//! municipal association (`associations.uses_municipal_reception` of the prefectural one).

use sqlx::{PgConnection, PgPool};

pub async fn uses_municipal(pool: &PgPool, prefecture: i16) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar(
        "SELECT uses_municipal_reception FROM associations
         WHERE kind = 'prefectural' AND prefecture_code = $1",
    )
    .bind(prefecture)
    .fetch_optional(pool)
    .await
}

/// Sets it; returns the previous value (None: no such prefecture).
pub async fn set_uses_municipal(
    conn: &mut PgConnection,
    prefecture: i16,
    uses: bool,
) -> sqlx::Result<Option<bool>> {
    let before: Option<bool> = sqlx::query_scalar(
        "SELECT uses_municipal_reception FROM associations
         WHERE kind = 'prefectural' AND prefecture_code = $1 FOR UPDATE",
    )
    .bind(prefecture)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE associations SET uses_municipal_reception = $2
         WHERE kind = 'prefectural' AND prefecture_code = $1",
    )
    .bind(prefecture)
    .bind(uses)
    .execute(conn)
    .await?;
    Ok(before)
}

/// A prefecture's guidance for applicants.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Guidance {
    pub fee_instructions: Option<String>,
    pub mailing_address: Option<String>,
}

pub async fn guidance(pool: &PgPool, prefecture: i16) -> sqlx::Result<Guidance> {
    Ok(sqlx::query_as(
        "SELECT fee_instructions, mailing_address FROM associations
         WHERE kind = 'prefectural' AND prefecture_code = $1",
    )
    .bind(prefecture)
    .fetch_optional(pool)
    .await?
    .unwrap_or_default())
}

pub async fn set_guidance(
    conn: &mut PgConnection,
    prefecture: i16,
    guidance: &Guidance,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE associations SET fee_instructions = $2, mailing_address = $3
         WHERE kind = 'prefectural' AND prefecture_code = $1",
    )
    .bind(prefecture)
    .bind(&guidance.fee_instructions)
    .bind(&guidance.mailing_address)
    .execute(conn)
    .await?;
    Ok(())
}
