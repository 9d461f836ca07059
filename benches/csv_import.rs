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
//! server's peak memory (VmHWM: the server runs in this process).
//!
//! Then a 20,000-attendee Web seminar (issue 10): preview + commit timed the same way (its
//! median must stay within 2.2× the 10,000-row median of the same run: linear), and the work
//! page's paginated credit list (100 attendees a page, pages spread over the whole list) under
//! `LIST_CONCURRENCY` concurrent clients for `LIST_SECONDS`: its p99, against PostgreSQL's own
//! single-row primary-key lookup mean latency at the same concurrency (`pgbench -S` on a
//! scale-1 pgbench database in the same server, measured in the same run; when pgbench is not
//! installed, an in-process loop of primary-key lookups over the portal's pool).
//!
//! Ends with `RESULT csv_import_10000_ms=<median> csv_import_20000_web_ms=<median>
//! credit_list_p99_ms=<n> server_peak_rss_mb=<n>`. Set MAMIS_BENCH_KEEP_DB=1 to keep the
//! database for a look afterwards.

#[path = "support/attendees.rs"]
mod attendees;
#[path = "support/baseline.rs"]
mod baseline;

use std::time::{Duration, Instant};

use attendees::{BOUNDARY, ROWS};
use mamis::clock::Clock;
use mamis::config::Config;
use mamis::state::AppState;
use reqwest::redirect::Policy;

