//! Staff spreadsheets (.xlsx): downloaded over HTTP and read back with calamine.

use crate::common;

use std::io::Cursor;

use crate::common::TestApp;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use mamis::db::accounts;
use mamis::domain::requirements::limits;
use mamis::domain::role::{AssociationKind, Role};
use mamis::export::xlsx::{
    col, HANDBOOK_DECLARED, HANDBOOK_HEADING, RENEWAL_FIRST_ROW, RENEWAL_SPARE_ROWS,
};
use reqwest::StatusCode;
use sqlx::PgPool;

const NOW: &str = "2026-03-01 10:00";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn physician(pool: &PgPool, name: &str, registry: &str, prefecture: i16) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
             postal_code, address, prefecture_code, registration_completed_at, created_at, updated_at)
         VALUES ($1, 'テスト', DATE '1970-01-01', 'male', $2, '03-0000-0000', '100-0001',
                 '東京都千代田区1-1', $3, now(), now(), now())
         RETURNING id",
    )
    .bind(name)
    .bind(registry)
    .bind(prefecture)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn certification(
    pool: &PgPool,
    physician: i64,
    number: &str,
    until: &str,
    status: &str,
) -> i64 {
    sqlx::query_scalar(
        "WITH c AS (INSERT INTO certifications (programme, certificate_number, registry_number,
                         birth_date, physician_id, status, created_at, updated_at)
                     SELECT 'occupational', $2, registry_number, birth_date, id, $4, now(), now()
                     FROM physicians WHERE id = $1
                     RETURNING id),
              t AS (INSERT INTO certification_terms (certification_id, valid_from, valid_until,
                         origin, created_at)
                     SELECT id, $3::date - INTERVAL '5 years' + INTERVAL '1 day', $3::date,
                            'imported', now() FROM c)
         SELECT id FROM c",
    )
    .bind(physician)
    .bind(number)
    .bind(until)
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn seminar(pool: &PgPool, ends_on: &str, format: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue, organizer_name,
             contact_name, contact_email, contact_phone, approving_prefecture_code, status,
             created_at, updated_at)
         VALUES ('occupational', '研修会', $1::date, $1::date, $2, '会場', '東京都医師会', '担当',
                 'x@example.jp', '03-0000-0000', 13, 'approved', now(), now())
         RETURNING id",
    )
    .bind(ends_on)
    .bind(format)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn credit(
    pool: &PgPool,
    seminar: i64,
    physician: i64,
    category: &str,
    format: &str,
    units: i32,
) {
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, physician_id, match_status, registered_at,
             updated_at)
         SELECT $1, registry_number, kanji_name, furigana, birth_date, sex, 'p@example.jp',
                '03-0000-0000', $3, $5, $4, id, 'matched', now(), now()
         FROM physicians WHERE id = $2",
    )
    .bind(seminar)
    .bind(physician)
    .bind(category)
    .bind(format)
    .bind(units)
    .execute(pool)
    .await
    .unwrap();
}

async fn application(
    pool: &PgPool,
    physician: i64,
    cert: i64,
    prefecture: i16,
    status: &str,
    paid: bool,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO applications (physician_id, programme, kind, certification_id, prefecture_code,
             receiving_association_id, status, fee_paid_at, submitted_at, created_at, updated_at)
         SELECT $1, 'occupational', 'renewal', $2, $3, a.id, $4,
                CASE WHEN $5 THEN now() END, now(), now(), now()
         FROM associations a WHERE a.kind = 'prefectural' AND a.prefecture_code = $3
         RETURNING id",
    )
    .bind(physician)
    .bind(cert)
    .bind(prefecture)
    .bind(status)
    .bind(paid)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn declare(
    pool: &PgPool,
    application: i64,
    category: &str,
    format: &str,
    units: i32,
    on: &str,
) {
    sqlx::query(
        "INSERT INTO declared_credits (application_id, category, format, units, attended_on, source)
         VALUES ($1, $2, $3, $4, $5::date, 'handbook')",
    )
    .bind(application)
    .bind(category)
    .bind(format)
    .bind(units)
    .bind(on)
    .execute(pool)
    .await
    .unwrap();
}

