//! The administrator and oversight: maintenance windows, announcements, login delays, the audit log.

pub mod audit;
pub mod home;
pub mod logins;
pub mod settings;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home::admin))
        .route("/admin/maintenance", get(settings::windows).post(settings::create_window))
        .route(
            "/admin/maintenance/{id}/delete",
            get(settings::delete_window_page).post(settings::delete_window),
        )
        .route(
            "/admin/announcements",
            get(settings::announcements).post(settings::create_announcement),
        )
        .route("/admin/announcements/{id}/delete", post(settings::delete_announcement))
}

/// JMA staff and the administrator: the audit log and lifting login delays.
pub fn oversight_routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit::list)).merge(logins::routes())
}
