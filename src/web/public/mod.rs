//! Pages for anyone: sign-in, registration, recovery, the links mailed to people who may not be
//! signed in when they click them, static assets, health. (The first-login steps, in
//! `welcome`, are for signed-in accounts: `web::signed_in_routes`.)

pub mod assets;
pub mod auth;
pub mod email_confirm;
pub mod finder;
pub mod health;
pub mod recovery;
pub mod register;
pub mod welcome;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::root))
        .route("/login", get(auth::show).post(auth::submit))
        .route("/admin/login", get(auth::admin_show).post(auth::admin_submit))
        .route("/verify-email", get(welcome::verify_email))
        .route("/mypage/profile/email/confirm", get(email_confirm::confirm))
        // The public verification page the certificate's QR code opens.
        .route("/verify/{programme}/{number}/{code}", get(crate::web::mypage::certificates::verify))
        .merge(register::routes())
        .merge(recovery::routes())
        .merge(finder::routes())
}
