//! Uploaded files (evidence, report attachments), kept in PostgreSQL.

use sqlx::PgPool;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileData {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// One file of an owner (e.g. `application` 12), or None when it belongs to someone else.
pub async fn get(
    pool: &PgPool,
    owner_type: &str,
    owner_id: i64,
    file_id: i64,
) -> sqlx::Result<Option<FileData>> {
    sqlx::query_as(
        "SELECT file_name, content_type, data FROM uploaded_files
         WHERE id = $1 AND owner_type = $2 AND owner_id = $3",
    )
    .bind(file_id)
    .bind(owner_type)
    .bind(owner_id)
    .fetch_optional(pool)
    .await
}
