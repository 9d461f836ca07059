//! Every page runs a bounded number of SQL statements, whatever the data (no N+1): the main
//! pages of each role are opened with a few rows, then again after many more credits,
//! applications and seminars were added, and each page's count (the `X-Query-Count` header)
//! must be the same both times and within its bound.

use std::collections::BTreeMap;

use crate::common::{Browser, TestApp};
use chrono::{Days, NaiveDate};
use mamis::db::seminars::{create, NewSeminar};
use reqwest::StatusCode;
use rust_decimal::Decimal;

/// Statements per page at most: the session, the signed-in account and the page's own data,
/// as measured when this test was written (a page that needs more should say why).
const BOUNDS: &[(&str, u32)] = &[
    // The session, the account, and everything the page shows in one statement (issue 15:
    // the physician, credit sums, applications, internal deadlines, terms, certifications,
    // history and held credits as rows and JSON; it was 10), + the administrators'
    // announcements shown on the home pages (issue 13).
    ("doctor /mypage", 4),
    ("doctor /mypage/credits/print", 6),
    ("doctor /mypage/applications", 6),
    // + the requirement check's facts (app::checks, issue 9); it reuses the page's credits.
    ("doctor application", 13),
    ("doctor /mypage/profile", 5),
    ("tokyo /office", 3),
    ("tokyo /office/applications", 4),
    ("tokyo application", 10),
    // + seminars past due with credits attached to nobody (issue 10).
    ("tokyo /office/watch", 6),
    ("tokyo /office/seminars", 3),
    ("tokyo /office/reports", 4),
    ("tokyo /office/physicians", 3),
    // The seminar with its units by the token in one statement (was three).
    ("organizer work page", 3),
    // The seminar, then the list's counts and the page in one statement (was 6).
    ("organizer work page credits", 2),
];

struct Fixture {
    doctor_application: i64,
    tokyo_application: i64,
    work_page: String,
    work_seminar: i64,
}

async fn seminar(app: &TestApp, title: &str, held: NaiveDate) -> i64 {
    let units =
        [("lifelong_renewal", Decimal::from(1)), ("lifelong_specialized", Decimal::from(2))];
    let mut conn = app.pool.acquire().await.unwrap();
    create(
        &mut conn,
        &NewSeminar {
            programme: "occupational",
            title,
            starts_on: held,
            ends_on: held,
            format: "in_person",
            venue: "医師会館",
            organizer_association_id: None,
            organizer_name: "産業保健研究会",
            contact_name: "鈴木 一郎",
            contact_email: "organizer@example.jp",
            contact_phone: Some("03-1111-2222"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: false,
            capacity: None,
            units: &units,
        },
        app.clock.now(),
    )
    .await
    .unwrap()
}

async fn credit(app: &TestApp, seminar_id: i64, registry_number: &str, category: &str) {
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, physician_id, match_status, registered_at,
             updated_at)
         SELECT $1, $2, '受講 者', 'ジュコウ シャ', '1970-05-15', 'male', 'a@example.jp',
                '03-0000-0000', $3, 1, 'in_person',
                (SELECT id FROM physicians WHERE registry_number = $2),
                CASE WHEN EXISTS (SELECT 1 FROM physicians WHERE registry_number = $2)
                     THEN 'matched' ELSE 'unmatched' END,
                now(), now()",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .bind(category)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// `n` more of everything: seminars with a credit of the demo physician each, credits of other
/// attendees on the work page's seminar, declared credits and events on both applications,
/// and physicians with applications in Tokyo's queue.
async fn add_rows(app: &TestApp, fixture: &Fixture, batch: usize, n: usize) {
    let held = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
    for i in 0..n {
        let id = seminar(app, &format!("研修会 {batch}-{i}"), held + Days::new(i as u64)).await;
        credit(app, id, "123456", "lifelong_renewal").await;
        credit(app, id, "123456", "lifelong_specialized").await;
        credit(
            app,
            fixture.work_seminar,
            &format!("{}", 700_000 + batch * 1000 + i),
            "lifelong_renewal",
        )
        .await;
    }
    for application in [fixture.doctor_application, fixture.tokyo_application] {
        sqlx::query(
            "INSERT INTO declared_credits (application_id, category, format, units, attended_on,
                 source)
             SELECT $1, 'lifelong_renewal', 'in_person', 1, DATE '2024-06-01' + g, 'handbook'
             FROM generate_series(1, $2) AS g",
        )
        .bind(application)
        .bind(n as i32)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // Physicians of Tokyo, each with a submitted application received by the prefecture.
    sqlx::query(
        "WITH p AS (
             INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
                 prefecture_code, details_confirmed_at, registration_completed_at, created_at,
                 updated_at)
             SELECT '医師 ' || g, 'イシ', DATE '1960-01-01' + g, 'female', (800000 + $1 * 1000 + g)::text,
                    '03-1234-5678', 13, now(), now(), now(), now()
             FROM generate_series(1, $2) AS g
             RETURNING id)
         INSERT INTO applications (physician_id, programme, kind, prefecture_code,
             receiving_association_id, status, submitted_at, created_at, updated_at)
         SELECT p.id, 'occupational', 'new', 13,
                (SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13),
                'submitted', now(), now(), now()
         FROM p",
    )
    .bind(batch as i32)
    .bind(n as i32)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn fixture(app: &TestApp) -> Fixture {
    let tokyo: i64 = app
        .count("SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13")
        .await;
    let doctor_application: i64 = sqlx::query_scalar(
        "INSERT INTO applications (physician_id, programme, kind, certification_id,
             prefecture_code, receiving_association_id, status, submitted_at, created_at,
             updated_at)
         SELECT p.id, 'occupational', 'renewal',
                (SELECT id FROM certifications WHERE physician_id = p.id
                   AND programme = 'occupational'),
                13, $1, 'submitted', now(), now(), now()
         FROM physicians p WHERE p.registry_number = '123456'
         RETURNING id",
    )
    .bind(tokyo)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let work_seminar =
        seminar(app, "受講者の多い研修会", NaiveDate::from_ymd_opt(2025, 4, 5).unwrap()).await;
    let mut conn = app.pool.acquire().await.unwrap();
    let token =
        mamis::db::work_pages::issue(&mut conn, work_seminar, None, app.clock.now()).await.unwrap();
    Fixture {
        doctor_application,
        tokyo_application: doctor_application,
        work_page: format!("/work/{token}"),
        work_seminar,
    }
}

