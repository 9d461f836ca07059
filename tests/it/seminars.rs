//! Seminar approval (DOMAIN §5, §6): an outside body applies on the public form, the approving
//! prefecture approves or returns with a comment, JMA's committee approves in a review cycle and
//! the organizer receives the secret work-page URL by mail; paper entry; revoke and re-issue;
//! two staff members deciding at once.

use crate::common;

use crate::common::seminar_forms::{application, fields, sha256_hex, with, CONTACT, NOW};
use crate::common::{Browser, TestApp};
use reqwest::StatusCode;

fn outside_application(title: &str) -> Vec<(&'static str, String)> {
    application(title, "2025/10/18")
}

/// An anonymous visitor fills in the public form; returns the page after the POST.
async fn apply_publicly(app: &TestApp, form: &[(&'static str, String)]) -> (Browser, common::Page) {
    let mut b = app.browser();
    assert_eq!(b.get("/seminars/apply").await.status, StatusCode::OK);
    let page = b.post("/seminars/apply", &fields(form)).await;
    (b, page)
}

async fn seminar_id(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM seminars WHERE title = $1")
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM seminars WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Bodies of the mails to `to` whose subject contains `subject`, oldest first.
async fn mails(app: &TestApp, to: &str, subject: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_address = $1 AND subject LIKE '%' || $2 || '%'
         ORDER BY id",
    )
    .bind(to)
    .bind(subject)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The work-page token in a mail: `/work/` followed by 64 hex digits.
fn token_in(body: &str) -> String {
    let start = body.find("/work/").expect("a work-page URL in the mail") + "/work/".len();
    let token: String = body[start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    assert_eq!(token.len(), 64, "256-bit token: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token
}

async fn token_hash_active(app: &TestApp, seminar: i64) -> Option<String> {
    sqlx::query_scalar(
        "SELECT token_hash FROM work_pages WHERE seminar_id = $1 AND revoked_at IS NULL",
    )
    .bind(seminar)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_outside_body_applies_the_prefecture_and_jma_approve_and_the_work_page_url_is_mailed() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "産業医研修会（職場のメンタルヘルス）";

    // 1. The public form, without an account.
    let (mut visitor, page) = apply_publicly(&app, &outside_application(title)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/seminars/apply/done"));
    let done = visitor.get("/seminars/apply/done").await;
    assert!(done.body.contains("研修会の申請を受け付けました"));
    assert!(done.body.contains(title));
    assert!(done.body.contains("東京都医師会"));
    let id = seminar_id(&app, title).await;
    assert_eq!(status(&app, id).await, "submitted");
    let organizer: Option<i64> =
        sqlx::query_scalar("SELECT organizer_association_id FROM seminars WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(organizer, None, "an outside body");
    let received = mails(&app, CONTACT, "研修会の申請を受け付けました").await;
    assert_eq!(received.len(), 1);
    assert!(!received[0].contains(title), "the address is unconfirmed: nothing typed is mailed");
    assert!(received[0].contains("受付番号"));

    // 2. Tokyo reviews and approves: the seminar joins 2025年度 第3回 (intake 9/1).
    let mut tokyo = app.signed_in("tokyo").await;
    assert!(tokyo.get("/office/seminars").await.body.contains(title));
    let detail = tokyo.get(&format!("/office/seminars/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("生涯研修 更新"));
    assert!(detail.body.contains("2.5"));
    assert!(detail.body.contains("一般社団法人 東京産業保健協会（医師会以外）"));
    let page = tokyo.post(&format!("/office/seminars/{id}/approve"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(status(&app, id).await, "prefecture_approved");
    let cycle: (i64, i32, i16) = sqlx::query_as(
        "SELECT c.id, c.fiscal_year, c.number FROM seminars s JOIN review_cycles c ON c.id = s.cycle_id
         WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((cycle.1, cycle.2), (2025, 3));
    assert!(tokyo.get(&format!("/office/seminars/{id}")).await.body.contains("第3回"));

    // 3. JMA's committee approves it in the cycle (bulk form).
    let mut jma = app.signed_in("jma").await;
    let committee = jma.get("/office/committee").await;
    assert_eq!(committee.status, StatusCode::OK);
    assert!(committee.body.contains("2025年度 第3回"));
    let per_cycle = jma.get(&format!("/office/committee/{}", cycle.0)).await;
    assert!(per_cycle.body.contains(title));
    let page = jma
        .post(&format!("/office/committee/{}/approve", cycle.0), &[("seminar_id", &id.to_string())])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(status(&app, id).await, "approved");

    // 4. The organizer's mail carries the URL; the database keeps only its SHA-256.
    let approved = mails(&app, CONTACT, "研修会が承認されました").await;
    assert_eq!(approved.len(), 1);
    let token = token_in(&approved[0]);
    assert!(approved[0].contains(&format!("{}/work/{token}", app.base)));
    assert_eq!(token_hash_active(&app, id).await, Some(sha256_hex(&token)));
    assert_eq!(
        mamis::db::work_pages::seminar_for_token(&app.pool, &token).await.unwrap(),
        Some(id)
    );
    let leaked = app
        .count(&format!(
            "SELECT count(*) FROM audit_log WHERE coalesce(after::text, '') || coalesce(before::text, '') LIKE '%{token}%'"
        ))
        .await;
    assert_eq!(leaked, 0, "the token is never written to the audit log");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type IN ('seminar', 'work_page') AND entity_id = $1
         ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "seminar.submitted",
            "seminar.prefecture_approved",
            "seminar.approved",
            "work_page.issued"
        ]
    );
    // The staff page shows the history and that a URL is issued, never the URL itself.
    let detail = tokyo.get(&format!("/office/seminars/{id}")).await;
    assert!(detail.body.contains("日本医師会が承認"));
    assert!(detail.body.contains("発行済み"));
    assert!(!detail.body.contains(&token));

    // 5. The URL opens the organizer's work page, with nothing but the URL.
    let mut organizer = app.browser();
    let work = organizer.get(&format!("/work/{token}")).await;
    assert_eq!(work.status, StatusCode::OK, "the work page opens: {}", work.body);
    assert!(work.body.contains(title));
}

#[tokio::test]
async fn a_returned_application_is_corrected_and_submitted_again() {
    let app = TestApp::spawn_at(NOW).await;

    // An outside body: returned with a comment; the mail says to apply again.
    let outside = "産業医研修会（差し戻し・外部）";
    let (_, page) = apply_publicly(&app, &outside_application(outside)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let id = seminar_id(&app, outside).await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/seminars/{id}")).await;
    let page = tokyo.post(&format!("/office/seminars/{id}/return"), &[("comment", "  ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("差し戻す理由"));
    assert_eq!(status(&app, id).await, "submitted");
    let page = tokyo
        .post(
            &format!("/office/seminars/{id}/return"),
            &[("comment", "講師の所属を記入してください。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(status(&app, id).await, "returned");
    let returned = mails(&app, CONTACT, "差し戻されました").await;
    assert_eq!(returned.len(), 1);
    assert!(returned[0].contains("講師の所属を記入してください。"));
    // The mail carries a private correction link (issue 10: see seminar_corrections.rs).
    assert!(returned[0].contains(&format!("{}/seminars/correct/", app.base)));
    // Applying again instead is a new application.
    let again = with(outside_application(outside), "venue", "東京産業保健会館（講師：○○大学）");
    let (_, page) = apply_publicly(&app, &again).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM seminars WHERE title = '{outside}' AND status = 'submitted'"
        ))
        .await,
        1
    );

    // An association's own application: corrected in place from the staff page.
    let mut chiyoda = app.signed_in("chiyoda").await;
    let form = chiyoda.get("/office/seminars/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("千代田区医師会"));
    let own = "千代田区医師会 産業医研修会";
    let mut application = outside_application(own);
    application.retain(|(k, _)| !matches!(*k, "organizer_name" | "approving_prefecture"));
    let application = with(application, "contact_email", "jimu@chiyoda.example.jp");
    let page = chiyoda.post("/office/seminars/new", &fields(&application)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let own_id = seminar_id(&app, own).await;
    let (organizer, prefecture): (Option<i64>, i16) = sqlx::query_as(
        "SELECT organizer_association_id, approving_prefecture_code FROM seminars WHERE id = $1",
    )
    .bind(own_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let chiyoda_id: i64 =
        sqlx::query_scalar("SELECT id FROM associations WHERE name = '千代田区医師会'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((organizer, prefecture), (Some(chiyoda_id), 13));
    assert_eq!(
        mails(&app, "jimu@chiyoda.example.jp", "研修会の申請を受け付けました").await.len(),
        1
    );
    // Municipal staff neither review nor correct what they did not organize.
    assert_eq!(
        chiyoda.post(&format!("/office/seminars/{own_id}/approve"), &[]).await.status,
        StatusCode::FORBIDDEN
    );

    tokyo.get(&format!("/office/seminars/{own_id}")).await;
    let page = tokyo
        .post(
            &format!("/office/seminars/{own_id}/return"),
            &[("comment", "開催日を確認してください。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let returned = mails(&app, "jimu@chiyoda.example.jp", "差し戻されました").await;
    assert!(returned[0].contains(&format!("/office/seminars/{own_id}/edit")));
    assert_eq!(
        tokyo.get(&format!("/office/seminars/{own_id}/edit")).await.status,
        StatusCode::FORBIDDEN,
        "the prefecture reviews; the organizer corrects"
    );

    let detail = chiyoda.get(&format!("/office/seminars/{own_id}")).await;
    assert!(detail.body.contains("開催日を確認してください。"));
    assert!(detail.body.contains(&format!("/office/seminars/{own_id}/edit")));
    let edit = chiyoda.get(&format!("/office/seminars/{own_id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains(own), "the form comes filled in");
    assert!(edit.body.contains("value=\"2.5\""));
    // A correction with a mistake is shown again with the message and what was typed.
    let bad = with(application.clone(), "ends_on", "2025-10-17");
    let page = chiyoda.post(&format!("/office/seminars/{own_id}/edit"), &fields(&bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("終了日は開催日（初日）と同じか"));
    assert!(page.body.contains("2025-10-17"));
    let fixed = with(application, "starts_on", "2025-11-08");
    let page = chiyoda.post(&format!("/office/seminars/{own_id}/edit"), &fields(&fixed)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(status(&app, own_id).await, "submitted");
    let starts: chrono::NaiveDate =
        sqlx::query_scalar("SELECT starts_on FROM seminars WHERE id = $1")
            .bind(own_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(starts.to_string(), "2025-11-08");
    let detail = tokyo.get(&format!("/office/seminars/{own_id}")).await;
    assert!(detail.body.contains("都道府県医師会が差し戻し"));
    assert!(detail.body.contains("修正して再申請"));
    // Once approved it can no longer be edited.
    tokyo.post(&format!("/office/seminars/{own_id}/approve"), &[]).await;
    assert_eq!(
        chiyoda.get(&format!("/office/seminars/{own_id}/edit")).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_web_seminar_may_not_grant_basic_units() {
    let app = TestApp::spawn_at(NOW).await;
    let form = with(
        with(outside_application("Web研修会（基礎後期）"), "format", "web"),
        "units_basic_late",
        "3",
    );
    let (_, page) = apply_publicly(&app, &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("Web開催の研修会では「基礎研修 後期」の単位は付与できません。"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"Web研修会（基礎後期）\""), "what was typed stays");
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert_eq!(app.count("SELECT count(*) FROM seminars").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 0);

    // Without the 基礎 units the same Web seminar is accepted.
    let form = with(form, "units_basic_late", "");
    let (_, page) = apply_publicly(&app, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn applications_open_on_the_first_of_july() {
    let app = TestApp::spawn_at("2025-06-20 10:00").await;
    let mut b = app.browser();
    assert!(b.get("/seminars/apply").await.body.contains("2025年7月1日から受け付けます"));
    let page = b.post("/seminars/apply", &fields(&outside_application("早すぎる申請"))).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM seminars").await, 0);
}

#[tokio::test]
async fn the_public_form_needs_the_csrf_token_of_its_session() {
    let app = TestApp::spawn_at(NOW).await;
    let mut b = app.browser();
    b.get("/seminars/apply").await;
    let page = b.post_raw("/seminars/apply", &fields(&outside_application("トークンなし"))).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM seminars").await, 0);
}

#[tokio::test]
async fn two_decisions_at_once_one_wins_and_the_other_is_told() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "同時審査の研修会";
    apply_publicly(&app, &outside_application(title)).await;
    let id = seminar_id(&app, title).await;

    // Two Tokyo staff sessions: one approves while the other returns.
    let mut a = app.signed_in("tokyo").await;
    let mut b = app.signed_in("tokyo").await;
    a.get(&format!("/office/seminars/{id}")).await;
    b.get(&format!("/office/seminars/{id}")).await;
    let approve = format!("/office/seminars/{id}/approve");
    let ret = format!("/office/seminars/{id}/return");
    let (x, y) =
        tokio::join!(a.post(&approve, &[]), b.post(&ret, &[("comment", "再考してください")]));
    let mut codes = [x.status, y.status];
    codes.sort();
    assert_eq!(codes, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if x.status == StatusCode::CONFLICT { &x } else { &y };
    assert!(loser.body.contains("ほかの担当者がすでに処理しました"), "{}", loser.body);
    if status(&app, id).await == "returned" {
        // Let the committee part run too.
        let (_, _) = apply_publicly(&app, &outside_application("同時審査の研修会2")).await;
        let id2 = seminar_id(&app, "同時審査の研修会2").await;
        a.get(&format!("/office/seminars/{id2}")).await;
        a.post(&format!("/office/seminars/{id2}/approve"), &[]).await;
        return committee_race(&app, id2).await;
    }
    committee_race(&app, id).await;
}

/// Two JMA sessions approve the same seminar at once: one work page, one mail, one 409.
async fn committee_race(app: &TestApp, id: i64) {
    assert_eq!(status(app, id).await, "prefecture_approved");
    let mut a = app.signed_in("jma").await;
    let mut b = app.signed_in("jma").await;
    a.get(&format!("/office/seminars/{id}")).await;
    b.get(&format!("/office/seminars/{id}")).await;
    let path = format!("/office/seminars/{id}/decide");
    let (x, y) = tokio::join!(
        a.post(&path, &[("decision", "approve")]),
        b.post(&path, &[("decision", "approve")])
    );
    let mut codes = [x.status, y.status];
    codes.sort();
    assert_eq!(codes, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if x.status == StatusCode::CONFLICT { &x } else { &y };
    assert!(loser.body.contains("現在の状態：承認済み"), "{}", loser.body);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM work_pages WHERE seminar_id = {id}")).await,
        1
    );
    assert_eq!(mails(app, CONTACT, "研修会が承認されました").await.len(), 1);
}

#[tokio::test]
async fn jma_rejects_with_a_reason() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "不承認になる研修会";
    apply_publicly(&app, &outside_application(title)).await;
    let id = seminar_id(&app, title).await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/seminars").await;
    // Prefectural staff do not decide for the committee.
    assert_eq!(
        tokyo
            .post(&format!("/office/seminars/{id}/decide"), &[("decision", "approve")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    tokyo.post(&format!("/office/seminars/{id}/approve"), &[]).await;
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/seminars/{id}")).await;
    let path = format!("/office/seminars/{id}/decide");
    let page = jma.post(&path, &[("decision", "reject"), ("comment", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("不承認の理由を入力してください。"));
    let page = jma
        .post(&path, &[("decision", "reject"), ("comment", "研修内容が区分の要件を満たしません。")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&app, id).await, "rejected");
    let mail = mails(&app, CONTACT, "不承認").await;
    assert!(mail[0].contains("研修内容が区分の要件を満たしません。"));
    assert_eq!(app.count("SELECT count(*) FROM work_pages").await, 0);
}

async fn paper_entry(app: &TestApp, jma: &mut Browser, title: &str) -> i64 {
    let chiyoda_id: i64 =
        sqlx::query_scalar("SELECT id FROM associations WHERE name = '千代田区医師会'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let form = jma.get("/office/seminars/paper").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("千代田区医師会"));
    let mut entry = outside_application(title);
    entry = with(entry, "starts_on", "2025-06-14"); // already held: allowed for paper entries
    entry = with(entry, "organizer_association", &chiyoda_id.to_string());
    entry = with(entry, "organizer_name", "");
    entry = with(entry, "contact_email", "paper@chiyoda.example.jp");
    let page = jma.post("/office/seminars/paper", &fields(&entry)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = seminar_id(app, title).await;
    let row: (String, bool, Option<i64>, String) = sqlx::query_as(
        "SELECT status, paper_approved, organizer_association_id, organizer_name FROM seminars WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(row, ("approved".into(), true, Some(chiyoda_id), "千代田区医師会".into()));
    id
}

#[tokio::test]
async fn jma_enters_a_seminar_approved_on_paper_and_the_url_is_mailed_at_once() {
    let app = TestApp::spawn_at(NOW).await;
    let mut tokyo = app.signed_in("tokyo").await;
    assert_eq!(tokyo.get("/office/seminars/paper").await.status, StatusCode::FORBIDDEN);
    let mut jma = app.signed_in("jma").await;

    // Missing fields are reported next to them, nothing is saved.
    let page = jma.post("/office/seminars/paper", &[("title", "紙の研修会")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("開催日（初日）を入力してください。"));
    assert!(page.body.contains("value=\"紙の研修会\""));

    let title = "書面承認済み 産業医研修会";
    let id = paper_entry(&app, &mut jma, title).await;
    let mail = mails(&app, "paper@chiyoda.example.jp", "作業ページのご案内").await;
    assert_eq!(mail.len(), 1);
    let token = token_in(&mail[0]);
    assert_eq!(token_hash_active(&app, id).await, Some(sha256_hex(&token)));
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_id = $1 AND entity_type IN ('seminar', 'work_page') ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["seminar.paper_entered", "work_page.issued"]);
    // The organizing association sees it among its seminars.
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert!(chiyoda.get("/office/seminars").await.body.contains(title));
}

#[tokio::test]
async fn revoking_stops_the_old_url_and_reissuing_mails_a_new_one() {
    let app = TestApp::spawn_at(NOW).await;
    let mut jma = app.signed_in("jma").await;
    let id = paper_entry(&app, &mut jma, "URL再発行の研修会").await;
    let to = "paper@chiyoda.example.jp";
    let old = token_in(&mails(&app, to, "作業ページのご案内").await[0]);
    assert_eq!(mamis::db::work_pages::seminar_for_token(&app.pool, &old).await.unwrap(), Some(id));

    // Municipal staff do not manage work pages.
    let mut chiyoda = app.signed_in("chiyoda").await;
    chiyoda.get(&format!("/office/seminars/{id}")).await;
    assert_eq!(
        chiyoda.post(&format!("/office/seminars/{id}/work-page/revoke"), &[]).await.status,
        StatusCode::FORBIDDEN
    );

    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/seminars/{id}")).await;
    let page = tokyo.post(&format!("/office/seminars/{id}/work-page/revoke"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(mamis::db::work_pages::seminar_for_token(&app.pool, &old).await.unwrap(), None);
    assert_eq!(app.browser().get(&format!("/work/{old}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(mails(&app, to, "無効にしました").await.len(), 1);
    let again = tokyo.post(&format!("/office/seminars/{id}/work-page/revoke"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("すでに無効"));

    let page = tokyo.post(&format!("/office/seminars/{id}/work-page/reissue"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let reissued = mails(&app, to, "再発行しました").await;
    assert_eq!(reissued.len(), 1);
    let new = token_in(&reissued[0]);
    assert_ne!(new, old);
    assert_eq!(mamis::db::work_pages::seminar_for_token(&app.pool, &new).await.unwrap(), Some(id));
    assert_eq!(mamis::db::work_pages::seminar_for_token(&app.pool, &old).await.unwrap(), None);
    assert_eq!(token_hash_active(&app, id).await, Some(sha256_hex(&new)));
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'work_page' AND entity_id = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["work_page.issued", "work_page.revoked", "work_page.reissued"]);
    let detail = tokyo.get(&format!("/office/seminars/{id}")).await;
    assert!(detail.body.contains("作業ページのURLを無効化"));
    assert!(!detail.body.contains(&new));
}

/// Issue 12: 25 applications in 2.6 s sent 25 JMA-branded mails with the attacker's text to a
/// victim's address and 25 junk entries into Tokyo's queue.
#[tokio::test]
async fn attack_seminar_apply_flood_is_limited_and_the_mail_carries_no_typed_text() {
    let app = TestApp::spawn_at(NOW).await;
    let victim = "victim@example.jp";
    let mut answers = Vec::new();
    for i in 0..25 {
        let form =
            with(outside_application(&format!("当選のお知らせ {i}")), "contact_email", victim);
        let form = with(form, "contact_name", "http://evil.example/claim");
        let form = with(form, "venue", "今すぐ http://evil.example へ");
        answers.push(apply_publicly(&app, &form).await.1.status);
    }
    assert_eq!(answers.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 5);
    assert_eq!(answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 20);
    assert_eq!(app.count("SELECT count(*) FROM seminars WHERE title LIKE '当選%'").await, 5);
    let mails = mails(&app, victim, "研修会の申請を受け付けました").await;
    assert_eq!(mails.len(), 5);
    for body in &mails {
        assert!(!body.contains("evil.example") && !body.contains("当選"), "{body}");
    }
    // Per address too: other addresses from the same client stop at the per-client limit.
    let mut others = 0;
    for i in 0..10 {
        let form = with(
            outside_application(&format!("別件 {i}")),
            "contact_email",
            &format!("o{i}@example.jp"),
        );
        if apply_publicly(&app, &form).await.1.status == StatusCode::SEE_OTHER {
            others += 1;
        }
    }
    assert_eq!(others, 0, "25 tries already spent this client's 10 an hour");
}
