//! The staff's deadline watch (credits due one month after the last day, the clock pinned on
//! either side of the due date), reminders to the organizer, and physicians' missing-credit
//! reports (briefing Q4) reaching the work page and the approving prefecture.

use crate::common;

use crate::common::{Browser, TestApp};
use chrono::NaiveDate;
use mamis::clock::parse_jst;
use mamis::db::seminars::{create, NewSeminar};
use reqwest::StatusCode;
use rust_decimal::Decimal;

const TITLE: &str = "労働衛生コンサルタント実務研修会";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// An approved occupational seminar that ended on `ends_on`, approved by `prefecture`, with its
/// work page; returns (id, token).
async fn seminar(app: &TestApp, title: &str, ends_on: &str, prefecture: i16) -> (i64, String) {
    let units = [("lifelong_specialized", Decimal::from(2))];
    let mut conn = app.pool.acquire().await.unwrap();
    let id = create(
        &mut conn,
        &NewSeminar {
            programme: "occupational",
            title,
            starts_on: date(ends_on),
            ends_on: date(ends_on),
            format: "in_person",
            venue: "医師会館",
            organizer_association_id: None,
            organizer_name: "産業保健研究会",
            contact_name: "鈴木 一郎",
            contact_email: "organizer@example.jp",
            contact_phone: Some("03-1111-2222"),
            contact_fax: None,
            approving_prefecture_code: prefecture,
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
    .unwrap();
    let token = mamis::db::work_pages::issue(&mut conn, id, None, app.clock.now()).await.unwrap();
    (id, token)
}

async fn credit(
    app: &TestApp,
    seminar_id: i64,
    physician: Option<i64>,
    registry: &str,
    late: bool,
) {
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, physician_id, match_status, late,
             registered_at, updated_at)
         VALUES ($1, $2, '山田 太郎', 'ヤマダ タロウ', '1970-05-15', 'male', 'a@example.jp',
                 '03-0000-0000', 'lifelong_specialized', 2, 'in_person', $3,
                 CASE WHEN $3::bigint IS NULL THEN 'unmatched' ELSE 'matched' END, $4, now(), now())",
    )
    .bind(seminar_id)
    .bind(registry)
    .bind(physician)
    .bind(late)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn doctor_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM physicians WHERE registry_number = '123456'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// An Osaka prefectural staff account.
async fn osaka(app: &TestApp) -> Browser {
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    sqlx::query(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, created_at, updated_at)
                    VALUES ('osaka', $1, 'prefectural_staff', '大阪府医師会 事務局', now(), now()) RETURNING id)
         INSERT INTO staff_memberships (account_id, association_id, since)
         SELECT a.id, s.id, now() FROM a, associations s WHERE s.kind = 'prefectural' AND s.prefecture_code = 27",
    )
    .bind(&hash)
    .execute(&app.pool)
    .await
    .unwrap();
    app.signed_in("osaka").await
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn overdue_only_after_the_due_date_and_late_uploads_are_marked() {
    // Held 2025-05-10: due 2025-06-10.
    let app = TestApp::spawn_at("2025-06-10 10:00").await;
    let (id, _) = seminar(&app, TITLE, "2025-05-10", 13).await;
    seminar(&app, "来月の研修会", "2025-07-05", 13).await;
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/watch").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(TITLE));
    assert!(page.body.contains("2025年6月10日"), "the due date");
    assert!(page.body.contains("未登録"));
    assert!(page.body.contains("あと0日"), "due today: not yet overdue");
    assert!(!page.body.contains("class=\"overdue\""));
    assert!(page.body.contains("開催前"), "the July seminar is listed as upcoming");
    assert!(page.body.contains("未提出"), "its 開催報告 is pending");

    // One day later, with nothing registered: overdue, shown in red.
    app.clock.set(parse_jst("2025-06-11 10:00").unwrap());
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/watch").await;
    assert!(page.body.contains("class=\"overdue\""), "{}", page.body);
    assert!(page.body.contains("期限超過の研修会が1件"));

    // The organizer uploads late: no longer overdue, marked late.
    credit(&app, id, None, "111111", true).await;
    credit(&app, id, None, "222222", true).await;
    let page = tokyo.get("/office/watch").await;
    assert!(!page.body.contains("class=\"overdue\""));
    assert!(page.body.contains("期限後の登録あり"));
    assert!(page.body.contains("登録済み（2人・2件）"));
}

