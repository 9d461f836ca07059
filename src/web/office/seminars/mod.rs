//! Seminar approval by staff (DOMAIN §5, §6, §9): associations apply for their own seminars,
//! the approving prefecture approves or returns them, JMA's committee decides per review cycle
//! and enters seminars approved on paper; approval issues the organizer's secret work page.
//! The use cases (lock → transition → write → audit → mail) are `app::seminars`; these
//! handlers extract, call and render.

mod committee;
mod edit;
mod form;
mod list;
mod paper;
mod review;
mod show;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use crate::app::seminars::ensure_visible;
pub use crate::domain::seminar_status::required_comment;
pub use form::{
    input_from, unit_groups, AssociationOption, SeminarForm, UnitFieldView, UnitGroupView,
};
pub use review::CommentForm;

use crate::state::AppState;
use crate::web::office::seminar_files::REQUEST_LIMIT;
use committee::{committee, committee_bulk_approve, committee_cycle};
use edit::{create, edit_form, new_form, resubmit};
use list::list;
use paper::{paper_create, paper_form};
use review::{decide, prefecture_approve, prefecture_return, reissue_work_page, revoke_work_page};
use show::show;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/seminars", get(list))
        .route(
            "/office/seminars/new",
            get(new_form).post(create).layer(DefaultBodyLimit::max(REQUEST_LIMIT)),
        )
        .route("/office/seminars/paper", get(paper_form).post(paper_create))
        .route("/office/seminars/{id}", get(show))
        .route(
            "/office/seminars/{id}/edit",
            get(edit_form).post(resubmit).layer(DefaultBodyLimit::max(REQUEST_LIMIT)),
        )
        .route("/office/seminars/{id}/approve", post(prefecture_approve))
        .route("/office/seminars/{id}/return", post(prefecture_return))
        .route("/office/seminars/{id}/decide", post(decide))
        .route("/office/seminars/{id}/work-page/reissue", post(reissue_work_page))
        .route("/office/seminars/{id}/work-page/revoke", post(revoke_work_page))
        .route("/office/committee", get(committee))
        .route("/office/committee/{cycle_id}", get(committee_cycle))
        .route("/office/committee/{cycle_id}/approve", post(committee_bulk_approve))
}
