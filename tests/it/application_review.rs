//! Staff review of applications (DOMAIN §6): municipal reception, the prefecture's fee and
//! forwarding to a review cycle, JMA's decision and its effects (certificate number, validity,
//! paper certificate), returns and resubmissions at each tier, two staff at once, cycle
//! assignment around an intake deadline, and who may see what. Submitted applications are
//! inserted with SQL (the physician's side is tested elsewhere).

use crate::common;

use crate::common::applications::version;
use crate::common::TestApp;
use chrono::NaiveDate;
use reqwest::StatusCode;

const DOCTOR_MAIL: &str = "yamada.taro@example.jp";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn association(app: &TestApp, sql_filter: &str) -> i64 {
    app.count(&format!("SELECT id FROM associations WHERE {sql_filter}")).await
}

async fn chiyoda(app: &TestApp) -> i64 {
    association(app, "name = '千代田区医師会'").await
}

async fn tokyo(app: &TestApp) -> i64 {
    association(app, "kind = 'prefectural' AND prefecture_code = 13").await
}

/// A submitted application of the demo physician, received by `receiving`.
async fn submitted(app: &TestApp, programme: &str, kind: &str, receiving: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO applications (physician_id, programme, kind, certification_id, prefecture_code,
             receiving_association_id, status, submitted_at, created_at, updated_at)
         SELECT p.id, $1, $2,
                CASE WHEN $2 = 'renewal' THEN (SELECT id FROM certifications
                     WHERE physician_id = p.id AND programme = $1) END,
                13, $3, 'submitted', now(), now(), now()
         FROM physicians p WHERE p.registry_number = '123456'
         RETURNING id",
    )
    .bind(programme)
    .bind(kind)
    .bind(receiving)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn status(app: &TestApp, id: i64) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, returned_by_tier FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The physician corrects and resubmits (their side of the portal).
