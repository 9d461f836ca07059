//! The route groups' guard: every route is declared in the group of its audience
//! (`web::router`), and the group's `route_layer` runs this before any handler, extractor or
//! form parser of the group. Anonymous visitors are sent to sign in, signed-in users outside the
//! group's audience (`domain::audience::admits`) get 403, so a handler that forgets its own
//! check is still closed to the wrong people. The request context built here is handed to the
//! handler (`Ctx` reads it back), so the check costs no extra query.

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::audience::{of_path, open_to_anonymous, Audience};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::extract::admitted;

pub async fn guard(
    State((state, audience)): State<(AppState, Audience)>,
    req: Request,
    next: Next,
) -> Response {
    if let Err(error) = declared_where_it_belongs(req.uri().path(), audience) {
        return error.into_response();
    }
    if open_to_anonymous(audience) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let ctx = match Ctx::from_request_parts(&mut parts, &state).await {
        Ok(ctx) => ctx,
        Err(error) => return error.into_response(),
    };
    if let Err(error) = admitted(&ctx, audience) {
        return error.into_response();
    }
    parts.extensions.insert(ctx);
    next.run(Request::from_parts(parts, body)).await
}

/// A route declared in another group than its URL's audience (`domain::audience::of_path`) is a
/// programming error: refused closed (500, logged), and the route-table test, which walks every
/// route, fails on it.
fn declared_where_it_belongs(path: &str, group: Audience) -> Result<(), AppError> {
    let by_url = of_path(path);
    let agrees = by_url == group || (open_to_anonymous(by_url) && open_to_anonymous(group));
    if agrees {
        Ok(())
    } else {
        Err(AppError::Internal(anyhow::anyhow!(
            "route {path} is declared in the {group:?} group but its URL belongs to {by_url:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_must_be_declared_in_the_group_of_its_url() {
        for (path, group, ok) in [
            ("/mypage/applications/3", Audience::Physicians, true),
            ("/mypage/applications/3", Audience::Staff, false),
            ("/office/applications", Audience::Staff, true),
            ("/office/applications", Audience::Public, false),
            ("/mypage/profile/email/confirm", Audience::Public, true),
            ("/mypage/profile/email/confirm", Audience::Physicians, false),
            ("/admin/logins", Audience::Oversight, true),
            ("/admin/logins", Audience::Administrators, false),
            ("/audit", Audience::Oversight, true),
            ("/proxy/stop", Audience::SignedIn, true),
            ("/proxy/stop", Audience::Staff, false),
            // Open groups: a public form may sit beside the work pages.
            ("/seminars/apply", Audience::WorkPage, true),
            ("/work/abc", Audience::Public, true),
            ("/work/abc", Audience::SignedIn, false),
        ] {
            assert_eq!(declared_where_it_belongs(path, group).is_ok(), ok, "{path} in {group:?}");
        }
    }
}
