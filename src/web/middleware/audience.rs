//! The audience guard: every request to a page that is not public passes here before any
//! handler, extractor or form parser runs. Anonymous visitors are sent to sign in, signed-in
//! users outside the path's audience (`domain::audience`) get 403, so a handler that forgets
//! its own check is still closed to the wrong people. The request context the guard builds is
//! handed to the handler (`Ctx` reads it back), so the check costs no extra query.

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::audience::{admits, of_path, open_to_anonymous};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::ctx::Ctx;

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let audience = of_path(req.uri().path());
    if open_to_anonymous(audience) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let ctx = match Ctx::from_request_parts(&mut parts, &state).await {
        Ok(ctx) => ctx,
        Err(error) => return error.into_response(),
    };
    let verdict = match &ctx.user {
        None => Err(AppError::LoginRequired { next: ctx.path_and_query.clone() }),
        Some(user) if admits(&user.actor(), audience) => Ok(()),
        Some(_) => Err(AppError::Forbidden),
    };
    if let Err(error) = verdict {
        return error.into_response();
    }
    parts.extensions.insert(ctx);
    next.run(Request::from_parts(parts, body)).await
}
