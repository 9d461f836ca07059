//! Importing members from CSV (医師会員の取り込み): UTF-8 and Shift_JIS files, exact names,
//! all-or-nothing validation, postcards whose credentials really log in, and who may do it.

use crate::common;

use crate::common::{Browser, Page, TestApp};
use chrono::NaiveDate;
use mamis::db::accounts;
use mamis::domain::role::{AssociationKind, Role};
use reqwest::StatusCode;

const BOUNDARY: &str = "----mamis-test-boundary-7MA4YWxkTrZu0gW";
const HEADER: &str =
    "氏名,フリガナ,生年月日,性別,医籍登録番号,郵便番号,都道府県,住所,所属医師会,電話番号,FAX番号";

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

fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "the fixture is representable in CP932");
    bytes.into_owned()
}

fn batch_id(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().expect("a redirect");
    location
        .strip_prefix("/office/members/batches/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect to {location}"))
}

#[derive(Debug, sqlx::FromRow)]
struct Stored {
    kanji_name: String,
    furigana: String,
    birth_date: NaiveDate,
    sex: String,
    postal_code: Option<String>,
    prefecture_code: Option<i16>,
    address: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    is_member: bool,
    member_association: Option<String>,
    registration_completed: bool,
    login_id: String,
    role: String,
    email: Option<String>,
    must_change_password: bool,
    password_hash: String,
    has_postcard: bool,
}

