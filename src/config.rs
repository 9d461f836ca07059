//! Settings from the environment, with defaults that work on a laptop.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use crate::clock::parse_jst;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    /// Public address of the portal, used in mailed links and to decide on Secure cookies.
    pub base_url: String,
    /// `smtp://host:port` or `smtps://user:pass@host`; when unset, mail goes to `mail_outbox_dir`.
    pub smtp_url: Option<String>,
    pub mail_outbox_dir: PathBuf,
    pub mail_from: String,
    /// Pins the clock (JST) for demos and tests, e.g. `2025-04-07T09:00:00`.
    pub pinned_now: Option<DateTime<FixedOffset>>,
    /// Trust the last `X-Forwarded-For` hop as the client address (behind a load balancer).
    pub behind_proxy: bool,
    /// Run the mail outbox worker inside `serve`.
    pub run_mail_worker: bool,
    /// The first day of credits the portal manages (DOMAIN §3); earlier ones are declared in
    /// applications from 手帳 stickers and paper certificates.
    pub portal_credits_from: chrono::NaiveDate,
    /// The longest wait between two delivery attempts of one mail (the back-off doubles from
    /// a minute up to this). An hour in production; fault drills shorten it.
    pub mail_retry_max: std::time::Duration,
    /// Count each request's SQL statements and answer with them in `X-Query-Count` (tests,
    /// profiling); off in production, where counting costs sqlx formatting every statement.
    pub count_queries: bool,
    /// A streaming replica (`DATABASE_REPLICA_URL`) for reads that may lag a few seconds: lists,
    /// exports, the seminar list, the my page. None: every read goes to the primary.
    pub database_replica_url: Option<String>,
    /// Reads fall back to the primary while the replica lags more than this
    /// (`REPLICA_MAX_LAG_SECS`, default 5).
    pub replica_max_lag: std::time::Duration,
    /// After a successful POST, that client's reads go to the primary for this long
    /// (`REPLICA_READ_YOUR_WRITES_SECS`, default 5): it sees its own change at once.
    pub read_your_writes: std::time::Duration,
    /// `DATABASE_STATEMENT_CACHE`: sqlx's per-connection prepared-statement cache capacity
    /// (default 100). See docs/SCALING.md for what a pooler in transaction mode needs.
    pub statement_cache: Option<usize>,
    /// `DATABASE_MIGRATE=0`: `serve` does not apply migrations at start (behind a pooler in
    /// transaction mode, where the migrator's session advisory lock cannot hold; run
    /// `mamis migrate` against the database directly first).
    pub migrate_on_start: bool,
    /// `DATABASE_POOL_SIZE`: connections this instance holds to the database (default 20).
    pub pool_size: u32,
}

/// A whole number of seconds (zero allowed) from the environment, or `default`.
fn secs_var(
    name: &str,
    value: Option<String>,
    default: u64,
) -> anyhow::Result<std::time::Duration> {
    match value {
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map(std::time::Duration::from_secs)
            .map_err(|_| anyhow::anyhow!("{name} is not a number of seconds: {text}")),
        None => Ok(std::time::Duration::from_secs(default)),
    }
}

fn default_portal_credits_from() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 4, 1).expect("valid date")
}

impl Config {
    pub const DEFAULT_DATABASE_URL: &'static str = "postgres://postgres@127.0.0.1:5432/mamis";

    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let pinned_now = match var("MAMIS_NOW") {
            Some(text) => Some(
                parse_jst(&text)
                    .ok_or_else(|| anyhow::anyhow!("MAMIS_NOW is not a date-time: {text}"))?,
            ),
            None => None,
        };
        let bind = var("BIND").unwrap_or_else(|| "127.0.0.1:3000".into());
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| Self::DEFAULT_DATABASE_URL.into()),
            base_url: var("BASE_URL")
                .unwrap_or_else(|| format!("http://{bind}"))
                .trim_end_matches('/')
                .to_string(),
            bind,
            smtp_url: var("SMTP_URL"),
            mail_outbox_dir: var("MAIL_OUTBOX_DIR").unwrap_or_else(|| "mail-outbox".into()).into(),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "MAMIS <noreply@mamis.localhost>".into()),
            pinned_now,
            behind_proxy: var("BEHIND_PROXY").is_some_and(|v| v == "1" || v == "true"),
            run_mail_worker: var("MAIL_WORKER").is_none_or(|v| v != "0" && v != "false"),
            portal_credits_from: match var("PORTAL_CREDITS_FROM") {
                Some(text) => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .map_err(|_| anyhow::anyhow!("PORTAL_CREDITS_FROM is not a date: {text}"))?,
                None => default_portal_credits_from(),
            },
            mail_retry_max: match var("MAIL_RETRY_MAX_SECS") {
                Some(text) => match text.trim().parse::<u64>() {
                    Ok(secs) if secs > 0 => std::time::Duration::from_secs(secs),
                    _ => anyhow::bail!("MAIL_RETRY_MAX_SECS is not a positive number: {text}"),
                },
                None => crate::mail::worker::DEFAULT_RETRY_MAX,
            },
            count_queries: var("QUERY_COUNT").is_some_and(|v| v == "1" || v == "true"),
            database_replica_url: var("DATABASE_REPLICA_URL"),
            replica_max_lag: secs_var("REPLICA_MAX_LAG_SECS", var("REPLICA_MAX_LAG_SECS"), 5)?,
            read_your_writes: secs_var(
                "REPLICA_READ_YOUR_WRITES_SECS",
                var("REPLICA_READ_YOUR_WRITES_SECS"),
                5,
            )?,
            statement_cache: match var("DATABASE_STATEMENT_CACHE") {
                Some(text) => Some(text.trim().parse::<usize>().map_err(|_| {
                    anyhow::anyhow!("DATABASE_STATEMENT_CACHE is not a number: {text}")
                })?),
                None => None,
            },
            migrate_on_start: var("DATABASE_MIGRATE").is_none_or(|v| v != "0" && v != "false"),
            pool_size: match var("DATABASE_POOL_SIZE") {
                Some(text) => match text.trim().parse::<u32>() {
                    Ok(n) if n > 0 => n,
                    _ => anyhow::bail!("DATABASE_POOL_SIZE is not a positive number: {text}"),
                },
                None => 20,
            },
        })
    }

    /// A configuration for tests and tools: nothing read from the environment.
    pub fn for_tests(database_url: &str) -> Self {
        Config {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".into(),
            base_url: "http://127.0.0.1".into(),
            smtp_url: None,
            mail_outbox_dir: std::env::temp_dir().join("mamis-test-outbox"),
            mail_from: "MAMIS <noreply@mamis.localhost>".into(),
            pinned_now: None,
            behind_proxy: false,
            run_mail_worker: false,
            portal_credits_from: default_portal_credits_from(),
            mail_retry_max: crate::mail::worker::DEFAULT_RETRY_MAX,
            count_queries: false,
            database_replica_url: None,
            replica_max_lag: std::time::Duration::from_secs(5),
            read_your_writes: std::time::Duration::from_secs(5),
            statement_cache: None,
            migrate_on_start: true,
            pool_size: 20,
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}
