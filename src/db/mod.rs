//! Every SQL statement of the program lives in this module tree, one module per aggregate.

pub mod accounts;
pub mod application_review;
pub mod applications;
pub mod audit;
pub mod bulk;
pub mod change_requests;
pub mod credit_corrections;
pub mod credit_list;
pub mod credit_views;
pub mod credits;
pub mod exports;
pub mod files;
pub mod form_submissions;
pub mod held_credits;
pub mod link_reviews;
pub mod linking;
pub mod maintenance;
pub mod members;
pub mod my_page;
pub mod notices;
pub mod outbox;
pub mod physicians;
pub mod presidents;
pub mod profile;
pub mod proxy;
pub mod rate_limit;
pub mod reception;
pub mod recruitment;
pub mod reports;
pub mod request_letter;
pub mod seminar_lectures;
pub mod seminar_links;
pub mod seminar_review;
pub mod seminars;
pub mod sessions;
pub mod terms;
pub mod text_enum;
pub mod throttle;
pub mod tokens;
pub mod verification;
pub mod work_pages;

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Creates the database named in `url` when it does not exist yet.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let exists = match Postgres::database_exists(url).await {
        Ok(exists) => exists,
        Err(sqlx::Error::Io(error)) => anyhow::bail!(
            "no PostgreSQL server answers at {} ({error}); start one, e.g. `pg_ctlcluster \
             --skip-systemctl-redirect $(ls /etc/postgresql) main start` or `docker compose up -d \
             db`, or set DATABASE_URL",
            redacted(url)
        ),
        Err(error) => return Err(error.into()),
    };
    if !exists {
        tracing::info!("creating database");
        Postgres::create_database(url).await?;
    }
    Ok(())
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// A pooled connection idle at least this long is pinged before use.
const IDLE_PING_AFTER_SECS: u64 = 30;

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(5))
        // sqlx pings every connection it hands out by default: a second round trip for every
        // statement run on the pool. Ping only connections that sat idle long enough to have
        // been cut (server restart, firewall); a busy connection proves itself by being used.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= std::time::Duration::from_secs(IDLE_PING_AFTER_SECS) {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
