//! Lifting login delays: a physician or clerk whose login ID (or office address) is delayed by
//! someone else's guesses asks staff, who clear the counter here.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_datetime;
use crate::db::{self, audit};
use crate::domain::policy::Action;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/logins", get(list).post(unlock))
}

pub struct DelayView {
    pub key: String,
    pub what: String,
    pub failures: i32,
    pub until: String,
}

#[derive(Template)]
#[template(path = "admin/logins.html")]
struct LoginsPage {
    layout: Layout,
    delays: Vec<DelayView>,
}

fn describe(key: &str) -> String {
    match key.split_once(':') {
        Some(("id", id)) => format!("ログインID {id}"),
        Some(("ip", ip)) => format!("接続元アドレス {ip}"),
        _ => key.to_string(),
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::UnlockLogins)?;
    let delays = db::throttle::delayed(&state.pool, ctx.now)
        .await?
        .into_iter()
        .map(|(key, failures, until)| DelayView {
            what: describe(&key),
            key,
            failures,
            until: format_jp_datetime(until),
        })
        .collect();
    let page = LoginsPage { layout: ctx.layout().with_notice(ctx.take_flash().await?), delays };
    render(&page)
}

#[derive(Deserialize)]
pub struct UnlockForm {
    key: String,
}

pub async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<UnlockForm>,
) -> AppResult<Response> {
    ctx.require(Action::UnlockLogins)?;
    if !(form.key.starts_with("id:") || form.key.starts_with("ip:")) {
        return Err(AppError::NotFound);
    }
    db::throttle::clear(&state.pool, &form.key).await?;
    let mut conn = state.pool.acquire().await?;
    let entry = audit::Entry {
        action: "auth.login_unlocked",
        entity_type: "login",
        entity_id: None,
        before: None,
        after: Some(json!({ "key": form.key })),
    };
    audit::record(&mut conn, &ctx.who(), ctx.now, entry).await?;
    drop(conn);
    ctx.flash(&format!("{}のログイン制限を解除しました。", describe(&form.key))).await?;
    Ok(see_other("/admin/logins"))
}
