//! Pages for anyone: sign-in, registration, recovery, first-login steps, static assets, health.

pub mod assets;
pub mod auth;
pub mod finder;
pub mod health;
pub mod recovery;
pub mod register;
pub mod welcome;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::root))
        .route("/login", get(auth::show).post(auth::submit))
        .route("/admin/login", get(auth::admin_show).post(auth::admin_submit))
        .route("/logout", post(auth::logout))
        .merge(welcome::routes())
        .merge(register::routes())
        .merge(recovery::routes())
        .merge(finder::routes())
}
