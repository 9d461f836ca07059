//! Load benchmark: the portal under 64 concurrent users, on the national data set.
//!
//!     cargo bench --bench load
//!
//! Uses the database `mamis_national` on DATABASE_URL's server (BENCH_DATABASE_URL names
//! another database); an empty or missing one is first filled with
//! `mamis demo --scale national` (100,000 physicians, 20,000 seminars; see `mamis::national`).
//! BENCH_DATASET=small uses the small demo data set instead (every physician user is `doctor`,
//! staff is `tokyo`, and the benchmark issues work pages for seminars it adds itself).
//!
//! Starts the release binary (`mamis serve --no-demo`, mail worker off) on a free port, then
//! runs five scenarios one after the other, each with BENCH_CONCURRENCY (64) virtual users,
//! each user on its own keep-alive connection, for BENCH_SECONDS (10) after BENCH_WARMUP (2)
//! unmeasured seconds:
//! - physicians: each user signs in as a different physician, then views /mypage and the
//!   credit history (/mypage/credits/print) in turn; the sign-in (GET + POST /login) is
//!   reported on its own line;
//! - staff: 東京都医師会's staff (pref13) open the application queue and a 50-row list
//!   (/office/watch);
//! - organizer: work pages of random seminars;
//! - finder: the public seminar finder (/seminars/find), unfiltered and filtered, anonymous;
//! - trivial: /healthz, the server's ceiling on this machine in this run.
//!
//! An error is a transport error or any answer but 2xx (a redirect to /login, a 503 …).
//! Prints a table per page and the server's peak RSS (VmHWM), and ends with
//! `RESULT mypage_p99_ms=<n> mypage_rps=<n> trivial_rps=<n> ratio=<n> errors=<n> rss_mb=<n>`.

#[path = "support/attendees.rs"]
mod attendees;
#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/loadgen.rs"]
mod loadgen;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loadgen::{print_table, scenario, Conn, Plan, Row, Timing};
use mamis::clock::Clock;
use mamis::config::Config;
use mamis::db::work_pages;
use mamis::national::ids as national;
use rust_decimal::Decimal;

const SMALL_SEMINARS: u32 = 50;

struct Settings {
    database_url: String,
    small: bool,
    seed: u64,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
    /// BENCH_ONLY=physicians,trivial runs only those scenarios (for profiling).
    only: Option<Vec<String>>,
}

impl Settings {
    fn runs(&self, scenario: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|s| s == scenario))
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("a database URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

impl Settings {
    fn from_env() -> Settings {
        let server =
            std::env::var("DATABASE_URL").unwrap_or_else(|_| Config::DEFAULT_DATABASE_URL.into());
        Settings {
            database_url: std::env::var("BENCH_DATABASE_URL")
                .unwrap_or_else(|_| with_database(&server, "mamis_national")),
            small: std::env::var("BENCH_DATASET").is_ok_and(|v| v == "small"),
            seed: env_or("BENCH_SEED", national::DEFAULT_SEED),
            concurrency: env_or("BENCH_CONCURRENCY", 64),
            seconds: env_or("BENCH_SECONDS", 10),
            warmup: env_or("BENCH_WARMUP", 2),
            only: std::env::var("BENCH_ONLY")
                .ok()
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
        }
    }
}

/// Who signs in and which work pages exist, for the chosen data set.
struct Dataset {
    physicians: Vec<String>,
    staff: String,
    work_pages: Vec<String>,
}

async fn account_count(url: &str) -> i64 {
    let Ok(pool) = sqlx::PgPool::connect(url).await else { return 0 };
    let count = sqlx::query_scalar("SELECT count(*) FROM accounts").fetch_one(&pool).await;
    pool.close().await;
    count.unwrap_or(0)
}

fn generate(settings: &Settings) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mamis"));
    command.arg("demo").env("DATABASE_URL", &settings.database_url).env("MAIL_WORKER", "0");
    if !settings.small {
        command.args(["--scale", "national", "--seed", &settings.seed.to_string()]);
    }
    println!("generating the data set: {command:?}");
    let started = Instant::now();
    let status = command.status().expect("the mamis binary runs");
    assert!(status.success(), "data set generation failed ({status}); see above");
    println!("generated in {:.0?}", started.elapsed());
}

