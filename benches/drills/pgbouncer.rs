//! Drill: PgBouncer in transaction mode in front of PostgreSQL (issue 15 part 5,
//! docs/SCALING.md §1).
//!
//! PgBouncer (the Debian package, installed by .ci/setup.sh; nothing is installed here) runs
//! from a temp config: its own loopback port, 20 server connections for the database,
//! `auth_type = any` (it logs in as postgres over the shared server's trust). Four portal
//! instances serve the load benchmark's pages through it:
//! 1. transaction mode, 20 client connections each (80 sharing 20), with the default statement
//!    cache and with `DATABASE_STATEMENT_CACHE=0`. sqlx runs every statement as a named
//!    prepared statement (Parse, Sync, then Bind/Execute, Sync); PgBouncer ≥ 1.21 tracks them
//!    (`max_prepared_statements`), older ones hand the server connection to another client at
//!    each Sync, so the names collide (measured with 1.18: the instances cannot even start);
//! 2. session mode, `DATABASE_POOL_SIZE=5` each (4 × 5 = 20), what works with PgBouncer < 1.21.
//!
//! It passes when the mode the installed PgBouncer supports (≥ 1.21: transaction; older:
//! session) served with zero errors, and reports the other results either way.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::common::*;
use crate::scale::{self, MEASURE, USERS};
use crate::{baseline, Outcome};

const INSTANCES: usize = 4;
const SERVER_CONNECTIONS: usize = 20;

