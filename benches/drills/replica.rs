//! Drill: a streaming read replica on this machine (issue 15 part 4, docs/SCALING.md §2).
//!
//! A private primary (initdb in a temp dir, its own port) gets the demo data; `pg_basebackup -R`
//! makes a streaming replica of it in another temp dir, started on its own port. (A private
//! primary rather than the shared server: a base backup of the shared cluster would copy every
//! other database on it, and its pg_hba.conf has no `replication` line; initdb's has one for
//! 127.0.0.1 with trust, so nothing on the machine is edited.) Then:
//! 1. the load benchmark's pages against a portal on the primary alone;
//! 2. the same against a portal with `DATABASE_REPLICA_URL` (the replica must serve reads);
//! 3. read-your-writes: replay paused on the replica, a physician applies to a seminar and sees
//!    it at once while another session of theirs (no recent write) still reads the replica's
//!    older list, until the lag passes REPLICA_MAX_LAG_SECS and reads fall back to the primary;
//!    the administrator's page shows the lag;
//! 4. the replica stopped (pg_ctl stop -m fast) under load: zero errors;
//! 5. `pgbench -S` on the primary at the same concurrency: the ceiling the figures are read
//!    against.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use sqlx::Connection;

use crate::common::*;
use crate::private_pg::PrivatePg;
use crate::scale::{self, MEASURE, USERS};
use crate::{baseline, Outcome};

const WINDOW_SECS: u64 = 3;
const MAX_LAG_SECS: u64 = 8;
const APPLIED: &str = "申込済み";

async fn scalar_on<T>(url: &str, sql: &str) -> anyhow::Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let value = sqlx::query_scalar(sql).fetch_one(&mut conn).await?;
    let _ = conn.close().await;
    Ok(value)
}

/// Transactions the replica's databases have run (reads served there).
async fn replica_xacts(url: &str) -> anyhow::Result<i64> {
    scalar_on(url, "SELECT sum(xact_commit + xact_rollback)::bigint FROM pg_stat_database").await
}

async fn caught_up(url: &str) -> bool {
    scalar_on::<bool>(
        url,
        "SELECT pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()",
    )
    .await
    .unwrap_or(false)
}

fn applied_count(html: &str) -> usize {
    html.matches(APPLIED).count()
}

pub async fn run() -> anyhow::Result<Outcome> {
    let primary = tokio::task::spawn_blocking(|| -> anyhow::Result<_> {
        let mut primary = PrivatePg::init()?;
        // The portal (20), the replica's walsender, pgbench's 64 clients, this drill.
        primary.max_connections = 120;
        primary.start()?;
        Ok(primary)
    })
    .await??;
    // The demo data on the primary first (the base backup carries it), then the replica.
    let dir = TempDir::new("mamis-drill-replica");
    scale::load_demo(&primary.url("drill_replica"), dir.path()).await?;
    let (primary, replica) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let replica = primary.replica()?;
        replica.start()?;
        Ok((primary, replica))
    })
    .await??;
    let (primary, replica) = (Arc::new(primary), Arc::new(replica));
    let result = drill(&primary, &replica, &dir).await;
    tokio::task::spawn_blocking(move || {
        drop(replica);
        drop(primary);
    })
    .await?;
    result
}

