//! Benchmark: preview + commit of a 10,000-row Shift_JIS attendee CSV through the real HTTP
//! handlers, on a database holding 100,000 registered physicians.
//!
//!     cargo bench --bench csv_import
//!
//! Creates its own database (mamis_bench_<random>, dropped at the end) on the server named by
//! DATABASE_URL (default: postgres://postgres@127.0.0.1:5432), starts the portal in this process
//! on 127.0.0.1:0, and times N runs, each on a fresh seminar so that every commit really
//! inserts. The rows are a realistic mix: most match a physician, some match nobody, some have
//! the number of a physician with another birth date. Prints each run, the median and the
//! server's peak memory (VmHWM: the server runs in this process), and ends with
//! `RESULT csv_import_10000_ms=<median> server_peak_rss_mb=<n>`. Set MAMIS_BENCH_KEEP_DB=1 to
//! keep the database for a look afterwards.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use mamis::clock::Clock;
use mamis::config::Config;
use mamis::db::{seminars, work_pages};
use mamis::state::AppState;
use reqwest::redirect::Policy;
use rust_decimal::Decimal;
use sqlx::PgPool;

const PHYSICIANS: i64 = 100_000;
const ROWS: usize = 10_000;
const RUNS: usize = 5;
const BOUNDARY: &str = "----mamis-bench-boundary-c2Vt8Qn";

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| Config::DEFAULT_DATABASE_URL.to_string())
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// The birth date the database gives physician `n` (see `seed`).
fn birth_of(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1945, 1, 1).unwrap() + Days::new((n * 7 % 20_000) as u64)
}

async fn seed(pool: &PgPool) {
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
             prefecture_code, terms_version, terms_accepted_at, details_confirmed_at,
             registration_completed_at, created_at, updated_at)
         SELECT '医師' || g, 'イシ' , DATE '1945-01-01' + (g * 7 % 20000)::int,
                CASE WHEN g % 3 = 0 THEN 'female' ELSE 'male' END, (100000 + g)::text,
                '03-1234-5678', (g % 47 + 1)::smallint, NULL, now(), now(), now(), now(), now()
         FROM generate_series(1, $1::bigint) AS g",
    )
    .bind(PHYSICIANS)
    .execute(pool)
    .await
    .expect("seed physicians");
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
    println!("seeded {PHYSICIANS} registered physicians in {:?}", started.elapsed());
}

