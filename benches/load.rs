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

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
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

struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: Bytes,
}

/// One keep-alive HTTP/1.1 connection with the cookies it was given (the session's and, before
/// login, the CSRF cookie of a visitor without a session), as one `Cookie` header.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    cookie: Option<String>,
}

/// The `Cookie` header with `pair` (name=value) set in it.
fn merge_cookie(header: Option<&str>, pair: &str) -> String {
    let name = pair.split('=').next().unwrap_or("");
    let mut pairs: Vec<&str> = header
        .unwrap_or("")
        .split("; ")
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(name))
        .collect();
    pairs.push(pair);
    pairs.join("; ")
}

impl Conn {
    async fn open(addr: &str) -> Result<Conn, String> {
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        Ok(Conn { sender, host: addr.to_string(), cookie: None })
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<String>,
    ) -> Result<Answer, String> {
        let mut builder =
            Request::builder().method(method).uri(path).header(header::HOST, &self.host);
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        let body = match form {
            Some(form) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(form))
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder.body(body).map_err(|e| e.to_string())?;
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self.sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        for value in response.headers().get_all(header::SET_COOKIE) {
            if let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) {
                if pair.starts_with(mamis::web::SESSION_COOKIE)
                    || pair.starts_with(mamis::web::middleware::csrf::COOKIE)
                {
                    self.cookie = Some(merge_cookie(self.cookie.as_deref(), pair));
                }
            }
        }
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Answer { status, location, body })
    }

    async fn get(&mut self, path: &str) -> Result<Answer, String> {
        self.send(Method::GET, path, None).await
    }

    /// GET /login, POST /login; Ok when the portal answered with its home page redirect.
    async fn login(&mut self, login_id: &str) -> Result<(), String> {
        let page = self.get("/login").await?;
        if !page.status.is_success() {
            return Err(format!("GET /login: {}", page.status));
        }
        let html = String::from_utf8_lossy(&page.body);
        let marker = "name=\"csrf_token\" value=\"";
        let start = html.find(marker).ok_or("no CSRF token")? + marker.len();
        let end = html[start..].find('"').ok_or("no CSRF token")? + start;
        let form = serde_urlencoded::to_string([
            ("csrf_token", &html[start..end]),
            ("login_id", login_id),
            ("password", mamis::demo::DEMO_PASSWORD),
        ])
        .map_err(|e| e.to_string())?;
        let answer = self.send(Method::POST, "/login", Some(form)).await?;
        match (answer.status, answer.location.as_deref()) {
            (StatusCode::SEE_OTHER, Some(to)) if !to.starts_with("/login") => Ok(()),
            (status, to) => Err(format!("POST /login {login_id}: {status} {to:?}")),
        }
    }
}

