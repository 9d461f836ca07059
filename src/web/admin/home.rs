//! The administrator's home page (/admin): recent outgoing mail.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::render;

pub struct OutboxView {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct AdminPage {
    layout: Layout,
    mails: Vec<OutboxView>,
}

pub async fn admin(State(state): State<AppState>, ctx: extract::Admin) -> AppResult<Response> {
    let mails = db::outbox::recent(&state.pool, 20)
        .await?
        .into_iter()
        .map(|m| OutboxView {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            state: match (m.sent_at, m.failed_at) {
                (Some(_), _) => "送信済み".into(),
                (None, Some(_)) => format!("送信失敗（{}回）", m.attempts),
                (None, None) if m.attempts > 0 => format!(
                    "再送待ち（{}回失敗: {}）",
                    m.attempts,
                    m.last_error.unwrap_or_default()
                ),
                (None, None) => "送信待ち".into(),
            },
        })
        .collect();
    let page = AdminPage { layout: ctx.layout().with_notice(ctx.take_flash().await?), mails };
    render(&page)
}