async fn resubmit(app: &TestApp, id: i64) {
    sqlx::query(
        "UPDATE applications SET status = 'submitted', version = version + 1 WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn mail_count(app: &TestApp, subject: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM mail_outbox WHERE to_address = $1 AND subject LIKE '%' || $2 || '%'",
    )
    .bind(DOCTOR_MAIL)
    .bind(subject)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Opens the application page (fresh CSRF token) and posts a step with the page's version.
async fn step(
    app: &TestApp,
    b: &mut common::Browser,
    id: i64,
    action: &str,
    extra: &[(&str, &str)],
) -> common::Page {
    let page = b.get(&format!("/office/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let v = version(app, id).await;
    let mut fields = vec![("version", v.as_str())];
    fields.extend_from_slice(extra);
    b.post(&format!("/office/applications/{id}/{action}"), &fields).await
}

async fn cycle_id(app: &TestApp, fiscal_year: i32, number: i32) -> i64 {
    app.count(&format!(
        "SELECT id FROM review_cycles WHERE fiscal_year = {fiscal_year} AND number = {number}"
    ))
    .await
}

async fn application_cycle(app: &TestApp, id: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT cycle_id FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn renewal_through_three_tiers_with_a_return_at_each_and_the_certificate_extended() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = submitted(&app, "occupational", "renewal", chiyoda(&app).await).await;
    sqlx::query(
        "INSERT INTO uploaded_files (owner_type, owner_id, file_name, content_type, size_bytes, data, uploaded_at)
         VALUES ('application', $1, '手帳.pdf', 'application/pdf', 8, '%PDF-1.4'::bytea, now())",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();

    // Municipal: the queue, the page with the check and the evidence, a return, then receipt.
    let mut chiyoda_staff = app.signed_in("chiyoda").await;
    let queue = chiyoda_staff.get("/office/applications").await;
    assert!(queue.body.contains(&format!("/office/applications/{id}\"")), "{}", queue.body);
    let page = chiyoda_staff.get(&format!("/office/applications/{id}")).await;
    assert!(page.body.contains("要件の確認") && page.body.contains("山田 太郎"));
    let file_id = app.count("SELECT id FROM uploaded_files WHERE owner_type = 'application'").await;
    let r = chiyoda_staff
        .client
        .get(format!("{}/office/applications/{id}/files/{file_id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["content-type"], "application/pdf");

    let empty = step(&app, &mut chiyoda_staff, id, "return", &[("comment", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The error is summarised at the top of the long page, linked to its field (issue 13).
    assert!(empty.body.contains("<title>入力内容を確認してください："), "title prefix");
    let summary = empty.body.find("id=\"error-summary\"").expect("a summary");
    assert!(summary < empty.body.find("申請の内容").unwrap(), "the summary comes first");
    assert!(empty.body.contains("<a href=\"#return-comment\">"), "linked to the field");
    assert!(empty.body.contains("aria-describedby=\"return-comment-error\""), "field marked");
    let r = step(&app, &mut chiyoda_staff, id, "return", &[("comment", "写真が不鮮明です")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await, ("returned".into(), Some("municipal".into())));
    assert_eq!(mail_count(&app, "差し戻されました").await, 1);
    resubmit(&app, id).await;
    let r = step(&app, &mut chiyoda_staff, id, "receive", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await.0, "municipal_received");

    // Prefecture: a return goes back to the prefecture on resubmission, not to the municipal tier.
    let mut tokyo_staff = app.signed_in("tokyo").await;
    assert!(tokyo_staff
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}\"")));
    let r =
        step(&app, &mut tokyo_staff, id, "return", &[("comment", "単位の日付を確認してください")])
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, id).await, ("returned".into(), Some("prefectural".into())));
    resubmit(&app, id).await;
    assert!(!chiyoda_staff
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}\"")));
    assert!(tokyo_staff
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}\"")));

    // Approval needs the fee first.
    let r = step(&app, &mut tokyo_staff, id, "approve", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("入金"));
    assert_eq!(step(&app, &mut tokyo_staff, id, "fee", &[]).await.status, StatusCode::SEE_OTHER);
    let r = step(&app, &mut tokyo_staff, id, "approve", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await.0, "prefecture_approved");
    assert_eq!(application_cycle(&app, id).await, Some(cycle_id(&app, 2026, 1).await));

    // JMA returns; the correction goes back through the prefecture to the cycle again.
    let mut jma = app.signed_in("jma").await;
    let r =
        step(&app, &mut jma, id, "return", &[("comment", "遅延理由を確認させてください")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, id).await, ("returned".into(), Some("jma".into())));
    resubmit(&app, id).await;
    assert!(tokyo_staff
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}\"")));
    assert_eq!(
        step(&app, &mut tokyo_staff, id, "approve", &[]).await.status,
        StatusCode::SEE_OTHER
    );

    // JMA's cycle page lists it; approval extends the certification.
    let cycle = cycle_id(&app, 2026, 1).await;
    let page = jma.get(&format!("/office/cycles/{cycle}")).await;
    assert!(page.body.contains(&format!("value=\"{id}\"")), "{}", page.body);
    let r = step(&app, &mut jma, id, "decide", &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app, id).await.0, "approved");
    let (number, from, until): (String, NaiveDate, NaiveDate) = sqlx::query_as(
        "SELECT certificate_number, valid_from, valid_until FROM certifications_on('infinity')
         WHERE programme = 'occupational' AND registry_number = '123456'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(number, "0123456", "a renewal keeps its number");
    assert_eq!((from, until), (date(2026, 8, 1), date(2031, 7, 31)));
    assert_eq!(mail_count(&app, "認定されました").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM paper_certificates WHERE sent_at IS NULL").await, 1);
    let events = app
        .count(&format!("SELECT count(*) FROM application_events WHERE application_id = {id}"))
        .await;
    assert_eq!(events, 8, "every step is in the history");
    let audited =
        app.count("SELECT count(*) FROM audit_log WHERE entity_type = 'application'").await;
    assert_eq!(audited, events);

    // The prefecture forwards the paper certificate and ticks it as sent; only once.
    let certification = app.count("SELECT certification_id FROM paper_certificates").await;
    let list = tokyo_staff.get("/office/paper-certificates").await;
    assert!(list.body.contains("0123456"), "{}", list.body);
    let r =
        tokyo_staff.post(&format!("/office/paper-certificates/{certification}/sent"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM paper_certificates WHERE sent_at IS NOT NULL").await,
        1
    );
    tokyo_staff.get("/office/paper-certificates").await;
    let again =
        tokyo_staff.post(&format!("/office/paper-certificates/{certification}/sent"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_new_certification_gets_a_seven_digit_number_and_validity_from_the_committee() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    // The demo physician's sports certification is for another programme only in this test.
    sqlx::query(
        "WITH gone AS (DELETE FROM certification_terms t USING certifications c
                       WHERE c.id = t.certification_id AND c.programme = 'sports'
                       RETURNING t.certification_id)
         DELETE FROM certifications WHERE id IN (SELECT certification_id FROM gone)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let id = submitted(&app, "sports", "new", tokyo(&app).await).await;
    let mut tokyo_staff = app.signed_in("tokyo").await;
    assert_eq!(step(&app, &mut tokyo_staff, id, "fee", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        step(&app, &mut tokyo_staff, id, "approve", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let cycle = cycle_id(&app, 2026, 1).await;
    let mut jma = app.signed_in("jma").await;
    assert!(jma.get("/office/cycles").await.body.contains(&format!("/office/cycles/{cycle}\"")));
    jma.get(&format!("/office/cycles/{cycle}")).await;
    let r = jma
        .post(&format!("/office/cycles/{cycle}/approve"), &[("application_id", &id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, id).await.0, "approved");
    let (number, from, until, linked): (String, NaiveDate, NaiveDate, bool) = sqlx::query_as(
        "SELECT certificate_number, valid_from, valid_until, linked_at IS NOT NULL
         FROM certifications_on('infinity') WHERE programme = 'sports'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(number.len(), 7);
    assert!(number.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!((from, until), (date(2026, 5, 31), date(2031, 5, 30)));
    assert!(linked);

    // Once everything is decided, the cycle can be closed (before its intake deadline only
    // with an explicit confirmation).
    jma.get(&format!("/office/cycles/{cycle}")).await;
    assert_eq!(
        jma.post(&format!("/office/cycles/{cycle}/close"), &[("confirm_early", "yes")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM review_cycles WHERE id = {cycle} AND closed_at IS NOT NULL"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn two_jma_staff_approve_at_once_and_exactly_one_wins() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = submitted(&app, "occupational", "renewal", tokyo(&app).await).await;
    let mut tokyo_staff = app.signed_in("tokyo").await;
    step(&app, &mut tokyo_staff, id, "fee", &[]).await;
    assert_eq!(
        step(&app, &mut tokyo_staff, id, "approve", &[]).await.status,
        StatusCode::SEE_OTHER
    );

    let mut first = app.signed_in("jma").await;
    let mut second = app.signed_in("jma").await;
    first.get(&format!("/office/applications/{id}")).await;
    second.get(&format!("/office/applications/{id}")).await;
    let v = version(&app, id).await;
    let path = format!("/office/applications/{id}/decide");
    let fields = [("version", v.as_str()), ("decision", "approve")];
    let (a, b) = tokio::join!(first.post(&path, &fields), second.post(&path, &fields));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if a.status == StatusCode::CONFLICT { &a } else { &b };
    assert!(loser.body.contains("ほかの担当者がすでに処理しました"));
    let (_, until): (NaiveDate, NaiveDate) = sqlx::query_as(
        "SELECT valid_from, valid_until FROM certifications_on('infinity')
         WHERE certificate_number = '0123456'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(until, date(2031, 7, 31), "extended once, not twice");
    assert_eq!(
        app.count("SELECT count(*) FROM application_events WHERE action = 'approved'").await,
        1
    );
}

async fn forward_on(now: &str, internal_deadline: Option<&str>) -> (i64, TestApp) {
    let app = TestApp::spawn_at(now).await;
    let id = submitted(&app, "occupational", "renewal", tokyo(&app).await).await;
    let mut tokyo_staff = app.signed_in("tokyo").await;
    if let Some(deadline) = internal_deadline {
        let first = cycle_id(&app, 2026, 1).await;
        let page = tokyo_staff.get("/office/applications/deadlines").await;
        assert!(page.body.contains(&format!("deadline_{first}")), "{}", page.body);
        let field = format!("deadline_{first}");
        let r = tokyo_staff.post("/office/applications/deadlines", &[(&field, deadline)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    step(&app, &mut tokyo_staff, id, "fee", &[]).await;
    assert_eq!(
        step(&app, &mut tokyo_staff, id, "approve", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    (application_cycle(&app, id).await.unwrap(), app)
}

#[tokio::test]
async fn forwarding_joins_the_cycle_whose_intake_deadline_it_meets() {
    let (cycle, app) = forward_on("2026-04-30 17:00", None).await;
    assert_eq!(cycle, cycle_id(&app, 2026, 1).await, "the day before 5/1");
    let (cycle, app) = forward_on("2026-05-01 17:00", None).await;
    assert_eq!(cycle, cycle_id(&app, 2026, 1).await, "on the deadline itself");
    let (cycle, app) = forward_on("2026-05-02 09:00", None).await;
    assert_eq!(cycle, cycle_id(&app, 2026, 2).await, "the day after 5/1");
    // The prefecture's own earlier deadline counts too.
    let (cycle, app) = forward_on("2026-04-30 17:00", Some("2026-04-24")).await;
    assert_eq!(cycle, cycle_id(&app, 2026, 2).await);
}

#[tokio::test]
async fn staff_of_another_prefecture_or_association_cannot_see_the_application() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = submitted(&app, "occupational", "renewal", tokyo(&app).await).await;
    // An Osaka prefectural staff member with the demo password.
    sqlx::query(
        "WITH a AS (
             INSERT INTO accounts (login_id, password_hash, role, display_name, email, created_at, updated_at)
             SELECT 'osaka', password_hash, 'prefectural_staff', '大阪府医師会 事務局', 'office@osaka.example.jp', now(), now()
             FROM accounts WHERE login_id = 'tokyo' RETURNING id)
         INSERT INTO staff_memberships (account_id, association_id, since)
         SELECT a.id, s.id, now() FROM a, associations s
         WHERE s.kind = 'prefectural' AND s.prefecture_code = 27",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut osaka = app.signed_in("osaka").await;
    assert!(!osaka
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}\"")));
    assert_eq!(
        osaka.get(&format!("/office/applications/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let v = version(&app, id).await;
    let r = osaka.post(&format!("/office/applications/{id}/fee"), &[("version", &v)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Submitted directly to the prefecture: the municipal association does not see it.
    let mut chiyoda_staff = app.signed_in("chiyoda").await;
    assert_eq!(
        chiyoda_staff.get(&format!("/office/applications/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // A physician is refused the staff pages.
    let mut doctor = app.signed_in("doctor").await;
    assert_eq!(
        doctor.get(&format!("/office/applications/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_long_queue_is_paged_fifty_at_a_time_oldest_first() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    // 120 Tokyo physicians, each with a new application submitted a minute apart.
    sqlx::query(
        "WITH p AS (
             INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
                 prefecture_code, details_confirmed_at, registration_completed_at, created_at,
                 updated_at)
             SELECT '待機 ' || g, 'タイキ', DATE '1960-01-01' + g, 'female', (700000 + g)::text,
                    '03-1234-5678', 13, now(), now(), now(), now()
             FROM generate_series(1, 120) AS g
             RETURNING id, registry_number)
         INSERT INTO applications (physician_id, programme, kind, prefecture_code,
             receiving_association_id, status, submitted_at, created_at, updated_at)
         SELECT p.id, 'occupational', 'new', 13,
                (SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13),
                'submitted', TIMESTAMPTZ '2026-04-01 09:00+09'
                    + (p.registry_number::int - 700000) * INTERVAL '1 minute', now(), now()
         FROM p",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut tokyo = app.signed_in("tokyo").await;
    let first = tokyo.get("/office/applications").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("審査待ちの申請 120件（1 / 3 ページ）"), "{}", first.body);
    assert_eq!(first.body.matches("<td data-label=\"医籍登録番号\">700").count(), 50);
    assert!(first.body.contains("<td data-label=\"医籍登録番号\">700001</td>"));
    assert!(!first.body.contains("<td data-label=\"医籍登録番号\">700051</td>"));
    assert!(first.body.contains("/office/applications?page=2"));
    let third = tokyo.get("/office/applications?page=3").await;
    assert_eq!(third.body.matches("<td data-label=\"医籍登録番号\">700").count(), 20);
    assert!(third.body.contains("<td data-label=\"医籍登録番号\">700120</td>"));
    // Out-of-range pages show the nearest page rather than an empty list.
    let beyond = tokyo.get("/office/applications?page=99").await;
    assert!(beyond.body.contains("<td data-label=\"医籍登録番号\">700120</td>"));
    assert_eq!(tokyo.get("/office/applications?page=x").await.status, StatusCode::BAD_REQUEST);
}

/// The signature of a mail: what follows its 「――」 line.
fn signature(body: &str) -> &str {
    body.rsplit_once("\n――\n").map(|(_, s)| s).unwrap_or_else(|| panic!("unsigned:\n{body}"))
}

#[tokio::test]
async fn review_mails_are_signed_by_the_association_that_acted() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let id = submitted(&app, "occupational", "renewal", chiyoda(&app).await).await;
    let mut chiyoda_staff = app.signed_in("chiyoda").await;
    let r = step(&app, &mut chiyoda_staff, id, "return", &[("comment", "写真が不鮮明です")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    resubmit(&app, id).await;
    let r = step(&app, &mut chiyoda_staff, id, "receive", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut tokyo_staff = app.signed_in("tokyo").await;
    let r =
        step(&app, &mut tokyo_staff, id, "return", &[("comment", "日付を確認してください")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body_text FROM mail_outbox WHERE to_address = $1 ORDER BY id")
            .bind(DOCTOR_MAIL)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(bodies.len(), 3, "{bodies:#?}");
    // The municipal association returned it and received it; the prefecture returned it next.
    // Questions always go to the association the physician applied through.
    let senders = ["千代田区医師会", "千代田区医師会", "東京都医師会"];
    for (body, sender) in bodies.iter().zip(senders) {
        let s = signature(body);
        assert!(s.contains(&format!("送信元：{sender}\n")), "{body}");
        assert!(s.contains("お問い合わせ先：千代田区医師会\n"), "{body}");
        assert!(s.contains("このメールは、申請の審査の状況のお知らせのためにお送りしています。"));
        assert!(s.contains("このメールは送信専用です。"), "{body}");
    }
    assert!(bodies[2].contains("【差し戻しの理由】\n日付を確認してください\n"), "{}", bodies[2]);
}
