//! Issue 10, parts 1–4 and 6: credits from the seminar day to the physician. The credit
//! window (nothing before the first day), held credits attached or rejected by the
//! prefecture and seen alike by organizer, physician and staff, corrections that a re-upload
//! does not undo, a preview that shows what will be stored, and the paged credit list.

use chrono::NaiveDate;
use mamis::db::{seminars, work_pages};
use reqwest::StatusCode;
use rust_decimal::Decimal;

use crate::common::{Browser, Page, TestApp};

const BOUNDARY: &str = "----mamis-trust-boundary-7Hq2";
const HEADER: &str =
    "漢字氏名,フリガナ,生年月日（西暦）,性別,医籍登録番号,メールアドレス,電話番号,FAX番号";

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn csv(rows: &[&str]) -> Vec<u8> {
    let mut text = format!("\u{FEFF}{HEADER}\r\n");
    for row in rows {
        text.push_str(row);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// An approved Tokyo occupational seminar (更新 1, 専門 2) held on `day`, with its work page.
pub(crate) async fn seminar_on(app: &TestApp, title: &str, day: NaiveDate) -> (i64, String) {
    let now = app.clock.now();
    let mut conn = app.pool.acquire().await.unwrap();
    let units =
        [("lifelong_renewal", Decimal::new(10, 1)), ("lifelong_specialized", Decimal::new(2, 0))];
    let id = seminars::create(
        &mut conn,
        &seminars::NewSeminar {
            programme: "occupational",
            title,
            starts_on: day,
            ends_on: day,
            format: "in_person",
            venue: "東京都千代田区 医師会館",
            organizer_association_id: None,
            organizer_name: "株式会社 産業保健研修",
            contact_name: "研修 担当",
            contact_email: "kenshu@example.jp",
            contact_phone: Some("03-0000-1111"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: false,
            capacity: None,
            units: &units,
        },
        now,
    )
    .await
    .unwrap();
    let token = work_pages::issue(&mut conn, id, None, now).await.unwrap();
    (id, format!("/work/{token}"))
}

pub(crate) async fn upload(b: &mut Browser, base: &str, content: &[u8]) -> Page {
    b.get(&format!("{base}/credits/upload")).await;
    let token = b.csrf.clone().unwrap();
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let r = b
        .client
        .post(format!("{}{base}/credits/upload?csrf_token={token}", b.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Page { status, headers, body: r.text().await.unwrap() }
}

fn upload_id(page: &Page) -> i64 {
    let marker = "/credits/uploads/";
    let start = page.body.find(marker).expect("a link to the upload") + marker.len();
    page.body[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// Uploads and commits; returns the flash message shown on the credit list.
pub(crate) async fn upload_and_commit(
    b: &mut Browser,
    base: &str,
    content: &[u8],
    ticks: &[(&str, &str)],
) -> String {
    let page = upload(b, base, content).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let id = upload_id(&page);
    let done = b.post(&format!("{base}/credits/uploads/{id}/commit"), ticks).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let list = b.get(&format!("{base}/credits")).await;
    let marker = "class=\"notice\" role=\"status\">";
    let start = list.body.find(marker).expect("a notice") + marker.len();
    let end = list.body[start..].find("</p>").unwrap() + start;
    list.body[start..end].to_string()
}

async fn active_credits(app: &TestApp, seminar_id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM credits WHERE seminar_id = $1 AND withdrawn_at IS NULL",
    )
    .bind(seminar_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

pub(crate) const DOCTOR_WRONG_BIRTH: &str =
    "山田 太郎,ヤマダ タロウ,1970-05-16,男,123456,yamada.taro@example.jp,03-1234-5678,";

#[tokio::test]
async fn a_credit_before_the_seminar_day_is_refused_and_the_page_says_when_it_opens() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let (seminar_id, base) = seminar_on(&app, "五月の研修会", date(2026, 5, 20)).await;
    let mut b = app.browser();

    let home = b.get(&base).await;
    assert!(home.body.contains("id=\"window-closed\""), "{}", home.body);
    assert!(home.body.contains("単位の登録は研修会の初日（2026年5月20日）から受け付けます"));

    let page = upload(&mut b, &base, &csv(&[DOCTOR_WRONG_BIRTH])).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("2026年5月20日"), "{}", page.body);

    b.get(&format!("{base}/credits/new")).await;
    let entry = b
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
    assert_eq!(entry.status, StatusCode::CONFLICT);
    assert!(entry.body.contains("から受け付けます"));
    assert_eq!(active_credits(&app, seminar_id).await, 0, "nothing stored");
    assert_eq!(app.count("SELECT count(*) FROM credit_uploads").await, 0);

    // On the first day the same file is accepted, on time.
    app.clock.set(mamis::clock::parse_jst("2026-05-20 18:00").unwrap());
    let message = upload_and_commit(&mut b, &base, &csv(&[DOCTOR_WRONG_BIRTH]), &[]).await;
    assert!(message.contains("受講者 1 名・単位 2 件を登録しました"), "{message}");
    assert_eq!(active_credits(&app, seminar_id).await, 2);
    let late: bool = sqlx::query_scalar("SELECT bool_or(late) FROM credits WHERE seminar_id = $1")
        .bind(seminar_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!late);
}

#[tokio::test]
async fn held_credits_attached_and_rejected_are_seen_alike_by_organizer_physician_and_staff() {
    let app = TestApp::spawn().await;
    let (first, first_base) = seminar_on(&app, "四月の産業医研修会A", date(2025, 4, 5)).await;
    let (second, second_base) = seminar_on(&app, "四月の産業医研修会B", date(2025, 4, 6)).await;
    let mut organizer = app.browser();
    for base in [&first_base, &second_base] {
        let message =
            upload_and_commit(&mut organizer, base, &csv(&[DOCTOR_WRONG_BIRTH]), &[]).await;
        assert!(message.contains("一致しない 1 名（単位 2 件）"), "{message}");
    }

    // The physician: both seminars are being checked.
    let mut doctor = app.signed_in("doctor").await;
    let my = doctor.get("/mypage").await;
    assert!(my.body.contains("確認中の単位があります"), "{}", my.body);
    assert!(my.body.contains("四月の産業医研修会A（2025年4月5日）"));
    assert!(my.body.contains("四月の産業医研修会B（2025年4月6日）"));

    // The prefecture: both beside the physician, with both birth dates.
    let mut tokyo = app.signed_in("tokyo").await;
    let office = tokyo.get("/office").await;
    assert!(office.body.contains("href=\"/office/held-credits\""));
    let queue = tokyo.get("/office/held-credits").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("id=\"held-{first}-123456\"")), "{}", queue.body);
    assert!(queue.body.contains(&format!("id=\"held-{second}-123456\"")));
    assert!(queue.body.contains("1970-05-16") && queue.body.contains("1970-05-15"));
    assert!(queue.body.contains("ヤマダ"));

    // A municipal association resolves no held credits.
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert_eq!(chiyoda.get("/office/held-credits").await.status, StatusCode::FORBIDDEN);

    // Attach the first; reject the second with a reason (a reason is required).
    let attach = tokyo.post(&format!("/office/held-credits/{first}/123456/attach"), &[]).await;
    assert_eq!(attach.status, StatusCode::SEE_OTHER, "{}", attach.body);
    tokyo.get("/office/held-credits").await;
    let empty = tokyo.post(&format!("/office/held-credits/{second}/123456/reject"), &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reject = tokyo
        .post(
            &format!("/office/held-credits/{second}/123456/reject"),
            &[("reason", "生年月日が異なる別の方です。受講者名簿を確認してください。")],
        )
        .await;
    assert_eq!(reject.status, StatusCode::SEE_OTHER, "{}", reject.body);
    let queue = tokyo.get("/office/held-credits").await;
    assert!(queue.body.contains("id=\"held-empty\""), "the queue is empty: {}", queue.body);

    let statuses: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT seminar_id, match_status, physician_id FROM credits
         WHERE seminar_id IN ($1, $2) ORDER BY seminar_id, category",
    )
    .bind(first)
    .bind(second)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(statuses[..2].iter().all(|(_, s, p)| s == "matched" && p.is_some()));
    assert!(statuses[2..].iter().all(|(_, s, p)| s == "rejected" && p.is_none()));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action IN ('credits.held_attach', 'credits.held_reject')")
            .await,
        2
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM mail_outbox WHERE to_address = 'yamada.taro@example.jp'
               AND subject LIKE '%確認中の単位を反映しました%'"
        )
        .await,
        1
    );

    // The organizer: attached on A; the reason on B.
    let a = organizer.get(&format!("{first_base}/credits")).await;
    assert!(a.body.contains("反映済み（本人のマイページに表示）"), "{}", a.body);
    let b = organizer.get(&format!("{second_base}/credits")).await;
    assert!(b.body.contains("事務局が紐付けを見送りました"), "{}", b.body);
    assert!(b.body.contains("事務局からの理由：生年月日が異なる別の方です。"));

    // The physician: nothing is being checked any more.
    let my = doctor.get("/mypage").await;
    assert!(!my.body.contains("確認中の単位があります"), "{}", my.body);
}

#[tokio::test]
async fn a_reupload_of_the_original_file_does_not_revive_a_corrected_row() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar_on(&app, "修正の研修会", date(2025, 4, 5)).await;
    let original = csv(&[
        "山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,yamada.taro@example.jp,03-1234-5678,",
        "佐藤 次郎,サトウ ジロウ,1968-02-29,男,345678,sato@example.jp,03-2222-3333,",
        "鈴木 花子,スズキ ハナコ,1975-01-01,女,456789,suzuki@example.jp,03-4444-5555,",
    ]);
    let mut b = app.browser();
    upload_and_commit(&mut b, &base, &original, &[]).await;
    assert_eq!(active_credits(&app, seminar_id).await, 6);

    // The organizer corrects 345678 → 345679 on the work page.
    b.get(&format!("{base}/credits/new?registry_number=345678")).await;
    let corrected = b
        .post(
            &format!("{base}/credits/new"),
            &[
                ("kanji_name", "佐藤 次郎"),
                ("furigana", "サトウ ジロウ"),
                ("birth_date", "1968-02-29"),
                ("sex", "男"),
                ("registry_number", "345679"),
                ("email", "sato@example.jp"),
                ("phone", "03-2222-3333"),
                ("original_registry_number", "345678"),
                ("lifelong_renewal", "1"),
                ("lifelong_specialized", "2"),
            ],
        )
        .await;
    assert_eq!(corrected.status, StatusCode::SEE_OTHER, "{}", corrected.body);
    assert_eq!(active_credits(&app, seminar_id).await, 6);
    let audit: (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "SELECT before, after FROM audit_log WHERE action = 'credits.correct' AND entity_id = $1",
    )
    .bind(seminar_id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit.0["registry_number"], "345678", "before: {}", audit.0);
    assert_eq!(audit.0["credits"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.correction'").await,
        1
    );

    // The original file again: the preview marks the row, the commit skips it.
    let page = upload(&mut b, &base, &original).await;
    assert!(page.body.contains("id=\"prior-rows\""), "{}", page.body);
    assert!(page.body.contains("修正済み（医籍登録番号 345679 に修正）"));
    let id = upload_id(&page);
    b.post(&format!("{base}/credits/uploads/{id}/commit"), &[]).await;
    assert_eq!(active_credits(&app, seminar_id).await, 6, "nothing revived");
    let revived: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM credits WHERE seminar_id = $1 AND registry_number = '345678'
           AND withdrawn_at IS NULL",
    )
    .bind(seminar_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(revived, 0);
    let list = b.get(&format!("{base}/credits")).await;
    assert!(list.body.contains("取り消し・修正済みの 1 名は登録しませんでした"), "{}", list.body);

    // A withdrawn attendee is marked 取り消し済み; ticked back in, it is registered again.
    b.post(&format!("{base}/credits/456789/withdraw"), &[("confirm", "yes")]).await;
    assert_eq!(active_credits(&app, seminar_id).await, 4);
    let page = upload(&mut b, &base, &original).await;
    assert!(page.body.contains("取り消し済み"));
    let id = upload_id(&page);
    b.post(&format!("{base}/credits/uploads/{id}/commit"), &[("revive", "456789")]).await;
    assert_eq!(active_credits(&app, seminar_id).await, 6, "456789 back, 345678 still not");
}

#[tokio::test]
async fn the_preview_shows_what_will_be_stored_with_every_normalisation() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar_on(&app, "プレビューの研修会", date(2025, 4, 5)).await;
    let mut b = app.browser();
    let page = upload(
        &mut b,
        &base,
        &csv(&[
            "山崎 花子,ﾔﾏｻﾞｷ ﾊﾅｺ,1980-04-01,F,２３４５６７,hanako@example.jp,03-1111-2222,",
            "山田 一郎,ヤマダ イチロウ,1975/6/3,男性,第345678号,ichiro@example.jp,03-1111-3333,",
            "誤り 太郎,アヤマリ タロウ,1969/2/30,M,456789,taro@example.jp,03-1111-4444,",
        ]),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("ヤマザキ\u{3000}ハナコ"), "the stored kana: {body}");
    assert!(body.contains("（元：ﾔﾏｻﾞｷ ﾊﾅｺ）"), "the original beside it");
    assert!(body.contains("フリガナ：「ﾔﾏｻﾞｷ ﾊﾅｺ」を「ヤマザキ\u{3000}ハナコ」に直して登録します。"));
    assert!(body.contains("性別：「F」を「女」に直して登録します。"));
    assert!(body.contains("性別：「男性」を「男」に直して登録します。"));
    assert!(body.contains("医籍登録番号：「２３４５６７」を「234567」に直して登録します。"));
    assert!(body.contains("医籍登録番号：「第345678号」を「345678」に直して登録します。"));
    assert!(body.contains("生年月日（西暦）：「1975/6/3」を「1975-06-03」に直して登録します。"));
    assert!(
        body.contains("生涯研修 更新 1単位、生涯研修 専門 2単位") || body.contains("専門 2単位")
    );
    assert!(body.contains("1969年2月30日は存在しない日付です。"), "the exact reason");

    let id = upload_id(&page);
    b.post(&format!("{base}/credits/uploads/{id}/commit"), &[]).await;
    let list = b.get(&format!("{base}/credits")).await;
    assert!(list.body.contains("受講者 2 名・単位 4 件を登録しました"), "{}", list.body);
}

#[tokio::test]
async fn the_credit_list_is_paged_searchable_and_exported() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar_on(&app, "大きなWeb研修会", date(2025, 4, 5)).await;
    // Before any credit: the one-statement page says so (no anchors, no rows).
    let empty = app.browser().get(&format!("{base}/credits?page=4")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("まだ登録した受講者はいません。"), "{}", empty.body);
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, match_status, registered_at, updated_at)
         SELECT $1, (700000 + n)::text,
                CASE WHEN n = 7 THEN '=1+1' ELSE '受講 ' || n END,
                'ジュコウ ' || lpad(n::text, 4, '0'), DATE '1970-01-01', 'male',
                'a' || n || '@example.jp', '03-0000-0000', c, 1.0, 'in_person', 'unmatched',
                now(), now()
         FROM generate_series(1, 250) AS n
         CROSS JOIN (VALUES ('lifelong_renewal'), ('lifelong_specialized')) AS cats(c)",
    )
    .bind(seminar_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut b = app.browser();
    let first = b.get(&format!("{base}/credits")).await;
    assert!(first.body.contains("250名中 1～100名目を表示（1 / 3 ページ）"), "{}", first.body);
    assert_eq!(first.body.matches("<tr").count(), 101, "a heading and 100 attendees");
    assert!(first.body.contains("id=\"next-page\""));
    let last = b.get(&format!("{base}/credits?page=3")).await;
    assert!(last.body.contains("250名中 201～250名目を表示（3 / 3 ページ）"), "{}", last.body);
    assert!(last.body.contains("ジュコウ 0250"));
    // A page past the end shows the last one; the counts come with the page.
    let beyond = b.get(&format!("{base}/credits?page=99")).await;
    assert!(beyond.body.contains("250名中 201～250名目を表示（3 / 3 ページ）"), "{}", beyond.body);
    assert!(beyond.body.contains("登録済み 250名（単位 500件）"), "{}", beyond.body);
    let found = b.get(&format!("{base}/credits?q=700123")).await;
    assert!(found.body.contains("1名中 1～1名目"), "{}", found.body);
    assert!(found.body.contains("ジュコウ 0123"));
    let by_kana =
        b.get(&format!("{base}/credits?q=%E3%82%B8%E3%83%A5%E3%82%B3%E3%82%A6%200010")).await;
    assert!(by_kana.body.contains("1名中 1～1名目"), "{}", by_kana.body);

    let export = b.get(&format!("{base}/credits.csv")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(export.body.lines().count(), 501, "a heading and 500 credits");
    assert!(export.body.contains("'=1+1"), "formula-like cells made inert");
}

#[tokio::test]
async fn two_commits_at_once_on_one_seminar_are_serialised_and_double_nothing() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar_on(&app, "同時登録の研修会", date(2025, 4, 5)).await;
    let rows: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "受講 {}{},ジュコウ タロウ,1970-01-01,男,{},a{i}@example.jp,03-1111-2222,",
                // Names are letters only (issue 12): two Latin letters tell the rows apart.
                char::from(b'A' + (i / 26) as u8),
                char::from(b'A' + (i % 26) as u8),
                600_000 + i
            )
        })
        .collect();
    let file = csv(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let mut a = app.browser();
    let mut b = app.browser();
    let first = upload_id(&upload(&mut a, &base, &file).await);
    let second = upload_id(&upload(&mut b, &base, &file).await);
    let (ta, tb) = (a.csrf.clone().unwrap(), b.csrf.clone().unwrap());
    let (ra, rb) = tokio::join!(
        a.client
            .post(format!("{}{base}/credits/uploads/{first}/commit", app.base))
            .form(&[("csrf_token", ta.as_str())])
            .send(),
        b.client
            .post(format!("{}{base}/credits/uploads/{second}/commit", app.base))
            .form(&[("csrf_token", tb.as_str())])
            .send()
    );
    assert_eq!(ra.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(rb.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(active_credits(&app, seminar_id).await, 400, "200 attendees × 2, never doubled");
    let inserted: Vec<i64> = sqlx::query_scalar(
        "SELECT (after ->> 'inserted')::bigint FROM audit_log WHERE action = 'credits.commit'
         ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(inserted, [400, 0], "one commit wrote, the other found everything there");
}

#[tokio::test]
async fn credits_attached_to_nobody_after_the_deadline_show_in_the_deadline_watch() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar_on(&app, "期限後も未反映の研修会", date(2025, 4, 5)).await;
    let mut organizer = app.browser();
    upload_and_commit(
        &mut organizer,
        &base,
        &csv(&[
            DOCTOR_WRONG_BIRTH,
            "未登録 医師,ミトウロク イシ,1960-01-01,男,987654,m@example.jp,03-1111-2222,",
        ]),
        &[],
    )
    .await;
    let mut tokyo = app.signed_in("tokyo").await;
    let before = tokyo.get("/office/watch").await;
    assert!(!before.body.contains("id=\"unattached\""), "not past the deadline yet");

    // 2025-05-05 was the deadline.
    app.clock.set(mamis::clock::parse_jst("2025-05-20 10:00").unwrap());
    let mut tokyo = app.signed_in("tokyo").await;
    let watch = tokyo.get("/office/watch").await;
    assert!(watch.body.contains("id=\"unattached\""), "{}", watch.body);
    let section = &watch.body[watch.body.find("id=\"unattached\"").unwrap()..];
    assert!(section.contains("期限後も未反映の研修会"));
    assert!(
        section.contains("<td data-label=\"本人のMAMIS登録待ち\">1人</td>"),
        "one waiting for registration: {section}"
    );
    assert!(section.contains(">1人</a>"), "one held for review, linked to the queue");
}

#[tokio::test]
async fn a_course_seminars_csv_marks_completion_per_attendee() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) =
        seminar_on(&app, "健康スポーツ医学講習会 前期", date(2025, 4, 5)).await;
    for sql in [
        "UPDATE seminars SET programme = 'sports' WHERE id = $1",
        "DELETE FROM seminar_units WHERE seminar_id = $1",
        "INSERT INTO seminar_units (seminar_id, category, units) VALUES ($1, 'sports_early', 13)",
    ] {
        sqlx::query(sql).bind(seminar_id).execute(&app.pool).await.unwrap();
    }
    let mut b = app.browser();
    let header = format!("\u{FEFF}{HEADER},単位_健康スポーツ医学講習会 前期\r\n");
    let file = format!(
        "{header}\
         山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,yamada.taro@example.jp,03-1234-5678,,修了\r\n\
         佐藤 花子,サトウ ハナコ,1971-01-02,女,234567,sato@example.jp,03-1234-5678,,未修了\r\n\
         鈴木 一郎,スズキ イチロウ,1972-03-04,男,345678,suzuki@example.jp,03-1234-5678,,6.5\r\n"
    );
    let page = upload(&mut b, &base, file.as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("講習会のため、修了したかどうかで登録します"), "{}", page.body);
    assert!(page.body.contains("付与する単位がありません"), "未修了: no credit");
    assert!(page.body.contains("健康スポーツ医学講習会 前期 修了"), "a course shown as completed");
    let id = upload_id(&page);
    let done = b.post(&format!("{base}/credits/uploads/{id}/commit"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored: Vec<(String, String, Decimal, String)> = sqlx::query_as(
        "SELECT registry_number, category, units, match_status FROM credits WHERE seminar_id = $1",
    )
    .bind(seminar_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        [("123456".into(), "sports_early".into(), Decimal::from(13), "matched".into())],
        "only the completed attendee, with the whole course"
    );
    let list = b.get(&format!("{base}/credits")).await;
    assert!(list.body.contains("健康スポーツ医学講習会 前期 修了"), "{}", list.body);
}
