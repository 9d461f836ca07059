//! Shared handles every handler gets through axum's `State`.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Notify;

use crate::clock::{Clock, Jst};
use crate::config::Config;
use crate::db;
use crate::domain::downtime::{self, Window};
use crate::web::ctx::Ctx;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub windows: Arc<WindowCache>,
    /// Wakes the mail worker when a handler queued mail.
    pub mail_notify: Arc<Notify>,
    /// The read replica, when `DATABASE_REPLICA_URL` is set (`with_replica`).
    pub replica: Option<Arc<Replica>>,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config, clock: Clock) -> Self {
        AppState {
            pool,
            config: Arc::new(config),
            clock,
            windows: Arc::new(WindowCache::default()),
            mail_notify: Arc::new(Notify::new()),
            replica: None,
        }
    }

    /// Adds the replica named by `DATABASE_REPLICA_URL`, if any (connected lazily: the portal
    /// starts while the replica is down).
    pub fn with_configured_replica(self) -> anyhow::Result<Self> {
        let Some(url) = self.config.database_replica_url.clone() else { return Ok(self) };
        let pool = db::connect_replica_lazy(
            &url,
            self.config.pool_size,
            self.config.statement_cache,
            Replica::ACQUIRE_TIMEOUT,
        )?;
        Ok(self.with_replica(pool))
    }

    /// Adds the replica behind `pool` and starts watching its health (a tokio task: call
    /// inside the runtime).
    pub fn with_replica(mut self, pool: PgPool) -> Self {
        let replica = Arc::new(Replica::new(pool, self.config.replica_max_lag));
        tokio::spawn(Replica::watch(Arc::downgrade(&replica)));
        self.replica = Some(replica);
        self
    }

    /// The pool a read-only request reads from: the replica when one is configured and healthy
    /// and the request may read there (`ReadRoute`: a GET from a client that has not written
    /// in the last seconds), else the primary. Anything that decides a write reads `pool`.
    pub fn read_pool(&self, ctx: &Ctx) -> &PgPool {
        match (&self.replica, &ctx.reads) {
            (Some(replica), Some(route)) if route.may_use_replica() && replica.usable() => {
                route.used_replica.store(true, Ordering::Relaxed);
                &replica.pool
            }
            _ => &self.pool,
        }
    }
}

/// What one request may read from, decided before its handler runs
/// (`web::middleware::replica`), and whether it did read from the replica.
#[derive(Debug, Default)]
pub struct ReadRoute {
    /// A GET/HEAD from a client without a recent write, on its first attempt.
    pub replica_allowed: bool,
    pub used_replica: AtomicBool,
}

impl ReadRoute {
    pub fn may_use_replica(&self) -> bool {
        self.replica_allowed
    }
}

/// The replica's pool and what the last health check found.
pub struct Replica {
    pub pool: PgPool,
    max_lag: Duration,
    /// Lag in milliseconds at the last check; negative: the check failed.
    lag_ms: AtomicI64,
    /// Set when a read on the replica failed: reads go to the primary until then.
    down_until: RwLock<Option<Instant>>,
}

impl Replica {
    /// How often the health check runs, and how long one may take.
    pub const CHECK_EVERY: Duration = Duration::from_secs(1);
    pub const CHECK_TIMEOUT: Duration = Duration::from_millis(500);
    /// How long a failed read keeps the replica out of use.
    pub const FAILURE_MEMORY: Duration = Duration::from_secs(3);
    /// A read waits at most this long for a replica connection before it fails (and is asked
    /// again of the primary).
    pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

    pub fn new(pool: PgPool, max_lag: Duration) -> Self {
        Replica { pool, max_lag, lag_ms: AtomicI64::new(-1), down_until: RwLock::new(None) }
    }

    /// Lagging beyond the limit at the last check.
    pub fn lagging(&self) -> bool {
        self.lag().is_some_and(|lag| lag > self.max_lag)
    }

    /// Healthy at the last check, not lagging beyond the limit, no failure remembered.
    pub fn usable(&self) -> bool {
        let lag = self.lag_ms.load(Ordering::Relaxed);
        if lag < 0 || lag as u128 > self.max_lag.as_millis() {
            return false;
        }
        match *self.down_until.read().unwrap_or_else(|e| e.into_inner()) {
            Some(until) => Instant::now() >= until,
            None => true,
        }
    }

    /// The lag at the last check; None when the replica did not answer.
    pub fn lag(&self) -> Option<Duration> {
        let lag = self.lag_ms.load(Ordering::Relaxed);
        (lag >= 0).then(|| Duration::from_millis(lag as u64))
    }

    /// A read on the replica failed: keep reads off it for a few seconds.
    pub fn report_failure(&self) {
        *self.down_until.write().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + Self::FAILURE_MEMORY);
    }

    /// Asks the replica for its lag now (bounded by `CHECK_TIMEOUT`) and remembers the answer.
    pub async fn check(&self) {
        let lag = tokio::time::timeout(Self::CHECK_TIMEOUT, db::replica::lag_seconds(&self.pool));
        let lag_ms = match lag.await {
            Ok(Ok(secs)) => (secs.max(0.0) * 1000.0) as i64,
            Ok(Err(error)) => {
                tracing::debug!("replica health check: {error}");
                -1
            }
            Err(_) => -1,
        };
        let was = self.lag_ms.swap(lag_ms, Ordering::Relaxed);
        if (was < 0) != (lag_ms < 0) {
            match lag_ms {
                -1 => tracing::warn!("read replica unreachable: reads go to the primary"),
                _ => tracing::info!("read replica reachable (lag {lag_ms} ms)"),
            }
        }
    }

    /// Checks every `CHECK_EVERY` until the state holding the replica is gone.
    async fn watch(replica: std::sync::Weak<Self>) {
        while let Some(replica) = replica.upgrade() {
            replica.check().await;
            drop(replica);
            tokio::time::sleep(Self::CHECK_EVERY).await;
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