async fn stored(app: &TestApp, registry_number: &str) -> Stored {
    sqlx::query_as(
        "SELECT p.kanji_name, p.furigana, p.birth_date, p.sex, p.postal_code, p.prefecture_code,
                p.address, p.phone, p.fax, p.is_member, s.name AS member_association,
                p.registration_completed_at IS NOT NULL AS registration_completed,
                a.login_id, a.role, a.email, a.must_change_password, a.password_hash,
                EXISTS (SELECT 1 FROM member_postcards c WHERE c.account_id = a.id) AS has_postcard
         FROM physicians p
         JOIN accounts a ON a.id = p.account_id
         LEFT JOIN associations s ON s.id = p.member_association_id
         WHERE p.registry_number = $1",
    )
    .bind(registry_number)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn counts(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    (
        app.count("SELECT count(*) FROM accounts").await,
        app.count("SELECT count(*) FROM physicians").await,
        app.count("SELECT count(*) FROM member_import_batches").await,
        app.count("SELECT count(*) FROM member_postcards").await,
        app.count(
            "SELECT count(*) FROM audit_log WHERE action IN ('members.import', 'account.create')",
        )
        .await,
    )
}

/// A prefectural staff account of another prefecture (Osaka), demo password.
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

#[tokio::test]
async fn utf8_bom_file_is_imported_exactly_as_written() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/members/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("東京都の会員を取り込みます"), "{}", page.body);
    assert!(page.body.contains("action=\"/office/members/import?csrf_token="));

    let csv = format!(
        "{HEADER}\r\n\
         髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,１９７５／０６／０３,女,第２３４５６７号,１００－０００１,東京都,千代田区千代田1-1,千代田区医師会,,０３－１２３４－５６７８\r\n\
         \"佐藤, 次郎\",サトウ ジロウ,1968/2/29,男,345678,1060032,東京,東京都港区六本木1-1,,03-9999-0000,\r\n\
         ,,,,,,,,,,\r\n"
    );
    let page = upload(&mut tokyo, "/office/members/import", "members.csv", &with_bom(&csv)).await;
    let batch = batch_id(&page);

    let takahashi = stored(&app, "234567").await;
    assert_eq!(takahashi.kanji_name, "髙橋\u{3000}﨑子", "髙 and 﨑 kept, never normalised");
    assert_eq!(takahashi.furigana, "タカハシ\u{3000}サキコ");
    assert_eq!(takahashi.birth_date, NaiveDate::from_ymd_opt(1975, 6, 3).unwrap());
    assert_eq!(takahashi.sex, "female");
    assert_eq!(takahashi.postal_code.as_deref(), Some("100-0001"));
    assert_eq!(takahashi.prefecture_code, Some(13));
    assert_eq!(takahashi.address.as_deref(), Some("千代田区千代田1-1"));
    assert_eq!(takahashi.phone, None);
    assert_eq!(takahashi.fax.as_deref(), Some("03-1234-5678"));
    assert!(takahashi.is_member);
    assert_eq!(takahashi.member_association.as_deref(), Some("千代田区医師会"));
    assert!(!takahashi.registration_completed, "the member completes registration later");
    assert_eq!(takahashi.role, "physician");
    assert_eq!(takahashi.email, None);
    assert!(takahashi.must_change_password);
    // No password until the postcards are printed (then only its argon2id hash).
    assert_eq!(takahashi.password_hash, mamis::password::NO_PASSWORD_YET);
    assert!(takahashi.has_postcard);
    assert!(
        takahashi.login_id.len() == 9 && takahashi.login_id.starts_with('m'),
        "{}",
        takahashi.login_id
    );

    let sato = stored(&app, "345678").await;
    assert_eq!(sato.kanji_name, "佐藤,\u{3000}次郎", "a quoted comma stays in the cell");
    assert_eq!(sato.member_association.as_deref(), Some("東京都医師会"), "default: prefectural");
    assert_ne!(sato.login_id, takahashi.login_id);

    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM member_import_batches
             WHERE id = {batch} AND rows_imported = 2 AND file_name = 'members.csv'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'members.import' AND entity_id = '{batch}'
             AND (after->>'count')::int = 2"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log l JOIN accounts a ON a.login_id = 'tokyo'
             WHERE l.action = 'account.create' AND l.actor_account_id = a.id"
        )
        .await,
        2
    );

    let page = tokyo.get(&format!("/office/members/batches/{batch}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("2名の会員を取り込みました"), "the flash: {}", page.body);
    assert!(page.body.contains("髙橋\u{3000}﨑子"));
    assert!(page.body.contains(&takahashi.login_id));
}

#[tokio::test]
async fn shift_jis_file_from_excel_is_imported() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/members/import").await;
    let csv = format!(
        "{HEADER}\r\n\
         﨑山 髙志,ｻｷﾔﾏ ﾀｶｼ,１９８２年４月１日,男,第 ４５６７８９ 号,〒100-0005,東京都,千代田区丸の内1-1,千代田区,03-1111-2222,\r\n\
         渡邊 ゆり,ﾜﾀﾅﾍﾞ ﾕﾘ,1990-12-31,女,567890,1000006,東京都,千代田区有楽町1-1,,,03-3333-4444\r\n"
    );
    let bytes = shift_jis(&csv);
    assert!(std::str::from_utf8(&bytes).is_err(), "really Shift_JIS");
    let page = upload(&mut tokyo, "/office/members/import", "sjis.csv", &bytes).await;
    batch_id(&page);

    let sakiyama = stored(&app, "456789").await;
    assert_eq!(sakiyama.kanji_name, "﨑山\u{3000}髙志");
    assert_eq!(sakiyama.furigana, "サキヤマ\u{3000}タカシ");
    assert_eq!(sakiyama.birth_date, NaiveDate::from_ymd_opt(1982, 4, 1).unwrap());
    assert_eq!(sakiyama.member_association.as_deref(), Some("千代田区医師会"), "「千代田区」");
    let watanabe = stored(&app, "567890").await;
    assert_eq!(watanabe.kanji_name, "渡邊\u{3000}ゆり");
    assert_eq!(watanabe.furigana, "ワタナベ\u{3000}ユリ", "half-width ﾍﾞ becomes ベ");
}

