//! The command line: serve (default), migrate, demo, jobs. Nothing else lives here.

use clap::{Parser, Subcommand};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use mamis::config::Config;
#[cfg(feature = "demo")]
use mamis::demo;
#[cfg(feature = "demo")]
use mamis::national::{self, ids::DEFAULT_SEED, progress::Progress, Scale};
use mamis::state::AppState;
use mamis::{clock_for, db, mail};

#[derive(Parser)]
#[command(name = "mamis", about = "認定産業医・認定健康スポーツ医ポータル")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (creates and migrates the database; demo data into an empty one).
    Serve {
        /// Do not load demo data, even into an empty database.
        #[arg(long, env = "MAMIS_NO_DEMO")]
        no_demo: bool,
    },
    /// Create the database if needed and apply migrations.
    Migrate,
    /// Load the demo data set into an empty database.
    #[cfg(feature = "demo")]
    Demo {
        /// small: one login per role; national: 100,000 physicians and their data besides.
        #[arg(long, value_enum, default_value_t = DemoScale::Small)]
        scale: DemoScale,
        /// Seed of the national data set (same seed, same data).
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// Run the daily jobs once (renewal notices).
    Jobs,
}

#[cfg(feature = "demo")]
#[derive(Clone, Copy, clap::ValueEnum)]
enum DemoScale {
    Small,
    National,
}

/// glibc serves large allocations with mmap and returns them on free, but after the first
/// such free it raises that threshold to the freed size: from then on every argon2 run (19 MiB)
/// is carved from a thread's heap arena and kept there. With sign-ins on several blocking
/// threads that is tens of MiB per arena (a 64-user burst peaked at 500 MB). A fixed threshold
/// keeps large blocks mmapped and returned.
fn fix_malloc_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn main() -> anyhow::Result<()> {
    fix_malloc_mmap_threshold();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    // Per-layer filters: the query counter sees sqlx's statements without the log showing them.
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(filter))
        .with(config.count_queries.then(mamis::web::middleware::query_count::layer))
        .init();
    let clock = clock_for(&config);

    db::ensure_database(&config.database_url).await?;
    let pool =
        db::connect_with(&config.database_url, config.pool_size, config.statement_cache).await?;
    let command = cli.command.unwrap_or(Command::Serve { no_demo: false });
    if config.migrate_on_start || !matches!(command, Command::Serve { .. }) {
        db::migrate(&pool).await?;
    }

    match command {
        Command::Migrate => {
            tracing::info!("migrations applied");
        }
        #[cfg(feature = "demo")]
        Command::Demo { scale: DemoScale::Small, .. } => {
            let living = demo::load_living(&pool, clock.now()).await?;
            tell_demo(&config.base_url, &living);
        }
        #[cfg(feature = "demo")]
        Command::Demo { scale: DemoScale::National, seed } => {
            let progress = Progress::for_stdout();
            let counts =
                national::load(&pool, clock.now(), &Scale::national(), seed, &progress).await?;
            for (table, rows) in counts {
                println!("{table:>20}: {rows}");
            }
            println!("national data set loaded in {:.1}s (seed {seed})", progress.elapsed_secs());
        }
        Command::Jobs => {
            mamis::jobs::run_once(&pool, &clock, &config.base_url).await?;
        }
        Command::Serve { no_demo } => {
            #[cfg(feature = "demo")]
            if !no_demo && db::accounts::count(&pool).await? == 0 {
                let living = demo::load_living(&pool, clock.now()).await?;
                tell_demo(&config.base_url, &living);
            }
            #[cfg(not(feature = "demo"))]
            let _ = no_demo;
            let state = AppState::new(pool.clone(), config.clone(), clock.clone())
                .with_configured_replica()?;
            if state.replica.is_some() {
                tracing::info!("reads that may lag go to the replica (DATABASE_REPLICA_URL)");
            }
            if config.run_mail_worker {
                let mailer = mail::Mailer::from_config(&config)?;
                tokio::spawn(mail::worker::run(
                    pool.clone(),
                    mailer,
                    clock.clone(),
                    state.mail_notify.clone(),
                    config.mail_retry_max,
                ));
            }
            tokio::spawn(sweep_sessions(pool.clone()));
            tokio::spawn(mamis::jobs::run_daily_loop(
                pool.clone(),
                clock.clone(),
                config.base_url.clone(),
            ));
            let listener = tokio::net::TcpListener::bind(&config.bind).await?;
            tracing::info!("MAMIS listening on http://{}", listener.local_addr()?);
            mamis::serve(listener, state).await?;
        }
    }
    Ok(())
}

#[cfg(feature = "demo")]
fn tell_demo(base_url: &str, living: &demo::Living) {
    tracing::info!(
        "demo data loaded around today (logins doctor, chiyoda, tokyo, jma, admin; password {}); \
         an organizer's work page: {base_url}{} ({})",
        demo::DEMO_PASSWORD,
        living.work_page_path,
        living.work_page_seminar
    );
}

/// Deletes expired sessions every ten minutes.
async fn sweep_sessions(pool: sqlx::PgPool) {
    let store = db::sessions::PgSessionStore::new(pool);
    loop {
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "session sweep failed");
        }
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}
