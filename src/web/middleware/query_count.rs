//! Counts the SQL statements each request runs, so that no page's count grows with the data
//! (no N+1). A middleware gives every request its own counter (a task-local); a tracing layer
//! that sees sqlx's per-statement events (target `sqlx::query`) adds to it. The count goes into
//! the request span (`queries`, shown on the request's log lines) and, when
//! `Config::count_queries` is on, into the `X-Query-Count` response header for tests.
//!
//! sqlx only builds its statement event when some layer wants it, and building it formats the
//! SQL, so the layer is installed only when counting is asked for (`QUERY_COUNT=1`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{Filtered, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::state::AppState;

pub const HEADER: &str = "x-query-count";
const SQLX_TARGET: &str = "sqlx::query";

tokio::task_local! {
    static QUERIES: Arc<AtomicU32>;
}

/// Adds one to the current request's count for every statement sqlx reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingLayer;

impl<S: Subscriber> Layer<S> for CountingLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == SQLX_TARGET {
            let _ = QUERIES.try_with(|n| n.fetch_add(1, Ordering::Relaxed));
        }
    }
}

/// The counting layer with its own filter: it asks for sqlx's statement events (DEBUG) and
/// nothing else, leaving every other layer's output as it was.
pub fn layer<S>() -> Filtered<CountingLayer, Targets, S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    CountingLayer.with_filter(Targets::new().with_target(SQLX_TARGET, tracing::Level::TRACE))
}

/// A subscriber that only counts (for tests, which have no other).
pub fn counting_subscriber() -> impl Subscriber + Send + Sync {
    tracing_subscriber::registry().with(layer())
}

/// Statements run so far by the current request (0 outside a request).
pub fn current() -> u32 {
    QUERIES.try_with(|n| n.load(Ordering::Relaxed)).unwrap_or(0)
}

/// Scopes a fresh counter around the rest of the stack (sessions included).
pub async fn scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let counter = Arc::new(AtomicU32::new(0));
    let mut response = QUERIES.scope(counter.clone(), next.run(req)).await;
    if state.config.count_queries {
        let queries = counter.load(Ordering::Relaxed);
        tracing::Span::current().record("queries", queries);
        response.headers_mut().insert(HEADER, HeaderValue::from(queries));
    }
    response
}
