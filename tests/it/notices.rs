//! Renewal notices (DOMAIN §7): the daily job with the clock pinned around the demo doctor's
//! occupational expiry (2026-07-31), the staff lists and the prefecture's request letter.

use crate::common::TestApp;
use mamis::jobs::notices::run_daily;
use reqwest::StatusCode;

const DOCTOR_MAIL: &str = "yamada.taro@example.jp";

async fn mails(app: &TestApp, subject_like: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_address = $1 AND subject LIKE $2 ORDER BY id",
    )
    .bind(DOCTOR_MAIL)
    .bind(subject_like)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn notices(app: &TestApp, kind: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM notices_sent n JOIN certifications c ON c.id = n.certification_id
         WHERE c.certificate_number = '0123456' AND n.kind = $1",
    )
    .bind(kind)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn one_year_notice_is_sent_once() {
    let app = TestApp::spawn_at("2025-07-31 06:00").await;
    let first = run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    assert_eq!(first.recorded, 1);
    assert_eq!(first.mailed, 1);
    let second = run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    assert_eq!(second.recorded, 0);
    assert_eq!(second.mailed, 0);
    let sent = mails(&app, "%認定産業医の有効期限まで1年となりました%").await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("0123456"));
    assert!(sent[0].contains("2026年7月31日"));
    assert_eq!(notices(&app, "one_year").await, 1);

    // The day before: nothing yet.
    let early = TestApp::spawn_at("2025-07-30 06:00").await;
    let report = run_daily(&early.pool, &early.clock, &early.base).await.unwrap();
    assert_eq!(report.recorded, 0);
    assert_eq!(early.count("SELECT count(*) FROM notices_sent").await, 0);
}

