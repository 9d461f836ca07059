//! Benchmark: the renewal credit-check .xlsx (単位確認) for 5,000 renewal applicants of one
//! prefecture, on a database of 100,000 physicians and 2,000,000 credits.
//!
//!     cargo bench --bench renewal_xlsx
//!
//! Creates its own database (mamis_bench_<random>, dropped at the end) on the server named by
//! DATABASE_URL (default: postgres://postgres@127.0.0.1:5432), seeds it with bulk
//! INSERT … SELECT generate_series, then times N runs of what the download does (the query and
//! the workbook), prints each run, the median and the peak memory of this process (VmHWM), and
//! ends with `RESULT renewal_xlsx_5000_ms=<median> peak_rss_mb=<n> …` (the bare aggregate,
//! `pgbench -S` at 64 clients and the workbook in pgbench lookups' time follow). Set MAMIS_BENCH_KEEP_DB=1
//! to keep the database for a look afterwards.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use mamis::config::Config;
use sqlx::PgPool;

#[path = "support/baseline.rs"]
mod baseline;

const PHYSICIANS: i64 = 100_000;
const CREDITS: i64 = 2_000_000;
const SEMINARS: i64 = 2_000;
const APPLICANTS: i64 = 5_000;
const PREFECTURE: i16 = 13;
const RUNS: usize = 5;

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| Config::DEFAULT_DATABASE_URL.to_string())
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

async fn exec(pool: &PgPool, what: &str, sql: &str) {
    let started = Instant::now();
    sqlx::query(sql).execute(pool).await.unwrap_or_else(|e| panic!("seed {what}: {e}"));
    println!("seeded {what} in {:?}", started.elapsed());
}

/// Physicians 1..=5,000 live in the benchmarked prefecture and have applied for renewal; every
/// physician has an occupational certification (valid 2021-08-01 – 2026-07-31) and 20 credits
/// at seminars spread over 2019–2026 (some outside the validity period), half of them Web.
async fn seed(pool: &PgPool) {
    exec(
        pool,
        "physicians",
        &format!(
            "INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
                 postal_code, address, prefecture_code, registration_completed_at, created_at,
                 updated_at)
             SELECT '医師 ' || g, 'イシ', DATE '1945-01-01' + (g * 7 % 20000)::int,
                    CASE WHEN g % 3 = 0 THEN 'female' ELSE 'male' END, (100000 + g)::text,
                    '03-1234-5678', '100-0001', '東京都千代田区' || g,
                    CASE WHEN g <= {APPLICANTS} THEN {PREFECTURE} ELSE (g % 47 + 1) END::smallint,
                    now(), now(), now()
             FROM generate_series(1, {PHYSICIANS}) AS g"
        ),
    )
    .await;
    exec(
        pool,
        "certifications",
        "WITH c AS (INSERT INTO certifications (programme, certificate_number, registry_number,
                         birth_date, physician_id, created_at, updated_at)
                     SELECT 'occupational', lpad((1000000 + id)::text, 7, '0'), registry_number,
                            birth_date, id, now(), now()
                     FROM physicians RETURNING id)
         INSERT INTO certification_terms (certification_id, valid_from, valid_until, origin,
             created_at)
         SELECT id, DATE '2021-08-01', DATE '2026-07-31', 'imported', now() FROM c",
    )
    .await;
    exec(
        pool,
        "seminars",
        &format!(
            "INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
                 organizer_name, contact_name, contact_email, contact_phone,
                 approving_prefecture_code, status, created_at, updated_at)
             SELECT 'occupational', '研修会 ' || g, DATE '2019-04-01' + (g * 13 % 2600)::int,
                    DATE '2019-04-01' + (g * 13 % 2600)::int,
                    CASE WHEN g % 2 = 0 THEN 'web' ELSE 'in_person' END, '会場', '医師会', '担当',
                    'x@example.jp', '03-0000-0000', (g % 47 + 1)::smallint, 'approved', now(), now()
             FROM generate_series(1, {SEMINARS}) AS g"
        ),
    )
    .await;
    // Credit g: physician p = g % PHYSICIANS + 1, k = g / PHYSICIANS (0..19) picks a seminar
    // distinct per physician and the category.
    exec(
        pool,
        "credits",
        &format!(
            "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date,
                 sex, email, phone, category, units, format, physician_id, match_status,
                 registered_at, updated_at)
             SELECT s.id, p.registry_number, p.kanji_name, p.furigana, p.birth_date, p.sex,
                    'p@example.jp', '03-0000-0000',
                    (ARRAY['lifelong_renewal', 'lifelong_practical', 'lifelong_specialized'])[x.k % 3 + 1],
                    (1 + x.g % 3)::numeric / 2, s.format, p.id, 'matched', now(), now()
             FROM (SELECT g, g % {PHYSICIANS} + 1 AS pid, g / {PHYSICIANS} AS k
                   FROM generate_series(0, {CREDITS} - 1) AS g) x
             JOIN physicians p ON p.id = x.pid
             JOIN seminars s ON s.id = (x.k * 100 + x.pid % 100) % {SEMINARS} + 1"
        ),
    )
    .await;
    exec(
        pool,
        "applications",
        &format!(
            "INSERT INTO applications (physician_id, programme, kind, certification_id,
                 prefecture_code, receiving_association_id, status, fee_paid_at, submitted_at,
                 created_at, updated_at)
             SELECT c.physician_id, 'occupational', 'renewal', c.id, {PREFECTURE}, a.id,
                    (ARRAY['submitted', 'municipal_received', 'prefecture_approved'])[c.physician_id % 3 + 1],
                    CASE WHEN c.physician_id % 2 = 0 THEN now() END,
                    now() - make_interval(mins => c.physician_id::int), now(), now()
             FROM certifications c
             JOIN associations a ON a.kind = 'prefectural' AND a.prefecture_code = {PREFECTURE}
             WHERE c.physician_id <= {APPLICANTS}"
        ),
    )
    .await;
    exec(
        pool,
        "declared credits",
        "INSERT INTO declared_credits (application_id, category, format, units, attended_on, source)
         SELECT a.id, cat, 'in_person', 2, DATE '2023-05-01', 'handbook'
         FROM applications a
         CROSS JOIN unnest(ARRAY['lifelong_renewal', 'lifelong_specialized']) AS cat",
    )
    .await;
    exec(pool, "statistics", "ANALYZE").await;
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