async fn osaka_staff(app: &TestApp) {
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    let now = app.clock.now();
    let mut conn = app.pool.acquire().await.unwrap();
    let id = accounts::create(
        &mut conn,
        &accounts::NewAccount {
            login_id: "osaka",
            password_hash: &hash,
            role: Role::PrefecturalStaff,
            display_name: "大阪府医師会 事務局",
            email: Some("office@osaka.example.jp"),
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    let osaka = accounts::association_id(&mut conn, AssociationKind::Prefectural, Some(27), None)
        .await
        .unwrap()
        .unwrap();
    accounts::add_membership(&mut conn, id, osaka, now).await.unwrap();
}

/// Tokyo: 田中 (credits inside and outside the period, handbook units, paid), a name that looks
/// like a formula (nothing, unpaid), a draft that must not appear; Osaka: one applicant.
async fn seed(app: &TestApp) {
    let pool = &app.pool;
    let tanaka = physician(pool, "田中 一郎", "900001", 13).await;
    let tanaka_cert = certification(pool, tanaka, "1000123", "2026-07-31", "active").await;
    let inside = seminar(pool, "2025-06-01", "in_person").await;
    let web = seminar(pool, "2025-07-01", "web").await;
    let before = seminar(pool, "2021-07-31", "in_person").await;
    credit(pool, inside, tanaka, "lifelong_renewal", "in_person", 2).await;
    credit(pool, inside, tanaka, "lifelong_practical", "in_person", 1).await;
    credit(pool, inside, tanaka, "lifelong_specialized", "in_person", 3).await;
    credit(pool, web, tanaka, "lifelong_renewal", "web", 4).await;
    credit(pool, web, tanaka, "lifelong_specialized", "web", 3).await;
    credit(pool, web, tanaka, "lifelong_practical", "web", 2).await;
    credit(pool, before, tanaka, "lifelong_renewal", "in_person", 10).await;
    let a = application(pool, tanaka, tanaka_cert, 13, "submitted", true).await;
    declare(pool, a, "lifelong_renewal", "in_person", 5, "2023-05-01").await;
    declare(pool, a, "lifelong_specialized", "in_person", 4, "2024-01-10").await;
    declare(pool, a, "lifelong_practical", "in_person", 9, "2020-01-10").await;

    let evil = physician(pool, "=HYPERLINK(\"http://evil.example\",\"x\")", "900002", 13).await;
    let evil_cert = certification(pool, evil, "1500456", "2026-08-31", "active").await;
    application(pool, evil, evil_cert, 13, "prefecture_approved", false).await;

    let draft = physician(pool, "下書き 花子", "900003", 13).await;
    let draft_cert = certification(pool, draft, "1500457", "2026-09-30", "active").await;
    application(pool, draft, draft_cert, 13, "draft", false).await;

    let osaka = physician(pool, "大阪 次郎", "900004", 27).await;
    let osaka_cert = certification(pool, osaka, "2000789", "2026-07-31", "active").await;
    application(pool, osaka, osaka_cert, 27, "submitted", true).await;

    // Not active on the day: expired and revoked.
    certification(pool, osaka, "2000790", "2025-12-31", "active").await;
    certification(pool, draft, "2000791", "2027-12-31", "revoked").await;
}

async fn download(
    app: &TestApp,
    login: &str,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let b = app.signed_in(login).await;
    let r = b.client.get(format!("{}{}", app.base, path)).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("a readable xlsx")
}

fn number(range: &calamine::Range<Data>, row: u32, col: u16) -> f64 {
    match range.get_value((row, u32::from(col))) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row},{col}) is not a number: {other:?}"),
    }
}

fn text(range: &calamine::Range<Data>, row: u32, col: u16) -> String {
    match range.get_value((row, u32::from(col))) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({row},{col}) is not text: {other:?}"),
    }
}

