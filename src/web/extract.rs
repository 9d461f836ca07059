//! Who is calling, as types: a handler that takes `Physician`, `Staff` or `Admin` cannot run for
//! anyone else, so it cannot forget the check. Each is the request context (`Ctx`, reached
//! through `Deref`) plus the signed-in account the policy admitted. The route group's guard
//! (`web::middleware::audience`) has usually refused the wrong people already; the extractor
//! states the same rule at the handler, where a reader looks for it.

use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::db::accounts::CurrentAccount;
use crate::domain::audience::{admits, Audience};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::ctx::Ctx;

/// The signed-in account if `domain::audience` admits it to `audience`; otherwise a redirect to
/// sign in (anonymous) or 403. The route groups' guard and the extractors both ask here.
pub fn admitted(ctx: &Ctx, audience: Audience) -> Result<&CurrentAccount, AppError> {
    match &ctx.user {
        None => Err(AppError::LoginRequired { next: ctx.path_and_query.clone() }),
        Some(user) if admits(&user.actor(), audience) => Ok(user),
        Some(_) => Err(AppError::Forbidden),
    }
}

macro_rules! signed_in_as {
    ($(#[$doc:meta])* $name:ident, $audience:expr) => {
        $(#[$doc])*
        pub struct $name {
            pub ctx: Ctx,
            pub user: CurrentAccount,
        }

        impl Deref for $name {
            type Target = Ctx;
            fn deref(&self) -> &Ctx {
                &self.ctx
            }
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, AppError> {
                let ctx = Ctx::from_request_parts(parts, state).await?;
                let user = admitted(&ctx, $audience)?.clone();
                Ok($name { ctx, user })
            }
        }
    };
}

signed_in_as!(
    /// A physician on their own my page (or staff acting for one under proxy entry: `user` is
    /// then the physician, `ctx.proxy_by` the staff member).
    Physician,
    Audience::Physicians
);
signed_in_as!(
    /// Association staff of any tier (municipal, prefectural, JMA).
    Staff,
    Audience::Staff
);
signed_in_as!(
    /// The system administrator.
    Admin,
    Audience::Administrators
);
