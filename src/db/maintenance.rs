//! Maintenance windows and the announcements shown on the login page.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::clock::{jst, Jst};
use crate::domain::downtime::Window;

#[derive(sqlx::FromRow)]
struct WindowRow {
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: String,
}

impl From<WindowRow> for Window {
    fn from(r: WindowRow) -> Self {
        Window {
            id: r.id,
            starts_at: r.starts_at.with_timezone(&jst()),
            ends_at: r.ends_at.with_timezone(&jst()),
            reason: r.reason,
        }
    }
}

pub async fn all_windows(pool: &PgPool) -> sqlx::Result<Vec<Window>> {
    let rows: Vec<WindowRow> = sqlx::query_as(
        "SELECT id, starts_at, ends_at, reason FROM maintenance_windows ORDER BY starts_at",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Window::from).collect())
}

pub async fn window(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Window>> {
    let row: Option<WindowRow> = sqlx::query_as(
        "SELECT id, starts_at, ends_at, reason FROM maintenance_windows WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Window::from))
}

pub async fn create_window(
    conn: &mut PgConnection,
    starts_at: Jst,
    ends_at: Jst,
    reason: &str,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO maintenance_windows (starts_at, ends_at, reason, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(starts_at)
    .bind(ends_at)
    .bind(reason)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn delete_window(conn: &mut PgConnection, id: i64) -> sqlx::Result<u64> {
    let done =
        sqlx::query("DELETE FROM maintenance_windows WHERE id = $1").bind(id).execute(conn).await?;
    Ok(done.rows_affected())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Announcement {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub published_from: DateTime<Utc>,
    pub published_until: Option<DateTime<Utc>>,
}

/// Announcements whose publication period includes `now`.
pub async fn visible_announcements(pool: &PgPool, now: Jst) -> sqlx::Result<Vec<Announcement>> {
    sqlx::query_as(
        "SELECT id, title, body, published_from, published_until FROM announcements
         WHERE published_from <= $1 AND (published_until IS NULL OR published_until > $1)
         ORDER BY published_from DESC",
    )
    .bind(now)
    .fetch_all(pool)
    .await
}

pub async fn all_announcements(pool: &PgPool) -> sqlx::Result<Vec<Announcement>> {
    sqlx::query_as(
        "SELECT id, title, body, published_from, published_until FROM announcements
         ORDER BY published_from DESC",
    )
    .fetch_all(pool)
    .await
}

pub async fn announcement(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Announcement>> {
    sqlx::query_as(
        "SELECT id, title, body, published_from, published_until FROM announcements
         WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn create_announcement(
    conn: &mut PgConnection,
    title: &str,
    body: &str,
    published_from: Jst,
    published_until: Option<Jst>,
    now: Jst,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO announcements (title, body, published_from, published_until, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(title)
    .bind(body)
    .bind(published_from)
    .bind(published_until)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn delete_announcement(conn: &mut PgConnection, id: i64) -> sqlx::Result<u64> {
    let done =
        sqlx::query("DELETE FROM announcements WHERE id = $1").bind(id).execute(conn).await?;
    Ok(done.rows_affected())
}
