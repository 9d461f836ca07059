//! What the scale drills (replica, pgbouncer) share: the demo data set with seminars open for
//! applications, the load benchmark's pages (`support/loadgen.rs`) over one or more portal
//! instances, and the figures they print.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use rust_decimal::Decimal;

use crate::common::*;
use crate::loadgen::{print_table, scenario, Plan, Row, Timing};

/// Virtual users, as in the load benchmark (and pgbench's clients for the baseline).
pub const USERS: usize = 64;
/// Physicians among them; the rest are prefecture staff (東京都医師会).
const PHYSICIANS: usize = 48;
pub const WARMUP: Duration = Duration::from_secs(1);
pub const MEASURE: Duration = Duration::from_secs(5);
/// Seminars added for the recruitment list (the demo's own seminars are not recruiting).
const OPEN_SEMINARS: usize = 5;

/// `mamis <args>` to the end (e.g. `demo`), bounded.
pub async fn run_to_end(spec: &PortalSpec<'_>) -> anyhow::Result<()> {
    let mut child = Portal::spawn(spec, free_port())?;
    let status = tokio::time::timeout(Duration::from_secs(120), child.child.wait()).await??;
    if !status.success() {
        bail!("mamis {:?} failed: {}", spec.args, tail(&child.log));
    }
    Ok(())
}

/// The small demo data set (every physician user is `doctor`, staff `tokyo`) on `url`, plus
/// seminars of Tokyo that recruit attendees a month from now.
pub async fn load_demo(url: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let spec = PortalSpec {
        database_url: url,
        dir,
        name: "demo",
        args: &["demo"],
        env: &[("MAIL_WORKER", "0".into())],
    };
    run_to_end(&spec).await?;
    let pool = mamis::db::connect(url, 2).await?;
    let mut conn = pool.acquire().await?;
    let now = mamis::clock::Clock::system().now();
    let starts = now.date_naive() + chrono::Days::new(30);
    let units = [("lifelong_renewal", Decimal::new(1, 0))];
    for n in 1..=OPEN_SEMINARS {
        let title = format!("募集中の研修会（訓練）{n}");
        mamis::db::seminars::create(
            &mut conn,
            &mamis::db::seminars::NewSeminar {
                programme: "occupational",
                title: &title,
                starts_on: starts,
                ends_on: starts,
                format: "in_person",
                venue: "東京都千代田区",
                organizer_association_id: None,
                organizer_name: "訓練主催者",
                contact_name: "担当",
                contact_email: "drill@example.jp",
                contact_phone: Some("03-0000-0000"),
                contact_fax: None,
                approving_prefecture_code: 13,
                status: "approved",
                submitted_by: None,
                paper_approved: true,
                recruiting: true,
                capacity: None,
                units: &units,
            },
            now,
        )
        .await
        .context("add a recruiting seminar")?;
    }
    drop(conn);
    pool.close().await;
    Ok(())
}

/// The load benchmark's pages for this data set: physicians view the my page, the credit
/// history and the seminar list; staff the watch list (all of them may read from a replica).
pub fn plans() -> Vec<Plan> {
    let physician_pages: Arc<Vec<(&'static str, Vec<String>)>> = Arc::new(vec![
        ("mypage", vec!["/mypage".into()]),
        ("credit history", vec!["/mypage/credits/print".into()]),
        ("seminar list", vec!["/seminars".into()]),
    ]);
    let staff_pages: Arc<Vec<(&'static str, Vec<String>)>> =
        Arc::new(vec![("office watch list", vec!["/office/watch?page=1".into()])]);
    (0..USERS)
        .map(|i| {
            if i < PHYSICIANS {
                Plan { login_as: Some("doctor".into()), pages: physician_pages.clone() }
            } else {
                Plan { login_as: Some("tokyo".into()), pages: staff_pages.clone() }
            }
        })
        .collect()
}

/// One measured run over `addrs`; prints its table.
pub async fn run_load(title: &str, addrs: &[String], measure: Duration) -> Load {
    let rows = scenario(Timing { warmup: WARMUP, measure }, addrs, plans(), Some("sign-in")).await;
    print_table(title, &rows);
    Load::of(rows)
}

/// The figures of one run.
pub struct Load {
    pub rows: Vec<Row>,
}

impl Load {
    fn of(rows: Vec<Row>) -> Load {
        Load { rows }
    }

    /// Page views per second, all pages together (sign-ins excluded).
    pub fn rps(&self) -> f64 {
        self.rows.iter().filter(|r| !r.rps.is_nan()).map(|r| r.rps).sum()
    }

    pub fn errors(&self) -> u64 {
        self.rows.iter().map(|r| r.errors).sum()
    }

    pub fn page(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.name == name)
    }

    /// `<page> <rps> req/s p99 <ms>` for the my page, and the total.
    pub fn brief(&self) -> String {
        let mypage = self.page("mypage").map(|r| (r.rps, r.p99)).unwrap_or((0.0, 0.0));
        format!(
            "{:.0} req/s (my page {:.0} req/s, p99 {:.1} ms), {} errors",
            self.rps(),
            mypage.0,
            mypage.1,
            self.errors()
        )
    }
}