/// Latencies (µs) and error count of one page.
#[derive(Default)]
struct Samples {
    micros: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl Samples {
    fn record(&mut self, took: Duration, outcome: Result<(), String>) {
        self.micros.push(took.as_micros().min(u32::MAX as u128) as u32);
        if let Err(e) = outcome {
            self.errors += 1;
            self.first_error.get_or_insert(e);
        }
    }

    fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

struct Row {
    name: String,
    requests: usize,
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    errors: u64,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn row(name: &str, mut samples: Samples, seconds: f64) -> Row {
    samples.micros.sort_unstable();
    if let Some(e) = &samples.first_error {
        println!("  {name}: {} errors, first: {e}", samples.errors);
    }
    Row {
        name: name.to_string(),
        requests: samples.micros.len(),
        rps: samples.micros.len() as f64 / seconds,
        p50: percentile(&samples.micros, 50.0),
        p95: percentile(&samples.micros, 95.0),
        p99: percentile(&samples.micros, 99.0),
        errors: samples.errors,
    }
}

fn check(answer: Result<Answer, String>) -> Result<(), String> {
    let answer = answer?;
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(format!("{} {:?}", answer.status, answer.location))
    }
}

/// What one virtual user does: sign in (if anyone), then request pages in turn.
#[derive(Clone)]
struct Plan {
    login_as: Option<String>,
    pages: Arc<Vec<(&'static str, Vec<String>)>>,
}

struct UserResult {
    login: Option<(Duration, Result<(), String>)>,
    pages: BTreeMap<&'static str, Samples>,
}

/// When the page views start: once every user has signed in (or failed to).
struct Start {
    /// Sign-ins go one at a time: the login throttle counts attempts in flight from one
    /// address (20), and 64 at once from 127.0.0.1 were refused with 429.
    signing_in: tokio::sync::Mutex<()>,
    signed_in: tokio::sync::Barrier,
    at: OnceLock<Instant>,
    warmup: Duration,
    measure: Duration,
}

async fn virtual_user(addr: String, plan: Plan, user: usize, start: Arc<Start>) -> UserResult {
    let mut result = UserResult { login: None, pages: BTreeMap::new() };
    let mut conn = match Conn::open(&addr).await {
        Ok(conn) => Some(conn),
        Err(e) => {
            result.pages.entry("connect").or_default().record(Duration::ZERO, Err(e));
            None
        }
    };
    if let (Some(c), Some(login_id)) = (conn.as_mut(), &plan.login_as) {
        let _turn = start.signing_in.lock().await;
        let started = Instant::now();
        let outcome = c.login(login_id).await;
        if outcome.is_err() {
            conn = None;
        }
        result.login = Some((started.elapsed(), outcome));
    }
    start.signed_in.wait().await;
    let Some(mut conn) = conn else { return result };
    let warm_until = *start.at.get_or_init(Instant::now) + start.warmup;
    let stop_at = warm_until + start.measure;
    // A cheap, per-user pseudo-random walk over each page's paths.
    let mut state = (user as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut turn = 0usize;
    loop {
        let now = Instant::now();
        if now >= stop_at {
            break;
        }
        let (name, paths) = &plan.pages[turn % plan.pages.len()];
        turn += 1;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let path = &paths[(state % paths.len() as u64) as usize];
        let started = Instant::now();
        let outcome = check(conn.get(path).await);
        if started >= warm_until {
            result.pages.entry(name).or_default().record(started.elapsed(), outcome);
        } else if outcome.is_err() {
            // Errors count even while warming up.
            result.pages.entry(name).or_default().record(started.elapsed(), outcome);
        }
        if conn.sender.is_closed() {
            match Conn::open(&addr).await {
                Ok(mut fresh) => {
                    fresh.cookie = conn.cookie.take();
                    conn = fresh;
                }
                Err(_) => break,
            }
        }
    }
    result
}

/// Runs one scenario: every user signs in (in parallel), then requests pages until the end.
async fn scenario(
    settings: &Settings,
    addr: &str,
    plans: Vec<Plan>,
    login_row: Option<&str>,
) -> Vec<Row> {
    let has_login = plans.iter().any(|p| p.login_as.is_some());
    let start = Arc::new(Start {
        signing_in: tokio::sync::Mutex::new(()),
        signed_in: tokio::sync::Barrier::new(plans.len()),
        at: OnceLock::new(),
        warmup: Duration::from_secs(settings.warmup),
        measure: Duration::from_secs(settings.seconds),
    });
    let handles: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(i, plan)| tokio::spawn(virtual_user(addr.to_string(), plan, i, start.clone())))
        .collect();
    let mut logins = Samples::default();
    let mut pages: BTreeMap<&'static str, Samples> = BTreeMap::new();
    for handle in handles {
        let result = handle.await.expect("a virtual user");
        if let Some((took, outcome)) = result.login {
            logins.record(took, outcome);
        }
        for (name, samples) in result.pages {
            pages.entry(name).or_default().merge(samples);
        }
    }
    let mut rows = Vec::new();
    if let (true, Some(name)) = (has_login, login_row) {
        // Sign-in throughput is not meaningful (one per user); its latencies are.
        let n = logins.micros.len();
        let mut r = row(name, logins, 1.0);
        r.rps = f64::NAN;
        r.requests = n;
        rows.push(r);
    }
    for (name, samples) in pages {
        rows.push(row(name, samples, settings.seconds as f64));
    }
    rows
}

fn print_table(title: &str, rows: &[Row]) {
    println!("\n## {title}");
    println!(
        "{:<28} {:>9} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"
    );
    for r in rows {
        let rps = if r.rps.is_nan() { "-".to_string() } else { format!("{:.0}", r.rps) };
        println!(
            "{:<28} {:>9} {:>10} {:>9.1} {:>9.1} {:>9.1} {:>7}",
            r.name, r.requests, rps, r.p50, r.p95, r.p99, r.errors
        );
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
    let addr = server.addr.clone();
    let n = settings.concurrency;

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
        physicians = scenario(&settings, &addr, plans, Some("login (GET+POST)")).await;
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
        staff = scenario(&settings, &addr, plans, Some("staff login")).await;
        print_table("staff (prefecture 13)", &staff);
    }

    let organizer_pages: Arc<Vec<(&'static str, Vec<String>)>> =
        Arc::new(vec![("work page", data.work_pages.clone())]);
    let plans = (0..n).map(|_| Plan { login_as: None, pages: organizer_pages.clone() }).collect();
    let mut organizer = Vec::new();
    if settings.runs("organizer") {
        organizer = scenario(&settings, &addr, plans, None).await;
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
        finder = scenario(&settings, &addr, plans, None).await;
        print_table("seminar finder (anonymous)", &finder);
    }

    let trivial_pages: Arc<Vec<(&'static str, Vec<String>)>> =
        Arc::new(vec![("healthz", vec!["/healthz".into()])]);
    let plans = (0..n).map(|_| Plan { login_as: None, pages: trivial_pages.clone() }).collect();
    let mut trivial = Vec::new();
    if settings.runs("trivial") {
        trivial = scenario(&settings, &addr, plans, None).await;
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
