//! What every drill needs: free loopback ports, throw-away databases on the shared server,
//! the real portal binary as a child process, and small HTTP helpers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use reqwest::redirect::Policy;
use tokio::process::{Child, Command};

pub const PORTAL: &str = env!("CARGO_BIN_EXE_mamis");
pub const DEMO_PASSWORD: &str = "demo-pass-2025";
/// The sentence of the portal's 503 page (error.rs, `AppError::Unavailable`).
pub const OUTAGE_TEXT: &str = "一時的にご利用いただけません";

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().unwrap().port()
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", short_id()));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        TempDir(path)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// The shared server (DATABASE_URL's host, default the local one); drills only ever create and
/// drop databases named `drill_*` on it.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| mamis::config::Config::DEFAULT_DATABASE_URL.to_string())
}

pub fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// A `drill_<what>_<random>` database on the shared server, dropped (forcibly) on `drop_now`.
pub struct DrillDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl DrillDb {
    pub async fn create(what: &str) -> anyhow::Result<DrillDb> {
        let name = format!("drill_{what}_{}", short_id());
        let admin_url = with_database(&server_url(), "postgres");
        let admin = sqlx::PgPool::connect(&admin_url).await.context("shared PostgreSQL")?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
        admin.close().await;
        let url = with_database(&server_url(), &name);
        Ok(DrillDb { name, url, admin_url })
    }

    /// Another database name next to this one (created by the caller), dropped the same way.
    pub fn sibling(&self, suffix: &str) -> DrillDb {
        let name = format!("{}_{suffix}", self.name);
        DrillDb {
            url: with_database(&server_url(), &name),
            name,
            admin_url: self.admin_url.clone(),
        }
    }

    /// Connects and applies the migrations (the portal would too).
    pub async fn pool(&self) -> anyhow::Result<sqlx::PgPool> {
        let pool = mamis::db::connect(&self.url, 5).await?;
        mamis::db::migrate(&pool).await?;
        Ok(pool)
    }

    pub async fn drop_now(&self) {
        if std::env::var_os("MAMIS_DRILL_KEEP_DB").is_some() {
            println!("  kept database {} (MAMIS_DRILL_KEEP_DB)", self.name);
            return;
        }
        if let Ok(admin) = sqlx::PgPool::connect(&self.admin_url).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .execute(&admin)
                .await;
            admin.close().await;
        }
    }
}

/// The portal binary running as a child process (killed when dropped).
pub struct Portal {
    pub base: String,
    pub child: Child,
    pub log: PathBuf,
}

pub struct PortalSpec<'a> {
    pub database_url: &'a str,
    pub dir: &'a Path,
    pub name: &'a str,
    pub args: &'a [&'a str],
    pub env: &'a [(&'a str, String)],
}

impl Portal {
    /// Starts `mamis <args>` listening on a free port; does not wait for readiness.
    pub fn spawn(spec: &PortalSpec<'_>, port: u16) -> anyhow::Result<Portal> {
        let log = spec.dir.join(format!("{}.log", spec.name));
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&log)?;
        let mut command = Command::new(PORTAL);
        command
            .args(spec.args)
            .env("DATABASE_URL", spec.database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env_remove("BASE_URL")
            .env_remove("SMTP_URL")
            .env_remove("MAMIS_NOW")
            .env("MAIL_OUTBOX_DIR", spec.dir.join(format!("{}-mail", spec.name)))
            .env("RUST_LOG", "info,sqlx=warn,tower_sessions=warn,tower_http=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out.try_clone()?))
            .stderr(Stdio::from(out))
            .kill_on_drop(true);
        for (key, value) in spec.env {
            command.env(key, value);
        }
        let child = command.spawn().context("start the portal binary")?;
        Ok(Portal { base: format!("http://127.0.0.1:{port}"), child, log })
    }

    /// Starts the portal and waits until `/readyz` answers 200.
    pub async fn start(spec: &PortalSpec<'_>, wait: Duration) -> anyhow::Result<Portal> {
        let mut portal = Portal::spawn(spec, free_port())?;
        portal.wait_ready(wait).await?;
        Ok(portal)
    }

    pub async fn wait_ready(&mut self, wait: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let client = client();
        while started.elapsed() < wait {
            if let Some(status) = self.child.try_wait()? {
                bail!("portal exited early ({status}); log: {}", tail(&self.log));
            }
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await {
                if r.status() == 200 {
                    return Ok(started.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("portal not ready within {wait:?}; log: {}", tail(&self.log))
    }

    /// SIGKILL, and wait for the process to be gone.
    pub async fn kill9(&mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }
}

/// The last lines of a log file, for failure messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// A client that follows no redirects and keeps no cookies (drills handle the cookie).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// Cookies by name, kept by hand so a drill can replay one session on another instance.
#[derive(Clone, Default, Debug)]
pub struct Jar(pub HashMap<String, String>);

impl Jar {
    pub fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                self.0.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }
    pub fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

pub fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = text.find(before)? + before.len();
    let end = text[start..].find(after)? + start;
    Some(&text[start..end])
}

pub fn csrf_of(html: &str) -> anyhow::Result<String> {
    between(html, "name=\"csrf_token\" value=\"", "\"")
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no CSRF token on the page"))
}

/// GET with the jar's cookies; the jar takes any new ones.
pub async fn get(
    client: &reqwest::Client,
    jar: &mut Jar,
    url: &str,
) -> anyhow::Result<(u16, String)> {
    let response = client.get(url).header("cookie", jar.header()).send().await?;
    jar.take(&response);
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

/// POST a form with the jar's cookies; returns (status, Location).
pub async fn post_form(
    client: &reqwest::Client,
    jar: &mut Jar,
    url: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(u16, String)> {
    let response = client.post(url).header("cookie", jar.header()).form(form).send().await?;
    jar.take(&response);
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Ok((status, location))
}

/// Logs in on `base` as `login_id`; returns the jar holding the signed-in session.
pub async fn login(client: &reqwest::Client, base: &str, login_id: &str) -> anyhow::Result<Jar> {
    let mut jar = Jar::default();
    let (status, html) = get(client, &mut jar, &format!("{base}/login")).await?;
    if status != 200 {
        bail!("GET /login answered {status}");
    }
    let csrf = csrf_of(&html)?;
    let (status, location) = post_form(
        client,
        &mut jar,
        &format!("{base}/login"),
        &[("csrf_token", &csrf), ("login_id", login_id), ("password", DEMO_PASSWORD)],
    )
    .await?;
    if status != 303 || location.starts_with("/login") {
        bail!("login as {login_id} failed: {status} → {location}");
    }
    Ok(jar)
}

/// Polls `check` every `every` until it returns Some or `within` passes.
pub async fn wait_for<T, F, Fut>(within: Duration, every: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if started.elapsed() >= within {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

pub fn ms(d: Duration) -> u128 {
    d.as_millis()
}
