//! The work page's API tokens (issue 14, part 2): an organizer whose own system registers the
//! attendees issues a named token here, sees it once, and revokes it when it is no longer
//! needed or may have leaked. The page also explains the API in Japanese.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::api_tokens::{self, ApiToken};
use crate::db::audit;
use crate::domain::registration::FieldErrors;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::work::page::{jp_time, private, seminar_view, SeminarView, WorkPage};
use crate::web::{render, see_other};

/// A name tells tokens apart (e.g. the system or vendor that uses it).
const NAME_MAX: usize = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work/{token}/api", get(page))
        .route("/work/{token}/api/tokens", post(issue))
        .route("/work/{token}/api/tokens/{id}/revoke", post(revoke))
        // Private like every work page: the URL is the secret, and a token is on the page once.
        .layer(axum::middleware::map_response(|r: Response| async { private(r) }))
}

pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            hint: t.hint,
            created: jp_time(t.created_at),
            last_used: t.last_used_at.map(jp_time).unwrap_or_else(|| "未使用".into()),
            revoked: t.revoked_at.map(jp_time),
        }
    }
}

#[derive(Template)]
#[template(path = "work/api.html")]
struct ApiPage {
    layout: Layout,
    seminar: SeminarView,
    tokens: Vec<TokenView>,
    /// The token just issued: shown this once, never again.
    issued: Option<(String, String)>,
    name: String,
    errors: FieldErrors,
    /// The portal's address, for the examples.
    base_url: String,
    grants: Vec<(&'static str, &'static str, String)>,
}

async fn render_page(
    state: &AppState,
    ctx: &Ctx,
    work: &WorkPage,
    issued: Option<(String, String)>,
    name: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let tokens = api_tokens::for_work_page(&mut conn, &work.token).await?;
    drop(conn);
    let failed = !errors.is_empty();
    let page = ApiPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(work, &work.grants, ctx.now.date_naive()),
        tokens: tokens.into_iter().map(TokenView::from).collect(),
        issued,
        name,
        errors,
        base_url: state.config.base_url.trim_end_matches('/').to_string(),
        grants: work.grants.iter().map(|(c, u)| (c.code(), c.label(), u.to_string())).collect(),
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

async fn page(State(state): State<AppState>, ctx: Ctx, work: WorkPage) -> AppResult<Response> {
    render_page(&state, &ctx, &work, None, String::new(), FieldErrors::default()).await
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    name: String,
}

async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Form(form): Form<IssueForm>,
) -> AppResult<Response> {
    let name = form.name.trim().to_string();
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.add("name", "トークンの名前を入力してください（例：受付システム）。");
    } else if name.chars().count() > NAME_MAX {
        errors.add("name", format!("名前は{NAME_MAX}文字以内にしてください。"));
    }
    if !errors.is_empty() {
        return render_page(&state, &ctx, &work, None, name, errors).await;
    }
    let mut tx = state.pool.begin().await?;
    let (row, token) = api_tokens::issue(&mut tx, &work.token, &name, ctx.now)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let entry = audit::Entry {
        action: "api_token.issue",
        entity_type: "seminar",
        entity_id: Some(work.seminar.id.to_string()),
        before: None,
        after: Some(json!({ "api_token": row.id, "name": row.name, "hint": row.hint })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    let issued = Some((row.name, token));
    render_page(&state, &ctx, &work, issued, String::new(), FieldErrors::default()).await
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let revoked = api_tokens::revoke(&mut tx, &work.token, id, ctx.now).await?;
    let message = match &revoked {
        Some(row) => {
            let entry = audit::Entry {
                action: "api_token.revoke",
                entity_type: "seminar",
                entity_id: Some(work.seminar.id.to_string()),
                before: Some(json!({ "api_token": row.id, "name": row.name, "hint": row.hint })),
                after: Some(json!({ "revoked_at": ctx.now })),
            };
            audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
            format!(
                "トークン「{}」を取り消しました。このトークンではもう接続できません。",
                row.name
            )
        }
        None => "このトークンはすでに取り消されています。".to_string(),
    };
    tx.commit().await?;
    ctx.flash(&message).await?;
    Ok(see_other(&format!("{}/api", work.base())))
}
