//! Certification terms and the one record of an application (issue 9): a renewal approved
//! before expiry adds the next term and leaves the term in force untouched, seen by every
//! count, list, certificate and the verification page on both sides of the expiry date; the
//! requirement check as of one date and frozen at the decision; the my page knows the
//! application; early closing of a cycle; municipal reception.

use chrono::NaiveDate;
use mamis::clock::parse_jst;
use reqwest::StatusCode;

use crate::common::{Browser, TestApp};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn tokyo(app: &TestApp) -> i64 {
    app.count("SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13")
        .await
}

/// The demo physician's occupational renewal (valid 2021-08-01 – 2026-07-31), submitted on
/// `submitted_on` with 20 declared in-person units that meet the rules.
async fn renewal_submitted(app: &TestApp, submitted_on: &str) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (physician_id, programme, kind, certification_id, prefecture_code,
             receiving_association_id, status, submitted_at, created_at, updated_at)
         SELECT p.id, 'occupational', 'renewal',
                (SELECT id FROM certifications WHERE physician_id = p.id
                   AND programme = 'occupational'),
                13, $1, 'submitted', $2::timestamptz, $2::timestamptz, $2::timestamptz
         FROM physicians p WHERE p.registry_number = '123456'
         RETURNING id",
    )
    .bind(tokyo(app).await)
    .bind(format!("{submitted_on} 10:00+09"))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for (category, units) in
        [("lifelong_renewal", 10), ("lifelong_practical", 5), ("lifelong_specialized", 5)]
    {
        sqlx::query(
            "INSERT INTO declared_credits (application_id, category, format, units, attended_on,
                 source)
             VALUES ($1, $2, 'in_person', $3, DATE '2024-10-01', 'handbook')",
        )
        .bind(id)
        .bind(category)
        .bind(rust_decimal::Decimal::from(units))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    id
}

async fn version(app: &TestApp, id: i64) -> String {
    app.count(&format!("SELECT version::bigint FROM applications WHERE id = {id}"))
        .await
        .to_string()
}

