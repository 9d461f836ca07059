//! A physician's applications (issue 5, part 2): the draft with the live requirement check,
//! declared pre-cut-over credits, evidence uploads, submission (refused with the reasons
//! until the rules are met), one open application per programme, late renewal, and never
//! another physician's application.

use crate::common::applications::{self as fx, id_of, start, Declared};
use crate::common::{Browser, Page, TestApp};
use reqwest::StatusCode;

async fn upload(b: &mut Browser, id: i64, file_name: &str, content: &[u8]) -> Page {
    fx::upload_to(b, &format!("/mypage/applications/{id}/files"), file_name, content).await
}

async fn declare(
    b: &mut Browser,
    id: i64,
    category: &str,
    format: &str,
    units: &str,
    date: &str,
) -> Page {
    let credit = Declared { format, ..Declared::handbook(category, units, date) };
    fx::declare(b, id, credit).await
}

async fn declare_enough(b: &mut Browser, id: i64) {
    for (category, units) in
        [("lifelong_renewal", "1"), ("lifelong_practical", "1"), ("lifelong_specialized", "18")]
    {
        let page = declare(b, id, category, "in_person", units, "2024-06-01").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{category}: {}", page.body);
    }
}

#[tokio::test]
async fn a_renewal_is_refused_with_reasons_until_the_declared_credits_meet_the_rules() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let list = b.get("/mypage/applications").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("更新申請") && list.body.contains("申請はまだありません"));

    let created = start(&mut b, "occupational", "renewal").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = id_of(&created);
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0123456") && page.body.contains("生涯研修 合計"));

    // Nothing declared yet: refused, and the page says why.
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("要件を満たしていないため、提出できません"), "{}", refused.body);
    assert!(refused.body.contains("生涯研修 合計：必要 20単位、算入 0単位（あと20単位）"));
    assert!(refused.body.contains("生涯研修 実地（対面のみ）"));

    // Declared credits must predate the cut-over and be of the programme.
    let late = declare(&mut b, id, "lifelong_renewal", "in_person", "1", "2025-04-01").await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("ポータルに登録されるため"));
    let wrong = declare(&mut b, id, "sports_retraining", "in_person", "1", "2024-06-01").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_units =
        declare(&mut b, id, "lifelong_renewal", "in_person", "1.25", "2024-06-01").await;
    assert_eq!(bad_units.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM declared_credits").await, 0);

    // 19 units: still one short.
    declare_enough(&mut b, id).await;
    let removed: i64 = sqlx::query_scalar(
        "SELECT id FROM declared_credits WHERE category = 'lifelong_specialized'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    b.get(&format!("/mypage/applications/{id}")).await;
    let page = b.post(&format!("/mypage/applications/{id}/credits/{removed}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    b.get(&format!("/mypage/applications/{id}")).await;
    let page = declare(&mut b, id, "lifelong_specialized", "in_person", "17", "2024-06-01").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("あと1単位"), "{}", refused.body);

    let page = declare(&mut b, id, "lifelong_specialized", "in_person", "1", "2024-07-01").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("要件を満たしています。"), "{}", page.body);
    let submitted = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);

    let (status, submitted_at): (String, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT status, submitted_at FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "submitted");
    assert!(submitted_at.is_some());
    assert_eq!(
        app.count(
            "SELECT count(*) FROM application_events WHERE tier = 'physician' AND action = 'submitted'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'application.submit'").await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'application.declare_credit'")
            .await,
        5
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM mail_outbox WHERE to_address = 'yamada.taro@example.jp'
               AND subject LIKE '%申請を受け付けました%'"
        )
        .await,
        1
    );
    // Submitted: no more changes, no second submission.
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("提出済み"));
    let again = declare(&mut b, id, "lifelong_renewal", "in_person", "1", "2024-06-01").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let again = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let withdraw = b.post(&format!("/mypage/applications/{id}/withdraw"), &[]).await;
    assert_eq!(withdraw.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn one_open_application_per_programme() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let first = start(&mut b, "occupational", "renewal").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let id = id_of(&first);
    let second = start(&mut b, "occupational", "renewal").await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.body.contains(&format!("この区分の申請（申請番号 {id}）がすでにあります")));
    // New certification while the current one is valid: refused with the way forward.
    let new = start(&mut b, "occupational", "new").await;
    assert_eq!(new.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(new.body.contains("更新申請をしてください"));
    // The other programme is independent.
    assert_eq!(start(&mut b, "sports", "renewal").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 2);
    let list = b.get("/mypage/applications").await;
    assert!(list.body.contains(&format!("手続き中の申請（申請番号 {id}）")));

    // Withdrawing is confirmed on a page of its own that says what is lost.
    let shown = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(shown.body.contains(&format!("href=\"/mypage/applications/{id}/withdraw\"")));
    let confirm = b.get(&format!("/mypage/applications/{id}/withdraw")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("元に戻せません"), "{}", confirm.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM applications WHERE id = {id} AND status = 'withdrawn'"
        ))
        .await,
        0,
        "nothing withdrawn by looking"
    );
    // Withdrawn: a new one may start.
    let page = b.post(&format!("/mypage/applications/{id}/withdraw"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'application.withdraw'").await,
        1
    );
    assert_eq!(start(&mut b, "occupational", "renewal").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 3);
    assert_eq!(
        b.get("/mypage/applications/new?programme=x&kind=new").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn evidence_uploads_are_checked_by_content_and_size_and_downloaded_as_attachments() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let id = id_of(&start(&mut b, "occupational", "renewal").await);
    b.get(&format!("/mypage/applications/{id}")).await;

    let text = upload(&mut b, id, "手帳.pdf", b"just some text, not a PDF").await;
    assert_eq!(text.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.body.contains("PDF・JPEG・PNGのいずれでもない"), "{}", text.body);

    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'x');
    let too_big = upload(&mut b, id, "big.pdf", &big).await;
    assert_eq!(too_big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_big.body.contains("10MBを超えている"), "{}", too_big.body);
    assert_eq!(app.count("SELECT count(*) FROM uploaded_files").await, 0);

    let pdf = crate::common::pdf_file();
    let ok = upload(&mut b, id, "手帳 1頁.pdf", &pdf).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let file_id: i64 = sqlx::query_scalar(
        "SELECT id FROM uploaded_files WHERE owner_type = 'application' AND owner_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("手帳 1頁.pdf"));
    let r = b
        .client
        .get(format!("{}/mypage/applications/{id}/files/{file_id}", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'application.upload'").await,
        1
    );
}

#[tokio::test]
async fn another_physician_gets_404_on_the_application() {
    let app = TestApp::spawn().await;
    sqlx::query(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, created_at, updated_at)
                    SELECT 'other', password_hash, 'physician', '佐藤 花子', now(), now()
                    FROM accounts WHERE login_id = 'doctor' RETURNING id)
         INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex,
                 registry_number, phone, prefecture_code, registration_completed_at,
                 details_confirmed_at, created_at, updated_at)
         SELECT a.id, '佐藤　花子', 'サトウ　ハナコ', '1980-04-01', 'female', '654321',
                '03-0000-0000', 13, now(), now(), now(), now() FROM a",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut doctor = app.signed_in("doctor").await;
    let id = id_of(&start(&mut doctor, "occupational", "renewal").await);
    doctor.get(&format!("/mypage/applications/{id}")).await;
    assert_eq!(
        upload(&mut doctor, id, "a.png", &crate::common::png_file()).await.status,
        StatusCode::SEE_OTHER
    );
    let file_id: i64 =
        sqlx::query_scalar("SELECT id FROM uploaded_files").fetch_one(&app.pool).await.unwrap();

    let mut other = app.signed_in("other").await;
    assert!(!other.get("/mypage/applications").await.body.contains(&format!(">{id}<")));
    assert_eq!(
        other.get(&format!("/mypage/applications/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/mypage/applications/{id}/files/{file_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    other.get("/mypage/applications").await;
    for path in ["submit", "withdraw", "credits", "details"] {
        let page = other.post(&format!("/mypage/applications/{id}/{path}"), &[]).await;
        assert!(
            page.status == StatusCode::NOT_FOUND || page.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            page.status
        );
        assert_ne!(page.status, StatusCode::SEE_OTHER);
    }
    let status: String = sqlx::query_scalar("SELECT status FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "draft");
    assert_eq!(app.count("SELECT count(*) FROM declared_credits").await, 0);
    // Staff are not physicians: the my-page routes are not theirs.
    let mut staff = app.signed_in("tokyo").await;
    assert_eq!(
        staff.get(&format!("/mypage/applications/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_late_renewal_needs_a_reason() {
    let app = TestApp::spawn_at("2026-09-01 10:00").await;
    let mut b = app.signed_in("doctor").await;
    let id = id_of(&start(&mut b, "occupational", "renewal").await);
    b.get(&format!("/mypage/applications/{id}")).await;
    declare_enough(&mut b, id).await;
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("遅延理由書"), "{}", page.body);
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("遅延理由書（有効期限後の申請）"), "{}", refused.body);

    let receiver: i64 = sqlx::query_scalar(
        "SELECT id FROM associations WHERE kind = 'prefectural' AND prefecture_code = 13",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let receiver = receiver.to_string();
    let saved = b
        .post(
            &format!("/mypage/applications/{id}/details"),
            &[
                ("route", "credits"),
                ("receiving_association_id", &receiver),
                ("late_reason", "入院していたため、期限内に申請できませんでした。"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let submitted = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    let reason: Option<String> =
        sqlx::query_scalar("SELECT late_reason FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(reason.as_deref(), Some("入院していたため、期限内に申請できませんでした。"));
}

#[tokio::test]
async fn the_physician_sees_the_cycle_and_when_to_expect_the_decision() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let mut b = app.signed_in("doctor").await;
    let id = id_of(&start(&mut b, "occupational", "renewal").await);
    b.get(&format!("/mypage/applications/{id}")).await;
    declare_enough(&mut b, id).await;
    let draft = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(!draft.body.contains("運営委員会"), "no cycle for a draft");
    let submitted = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);

    // Waiting at the association: an estimate, the first cycle whose intake deadline is still
    // ahead (FY2026 第1回, intake 2026-05-01, committee 2026-05-31).
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("見込み"), "{}", page.body);
    assert!(
        page.body.contains("第1回（2026年5月末の運営委員会）で審査される見込みです"),
        "{}",
        page.body
    );

    // Forwarded into FY2026 第2回: the real dates of that cycle.
    sqlx::query(
        "UPDATE applications SET status = 'prefecture_approved',
                cycle_id = (SELECT id FROM review_cycles WHERE fiscal_year = 2026 AND number = 2)
          WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "第2回（2026年7月末の運営委員会）で審査されます。承認されると認定証はすぐにマイページからダウンロードでき、紙の認定証は翌月末ごろ都道府県医師会から届きます。"
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("見込み"));
}

#[tokio::test]
async fn a_japanese_era_date_is_accepted_and_echoed_and_a_date_outside_the_validity_is_marked() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let mut b = app.signed_in("doctor").await;
    let id = id_of(&start(&mut b, "occupational", "renewal").await);
    b.get(&format!("/mypage/applications/{id}")).await;
    let page = declare(&mut b, id, "lifelong_renewal", "in_person", "2", "令和6年5月10日").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let shown = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(
        shown.body.contains("「令和6年5月10日」を2024年5月10日として登録しました"),
        "{}",
        shown.body
    );
    let stored: chrono::NaiveDate =
        sqlx::query_scalar("SELECT attended_on FROM declared_credits WHERE application_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.to_string(), "2024-05-10");
    // The demo term began 2021-08-01: a credit from before it is shown, marked, not counted.
    let page = declare(&mut b, id, "lifelong_practical", "in_person", "1", "2020-05-10").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let shown = b.get(&format!("/mypage/applications/{id}")).await;
    assert_eq!(shown.body.matches("有効期間外のため算入されません").count(), 1, "{}", shown.body);
}

/// Issue 12: the HTML polyglot on the application evidence upload.
#[tokio::test]
async fn attack_html_polyglot_on_application_evidence_is_refused() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let id = id_of(&start(&mut b, "occupational", "renewal").await);
    b.get(&format!("/mypage/applications/{id}")).await;
    let r = upload(&mut b, id, "report.html", crate::common::POLYGLOT).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("PDF・JPEG・PNGのいずれでもない"), "{}", r.body);
    assert_eq!(app.count("SELECT count(*) FROM uploaded_files").await, 0);

    b.get(&format!("/mypage/applications/{id}")).await;
    let ok = upload(&mut b, id, "report.html", &crate::common::pdf_file()).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let (name, content_type): (String, String) =
        sqlx::query_as("SELECT file_name, content_type FROM uploaded_files")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), content_type.as_str()), ("report.pdf", "application/pdf"));
}