#[tokio::test]
async fn a_reminder_is_mailed_to_the_organizer_audited_and_shown() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let (id, _) = seminar(&app, TITLE, "2025-05-10", 13).await;
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/watch").await;
    assert!(!page.body.contains("最終督促"));
    let page = tokyo.post(&format!("/office/watch/{id}/remind"), &[("page", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/office/watch?page=1"));

    let (to, subject, body): (String, String, String) = sqlx::query_as(
        "SELECT to_address, subject, body_text FROM mail_outbox ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(to, "organizer@example.jp");
    assert!(subject.contains("単位登録"));
    assert!(body.contains(TITLE));
    assert!(body.contains("登録期限：2025年6月10日、期限を過ぎています"), "{body}");
    assert!(body.contains("開催報告の提出"));
    let audited = app
        .count(&format!(
            "SELECT count(*) FROM audit_log l JOIN accounts a ON a.id = l.actor_account_id
             WHERE l.action = 'seminar.remind' AND l.entity_type = 'seminar'
               AND l.entity_id = '{id}' AND a.login_id = 'tokyo'
               AND l.after->>'to' = 'organizer@example.jp'"
        ))
        .await;
    assert_eq!(audited, 1);

    let page = tokyo.get("/office/watch").await;
    assert!(page.body.contains("督促メールを送りました"));
    assert!(page.body.contains("最終督促：2025年6月12日 9:30"), "{}", page.body);
    // A later reminder is the one shown.
    app.clock.advance(chrono::Duration::minutes(20));
    tokyo.post(&format!("/office/watch/{id}/remind"), &[]).await;
    let page = tokyo.get("/office/watch").await;
    assert!(page.body.contains("最終督促：2025年6月12日 9:50"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'seminar.remind'").await,
        2
    );
}

#[tokio::test]
async fn osaka_staff_do_not_see_tokyos_seminars_and_jma_sees_all() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    let (tokyo_id, _) = seminar(&app, TITLE, "2025-05-10", 13).await;
    let (_, _) = seminar(&app, "大阪の研修会", "2025-05-11", 27).await;

    let mut osaka = osaka(&app).await;
    let page = osaka.get("/office/watch").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(TITLE));
    assert!(page.body.contains("大阪の研修会"));
    let page = osaka.post(&format!("/office/watch/{tokyo_id}/remind"), &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM mail_outbox").await, 0);

    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/watch").await;
    assert!(page.body.contains(TITLE));
    assert!(!page.body.contains("大阪の研修会"));

    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/watch").await;
    assert!(page.body.contains(TITLE) && page.body.contains("大阪の研修会"));

    // Municipal staff and physicians have no watch.
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert_eq!(chiyoda.get("/office/watch").await.status, StatusCode::FORBIDDEN);
    assert_eq!(chiyoda.get("/office/missing-credits").await.status, StatusCode::FORBIDDEN);
    let mut doctor = app.signed_in("doctor").await;
    assert_eq!(doctor.get("/office/watch").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn watch_lists_fifty_seminars_a_page() {
    let app = TestApp::spawn_at("2025-06-12 09:30").await;
    for day in 1..=28 {
        seminar(&app, &format!("4月の研修会{day:02}"), &format!("2025-04-{day:02}"), 13).await;
        seminar(&app, &format!("5月の研修会{day:02}"), &format!("2025-05-{day:02}"), 13).await;
    }
    let mut tokyo = app.signed_in("tokyo").await;
    let first = tokyo.get("/office/watch").await.body;
    assert_eq!(first.matches("督促メールを送る").count(), 50);
    assert!(first.contains("5月の研修会28"), "newest first");
    assert!(first.contains("1 / 2 ページ"));
    let second = tokyo.get("/office/watch?page=2").await.body;
    assert_eq!(second.matches("督促メールを送る").count(), 6);
    assert!(second.contains("4月の研修会01"));
}

#[tokio::test]
async fn a_missing_credit_report_reaches_the_work_page_and_the_prefecture_and_is_answered() {
    let app = TestApp::spawn_at("2025-06-20 10:00").await;
    let (id, token) = seminar(&app, TITLE, "2025-05-10", 13).await;
    let mut doctor = app.signed_in("doctor").await;

    // Found by part of the title (spaces ignored), chosen, reported.
    let page =
        doctor.get(&format!("/mypage/missing-credits?q={}", encode("コンサルタント 実務"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("value=\"{id}\"")), "{}", page.body);
    let page = doctor
        .post(
            "/mypage/missing-credits",
            &[("seminar_id", &id.to_string()), ("note", "受付で署名しました。"), ("q", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let again = doctor
        .post("/mypage/missing-credits", &[("seminar_id", &id.to_string()), ("note", "")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("すでに報告しています"));
    assert_eq!(app.count("SELECT count(*) FROM missing_credit_reports").await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM mail_outbox WHERE to_address = 'organizer@example.jp'")
            .await,
        1,
        "the organizer is told"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'missing_credit.report'").await,
        1
    );

    // The organizer's work page shows who reported.
    let mut organizer = app.browser();
    let page = organizer.get(&format!("/work/{token}/reports-missing")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "no-referrer");
    assert!(page.headers.get("cache-control").unwrap().to_str().unwrap().contains("no-store"));
    assert!(page.body.contains("山田 太郎"));
    assert!(page.body.contains("123456"));
    assert!(page.body.contains("受付で署名しました。"));
    assert!(page.body.contains("未解決の報告：<strong>1件</strong>"));

    // The approving prefecture sees it (and the count on the watch); Osaka does not.
    let mut tokyo = app.signed_in("tokyo").await;
    assert!(tokyo.get("/office/watch").await.body.contains("未解決 1件"));
    let page = tokyo.get("/office/missing-credits").await;
    assert!(page.body.contains(TITLE) && page.body.contains("山田 太郎"));
    let mut osaka = osaka(&app).await;
    let page = osaka.get("/office/missing-credits").await;
    assert!(!page.body.contains("山田 太郎"));
    let report_id: i64 = sqlx::query_scalar("SELECT id FROM missing_credit_reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = osaka
        .post(&format!("/office/missing-credits/{report_id}/answer"), &[("answer", "大阪から")])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // An empty answer is refused next to its field; an answer closes it and mails the doctor.
    tokyo.get("/office/missing-credits").await;
    let page = tokyo
        .post(&format!("/office/missing-credits/{report_id}/answer"), &[("answer", "  ")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(&format!("answer-{report_id}-error")));
    let page = tokyo
        .post(
            &format!("/office/missing-credits/{report_id}/answer"),
            &[("answer", "主催者に確認し、今週中に登録されます。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (status, answer): (String, Option<String>) =
        sqlx::query_as("SELECT status, answer FROM missing_credit_reports WHERE id = $1")
            .bind(report_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "closed");
    assert_eq!(answer.as_deref(), Some("主催者に確認し、今週中に登録されます。"));
    let mail: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_address = 'yamada.taro@example.jp'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(mail.contains("主催者に確認し、今週中に登録されます。"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'missing_credit.answer'").await,
        1
    );
    // A second answer finds it closed.
    let page = tokyo
        .post(&format!("/office/missing-credits/{report_id}/answer"), &[("answer", "重ねて")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM mail_outbox WHERE to_address = 'yamada.taro@example.jp'")
            .await,
        1
    );

    let mine = doctor.get("/mypage/missing-credits").await.body;
    assert!(mine.contains("回答済み（終了）"));
    assert!(mine.contains("主催者に確認し、今週中に登録されます。"));
    assert!(!tokyo.get("/office/missing-credits").await.body.contains("回答して終了する"));
}

#[tokio::test]
async fn a_report_closes_by_itself_when_the_credit_is_matched() {
    let app = TestApp::spawn_at("2025-06-20 10:00").await;
    let (id, token) = seminar(&app, TITLE, "2025-05-10", 13).await;
    let mut doctor = app.signed_in("doctor").await;
    doctor.get("/mypage/missing-credits").await;
    let page = doctor.post("/mypage/missing-credits", &[("seminar_id", &id.to_string())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // An unmatched credit (say, a wrong registry number) does not close it.
    credit(&app, id, None, "999999", true).await;
    let mut organizer = app.browser();
    assert!(organizer.get(&format!("/work/{token}/reports-missing")).await.body.contains("未解決"));
    // The corrected credit, matched to the doctor, does.
    credit(&app, id, Some(doctor_id(&app).await), "123456", true).await;
    let page = organizer.get(&format!("/work/{token}/reports-missing")).await;
    assert!(page.body.contains("単位登録により解決（終了）"), "{}", page.body);
    assert_eq!(
        app.count("SELECT count(*) FROM missing_credit_reports WHERE status = 'closed' AND closed_at IS NOT NULL AND answer IS NULL").await,
        1
    );
    let mut tokyo = app.signed_in("tokyo").await;
    assert!(tokyo
        .get("/office/watch")
        .await
        .body
        .contains("<td data-label=\"単位未反映の報告\">なし</td>"));
}

#[tokio::test]
async fn a_seminar_typed_by_hand_goes_to_the_physicians_prefecture() {
    let app = TestApp::spawn_at("2025-06-20 10:00").await;
    let mut doctor = app.signed_in("doctor").await;
    doctor.get("/mypage/missing-credits").await;
    let refused = doctor
        .post("/mypage/missing-credits", &[("title", "地域の産業医研修会"), ("date", "2025-03-15")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("手帳のシールまたは修了証"), "paper-era seminar");
    assert!(refused.body.contains("value=\"地域の産業医研修会\""), "what was typed is kept");
    let future = doctor
        .post("/mypage/missing-credits", &[("title", "地域の産業医研修会"), ("date", "2025-07-01")])
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = doctor
        .post(
            "/mypage/missing-credits",
            &[("title", "地域の産業医研修会"), ("date", "２０２５/５/１７")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let on: NaiveDate = sqlx::query_scalar("SELECT seminar_date FROM missing_credit_reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(on, date("2025-05-17"));

    let mut tokyo = app.signed_in("tokyo").await;
    assert!(tokyo.get("/office/missing-credits").await.body.contains("地域の産業医研修会"));
    let mut osaka = osaka(&app).await;
    assert!(!osaka.get("/office/missing-credits").await.body.contains("地域の産業医研修会"));
    let mut jma = app.signed_in("jma").await;
    assert!(jma.get("/office/missing-credits").await.body.contains("地域の産業医研修会"));
}

/// The watch's order across pages: held seminars newest first (ties: newest id first), then
/// upcoming ones soonest first; paged by offset it neither repeats nor skips a seminar, for one
/// prefecture and for all (the query reads each half along its index, migration 0081).
#[tokio::test]
async fn the_watch_orders_held_then_upcoming_across_pages() {
    let app = TestApp::spawn().await; // today: 2025-04-10
    let mut made = Vec::new();
    for (n, ends_on, prefecture) in [
        (1, "2025-03-01", 13),
        (2, "2025-04-09", 13),
        (3, "2025-04-10", 13),
        (4, "2025-03-01", 13),
        (5, "2025-05-01", 27),
        (6, "2025-04-20", 13),
        (7, "2025-01-15", 27),
        (8, "2025-04-11", 13),
    ] {
        let (id, _) = seminar(&app, &format!("順序の研修会{n}"), ends_on, prefecture).await;
        made.push((id, date(ends_on), prefecture));
    }
    let today = date("2025-04-10");
    for prefecture in [None, Some(13)] {
        let mut expected: Vec<_> = made
            .iter()
            .filter(|(_, _, p)| prefecture.is_none_or(|want| want == *p))
            .copied()
            .collect();
        expected.sort_by(|a, b| {
            let (held_a, held_b) = (a.1 < today, b.1 < today);
            held_b
                .cmp(&held_a)
                .then_with(|| if held_a { b.1.cmp(&a.1) } else { a.1.cmp(&b.1) })
                .then_with(|| b.0.cmp(&a.0))
        });
        let expected: Vec<i64> = expected.iter().map(|s| s.0).collect();
        let mut listed = Vec::new();
        for offset in (0..10).step_by(3) {
            let page = mamis::db::credit_views::watch(&app.pool, prefecture, today, 3, offset)
                .await
                .unwrap();
            listed.extend(page.iter().map(|r| r.id));
        }
        assert_eq!(listed, expected, "{prefecture:?}");
    }
}