#[tokio::test]
async fn one_bad_row_saves_nothing_and_is_named_by_line_and_column() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/members/import").await;
    let before = counts(&app).await;
    let csv = format!(
        "{HEADER}\n\
         山本 一郎,ヤマモト イチロウ,1970-01-01,男,111111,1000001,東京都,千代田区1,,03-1234-5678,\n\
         山本 二郎,ヤマモト ジロウ,1970-02-30,男,222222,1000001,東京都,千代田区2,,03-1234-5678,\n\
         山本 三郎,ヤマモト サブロウ,1970-03-01,男,333333,1000001,東京都,千代田区3,,03-1234-5678,\n"
    );
    let page = upload(&mut tokyo, "/office/members/import", "bad.csv", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("何も保存していません"), "{}", page.body);
    assert!(page.body.contains("<td>3行目</td><td>生年月日</td>"), "{}", page.body);
    assert!(page.body.contains("生年月日は西暦で"));
    assert!(!page.body.contains("2行目") && !page.body.contains("4行目"), "only the bad row");
    assert_eq!(counts(&app).await, before, "nothing saved");

    // Rows that clash with what is registered, or with each other, or belong elsewhere.
    let csv = format!(
        "{HEADER}\n\
         山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,1000001,東京都,千代田区1,,03-1234-5678,\n\
         山本 一郎,ヤマモト イチロウ,1970-01-01,男,111111,1000001,東京都,千代田区1,,03-1234-5678,\n\
         山本 一郎,ヤマモト イチロウ,1970-01-01,男,１１１１１１,1000001,東京都,千代田区1,,03-1234-5678,\n\
         中村 四郎,ナカムラ シロウ,1970-04-01,男,444444,5300001,大阪府,大阪市北区1,,06-1234-5678,\n\
         中村 五郎,ナカムラ ゴロウ,1970-05-01,男,555555,1000001,東京都,千代田区5,渋谷区医師会,03-1234-5678,\n"
    );
    let page = upload(&mut tokyo, "/office/members/import", "bad2.csv", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("<td>4行目</td><td>医籍登録番号</td><td>医籍登録番号 111111 は3行目と重複しています。</td>"), "{}", page.body);
    assert!(page.body.contains("<td>5行目</td><td>都道府県</td>"), "{}", page.body);
    assert!(page.body.contains("東京都以外の会員は取り込めません"));
    assert_eq!(counts(&app).await, before);

    // Once the file itself is fine, rows are checked against the registry and associations.
    let csv = format!(
        "{HEADER}\n\
         山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,1000001,東京都,千代田区1,,03-1234-5678,\n\
         中村 五郎,ナカムラ ゴロウ,1970-05-01,男,555555,1000001,東京都,千代田区5,渋谷区医師会,03-1234-5678,\n"
    );
    let page = upload(&mut tokyo, "/office/members/import", "bad3.csv", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("<td>2行目</td><td>医籍登録番号</td><td>医籍登録番号 123456 の医師はすでに登録されています。</td>"), "{}", page.body);
    assert!(page.body.contains("<td>3行目</td><td>所属医師会</td>"), "{}", page.body);
    assert!(page.body.contains("「渋谷区医師会」は東京都の医師会として登録されていません"));
    assert_eq!(counts(&app).await, before);

    // Not a CSV at all, a missing column, no file.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let page = upload(&mut tokyo, "/office/members/import", "members.csv", png).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("CSVファイルとして読み取れませんでした"), "{}", page.body);
    let page = upload(
        &mut tokyo,
        "/office/members/import",
        "x.csv",
        "氏名,フリガナ\n山田,ヤマダ\n".as_bytes(),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("見出しの行に「生年月日」の列がありません"), "{}", page.body);
    let page = upload(&mut tokyo, "/office/members/import", "", b"").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("取り込むCSVファイルを選んでください"), "{}", page.body);
    assert_eq!(counts(&app).await, before);
}

