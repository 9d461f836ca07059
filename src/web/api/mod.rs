//! The organizer API (issue 14, part 2): JSON for organizers' own systems, authenticated by a
//! per-seminar Bearer token issued on the work page (`web::work::api_tokens`). Its own router
//! group, outside the session, CSRF and audience layers of the pages (`domain::audience` names
//! it `Audience::Api`): nothing here reads a cookie, so there is nothing to forge. Errors are
//! problem details; the OpenAPI 3.1 document is generated from these handlers and types.

pub mod auth;
pub mod batches;
pub mod credits;
pub mod problem;
pub mod types;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::domain::downtime;
use crate::state::AppState;
use problem::ApiError;

/// A batch of 20,000 attendees is about 8 MB of JSON; 32 MB leaves room for long names.
pub const MAX_BATCH_BYTES: usize = 32 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MAMIS 研修会主催者API",
        version = "1.0.0",
        description = "研修会の主催者のシステムから、受講者の単位を登録するためのAPIです。作業ページの「APIで登録する」で発行したトークンを `Authorization: Bearer` ヘッダーで送ってください。行ごとの判定は、CSVファイルの確認画面と同じです。"
    ),
    paths(
        credits::seminar,
        batches::create,
        batches::commit,
        credits::list,
        credits::withdraw,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "seminar", description = "トークンの研修会"),
        (name = "credits", description = "受講者の単位の登録・一覧・取り消し"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Response {
    Json(document()).into_response()
}

async fn no_such_endpoint() -> ApiError {
    ApiError::not_found("このURLのAPIはありません。/api/openapi.json をご覧ください。")
}

/// During a maintenance window the API answers 503 with Retry-After, as a problem detail.
async fn downtime_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let now = state.clock.now();
    match state.windows.resume_at(&state.pool, now).await {
        Ok(Some(resume)) => ApiError::unavailable(
            format!("メンテナンスのため停止しています。{}。", downtime::resume_message(resume)),
            downtime::retry_after_seconds(now, resume),
        )
        .into_response(),
        _ => next.run(req).await,
    }
}

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/seminar", get(credits::seminar))
        .route(
            "/api/v1/credits/batches",
            post(batches::create).layer(DefaultBodyLimit::max(MAX_BATCH_BYTES)),
        )
        .route("/api/v1/credits/batches/{id}/commit", post(batches::commit))
        .route("/api/v1/credits", get(credits::list))
        .route("/api/v1/credits/{registry_number}", axum::routing::delete(credits::withdraw))
        .route("/api/{*rest}", any(no_such_endpoint))
        .layer(from_fn_with_state(state.clone(), downtime_guard))
        // API answers are never cached: the security-headers layer around every route gives
        // them `Cache-Control: no-store`.
        .route("/api/openapi.json", get(openapi_json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_endpoint() {
        let doc = serde_json::to_value(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        for path in [
            "/api/v1/seminar",
            "/api/v1/credits/batches",
            "/api/v1/credits/batches/{id}/commit",
            "/api/v1/credits",
            "/api/v1/credits/{registry_number}",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} documented");
        }
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    }
}
