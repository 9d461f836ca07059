//! Issue 10's leftovers on the staff side: the staff seminar page lists a big seminar's
//! attendees a page at a time with true totals and a search (the organizer's list, shared),
//! the held-credit queue pages with its true total, and a held credit rejected with a reason
//! reaches the seminar's contact by mail as well as the work page.

use reqwest::StatusCode;

use crate::common::TestApp;
use crate::credit_trust::{date, seminar_on, upload_and_commit, DOCTOR_WRONG_BIRTH};

/// `n` attendees (700001…) with two credits each, not matched to anyone.
async fn many_attendees(app: &TestApp, seminar_id: i64, n: i32, status: &str) {
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, match_status, registered_at, updated_at)
         SELECT $1, (700000 + n)::text, '受講 ' || n,
                'ジュコウ ' || lpad(n::text, 4, '0'), DATE '1970-01-01', 'male',
                'a' || n || '@example.jp', '03-0000-0000', c, 1.0, 'in_person', $3,
                now() + n * interval '1 second', now()
         FROM generate_series(1, $2) AS n
         CROSS JOIN (VALUES ('lifelong_renewal'), ('lifelong_specialized')) AS cats(c)",
    )
    .bind(seminar_id)
    .bind(n)
    .bind(status)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// The rows of the staff page's attendee table (the page has other tables too).
fn attendee_rows(body: &str) -> usize {
    let start = body.find("id=\"attendee-table\"").expect("the attendee table");
    let end = body[start..].find("</table>").unwrap() + start;
    body[start..end].matches("<tr").count() - 1
}

