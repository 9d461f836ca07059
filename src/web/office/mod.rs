//! Association staff (/office): one module per area.

pub mod application_search;
pub mod applications;
pub mod association;
pub mod changes;
pub mod charts;
pub mod exports;
pub mod held_credits;
pub mod home;
pub mod links;
pub mod members;
pub mod notices;
pub mod physician_record;
pub mod physicians;
pub mod postcards;
pub mod reception;
pub mod seminar_files;
pub mod seminars;
pub mod watch;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(home::office))
        .merge(members::routes())
        .merge(association::routes())
        .merge(links::routes())
        .merge(changes::routes())
        .merge(charts::routes())
        .merge(physician_record::routes())
        .merge(physicians::routes())
        .merge(exports::routes())
        .merge(seminars::routes())
        .merge(application_search::routes())
        .merge(applications::routes())
        .merge(notices::routes())
        .merge(reception::routes())
        .merge(held_credits::routes())
        .merge(seminar_files::routes())
        .merge(watch::routes())
}
