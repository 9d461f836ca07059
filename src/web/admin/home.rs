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
    replica: String,
}

/// The read replica's state for the administrator: its lag, unreachable, or none configured.
fn replica_status(state: &AppState) -> String {
    let Some(replica) = &state.replica else { return "レプリカなし".into() };
    match replica.lag() {
        None => "応答なし（読み取りはすべてプライマリで処理中）".into(),
        Some(lag) if replica.lagging() => format!(
            "遅延 {:.1} 秒（上限 {} 秒を超えているため、読み取りはプライマリで処理中）",
            lag.as_secs_f64(),
            state.config.replica_max_lag.as_secs()
        ),
        Some(lag) => format!("遅延 {:.1} 秒", lag.as_secs_f64()),
    }
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
    let replica = replica_status(&state);
    let page =
        AdminPage { layout: ctx.layout().with_notice(ctx.take_flash().await?), mails, replica };
    render(&page)
}
