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
    assert!(takahashi.password_hash.starts_with("$argon2id$"));
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

#[tokio::test]
async fn postcard_credentials_log_in() {
    let app = TestApp::spawn().await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get("/office/members/import").await;
    let csv = format!(
        "{HEADER}\n髙木 一子,タカギ イチコ,1985-07-07,女,678901,1000001,東京都,千代田区千代田1-1,,03-1234-5678,\n"
    );
    let page = upload(&mut tokyo, "/office/members/import", "one.csv", csv.as_bytes()).await;
    let batch = batch_id(&page);
    let member = stored(&app, "678901").await;

    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards.csv")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(page.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    let body = page.body.strip_prefix('\u{FEFF}').expect("UTF-8 with BOM for Excel");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, ["郵便番号", "住所", "氏名", "ログインID", "初期パスワード"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(&row[0], "100-0001");
    assert_eq!(&row[1], "東京都千代田区千代田1-1");
    assert_eq!(&row[2], "髙木\u{3000}一子");
    assert_eq!(&row[3], member.login_id);
    let password = row[4].to_string();
    assert_eq!(password.len(), 12);
    assert!(!password.contains(['0', 'O', '1', 'l', 'I']), "{password}");

    // The printable postcards carry the same credentials; looking at them is recorded.
    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"postcard"));
    assert!(page.body.contains(&member.login_id) && page.body.contains(&password));
    assert!(page.body.contains("〒100-0001"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'members.postcards%'").await,
        2
    );

    // The member logs in with what the postcard says.
    let mut doctor = app.browser();
    let page = doctor.login(&member.login_id, &password).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut stranger = app.browser();
    let page = stranger.login(&member.login_id, "wrong-password").await;
    assert_ne!(page.status, StatusCode::SEE_OTHER);

    // Once the initial password is replaced (postcard gone), the list no longer shows it.
    sqlx::query("DELETE FROM member_postcards").execute(&app.pool).await.unwrap();
    let page = tokyo.get(&format!("/office/members/batches/{batch}/postcards.csv")).await;
    assert!(!page.body.contains(&member.login_id));
    let page = tokyo.get(&format!("/office/members/batches/{batch}")).await;
    assert!(page.body.contains("全員が初回ログインを済ませています"), "{}", page.body);
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
        format!("/office/members/batches/{batch}/postcards.csv"),
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
    // Osaka's own list does not show Tokyo's batch either.
    let page = osaka.get("/office/members/import").await;
    assert!(!page.body.contains(&format!("/office/members/batches/{batch}")));
    for login in ["chiyoda", "doctor"] {
        let mut b = app.signed_in(login).await;
        for path in &pages {
            assert_eq!(b.get(path).await.status, StatusCode::FORBIDDEN, "{login} {path}");
        }
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'members.postcards%'").await,
        2,
        "only JMA's two looks at the postcards were recorded"
    );
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