async fn bench(pool: &PgPool) -> String {
    seed(pool).await;
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let started = Instant::now();
        let rows = mamis::db::exports::renewal_check(pool, PREFECTURE).await.unwrap();
        let queried = started.elapsed();
        let bytes = mamis::export::xlsx::renewal_check(PREFECTURE, today, &rows).unwrap();
        let total = started.elapsed();
        assert_eq!(rows.len() as i64, APPLICANTS);
        println!(
            "run {run}: {} ms (query {} ms, workbook {} ms; {} rows, {} KB)",
            total.as_millis(),
            queried.as_millis(),
            (total - queried).as_millis(),
            rows.len(),
            bytes.len() / 1024
        );
        times.push(total);
    }
    times.sort();
    let median = times[RUNS / 2].as_millis();
    let rss = peak_rss_mb();
    println!("median: {median} ms; peak RSS: {rss} MB");

    // PostgreSQL's ceiling for the same work: the bare aggregate (the applicants' matched
    // credits summed per category and format, no validity window, no declared credits, no
    // workbook), fetched the same way, RUNS times.
    let mut bare = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let started = Instant::now();
        let rows: Vec<(i64, String, String, rust_decimal::Decimal)> = sqlx::query_as(
            "SELECT c.physician_id, c.category, c.format, SUM(c.units)
             FROM applications a
             JOIN credits c ON c.physician_id = a.physician_id
             WHERE a.prefecture_code = $1 AND a.kind = 'renewal'
               AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
             GROUP BY 1, 2, 3",
        )
        .bind(PREFECTURE)
        .fetch_all(pool)
        .await
        .unwrap();
        let took = started.elapsed().as_secs_f64() * 1000.0;
        println!("bare aggregate run {run}: {took:.0} ms ({} rows)", rows.len());
        bare.push(took);
    }
    let bare_ms = baseline::median_ms(bare);
    let ratio = median as f64 / bare_ms.max(0.001);
    println!("median bare aggregate: {bare_ms:.0} ms; workbook / bare aggregate: {ratio:.2}×");
    // Issue 15's yardstick: the workbook in pgbench lookups' time (ms × tps / 1000), with
    // `pgbench -S` at 64 clients on the same server in the same run (target ≤ 5,000).
    let pgbench = baseline::pgbench_select_only(&server_url(), 64, 5);
    let (tps, lookups) = match &pgbench {
        Some(p) => {
            println!("{}", p.line());
            (p.tps, median as f64 * p.tps / 1000.0)
        }
        None => {
            println!("pgbench not available: no baseline");
            (0.0, 0.0)
        }
    };
    println!("workbook in pgbench lookups' time: {lookups:.0} (target ≤ 5,000)");
    format!(
        "RESULT renewal_xlsx_5000_ms={median} peak_rss_mb={rss} bare_aggregate_ms={bare_ms:.0} xlsx_to_aggregate={ratio:.2} pgbench_s_tps={tps:.0} xlsx_in_lookups={lookups:.0}"
    )
}

#[tokio::main]
async fn main() {
    let name = format!(
        "mamis_bench_{}",
        uuid::Uuid::new_v4().simple().to_string().get(..12).unwrap_or("x")
    );
    let admin_url = with_database(&server_url(), "postgres");
    let admin = PgPool::connect(&admin_url).await.expect("PostgreSQL is reachable");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
    println!("database {name}");
    let pool = mamis::db::connect(&with_database(&server_url(), &name), 4).await.unwrap();
    mamis::db::migrate(&pool).await.unwrap();

    let outcome = tokio::spawn({
        let pool = pool.clone();
        async move { bench(&pool).await }
    })
    .await;
    pool.close().await;
    if std::env::var("MAMIS_BENCH_KEEP_DB").is_err() {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    }
    admin.close().await;
    match outcome {
        Ok(result) => println!("{result}"),
        Err(e) => panic!("benchmark failed: {e}"),
    }
}
