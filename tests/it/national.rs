//! The national data set's generator, at a tiny scale: it fills an empty database with the
//! counts asked for, the same seed gives the same data, and a generated physician can log in
//! and see their certifications and credits.

use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use mamis::national::{self, ids, progress::Progress, Scale};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::common::{TestApp, TestDb};

const NOW: &str = "2026-06-15 10:00";

async fn generated(seed: u64) -> (TestDb, PgPool, Clock) {
    let db = TestDb::create().await;
    let pool = db.pool(5).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst(NOW).unwrap());
    national::load(&pool, clock.now(), &Scale::tiny(), seed, &Progress::quiet()).await.unwrap();
    (db, pool, clock)
}

async fn checksum(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT md5(
             (SELECT string_agg(concat_ws('|', id, kanji_name, furigana, birth_date,
                         registry_number, address), ',' ORDER BY id) FROM physicians)
          || (SELECT string_agg(concat_ws('|', seminar_id, registry_number, category, units,
                         match_status, birth_date), ',' ORDER BY id) FROM credits)
          || (SELECT string_agg(concat_ws('|', id, physician_id, status, cycle_id), ','
                         ORDER BY id) FROM applications))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn national_generator_fills_counts_deterministically_and_physicians_see_their_credits() {
    let scale = Scale::tiny();
    let (db, pool, clock) = generated(11).await;

    // The demo's physician plus the generated ones; every one registered and linked.
    assert_eq!(
        count(&pool, "SELECT count(*) FROM physicians").await,
        i64::from(scale.physicians) + 1
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM physicians WHERE registration_completed_at IS NULL")
            .await,
        0
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM seminars").await, i64::from(scale.seminars));
    assert_eq!(count(&pool, "SELECT count(*) FROM work_pages").await, i64::from(scale.seminars));
    assert_eq!(count(&pool, "SELECT count(*) FROM credits").await, scale.credits as i64);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM applications").await,
        i64::from(scale.applications)
    );
    for status in ["matched", "unmatched", "birth_date_mismatch"] {
        let n =
            count(&pool, &format!("SELECT count(*) FROM credits WHERE match_status = '{status}'"))
                .await;
        assert!(n > 0, "no {status} credits");
    }
    // Matching as the real code records it: a physician id only on matched credits.
    assert_eq!(
        count(&pool, "SELECT count(*) FROM credits WHERE (physician_id IS NOT NULL) <> (match_status = 'matched')").await,
        0
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM credits c JOIN physicians p ON p.id = c.physician_id WHERE p.birth_date <> c.birth_date OR p.registry_number <> c.registry_number").await,
        0
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM credits c JOIN seminars s ON s.id = c.seminar_id WHERE s.format = 'web' AND (c.category LIKE 'basic%' OR c.category = 'lifelong_practical')").await,
        0
    );
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT status) FROM applications").await,
        national::applications::STATUSES.len() as i64
    );
    assert!(
        count(&pool, "SELECT count(*) FROM certifications WHERE physician_id IS NULL").await == 0
    );

    // The same seed, the same data; another seed, other data.
    let first = checksum(&pool).await;
    let (_db2, pool2, _) = generated(11).await;
    assert_eq!(first, checksum(&pool2).await);
    let (_db3, pool3, _) = generated(12).await;
    assert_ne!(first, checksum(&pool3).await);

    // A second run into the same database is refused.
    let again = national::load(&pool, clock.now(), &scale, 11, &Progress::quiet()).await;
    assert!(again.is_err());

    let app = TestApp::start(db, pool, clock, Config::for_tests("unused")).await;
    let physician = sqlx::query_scalar::<_, i64>(
        "SELECT p.id FROM physicians p JOIN accounts a ON a.id = p.account_id
         WHERE a.login_id = 'p000001'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let credited =
        app.count(&format!("SELECT count(*) FROM credits WHERE physician_id = {physician}")).await;
    let mut b = app.signed_in(&ids::physician_login_id(1)).await;
    let page = b.get("/mypage").await;
    assert_eq!(page.status, StatusCode::OK);
    let name: String = sqlx::query_scalar("SELECT kanji_name FROM physicians WHERE id = $1")
        .bind(physician)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(page.body.contains(&name), "my page shows the physician's name");
    assert!(page.body.contains("認定"), "my page shows certifications");
    if credited > 0 {
        let history = b.get("/mypage/history").await;
        assert_eq!(history.status, StatusCode::OK);
    }
    // The demo logins still work alongside, and staff of a prefecture open their office.
    app.signed_in("doctor").await;
    let mut office = app.signed_in(&ids::prefectural_staff_login_id(13)).await;
    assert_eq!(office.get("/office/applications").await.status, StatusCode::OK);
    let token = ids::work_page_token(11, 1);
    assert_eq!(app.browser().get(&format!("/work/{token}")).await.status, StatusCode::OK);
}