/// The installed PgBouncer's version, e.g. (1, 18).
fn version() -> anyhow::Result<(u32, u32)> {
    let out = std::process::Command::new("pgbouncer")
        .arg("--version")
        .output()
        .context("pgbouncer is not installed (Debian package pgbouncer; .ci/setup.sh)")?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let v = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .ok_or_else(|| anyhow::anyhow!("pgbouncer --version: {text}"))?;
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    Ok((parts.next().unwrap_or(0), parts.next().unwrap_or(0)))
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PgBouncer running from a config in its own temp dir (killed on drop).
struct Bouncer {
    port: u16,
    child: tokio::process::Child,
    log: std::path::PathBuf,
    _dir: TempDir,
}

impl Bouncer {
    async fn start(
        server: &url::Url,
        mode: &str,
        prepared_statements: bool,
    ) -> anyhow::Result<Bouncer> {
        let dir = TempDir::new("mamis-drill-pgbouncer");
        let port = free_port();
        let log = dir.path().join("pgbouncer.log");
        let host = server.host_str().unwrap_or("127.0.0.1");
        let server_port = server.port().unwrap_or(5432);
        let user = if server.username().is_empty() { "postgres" } else { server.username() };
        let config = format!(
            "[databases]\n\
             * = host={host} port={server_port} user={user}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = any\n\
             pool_mode = {mode}\n\
             default_pool_size = {SERVER_CONNECTIONS}\n\
             max_db_connections = {SERVER_CONNECTIONS}\n\
             max_client_conn = 400\n\
             ignore_startup_parameters = extra_float_digits,options\n\
             logfile = {}\n\
             {}",
            log.display(),
            if prepared_statements { "max_prepared_statements = 200\n" } else { "" }
        );
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(&ini, config)?;
        let mut command = tokio::process::Command::new("pgbouncer");
        if is_root() {
            // PgBouncer refuses to run as root: it switches to postgres, who writes the log.
            std::process::Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()?;
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start pgbouncer")?;
        let mut bouncer = Bouncer { port, child, log, _dir: dir };
        let up = wait_for(Duration::from_secs(10), Duration::from_millis(100), || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok().map(|_| ())
        })
        .await;
        if up.is_none() {
            if let Some(status) = bouncer.child.try_wait()? {
                bail!("pgbouncer exited ({status}): {}", tail(&bouncer.log));
            }
            bail!("pgbouncer did not listen on {port}: {}", tail(&bouncer.log));
        }
        Ok(bouncer)
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

/// What one configuration gave: the load's figures, or why the portal could not serve.
enum Run {
    Served(scale::Load),
    Failed(String),
}

impl Run {
    fn errors(&self) -> Option<u64> {
        match self {
            Run::Served(load) => Some(load.errors()),
            Run::Failed(_) => None,
        }
    }

    fn passed(&self) -> bool {
        self.errors() == Some(0)
    }

    fn rps(&self) -> f64 {
        match self {
            Run::Served(load) => load.rps(),
            Run::Failed(_) => 0.0,
        }
    }

    fn brief(&self) -> String {
        match self {
            Run::Served(load) => load.brief(),
            Run::Failed(why) => format!("the portal could not start: {why}"),
        }
    }
}

/// The first line of an error that names its cause (the portal's log ends in a backtrace).
fn cause(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    text.lines()
        .find(|l| l.contains("Error:"))
        .unwrap_or_else(|| text.lines().next().unwrap_or(""))
        .trim()
        .chars()
        .take(160)
        .collect()
}

/// Four instances through the pooler with `env`; their figures, or why they could not serve.
async fn run_through(
    bouncer: &Bouncer,
    db: &DrillDb,
    dir: &TempDir,
    title: &str,
    env: &[(&str, String)],
) -> Run {
    let url = bouncer.url(&db.name);
    let mut portals = Vec::new();
    for n in 0..INSTANCES {
        let name = format!("{}-{n}", title.replace([' ', ','], "-"));
        let spec = PortalSpec {
            database_url: &url,
            dir: dir.path(),
            name: &name,
            args: &["serve", "--no-demo"],
            env,
        };
        match Portal::start(&spec, Duration::from_secs(60)).await {
            Ok(portal) => portals.push(portal),
            Err(error) => {
                println!("  {title}: instance {n} did not start: {}", cause(&error));
                return Run::Failed(cause(&error));
            }
        }
    }
    let addrs: Vec<String> =
        portals.iter().map(|p| p.base.trim_start_matches("http://").to_string()).collect();
    let load = scale::run_load(title, &addrs, MEASURE).await;
    drop(portals);
    Run::Served(load)
}

/// What sqlx leaves on a direct connection with a statement cache of 0 after running one
/// bound statement five times: the named prepared statements still open on the server.
async fn statements_left_with_cache_0(url: &str) -> anyhow::Result<i64> {
    use sqlx::{ConnectOptions, Connection};
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let mut conn = options.statement_cache_capacity(0).connect().await?;
    for n in 0..5i32 {
        let _: i32 = sqlx::query_scalar("SELECT $1::int").bind(n).fetch_one(&mut conn).await?;
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_prepared_statements")
        .fetch_one(&mut conn)
        .await?;
    let _ = conn.close().await;
    Ok(left)
}

pub async fn run() -> anyhow::Result<Outcome> {
    let db = DrillDb::create("pgbouncer").await?;
    let result = drill(&db).await;
    db.drop_now().await;
    result
}

async fn drill(db: &DrillDb) -> anyhow::Result<Outcome> {
    let (major, minor) = version()?;
    let tracks_statements = (major, minor) >= (1, 21);
    let dir = TempDir::new("mamis-drill-pgbouncer-portals");
    scale::load_demo(&db.url, dir.path()).await?;
    let server = url::Url::parse(&server_url())?;
    // Migrations are applied directly (above); through a transaction pooler the migrator's
    // session-level advisory lock would not hold.
    let base = [("MAIL_WORKER", "0".to_string()), ("DATABASE_MIGRATE", "0".to_string())];
    let no_cache = [base[0].clone(), base[1].clone(), ("DATABASE_STATEMENT_CACHE", "0".into())];
    // 1. Transaction mode, 80 client connections on 20 server connections.
    let bouncer = Bouncer::start(&server, "transaction", tracks_statements).await?;
    let default = run_through(&bouncer, db, &dir, "transaction mode, default cache", &base).await;
    let uncached =
        run_through(&bouncer, db, &dir, "transaction mode, DATABASE_STATEMENT_CACHE=0", &no_cache)
            .await;
    drop(bouncer);
    // 2. Session mode: each instance holds 5 (4 × 5 = 20), so every client connection keeps
    // its server connection and its prepared statements; what works with PgBouncer < 1.21.
    let bouncer = Bouncer::start(&server, "session", false).await?;
    let session_env = [base[0].clone(), base[1].clone(), ("DATABASE_POOL_SIZE", "5".into())];
    let session =
        run_through(&bouncer, db, &dir, "session mode, 5 connections per instance", &session_env)
            .await;
    drop(bouncer);

    let leaked = statements_left_with_cache_0(&db.url).await?;
    println!(
        "sqlx with statement_cache_capacity(0): {leaked} named statements left open after 5 runs of one statement"
    );
    let pgbench = tokio::task::spawn_blocking(move || {
        baseline::pgbench_select_only(&server_url(), USERS, MEASURE.as_secs())
    })
    .await?;
    let share = |run: &Run| pgbench.map_or(0.0, |p| run.rps() / p.tps);
    let ceiling = match &pgbench {
        Some(p) => {
            println!("{}", p.line());
            format!("pgbench_s_tps={:.0} pgbench_s_mean_ms={:.3}", p.tps, p.mean_ms)
        }
        None => "pgbench_s_tps=-".into(),
    };
    // What must work: transaction mode with PgBouncer ≥ 1.21 (it keeps sqlx's prepared
    // statements); with an older one, transaction mode cannot work for sqlx (shown above), and
    // session mode is the configuration docs/SCALING.md gives.
    let (required, chosen) = if tracks_statements {
        ("transaction mode (max_prepared_statements = 200)", &default)
    } else {
        ("session mode, 4 × 5 connections", &session)
    };
    let mut problems = Vec::new();
    if !chosen.passed() {
        problems.push(format!("PgBouncer {major}.{minor}, {required}: {}", chosen.brief()));
    }
    if !tracks_statements && default.passed() {
        problems.push("transaction mode served sqlx without errors on PgBouncer < 1.21: docs/SCALING.md is wrong, re-check".into());
    }
    let figures = format!(
        "PgBouncer {major}.{minor}, {INSTANCES} instances, {SERVER_CONNECTIONS} server connections; transaction mode: default cache {} | DATABASE_STATEMENT_CACHE=0 {} | session mode (4 × 5): {}; sqlx with cache 0 leaves {leaked} named statements per 5 runs of one statement; {ceiling}; RESULT pgbouncer_mode={} pgbouncer_rps={:.0} pgbouncer_share={:.3} pgbouncer_errors={} transaction_mode_ok={}",
        default.brief(),
        uncached.brief(),
        session.brief(),
        if tracks_statements { "transaction" } else { "session" },
        chosen.rps(),
        share(chosen),
        chosen.errors().map_or("-".into(), |e| e.to_string()),
        default.passed() || uncached.passed()
    );
    Ok(Outcome { pass: problems.is_empty(), figures, problems })
}