#[tokio::test]
async fn notice_mail_is_signed_with_the_physicians_prefectural_association() {
    let app = TestApp::spawn_at("2025-07-31 06:00").await;
    run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    let sent = mails(&app, "%有効期限まで1年となりました%").await;
    assert_eq!(sent.len(), 1);
    let association: String = sqlx::query_scalar(
        "SELECT a.name FROM certifications c
         JOIN physicians p ON p.id = c.physician_id
         JOIN associations a ON a.kind = 'prefectural' AND a.prefecture_code = p.prefecture_code
         WHERE c.certificate_number = '0123456'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (_, signature) = sent[0].rsplit_once("\n――\n").expect("signed");
    assert!(signature.contains("送信元：日本医師会\n"), "{signature}");
    assert!(signature.contains(&format!("お問い合わせ先：{association}\n")), "{signature}");
    assert!(
        signature
            .contains("このメールは、認定産業医の有効期限のお知らせのためにお送りしています。"),
        "{signature}"
    );
    assert!(signature.contains("このメールは送信専用です。"), "{signature}");
}

#[tokio::test]
async fn concurrent_runs_send_each_notice_once() {
    let app = TestApp::spawn_at("2026-06-30 06:00").await;
    let (a, b) = tokio::join!(
        run_daily(&app.pool, &app.clock, &app.base),
        run_daily(&app.pool, &app.clock, &app.base)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.recorded + b.recorded, a.candidates.max(b.candidates));
    let sent = mails(&app, "%認定産業医の有効期限まで1か月です%").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(notices(&app, "one_month").await, 1);
    // Again, later the same day and the day after: still once.
    run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    app.clock.advance(chrono::Duration::days(1));
    run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    assert_eq!(mails(&app, "%認定産業医の有効期限まで1か月です%").await.len(), 1);
}

#[tokio::test]
async fn four_month_guidance_says_what_is_missing() {
    let app = TestApp::spawn_at("2026-03-31 06:00").await;
    let (a, b) = tokio::join!(
        run_daily(&app.pool, &app.clock, &app.base),
        run_daily(&app.pool, &app.clock, &app.base)
    );
    a.unwrap();
    b.unwrap();
    run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    let sent = mails(&app, "%認定産業医の更新のご案内%").await;
    assert_eq!(sent.len(), 1, "one guidance mail");
    let body = &sent[0];
    assert!(body.contains("現在の単位では更新の要件を満たしていません（不足："), "{body}");
    assert!(body.contains("生涯研修 合計 あと"), "{body}");
    assert!(body.contains("/mypage/applications"), "{body}");
    assert_eq!(notices(&app, "four_months").await, 1);
    // The one-year notice was never recorded for this period: only the latest due one counts.
    assert_eq!(notices(&app, "one_year").await, 0);
}

#[tokio::test]
async fn no_verified_email_still_records_the_notice() {
    let app = TestApp::spawn_at("2026-06-30 06:00").await;
    sqlx::query("UPDATE accounts SET email_verified_at = NULL WHERE login_id = 'doctor'")
        .execute(&app.pool)
        .await
        .unwrap();
    let report = run_daily(&app.pool, &app.clock, &app.base).await.unwrap();
    assert!(report.recorded >= 1);
    assert_eq!(report.mailed, 0);
    assert_eq!(notices(&app, "one_month").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox WHERE subject LIKE '%1か月%'").await, 0);
}

#[tokio::test]
async fn staff_lists_by_month() {
    let app = TestApp::spawn_at("2025-07-31 10:00").await;
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/notices?month=2025-07").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1年前の葉書"));
    assert!(page.body.contains("0123456"));
    assert!(page.body.contains("/office/exports/address-labels.xlsx?from=2026-07-01"));
    assert!(page.body.contains("until=2026-07-31"));
    let labels =
        jma.get("/office/exports/address-labels.xlsx?from=2026-07-01&until=2026-07-31").await;
    assert_eq!(labels.status, StatusCode::OK);

    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/notices?month=2026-02").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("更新案内の対象者"));
    assert!(page.body.contains("0123456"));
    assert!(!page.body.contains("1年前の葉書"));
    // An odd month shows the preceding even month's list.
    let page = tokyo.get("/office/notices?month=2026-03").await;
    assert!(page.body.contains("偶数月に提供"));
    assert!(page.body.contains("0123456"));
    let page = tokyo.get("/office/notices?month=2026-06").await;
    assert!(!page.body.contains("0123456"));
    assert_eq!(tokyo.get("/office/notices?month=bad").await.status, StatusCode::BAD_REQUEST);

    let mut doctor = app.signed_in("doctor").await;
    assert_eq!(doctor.get("/office/notices").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn request_letter_lists_forwarded_applications() {
    let app = TestApp::spawn_at("2026-04-20 10:00").await;
    let cycle: i64 =
        sqlx::query_scalar("SELECT id FROM review_cycles WHERE fiscal_year = 2026 AND number = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO applications (physician_id, programme, kind, certification_id,
             prefecture_code, receiving_association_id, status, cycle_id, submitted_at,
             forwarded_at, created_at, updated_at)
         SELECT ce.physician_id, 'occupational', 'renewal', ce.id, 13,
                (SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13),
                'prefecture_approved', $1, now(), now(), now(), now()
         FROM certifications ce WHERE ce.certificate_number = '0123456'",
    )
    .bind(cycle)
    .execute(&app.pool)
    .await
    .unwrap();
    // Osaka's prefectural staff member.
    sqlx::query(
        "WITH a AS (
             INSERT INTO accounts (login_id, password_hash, role, display_name, created_at, updated_at)
             SELECT 'osaka', password_hash, 'prefectural_staff', '大阪府医師会 事務局', now(), now()
             FROM accounts WHERE login_id = 'tokyo'
             RETURNING id)
         INSERT INTO staff_memberships (account_id, association_id, since)
         SELECT a.id, s.id, now() FROM a,
                (SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 27) s",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let path = format!("/office/applications/request-letter?cycle={cycle}");
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "日本医師会",
        "会長",
        "依頼",
        "令和8年4月20日",
        "運営委員会",
        "山田 太郎",
        "認定産業医",
        "更新申請",
        "0123456",
        "合計 1件",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    assert_eq!(tokyo.get(&format!("{path}&prefecture=27")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        tokyo.get("/office/applications/request-letter?cycle=999999").await.status,
        StatusCode::NOT_FOUND
    );

    let mut osaka = app.signed_in("osaka").await;
    let page = osaka.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("山田 太郎"));
    assert!(page.body.contains("合計 0件"));
    assert_eq!(osaka.get(&format!("{path}&prefecture=13")).await.status, StatusCode::FORBIDDEN);

    for login in ["doctor", "jma", "chiyoda"] {
        let mut b = app.signed_in(login).await;
        assert_eq!(b.get(&path).await.status, StatusCode::FORBIDDEN, "{login}");
        let pdf = format!("/office/applications/request-letter.pdf?cycle={cycle}");
        assert_eq!(b.get(&pdf).await.status, StatusCode::FORBIDDEN, "{login} pdf");
    }
}

/// A download as bytes (a PDF is not text).
async fn get_bytes(
    b: &crate::common::Browser,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let r = b.client.get(format!("{}{}", b.base, path)).send().await.unwrap();
    (r.status(), r.headers().clone(), r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn request_letter_pdf_names_both_presidents_and_lists_applications_and_seminars() {
    let app = TestApp::spawn_at("2026-04-20 10:00").await;
    let cycle: i64 =
        sqlx::query_scalar("SELECT id FROM review_cycles WHERE fiscal_year = 2026 AND number = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO applications (physician_id, programme, kind, certification_id,
             prefecture_code, receiving_association_id, status, cycle_id, submitted_at,
             forwarded_at, created_at, updated_at)
         SELECT ce.physician_id, 'occupational', 'renewal', ce.id, 13,
                (SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13),
                'prefecture_approved', $1, now(), now(), now(), now()
         FROM certifications ce WHERE ce.certificate_number = '0123456'",
    )
    .bind(cycle)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
             organizer_name, contact_name, contact_email, contact_phone,
             approving_prefecture_code, status, cycle_id, created_at, updated_at)
         VALUES ('occupational', '産業医研修会（作業環境管理）', DATE '2026-06-14',
                 DATE '2026-06-14', 'in_person', '東京都医師会館', '千代田区医師会', '担当',
                 'kenshu@example.jp', '03-0000-0000', 13, 'prefecture_approved', $1, now(), now())",
    )
    .bind(cycle)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut jma = app.signed_in("jma").await;
    jma.get("/office/association").await;
    let page = jma.post("/office/association", &[("president_name", "医師 一郎")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/association").await;
    let page = tokyo.post("/office/association", &[("president_name", "東京 花子")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    let page = tokyo.get(&format!("/office/applications/request-letter?cycle={cycle}")).await;
    assert!(page.body.contains("医師 一郎") && page.body.contains("東京 花子"), "{}", page.body);
    assert!(page.body.contains("産業医研修会（作業環境管理）"));
    assert!(page.body.contains("request-letter.pdf"));

    let path = format!(
        "/office/applications/request-letter.pdf?cycle={cycle}&number=%E6%9D%B1%E5%8C%BB%E7%99%BA%E7%AC%AC12%E5%8F%B7&date=2026-04-22"
    );
    let (status, headers, pdf) = get_bytes(&tokyo, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let sizes = mamis::export::pdf::page_sizes(&pdf).unwrap();
    assert_eq!(sizes.len(), 1);
    assert!((sizes[0].0 - 595.28).abs() < 0.05 && (sizes[0].1 - 841.89).abs() < 0.05);
    let text = mamis::export::pdf::page_text(&pdf, 1).unwrap();
    for printed in [
        "東医発第12号",
        "令和8年4月22日",
        "医師 一郎",
        "東京 花子",
        "東京都医師会",
        "運営委員会",
        "山田 太郎",
        "0123456",
        "産業医研修会（作業環境管理）",
        "千代田区医師会",
    ] {
        assert!(text.contains(printed), "{printed} not in {text}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE entity_id = 'request_letter_pdf'").await,
        1
    );
    let (status, _, _) = get_bytes(
        &tokyo,
        &format!("/office/applications/request-letter.pdf?cycle={cycle}&date=yesterday"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn national_lists_show_a_preview_and_the_true_total() {
    let app = TestApp::spawn_at("2025-07-31 10:00").await;
    // 150 more (unlinked) certifications expiring in the guidance period of 2025-08.
    sqlx::query(
        "WITH c AS (INSERT INTO certifications (programme, certificate_number, registry_number,
                         birth_date, created_at, updated_at)
                     SELECT 'occupational', (9000000 + n)::text, (800000 + n)::text,
                            DATE '1970-01-01', now(), now()
                     FROM generate_series(1, 150) AS n RETURNING id)
         INSERT INTO certification_terms (certification_id, valid_from, valid_until, origin,
             created_at)
         SELECT id, DATE '2020-12-16', DATE '2025-12-15', 'imported', now() FROM c",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/notices?month=2025-08").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("150件（先頭100件を表示しています"), "{}", page.body);
    assert_eq!(
        page.body.matches("<td>90000").count() + page.body.matches("<td>90001").count(),
        100
    );
}