#[tokio::test]
async fn renewal_check_has_the_portal_units_and_live_formulas() {
    let app = TestApp::spawn_at(NOW).await;
    seed(&app).await;
    let (status, headers, bytes) =
        download(&app, "tokyo", "/office/exports/renewal-check.xlsx?prefecture=13").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], XLSX);
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");

    let mut wb = workbook(bytes);
    let values = wb.worksheet_range("単位確認").unwrap();
    let formulas = wb.worksheet_formula("単位確認").unwrap();
    let first = RENEWAL_FIRST_ROW;
    let second = first + 1;
    assert!(
        values.get_value((first + 2, 1)).is_none_or(|v| *v == Data::Empty),
        "drafts and Osaka are left out"
    );

    assert_eq!(text(&values, first, col::NAME), "田中 一郎");
    assert_eq!(text(&values, first, col::NUMBER), "1000123");
    // MAMIS: 更新 対面 2 (the 10 before the period do not count), Web 4; 実地 1; 専門 3, Web 3.
    let mamis: Vec<f64> = (0..5).map(|i| number(&values, first, col::MAMIS + i)).collect();
    assert_eq!(mamis, vec![2.0, 4.0, 1.0, 3.0, 3.0]);
    // 手帳: pre-filled from the declared units within the period (実地 9 in 2020 is outside).
    let handbook: Vec<f64> = (0..5).map(|i| number(&values, first, col::HANDBOOK + i)).collect();
    assert_eq!(handbook, vec![5.0, 0.0, 0.0, 4.0, 0.0]);
    // Cached results: 対面 15, Web 7 → 5, 計 20, ○, paid ☑, fulfilled ○.
    assert_eq!(number(&values, first, col::TOTAL_IN_PERSON), 15.0);
    assert_eq!(number(&values, first, col::TOTAL_WEB), limits::RENEWAL_WEB_CAP as f64);
    assert_eq!(number(&values, first, col::TOTAL), 20.0);
    assert_eq!(text(&values, first, col::REQUIREMENT), "○");
    assert_eq!(text(&values, first, col::PAID), "☑");
    assert_eq!(text(&values, first, col::FULFILLED), "○");

    // The formulas are there, live (calamine gives them without the leading "=").
    let formula = |row: u32, col: u16| -> String {
        formulas.get_value((row, u32::from(col))).cloned().unwrap_or_default()
    };
    let excel_row = first + 1;
    assert_eq!(formula(first, col::SUBTOTAL), format!("E{excel_row}+J{excel_row}"));
    assert_eq!(
        formula(first, col::TOTAL_IN_PERSON),
        format!("O{excel_row}+Q{excel_row}+R{excel_row}")
    );
    assert_eq!(
        formula(first, col::TOTAL_WEB),
        format!("MIN({},P{excel_row}+S{excel_row})", limits::RENEWAL_WEB_CAP)
    );
    assert_eq!(formula(first, col::TOTAL), format!("T{excel_row}+U{excel_row}"));
    let requirement = formula(first, col::REQUIREMENT);
    assert!(requirement.starts_with("IF(AND("), "{requirement}");
    assert!(
        requirement.contains(&format!("V{excel_row}>={}", limits::RENEWAL_TOTAL)),
        "{requirement}"
    );
    assert!(formula(first, col::FULFILLED).contains(&format!("X{excel_row}")));
    // The input cells hold values, not formulas.
    assert_eq!(formula(first, col::HANDBOOK), "");
    assert_eq!(formula(first, col::PAID), "");

    // Issue 12: a name that looks like a formula is a plain string cell, with no apostrophe
    // printed in front of it (a string cell is never evaluated).
    assert_eq!(text(&values, second, col::NAME), "=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(formula(second, col::NAME), "");
    assert_eq!(text(&values, second, col::REQUIREMENT), "×");
    assert_eq!(text(&values, second, col::FULFILLED), "×");
    assert_eq!(number(&values, second, col::TOTAL), 0.0);

    // Headers as in the briefing.
    assert_eq!(text(&values, 2, col::MAMIS), "生涯研修(MAMIS)");
    assert_eq!(text(&values, 2, col::HANDBOOK), HANDBOOK_HEADING);
    assert_eq!(text(&values, 2, col::HANDBOOK_STATUS), "手帳の原本");
    assert_eq!(text(&values, first, col::HANDBOOK_STATUS), HANDBOOK_DECLARED);
    assert_eq!(text(&values, 2, col::SUBTOTAL), "生涯研修(小計)");
    assert_eq!(text(&values, 4, col::MAMIS + 2), "対面のみ");

    let audited =
        app.count("SELECT count(*) FROM audit_log WHERE action = 'export.download'").await;
    assert_eq!(audited, 1);
}

