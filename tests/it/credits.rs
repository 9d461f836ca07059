//! Credit registration on the organizer's work page: upload → preview → commit of attendee
//! CSVs (Shift_JIS and UTF-8 as Excel saves them), matching to physicians in its three
//! outcomes, double commits and re-uploads that never double a credit, corrections and
//! withdrawals (audited), the one-attendee form, late registration, and the work page's
//! secrecy (404 when revoked, no Referer, never cached).

use crate::common;

use crate::common::{Browser, Page, TestApp};
use chrono::NaiveDate;
use mamis::db::{credits, physicians, seminars, work_pages};
use reqwest::StatusCode;
use rust_decimal::Decimal;

const BOUNDARY: &str = "----mamis-credits-boundary-Xz81QpLm";
const HEADER: &str =
    "漢字氏名,フリガナ,生年月日（西暦）,性別,医籍登録番号,メールアドレス,電話番号,FAX番号";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn multipart_body(file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads a file as the form does: multipart body, CSRF token in the query string.
async fn upload(b: &mut Browser, path: &str, file_name: &str, content: &[u8]) -> Page {
    let token = b.csrf.clone().expect("a page with a CSRF token was opened first");
    let r = b
        .client
        .post(format!("{}{}?csrf_token={}", b.base, path, token))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart_body(file_name, content))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.text().await.unwrap();
    Page { status, headers, body }
}

