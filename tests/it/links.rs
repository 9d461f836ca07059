//! Old-system certification import and the link review queue (紐付け確認): matching data links
//! itself, a birth-date mismatch waits for staff of the physician's prefecture (or JMA), a
//! decision is audited, and a second decision on the same review is refused.

use crate::common;

use crate::common::{Browser, Page, TestApp};
use chrono::NaiveDate;
use mamis::db::{accounts, physicians};
use mamis::domain::role::{AssociationKind, Role};
use reqwest::StatusCode;

const BOUNDARY: &str = "----mamis-test-boundary-Qx81Lq0d";
const HEADER: &str = "認定証番号,区分,医籍登録番号,生年月日,有効期間開始,有効期間終了";

async fn upload(b: &mut Browser, path: &str, content: &[u8]) -> Page {
    let token = b.csrf.clone().expect("a page with a CSRF token was opened first");
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"certs.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let r = b
        .client
        .post(format!("{}{}?csrf_token={}", b.base, path, token))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.text().await.unwrap();
    Page { status, headers, body }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A physician who completed registration, in `prefecture`.
async fn registered_physician(
    app: &TestApp,
    name: &str,
    registry: &str,
    born: NaiveDate,
    prefecture: i16,
) -> i64 {
    let now = app.clock.now();
    let mut conn = app.pool.acquire().await.unwrap();
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    let account = accounts::create(
        &mut conn,
        &accounts::NewAccount {
            login_id: &format!("dr{registry}"),
            password_hash: &hash,
            role: Role::Physician,
            display_name: name,
            email: Some(&format!("dr{registry}@example.jp")),
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    physicians::create(
        &mut conn,
        &physicians::NewPhysician {
            account_id: Some(account),
            kanji_name: name,
            furigana: "テスト\u{3000}イシ",
            birth_date: born,
            sex: "female",
            registry_number: Some(registry),
            phone: Some("03-1234-5678"),
            fax: None,
            postal_code: Some("100-0001"),
            address: Some("千代田区1-1"),
            workplace: None,
            prefecture_code: Some(prefecture),
            is_member: false,
            member_association_id: None,
            registration_completed_at: Some(now),
        },
        now,
    )
    .await
    .unwrap()
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

async fn certification_owner(app: &TestApp, programme: &str, number: &str) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT physician_id FROM certifications WHERE programme = $1 AND certificate_number = $2",
    )
    .bind(programme)
    .bind(number)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn review_of(app: &TestApp, physician_id: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM link_reviews WHERE physician_id = $1")
        .bind(physician_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn review_status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM link_reviews WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

struct Setup {
    app: TestApp,
    tokyo_physician: i64,
    osaka_physician: i64,
    tokyo_review: i64,
    osaka_review: i64,
}

/// JMA imports four certifications: one matches a Tokyo physician exactly, one has her number
/// with another birth date, one matches nobody, one mismatches an Osaka physician's birth date.
async fn imported() -> Setup {
    let app = TestApp::spawn().await;
    osaka_staff(&app).await;
    let tokyo_physician =
        registered_physician(&app, "髙田 﨑江", "654321", date(1980, 1, 2), 13).await;
    let osaka_physician =
        registered_physician(&app, "大阪 花子", "777777", date(1975, 3, 4), 27).await;
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/certifications/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("action=\"/office/certifications/import?csrf_token="));
    let csv = format!(
        "{HEADER}\r\n\
         7000001,認定産業医,654321,1980/1/2,2021/8/1,2026/7/31\r\n\
         7000002,認定健康スポーツ医,第６５４３２１号,1981-01-02,2022-04-01,2027-03-31\r\n\
         7000003,産業医,999999,1990-01-01,2023-01-01,2027-12-31\r\n\
         7000004,産業医,777777,1975-03-05,2020-10-01,2025-09-30\r\n"
    );
    let page = upload(&mut jma, "/office/certifications/import", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/office/certifications/import"));
    let page = jma.get("/office/certifications/import").await;
    assert!(
        page.body.contains(
            "認定データを4件取り込みました。医師に紐付けたもの：1件、紐付け確認に回したもの：2件。"
        ),
        "{}",
        page.body
    );
    let tokyo_review = review_of(&app, tokyo_physician).await;
    let osaka_review = review_of(&app, osaka_physician).await;
    Setup { app, tokyo_physician, osaka_physician, tokyo_review, osaka_review }
}

#[tokio::test]
async fn import_links_matches_and_queues_birth_date_mismatches() {
    let s = imported().await;
    let app = &s.app;
    assert_eq!(certification_owner(app, "occupational", "7000001").await, Some(s.tokyo_physician));
    assert_eq!(certification_owner(app, "sports", "7000002").await, None, "not linked silently");
    assert_eq!(certification_owner(app, "occupational", "7000003").await, None);
    assert_eq!(certification_owner(app, "occupational", "7000004").await, None);
    assert_eq!(app.count("SELECT count(*) FROM link_reviews WHERE status = 'open'").await, 2);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'certifications.import'
             AND (after->>'imported')::int = 4 AND (after->>'linked')::int = 1
             AND (after->>'queued_for_review')::int = 2"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM certifications WHERE certificate_number = '7000002'
             AND registry_number = '654321' AND birth_date = '1981-01-02'"
        )
        .await,
        1,
        "第６５４３２１号 stored as 654321"
    );
}

#[tokio::test]
async fn a_bad_or_duplicate_file_imports_nothing() {
    let s = imported().await;
    let app = &s.app;
    let before = app.count("SELECT count(*) FROM certifications").await;
    let mut jma = app.signed_in("jma").await;
    jma.get("/office/certifications/import").await;
    // Already imported (in the database), and twice within the file.
    let csv = format!(
        "{HEADER}\n\
         7000001,産業医,654321,1980-01-02,2021-08-01,2026-07-31\n\
         7100001,スポーツ医,111111,1980-01-02,2021-08-01,2026-07-31\n\
         7100001,認定健康スポーツ医,222222,1980-01-02,2021-08-01,2026-07-31\n"
    );
    let page = upload(&mut jma, "/office/certifications/import", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("<td>4行目</td><td>認定証番号</td><td>認定健康スポーツ医の認定証番号 7100001 は3行目と重複しています。</td>"),
        "{}",
        page.body
    );
    let csv = format!(
        "{HEADER}\n\
         7000001,産業医,654321,1980-01-02,2021-08-01,2026-07-31\n\
         7100001,スポーツ医,111111,1980-01-02,2021-08-01,2026-07-31\n\
         7100002,歯科医,111112,1980-01-02,2021-08-01,2026-07-31\n"
    );
    let page = upload(&mut jma, "/office/certifications/import", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("<td>4行目</td><td>区分</td>"), "{}", page.body);
    let csv = format!(
        "{HEADER}\n\
         7000001,産業医,654321,1980-01-02,2021-08-01,2026-07-31\n\
         7100001,スポーツ医,111111,1980-01-02,2021-08-01,2026-07-31\n"
    );
    let page = upload(&mut jma, "/office/certifications/import", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("<td>2行目</td><td>認定証番号</td><td>認定産業医の認定証番号 7000001 はすでに登録されています。</td>"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM certifications").await, before, "nothing saved");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'certifications.import'").await,
        1
    );
}

#[tokio::test]
async fn only_jma_imports_certifications() {
    let app = TestApp::spawn().await;
    for login in ["tokyo", "chiyoda", "doctor"] {
        let mut b = app.signed_in(login).await;
        assert_eq!(
            b.get("/office/certifications/import").await.status,
            StatusCode::FORBIDDEN,
            "{login}"
        );
        let csv = format!("{HEADER}\n7000001,産業医,654321,1980-01-02,2021-08-01,2026-07-31\n");
        let page = upload(&mut b, "/office/certifications/import", csv.as_bytes()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{login}");
    }
    assert_eq!(app.count("SELECT count(*) FROM certifications").await, 2, "the demo pair only");
}

#[tokio::test]
async fn the_queue_shows_each_prefecture_its_own_physicians() {
    let s = imported().await;
    let app = &s.app;

    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/links").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("髙田\u{3000}﨑江") || page.body.contains("髙田 﨑江"));
    assert!(page.body.contains(&format!("/office/links/{}", s.tokyo_review)));
    assert!(!page.body.contains("大阪 花子"), "{}", page.body);
    assert!(!page.body.contains(&format!("/office/links/{}\"", s.osaka_review)));

    let mut osaka = app.signed_in("osaka").await;
    let page = osaka.get("/office/links").await;
    assert!(page.body.contains("大阪 花子"));
    assert!(!page.body.contains("髙田"), "{}", page.body);
    // Issue 12: the same 404 as for a review that does not exist.
    assert_eq!(
        osaka.get(&format!("/office/links/{}", s.tokyo_review)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(osaka.get("/office/links/999999").await.status, StatusCode::NOT_FOUND);

    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/links").await;
    assert!(page.body.contains("大阪 花子") && page.body.contains("髙田"));

    for login in ["chiyoda", "doctor"] {
        let mut b = app.signed_in(login).await;
        assert_eq!(b.get("/office/links").await.status, StatusCode::FORBIDDEN, "{login}");
        assert_eq!(
            b.get(&format!("/office/links/{}", s.tokyo_review)).await.status,
            StatusCode::FORBIDDEN,
            "{login}"
        );
    }

    // Side by side: both birth dates, the number, programme, certificate and validity.
    let page = tokyo.get(&format!("/office/links/{}", s.tokyo_review)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "1980年1月2日",
        "1981年1月2日",
        "654321",
        "認定健康スポーツ医",
        "7000002",
        "2022年4月1日 ～ 2027年3月31日",
        "テスト\u{3000}イシ",
        "（異なります）",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
}

#[tokio::test]
async fn linking_attaches_the_certification_and_is_audited() {
    let s = imported().await;
    let app = &s.app;
    let mut osaka = app.signed_in("osaka").await;
    osaka.get("/office/links").await;
    let page = osaka
        .post(&format!("/office/links/{}/link", s.tokyo_review), &[("note", "大阪から")])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "not their prefecture: as if missing");
    assert_eq!(review_status(app, s.tokyo_review).await, "open");

    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/links/{}", s.tokyo_review)).await;
    let page = tokyo
        .post(
            &format!("/office/links/{}/link", s.tokyo_review),
            &[("note", "本人に電話で確認。旧システムの生年月日の誤り。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/office/links"));
    assert_eq!(certification_owner(app, "sports", "7000002").await, Some(s.tokyo_physician));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM certifications
             WHERE certificate_number = '7000002' AND linked_at IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM link_reviews r JOIN accounts a ON a.id = r.decided_by
             WHERE r.id = {} AND r.status = 'linked' AND a.login_id = 'tokyo'
               AND r.decided_at IS NOT NULL AND r.note LIKE '本人に電話で確認%'",
            s.tokyo_review
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log l JOIN accounts a ON a.id = l.actor_account_id
             WHERE l.action = 'link_review.link' AND l.entity_id = '{}' AND a.login_id = 'tokyo'
               AND l.before->>'status' = 'open' AND l.after->>'status' = 'linked'
               AND l.before->'certification_physician_id' = 'null'::jsonb
               AND (l.after->>'certification_physician_id')::bigint = {}",
            s.tokyo_review, s.tokyo_physician
        ))
        .await,
        1
    );
    let page = tokyo.get("/office/links").await;
    assert!(page.body.contains("認定データを医師に紐付けました"));
    assert!(page.body.contains("確認待ちの認定データはありません"), "{}", page.body);

    // A second decision on the same review is refused with a message; nothing changes.
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/links/{}", s.tokyo_review)).await;
    let page =
        jma.post(&format!("/office/links/{}/reject", s.tokyo_review), &[("note", "別人")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.body
            .contains("この確認は、すでに東京都医師会 事務局が「紐付け済み」として処理しています"),
        "{}",
        page.body
    );
    assert_eq!(review_status(app, s.tokyo_review).await, "linked");
    assert_eq!(certification_owner(app, "sports", "7000002").await, Some(s.tokyo_physician));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'link_review.%'").await,
        1
    );
}

#[tokio::test]
async fn rejecting_needs_a_reason_and_leaves_the_data_unlinked() {
    let s = imported().await;
    let app = &s.app;
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/links/{}", s.osaka_review)).await;
    let page =
        jma.post(&format!("/office/links/{}/reject", s.osaka_review), &[("note", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("紐付けない理由を入力してください"), "{}", page.body);
    assert_eq!(review_status(app, s.osaka_review).await, "open");

    let page = jma
        .post(
            &format!("/office/links/{}/reject", s.osaka_review),
            &[("note", "生年月日・氏名とも異なり別人と確認")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(review_status(app, s.osaka_review).await, "rejected");
    assert_eq!(certification_owner(app, "occupational", "7000004").await, None);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'link_review.reject'
             AND entity_id = '{}' AND after->>'note' = '生年月日・氏名とも異なり別人と確認'",
            s.osaka_review
        ))
        .await,
        1
    );
    let _ = s.osaka_physician;
}

#[tokio::test]
async fn two_staff_deciding_at_once_one_wins_the_other_is_told() {
    let s = imported().await;
    let app = &s.app;
    let path = format!("/office/links/{}", s.tokyo_review);
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&path).await;
    let mut jma = app.signed_in("jma").await;
    jma.get(&path).await;
    let link_path = format!("{path}/link");
    let reject_path = format!("{path}/reject");
    let (a, b) = tokio::join!(
        tokyo.post(&link_path, &[("note", "")]),
        jma.post(&reject_path, &[("note", "別人")]),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let (winner, status) =
        if a.status == StatusCode::SEE_OTHER { ("tokyo", "linked") } else { ("jma", "rejected") };
    assert_eq!(review_status(app, s.tokyo_review).await, status, "won by {winner}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'link_review.%'").await,
        1
    );
}