/// An approved seminar (granting 生涯研修 更新 1 and 専門 2 units) and its work page path.
async fn seminar(pool: &PgPool, run: usize, today: NaiveDate) -> String {
    let now = Clock::system().now();
    let mut conn = pool.acquire().await.unwrap();
    let units =
        [("lifelong_renewal", Decimal::new(1, 0)), ("lifelong_specialized", Decimal::new(2, 0))];
    let held = today - Days::new(7);
    let title = format!("ベンチマーク研修会 {run}");
    let id = seminars::create(
        &mut conn,
        &seminars::NewSeminar {
            programme: "occupational",
            title: &title,
            starts_on: held,
            ends_on: held,
            format: "in_person",
            venue: "東京都千代田区",
            organizer_association_id: None,
            organizer_name: "ベンチマーク主催者",
            contact_name: "担当",
            contact_email: "bench@example.jp",
            contact_phone: Some("03-0000-0000"),
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
    format!("/work/{token}")
}

const FAMILY: [&str; 12] = [
    "山田", "佐藤", "鈴木", "髙橋", "田中", "渡邊", "伊藤", "中村", "小林", "加藤", "﨑山", "齋藤",
];
const FAMILY_KANA: [&str; 12] = [
    "ﾔﾏﾀﾞ",
    "サトウ",
    "ｽｽﾞｷ",
    "タカハシ",
    "ﾀﾅｶ",
    "ワタナベ",
    "イトウ",
    "ﾅｶﾑﾗ",
    "コバヤシ",
    "ｶﾄｳ",
    "サキヤマ",
    "サイトウ",
];
const GIVEN: [&str; 8] = ["太郎", "花子", "一郎", "次郎", "美咲", "健", "直子", "翔"];
const GIVEN_KANA: [&str; 8] =
    ["タロウ", "ﾊﾅｺ", "イチロウ", "ジロウ", "ﾐｻｷ", "ケン", "ナオコ", "ショウ"];

/// 10,000 attendees as Excel saves them (Shift_JIS, CRLF): 85% match a physician, 10% match
/// nobody, 5% carry a physician's number with another birth date. Dates in several spellings.
fn attendee_csv() -> Vec<u8> {
    let mut text = String::with_capacity(ROWS * 120);
    text.push_str(
        "漢字氏名,フリガナ,生年月日,性別,医籍登録番号,メールアドレス,電話番号,FAX番号,単位_生涯研修 更新,単位_生涯研修 専門\r\n",
    );
    for i in 0..ROWS {
        let n = (i as i64 * 9 + 1) % PHYSICIANS + 1;
        let (registry, birth) = match i % 20 {
            0 | 1 => (format!("{}", 900_000 + i), birth_of(n)),
            2 => (format!("{}", 100_000 + n), birth_of(n) + Days::new(1)),
            _ => (format!("{}", 100_000 + n), birth_of(n)),
        };
        let birth = match i % 4 {
            0 => birth.format("%Y/%-m/%-d").to_string(),
            1 => birth.format("%Y-%m-%d").to_string(),
            2 => birth.format("%Y%m%d").to_string(),
            _ => birth.format("%Y年%-m月%-d日").to_string(),
        };
        let f = i % FAMILY.len();
        let g = i % GIVEN.len();
        let sex = if i % 3 == 0 { "女" } else { "男" };
        let partial = if i % 10 == 0 { "0.5" } else { "" };
        let registry = if i % 7 == 0 { format!("第{registry}号") } else { registry };
        text.push_str(&format!(
            "{} {},{} {},{birth},{sex},{registry},attendee{i}@example.jp,03-{:04}-{:04},,{partial},\r\n",
            FAMILY[f],
            GIVEN[g],
            FAMILY_KANA[f],
            GIVEN_KANA[g],
            i % 10_000,
            (i * 7) % 10_000
        ));
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn multipart_body(content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"attendees.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = text.find(before)? + before.len();
    let end = text[start..].find(after)? + start;
    Some(&text[start..end])
}

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb.div_ceil(1024))
        .unwrap_or(0)
}

/// One run: open the upload page (session cookie + CSRF token), upload → preview, commit.
/// Returns (preview, commit) durations.
async fn run(base_url: &str, work: &str, csv: &[u8]) -> (Duration, Duration) {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap();
    let page = client.get(format!("{base_url}{work}/credits/upload")).send().await.unwrap();
    let html = page.text().await.unwrap();
    let csrf =
        between(&html, "name=\"csrf_token\" value=\"", "\"").expect("a CSRF token").to_string();
    let body = multipart_body(csv);

    let started = Instant::now();
    let response = client
        .post(format!("{base_url}{work}/credits/upload?csrf_token={csrf}"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let html = response.text().await.unwrap();
    let preview = started.elapsed();
    assert_eq!(status, 200, "preview failed: {}", &html[..html.len().min(2000)]);
    let ok = between(&html, "<span id=\"rows-ok\">", "<").unwrap_or("?").to_string();
    assert_eq!(ok, ROWS.to_string(), "every row is valid");
    let id = between(&html, "/credits/uploads/", "/").expect("the upload id").to_string();

    let started = Instant::now();
    let response = client
        .post(format!("{base_url}{work}/credits/uploads/{id}/commit"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let commit = started.elapsed();
    assert_eq!(
        response.status(),
        303,
        "commit failed: {}",
        response.text().await.unwrap_or_default()
    );
    (preview, commit)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let name = format!("mamis_bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let admin_url = with_database(&server_url(), "postgres");
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("PostgreSQL is reachable");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
    let url = with_database(&server_url(), &name);

    let outcome = tokio::spawn(measure(url)).await;

    if std::env::var_os("MAMIS_BENCH_KEEP_DB").is_some() {
        println!("kept database {name} (MAMIS_BENCH_KEEP_DB)");
    } else {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    }
    admin.close().await;
    match outcome {
        Ok(line) => println!("{line}"),
        Err(e) => panic!("benchmark failed: {e}"),
    }
}

async fn measure(url: String) -> String {
    let pool = mamis::db::connect(&url, 10).await.unwrap();
    mamis::db::migrate(&pool).await.unwrap();
    seed(&pool).await;

    let clock = Clock::system();
    let today = clock.today();
    let mut config = Config::for_tests(&url);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    config.base_url = base_url.clone();
    let state = AppState::new(pool.clone(), config, clock);
    let server = tokio::spawn(async move {
        let _ = mamis::serve(listener, state).await;
    });

    let csv = attendee_csv();
    println!("CSV: {ROWS} rows, {} bytes, Shift_JIS", csv.len());

    // A warm-up run (connections, caches), not counted.
    let work = seminar(&pool, 0, today).await;
    let (p, c) = run(&base_url, &work, &csv).await;
    println!("warm-up: preview {} ms + commit {} ms", p.as_millis(), c.as_millis());

    let mut totals = Vec::with_capacity(RUNS);
    for i in 1..=RUNS {
        let work = seminar(&pool, i, today).await;
        let (preview, commit) = run(&base_url, &work, &csv).await;
        let total = preview + commit;
        println!(
            "run {i}: preview {} ms + commit {} ms = {} ms",
            preview.as_millis(),
            commit.as_millis(),
            total.as_millis()
        );
        totals.push(total);
    }
    let credits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM credits").fetch_one(&pool).await.unwrap();
    let matched: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT (seminar_id, registry_number)) FROM credits WHERE match_status = 'matched'")
            .fetch_one(&pool)
            .await
            .unwrap();
    println!("credits written: {credits} ({matched} attendee registrations matched)");
    totals.sort();
    let median = totals[totals.len() / 2].as_millis();
    let rss = peak_rss_mb();
    println!("median: {median} ms; server peak RSS: {rss} MB");
    server.abort();
    pool.close().await;
    format!("RESULT csv_import_10000_ms={median} server_peak_rss_mb={rss}")
}
