//! The organizer API (issue 14, part 2): tokens issued, shown once and revoked on the work page;
//! every endpoint; per-row results identical to the CSV preview's; idempotent commits; another
//! seminar's credits out of reach; the rate limit; a 10,000-row batch.

use std::time::Instant;

use chrono::NaiveDate;
use mamis::db::{api_tokens, credits, seminars, work_pages};
use reqwest::{Client, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::common::{Page, TestApp};

const BOUNDARY: &str = "----mamis-api-boundary-Qw81ZpLm";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An occupational seminar (outside organizer, Tokyo) on 2025-04-05 granting 生涯研修 更新 1
/// and 専門 2 units, with its work page. Returns (seminar id, work page path).
async fn seminar_with(app: &TestApp, title: &str, status: &str) -> (i64, String) {
    let now = app.clock.now();
    let mut conn = app.pool.acquire().await.unwrap();
    let units =
        [("lifelong_renewal", Decimal::new(10, 1)), ("lifelong_specialized", Decimal::new(2, 0))];
    let id = seminars::create(
        &mut conn,
        &seminars::NewSeminar {
            programme: "occupational",
            title,
            starts_on: date(2025, 4, 5),
            ends_on: date(2025, 4, 5),
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
    seminar_with(app, "産業医研修会（API）", "approved").await
}

/// An API token issued from the work page at `base` (its path), directly.
async fn token_for(app: &TestApp, base: &str) -> String {
    let work_token = base.trim_start_matches("/work/");
    let mut conn = app.pool.acquire().await.unwrap();
    api_tokens::issue(&mut conn, work_token, "試験", app.clock.now()).await.unwrap().unwrap().1
}

/// reqwest is built without its `json` feature here.
fn json_body(req: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    req.header("content-type", "application/json").body(serde_json::to_vec(body).unwrap())
}

struct Api {
    client: Client,
    base: String,
    token: String,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

impl Api {
    fn new(app: &TestApp, token: &str) -> Api {
        Api { client: Client::new(), base: app.base.clone(), token: token.to_string() }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let r = req.bearer_auth(&self.token).send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, headers, json }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(json_body(self.client.post(format!("{}{path}", self.base)), body)).await
    }

    async fn batch(&self, rows: Value) -> Answer {
        self.post("/api/v1/credits/batches", &json!({ "rows": rows })).await
    }

    async fn commit(&self, id: i64, key: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .client
            .post(format!("{}/api/v1/credits/batches/{id}/commit", self.base))
            .header("idempotency-key", key);
        if let Some(body) = body {
            req = json_body(req, &body);
        }
        self.send(req).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(self.client.delete(format!("{}{path}", self.base))).await
    }
}

fn attendee(name: &str, furigana: &str, birth: &str, registry: &str) -> Value {
    json!({
        "kanji_name": name, "furigana": furigana, "birth_date": birth, "sex": "男",
        "registry_number": registry, "email": "a@example.jp", "phone": "03-1111-2222",
    })
}

fn assert_problem(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{}", answer.json);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert_eq!(answer.json["status"], status.as_u16());
    assert_eq!(answer.json["type"], "about:blank");
    assert!(answer.json["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", answer.json);
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

#[tokio::test]
async fn the_work_page_issues_a_token_once_lists_it_and_revokes_it() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let mut b = app.browser();
    let home = b.get(&base).await;
    assert!(home.body.contains(&format!("{base}/api\"")), "the work page links to the API page");
    let page = b.get(&format!("{base}/api")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/api/openapi.json"), "the page points to the document");
    assert!(page.body.contains("lifelong_renewal"), "the seminar's category codes are listed");
    assert_eq!(page.headers["cache-control"], "no-store, private");

    // The form is CSRF-protected like every other.
    let forged = b.post_raw(&format!("{base}/api/tokens"), &[("name", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let empty = b.post(&format!("{base}/api/tokens"), &[("name", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("トークンの名前を入力してください"));

    let issued = b.post(&format!("{base}/api/tokens"), &[("name", "受付システム")]).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let start = issued.body.find(">mamis_").expect("the token is shown") + 1;
    let token = issued.body[start..start + 70].to_string();
    assert!(token.starts_with("mamis_") && token[6..].bytes().all(|c| c.is_ascii_hexdigit()));
    let stored: String =
        sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_one(&app.pool).await.unwrap();
    assert_ne!(stored, token, "only the hash is stored");
    assert_eq!(stored, mamis::db::tokens::hash(&token));

    let api = Api::new(&app, &token);
    let seminar = api.get("/api/v1/seminar").await;
    assert_eq!(seminar.status, StatusCode::OK, "{}", seminar.json);
    assert_eq!(seminar.json["id"], seminar_id);

    // Shown once: the page does not show it again, only its first characters.
    let again = b.get(&format!("{base}/api")).await;
    assert!(!again.body.contains(&token), "never shown twice");
    assert!(again.body.contains(&token[..12]), "the hint tells tokens apart");
    assert!(again.body.contains("受付システム"));

    let id: i64 =
        sqlx::query_scalar("SELECT id FROM api_tokens").fetch_one(&app.pool).await.unwrap();
    let revoked = b.post(&format!("{base}/api/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let after = b.get(&format!("{base}/api")).await;
    assert!(after.body.contains("取り消しました"), "{}", after.body);
    let refused = api.get("/api/v1/seminar").await;
    assert_problem(&refused, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers["www-authenticate"], "Bearer");

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'api_token.%' AND entity_id = $1 ORDER BY id",
    )
    .bind(seminar_id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["api_token.issue", "api_token.revoke"]);

    // A token lives as long as the work-page URL it was issued from: staff reissuing a leaked
    // URL cuts off the tokens made with it.
    let api = Api::new(&app, &token_for(&app, &base).await);
    assert_eq!(api.get("/api/v1/seminar").await.status, StatusCode::OK);
    let mut conn = app.pool.acquire().await.unwrap();
    let fresh = work_pages::issue(&mut conn, seminar_id, None, app.clock.now()).await.unwrap();
    drop(conn);
    assert_problem(&api.get("/api/v1/seminar").await, StatusCode::UNAUTHORIZED);
    let new_page = b.get(&format!("/work/{fresh}/api")).await;
    assert!(new_page.body.contains("まだ発行していません"), "the new URL starts with no tokens");
}

#[tokio::test]
async fn without_a_valid_token_every_endpoint_answers_401_and_no_cookie_is_set() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let good = token_for(&app, &base).await;
    for token in
        ["", "nonsense", "mamis_0000000000000000000000000000000000000000000000000000000000000000"]
    {
        let api = Api::new(&app, token);
        for answer in [
            api.get("/api/v1/seminar").await,
            api.get("/api/v1/credits").await,
            api.batch(json!([])).await,
            api.commit(1, "k", None).await,
            api.delete("/api/v1/credits/123456").await,
        ] {
            assert_problem(&answer, StatusCode::UNAUTHORIZED);
        }
    }
    // No session, no CSRF cookie: nothing here rides on a cookie.
    let api = Api::new(&app, &good);
    let answer = api.get("/api/v1/seminar").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.headers.get("set-cookie").is_none(), "{:?}", answer.headers);
    assert_eq!(answer.headers["cache-control"], "no-store");
    let unknown = api.get("/api/v1/nothing").await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let r = Client::new().get(format!("{}/api/openapi.json", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 5, "{:?}", paths.keys().collect::<Vec<_>>());
    assert!(paths["/api/v1/credits/{registry_number}"]["delete"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn the_seminar_endpoint_tells_what_it_grants_and_whether_it_takes_credits() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    let s = api.get("/api/v1/seminar").await;
    assert_eq!(s.status, StatusCode::OK);
    assert_eq!(s.json["title"], "産業医研修会（API）");
    assert_eq!(s.json["accepting"], true);
    assert_eq!(s.json["due_date"], "2025-05-05");
    assert_eq!(s.json["grants"][0]["category"], "lifelong_renewal");
    assert_eq!(s.json["grants"][1]["units"], "2");

    let (_, pending) = seminar_with(&app, "承認前の研修会", "submitted").await;
    let api = Api::new(&app, &token_for(&app, &pending).await);
    let s = api.get("/api/v1/seminar").await;
    assert_eq!(s.json["accepting"], false);
    let refused =
        api.batch(json!([attendee("山田 太郎", "ヤマダ タロウ", "1970-05-15", "123456")])).await;
    assert_problem(&refused, StatusCode::CONFLICT);
    assert!(refused.json["detail"].as_str().unwrap().contains("単位を登録できません"));
    assert_eq!(app.count("SELECT count(*) FROM credit_uploads").await, 0);
}

/// The rows of the comparison: each kind of outcome the preview knows.
fn mixed_rows() -> Vec<(Value, &'static str)> {
    vec![
        (attendee("山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "1970-05-15", "１２３４５６"), "ok"),
        (attendee("鈴木 花子", "スズキ ハナコ", "昭和45年5月15日", "第234567号"), "warning"),
        (attendee("佐藤 次郎", "サトウ ジロウ", "1969/2/30", "345678"), "error"),
        (
            json!({"kanji_name": "高橋 一郎", "furigana": "タカハシ イチロウ", "birth_date": "1980-01-01",
                   "sex": "M", "registry_number": "456789", "email": "t@example.jp"}),
            "error",
        ),
        (
            json!({"kanji_name": "田中 三郎", "furigana": "タナカ サブロウ", "birth_date": "1981-01-01",
                   "sex": "男", "registry_number": "567890", "email": "t@example.jp",
                   "fax": "03-9999-0000", "units": {"lifelong_specialized": 3, "lifelong_renewal": "0"}}),
            "error",
        ),
        (
            json!({"kanji_name": "伊藤 四郎", "furigana": "イトウ シロウ", "birth_date": "1982-01-01",
                   "sex": "女性", "registry_number": "678901", "email": "not-an-address",
                   "phone": "03-1111-2222"}),
            "error",
        ),
        (
            json!({"kanji_name": "渡辺 五郎", "furigana": "ワタナベ ゴロウ", "birth_date": "1983-01-01",
                   "sex": "男", "registry_number": "789012", "email": "w@example.jp",
                   "phone": "03-1111-2222", "units": {"lifelong_specialized": 1.5}}),
            "ok",
        ),
    ]
}

/// The same rows as a CSV file, as an organizer would upload them.
fn as_csv(rows: &[Value]) -> String {
    let mut out = String::from("漢字氏名,フリガナ,生年月日（西暦）,性別,医籍登録番号,メールアドレス,電話番号,FAX番号,単位_生涯研修 更新,単位_生涯研修 専門\n");
    for r in rows {
        let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
        let unit = |k: &str| match &r["units"][k] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            n => n.to_string(),
        };
        out.push_str(
            &[
                s("kanji_name"),
                s("furigana"),
                s("birth_date"),
                s("sex"),
                s("registry_number"),
                s("email"),
                s("phone"),
                s("fax"),
                unit("lifelong_renewal"),
                unit("lifelong_specialized"),
            ]
            .join(","),
        );
        out.push('\n');
    }
    out
}

async fn upload_csv(app: &TestApp, base: &str, csv: &str) -> Page {
    let mut b = app.browser();
    b.get(&format!("{base}/credits/upload")).await;
    let token = b.csrf.clone().unwrap();
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(csv.as_bytes());
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

#[tokio::test]
async fn a_batch_gets_the_csv_previews_results_row_by_row() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    let rows = mixed_rows();
    let values: Vec<Value> = rows.iter().map(|(v, _)| v.clone()).collect();
    let batch = api.batch(Value::Array(values.clone())).await;
    assert_eq!(batch.status, StatusCode::CREATED, "{}", batch.json);
    let results = batch.json["rows"].as_array().unwrap();
    assert_eq!(results.len(), rows.len());
    for (i, ((_, status), result)) in rows.iter().zip(results).enumerate() {
        assert_eq!(result["status"], *status, "row {i}: {result}");
        assert_eq!(result["line"], i + 1);
    }
    assert_eq!(batch.json["rows_ok"], 2);
    assert_eq!(batch.json["rows_warning"], 1);
    assert_eq!(batch.json["rows_error"], 4);
    // Normalised values, with a notice for each change.
    let first = &results[0];
    assert_eq!(first["stored"]["furigana"], "ヤマダ\u{3000}タロウ");
    assert_eq!(first["stored"]["registry_number"], "123456");
    assert!(first["notices"].as_array().unwrap().iter().any(|n| n["field"] == "registry_number"
        && n["message"] == "医籍登録番号：「１２３４５６」を「123456」に直して登録します。"));
    assert_eq!(results[1]["warnings"][0]["field"], "birth_date");
    assert_eq!(results[1]["warnings"][0]["message"], "昭和45年5月15日を1970-05-15に変換しました。");
    assert_eq!(results[2]["errors"][0]["message"], "1969年2月30日は存在しない日付です。");
    assert_eq!(results[4]["errors"][0]["field"], "units.lifelong_specialized");
    assert_eq!(
        results[6]["stored"]["units"],
        json!([{"category": "lifelong_renewal", "label": "生涯研修 更新", "units": "1"}, {"category": "lifelong_specialized", "label": "生涯研修 専門", "units": "1.5"}])
    );
    assert_eq!(active_credits(&app, seminar_id).await, 0, "nothing registered before the commit");

    // The same rows as a CSV file through the work page: every row's outcome is the same
    // (status, reasons, stored values, notices), as both are kept for the preview.
    let page = upload_csv(&app, &base, &as_csv(&values)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM credit_uploads ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(ids[0], batch.json["id"].as_i64().unwrap(), "the batch is an upload of the seminar");
    let mut conn = app.pool.acquire().await.unwrap();
    let api_kept = credits::upload_preview(&mut conn, seminar_id, ids[0]).await.unwrap().unwrap();
    let csv_kept = credits::upload_preview(&mut conn, seminar_id, ids[1]).await.unwrap().unwrap();
    assert_eq!(api_kept.preview.len(), csv_kept.preview.len());
    for (i, (a, c)) in api_kept.preview.iter().zip(&csv_kept.preview).enumerate() {
        assert_eq!(
            (&a.status, &a.reasons, &a.stored, &a.notices),
            (&c.status, &c.reasons, &c.stored, &c.notices),
            "row {i}"
        );
        assert_eq!(
            results[i]["reasons"],
            json!(c.reasons),
            "row {i}: the API's reasons are the preview's"
        );
    }
    // The work page shows the batch among its uploads, and its preview opens.
    let mut b = app.browser();
    let home = b.get(&base).await;
    assert!(home.body.contains("（APIで送信）"), "{}", home.body);
    let preview = b.get(&format!("{base}/credits/uploads/{}", ids[0])).await;
    assert_eq!(preview.status, StatusCode::OK);
}

#[tokio::test]
async fn a_batch_with_a_duplicate_number_or_bad_input_is_answered_precisely() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    let twice = api
        .batch(json!([
            attendee("山田 太郎", "ヤマダ タロウ", "1970-05-15", "123456"),
            attendee("山田 太郎", "ヤマダ タロウ", "1970-05-15", "１２３４５６"),
        ]))
        .await;
    assert_eq!(twice.status, StatusCode::CREATED);
    assert_eq!(
        twice.json["rows"][1]["errors"][0]["message"],
        "医籍登録番号 123456 は1行目と重複しています（1人1行にしてください）。"
    );
    assert_problem(&api.batch(json!([])).await, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown =
        api.batch(json!([{"kanji_name": "山田 太郎", "units": {"lifelong_renewl": 1}}])).await;
    assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.json["errors"][0].as_str().unwrap().contains("lifelong_renewl"));
    let nul = api.batch(json!([{"kanji_name": "山田\u{0}太郎"}])).await;
    assert_problem(&nul, StatusCode::BAD_REQUEST);
    let not_json = api
        .send(api.client.post(format!("{}/api/v1/credits/batches", api.base)).body("rows"))
        .await;
    assert_problem(&not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = api
        .send(
            api.client
                .post(format!("{}/api/v1/credits/batches", api.base))
                .header("content-type", "application/json")
                .body("{\"rows\": ["),
        )
        .await;
    assert_problem(&broken, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count("SELECT count(*) FROM credit_uploads").await,
        1,
        "only the first was kept"
    );
}

#[tokio::test]
async fn a_commit_with_the_same_idempotency_key_registers_once_and_answers_the_same() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    let batch = api
        .batch(json!([
            attendee("山田 太郎", "ヤマダ タロウ", "1970-05-15", "123456"),
            attendee("佐藤 次郎", "サトウ ジロウ", "1968-02-29", "345678"),
        ]))
        .await;
    let id = batch.json["id"].as_i64().unwrap();
    assert_problem(&api.commit(id, "", None).await, StatusCode::BAD_REQUEST);

    let first = api.commit(id, "key-0001", None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    assert_eq!(first.json["counts"]["inserted"], 4);
    assert_eq!(first.json["counts"]["matched"], 2, "the demo doctor is matched");
    assert_eq!(first.json["counts"]["unmatched"], 2);
    assert!(first.json["message"]
        .as_str()
        .unwrap()
        .contains("受講者 2 名・単位 4 件を登録しました"));
    assert_eq!(active_credits(&app, seminar_id).await, 4);

    let again = api.commit(id, "key-0001", None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json, first.json, "the same answer");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(active_credits(&app, seminar_id).await, 4, "nothing added twice");
    let commits = app.count("SELECT count(*) FROM audit_log WHERE action = 'credits.commit'").await;
    assert_eq!(commits, 1, "one commit audited");

    // Another key for the same batch: committed already, nothing changes.
    let other = api.commit(id, "key-0002", None).await;
    assert_problem(&other, StatusCode::CONFLICT);
    // The first key for another request: refused, not answered with the first result.
    let batch2 =
        api.batch(json!([attendee("鈴木 花子", "スズキ ハナコ", "1975-06-03", "234567")])).await;
    let id2 = batch2.json["id"].as_i64().unwrap();
    assert_problem(&api.commit(id2, "key-0001", None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&api.commit(999_999, "key-0003", None).await, StatusCode::NOT_FOUND);

    // Two commits of one batch under one key at the same time: one registers, both answer alike.
    let (a, b) = tokio::join!(api.commit(id2, "key-0004", None), api.commit(id2, "key-0004", None));
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(a.json, b.json);
    assert_eq!(active_credits(&app, seminar_id).await, 6);
    let audit: Value = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'credits.commit' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit["via"]["name"], "試験", "the audit log names the token");
    assert_eq!(audit["upload_id"], id);
}

#[tokio::test]
async fn credits_are_listed_page_by_page_and_withdrawn_as_on_the_work_page() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    let rows: Vec<Value> = (0..5)
        .map(|i| {
            attendee(
                "試験 太郎",
                &format!("シケン タロウ{}", ["ア", "イ", "ウ", "エ", "オ"][i]),
                "1970-01-01",
                &format!("90000{i}"),
            )
        })
        .collect();
    let batch = api.batch(Value::Array(rows)).await;
    let id = batch.json["id"].as_i64().unwrap();
    assert_eq!(api.commit(id, "list-1", None).await.status, StatusCode::OK);

    let page = api.get("/api/v1/credits?per_page=2&page=2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    assert_eq!(page.json["total"], 5);
    let attendees = page.json["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 2);
    assert_eq!(attendees[0]["registry_number"], "900002");
    assert_eq!(attendees[0]["credits"].as_array().unwrap().len(), 2);
    let found = api.get("/api/v1/credits?q=900004").await;
    assert_eq!(found.json["total"], 1);
    assert_problem(&api.get("/api/v1/credits?per_page=0").await, StatusCode::BAD_REQUEST);
    assert_problem(&api.get("/api/v1/credits?page=x").await, StatusCode::BAD_REQUEST);

    let gone = api.delete("/api/v1/credits/900003").await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.json);
    assert_eq!(gone.json["withdrawn"], 2);
    assert_problem(&api.delete("/api/v1/credits/900003").await, StatusCode::NOT_FOUND);
    assert_problem(&api.delete("/api/v1/credits/abc").await, StatusCode::NOT_FOUND);
    assert_eq!(active_credits(&app, seminar_id).await, 8);
    let listed = api.get("/api/v1/credits?q=900003").await;
    assert_eq!(listed.json["attendees"][0]["credits"][0]["withdrawn"], true);
    let audit: Value = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'credits.withdraw' AND entity_id = $1",
    )
    .bind(seminar_id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit["via"]["name"], "試験");
    // The work page shows the withdrawal too.
    let mut b = app.browser();
    let list = b.get(&format!("{base}/credits?q=900003")).await;
    assert!(list.body.contains("取り消し"), "{}", list.body);

    // Sending the withdrawn attendee again: marked, skipped unless revived.
    let again =
        api.batch(json!([attendee("試験 太郎", "シケン タロウエ", "1970-01-01", "900003")])).await;
    assert_eq!(again.json["rows"][0]["prior"], "取り消し済み");
    let skipped = api.commit(again.json["id"].as_i64().unwrap(), "list-2", None).await;
    assert_eq!(skipped.json["counts"]["skipped"], 1);
    assert_eq!(active_credits(&app, seminar_id).await, 8);
    let back =
        api.batch(json!([attendee("試験 太郎", "シケン タロウエ", "1970-01-01", "900003")])).await;
    let revived = api
        .commit(back.json["id"].as_i64().unwrap(), "list-3", Some(json!({"revive": ["900003"]})))
        .await;
    assert_eq!(revived.json["counts"]["skipped"], 0, "{}", revived.json);
    assert_eq!(active_credits(&app, seminar_id).await, 10);
}

#[tokio::test]
async fn another_seminars_batches_and_credits_are_out_of_reach() {
    let app = TestApp::spawn().await;
    let (mine, my_page) = seminar(&app).await;
    let (theirs, their_page) = seminar_with(&app, "ほかの主催者の研修会", "approved").await;
    let me = Api::new(&app, &token_for(&app, &my_page).await);
    let them = Api::new(&app, &token_for(&app, &their_page).await);
    let their_batch =
        them.batch(json!([attendee("山田 太郎", "ヤマダ タロウ", "1970-05-15", "123456")])).await;
    let their_id = their_batch.json["id"].as_i64().unwrap();
    assert_problem(&me.commit(their_id, "steal-1", None).await, StatusCode::NOT_FOUND);
    assert_eq!(them.commit(their_id, "theirs-1", None).await.status, StatusCode::OK);
    let mine_list = me.get("/api/v1/credits").await;
    assert_eq!(mine_list.json["total"], 0, "their credits are not in my list");
    assert_problem(&me.delete("/api/v1/credits/123456").await, StatusCode::NOT_FOUND);
    assert_eq!(active_credits(&app, theirs).await, 2, "their credits stay");
    assert_eq!(me.get("/api/v1/seminar").await.json["id"], mine);
    // Keys are per seminar: the same key elsewhere is another key.
    let my_batch =
        me.batch(json!([attendee("佐藤 次郎", "サトウ ジロウ", "1968-02-29", "345678")])).await;
    let mine_commit = me.commit(my_batch.json["id"].as_i64().unwrap(), "theirs-1", None).await;
    assert_eq!(mine_commit.status, StatusCode::OK, "{}", mine_commit.json);
}

#[tokio::test]
async fn a_token_over_its_rate_limit_gets_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    assert_eq!(api.get("/api/v1/seminar").await.status, StatusCode::OK);
    let token_id: i64 =
        sqlx::query_scalar("SELECT id FROM api_tokens").fetch_one(&app.pool).await.unwrap();
    let limit = mamis::domain::rate_limit::API_PER_TOKEN;
    // The counter as if the window's requests were spent (the test clock does not move).
    sqlx::query("UPDATE rate_limits SET hits = $2 WHERE key = $1")
        .bind(mamis::domain::rate_limit::key(&limit, &token_id.to_string()))
        .bind(limit.max)
        .execute(&app.pool)
        .await
        .unwrap();
    let refused = api.get("/api/v1/seminar").await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another token is not held up.
    let other = Api::new(&app, &token_for(&app, &base).await);
    assert_eq!(other.get("/api/v1/seminar").await.status, StatusCode::OK);
}

#[tokio::test]
async fn ten_thousand_attendees_in_one_batch_get_their_results_and_register() {
    let app = TestApp::spawn().await;
    let (seminar_id, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    let rows: Vec<Value> = (0..10_000)
        .map(|i| {
            let mut row =
                attendee("試験 太郎", "シケン タロウ", "1970-01-01", &format!("{}", 1_000_000 + i));
            if i % 1000 == 999 {
                row["birth_date"] = json!("1970-13-01");
            }
            row
        })
        .collect();
    let started = Instant::now();
    let batch = api.batch(Value::Array(rows)).await;
    let checked = started.elapsed();
    assert_eq!(batch.status, StatusCode::CREATED, "{}", batch.json);
    assert_eq!(batch.json["rows_total"], 10_000);
    assert_eq!(batch.json["rows_ok"], 9_990);
    assert_eq!(batch.json["rows_error"], 10);
    let results = batch.json["rows"].as_array().unwrap();
    assert_eq!(results.len(), 10_000);
    assert_eq!(results[999]["status"], "error");
    assert_eq!(results[999]["line"], 1000);
    let started = Instant::now();
    let done = api.commit(batch.json["id"].as_i64().unwrap(), "big-1", None).await;
    let committed = started.elapsed();
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(done.json["counts"]["inserted"], 19_980);
    assert_eq!(active_credits(&app, seminar_id).await, 19_980);
    eprintln!("10,000-row batch: checked in {checked:?}, committed in {committed:?}");
    assert!(checked.as_secs() < 60 && committed.as_secs() < 60, "{checked:?} {committed:?}");
}

#[tokio::test]
async fn during_a_maintenance_window_the_api_answers_503_with_retry_after() {
    let app = TestApp::spawn().await;
    let (_, base) = seminar(&app).await;
    let api = Api::new(&app, &token_for(&app, &base).await);
    app.clock.set(mamis::clock::parse_jst("2025-04-02 10:00").unwrap());
    let stopped = api.get("/api/v1/seminar").await;
    assert_problem(&stopped, StatusCode::SERVICE_UNAVAILABLE);
    assert!(stopped.json["detail"].as_str().unwrap().contains("2025年4月7日 0:00 に再開します"));
    let retry: i64 = stopped.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 3600, "{retry}");
    let batch =
        api.batch(json!([attendee("山田 太郎", "ヤマダ タロウ", "1970-05-15", "123456")])).await;
    assert_problem(&batch, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.count("SELECT count(*) FROM credit_uploads").await, 0);
}
