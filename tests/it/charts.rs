//! The associations' charts (issue 14, part 3): on the living demo, each chart's totals are the
//! counts SQL gives for the same window and scope; staff see their own prefecture, JMA the
//! country or any prefecture; the .xlsx carries the same table.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use reqwest::StatusCode;

use crate::common::{TestApp, TestDb};

const NOW: &str = "2026-11-26 10:00";

async fn living() -> TestApp {
    let db = TestDb::create().await;
    let pool = db.pool(10).await;
    mamis::db::migrate(&pool).await.unwrap();
    let clock = Clock::fixed(parse_jst(NOW).unwrap());
    mamis::demo::load_living(&pool, clock.now()).await.unwrap();
    TestApp::start(db, pool, clock, Config::for_tests("unused")).await
}

/// The numbers of a chart's table footer: one per series, then the grand total.
fn footer(body: &str, chart: &str) -> Vec<i64> {
    let start = body.find(&format!(r#"id="chart-{chart}""#)).expect("the chart's section");
    let section = &body[start..];
    let section = &section[..section.find("</section>").unwrap()];
    let foot = &section[section.find("<tfoot>").unwrap()..section.find("</tfoot>").unwrap()];
    foot.split(r#"<td class="num">"#)
        .skip(1)
        .map(|cell| cell[..cell.find('<').unwrap()].parse().unwrap())
        .collect()
}

const DUE: &str = "FROM certification_terms t JOIN certifications c ON c.id = t.certification_id
     LEFT JOIN physicians p ON p.id = c.physician_id
     WHERE t.valid_until >= '2026-11-01' AND t.valid_until < '2028-05-01'
       AND c.status = 'active' AND c.programme = 'occupational'
       AND NOT EXISTS (SELECT 1 FROM certification_terms l
                       WHERE l.certification_id = t.certification_id AND l.valid_from > t.valid_from)";
const APPLIED: &str = "EXISTS (SELECT 1 FROM applications a WHERE a.certification_id = c.id
       AND a.kind = 'renewal'
       AND a.status IN ('submitted', 'municipal_received', 'prefecture_approved', 'returned'))";

#[tokio::test]
async fn each_chart_adds_up_to_the_sql_counts_of_its_window() {
    let app = living().await;
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office").await;
    assert!(page.body.contains(r#"href="/office/charts""#), "offered on the staff menu");
    let page = jma.get("/office/charts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("統計グラフ（全国・認定産業医）"));
    assert_eq!(page.body.matches("<svg").count(), 4, "four charts");

    let due = app.count(&format!("SELECT count(*) {DUE}")).await;
    let applied = app.count(&format!("SELECT count(*) {DUE} AND {APPLIED}")).await;
    let renewals = footer(&page.body, "renewals");
    assert!(due > 0, "the living demo has renewals due");
    assert_eq!(renewals[0], applied, "applied");
    assert_eq!(renewals[1] + renewals[2], due - applied, "not applied, split by credits");
    assert_eq!(renewals[3], due);

    let applications = app
        .count(
            "SELECT count(*) FROM applications a JOIN review_cycles rc ON rc.id = a.cycle_id
             WHERE rc.committee_date BETWEEN '2025-11-26' AND '2027-03-26'",
        )
        .await;
    assert_eq!(*footer(&page.body, "applications").last().unwrap(), applications);

    let seminars = footer(&page.body, "seminars");
    let held = app
        .count(
            "SELECT count(*) FROM seminars WHERE status = 'approved'
             AND ends_on >= '2025-12-01' AND ends_on < '2026-12-01'",
        )
        .await;
    let on_time = app
        .count(
            "SELECT count(*) FROM seminars s WHERE s.status = 'approved'
             AND s.ends_on >= '2025-12-01' AND s.ends_on < '2026-12-01'
             AND EXISTS (SELECT 1 FROM credits c WHERE c.seminar_id = s.id
                         AND c.withdrawn_at IS NULL AND NOT c.late)",
        )
        .await;
    assert!(held > 0);
    assert_eq!((seminars[0], seminars[4]), (on_time, held));

    let unresolved = app
        .count(
            "SELECT count(*) FROM credits WHERE withdrawn_at IS NULL
             AND match_status IN ('birth_date_mismatch', 'unmatched')
             AND registered_at >= '2025-12-01 00:00+09' AND registered_at < '2026-12-01 00:00+09'",
        )
        .await;
    assert_eq!(*footer(&page.body, "unresolved").last().unwrap(), unresolved);
}

#[tokio::test]
async fn prefectural_staff_see_their_prefecture_only_and_others_none() {
    let app = living().await;
    let tokyo_due = app.count(&format!("SELECT count(*) {DUE} AND p.prefecture_code = 13")).await;
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/charts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("統計グラフ（東京都・認定産業医）"));
    assert!(!page.body.contains(r#"<select id="prefecture""#), "no choice of prefecture");
    assert_eq!(*footer(&page.body, "renewals").last().unwrap(), tokyo_due);
    assert_eq!(tokyo.get("/office/charts?prefecture=27").await.status, StatusCode::FORBIDDEN);

    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/charts?prefecture=13").await;
    assert_eq!(*footer(&page.body, "renewals").last().unwrap(), tokyo_due);

    for login in ["chiyoda", "doctor"] {
        let mut b = app.signed_in(login).await;
        let status = b.get("/office/charts").await.status;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{login}: {status}"
        );
    }
}

#[tokio::test]
async fn the_workbook_holds_the_pages_table() {
    let app = living().await;
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/charts?programme=sports").await;
    assert!(page.body.contains("認定健康スポーツ医の更新対象者"));
    let expected = footer(&page.body, "renewals");
    assert!(page.body.contains(r#"href="/office/charts/renewals.xlsx?programme=sports""#));

    let r = jma
        .client
        .get(format!("{}/office/charts/renewals.xlsx?programme=sports", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("集計").unwrap();
    // Header on row 3 (index 2), 18 months, then the totals row.
    let totals_row = 3 + 18;
    assert_eq!(sheet.get_value((totals_row, 0)), Some(&Data::String("計".into())));
    for (col, want) in expected.iter().enumerate() {
        let got = match sheet.get_value((totals_row, col as u32 + 1)) {
            Some(Data::Float(f)) => *f as i64,
            other => panic!("{other:?}"),
        };
        assert_eq!(got, *want, "column {col}");
    }
    assert_eq!(jma.get("/office/charts/nothing.xlsx").await.status, StatusCode::NOT_FOUND);
}
