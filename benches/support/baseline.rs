//! PostgreSQL's own ceiling, measured in the same run as a benchmark (issue 15): `pgbench -S`
//! (one primary-key lookup per transaction) at the benchmark's concurrency, on a scale-1
//! pgbench database of its own on the same server (created and dropped here), so that a page's
//! figure can be read as a share of what the database alone does on this machine right now.
#![allow(dead_code)]

use std::process::Command;

/// `pgbench -S` over `seconds` at `clients` clients.
#[derive(Clone, Copy, Debug)]
pub struct Pgbench {
    pub clients: usize,
    pub tps: f64,
    /// "latency average" in ms.
    pub mean_ms: f64,
}

impl Pgbench {
    pub fn line(&self) -> String {
        format!(
            "pgbench -S ({} clients): {:.0} tps, latency average {:.3} ms",
            self.clients, self.tps, self.mean_ms
        )
    }
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("a database URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

fn psql(url: &str, sql: &str) -> bool {
    Command::new("psql")
        .args([url, "-q", "-c", sql])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `pgbench -S` on the server of `server_url` (any database of it names the server).
/// None when pgbench is not installed or failed (the caller says so and uses its own loop).
pub fn pgbench_select_only(server_url: &str, clients: usize, seconds: u64) -> Option<Pgbench> {
    let name = format!("mamis_pgbench_{}", std::process::id());
    let admin = with_database(server_url, "postgres");
    let url = with_database(server_url, &name);
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
    if !psql(&admin, &format!("CREATE DATABASE {name}")) {
        println!("pgbench: could not create {name}");
        return None;
    }
    let outcome = (|| {
        let init = Command::new("pgbench").args(["-i", "-s", "1", "-q", &url]).output().ok()?;
        if !init.status.success() {
            println!("pgbench -i failed: {}", String::from_utf8_lossy(&init.stderr));
            return None;
        }
        let threads = clients.clamp(1, 2).to_string();
        let run = Command::new("pgbench")
            .args([
                "-S",
                "-n",
                "-c",
                &clients.to_string(),
                "-j",
                &threads,
                "-T",
                &seconds.to_string(),
                &url,
            ])
            .output()
            .ok()?;
        let out = String::from_utf8_lossy(&run.stdout);
        let mean_ms = out
            .lines()
            .find_map(|l| l.strip_prefix("latency average = "))
            .and_then(|v| v.trim_end_matches(" ms").trim().parse().ok())?;
        let tps = out
            .lines()
            .find_map(|l| l.strip_prefix("tps = "))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())?;
        Some(Pgbench { clients, tps, mean_ms })
    })();
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    outcome
}

/// The median of some durations in ms.
pub fn median_ms(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(|a, b| a.total_cmp(b));
    if ms.is_empty() {
        0.0
    } else {
        ms[ms.len() / 2]
    }
}
