//! Browsing the audit log (JMA staff and system administrators).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::clock::{format_jp_datetime, jst};
use crate::db::{self, audit::Filter};
use crate::domain::audit_action::{entity_label, label_of, AuditAction, ENTITY_TYPES};
use crate::domain::policy::Action;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::render;

const PAGE_SIZE: i64 = 50;

#[derive(Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    entity_id: String,
    before: Option<i64>,
}

pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub on_behalf_of: String,
    pub action: String,
    pub entity: String,
    pub before: String,
    pub after: String,
    pub ip: String,
}

/// One choice of the action filter: the code as value, the label as text.
pub struct ActionChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    layout: Layout,
    actions: Vec<ActionChoice>,
    entity_types: Vec<ActionChoice>,
    query: AuditQuery,
    rows: Vec<AuditView>,
    older: Option<String>,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> AppResult<Response> {
    ctx.require(Action::ViewAuditLog)?;
    let filter = Filter {
        action_prefix: non_empty(&query.action),
        actor_login_id: non_empty(&query.actor),
        entity_type: non_empty(&query.entity_type),
        entity_id: non_empty(&query.entity_id),
    };
    let rows = db::audit::list(state.read_pool(&ctx), &filter, query.before, PAGE_SIZE + 1).await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<_> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    let older = match (has_more, rows.last()) {
        (true, Some(last)) => Some(format!(
            "/audit?action={}&actor={}&entity_type={}&entity_id={}&before={}",
            crate::error::urlencode(&query.action),
            crate::error::urlencode(&query.actor),
            crate::error::urlencode(&query.entity_type),
            crate::error::urlencode(&query.entity_id),
            last.id
        )),
        _ => None,
    };
    let rows = rows
        .into_iter()
        .map(|r| AuditView {
            at: format_jp_datetime(r.at.with_timezone(&jst())),
            actor: r.actor_login_id.unwrap_or_else(|| "（未ログイン）".into()),
            on_behalf_of: r.on_behalf_of_login_id.unwrap_or_default(),
            action: label_of(&r.action),
            entity: match r.entity_id {
                Some(id) => format!("{}（番号 {}）", entity_label(&r.entity_type), id),
                None => entity_label(&r.entity_type).to_string(),
            },
            before: r.before.map(|v| v.to_string()).unwrap_or_default(),
            after: r.after.map(|v| v.to_string()).unwrap_or_default(),
            ip: r.ip.unwrap_or_default(),
        })
        .collect();
    let mut actions: Vec<ActionChoice> = AuditAction::ALL
        .iter()
        .map(|a| ActionChoice {
            code: a.code(),
            label: a.label(),
            selected: a.code() == query.action.trim(),
        })
        .collect();
    actions.sort_by_key(|a| a.code);
    let entity_types = ENTITY_TYPES
        .iter()
        .map(|t| ActionChoice {
            code: t,
            label: entity_label(t),
            selected: *t == query.entity_type.trim(),
        })
        .collect();
    let page = AuditPage { layout: ctx.layout(), actions, entity_types, query, rows, older };
    render(&page)
}