/// One part of the .xlsx package (a zip of XML files), as text.
fn package_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = zip.by_name(name).unwrap();
    let mut text = String::new();
    part.read_to_string(&mut text).unwrap();
    text
}

#[tokio::test]
async fn renewal_check_prints_one_page_wide_with_spare_rows_and_locked_formulas() {
    let app = TestApp::spawn_at(NOW).await;
    seed(&app).await;
    let (status, _, bytes) =
        download(&app, "tokyo", "/office/exports/renewal-check.xlsx?prefecture=13").await;
    assert_eq!(status, StatusCode::OK);
    let sheet = package_part(&bytes, "xl/worksheets/sheet1.xml");
    // One page wide, as many down as needed, landscape A4.
    assert!(sheet.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "{sheet}");
    let setup = &sheet[sheet.find("<pageSetup").unwrap()..];
    let setup = &setup[..setup.find("/>").unwrap()];
    for attribute in [r#"paperSize="9""#, r#"fitToHeight="0""#, r#"orientation="landscape""#] {
        assert!(setup.contains(attribute), "{attribute} missing: {setup}");
    }
    assert!(!setup.contains("fitToWidth") || setup.contains(r#"fitToWidth="1""#), "{setup}");
    // Sheet protection without a password.
    let protection = &sheet[sheet.find("<sheetProtection").expect("the sheet is protected")..];
    let protection = &protection[..protection.find("/>").unwrap()];
    assert!(protection.contains(r#"sheet="1""#), "{protection}");
    assert!(!protection.contains("password") && !protection.contains("hashValue"), "{protection}");
    // Title rows and columns repeat on every page.
    let book = package_part(&bytes, "xl/workbook.xml");
    assert!(book.contains("_xlnm.Print_Titles"), "{book}");
    assert!(book.contains("$A:$C") && book.contains("$3:$5"), "{book}");

    // The two applicants, then 20 spare rows numbered on, with live formulas and no values.
    let mut wb = workbook(bytes.clone());
    let values = wb.worksheet_range("単位確認").unwrap();
    let formulas = wb.worksheet_formula("単位確認").unwrap();
    let first_spare = RENEWAL_FIRST_ROW + 2;
    let last_spare = first_spare + RENEWAL_SPARE_ROWS - 1;
    assert_eq!(number(&values, first_spare, col::NO), 3.0);
    assert_eq!(number(&values, last_spare, col::NO), f64::from(RENEWAL_SPARE_ROWS + 2));
    assert!(values
        .get_value((last_spare + 1, u32::from(col::NO)))
        .is_none_or(|v| *v == Data::Empty));
    let spare_total =
        formulas.get_value((last_spare, u32::from(col::TOTAL))).cloned().unwrap_or_default();
    assert!(spare_total.starts_with("IF(B") && spare_total.contains("T"), "{spare_total}");

    // Locked formula cells, unlocked input cells: the style of each cell says which.
    let styles = package_part(&bytes, "xl/styles.xml");
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let unlocked: Vec<bool> =
        xfs.split("<xf ").skip(1).map(|xf| xf.contains(r#"locked="0""#)).collect();
    let style_of = |row: u32, col: u16| -> usize {
        let reference = format!(r#"r="{}{}""#, column_letter(col), row + 1);
        let at = sheet.find(&reference).unwrap_or_else(|| panic!("no cell {reference}"));
        let cell = &sheet[at..at + sheet[at..].find('>').unwrap()];
        cell.split(r#"s=""#).nth(1).map_or(0, |s| s.split('"').next().unwrap().parse().unwrap())
    };
    for (row, c, expected_unlocked) in [
        (RENEWAL_FIRST_ROW, col::HANDBOOK, true),
        (RENEWAL_FIRST_ROW, col::PAID, true),
        (RENEWAL_FIRST_ROW, col::TOTAL, false),
        (RENEWAL_FIRST_ROW, col::REQUIREMENT, false),
        (RENEWAL_FIRST_ROW, col::NAME, false),
        (last_spare, col::NAME, true),
        (last_spare, col::MAMIS, true),
        (last_spare, col::SUBTOTAL, false),
        (last_spare, col::FULFILLED, false),
    ] {
        assert_eq!(unlocked[style_of(row, c)], expected_unlocked, "row {row} col {c}");
    }
}

fn column_letter(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut name = String::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    name
}

#[tokio::test]
async fn downloads_are_limited_to_the_own_prefecture_and_to_staff() {
    let app = TestApp::spawn_at(NOW).await;
    seed(&app).await;
    osaka_staff(&app).await;
    let (status, _, _) =
        download(&app, "osaka", "/office/exports/renewal-check.xlsx?prefecture=13").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) =
        download(&app, "osaka", "/office/exports/address-labels.xlsx?prefecture=13").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Without a prefecture, Osaka's staff get Osaka's applicants.
    let (status, _, bytes) = download(&app, "osaka", "/office/exports/renewal-check.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let values = workbook(bytes).worksheet_range("単位確認").unwrap();
    assert_eq!(text(&values, RENEWAL_FIRST_ROW, col::NAME), "大阪 次郎");
    assert!(values
        .get_value((RENEWAL_FIRST_ROW + 1, u32::from(col::NAME)))
        .is_none_or(|v| *v == Data::Empty));

    for login in ["doctor", "chiyoda", "admin"] {
        for path in [
            "/office/exports",
            "/office/exports/renewal-check.xlsx?prefecture=13",
            "/office/exports/prefecture-summary.xlsx",
            "/office/exports/renewal-targets.xlsx",
        ] {
            let (status, _, _) = download(&app, login, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{login} {path}");
        }
    }

    // JMA may pick any prefecture, and must pick one for the credit check.
    let (status, _, bytes) =
        download(&app, "jma", "/office/exports/renewal-check.xlsx?prefecture=27").await;
    assert_eq!(status, StatusCode::OK);
    let values = workbook(bytes).worksheet_range("単位確認").unwrap();
    assert_eq!(text(&values, RENEWAL_FIRST_ROW, col::NAME), "大阪 次郎");
    let (status, _, _) = download(&app, "jma", "/office/exports/renewal-check.xlsx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let mut b = app.signed_in("tokyo").await;
    let page = b.get("/office/exports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/office/exports/renewal-check.xlsx"));
}

#[tokio::test]
async fn jma_summary_counts_active_certifications_per_prefecture() {
    let app = TestApp::spawn_at(NOW).await;
    seed(&app).await;
    let (status, _, bytes) = download(&app, "jma", "/office/exports/prefecture-summary.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut wb = workbook(bytes);
    let values = wb.worksheet_range("都道府県別集計").unwrap();
    let formulas = wb.worksheet_formula("都道府県別集計").unwrap();
    let row_of = |code: i16| 3 + (code as u32 - 1);
    // Tokyo: the demo doctor's two, 田中, the formula-looking name, 下書き (its revoked one
    // does not count) → occupational 4, sports 1. Osaka: one (the expired one does not count).
    assert_eq!(text(&values, row_of(13), 1), "東京都");
    assert_eq!(number(&values, row_of(13), 2), 4.0);
    assert_eq!(number(&values, row_of(13), 3), 1.0);
    assert_eq!(number(&values, row_of(13), 4), 5.0);
    assert_eq!(number(&values, row_of(27), 2), 1.0);
    assert_eq!(number(&values, row_of(27), 3), 0.0);
    assert_eq!(number(&values, row_of(1), 2), 0.0);
    let total_row = row_of(47) + 2;
    assert_eq!(text(&values, total_row, 0), "合計");
    assert_eq!(number(&values, total_row, 4), 6.0);
    let total = formulas.get_value((total_row, 2)).cloned().unwrap_or_default();
    assert!(total.starts_with("SUM(C4:C"), "{total}");

    // Labels and targets for July 2026: the demo doctor and 田中 (Tokyo), 大阪 (Osaka).
    let (status, _, bytes) = download(
        &app,
        "jma",
        "/office/exports/address-labels.xlsx?from=2026-07-01&until=2026-07-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let labels = workbook(bytes).worksheet_range("住所ラベル").unwrap();
    let names: Vec<String> = (3..6).map(|r| text(&labels, r, 2)).collect();
    assert!(names.contains(&"田中 一郎 様".to_string()), "{names:?}");
    assert!(names.contains(&"大阪 次郎 様".to_string()), "{names:?}");
    assert!(names.contains(&"山田 太郎 様".to_string()), "{names:?}");

    let (status, _, bytes) = download(
        &app,
        "tokyo",
        "/office/exports/renewal-targets.xlsx?from=2026-07-01&until=2026-07-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let targets = workbook(bytes).worksheet_range("更新申請対象者").unwrap();
    let names: Vec<String> = (3..5).map(|r| text(&targets, r, 3)).collect();
    assert!(
        names.contains(&"田中 一郎".to_string()) && names.contains(&"山田 太郎".to_string()),
        "{names:?}"
    );
    assert!(targets.get_value((5, 3)).is_none_or(|v| *v == Data::Empty), "Osaka is not Tokyo's");
    let (status, _, _) = download(
        &app,
        "tokyo",
        "/office/exports/renewal-targets.xlsx?from=2026-07-31&until=2026-07-01",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn address_labels_print_on_a4_sheets_of_12_or_24_with_the_full_address() {
    let app = TestApp::spawn_at(NOW).await;
    seed(&app).await;
    osaka_staff(&app).await;
    // 23 more Tokyo physicians expiring in July 2026: with the demo doctor and 田中, 25 labels.
    for i in 0..23 {
        let id = physician(&app.pool, &format!("東京 {i:02}"), &format!("91{i:04}"), 13).await;
        certification(&app.pool, id, &format!("30{i:05}"), "2026-07-31", "active").await;
    }
    // A self-registered physician typed the address without the prefecture.
    sqlx::query("UPDATE physicians SET address = '港区六本木1-1' WHERE registry_number = '910000'")
        .execute(&app.pool)
        .await
        .unwrap();
    let path = |n: u32| {
        format!("/office/exports/address-labels.pdf?from=2026-07-01&until=2026-07-31&per_sheet={n}")
    };
    for (n, pages) in [(12, 3), (24, 2)] {
        let (status, headers, bytes) = download(&app, "tokyo", &path(n)).await;
        assert_eq!(status, StatusCode::OK, "{n}");
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let sizes = mamis::export::pdf::page_sizes(&bytes).unwrap();
        assert_eq!(sizes.len(), pages, "25 labels at {n} a sheet");
        for (w, h) in sizes {
            assert!((w - 595.28).abs() < 0.05 && (h - 841.89).abs() < 0.05, "A4: {w}×{h}");
        }
        let text: String =
            (1..=pages as u32).map(|p| mamis::export::pdf::page_text(&bytes, p).unwrap()).collect();
        assert!(text.contains("東京都港区六本木1-1"), "the prefecture is added: {text}");
        assert!(text.contains("〒100-0001") && text.contains("田中 一郎"), "{text}");
        assert!(!text.contains("大阪 次郎"), "Osaka's physician is not Tokyo's");
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'export.download'
             AND entity_id = 'address_labels_pdf' AND (after->>'rows')::int = 25"
        )
        .await,
        2
    );
    let (status, _, _) = download(&app, "tokyo", &path(10)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = download(&app, "osaka", &format!("{}&prefecture=13", path(12))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for login in ["doctor", "chiyoda", "admin"] {
        let (status, _, _) = download(&app, login, &path(12)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
    }
    // JMA sees every prefecture's: 25 + Osaka's one.
    let (status, _, bytes) = download(&app, "jma", &path(24)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mamis::export::pdf::page_sizes(&bytes).unwrap().len(), 2);
}
