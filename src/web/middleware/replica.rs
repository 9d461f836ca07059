//! Read routing for the read replica (`DATABASE_REPLICA_URL`, docs/SCALING.md §2).
//!
//! Every request gets a `ReadRoute` that `AppState::read_pool` consults: a GET or HEAD may read
//! from the replica unless the client wrote in the last `read_your_writes` seconds. A write is
//! remembered in a small cookie (`mamis_wrote`, the time of the last successful POST) rather
//! than in the session, so that marking it costs no session write and every instance sees it.
//! A read that failed on the replica (it stopped, or a connection broke) is answered again from
//! the primary, once, and the replica is kept out of use for a few seconds: the client sees no
//! error.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::response::Response;
use tower::{Layer, Service, ServiceExt};

use crate::state::{AppState, ReadRoute};

/// The cookie holding the unix time of the client's last successful write.
pub const WROTE_COOKIE: &str = "mamis_wrote";

#[derive(Clone)]
pub struct ReadRoutingLayer {
    state: AppState,
}

impl ReadRoutingLayer {
    pub fn new(state: AppState) -> Self {
        ReadRoutingLayer { state }
    }
}

impl<S> Layer<S> for ReadRoutingLayer {
    type Service = ReadRouting<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ReadRouting { inner, state: self.state.clone() }
    }
}

#[derive(Clone)]
pub struct ReadRouting<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request<Body>> for ReadRouting<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The ready service answers this request; a clone stays for the next (tower's rule).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move { Ok(route(state, inner, request).await) })
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Whether the request carries a write mark younger than `window`.
pub fn wrote_within(headers: &HeaderMap, window: Duration) -> bool {
    let now = unix_now();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(WROTE_COOKIE)?.strip_prefix('='))
        .filter_map(|at| at.trim().parse::<u64>().ok())
        .any(|at| at <= now && now - at < window.as_secs())
}

fn mark_write(response: &mut Response, window: Duration, secure: bool) {
    let cookie = format!(
        "{WROTE_COOKIE}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{}",
        unix_now(),
        window.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

async fn route<S>(state: AppState, inner: S, mut request: Request<Body>) -> Response
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let Some(replica) = state.replica.clone() else {
        return answer(inner.oneshot(request).await);
    };
    let window = state.config.read_your_writes;
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = answer(inner.oneshot(request).await);
        if response.status().as_u16() < 400 && !window.is_zero() {
            mark_write(&mut response, window, state.config.secure_cookies());
        }
        return response;
    }
    // A GET has no body: enough is kept to ask again.
    let (method, uri, version) =
        (request.method().clone(), request.uri().clone(), request.version());
    let (headers, extensions) = (request.headers().clone(), request.extensions().clone());
    let reads = Arc::new(ReadRoute {
        replica_allowed: !wrote_within(request.headers(), window),
        ..ReadRoute::default()
    });
    request.extensions_mut().insert(reads.clone());
    let response = answer(inner.clone().oneshot(request).await);
    if !(reads.used_replica.load(Ordering::Relaxed) && response.status().is_server_error()) {
        return response;
    }
    replica.report_failure();
    tracing::warn!(%uri, status = %response.status(), "a read on the replica failed: asking the primary");
    let mut again = Request::new(Body::empty());
    *again.method_mut() = method;
    *again.uri_mut() = uri;
    *again.version_mut() = version;
    *again.headers_mut() = headers;
    *again.extensions_mut() = extensions;
    again.extensions_mut().insert(Arc::new(ReadRoute::default()));
    answer(inner.oneshot(again).await)
}

fn answer(result: Result<Response, Infallible>) -> Response {
    match result {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