async fn drill(
    primary: &PrivatePg,
    replica: &Arc<PrivatePg>,
    dir: &TempDir,
) -> anyhow::Result<Outcome> {
    let primary_url = primary.url("drill_replica");
    let replica_url = replica.url("drill_replica");
    let admin_url = replica.url("postgres");
    let mut problems = Vec::new();
    let in_recovery: bool = scalar_on(&admin_url, "SELECT pg_is_in_recovery()").await?;
    if !in_recovery {
        problems.push("the replica is not in recovery (not a standby)".into());
    }

    // 1. The primary alone.
    let base_env = [("MAIL_WORKER", "0".to_string())];
    let alone = PortalSpec {
        database_url: &primary_url,
        dir: dir.path(),
        name: "alone",
        args: &["serve", "--no-demo"],
        env: &base_env,
    };
    let portal = Portal::start(&alone, Duration::from_secs(60)).await?;
    let without = scale::run_load("primary only", &[portal.base_addr()], MEASURE).await;
    drop(portal);

    // 2. With the replica.
    let replica_env = [
        ("MAIL_WORKER", "0".to_string()),
        ("DATABASE_REPLICA_URL", replica_url.clone()),
        ("REPLICA_READ_YOUR_WRITES_SECS", WINDOW_SECS.to_string()),
        ("REPLICA_MAX_LAG_SECS", MAX_LAG_SECS.to_string()),
    ];
    let with_spec = PortalSpec {
        database_url: &primary_url,
        dir: dir.path(),
        name: "with-replica",
        args: &["serve", "--no-demo"],
        env: &replica_env,
    };
    let portal = Portal::start(&with_spec, Duration::from_secs(60)).await?;
    let before = replica_xacts(&admin_url).await?;
    let with = scale::run_load("primary + replica", &[portal.base_addr()], MEASURE).await;
    let served_by_replica = replica_xacts(&admin_url).await? - before;
    if served_by_replica < (with.rps() * MEASURE.as_secs_f64() / 2.0) as i64 {
        problems.push(format!(
            "the replica ran only {served_by_replica} transactions during the run with it"
        ));
    }

    // 3. Read-your-writes, lag shown and the lag limit.
    let ryw = read_your_writes(&portal.base, &admin_url).await;
    let ryw = match ryw {
        Ok(figures) => figures,
        Err(error) => {
            problems.push(format!("read-your-writes: {error:#}"));
            String::new()
        }
    };
    let _ = scalar_on::<String>(&admin_url, "SELECT pg_wal_replay_resume()::text").await;
    if wait_for(Duration::from_secs(20), Duration::from_millis(200), || async {
        caught_up(&admin_url).await.then_some(())
    })
    .await
    .is_none()
    {
        problems.push("the replica did not catch up after replay resumed".into());
    }
    // Let the portal's health check see the replica in time again.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // 4. The replica stopped under load.
    let before = replica_xacts(&admin_url).await?;
    let stopper = {
        let replica = replica.clone();
        let admin_url = admin_url.clone();
        tokio::spawn(async move {
            tokio::time::sleep(scale::WARMUP + Duration::from_secs(3)).await;
            let served = replica_xacts(&admin_url).await.unwrap_or(before) - before;
            let at = Instant::now();
            tokio::task::spawn_blocking(move || replica.stop_fast()).await??;
            anyhow::Ok((served, at.elapsed()))
        })
    };
    let stopped = scale::run_load(
        "primary + replica, replica stopped 3 s into the run",
        &[portal.base_addr()],
        Duration::from_secs(8),
    )
    .await;
    let (served_before_stop, stop_took) = stopper.await??;
    if served_before_stop == 0 {
        problems.push("the replica served nothing before it was stopped".into());
    }
    if stopped.errors() > 0 {
        problems.push(format!("{} errors while the replica went away", stopped.errors()));
    }
    if without.errors() + with.errors() > 0 {
        problems.push(format!(
            "errors: {} alone, {} with the replica",
            without.errors(),
            with.errors()
        ));
    }
    let log = std::fs::read_to_string(&portal.log).unwrap_or_default();
    let retried = log.matches("a read on the replica failed").count();
    drop(portal);

    // 5. The ceiling.
    let pgbench = tokio::task::spawn_blocking({
        let url = primary_url.clone();
        move || baseline::pgbench_select_only(&url, USERS, MEASURE.as_secs())
    })
    .await?;
    let ceiling = match &pgbench {
        Some(p) => {
            println!("{}", p.line());
            format!(
                "pgbench_s_tps={:.0} pgbench_s_mean_ms={:.3} share_alone={:.3} share_with_replica={:.3}",
                p.tps,
                p.mean_ms,
                without.rps() / p.tps,
                with.rps() / p.tps
            )
        }
        None => "pgbench_s_tps=-".into(),
    };
    let figures = format!(
        "alone: {}; with replica: {} ({served_by_replica} transactions on the replica); {ryw}; replica stopped under load: {} (replica served {served_before_stop} transactions first, stop took {} ms, {retried} reads answered again from the primary); {ceiling}; RESULT replica_alone_rps={:.0} replica_with_rps={:.0} replica_stopped_errors={}",
        without.brief(),
        with.brief(),
        stopped.brief(),
        ms(stop_took),
        without.rps(),
        with.rps(),
        stopped.errors()
    );
    Ok(Outcome { pass: problems.is_empty(), figures, problems })
}