async fn dataset(settings: &Settings) -> Dataset {
    if account_count(&settings.database_url).await == 0 {
        generate(settings);
    }
    if !settings.small {
        return Dataset {
            physicians: (1..=100_000).map(national::physician_login_id).collect(),
            staff: national::prefectural_staff_login_id(13),
            work_pages: (1..=20_000)
                .map(|n| format!("/work/{}", national::work_page_token(settings.seed, n)))
                .collect(),
        };
    }
    // The small demo has one physician and no seminars: add seminars and issue their work
    // pages (tokens are stored hashed, so they are issued afresh on every run).
    let pool = mamis::db::connect(&settings.database_url, 2).await.expect("database");
    let now = Clock::system().now();
    let mut conn = pool.acquire().await.unwrap();
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM seminars WHERE title LIKE 'ベンチマーク研修会%' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let units = [("lifelong_renewal", Decimal::new(1, 0))];
    let held = now.date_naive() - chrono::Days::new(7);
    for n in ids.len() as u32..SMALL_SEMINARS {
        let title = format!("ベンチマーク研修会 {}", n + 1);
        ids.push(attendees::create_seminar(&mut conn, &title, &units, held, now).await.unwrap());
    }
    let mut pages = Vec::new();
    for id in ids {
        let token = work_pages::issue(&mut conn, id, None, now).await.unwrap();
        pages.push(format!("/work/{token}"));
    }
    drop(conn);
    pool.close().await;
    Dataset { physicians: vec!["doctor".into()], staff: "tokyo".into(), work_pages: pages }
}