#[tokio::test]
async fn the_staff_seminar_page_pages_and_searches_attendees_with_true_totals() {
    let app = TestApp::spawn().await;
    let (seminar_id, _) = seminar_on(&app, "大きなWeb研修会", date(2025, 4, 5)).await;
    many_attendees(&app, seminar_id, 250, "unmatched").await;
    sqlx::query(
        "UPDATE credits SET match_status = 'rejected', review_reason = '別の方です'
         WHERE seminar_id = $1 AND registry_number = '700003'",
    )
    .bind(seminar_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut tokyo = app.signed_in("tokyo").await;
    let url = format!("/office/seminars/{seminar_id}");

    let first = tokyo.get(&url).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("登録済み 250名（単位 500件）"), "{}", first.body);
    assert!(first.body.contains("250名中 1～100名目を表示（1 / 3 ページ）"));
    assert_eq!(attendee_rows(&first.body), 100);
    assert!(first.body.contains("ジュコウ 0001") && !first.body.contains("ジュコウ 0101"));
    assert!(first.body.contains("見送りの理由：別の方です"), "the staff see the reason too");
    assert!(first.body.contains(&format!("href=\"{url}?page=2#attendees\"")));

    let last = tokyo.get(&format!("{url}?page=3")).await;
    assert!(last.body.contains("250名中 201～250名目を表示（3 / 3 ページ）"), "{}", last.body);
    assert_eq!(attendee_rows(&last.body), 50);
    assert!(last.body.contains("ジュコウ 0250") && !last.body.contains("ジュコウ 0200<"));
    assert!(last.body.contains("rel=\"prev\""));
    // A page past the end shows the last one, not an empty list.
    let beyond = tokyo.get(&format!("{url}?page=99")).await;
    assert!(beyond.body.contains("（3 / 3 ページ）"));

    let by_number = tokyo.get(&format!("{url}?q=700123")).await;
    assert!(by_number.body.contains("1名中 1～1名目"), "{}", by_number.body);
    assert_eq!(attendee_rows(&by_number.body), 1);
    assert!(by_number.body.contains("ジュコウ 0123"));
    let by_name = tokyo.get(&format!("{url}?q=%E5%8F%97%E8%AC%9B%2012")).await; // 受講 12
    assert!(by_name.body.contains("11名中 1～11名目"), "12, 120–129: {}", by_name.body);
    let nobody = tokyo.get(&format!("{url}?q=%E5%B1%B1%E7%94%B0")).await; // 山田
    assert!(nobody.body.contains("「山田」に当てはまる受講者はいません"), "{}", nobody.body);
    assert!(nobody.body.contains("登録済み 250名"), "the totals stay true while searching");
    // Wildcards are searched as text.
    let percent = tokyo.get(&format!("{url}?q=%25")).await;
    assert!(percent.body.contains("に当てはまる受講者はいません"));

    // JMA sees the same list; a physician does not.
    let mut jma = app.signed_in("jma").await;
    assert!(jma.get(&url).await.body.contains("250名中 1～100名目"));
    let mut doctor = app.signed_in("doctor").await;
    assert_eq!(doctor.get(&url).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_held_queue_pages_with_its_true_total_and_a_decision_returns_to_its_page() {
    let app = TestApp::spawn().await;
    let (tokyo_seminar, _) = seminar_on(&app, "東京の研修会", date(2025, 4, 5)).await;
    let (osaka_seminar, _) = seminar_on(&app, "大阪の研修会", date(2025, 4, 6)).await;
    sqlx::query("UPDATE seminars SET approving_prefecture_code = 27 WHERE id = $1")
        .bind(osaka_seminar)
        .execute(&app.pool)
        .await
        .unwrap();
    many_attendees(&app, tokyo_seminar, 230, "birth_date_mismatch").await;
    many_attendees(&app, osaka_seminar, 7, "birth_date_mismatch").await;

    let mut tokyo = app.signed_in("tokyo").await;
    let first = tokyo.get("/office/held-credits").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains("230件中 1～50件目を表示（古い順・1 / 5 ページ）"),
        "{}",
        first.body
    );
    assert_eq!(first.body.matches("<article class=\"card held\"").count(), 50);
    assert!(first.body.contains(&format!("id=\"held-{tokyo_seminar}-700001\"")));
    assert!(!first.body.contains("大阪の研修会"), "only Tokyo's seminars");
    assert!(first.body.contains("id=\"next-page\""));
    let last = tokyo.get("/office/held-credits?page=5").await;
    assert!(last.body.contains("230件中 201～230件目を表示（古い順・5 / 5 ページ）"));
    assert_eq!(last.body.matches("<article class=\"card held\"").count(), 30);
    assert!(last.body.contains(&format!("id=\"held-{tokyo_seminar}-700230\"")));

    // A decision taken on page 3 comes back to page 3, and the total drops by one.
    let page3 = tokyo.get("/office/held-credits?page=3").await;
    assert!(page3.body.contains("name=\"page\" value=\"3\""));
    let rejected = tokyo
        .post(
            &format!("/office/held-credits/{tokyo_seminar}/700120/reject"),
            &[("reason", "名簿と照合できませんでした。"), ("page", "3")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(rejected.location(), Some("/office/held-credits?page=3"));
    let after = tokyo.get("/office/held-credits?page=3").await;
    assert!(after.body.contains("229件中 101～150件目"), "{}", after.body);

    // JMA: every prefecture's.
    let mut jma = app.signed_in("jma").await;
    let all = jma.get("/office/held-credits").await;
    assert!(all.body.contains("236件中 1～50件目"), "{}", all.body);
}

#[tokio::test]
async fn a_held_credit_rejected_with_a_reason_is_mailed_to_the_seminar_contact() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar_on(&app, "四月の産業医研修会", date(2025, 4, 5)).await;
    let mut organizer = app.browser();
    let message = upload_and_commit(
        &mut organizer,
        &base,
        &crate::credit_trust::csv(&[DOCTOR_WRONG_BIRTH]),
        &[],
    )
    .await;
    assert!(message.contains("一致しない 1 名"), "{message}");
    let contact_mails = "SELECT count(*) FROM mail_outbox WHERE to_address = 'kenshu@example.jp'";
    let before = app.count(contact_mails).await;

    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/held-credits").await;
    // Without a reason: refused, and nothing is mailed.
    let empty = tokyo.post(&format!("/office/held-credits/{seminar_id}/123456/reject"), &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count(contact_mails).await, before);

    let reason = "生年月日が1970年5月15日の方と思われます。受講者名簿を確認してください。";
    let done = tokyo
        .post(&format!("/office/held-credits/{seminar_id}/123456/reject"), &[("reason", reason)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let flash = tokyo.get("/office/held-credits").await;
    assert!(flash.body.contains("研修会の連絡先にメールでお知らせしました"), "{}", flash.body);

    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body_text FROM mail_outbox WHERE to_address = 'kenshu@example.jp'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.count(contact_mails).await, before + 1, "one mail");
    assert!(subject.contains("紐付けを見送りました") && subject.contains("四月の産業医研修会"));
    assert!(body.starts_with("研修 担当 様"), "{body}");
    assert!(body.contains(reason), "{body}");
    assert!(body.contains("医籍登録番号：123456") && body.contains("1970-05-16"));
    assert!(body.contains("山田") && body.contains("ヤマダ"), "{body}");
    assert!(!body.contains("/work/"), "no work-page token in a mail");

    // The mail, the audit entry and the change went together; the work page shows the reason.
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.held_reject'").await,
        1
    );
    let list = organizer.get(&format!("{base}/credits")).await;
    assert!(list.body.contains(&format!("事務局からの理由：{reason}")), "{}", list.body);
    assert!(list.body.contains(">直す</a>"), "the organizer can correct the row");

    // Deciding again is a conflict and mails nothing more.
    let again = tokyo
        .post(&format!("/office/held-credits/{seminar_id}/123456/reject"), &[("reason", reason)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(app.count(contact_mails).await, before + 1);
}

#[tokio::test]
async fn a_rejected_row_corrected_by_the_organizer_reaches_the_physician() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar_on(&app, "直して届く研修会", date(2025, 4, 5)).await;
    let mut organizer = app.browser();
    let csv = crate::credit_trust::csv(&[DOCTOR_WRONG_BIRTH]);
    upload_and_commit(&mut organizer, &base, &csv, &[]).await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/held-credits").await;
    let reason = "生年月日を名簿で確認してください。";
    let done = tokyo
        .post(&format!("/office/held-credits/{seminar_id}/123456/reject"), &[("reason", reason)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    // The same file again keeps the staff's decision (the birth date did not change).
    upload_and_commit(&mut organizer, &base, &csv, &[]).await;
    let list = organizer.get(&format!("{base}/credits")).await;
    assert!(list.body.contains(&format!("事務局からの理由：{reason}")), "{}", list.body);

    // The organizer corrects the birth date with 「直す」: matched, shown to all three sides.
    organizer.get(&format!("{base}/credits/new?registry_number=123456")).await;
    let fixed = organizer
        .post(
            &format!("{base}/credits/new"),
            &[
                ("kanji_name", "山田 太郎"),
                ("furigana", "ヤマダ タロウ"),
                ("birth_date", "1970-05-15"),
                ("sex", "男"),
                ("registry_number", "123456"),
                ("email", "yamada.taro@example.jp"),
                ("phone", "03-1234-5678"),
                ("lifelong_renewal", "1"),
                ("lifelong_specialized", "2"),
            ],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
    let list = organizer.get(&format!("{base}/credits")).await;
    assert!(list.body.contains("反映済み（本人のマイページに表示）"), "{}", list.body);
    assert!(!list.body.contains("事務局からの理由"), "the old reason is gone: {}", list.body);
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT match_status FROM credits WHERE seminar_id = $1 AND withdrawn_at IS NULL",
    )
    .bind(seminar_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(statuses, ["matched", "matched"]);
    let mut doctor = app.signed_in("doctor").await;
    let my = doctor.get("/mypage").await;
    assert!(!my.body.contains("確認中の単位があります"));
    let staff = tokyo.get(&format!("/office/seminars/{seminar_id}")).await;
    assert!(staff.body.contains("反映済み") && !staff.body.contains("見送りの理由"));
}
