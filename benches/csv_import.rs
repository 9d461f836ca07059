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

#[path = "support/attendees.rs"]
mod attendees;

use std::time::{Duration, Instant};

use attendees::{BOUNDARY, ROWS};
use mamis::clock::Clock;
use mamis::config::Config;
use mamis::state::AppState;
use reqwest::redirect::Policy;

const RUNS: usize = 5;

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| Config::DEFAULT_DATABASE_URL.to_string())
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
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
    let body = attendees::multipart_body(csv);

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
    attendees::seed(&pool).await.expect("seed physicians");

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

    let csv = attendees::attendee_csv();
    println!("CSV: {ROWS} rows, {} bytes, Shift_JIS", csv.len());

    // A warm-up run (connections, caches), not counted.
    let (_, work) = attendees::seminar(&pool, "ベンチマーク研修会 0", today).await.unwrap();
    let (p, c) = run(&base_url, &work, &csv).await;
    println!("warm-up: preview {} ms + commit {} ms", p.as_millis(), c.as_millis());

    let mut totals = Vec::with_capacity(RUNS);
    for i in 1..=RUNS {
        let (_, work) =
            attendees::seminar(&pool, &format!("ベンチマーク研修会 {i}"), today).await.unwrap();
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
