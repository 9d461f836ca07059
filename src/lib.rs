//! MAMIS: the portal for certified occupational and health sports physicians.
//!
//! `build` wires the application (router + state) so that the binary and the tests run the
//! very same thing.

pub mod app;
pub mod clock;
pub mod config;
pub mod db;
#[cfg(feature = "demo")]
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
/// The fuzzers' entry points: only in test builds and with the `fuzzing` feature (`fuzz/`).
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz_targets;
pub mod jobs;
pub mod mail;
/// The national-scale data generator (demo data, benchmarks, drills): the `demo` feature, on
/// by default; a production build leaves it out with `--no-default-features`.
#[cfg(feature = "demo")]
pub mod national;
pub mod password;
pub mod state;
pub mod web;

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::Config;
use crate::state::AppState;

pub fn clock_for(config: &Config) -> Clock {
    match config.pinned_now {
        Some(at) => Clock::fixed(at),
        None => Clock::system(),
    }
}

pub fn build(state: AppState) -> Router {
    web::router(state)
}

/// Serves until the process is stopped. Connection info feeds the client IP into the audit log.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let app = build(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