trait BaseAddr {
    fn base_addr(&self) -> String;
}

impl BaseAddr for Portal {
    /// host:port, as the load generator wants it.
    fn base_addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }
}

async fn seminars(client: &reqwest::Client, jar: &mut Jar, base: &str) -> anyhow::Result<String> {
    let (status, html) = get(client, jar, &format!("{base}/seminars")).await?;
    if status != 200 {
        return Err(anyhow!("GET /seminars: {status}"));
    }
    Ok(html)
}

/// Step 3; returns its figures.
async fn read_your_writes(base: &str, replica_admin: &str) -> anyhow::Result<String> {
    let client = client();
    let mut writer = login(&client, base, "doctor").await?;
    let mut reader = login(&client, base, "doctor").await?;
    let mut admin = login(&client, base, "admin").await?;
    // Past the sign-ins' own read-your-writes window.
    tokio::time::sleep(Duration::from_secs(WINDOW_SECS) + Duration::from_millis(300)).await;
    let applied_before = applied_count(&seminars(&client, &mut reader, base).await?);
    scalar_on::<String>(replica_admin, "SELECT pg_wal_replay_pause()::text").await?;
    let paused_at = Instant::now();

    let list = seminars(&client, &mut writer, base).await?;
    // The id just before the first 「申し込む」 link (the page links elsewhere under
    // /seminars/ too, e.g. the finder).
    let id = list
        .split_once("/apply\">申し込む</a>")
        .and_then(|(before, _)| before.rsplit_once("/seminars/"))
        .map(|(_, id)| id.to_string())
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty())
        .ok_or_else(|| anyhow!("no seminar open for applications on /seminars"))?;
    let (status, form) = get(&client, &mut writer, &format!("{base}/seminars/{id}/apply")).await?;
    if status != 200 {
        return Err(anyhow!("GET the apply form: {status}"));
    }
    let csrf = csrf_of(&form)?;
    let (status, _) = post_form(
        &client,
        &mut writer,
        &format!("{base}/seminars/{id}/apply"),
        &[("csrf_token", &csrf)],
    )
    .await?;
    if status != 303 {
        return Err(anyhow!("POST apply: {status}"));
    }
    let writer_sees = applied_count(&seminars(&client, &mut writer, base).await?);
    let reader_sees = applied_count(&seminars(&client, &mut reader, base).await?);
    let (_, home) = get(&client, &mut admin, &format!("{base}/admin")).await?;
    let lag_shown = between(&home, "読み取りレプリカ: ", "</p>").unwrap_or("-").to_string();
    if writer_sees != applied_before + 1 {
        return Err(anyhow!(
            "the physician who applied sees {writer_sees} applications (before: {applied_before})"
        ));
    }
    if reader_sees != applied_before {
        return Err(anyhow!(
            "another session without a recent write saw {reader_sees} (replica paused: expected the older {applied_before}): it did not read from the replica"
        ));
    }
    // The lag grows while replay is paused; past the limit, reads go to the primary.
    let fell_back =
        wait_for(Duration::from_secs(MAX_LAG_SECS + 10), Duration::from_millis(250), || {
            let (client, mut reader) = (client.clone(), reader.clone());
            async move {
                let html = seminars(&client, &mut reader, base).await.ok()?;
                (applied_count(&html) == applied_before + 1).then_some(())
            }
        })
        .await;
    let fallback_after = paused_at.elapsed();
    let (_, home) = get(&client, &mut admin, &format!("{base}/admin")).await?;
    let lag_over = between(&home, "読み取りレプリカ: ", "</p>").unwrap_or("-").to_string();
    if fell_back.is_none() {
        return Err(anyhow!("reads did not fall back to the primary while the replica lagged"));
    }
    if !lag_over.contains("上限") {
        return Err(anyhow!("the admin page does not say the lag is over the limit: {lag_over}"));
    }
    Ok(format!(
        "read-your-writes: writer saw its application at once ({writer_sees}), another session saw the replica's {reader_sees} until the lag passed {MAX_LAG_SECS} s, then the primary's (after {} ms); admin page: \"{lag_shown}\" then \"{lag_over}\"",
        ms(fallback_after)
    ))
}
