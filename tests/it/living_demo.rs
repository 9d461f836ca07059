//! The living demo (`cargo run` into an empty database): placed around whatever today is, so a
//! newcomer on any date sees a certification in force with its renewal due, credits on the my
//! page, a seminar's work page, and staff pages with applications in several states.

use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use reqwest::StatusCode;

use crate::common::{TestApp, TestDb};

async fn living_at(now: &str) -> (TestApp, mamis::demo::Living) {
    let db = TestDb::create().await;
    let pool = db.pool(10).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst(now).unwrap());
    let living = mamis::demo::load_living(&pool, clock.now()).await.unwrap();
    (TestApp::start(db, pool, clock, Config::for_tests("unused")).await, living)
}

#[tokio::test]
async fn on_any_date_the_demo_physician_is_in_force_with_renewal_due_and_credits_shown() {
    for now in ["2026-11-26 10:00", "2029-06-15 10:00"] {
        let (app, living) = living_at(now).await;
        let mut doctor = app.signed_in("doctor").await;
        let page = doctor.get("/mypage").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("期限切れ"), "{now}: nothing expired on the my page");
        assert!(page.body.contains("有効（有効期限まで残り"), "{now}: a term in force");
        assert!(page.body.contains("更新申請の時期です"), "{now}: renewal due now");
        let credits = app
            .count(
                "SELECT count(*) FROM credits c JOIN physicians p ON p.id = c.physician_id \
                    JOIN accounts a ON a.id = p.account_id WHERE a.login_id = 'doctor'",
            )
            .await;
        assert!(credits >= 3, "{now}: the doctor has credits ({credits})");
        assert!(page.body.contains("研修会の受講履歴"), "{now}: credits listed");

        let mut organizer = app.browser();
        let work = organizer.get(&living.work_page_path).await;
        assert_eq!(work.status, StatusCode::OK, "{now}: the logged work page opens");
        assert!(work.body.contains(&living.work_page_seminar), "{now}: it is that seminar's");

        let states = app.count("SELECT count(DISTINCT status) FROM applications").await;
        assert!(states >= 4, "{now}: applications in several states ({states})");
    }
}