/// The release server as a child process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    async fn start(settings: &Settings) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::env::temp_dir().join("mamis-bench-load-server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_mamis"))
            .args(["serve", "--no-demo"])
            .env("DATABASE_URL", &settings.database_url)
            .env("BIND", &addr)
            .env("MAIL_WORKER", "0")
            .env("MAIL_OUTBOX_DIR", std::env::temp_dir().join("mamis-bench-load-mail"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("server log file"))
            .spawn()
            .expect("the mamis binary starts");
        let server = Server { child, addr };
        let started = Instant::now();
        loop {
            if let Ok(mut conn) = Conn::open(&server.addr).await {
                if conn.get("/healthz").await.is_ok_and(|r| r.status.is_success()) {
                    break;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(60), "server did not start: {log:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!("server pid {} on {} (log: {})", server.child.id(), server.addr, log.display());
        server
    }

    fn peak_rss_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb.div_ceil(1024))
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() {
    let threads = env_or("BENCH_CLIENT_THREADS", 1usize);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let settings = Settings::from_env();
    println!(
        "load benchmark: {} data set in {}, {} users, {} s per scenario after {} s warm-up",
        if settings.small { "small" } else { "national" },
        settings.database_url,
        settings.concurrency,
        settings.seconds,
        settings.warmup
    );
    let data = dataset(&settings).await;
    let server = Server::start(&settings).await;
    let addrs = [server.addr.clone()];
    let n = settings.concurrency;
    let timing = Timing {
        warmup: Duration::from_secs(settings.warmup),
        measure: Duration::from_secs(settings.seconds),
    };

    // Physicians: a different one per user (the national set has 100,000), spread out.
    let stride = (data.physicians.len() / n).max(1);
    let physician_pages: Arc<Vec<(&'static str, Vec<String>)>> = Arc::new(vec![
        ("mypage", vec!["/mypage".into()]),
        ("credit history", vec!["/mypage/credits/print".into()]),
    ]);
    let plans = (0..n)
        .map(|i| Plan {
            login_as: Some(data.physicians[(i * stride) % data.physicians.len()].clone()),
            pages: physician_pages.clone(),
        })
        .collect();
    let mut physicians = Vec::new();
    if settings.runs("physicians") {
        physicians = scenario(timing, &addrs, plans, Some("login (GET+POST)")).await;
        print_table("physicians", &physicians);
    }

    let staff_pages: Arc<Vec<(&'static str, Vec<String>)>> = Arc::new(vec![
        ("office application queue", vec!["/office/applications".into()]),
        ("office watch list (50 rows)", vec!["/office/watch?page=1".into()]),
    ]);
    let plans = (0..n)
        .map(|_| Plan { login_as: Some(data.staff.clone()), pages: staff_pages.clone() })
        .collect();
    let mut staff = Vec::new();
    if settings.runs("staff") {
        staff = scenario(timing, &addrs, plans, Some("staff login")).await;
        print_table("staff (prefecture 13)", &staff);
    }

    let organizer_pages: Arc<Vec<(&'static str, Vec<String>)>> =
        Arc::new(vec![("work page", data.work_pages.clone())]);
    let plans = (0..n).map(|_| Plan { login_as: None, pages: organizer_pages.clone() }).collect();
    let mut organizer = Vec::new();
    if settings.runs("organizer") {
        organizer = scenario(timing, &addrs, plans, None).await;
        print_table("organizers", &organizer);
    }

    // The public seminar finder (issue 14), anonymous: unfiltered and filtered searches.
    let finder_pages: Arc<Vec<(&'static str, Vec<String>)>> = Arc::new(vec![(
        "seminar finder",
        [
            "/seminars/find",
            "/seminars/find?page=2",
            "/seminars/find?prefecture=13",
            "/seminars/find?category=lifelong_practical",
            "/seminars/find?prefecture=27&category=lifelong_specialized&format=web",
            "/seminars/find?programme=sports&from=2026-01-01",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    )]);
    let plans = (0..n).map(|_| Plan { login_as: None, pages: finder_pages.clone() }).collect();
    let mut finder = Vec::new();
    if settings.runs("finder") {
        finder = scenario(timing, &addrs, plans, None).await;
        print_table("seminar finder (anonymous)", &finder);
    }

    let trivial_pages: Arc<Vec<(&'static str, Vec<String>)>> =
        Arc::new(vec![("healthz", vec!["/healthz".into()])]);
    let plans = (0..n).map(|_| Plan { login_as: None, pages: trivial_pages.clone() }).collect();
    let mut trivial = Vec::new();
    if settings.runs("trivial") {
        trivial = scenario(timing, &addrs, plans, None).await;
        print_table("trivial", &trivial);
    }

    let rss = server.peak_rss_mb();
    drop(server);
    println!("\nserver peak RSS (VmHWM): {rss} MB");
    // PostgreSQL's ceiling at the same concurrency, in the same run on the same server.
    let pgbench = baseline::pgbench_select_only(&settings.database_url, n, settings.seconds);
    match &pgbench {
        Some(p) => println!("{}", p.line()),
        None => println!("pgbench not available: no baseline"),
    }
    let all: Vec<&Row> =
        physicians.iter().chain(&staff).chain(&organizer).chain(&finder).chain(&trivial).collect();
    let errors: u64 = all.iter().map(|r| r.errors).sum();
    let find = |name: &str| all.iter().find(|r| r.name == name).map(|r| (r.p99, r.rps));
    let (mypage_p99, mypage_rps) = find("mypage").unwrap_or((0.0, 0.0));
    let (_, trivial_rps) = find("healthz").unwrap_or((0.0, 0.0));
    let ratio = if trivial_rps > 0.0 { mypage_rps / trivial_rps } else { 0.0 };
    let (pg_tps, pg_mean) = pgbench.map(|p| (p.tps, p.mean_ms)).unwrap_or((0.0, 0.0));
    let share = |rps: f64| if pg_tps > 0.0 { rps / pg_tps } else { 0.0 };
    let (_, queue_rps) = find("office application queue").unwrap_or((0.0, 0.0));
    let (_, watch_rps) = find("office watch list (50 rows)").unwrap_or((0.0, 0.0));
    let (finder_p99, finder_rps) = find("seminar finder").unwrap_or((0.0, 0.0));
    println!(
        "share of pgbench -S tps: my page {:.1} % (target ≥ 25 %), queue {:.1} %, watch list {:.1} % (target ≥ 5 %); my page p99 / pgbench mean {:.1}× (target ≤ 5×)",
        share(mypage_rps) * 100.0,
        share(queue_rps) * 100.0,
        share(watch_rps) * 100.0,
        if pg_mean > 0.0 { mypage_p99 / pg_mean } else { 0.0 }
    );
    println!(
        "RESULT mypage_p99_ms={mypage_p99:.1} mypage_rps={mypage_rps:.0} trivial_rps={trivial_rps:.0} ratio={ratio:.3} errors={errors} rss_mb={rss} pgbench_s_tps={pg_tps:.0} pgbench_s_mean_ms={pg_mean:.3} mypage_share={:.3} mypage_p99_to_pgbench={:.1} queue_share={:.3} watch_share={:.3} finder_p99_ms={finder_p99:.1} finder_rps={finder_rps:.0}",
        share(mypage_rps),
        if pg_mean > 0.0 { mypage_p99 / pg_mean } else { 0.0 },
        share(queue_rps),
        share(watch_rps)
    );
}