/// An approved occupational seminar (outside organizer, Tokyo) granting 生涯研修 更新 1 and
/// 専門 2 units, with its work page. Returns (seminar id, work page path).
async fn seminar_with_status(app: &TestApp, status: &str, ends_on: NaiveDate) -> (i64, String) {
    let now = app.clock.now();
    let mut conn = app.pool.acquire().await.unwrap();
    let units =
        [("lifelong_renewal", Decimal::new(10, 1)), ("lifelong_specialized", Decimal::new(2, 0))];
    let id = seminars::create(
        &mut conn,
        &seminars::NewSeminar {
            programme: "occupational",
            title: "産業医研修会（メンタルヘルス）",
            starts_on: ends_on,
            ends_on,
            format: "in_person",
            venue: "東京都千代田区 医師会館",
            organizer_association_id: None,
            organizer_name: "株式会社 産業保健研修",
            contact_name: "研修 担当",
            contact_email: "kenshu@example.jp",
            contact_phone: Some("03-0000-1111"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status,
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

async fn seminar(app: &TestApp) -> (i64, String) {
    seminar_with_status(app, "approved", date(2025, 4, 5)).await
}

/// A physician who has completed registration (no account needed for matching).
async fn registered_physician(app: &TestApp, registry: &str, birth: NaiveDate) -> i64 {
    let now = app.clock.now();
    let mut conn = app.pool.acquire().await.unwrap();
    physicians::create(
        &mut conn,
        &physicians::NewPhysician {
            account_id: None,
            kanji_name: "試験 医師",
            furigana: "シケン イシ",
            birth_date: birth,
            sex: "male",
            registry_number: Some(registry),
            phone: Some("03-2222-3333"),
            fax: None,
            postal_code: None,
            address: None,
            workplace: None,
            prefecture_code: Some(13),
            is_member: false,
            member_association_id: None,
            registration_completed_at: Some(now),
        },
        now,
    )
    .await
    .unwrap()
}

async fn doctor_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM physicians WHERE registry_number = '123456'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[derive(Debug, sqlx::FromRow)]
struct Credit {
    registry_number: String,
    kanji_name: String,
    furigana: String,
    birth_date: NaiveDate,
    sex: String,
    category: String,
    units: Decimal,
    physician_id: Option<i64>,
    match_status: String,
    late: bool,
    withdrawn: bool,
}

async fn credits_of(app: &TestApp, seminar_id: i64) -> Vec<Credit> {
    sqlx::query_as(
        "SELECT registry_number, kanji_name, furigana, birth_date, sex, category, units,
                physician_id, match_status, late, withdrawn_at IS NOT NULL AS withdrawn
         FROM credits WHERE seminar_id = $1 ORDER BY registry_number, category",
    )
    .bind(seminar_id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn upload_id(page: &Page) -> i64 {
    let marker = "/credits/uploads/";
    let start = page.body.find(marker).expect("a link to the upload") + marker.len();
    let digits: String = page.body[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Opens the work page (CSRF token), uploads, and checks the preview answered.
async fn preview(b: &mut Browser, base: &str, name: &str, content: &[u8]) -> (Page, i64) {
    b.get(&format!("{base}/credits/upload")).await;
    let page = upload(b, &format!("{base}/credits/upload"), name, content).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let id = upload_id(&page);
    (page, id)
}

/// Commits an upload as the preview's button does; returns the flash shown afterwards.
async fn commit(b: &mut Browser, base: &str, id: i64) -> String {
    let page = b.post(&format!("{base}/credits/uploads/{id}/commit"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some(format!("{base}/credits").as_str()));
    let list = b.get(&format!("{base}/credits")).await;
    assert_eq!(list.status, StatusCode::OK);
    let start = list.body.find("class=\"notice\" role=\"status\">").expect("a notice")
        + "class=\"notice\" role=\"status\">".len();
    let end = list.body[start..].find("</p>").unwrap() + start;
    list.body[start..end].to_string()
}

#[tokio::test]
async fn shift_jis_file_previews_then_commits_and_matches_in_three_ways() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    // 234567 exists with another birth date (the file says 1975/6/3); 345678 is not registered.
    let other_birth = registered_physician(&app, "234567", date(1975, 6, 30)).await;
    let mut b = app.browser();

    let (page, id) = preview(&mut b, &base, "受講者.csv", &fixture("attendees_sjis.csv")).await;
    assert!(page.body.contains("Shift_JIS"), "the encoding is told");
    assert!(page.body.contains("<span id=\"rows-total\">3</span>行"), "the blank row is skipped");
    assert!(page.body.contains("<span id=\"rows-ok\">3</span>行"));
    assert!(page.body.contains("<span id=\"rows-warning\">1</span>行"));
    assert!(
        page.body.contains("生年月日（西暦）：昭和45年5月15日を1970-05-15に変換しました。"),
        "the era date is converted with a notice"
    );
    // The preview shows the names as they will be stored (CP932 extensions included).
    assert!(page.body.contains("髙橋\u{3000}﨑子"), "names as stored, CP932 extensions included");
    assert!(page.body.contains("3名の単位を登録する"));
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert_eq!(app.count("SELECT count(*) FROM credits").await, 0, "nothing registered yet");

    let message = commit(&mut b, &base, id).await;
    assert!(message.contains("新規 6 件、修正 0 件、変更なし 0 件"), "{message}");
    assert!(message.contains("生年月日がMAMISの登録と一致しない 1 名（単位 2 件）"), "{message}");

    let rows = credits_of(&app, seminar_id).await;
    assert_eq!(rows.len(), 6, "3 attendees × 2 categories: {rows:?}");
    let doctor = doctor_id(&app).await;
    for row in &rows {
        match row.registry_number.as_str() {
            "123456" => {
                assert_eq!(row.match_status, "matched");
                assert_eq!(row.physician_id, Some(doctor), "attached to the demo doctor");
                assert_eq!(row.birth_date, date(1970, 5, 15));
                assert_eq!(row.furigana, "ヤマダ\u{3000}タロウ", "half-width kana made full-width");
                assert_eq!(row.sex, "male");
            }
            "234567" => {
                assert_eq!(row.match_status, "birth_date_mismatch");
                assert_eq!(row.physician_id, None, "a mismatch is never attached");
                assert_eq!(row.kanji_name, "髙橋\u{3000}﨑子");
            }
            "345678" => {
                assert_eq!(row.match_status, "unmatched");
                assert_eq!(row.physician_id, None);
                assert_eq!(row.kanji_name, "佐藤,\u{3000}次郎", "the quoted comma stays");
                assert_eq!(row.birth_date, date(1968, 2, 29));
            }
            other => panic!("unexpected attendee {other}"),
        }
        assert!(!row.late, "registered within the month");
    }
    let units: Vec<String> =
        rows[..2].iter().map(|r| format!("{}={}", r.category, r.units)).collect();
    assert_eq!(units, ["lifelong_renewal=1.0", "lifelong_specialized=2.0"], "the seminar's units");

    // The unmatched attendee registers later: their credits attach then.
    let late_comer = registered_physician(&app, "345678", date(1968, 2, 29)).await;
    let mut conn = app.pool.acquire().await.unwrap();
    let attached =
        credits::attach_for_physician(&mut conn, late_comer, app.clock.now()).await.unwrap();
    assert_eq!(attached, 2);
    // Attaching again finds nothing; the mismatched physician gets nothing attached.
    assert_eq!(
        credits::attach_for_physician(&mut conn, late_comer, app.clock.now()).await.unwrap(),
        0
    );
    assert_eq!(
        credits::attach_for_physician(&mut conn, other_birth, app.clock.now()).await.unwrap(),
        0
    );
    drop(conn);
    let rows = credits_of(&app, seminar_id).await;
    assert!(rows
        .iter()
        .filter(|r| r.registry_number == "345678")
        .all(|r| r.physician_id == Some(late_comer) && r.match_status == "matched"));
    assert!(rows
        .iter()
        .filter(|r| r.registry_number == "234567")
        .all(|r| r.physician_id.is_none() && r.match_status == "birth_date_mismatch"));

    // The work page counts them; the commit is audited once with its counts.
    let home = b.get(&base).await;
    assert!(home.body.contains("<span id=\"count-attendees\">3</span>名"), "{}", home.body);
    assert!(home.body.contains("<span id=\"count-matched\">2</span>名"));
    assert!(home.body.contains("<span id=\"count-mismatched\">1</span>名"));
    let audit: serde_json::Value = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'credits.commit' AND entity_id = $1",
    )
    .bind(seminar_id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit["inserted"], 6);
    assert_eq!(audit["matched"], 2);
    assert_eq!(audit["unmatched"], 2);
    assert_eq!(audit["birth_date_mismatch"], 2);
    assert_eq!(audit["upload_id"], id);
}

#[tokio::test]
async fn a_second_commit_changes_nothing_and_says_so() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let mut b = app.browser();
    let (_, id) = preview(&mut b, &base, "a.csv", &fixture("attendees_utf8_bom.csv")).await;
    commit(&mut b, &base, id).await;
    let before: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT id, updated_at FROM credits WHERE seminar_id = $1 ORDER BY id")
            .bind(seminar_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    app.clock.advance(chrono::Duration::minutes(5));

    let message = commit(&mut b, &base, id).await;
    assert!(message.contains("すでに登録済み"), "{message}");
    assert!(message.contains("何も変更していません"), "{message}");
    let after: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT id, updated_at FROM credits WHERE seminar_id = $1 ORDER BY id")
            .bind(seminar_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(before, after);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.commit'").await,
        1
    );
    // The preview now says it was registered and offers no button.
    let page = b.get(&format!("{base}/credits/uploads/{id}")).await;
    assert!(page.body.contains("に登録済み"));
    assert!(!page.body.contains("id=\"commit\""));
}

#[tokio::test]
async fn re_uploading_never_doubles_and_corrections_are_audited() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let mut b = app.browser();
    let file = fixture("attendees_utf8_bom.csv");
    let (_, first) = preview(&mut b, &base, "a.csv", &file).await;
    let message = commit(&mut b, &base, first).await;
    // 山田 2 categories, 渡邊 更新 only (専門 0), 鈴木 both (専門 1).
    assert!(message.contains("新規 5 件"), "{message}");
    let rows = credits_of(&app, seminar_id).await;
    let summary: Vec<String> =
        rows.iter().map(|r| format!("{}:{}={}", r.registry_number, r.category, r.units)).collect();
    assert_eq!(
        summary,
        [
            "123456:lifelong_renewal=1.0",
            "123456:lifelong_specialized=2.0",
            "123457:lifelong_renewal=1.0",
            "567890:lifelong_renewal=1.0",
            "567890:lifelong_specialized=1.0",
        ]
    );
    let suzuki = rows.iter().find(|r| r.registry_number == "567890").unwrap();
    assert_eq!(suzuki.birth_date, date(1990, 1, 8), "H2.1.8 converted");
    assert_eq!(suzuki.furigana, "スズキ\u{3000}イチロウ");

    // The same file again: nothing new, nothing changed.
    let (_, second) = preview(&mut b, &base, "a.csv", &file).await;
    let message = commit(&mut b, &base, second).await;
    assert!(message.contains("新規 0 件、修正 0 件、変更なし 5 件"), "{message}");
    assert_eq!(credits_of(&app, seminar_id).await.len(), 5);

    // A corrected list: 渡邊 attended half of 更新, 鈴木 is left out (kept: withdrawal is
    // explicit), 山田's e-mail changed.
    let corrected = format!(
        "{HEADER},単位_生涯研修 更新,単位_生涯研修 専門\r\n\
         山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,taro.new@example.jp,03-1234-5678,,,\r\n\
         渡邊 花子,ワタナベ ハナコ,1982-11-03,女,123457,hanako@example.jp,,03-5555-0000,0.5,0\r\n"
    );
    let (_, third) = preview(&mut b, &base, "b.csv", &with_bom(&corrected)).await;
    let message = commit(&mut b, &base, third).await;
    assert!(message.contains("新規 0 件、修正 3 件、変更なし 0 件"), "{message}");
    let rows = credits_of(&app, seminar_id).await;
    assert_eq!(rows.len(), 5, "nothing doubled, nothing deleted");
    let hanako = rows.iter().find(|r| r.registry_number == "123457").unwrap();
    assert_eq!(hanako.units, Decimal::new(5, 1));
    assert!(rows.iter().filter(|r| r.registry_number == "567890").all(|r| !r.withdrawn));
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM credits WHERE seminar_id = {seminar_id} AND email = 'taro.new@example.jp'")).await,
        2
    );

    let audit: serde_json::Value = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'credits.commit' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit["updated"], 3);
    let corrections = audit["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 3);
    let hanako = corrections.iter().find(|c| c["registry_number"] == "123457").unwrap();
    assert_eq!(hanako["category"], "lifelong_renewal");
    assert_eq!(hanako["before"]["units"], 1.0);
    assert_eq!(hanako["after"]["units"], 0.5);
    assert_eq!(hanako["before"]["furigana"], "ワタナベ\u{3000}ハナコ");
}

#[tokio::test]
async fn malformed_files_show_an_error_page_and_save_nothing() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let mut b = app.browser();
    let path = format!("{base}/credits/upload");
    b.get(&path).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec(),
            "CSVファイルとして読み取れませんでした",
        ),
        (
            "book.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec(),
            "CSVファイルとして読み取れませんでした",
        ),
        ("empty.csv", Vec::new(), "ファイルが空です"),
        (
            "columns.csv",
            with_bom("漢字氏名,フリガナ\r\n山田 太郎,ヤマダ タロウ\r\n"),
            "「生年月日（西暦）」の列がありません",
        ),
        ("header-only.csv", with_bom(&format!("{HEADER}\r\n")), "データの行がありません"),
        (
            "units.csv",
            with_bom(&format!("{HEADER},単位_ふしぎ\r\nx\r\n")),
            "見出し「単位_ふしぎ」の研修区分が分かりません",
        ),
    ];
    for (name, content, message) in cases {
        let page = upload(&mut b, &path, name, &content).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", page.body);
        assert!(page.body.contains(message), "{name}: {}", page.body);
        assert!(page.body.contains("何も保存していません"), "{name}");
        assert_eq!(page.headers["cache-control"], "no-store, private");
    }
    // Larger than 5 MB: refused before anything is read into the database.
    let mut big = with_bom(&format!("{HEADER}\r\n"));
    big.resize(5 * 1024 * 1024 + 1, b'a');
    let page = upload(&mut b, &path, "big.csv", &big).await;
    assert!(page.body.contains("ファイルが大きすぎます（5MBまで）"), "{}", page.status);
    assert_eq!(app.count("SELECT count(*) FROM credit_uploads").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM credits").await, 0);
}

#[tokio::test]
async fn rows_with_errors_are_listed_with_column_and_reason_and_left_out() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let mut b = app.browser();
    let text = format!(
        "{HEADER}\r\n\
         山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,yamada.taro@example.jp,03-1234-5678,\r\n\
         =HYPERLINK(\"x\"),ヤマダ,1970-05-15,その他,123456,bad,,\r\n\
         ,,,,,,,\r\n\
         鈴木 一郎,スズキ イチロウ,昭和64年1月8日,男,567890,s@example.jp,045-123-4567,\r\n"
    );
    let (page, id) = preview(&mut b, &base, "errors.csv", &with_bom(&text)).await;
    assert!(page.body.contains("<span id=\"rows-error\">2</span>行"), "{}", page.body);
    assert!(page.body.contains("3行目"));
    assert!(page.body.contains("性別：性別は「男」または「女」で入力してください。"));
    assert!(
        page.body.contains("医籍登録番号：医籍登録番号 123456 は2行目と重複しています")
            || page.body.contains("メールアドレス：メールアドレスの形式")
    );
    assert!(page.body.contains("電話番号：電話番号かFAX番号のどちらかを入力してください"));
    assert!(page.body.contains("5行目"));
    assert!(page.body.contains("その元号にない日付です"));
    assert!(page.body.contains("1名の単位を登録する"));

    // The result CSV: the same rows with 結果 and 理由, formula cells defused.
    let r = b
        .client
        .get(format!("{}{base}/credits/uploads/{id}/preview.csv", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let csv = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], format!("{HEADER},結果,理由"));
    assert!(lines[1].ends_with(",OK,"), "{}", lines[1]);
    assert!(lines[2].starts_with("\"'=HYPERLINK(\"\"x\"\")\""), "{}", lines[2]);
    assert!(lines[2].contains(",エラー,"), "{}", lines[2]);
    assert!(lines[3].contains("その元号にない日付"), "{}", lines[3]);
    assert_eq!(lines.len(), 5, "header, 3 rows, final CRLF: {lines:?}");

    let message = commit(&mut b, &base, id).await;
    assert!(message.contains("新規 2 件"), "{message}");
    let registered: Vec<String> =
        credits_of(&app, seminar_id).await.into_iter().map(|r| r.registry_number).collect();
    assert_eq!(registered, ["123456", "123456"]);
}

#[tokio::test]
async fn withdrawal_and_a_corrected_registry_number_rematch() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    // The organizer typed 234567 for someone whose number is 456789.
    let right = registered_physician(&app, "456789", date(1975, 6, 3)).await;
    let mut b = app.browser();
    let (_, id) = preview(&mut b, &base, "s.csv", &fixture("attendees_sjis.csv")).await;
    commit(&mut b, &base, id).await;

    // Withdraw 345678.
    let list = b.get(&format!("{base}/credits")).await;
    assert!(list.body.contains(&format!("href=\"{base}/credits/345678/withdraw\"")));
    // The list links to a confirmation page naming what will be lost; a POST without the
    // confirmation withdraws nothing.
    let confirm = b.get(&format!("{base}/credits/345678/withdraw")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("受講者の単位を取り消しますか"), "{}", confirm.body);
    assert!(confirm.body.contains("次のものが失われます"));
    assert!(confirm.body.contains("name=\"confirm\" value=\"yes\""));
    let unconfirmed = b.post(&format!("{base}/credits/345678/withdraw"), &[]).await;
    assert_eq!(unconfirmed.location(), Some(format!("{base}/credits/345678/withdraw").as_str()));
    assert!(credits_of(&app, seminar_id).await.iter().all(|r| !r.withdrawn), "nothing yet");
    let page = b.post(&format!("{base}/credits/345678/withdraw"), &[("confirm", "yes")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = b.get(&format!("{base}/credits")).await;
    assert!(
        list.body.contains("医籍登録番号 345678 の単位（2 件）を取り消しました。"),
        "{}",
        list.body
    );
    assert!(list.body.contains("取り消し済み"));
    let rows = credits_of(&app, seminar_id).await;
    assert!(rows.iter().filter(|r| r.registry_number == "345678").all(|r| r.withdrawn));
    assert!(rows.iter().filter(|r| r.registry_number != "345678").all(|r| !r.withdrawn));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.withdraw'").await,
        1
    );

    // Correct 234567 → 456789 through the form: the old entry is withdrawn, the new matched.
    let form = b.get(&format!("{base}/credits/new?registry_number=234567")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"髙橋\u{3000}﨑子\""), "pre-filled");
    assert!(form.body.contains("name=\"original_registry_number\" value=\"234567\""));
    let page = b
        .post(
            &format!("{base}/credits/new"),
            &[
                ("original_registry_number", "234567"),
                ("kanji_name", "髙橋 﨑子"),
                ("furigana", "タカハシ サキコ"),
                ("birth_date", "1975-06-03"),
                ("sex", "女"),
                ("registry_number", "456789"),
                ("email", "takahashi@example.jp"),
                ("phone", ""),
                ("fax", "06-1234-5678"),
                ("lifelong_renewal", "1"),
                ("lifelong_specialized", "2"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let rows = credits_of(&app, seminar_id).await;
    assert!(rows.iter().filter(|r| r.registry_number == "234567").all(|r| r.withdrawn));
    let corrected: Vec<&Credit> = rows.iter().filter(|r| r.registry_number == "456789").collect();
    assert_eq!(corrected.len(), 2);
    assert!(corrected.iter().all(|r| r.physician_id == Some(right) && r.match_status == "matched"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.withdraw'").await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.correct'").await,
        1
    );

    // Re-uploading the original file does not undo the withdrawal or the correction (issue
    // 10): the preview marks both rows and the commit skips them…
    let (page, again) = preview(&mut b, &base, "s.csv", &fixture("attendees_sjis.csv")).await;
    assert!(page.body.contains("取り消し済み"), "{}", page.body);
    assert!(page.body.contains("修正済み（医籍登録番号 456789 に修正）"));
    let message = commit(&mut b, &base, again).await;
    assert!(message.contains("新規 0 件、修正 0 件、変更なし 2 件"), "{message}");
    assert!(message.contains("取り消し・修正済みの 2 名は登録しませんでした"), "{message}");
    let rows = credits_of(&app, seminar_id).await;
    assert_eq!(rows.iter().filter(|r| !r.withdrawn).count(), 4, "nothing revived");
    // …unless the organizer ticks them back in; even then nothing is doubled.
    let (_, third) = preview(&mut b, &base, "s.csv", &fixture("attendees_sjis.csv")).await;
    let page = b
        .post(
            &format!("{base}/credits/uploads/{third}/commit"),
            &[("revive", "345678"), ("revive", "234567")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = b.get(&format!("{base}/credits")).await;
    assert!(list.body.contains("新規 0 件、修正 4 件、変更なし 2 件"), "{}", list.body);
    assert_eq!(credits_of(&app, seminar_id).await.len(), 8);
}

#[tokio::test]
async fn one_attendee_form_checks_fields_and_registers() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let mut b = app.browser();
    let form = b.get(&format!("{base}/credits/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("生涯研修 専門（2単位まで）"));
    assert!(form
        .body
        .contains("name=\"lifelong_specialized\" type=\"text\" inputmode=\"decimal\" value=\"2\""));

    let mut fields = vec![
        ("kanji_name", "山田 太郎"),
        ("furigana", "やまだ たろう"),
        ("birth_date", "S45.5.15"),
        ("sex", ""),
        ("registry_number", "123456"),
        ("email", "yamada.taro@example.jp"),
        ("phone", ""),
        ("fax", ""),
        ("lifelong_renewal", "1"),
        ("lifelong_specialized", "3"),
    ];
    let page = b.post(&format!("{base}/credits/new"), &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"sex-error\">性別を選んでください。"), "{}", page.body);
    assert!(page.body.contains("id=\"phone-error\">電話番号かFAX番号のどちらか"));
    assert!(page.body.contains("2単位までです"));
    assert!(page.body.contains("value=\"やまだ たろう\""), "typed values are kept");
    assert_eq!(app.count("SELECT count(*) FROM credits").await, 0);

    fields[3] = ("sex", "男");
    fields[6] = ("phone", "03-1234-5678");
    fields[9] = ("lifelong_specialized", "0");
    let page = b.post(&format!("{base}/credits/new"), &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = b.get(&format!("{base}/credits")).await;
    assert!(list
        .body
        .contains("山田\u{3000}太郎さん（医籍登録番号 123456）の単位を登録しました。"));
    assert!(list.body.contains("S45.5.15を1970-05-15に変換しました。"));
    assert!(list.body.contains("反映済み"));
    let rows = credits_of(&app, seminar_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].category, "lifelong_renewal");
    assert_eq!(rows[0].physician_id, Some(doctor_id(&app).await));
    assert_eq!(rows[0].furigana, "ヤマダ\u{3000}タロウ");
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.entry'").await, 1);
}

#[tokio::test]
async fn work_page_shows_the_seminar_due_date_and_sticker_notice_privately() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let mut b = app.browser();
    let page = b.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(page.headers["cache-control"].to_str().unwrap().contains("no-store"));
    assert!(page.body.contains("産業医研修会（メンタルヘルス）"));
    assert!(page.body.contains("承認済み"));
    assert!(page.body.contains("2025年5月5日（最終日から1か月）"), "due date");
    assert!(page.body.contains(
        "この研修会では単位シール・紙の修了証は発行できません（単位の二重付与になります）。単位はMAMISへの登録で付与されます。"
    ));
    for link in ["/credits/upload", "/credits/template.csv", "/credits/new", "/credits\""] {
        assert!(page.body.contains(&format!("{base}{link}")), "{link}");
    }

    let r = b.client.get(format!("{}{base}/credits/template.csv", b.base)).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store, private");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes[3..]).unwrap(),
        format!("{HEADER},単位_生涯研修 更新,単位_生涯研修 専門\r\n")
    );
}

#[tokio::test]
async fn unknown_and_revoked_tokens_answer_404_privately() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let mut b = app.browser();
    assert_eq!(b.get(&base).await.status, StatusCode::OK);
    let mut conn = app.pool.acquire().await.unwrap();
    work_pages::revoke(&mut conn, seminar_id, None, app.clock.now()).await.unwrap();
    drop(conn);
    for path in [base.clone(), format!("{base}/credits"), format!("{base}/credits/template.csv")] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        assert_eq!(page.headers["cache-control"], "no-store, private");
    }
    assert_eq!(b.get(&format!("/work/{}", "0".repeat(64))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/work/short").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_approved_seminars_take_credits() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar_with_status(&app, "prefecture_approved", date(2025, 4, 5)).await;
    let mut b = app.browser();
    let page = b.get(&base).await;
    assert!(page.body.contains("単位はまだ登録できません"));
    let page = b.get(&format!("{base}/credits/new")).await;
    assert!(page.body.contains("単位はまだ登録できません"));
    b.csrf = Some(common::csrf_in(&b.get("/login").await.body).unwrap());
    let page = upload(
        &mut b,
        &format!("{base}/credits/upload"),
        "a.csv",
        &fixture("attendees_utf8_bom.csv"),
    )
    .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.body.contains("「日本医師会の審査待ち」のため、単位を登録できません"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM credit_uploads").await, 0);
}

#[tokio::test]
async fn credits_committed_after_the_due_date_are_marked_late() {
    let app = TestApp::spawn().await;
    // Ended 2025-01-31: due 2025-02-28; the clock says 2025-04-10.
    let (seminar_id, base) = seminar_with_status(&app, "approved", date(2025, 1, 31)).await;
    let mut b = app.browser();
    let home = b.get(&base).await;
    assert!(home.body.contains("2025年2月28日"));
    assert!(home.body.contains("単位の登録期限（2025年2月28日）を過ぎています。"), "overdue");
    let (page, id) = preview(&mut b, &base, "a.csv", &fixture("attendees_utf8_bom.csv")).await;
    assert!(page.body.contains("期限後の登録として記録されます"));
    let message = commit(&mut b, &base, id).await;
    assert!(message.contains("期限後の登録として記録しました"), "{message}");
    assert!(credits_of(&app, seminar_id).await.iter().all(|r| r.late));
    let home = b.get(&base).await;
    assert!(
        !home.body.contains("を過ぎています。</strong>受講者"),
        "registered: no longer overdue"
    );
}

/// Issue 12: the HTML polyglot on the work page's attendee upload (no account needed).
#[tokio::test]
async fn attack_html_polyglot_on_the_attendee_upload_is_refused() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let mut b = app.browser();
    let path = format!("{base}/credits/upload");
    b.get(&path).await;
    let page = upload(&mut b, &path, "report.html", crate::common::POLYGLOT).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("何も保存していません"));
    assert_eq!(app.count("SELECT count(*) FROM credit_uploads").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM uploaded_files").await, 0);
}