const RUNS: usize = 5;
const WEB_ROWS: usize = 20_000;
const WEB_RUNS: usize = 3;
/// Concurrent clients on the credit list: the work page's own limit (`work_limit`), so that
/// the figure is the list's, not the queue's.
const LIST_CONCURRENCY: usize = mamis::web::work::limit::PER_WORK_PAGE;
const LIST_SECONDS: u64 = 8;

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
async fn run(base_url: &str, work: &str, csv: &[u8], rows: usize) -> (Duration, Duration) {
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
    assert_eq!(ok, rows.to_string(), "every row is valid");
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
    let (p, c) = run(&base_url, &work, &csv, ROWS).await;
    println!("warm-up: preview {} ms + commit {} ms", p.as_millis(), c.as_millis());

    let mut totals = Vec::with_capacity(RUNS);
    for i in 1..=RUNS {
        let (_, work) =
            attendees::seminar(&pool, &format!("ベンチマーク研修会 {i}"), today).await.unwrap();
        let (preview, commit) = run(&base_url, &work, &csv, ROWS).await;
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
    println!("median (10,000 rows): {median} ms");

    // PostgreSQL's ceiling for the same work: the rows run 1 stored, written again with one
    // COPY into the same table (a fresh seminar each time), RUNS times.
    let first_run: i64 =
        sqlx::query_scalar("SELECT id FROM seminars WHERE title = 'ベンチマーク研修会 1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut copies = Vec::with_capacity(RUNS);
    for i in 1..=RUNS {
        let (target, _) = attendees::seminar(&pool, &format!("COPY基準 {i}"), today).await.unwrap();
        let (rows, took) = copy_baseline(&pool, first_run, target).await;
        println!("COPY run {i}: {rows} credit rows in {:.0} ms", took.as_secs_f64() * 1000.0);
        copies.push(took.as_secs_f64() * 1000.0);
    }
    let copy_ms = baseline::median_ms(copies);
    let import_to_copy = median as f64 / copy_ms.max(0.001);
    println!("median COPY: {copy_ms:.0} ms; import (preview + commit) / COPY: {import_to_copy:.1}× (issue 15 target ≤ 2.5×)");

    // The 20,000-attendee Web seminar.
    let web_csv = attendees::attendee_csv_of(WEB_ROWS);
    println!("Web CSV: {WEB_ROWS} rows, {} bytes, Shift_JIS", web_csv.len());
    let mut web_totals = Vec::with_capacity(WEB_RUNS);
    let mut last_work = String::new();
    for i in 1..=WEB_RUNS {
        let (_, work) =
            attendees::seminar_as(&pool, &format!("Web研修会 {i}"), today, "web").await.unwrap();
        let (preview, commit) = run(&base_url, &work, &web_csv, WEB_ROWS).await;
        let total = preview + commit;
        println!(
            "web run {i}: preview {} ms + commit {} ms = {} ms",
            preview.as_millis(),
            commit.as_millis(),
            total.as_millis()
        );
        web_totals.push(total);
        last_work = work;
    }
    web_totals.sort();
    let web_median = web_totals[web_totals.len() / 2].as_millis();
    let ratio = web_median as f64 / median.max(1) as f64;
    println!(
        "median (20,000 rows, Web): {web_median} ms; ratio to 10,000 rows: {ratio:.2} (limit 2.2: {})",
        if ratio <= 2.2 { "linear" } else { "NOT linear" }
    );

    // Its credit list under concurrent load, and PostgreSQL's single-row lookups alike.
    sqlx::query("ANALYZE credits").execute(&pool).await.unwrap();
    let list = credit_list_load(&base_url, &last_work).await;
    println!(
        "credit list (100 a page, pages 1–{}, {LIST_CONCURRENCY} clients, {LIST_SECONDS} s): {} requests, mean {:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        WEB_ROWS / 100,
        list.count,
        list.mean,
        list.p50,
        list.p99,
        list.max
    );
    let in_process = pk_lookup_loop(&pool).await;
    println!(
        "in-process primary-key lookups ({LIST_CONCURRENCY} clients over the portal's pool): mean {in_process:.3} ms"
    );
    let pgbench = baseline::pgbench_select_only(&url, LIST_CONCURRENCY, LIST_SECONDS);
    let reference = match pgbench {
        Some(p) => {
            println!("{}", p.line());
            p.mean_ms
        }
        None => {
            println!("pgbench not available: the in-process loop is the reference");
            in_process
        }
    };
    let list_ratio = list.p99 / reference.max(0.001);
    println!("credit list p99 / single-row lookup mean: {list_ratio:.1}× (limit 5×)");

    let rss = peak_rss_mb();
    println!("server peak RSS: {rss} MB");
    server.abort();
    pool.close().await;
    format!(
        "RESULT csv_import_10000_ms={median} csv_import_20000_web_ms={web_median} credit_list_p99_ms={:.1} server_peak_rss_mb={rss} copy_10000_ms={copy_ms:.0} import_to_copy={import_to_copy:.2} pgbench_s_mean_ms={reference:.3} pgbench_s_tps={:.0} credit_list_p99_to_pgbench={list_ratio:.1}",
        list.p99,
        pgbench.map(|p| p.tps).unwrap_or(0.0)
    )
}

struct Latencies {
    count: usize,
    mean: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

fn latencies(mut ms: Vec<f64>) -> Latencies {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    Latencies {
        count: ms.len(),
        mean: ms.iter().sum::<f64>() / ms.len() as f64,
        p50: at(0.50),
        p99: at(0.99),
        max: ms[ms.len() - 1],
    }
}

/// `LIST_CONCURRENCY` clients reading the credit list's pages for `LIST_SECONDS`.
async fn credit_list_load(base_url: &str, work: &str) -> Latencies {
    let deadline = Instant::now() + Duration::from_secs(LIST_SECONDS);
    let pages = WEB_ROWS / 100;
    let mut tasks = Vec::new();
    for c in 0..LIST_CONCURRENCY {
        let url = format!("{base_url}{work}/credits");
        tasks.push(tokio::spawn(async move {
            // An organizer's browser: the session cookie is kept between pages.
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap();
            let mut ms = Vec::new();
            let mut i = c * 37;
            while Instant::now() < deadline {
                let page = i % pages + 1;
                i += 1;
                let started = Instant::now();
                let response = client.get(format!("{url}?page={page}")).send().await.unwrap();
                let status = response.status();
                let body = response.bytes().await.unwrap();
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(
                    status,
                    200,
                    "{}",
                    String::from_utf8_lossy(&body[..body.len().min(500)])
                );
            }
            ms
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    latencies(all)
}

/// Mean latency of single-row primary-key lookups, `LIST_CONCURRENCY` at a time on `pool`.
async fn pk_lookup_loop(pool: &sqlx::PgPool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(LIST_SECONDS);
    let mut tasks = Vec::new();
    for c in 0..LIST_CONCURRENCY {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut ms = Vec::new();
            let mut id = 1 + c as i64 * 7919;
            while Instant::now() < deadline {
                id = id * 48271 % 100_000 + 1;
                let started = Instant::now();
                let _: Option<String> =
                    sqlx::query_scalar("SELECT kanji_name FROM physicians WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&pool)
                        .await
                        .unwrap();
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            ms
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    latencies(all).mean
}

/// Copies the credits of seminar `from` into seminar `to` with one `COPY … FROM STDIN`: the
/// rows are read out as COPY text first (not timed); the time is the COPY's alone. Returns
/// (rows, time).
async fn copy_baseline(pool: &sqlx::PgPool, from: i64, to: i64) -> (u64, Duration) {
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'credits'
           AND column_name <> 'id' AND is_generated = 'NEVER'
         ORDER BY ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // COPY text format: NULL is \N; backslash, tab, newline and CR are escaped.
    let fields: Vec<String> = columns
        .iter()
        .map(|c| {
            if c == "seminar_id" {
                format!("'{to}'")
            } else {
                format!(
                    "COALESCE(replace(replace(replace(replace({c}::text, '\\', '\\\\'),
                         E'\\t', E'\\\\\\t'), E'\\n', E'\\\\\\n'), E'\\r', E'\\\\\\r'), '\\N')"
                )
            }
        })
        .collect();
    let data: String = sqlx::query_scalar(&format!(
        "SELECT COALESCE(string_agg(concat_ws(E'\\t', {}), E'\\n'), '') || E'\\n'
         FROM credits WHERE seminar_id = $1",
        fields.join(", ")
    ))
    .bind(from)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(&format!("COPY credits ({}) FROM STDIN", columns.join(", ")))
        .await
        .unwrap();
    copy.send(data.as_bytes()).await.unwrap();
    let rows = copy.finish().await.unwrap();
    (rows, started.elapsed())
}
