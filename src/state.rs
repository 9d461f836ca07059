//! Shared handles every handler gets through axum's `State`.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Notify;

use crate::clock::{Clock, Jst};
use crate::config::Config;
use crate::db;
use crate::domain::downtime::{self, Window};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub windows: Arc<WindowCache>,
    /// Wakes the mail worker when a handler queued mail.
    pub mail_notify: Arc<Notify>,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config, clock: Clock) -> Self {
        AppState {
            pool,
            config: Arc::new(config),
            clock,
            windows: Arc::new(WindowCache::default()),
            mail_notify: Arc::new(Notify::new()),
        }
    }
}

/// Maintenance windows, read from the database at most every few seconds so the downtime
/// check costs no query on most requests. Changes made on this instance invalidate it at once.
#[derive(Default)]
pub struct WindowCache {
    cached: RwLock<Option<(Instant, Arc<Vec<Window>>)>>,
}

impl WindowCache {
    const TTL: Duration = Duration::from_secs(5);

    pub async fn windows(&self, pool: &PgPool) -> sqlx::Result<Arc<Vec<Window>>> {
        if let Some((at, windows)) = &*self.cached.read().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < Self::TTL {
                return Ok(windows.clone());
            }
        }
        let fresh = Arc::new(db::maintenance::all_windows(pool).await?);
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    pub async fn resume_at(&self, pool: &PgPool, now: Jst) -> sqlx::Result<Option<Jst>> {
        Ok(downtime::resume_at(&self.windows(pool).await?, now))
    }

    pub fn invalidate(&self) {
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