async fn count(browser: &mut Browser, path: &str) -> u32 {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", &page.body[..page.body.len().min(500)]);
    page.headers
        .get(mamis::web::middleware::query_count::HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{path} has no query count"))
}

async fn page_counts(app: &TestApp, fixture: &Fixture) -> BTreeMap<&'static str, u32> {
    let (doctor, tokyo, organizer) = (0, 1, 2);
    let mut browsers = [app.signed_in("doctor").await, app.signed_in("tokyo").await, app.browser()];
    let mut counts = BTreeMap::new();
    let doctor_application = format!("/mypage/applications/{}", fixture.doctor_application);
    let tokyo_application = format!("/office/applications/{}", fixture.tokyo_application);
    let work_credits = format!("{}/credits", fixture.work_page);
    for (name, browser, path) in [
        ("doctor /mypage", doctor, "/mypage"),
        ("doctor /mypage/credits/print", doctor, "/mypage/credits/print"),
        ("doctor /mypage/applications", doctor, "/mypage/applications"),
        ("doctor application", doctor, doctor_application.as_str()),
        ("doctor /mypage/profile", doctor, "/mypage/profile"),
        ("tokyo /office", tokyo, "/office"),
        ("tokyo /office/applications", tokyo, "/office/applications"),
        ("tokyo application", tokyo, tokyo_application.as_str()),
        ("tokyo /office/watch", tokyo, "/office/watch"),
        ("tokyo /office/seminars", tokyo, "/office/seminars"),
        ("tokyo /office/reports", tokyo, "/office/reports"),
        ("tokyo /office/physicians", tokyo, "/office/physicians?q=%E5%8C%BB%E5%B8%AB"),
        ("organizer work page", organizer, fixture.work_page.as_str()),
        ("organizer work page credits", organizer, work_credits.as_str()),
    ] {
        // The second visit is the steady state (the first may create the session row).
        count(&mut browsers[browser], path).await;
        counts.insert(name, count(&mut browsers[browser], path).await);
    }
    counts
}

#[tokio::test]
async fn every_page_runs_a_bounded_number_of_statements_whatever_the_rows() {
    // Counting needs sqlx's statement events, so the test process gets a subscriber that only
    // counts. Global, not per thread: with a thread's own subscriber, statements whose callsite
    // another test's thread registered first went uncounted when all tests ran together.
    let _ = tracing::subscriber::set_global_default(
        mamis::web::middleware::query_count::counting_subscriber(),
    );
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let fixture = fixture(&app).await;
    add_rows(&app, &fixture, 1, 2).await;
    let few = page_counts(&app, &fixture).await;
    add_rows(&app, &fixture, 2, 40).await;
    let many = page_counts(&app, &fixture).await;
    println!("statements per page (few rows → many rows):");
    for (name, n) in &few {
        println!("  {name:<32} {n:>3} → {:>3}", many[name]);
    }
    for (name, bound) in BOUNDS {
        assert!(few[name] > 0, "{name}: nothing counted");
        assert_eq!(few[name], many[name], "{name}: the statement count grows with the rows");
        assert!(many[name] <= *bound, "{name}: {} statements, bound {bound}", many[name]);
    }
}
