//! Per-term credit totals kept on write (issue 15, migration 0103): after writes that do not
//! go through a credit statement — a seminar moved to another day, a term's dates changed, a
//! new term, a credit deleted — the kept totals still equal a fresh aggregate. (The credit
//! writes themselves — CSV commit, single entry, withdrawal, correction, held credits attached
//! and rejected, attach at registration, renewal approval, certification linking — check the
//! same in their own tests through `TestApp::assert_term_totals_true`.)

use crate::common::TestApp;
use mamis::db::term_totals;
use rust_decimal::Decimal;

async fn physician_units(app: &TestApp, physician: i64) -> Decimal {
    let mut conn = app.pool.acquire().await.unwrap();
    term_totals::physician_units(&mut conn, physician).await.unwrap()
}

async fn exec(app: &TestApp, sql: &str) -> u64 {
    sqlx::query(sql).execute(&app.pool).await.unwrap().rows_affected()
}

#[tokio::test]
async fn totals_follow_seminar_moves_term_changes_and_deletes() {
    let app = TestApp::spawn().await;
    app.assert_term_totals_true("loading the demo data").await;
    // A seminar within the demo doctor's occupational term, with two matched credits.
    exec(
        &app,
        "WITH t AS (
             SELECT t.valid_from + 30 AS d FROM certification_terms t
             JOIN certifications ce ON ce.id = t.certification_id
             JOIN physicians p ON p.id = ce.physician_id
             WHERE p.registry_number = '123456' AND ce.programme = 'occupational'
             ORDER BY t.valid_from LIMIT 1
         ), s AS (
             INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
                 organizer_name, contact_name, contact_email, contact_phone,
                 approving_prefecture_code, status, created_at, updated_at)
             SELECT 'occupational', '合計の試験', t.d, t.d, 'in_person', '会場', '医師会', '担当',
                    'x@example.jp', '03-0000-0000', 13, 'approved', now(), now()
             FROM t RETURNING id
         )
         INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date,
             sex, email, phone, category, units, format, physician_id, match_status,
             registered_at, updated_at)
         SELECT s.id, p.registry_number, p.kanji_name, p.furigana, p.birth_date, p.sex,
                'p@example.jp', '03-0000-0000', cat, 1.5, 'in_person', p.id, 'matched',
                now(), now()
         FROM s, physicians p, unnest(ARRAY['lifelong_renewal', 'lifelong_specialized']) cat
         WHERE p.registry_number = '123456'",
    )
    .await;
    app.assert_term_totals_true("credits inserted").await;
    // A credit that counts in some term of its physician's.
    let (seminar, physician): (i64, i64) = sqlx::query_as(
        "SELECT c.seminar_id, ce.physician_id FROM credits c
         JOIN seminars s ON s.id = c.seminar_id
         JOIN certifications ce ON ce.physician_id = c.physician_id AND ce.programme = s.programme
         JOIN certification_terms t ON t.certification_id = ce.id
                                   AND s.ends_on BETWEEN t.valid_from AND t.valid_until
         WHERE c.match_status = 'matched' AND c.withdrawn_at IS NULL
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let start = physician_units(&app, physician).await;
    assert_eq!(start, Decimal::new(30, 1), "the two credits count in the term");

    // The seminar moves to 1990: its units leave every term.
    let (old_start, old_end): (chrono::NaiveDate, chrono::NaiveDate) =
        sqlx::query_as("SELECT starts_on, ends_on FROM seminars WHERE id = $1")
            .bind(seminar)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    exec(&app, &format!("UPDATE seminars SET starts_on = '1990-01-01', ends_on = '1990-01-01' WHERE id = {seminar}")).await;
    app.assert_term_totals_true("a seminar moved").await;
    let moved = physician_units(&app, physician).await;
    assert!(moved < start, "the moved seminar's units left the term: {moved} < {start}");
    sqlx::query("UPDATE seminars SET starts_on = $2, ends_on = $3 WHERE id = $1")
        .bind(seminar)
        .bind(old_start)
        .bind(old_end)
        .execute(&app.pool)
        .await
        .unwrap();
    app.assert_term_totals_true("a seminar moved back").await;
    assert_eq!(physician_units(&app, physician).await, start);

    // Terms shrunk to one day (and back), and a term added.
    exec(&app, "UPDATE certification_terms SET valid_until = valid_from").await;
    app.assert_term_totals_true("terms shortened").await;
    exec(&app, "UPDATE certification_terms SET valid_until = valid_from + 3650").await;
    app.assert_term_totals_true("terms lengthened").await;
    exec(
        &app,
        "INSERT INTO certification_terms (certification_id, valid_from, valid_until, origin,
             created_at)
         SELECT id, DATE '2040-01-01', DATE '2044-12-31', 'imported', now() FROM certifications",
    )
    .await;
    app.assert_term_totals_true("a term added").await;

    // A credit deleted, others withdrawn and restored in one statement.
    exec(&app, &format!("DELETE FROM credits WHERE id = (SELECT min(id) FROM credits WHERE seminar_id = {seminar} AND match_status = 'matched')")).await;
    app.assert_term_totals_true("a credit deleted").await;
    let withdrawn = "TIMESTAMPTZ '2001-02-03 04:05:06+09'";
    exec(&app, &format!("UPDATE credits SET withdrawn_at = {withdrawn} WHERE id % 2 = 0 AND withdrawn_at IS NULL")).await;
    app.assert_term_totals_true("credits withdrawn").await;
    exec(&app, &format!("UPDATE credits SET withdrawn_at = NULL WHERE withdrawn_at = {withdrawn}"))
        .await;
    app.assert_term_totals_true("credits restored").await;
}
