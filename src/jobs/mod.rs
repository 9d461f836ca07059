//! Jobs that run once a day: by `mamis jobs`, and by `serve` in a daily loop. Every job is safe
//! to run on several instances at once.

pub mod notices;

use std::time::Duration;

use sqlx::PgPool;

use crate::clock::Clock;

/// Runs every daily job once.
pub async fn run_once(pool: &PgPool, clock: &Clock, base_url: &str) -> anyhow::Result<()> {
    let report = notices::run_daily(pool, clock, base_url).await?;
    tracing::info!(
        candidates = report.candidates,
        recorded = report.recorded,
        mailed = report.mailed,
        "renewal notices"
    );
    Ok(())
}

/// The daily loop of `serve`: runs at start and then every 24 hours; errors are logged.
pub async fn run_daily_loop(pool: PgPool, clock: Clock, base_url: String) {
    loop {
        if let Err(error) = run_once(&pool, &clock, &base_url).await {
            tracing::warn!(%error, "daily jobs failed");
        }
        tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    }
}
