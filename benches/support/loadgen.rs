//! The load benchmark's client (shared by `benches/load.rs` and the scale drills in
//! `benches/drills/`): one raw HTTP/1.1 keep-alive connection per virtual user, sign-in through
//! the login form, pages requested in turn for a measured period, latencies per page.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Bytes,
}

/// One keep-alive HTTP/1.1 connection with the cookies it was given (the session's and, before
/// login, the CSRF cookie of a visitor without a session), as one `Cookie` header.
pub struct Conn {
    pub sender: SendRequest<Full<Bytes>>,
    pub host: String,
    pub cookie: Option<String>,
}

/// The `Cookie` header with `pair` (name=value) set in it.
pub fn merge_cookie(header: Option<&str>, pair: &str) -> String {
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
    pub async fn open(addr: &str) -> Result<Conn, String> {
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        Ok(Conn { sender, host: addr.to_string(), cookie: None })
    }

    pub async fn send(
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

    pub async fn get(&mut self, path: &str) -> Result<Answer, String> {
        self.send(Method::GET, path, None).await
    }

    /// GET /login, POST /login; Ok when the portal answered with its home page redirect.
    pub async fn login(&mut self, login_id: &str) -> Result<(), String> {
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
pub struct Samples {
    pub micros: Vec<u32>,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Samples {
    pub fn record(&mut self, took: Duration, outcome: Result<(), String>) {
        self.micros.push(took.as_micros().min(u32::MAX as u128) as u32);
        if let Err(e) = outcome {
            self.errors += 1;
            self.first_error.get_or_insert(e);
        }
    }

    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

pub struct Row {
    pub name: String,
    pub requests: usize,
    pub rps: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub errors: u64,
}

pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

pub fn row(name: &str, mut samples: Samples, seconds: f64) -> Row {
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

pub fn check(answer: Result<Answer, String>) -> Result<(), String> {
    let answer = answer?;
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(format!("{} {:?}", answer.status, answer.location))
    }
}

/// What one virtual user does: sign in (if anyone), then request pages in turn.
#[derive(Clone)]
pub struct Plan {
    pub login_as: Option<String>,
    pub pages: Arc<Vec<(&'static str, Vec<String>)>>,
}

pub struct UserResult {
    login: Option<(Duration, Result<(), String>)>,
    pages: BTreeMap<&'static str, Samples>,
}

/// When the page views start: once every user has signed in (or failed to).
pub struct Start {
    /// Sign-ins go one at a time: the login throttle counts attempts in flight from one
    /// address (20), and 64 at once from 127.0.0.1 were refused with 429.
    signing_in: tokio::sync::Mutex<()>,
    signed_in: tokio::sync::Barrier,
    at: OnceLock<Instant>,
    warmup: Duration,
    measure: Duration,
}

pub async fn virtual_user(addr: String, plan: Plan, user: usize, start: Arc<Start>) -> UserResult {
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

/// How long a scenario warms up (unmeasured) and then measures.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub warmup: Duration,
    pub measure: Duration,
}

/// Runs one scenario: every user signs in (one at a time), then requests pages until the end;
/// user `i` talks to `addrs[i % addrs.len()]` (several portal instances share the load).
pub async fn scenario(
    timing: Timing,
    addrs: &[String],
    plans: Vec<Plan>,
    login_row: Option<&str>,
) -> Vec<Row> {
    let has_login = plans.iter().any(|p| p.login_as.is_some());
    let start = Arc::new(Start {
        signing_in: tokio::sync::Mutex::new(()),
        signed_in: tokio::sync::Barrier::new(plans.len()),
        at: OnceLock::new(),
        warmup: timing.warmup,
        measure: timing.measure,
    });
    let handles: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(i, plan)| {
            let addr = addrs[i % addrs.len()].clone();
            tokio::spawn(virtual_user(addr, plan, i, start.clone()))
        })
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
        rows.push(row(name, samples, timing.measure.as_secs_f64()));
    }
    rows
}

pub fn print_table(title: &str, rows: &[Row]) {
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