async fn step(app: &TestApp, b: &mut Browser, id: i64, action: &str, extra: &[(&str, &str)]) {
    let page = b.get(&format!("/office/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let v = version(app, id).await;
    let mut fields = vec![("version", v.as_str())];
    fields.extend_from_slice(extra);
    let page = b.post(&format!("/office/applications/{id}/{action}"), &fields).await;
    assert!(page.status.is_redirection(), "{action}: {}", page.body);
}

/// Through the prefecture (fee, 手帳, approve) and JMA's decision.
async fn approve(app: &TestApp, id: i64) {
    let mut tokyo = app.signed_in("tokyo").await;
    for action in ["fee", "handbook", "approve"] {
        step(app, &mut tokyo, id, action, &[]).await;
    }
    let mut jma = app.signed_in("jma").await;
    step(app, &mut jma, id, "decide", &[("decision", "approve")]).await;
}

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn certification(app: &TestApp) -> i64 {
    app.count("SELECT id FROM certifications WHERE certificate_number = '0123456'").await
}

async fn verification_page(app: &TestApp) -> String {
    let code: String = sqlx::query_scalar(
        "SELECT verify_code FROM certifications WHERE certificate_number = '0123456'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = app.browser().get(&format!("/verify/occupational/0123456/{code}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

async fn counted_in_tokyo(app: &TestApp, on: NaiveDate) -> i64 {
    mamis::db::exports::prefecture_counts(&app.pool, on, Some(13))
        .await
        .unwrap()
        .iter()
        .filter(|c| c.programme == "occupational")
        .map(|c| c.certifications)
        .sum()
}

async fn on_expiry_list(app: &TestApp) -> bool {
    mamis::db::exports::expiring(
        &app.pool,
        date(2026, 7, 1),
        date(2026, 7, 31),
        Some(13),
        true,
        None,
    )
    .await
    .unwrap()
    .iter()
    .any(|r| r.certificate_number == "0123456")
}

async fn pdf(b: &mut Browser, path: &str) -> StatusCode {
    let r = b.client.get(format!("{}{path}", b.base)).send().await.unwrap();
    let status = r.status();
    if status == StatusCode::OK {
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"), "{path}");
    }
    status
}

#[tokio::test]
async fn a_renewal_approved_before_expiry_keeps_the_term_in_force_and_adds_the_next() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let before = counted_in_tokyo(&app, date(2026, 4, 10)).await;
    let id = renewal_submitted(&app, "2026-04-10").await;
    approve(&app, id).await;
    assert_eq!(status(&app, id).await, "approved");

    // Before the expiry date: the term in force is untouched, the next one is approved.
    let mut doctor = app.signed_in("doctor").await;
    let home = doctor.get("/mypage").await;
    assert!(home.body.contains("2021年8月1日 ～ 2026年7月31日"), "{}", home.body);
    assert!(home.body.contains("次の有効期間"), "{}", home.body);
    assert!(home.body.contains("2026年8月1日 ～ 2031年7月31日（承認済み）"), "{}", home.body);
    assert_eq!(counted_in_tokyo(&app, date(2026, 4, 10)).await, before, "summary keeps him");
    assert!(on_expiry_list(&app).await, "the term expiring in July stays on the list");
    let cert = certification(&app).await;
    let next_term = app
        .count(&format!(
            "SELECT id FROM certification_terms WHERE certification_id = {cert}
             AND valid_from = DATE '2026-08-01'"
        ))
        .await;
    assert_eq!(pdf(&mut doctor, &format!("/mypage/certificates/{cert}.pdf")).await, StatusCode::OK);
    assert_eq!(
        pdf(&mut doctor, &format!("/mypage/certificates/{cert}/terms/{next_term}.pdf")).await,
        StatusCode::OK
    );
    let verify = verification_page(&app).await;
    assert!(verify.contains("有効な認定です"), "{verify}");
    assert!(verify.contains("2021年8月1日 ～ 2026年7月31日"), "{verify}");
    assert!(verify.contains("2026年8月1日 ～ 2031年7月31日"), "the approved next term");

    // After the expiry date: the next term is in force; the old certificate stays downloadable.
    app.clock.set(parse_jst("2026-08-01 09:00").unwrap());
    let mut doctor = app.signed_in("doctor").await;
    let home = doctor.get("/mypage").await;
    assert!(home.body.contains("2026年8月1日 ～ 2031年7月31日"), "{}", home.body);
    assert!(!home.body.contains("次の有効期間"), "{}", home.body);
    assert!(home.body.contains("有効（有効期限まで残り"), "{}", home.body);
    assert_eq!(counted_in_tokyo(&app, date(2026, 8, 1)).await, before);
    let old_term = app
        .count(&format!(
            "SELECT id FROM certification_terms WHERE certification_id = {cert}
             AND valid_from = DATE '2021-08-01'"
        ))
        .await;
    let link = format!("/mypage/certificates/{cert}/terms/{old_term}.pdf");
    assert!(home.body.contains(&link), "the earlier term's certificate is linked: {}", home.body);
    assert!(home.body.contains("以前の有効期間（2021年8月1日 ～ 2026年7月31日）"));
    assert_eq!(pdf(&mut doctor, &link).await, StatusCode::OK);
    let verify = verification_page(&app).await;
    assert!(verify.contains("有効な認定です"), "{verify}");
    assert!(verify.contains("2026年8月1日 ～ 2031年7月31日"), "{verify}");
    assert!(!verify.contains("2021年8月1日"), "{verify}");
    // Another physician's term is not downloadable.
    let mut other = app.signed_in("tokyo").await;
    assert_ne!(
        pdf(&mut other, &format!("/mypage/certificates/{cert}/terms/{old_term}.pdf")).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_submitted_renewal_stays_on_time_after_expiry_while_it_waits() {
    let app = TestApp::spawn_at("2026-07-20 10:00").await;
    let id = renewal_submitted(&app, "2026-07-20").await;
    app.clock.set(parse_jst("2026-08-20 10:00").unwrap());
    let mut doctor = app.signed_in("doctor").await;
    let mine = doctor.get(&format!("/mypage/applications/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(!mine.body.contains("遅延理由書"), "judged as of its submission: {}", mine.body);
    let mut tokyo = app.signed_in("tokyo").await;
    let theirs = tokyo.get(&format!("/office/applications/{id}")).await;
    assert!(!theirs.body.contains("遅延理由書"), "{}", theirs.body);
    let checked = mamis::app::checks::application(
        &mut app.pool.acquire().await.unwrap(),
        id,
        date(2026, 8, 20),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(checked.outcome.met, "{:?}", checked.outcome);
    assert_eq!(checked.as_of, date(2026, 7, 20));
}

#[tokio::test]
async fn an_approved_renewal_keeps_the_check_it_was_decided_with() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = renewal_submitted(&app, "2026-04-10").await;
    approve(&app, id).await;
    // Years later, against the new term, the same credits would count for nothing.
    app.clock.set(parse_jst("2027-01-10 10:00").unwrap());
    let checked = mamis::app::checks::application(
        &mut app.pool.acquire().await.unwrap(),
        id,
        date(2027, 1, 10),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(checked.frozen);
    assert!(checked.outcome.met, "{:?}", checked.outcome);
    assert_eq!(
        (checked.term_from, checked.term_until),
        (Some(date(2021, 8, 1)), Some(date(2026, 7, 31)))
    );
    let mut doctor = app.signed_in("doctor").await;
    let mine = doctor.get(&format!("/mypage/applications/{id}")).await;
    assert!(!mine.body.contains("あと20単位"), "{}", mine.body);
    let mut jma = app.signed_in("jma").await;
    let cycle = app.count(&format!("SELECT cycle_id FROM applications WHERE id = {id}")).await;
    let page = jma.get(&format!("/office/cycles/{cycle}")).await;
    assert!(page.body.contains("○ 満たす"), "{}", page.body);
    assert!(!page.body.contains("× 満たさない"), "{}", page.body);
}

#[tokio::test]
async fn the_my_page_says_where_the_application_stands() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = renewal_submitted(&app, "2026-04-10").await;
    let mut doctor = app.signed_in("doctor").await;
    let home = doctor.get("/mypage").await;
    assert!(home.body.contains("更新申請：提出済み（受付待ち）"), "{}", home.body);
    assert!(home.body.contains("審査・登録料（10,000円）"), "{}", home.body);
    assert!(!home.body.contains("2026年3月～4月に更新申請"), "{}", home.body);

    let mut tokyo = app.signed_in("tokyo").await;
    step(&app, &mut tokyo, id, "return", &[("comment", "手帳の写しを追加してください")]).await;
    let home = doctor.get("/mypage").await;
    assert!(home.body.contains("差し戻し"), "{}", home.body);
    assert!(home.body.contains("手帳の写しを追加してください"), "{}", home.body);
    assert!(home.body.contains("申請を修正する"), "{}", home.body);

    sqlx::query(
        "UPDATE applications SET status = 'submitted', version = version + 1 WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    for action in ["fee", "handbook", "approve"] {
        step(&app, &mut tokyo, id, action, &[]).await;
    }
    let home = doctor.get("/mypage").await;
    assert!(home.body.contains("日本医師会の審査を待っています"), "{}", home.body);
    assert!(home.body.contains("第1回（2026年5月末の運営委員会）"), "{}", home.body);
}

#[tokio::test]
async fn closing_a_cycle_before_its_intake_deadline_needs_confirmation_and_can_be_undone() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let cycle =
        app.count("SELECT id FROM review_cycles WHERE fiscal_year = 2026 AND number = 1").await;
    let closed = || async {
        app.count(&format!(
            "SELECT count(*) FROM review_cycles WHERE id = {cycle} AND closed_at IS NOT NULL"
        ))
        .await
    };
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/cycles/{cycle}")).await;
    let page = jma.post(&format!("/office/cycles/{cycle}/close"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("受付締切（2026年5月1日）はまだ来ていません"), "{}", page.body);
    assert_eq!(closed().await, 0, "nothing closed without confirmation");
    let page =
        jma.post(&format!("/office/cycles/{cycle}/close"), &[("confirm_early", "yes")]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    assert_eq!(closed().await, 1);
    let page = jma.get(&format!("/office/cycles/{cycle}")).await;
    assert!(page.body.contains("締め切りを取り消す"), "{}", page.body);
    let page = jma.post(&format!("/office/cycles/{cycle}/reopen"), &[]).await;
    assert!(page.status.is_redirection());
    assert_eq!(closed().await, 0, "reopened before the committee date");
    // After the committee date a closed cycle stays closed.
    jma.post(&format!("/office/cycles/{cycle}/close"), &[("confirm_early", "yes")]).await;
    app.clock.set(parse_jst("2026-06-01 10:00").unwrap());
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/cycles/{cycle}")).await;
    jma.post(&format!("/office/cycles/{cycle}/reopen"), &[]).await;
    assert_eq!(closed().await, 1);
}

#[tokio::test]
async fn municipal_reception_switched_on_routes_members_through_chiyoda() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let mut tokyo = app.signed_in("tokyo").await;
    let office = tokyo.get("/office").await;
    assert!(office.body.contains("/office/reception"), "the setting is on the menu");
    tokyo.get("/office/reception").await;
    let page =
        tokyo.post("/office/reception", &[("prefecture", "13"), ("uses_municipal", "yes")]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    // Another prefecture's setting is not Tokyo's to change.
    let page =
        tokyo.post("/office/reception", &[("prefecture", "27"), ("uses_municipal", "yes")]).await;
    assert!(!page.status.is_redirection());

    let mut doctor = app.signed_in("doctor").await;
    let form = doctor.get("/mypage/applications/new?programme=occupational&kind=renewal").await;
    assert!(form.body.contains("千代田区医師会"), "{}", form.body);
    assert!(form.body.contains("所属する郡市区医師会を通じて申請します"), "{}", form.body);
    let page = doctor
        .post(
            "/mypage/applications/new?programme=occupational&kind=renewal",
            &[("receiving_association_id", &tokyo_id(&app).await.to_string())],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let receiver: String = sqlx::query_scalar(
        "SELECT r.name FROM applications a JOIN associations r ON r.id = a.receiving_association_id
         ORDER BY a.id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(receiver, "千代田区医師会", "the rule decides, not the posted field");
}

async fn tokyo_id(app: &TestApp) -> i64 {
    tokyo(app).await
}

#[tokio::test]
async fn staff_find_an_approved_application_by_name_kana_and_number() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = renewal_submitted(&app, "2026-04-10").await;
    approve(&app, id).await;
    let link = format!("/office/applications/{id}\"");
    let mut tokyo = app.signed_in("tokyo").await;
    let queue = tokyo.get("/office/applications").await;
    assert!(!queue.body.contains(&link), "no longer waiting");
    assert!(queue.body.contains("/office/applications/search"));
    for q in ["山田", "やまだ", "ﾔﾏﾀﾞ", "0123456", "１２３４５６"] {
        let url = format!("/office/applications/search?q={}", urlencode(q));
        let page = tokyo.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&link), "{q}: {}", page.body);
        assert!(page.body.contains("承認（認定）"), "{q}");
    }
    let page = tokyo.get("/office/applications/search?status=returned").await;
    assert!(!page.body.contains(&link));
    assert!(page.body.contains("検索結果 0件"), "{}", page.body);
    let page = tokyo.get("/office/applications/search?q=%25").await;
    assert!(!page.body.contains(&link), "a wildcard is a character, not everything");
    let mut jma = app.signed_in("jma").await;
    assert!(jma.get("/office/applications/search?q=0123456").await.body.contains(&link));
    // A municipal association sees only what it received.
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert!(!chiyoda.get("/office/applications/search?q=0123456").await.body.contains(&link));

    // The physician's staff record lists every term and the application.
    let physician = app.count("SELECT id FROM physicians WHERE registry_number = '123456'").await;
    let record = tokyo.get(&format!("/office/physicians/{physician}/record")).await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert!(record.body.contains("2021年8月1日 ～ 2026年7月31日"), "{}", record.body);
    assert!(record.body.contains("2026年8月1日 ～ 2031年7月31日"));
    assert!(record.body.contains("これから（承認済み）"));
    assert!(record.body.contains(&link));
    assert_eq!(
        chiyoda.get(&format!("/office/physicians/{physician}/record")).await.status,
        StatusCode::NOT_FOUND
    );
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn the_prefectures_fee_instructions_and_handbook_address_reach_the_physician() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/reception").await;
    let page = tokyo
        .post(
            "/office/reception",
            &[
                ("prefecture", "13"),
                ("uses_municipal", "no"),
                ("fee_instructions", "みずほ銀行 本店 普通 1234567 トウキョウトイシカイ へ4月末までにお振り込みください。"),
                ("mailing_address", "〒102-0075 東京都千代田区三番町 東京都医師会 認定医係"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let id = renewal_submitted(&app, "2026-04-10").await;
    let mut doctor = app.signed_in("doctor").await;
    let home = doctor.get("/mypage").await;
    assert!(home.body.contains("みずほ銀行 本店 普通 1234567"), "{}", home.body);
    let page = doctor.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("みずほ銀行 本店 普通 1234567"), "{}", page.body);
    assert!(page.body.contains("東京都千代田区三番町 東京都医師会 認定医係"), "handbook declared");
    assert!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'reception.changed'").await >= 1
    );
}

#[tokio::test]
async fn the_list_check_agrees_with_the_single_check() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let waiting = renewal_submitted(&app, "2026-04-10").await;
    let today = date(2026, 4, 10);
    let mut conn = app.pool.acquire().await.unwrap();
    let one = mamis::app::checks::application(&mut conn, waiting, today).await.unwrap().unwrap();
    let many = mamis::app::checks::applications(&mut conn, &[waiting], today).await.unwrap();
    assert_eq!(many[&waiting], one);
    assert!(one.outcome.met);
    drop(conn);
    approve(&app, waiting).await;
    let mut conn = app.pool.acquire().await.unwrap();
    let later = date(2027, 1, 10);
    let one = mamis::app::checks::application(&mut conn, waiting, later).await.unwrap().unwrap();
    let many = mamis::app::checks::applications(&mut conn, &[waiting], later).await.unwrap();
    assert_eq!(many[&waiting], one);
    assert!(one.frozen && one.outcome.met);
}