/// A download as bytes (a PDF is not text).
struct Download {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

/// Presses 「はがきのPDFを作る」 (or, with `reissue`, the confirmation page's button).
async fn print_postcards(b: &mut Browser, batch: i64, reissue: bool) -> Download {
    b.get(&format!("/office/members/batches/{batch}/postcards")).await;
    let token = b.csrf.clone().expect("the page has a CSRF token");
    let mut form = vec![("csrf_token", token.as_str())];
    if reissue {
        form.push(("reissue", "yes"));
    }
    let r = b
        .client
        .post(format!("{}/office/members/batches/{batch}/postcards.pdf", b.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    Download {
        status: r.status(),
        headers: r.headers().clone(),
        bytes: r.bytes().await.unwrap().to_vec(),
    }
}

/// The postcard PDF's pages, each checked to be 100 × 148 mm, as the text a reader copies.
fn postcard_pages(download: &Download) -> Vec<String> {
    assert_eq!(download.status, StatusCode::OK, "{}", String::from_utf8_lossy(&download.bytes));
    assert_eq!(download.headers["content-type"], "application/pdf");
    assert!(download.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(download.headers["cache-control"], "no-store");
    let sizes = mamis::export::pdf::page_sizes(&download.bytes).unwrap();
    for (w, h) in &sizes {
        assert!((w - 283.46).abs() < 0.05 && (h - 419.53).abs() < 0.05, "{w} × {h} pt");
    }
    (1..=sizes.len() as u32)
        .map(|n| mamis::export::pdf::page_text(&download.bytes, n).unwrap())
        .collect()
}

/// The initial password printed on a postcard page: the 12-character word after the
/// 「初期パスワード」 label.
fn printed_password(page: &str) -> String {
    page.match_indices("初期パスワード")
        .filter_map(|(at, label)| {
            let word: String = page[at + label.len()..]
                .trim_start()
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            (word.len() == 12).then_some(word)
        })
        .next()
        .unwrap_or_else(|| panic!("no password printed on: {page}"))
}

/// Where a string occurs anywhere in the database: every text and JSON column of every table.
async fn places_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public'
           AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut found = Vec::new();
    for (table, column) in columns {
        let sql =
            format!("SELECT count(*) FROM \"{table}\" WHERE strpos(\"{column}\"::text, $1) > 0");
        let n: i64 = sqlx::query_scalar(&sql).bind(needle).fetch_one(&app.pool).await.unwrap();
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

async fn import_one(app: &TestApp, tokyo: &mut Browser) -> (i64, Stored) {
    tokyo.get("/office/members/import").await;
    let csv = format!(
        "{HEADER}\n髙木 一子,タカギ イチコ,1985-07-07,女,678901,1000001,東京都,千代田区千代田1-1,,03-1234-5678,\n"
    );
    let page = upload(tokyo, "/office/members/import", "one.csv", csv.as_bytes()).await;
    let batch = batch_id(&page);
    (batch, stored(app, "678901").await)
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn printed_postcards_carry_credentials_that_log_in_and_are_never_stored() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    let (batch, member) = import_one(&app, &mut tokyo).await;
    // Imported, not printed: no password anyone knows.
    assert!(!member.password_hash.starts_with("$argon2"), "{}", member.password_hash);

    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("はがきのPDFを作る（1名分）"), "{}", page.body);

    let pages = postcard_pages(&print_postcards(&mut tokyo, batch, false).await);
    assert_eq!(pages.len(), 1, "one page per postcard");
    let card = &pages[0];
    for printed in
        [member.login_id.as_str(), "東京都千代田区千代田1-1", "髙木", "様", "東京都医師会"]
    {
        assert!(card.contains(printed), "{printed} missing from: {card}");
    }
    let password = printed_password(card);
    assert!(!password.contains(['0', 'O', '1', 'l', 'I']), "{password}");
    assert_eq!(audited(&app, "members.postcards_issued").await, 1);

    // Only the hash is kept: the clear password is nowhere in the database.
    assert_eq!(places_holding(&app, &password).await, Vec::<String>::new());
    let member = stored(&app, "678901").await;
    assert!(member.password_hash.starts_with("$argon2id$"), "{}", member.password_hash);

    // The member logs in with what the postcard says.
    let mut doctor = app.browser();
    let page = doctor.login(&member.login_id, &password).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut stranger = app.browser();
    let page = stranger.login(&member.login_id, "wrong-password").await;
    assert_ne!(page.status, StatusCode::SEE_OTHER);

    // Once the member has chosen their own password (postcard gone), nothing is printed.
    sqlx::query("DELETE FROM member_postcards").execute(&app.pool).await.unwrap();
    let again = print_postcards(&mut tokyo, batch, true).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let page = tokyo.get(&format!("/office/members/batches/{batch}")).await;
    assert!(page.body.contains("全員が初回ログインを済ませています"), "{}", page.body);
}

#[tokio::test]
async fn printing_again_is_a_confirmed_audited_reissue_that_voids_the_old_postcards() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    let (batch, member) = import_one(&app, &mut tokyo).await;
    let old =
        printed_password(&postcard_pages(&print_postcards(&mut tokyo, batch, false).await)[0]);

    // Pressing print again without the confirmation prints nothing: it leads to the
    // confirmation page, which says what will stop working.
    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards")).await;
    assert!(page.body.contains("再発行の確認へ進む"), "{}", page.body);
    assert!(!page.body.contains("postcards.pdf"), "no one-click reprint");
    let unconfirmed = print_postcards(&mut tokyo, batch, false).await;
    assert_eq!(unconfirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        unconfirmed.headers["location"],
        format!("/office/members/batches/{batch}/postcards/reissue").as_str()
    );
    assert_eq!(audited(&app, "members.postcards_reissued").await, 0);
    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards/reissue")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("これまでに印刷したはがき（1名分"), "{}", page.body);
    assert!(page.body.contains("使えなくなります"));

    let new = printed_password(&postcard_pages(&print_postcards(&mut tokyo, batch, true).await)[0]);
    assert_ne!(old, new);
    assert_eq!(audited(&app, "members.postcards_reissued").await, 1);
    let (who, count): (Option<i64>, i64) = sqlx::query_as(
        "SELECT actor_account_id, (after->>'postcards')::bigint FROM audit_log
         WHERE action = 'members.postcards_reissued'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(who.is_some());
    assert_eq!(count, 1);
    assert!(
        places_holding(&app, &old).await.is_empty() && places_holding(&app, &new).await.is_empty()
    );

    // The old postcard is refused with a message that says why and what to do.
    let mut doctor = app.browser();
    let page = doctor.login(&member.login_id, &old).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("再発行により使えなくなりました"), "{}", page.body);
    assert!(page.body.contains("医師会にご連絡ください"));
    assert_eq!(audited(&app, "auth.login_refused_postcard").await, 1);
    let page = doctor.login(&member.login_id, &new).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn an_expired_initial_password_is_refused_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    let (batch, member) = import_one(&app, &mut tokyo).await;
    let password =
        printed_password(&postcard_pages(&print_postcards(&mut tokyo, batch, false).await)[0]);

    app.clock.advance(chrono::Duration::days(mamis::domain::postcard::INITIAL_PASSWORD_VALID_DAYS));
    let mut doctor = app.browser();
    let page = doctor.login(&member.login_id, &password).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("有効期限が過ぎています"), "{}", page.body);
    assert!(page.body.contains("ご所属の医師会にご連絡"));
    // A wrong password still gets the plain answer (nothing told about the account).
    let page = doctor.login(&member.login_id, "Wrong-pass-77").await;
    assert!(!page.body.contains("有効期限"), "{}", page.body);
    // Staff see it and reissue.
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards")).await;
    assert!(page.body.contains("期限切れです"), "{}", page.body);
    let new = printed_password(&postcard_pages(&print_postcards(&mut tokyo, batch, true).await)[0]);
    let page = doctor.login(&member.login_id, &new).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn jma_imports_into_each_rows_prefecture() {
    let app = TestApp::spawn().await;
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/members/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let csv = format!(
        "{HEADER}\n\
         中村 四郎,ナカムラ シロウ,1970-04-01,男,444444,5300001,大阪府,大阪市北区1,大阪市医師会,06-1234-5678,\n\
         中村 五郎,ナカムラ ゴロウ,1970-05-01,男,555555,1000001,東京都,千代田区5,,03-1234-5678,\n"
    );
    let page = upload(&mut jma, "/office/members/import", "jma.csv", csv.as_bytes()).await;
    batch_id(&page);
    let osaka = stored(&app, "444444").await;
    assert_eq!(osaka.prefecture_code, Some(27));
    assert_eq!(osaka.member_association.as_deref(), Some("大阪市医師会"));
    let tokyo = stored(&app, "555555").await;
    assert_eq!(tokyo.member_association.as_deref(), Some("東京都医師会"));
}

#[tokio::test]
async fn batches_are_seen_only_by_the_importing_association_and_jma() {
    let app = TestApp::spawn().await;
    osaka_staff(&app).await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/members/import").await;
    let csv = format!(
        "{HEADER}\n髙木 一子,タカギ イチコ,1985-07-07,女,678901,1000001,東京都,千代田区1,,03-1234-5678,\n"
    );
    let batch =
        batch_id(&upload(&mut tokyo, "/office/members/import", "one.csv", csv.as_bytes()).await);
    let pages = [
        format!("/office/members/batches/{batch}"),
        format!("/office/members/batches/{batch}/postcards"),
    ];

    let mut jma = app.signed_in("jma").await;
    for path in &pages {
        assert_eq!(jma.get(path).await.status, StatusCode::OK, "jma {path}");
    }
    let mut osaka = app.signed_in("osaka").await;
    for path in &pages {
        let page = osaka.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "osaka {path}");
        assert!(!page.body.contains("タカギ") && !page.body.contains("髙木"));
    }
    let reissue = format!("/office/members/batches/{batch}/postcards/reissue");
    assert_eq!(osaka.get(&reissue).await.status, StatusCode::NOT_FOUND);
    let print = format!("/office/members/batches/{batch}/postcards.pdf");
    let page = osaka.post(&print, &[("reissue", "yes")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "osaka prints nothing");
    // Osaka's own list does not show Tokyo's batch either.
    let page = osaka.get("/office/members/import").await;
    assert!(!page.body.contains(&format!("/office/members/batches/{batch}")));
    for login in ["chiyoda", "doctor"] {
        let mut b = app.signed_in(login).await;
        for path in pages.iter().chain([&reissue]) {
            assert_eq!(b.get(path).await.status, StatusCode::FORBIDDEN, "{login} {path}");
        }
        let page = b.post(&print, &[("reissue", "yes")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{login} prints nothing");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM member_postcards WHERE issued_at IS NOT NULL").await,
        0,
        "no one else issued a password"
    );
    // JMA may print them.
    let pages = postcard_pages(&print_postcards(&mut jma, batch, false).await);
    assert_eq!(pages.len(), 1);
    assert_eq!(audited(&app, "members.postcards_issued").await, 1);
}

#[tokio::test]
async fn municipal_staff_and_physicians_may_not_import() {
    let app = TestApp::spawn().await;
    let before = counts(&app).await;
    for login in ["chiyoda", "doctor"] {
        let mut b = app.signed_in(login).await;
        for path in ["/office/members/import", "/office/members/template.csv"] {
            let page = b.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{login} {path}");
        }
        let csv = format!(
            "{HEADER}\n髙木 一子,タカギ イチコ,1985-07-07,女,678901,1000001,東京都,千代田区1,,03-1234-5678,\n"
        );
        let page = upload(&mut b, "/office/members/import", "x.csv", csv.as_bytes()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{login}");
    }
    assert_eq!(counts(&app).await, before);
    // Anonymous visitors are sent to log in.
    let mut anonymous = app.browser();
    let page = anonymous.get("/office/members/import").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_template_is_excel_ready_and_reimportable() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    let page = tokyo.get("/office/members/template.csv").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(page.body, format!("\u{FEFF}{HEADER}\r\n"));
    // The template with one row filled in is accepted as is.
    tokyo.get("/office/members/import").await;
    let filled = format!(
        "{}髙木 一子,タカギ イチコ,1985-07-07,女,678901,1000001,東京都,千代田区1,,03-1234-5678,\r\n",
        page.body
    );
    let page = upload(&mut tokyo, "/office/members/import", "t.csv", filled.as_bytes()).await;
    batch_id(&page);
}

#[tokio::test]
async fn files_over_five_megabytes_are_refused() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/members/import").await;
    let before = counts(&app).await;
    let mut big = format!("{HEADER}\n").into_bytes();
    big.resize(5 * 1024 * 1024 + 100, b'a');
    let page = upload(&mut tokyo, "/office/members/import", "big.csv", &big).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("ファイルが大きすぎます（5MBまで）"), "{}", page.body);
    assert_eq!(counts(&app).await, before);

    // Above the site-wide 2 MB form limit but within 5 MB: accepted (blank lines are skipped).
    let mut large = format!(
        "{HEADER}\r\n髙木 一子,タカギ イチコ,1985-07-07,女,678901,1000001,東京都,千代田区1,,03-1234-5678,\r\n"
    )
    .into_bytes();
    large.resize(4 * 1024 * 1024, b'\n');
    let page = upload(&mut tokyo, "/office/members/import", "large.csv", &large).await;
    batch_id(&page);
}
