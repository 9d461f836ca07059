//! The staff list of seminars, narrowed by the policy's scope and optionally by state.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::db::seminar_review::{self, ListRow};
use crate::domain::category::{Format, Programme};
use crate::domain::policy::{self, allows, Action, List, Scope};
use crate::domain::prefecture;
use crate::domain::seminar::{period_label, Status};
use crate::error::AppResult;
use crate::mail::messages::prefecture_association;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::render;

const LIST_LIMIT: i64 = 500;

pub struct RowView {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub programme: &'static str,
    pub format: &'static str,
    pub organizer: String,
    pub prefecture: &'static str,
    pub status: &'static str,
    pub paper: bool,
}

impl From<ListRow> for RowView {
    fn from(r: ListRow) -> Self {
        RowView {
            id: r.id,
            period: period_label(r.starts_on, r.ends_on),
            programme: Programme::from_code(&r.programme).map(Programme::label).unwrap_or("不明"),
            format: Format::from_code(&r.format).map(Format::label).unwrap_or("不明"),
            organizer: if r.organizer_association_id.is_some() {
                r.organizer_name
            } else {
                format!("{}（医師会以外）", r.organizer_name)
            },
            prefecture: prefecture::name(r.approving_prefecture_code).unwrap_or("不明"),
            status: r.status.label(),
            paper: r.paper_approved,
            title: r.title,
        }
    }
}

pub struct StatusOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office/seminars/list.html")]
struct ListPage {
    layout: Layout,
    scope: String,
    statuses: Vec<StatusOption>,
    rows: Vec<RowView>,
    can_submit: bool,
    can_decide: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
}

fn scope_heading(scope: Scope, association: Option<&str>) -> String {
    match scope {
        Scope::All => "全国の研修会".to_string(),
        Scope::Prefecture(code) => format!("{}が承認する研修会", prefecture_association(code)),
        Scope::Association(_) => format!("{}が主催する研修会", association.unwrap_or("")),
        Scope::Nothing => "表示できる研修会はありません".to_string(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let actor = user.actor();
    let scope = policy::scope(&actor, List::Seminars);
    let status = Status::from_code(query.status.trim());
    let rows = seminar_review::list(&state.pool, scope, status, LIST_LIMIT)
        .await?
        .into_iter()
        .map(RowView::from)
        .collect();
    let page = ListPage {
        scope: scope_heading(scope, user.association.as_ref().map(|a| a.name.as_str())),
        statuses: Status::ALL
            .into_iter()
            .map(|s| StatusOption { code: s.code(), label: s.label(), selected: status == Some(s) })
            .collect(),
        rows,
        can_submit: allows(&actor, Action::SubmitSeminar),
        can_decide: allows(&actor, Action::DecideSeminarAtCommittee),
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}
