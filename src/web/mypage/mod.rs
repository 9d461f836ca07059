//! The physician's pages (/mypage): credits, certifications, profile, applications, certificates.

pub mod application_files;
pub mod applications;
pub mod calendar;
pub mod certificates;
pub mod consents;
pub mod home;
pub mod missing_credits;
pub mod profile;
pub mod recruitment;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mypage", get(home::mypage))
        .route("/mypage/credits/print", get(home::credits_print))
        .merge(consents::routes())
        .merge(profile::routes())
        .merge(certificates::routes())
        .merge(applications::routes())
        .merge(missing_credits::routes())
        .merge(calendar::routes())
}

/// Pages of this folder open to anyone: the seminars inviting attendees (`/seminars`), whose
/// handlers ask for a signed-in physician where they need one, and the calendar feed, whose
/// secret URL is its key.
pub fn public_routes() -> Router<AppState> {
    recruitment::routes().merge(calendar::feed_routes())
}
