//! A private PostgreSQL instance in a temp dir (initdb, random loopback port, socket in the
//! dir, trust), so a drill may stop and start it without touching the shared server.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};

use crate::common::{free_port, TempDir};

pub struct PrivatePg {
    pub port: u16,
    bin: PathBuf,
    dir: TempDir,
    as_postgres: bool,
    /// `max_connections` at start (60 unless changed before `start`; a standby needs at least
    /// its primary's).
    pub max_connections: u32,
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`, else `pg_config --bindir`.
fn bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().context("pg_config")?;
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if bin.join("initdb").exists() {
        Ok(bin)
    } else {
        bail!("no PostgreSQL server binaries (initdb) found")
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PrivatePg {
    /// A fresh temp dir for a cluster (owned by postgres when we are root: PostgreSQL refuses
    /// to run as root).
    fn empty(max_connections: u32) -> anyhow::Result<PrivatePg> {
        let bin = bin_dir()?;
        let dir = TempDir::new("mamis-drill-pg");
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status()?;
            if !status.success() {
                bail!("chown of {} to postgres failed", dir.path().display());
            }
        }
        Ok(PrivatePg { port: free_port(), bin, dir, as_postgres, max_connections })
    }

    /// A streaming replica of this (running) cluster: `pg_basebackup -R` over the replication
    /// protocol into a temp dir of its own, with its own port; not started. initdb's pg_hba
    /// (`-A trust`) has `host replication all 127.0.0.1/32 trust`, so nothing is edited.
    pub fn replica(&self) -> anyhow::Result<PrivatePg> {
        let replica = PrivatePg::empty(self.max_connections)?;
        replica.run(
            "pg_basebackup",
            &[
                "-D",
                &replica.data(),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "--no-sync",
            ],
        )?;
        Ok(replica)
    }

    pub fn init() -> anyhow::Result<PrivatePg> {
        let pg = PrivatePg::empty(60)?;
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        Ok(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let exe = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = command.args(args).current_dir(self.dir.path()).output()?;
        if !out.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    pub fn start(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections={}",
            self.port,
            self.dir.path().display(),
            self.max_connections
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-l", &log, "-w", "-t", "60", "-o", &options, "start"],
        )
    }

    /// `pg_ctl stop -m fast`: the clients' connections are terminated.
    pub fn stop_fast(&self) -> anyhow::Result<()> {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "-t", "60", "stop"])
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }
}
