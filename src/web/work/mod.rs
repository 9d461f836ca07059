//! Organizers: the secret per-seminar work page, and the seminar application and correction forms.

pub mod api_tokens;
pub mod applicants;
pub mod credits;
pub mod limit;
pub mod page;
pub mod preview;
pub mod report;
pub mod seminar_apply;
pub mod seminar_correct;
pub mod timetable;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(seminar_apply::routes())
        .merge(seminar_correct::routes())
        .merge(page::routes())
        .merge(report::routes())
        .merge(applicants::routes())
        .merge(api_tokens::routes())
}
