//! Fault drills: the portal binary (as child processes, on loopback only) under the faults
//! production will meet, each drill bounded by a hard timeout.
//!
//!     cargo bench --bench drills                 # every drill
//!     cargo bench --bench drills -- pg_restart   # one (or several) by name
//!
//! Drills:
//!   pg_restart            PostgreSQL (a private instance) stopped and started under load
//!   mail_outage           the SMTP server unreachable, then back: every mail once
//!   mail_drop_after_data  the SMTP server takes messages but hangs up before its reply
//!   kill_commit           the portal SIGKILLed during a 10,000-row CSV credit commit
//!   two_instances         two instances on one database: sessions and the daily notice job
//!   replica               a streaming read replica: reads routed to it, read-your-writes, its
//!                         loss under load without errors, throughput with and without it
//!   pgbouncer             four instances through PgBouncer in transaction mode (20 server
//!                         connections) under the load benchmark's pages
//!
//! Databases are created as `drill_*` on DATABASE_URL's server (default the local one) and
//! dropped afterwards (MAMIS_DRILL_KEEP_DB=1 keeps them). Each drill prints PASS or FAIL with
//! its figures; the last line is `RESULT drills_passed=<n> drills_failed=<n>` and the exit
//! status is non-zero when any failed.

#[path = "support/attendees.rs"]
mod attendees;
#[path = "support/baseline.rs"]
mod baseline;
#[path = "drills/common.rs"]
mod common;
#[path = "drills/kill_commit.rs"]
mod kill_commit;
#[path = "support/loadgen.rs"]
mod loadgen;
#[path = "drills/mail_outage.rs"]
mod mail_outage;
#[path = "drills/pg_restart.rs"]
mod pg_restart;
#[path = "drills/pgbouncer.rs"]
mod pgbouncer;
#[path = "drills/private_pg.rs"]
mod private_pg;
#[path = "drills/replica.rs"]
mod replica;
#[path = "drills/scale.rs"]
mod scale;
#[path = "drills/smtp.rs"]
mod smtp;
#[path = "drills/two_instances.rs"]
mod two_instances;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

pub struct Outcome {
    pub pass: bool,
    pub figures: String,
    pub problems: Vec<String>,
}

type Drill = fn() -> Pin<Box<dyn Future<Output = anyhow::Result<Outcome>> + Send>>;

const DRILLS: [(&str, Duration, Drill); 7] = [
    ("pg_restart", Duration::from_secs(120), || Box::pin(pg_restart::run())),
    ("mail_outage", Duration::from_secs(120), || Box::pin(mail_outage::run(false))),
    ("mail_drop_after_data", Duration::from_secs(120), || Box::pin(mail_outage::run(true))),
    ("kill_commit", Duration::from_secs(240), || Box::pin(kill_commit::run())),
    ("two_instances", Duration::from_secs(120), || Box::pin(two_instances::run())),
    ("replica", Duration::from_secs(300), || Box::pin(replica::run())),
    ("pgbouncer", Duration::from_secs(300), || Box::pin(pgbouncer::run())),
];

fn main() {
    // `cargo bench` passes `--bench`; every other argument names a drill.
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    for name in &wanted {
        if !DRILLS.iter().any(|(n, _, _)| n == name) {
            let names: Vec<&str> = DRILLS.iter().map(|(n, _, _)| *n).collect();
            eprintln!("unknown drill {name}; drills: {}", names.join(", "));
            std::process::exit(2);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (mut passed, mut failed) = (0, 0);
    let all = Instant::now();
    for (name, limit, drill) in DRILLS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        println!("drill {name} (limit {} s)", limit.as_secs());
        let started = Instant::now();
        // Each drill in its own task: a timeout drops it, and its children and instances
        // (kill_on_drop, Drop guards) go with it.
        let outcome = runtime.block_on(async {
            let mut task = tokio::spawn(drill());
            match tokio::time::timeout(limit, &mut task).await {
                Err(_) => {
                    task.abort();
                    let _ = task.await;
                    Err(format!("timed out after {} s", limit.as_secs()))
                }
                Ok(Err(join)) => Err(format!("panicked: {join}")),
                Ok(Ok(Err(error))) => Err(format!("error: {error:#}")),
                Ok(Ok(Ok(outcome))) => Ok(outcome),
            }
        });
        let secs = started.elapsed().as_secs_f64();
        match outcome {
            Ok(o) if o.pass => {
                passed += 1;
                println!("PASS {name} ({secs:.1} s): {}", o.figures);
            }
            Ok(o) => {
                failed += 1;
                println!("FAIL {name} ({secs:.1} s): {}", o.figures);
                for p in o.problems {
                    println!("  problem: {p}");
                }
            }
            Err(why) => {
                failed += 1;
                println!("FAIL {name} ({secs:.1} s): {why}");
            }
        }
    }
    println!("total {:.1} s", all.elapsed().as_secs_f64());
    println!("RESULT drills_passed={passed} drills_failed={failed}");
    // Give dropped children a moment to be reaped before leaving.
    runtime.shutdown_timeout(Duration::from_secs(5));
    if failed > 0 {
        std::process::exit(1);
    }
}
