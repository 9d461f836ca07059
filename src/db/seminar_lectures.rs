//! A seminar's programme (timetable), in the order the organizer gave it.

use sqlx::PgConnection;

use crate::domain::timetable::Lecture;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LectureRow {
    pub subject: String,
    pub lecturer: String,
    pub minutes: i32,
    pub category: String,
}

/// Replaces the seminar's programme with `lectures`.
pub async fn replace(
    conn: &mut PgConnection,
    seminar_id: i64,
    lectures: &[Lecture],
) -> sqlx::Result<()> {
    let subjects: Vec<&str> = lectures.iter().map(|l| l.subject.as_str()).collect();
    let lecturers: Vec<&str> = lectures.iter().map(|l| l.lecturer.as_str()).collect();
    let minutes: Vec<i32> = lectures.iter().map(|l| l.minutes as i32).collect();
    let categories: Vec<&str> = lectures.iter().map(|l| l.category.code()).collect();
    // Two statements: one statement's DELETE and INSERT of the same keys would collide.
    sqlx::query("DELETE FROM seminar_lectures WHERE seminar_id = $1")
        .bind(seminar_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO seminar_lectures (seminar_id, position, subject, lecturer, minutes, category)
         SELECT $1, l.ord, l.subject, l.lecturer, l.minutes, l.category
         FROM unnest($2::text[], $3::text[], $4::int[], $5::text[])
              WITH ORDINALITY AS l(subject, lecturer, minutes, category, ord)",
    )
    .bind(seminar_id)
    .bind(&subjects)
    .bind(&lecturers)
    .bind(&minutes)
    .bind(&categories)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn for_seminar(
    conn: &mut PgConnection,
    seminar_id: i64,
) -> sqlx::Result<Vec<LectureRow>> {
    sqlx::query_as(
        "SELECT subject, lecturer, minutes, category FROM seminar_lectures
         WHERE seminar_id = $1 ORDER BY position",
    )
    .bind(seminar_id)
    .fetch_all(conn)
    .await
}
