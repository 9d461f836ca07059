//! Read routing to a read replica (`DATABASE_REPLICA_URL`, docs/SCALING.md §2).
//!
//! The "replica" here is not a streaming replica (the drill `cargo bench --bench drills --
//! replica` makes a real one): it is a second database copied from the first after the demo
//! data was loaded, in which the demo physician's name was then changed. A page that shows the
//! changed name was read from the "replica", one that shows the real name from the primary.

use std::time::Duration;

use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use reqwest::StatusCode;

use crate::common::{TestApp, TestDb};

const REAL_NAME: &str = "山田 太郎";
const REPLICA_NAME: &str = "複製 花子";
/// The read-your-writes window these tests run with.
const WINDOW: Duration = Duration::from_secs(2);

/// The portal with the demo data on the primary and a diverging copy as its replica.
async fn with_copy_as_replica() -> (TestApp, TestDb) {
    let db = TestDb::create().await;
    let pool = db.pool(5).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst("2025-04-10 10:00").unwrap());
    mamis::demo::load(&pool, clock.now()).await.unwrap();
    pool.close().await;
    let replica = db.copy().await;
    let replica_pool = replica.pool(2).await;
    let changed = sqlx::query("UPDATE physicians SET kanji_name = $1 WHERE kanji_name = $2")
        .bind(REPLICA_NAME)
        .bind(REAL_NAME)
        .execute(&replica_pool)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1, "the demo physician is {REAL_NAME}");
    replica_pool.close().await;
    let mut config = Config::for_tests("unused");
    config.database_replica_url = Some(replica.url.clone());
    config.read_your_writes = WINDOW;
    let pool = db.pool(10).await;
    (TestApp::start(db, pool, clock, config).await, replica)
}

/// Which database the page's physician record came from (the header's account name always
/// comes from the primary: sessions and accounts are never read from the replica).
fn name_shown(body: &str) -> &'static str {
    match (body.contains(REAL_NAME), body.contains(REPLICA_NAME)) {
        (_, true) => "replica",
        (true, false) => "primary",
        (false, false) => "neither",
    }
}

#[tokio::test]
async fn reads_go_to_the_replica_except_right_after_a_write_and_survive_its_loss() {
    let (app, replica) = with_copy_as_replica().await;
    // Signing in is a write: for the window after it, the my page comes from the primary.
    let mut b = app.signed_in("doctor").await;
    let page = b.get("/mypage").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(name_shown(&page.body), "primary", "{}", page.body);

    tokio::time::sleep(WINDOW + Duration::from_millis(300)).await;
    let page = b.get("/mypage").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(name_shown(&page.body), "replica", "after the window: {}", page.body);
    let print = b.get("/mypage/credits/print").await;
    assert_eq!(name_shown(&print.body), "replica", "{}", print.body);

    // The physician changes their contact details: the next reads are the primary's again.
    let form = b.get("/mypage/profile/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    let saved = b
        .post(
            "/mypage/profile/edit",
            &[
                ("phone", "03-1234-5678"),
                ("fax", ""),
                ("postal_code", "100-0001"),
                ("prefecture", "13"),
                ("address", "東京都千代田区丸の内2-2"),
                ("workplace", "千代田産業保健クリニック"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let cookie = saved.headers.get_all("set-cookie").iter().any(|v| {
        v.to_str().is_ok_and(|v| v.starts_with(mamis::web::middleware::replica::WROTE_COOKIE))
    });
    assert!(cookie, "a successful POST marks the write");
    let page = b.get("/mypage").await;
    assert_eq!(name_shown(&page.body), "primary", "right after the write: {}", page.body);
    // A failed POST (validation error) marks nothing.
    let refused = b.post("/mypage/profile/edit", &[("phone", "x")]).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert!(refused.headers.get("set-cookie").is_none());

    tokio::time::sleep(WINDOW + Duration::from_millis(300)).await;
    assert_eq!(name_shown(&b.get("/mypage").await.body), "replica");
    let mut admin = app.signed_in("admin").await;
    let home = admin.get("/admin").await;
    assert!(home.body.contains("読み取りレプリカ: 遅延 0.0 秒"), "{}", home.body);

    // The replica goes away between two health checks: the read that meets it is answered
    // from the primary, without an error.
    sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", replica.name))
        .execute(&app.pool)
        .await
        .unwrap();
    let page = b.get("/mypage").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(name_shown(&page.body), "primary", "{}", page.body);
    let page = b.get("/mypage/credits/print").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let home = admin.get("/admin").await;
    assert!(home.body.contains("読み取りレプリカ: 応答なし"), "{}", home.body);
}

#[tokio::test]
async fn a_replica_at_a_dead_port_costs_no_error() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let db = TestDb::create().await;
    let pool = db.pool(10).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst("2025-04-10 10:00").unwrap());
    mamis::demo::load(&pool, clock.now()).await.unwrap();
    let mut config = Config::for_tests("unused");
    config.database_replica_url = Some(format!("postgres://postgres@127.0.0.1:{dead}/none"));
    config.read_your_writes = Duration::ZERO;
    let app = TestApp::start(db, pool, clock, config).await;
    let mut b = app.signed_in("doctor").await;
    for path in ["/mypage", "/mypage/credits/print", "/seminars", "/mypage"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }
    assert_eq!(name_shown(&b.get("/mypage").await.body), "primary");
    let mut tokyo = app.signed_in("tokyo").await;
    for path in ["/office/watch", "/office/exports/prefecture-summary.xlsx"] {
        let page = tokyo.get(path).await;
        assert!(page.status.is_success(), "{path}: {} {}", page.status, page.body);
    }
    let mut admin = app.signed_in("admin").await;
    let home = admin.get("/admin").await;
    assert!(home.body.contains("読み取りレプリカ: 応答なし"), "{}", home.body);
}

#[tokio::test]
async fn without_a_replica_the_admin_page_says_so_and_no_write_mark_is_set() {
    let app = TestApp::spawn().await;
    let mut b = app.browser();
    let r = b.login("admin", crate::common::PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers.get_all("set-cookie").iter().all(|v| !v
        .to_str()
        .unwrap_or("")
        .starts_with(mamis::web::middleware::replica::WROTE_COOKIE)));
    let home = b.get("/admin").await;
    assert!(home.body.contains("読み取りレプリカ: レプリカなし"), "{}", home.body);
}
