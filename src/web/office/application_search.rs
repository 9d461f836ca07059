//! `/office/applications/search`: every tier finds any application in its scope, in every
//! status (issue 9 §6), by name (kanji or kana), registry or certificate number, programme,
//! status and cycle; 50 per page with the true total.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::db::application_review::{self as review_db, Search};
use crate::domain::application::Status;
use crate::domain::category::Programme;
use crate::domain::person::to_full_katakana;
use crate::domain::text::to_halfwidth_ascii;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::office::applications::{scope_of, QueueView};
use crate::web::render;

const PER_PAGE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/applications/search", get(search))
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office/applications/search.html")]
struct SearchPage {
    layout: Layout,
    caption: String,
    q: String,
    programmes: Vec<Choice>,
    statuses: Vec<Choice>,
    cycles: Vec<Choice>,
    rows: Vec<QueueView>,
    total: i64,
    page: i64,
    pages: i64,
    /// The query string without the page, for the paging links.
    query: String,
}

/// A typed number (full-width digits too) searches registry and certificate numbers; anything
/// else searches names, hiragana and half-width kana read as katakana.
fn parse_filter(query: &SearchQuery) -> Search {
    let text = to_halfwidth_ascii(query.q.trim());
    let text = text.trim();
    let (name, number) = if text.is_empty() {
        (None, None)
    } else if text.bytes().all(|b| b.is_ascii_digit()) {
        (None, Some(text.to_string()))
    } else {
        (Some(to_full_katakana(&query.q.trim().replace(['　', ' '], ""))), None)
    };
    Search {
        name: name.filter(|n| !n.is_empty()),
        number,
        programme: Programme::from_code(&query.programme).map(|p| p.code().to_string()),
        status: Status::from_code(&query.status).map(|s| s.code().to_string()),
        cycle_id: query.cycle.trim().parse().ok(),
    }
}

async fn search(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    let user = &ctx.user;
    let filter = parse_filter(&query);
    let page = query.page.unwrap_or(1).max(1);
    let (rows, total) =
        review_db::search(&state.pool, scope_of(user), &filter, PER_PAGE, (page - 1) * PER_PAGE)
            .await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let cycles = review_db::cycle_summaries(&state.pool, ctx.now.date_naive())
        .await?
        .into_iter()
        .map(|c| Choice {
            selected: filter.cycle_id == Some(c.id),
            code: c.id.to_string(),
            label: format!("{}年度 第{}回", c.fiscal_year, c.number),
        })
        .collect();
    let rows = rows.into_iter().map(QueueView::new).collect();
    let programmes = [Programme::Occupational, Programme::Sports]
        .into_iter()
        .map(|p| Choice {
            code: p.code().into(),
            label: p.label().into(),
            selected: filter.programme.as_deref() == Some(p.code()),
        })
        .collect();
    let statuses = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Draft)
        .map(|s| Choice {
            code: s.code().into(),
            label: s.label_for_staff().into(),
            selected: filter.status.as_deref() == Some(s.code()),
        })
        .collect();
    let query_string = serde_urlencoded::to_string([
        ("q", query.q.as_str()),
        ("programme", query.programme.as_str()),
        ("status", query.status.as_str()),
        ("cycle", query.cycle.as_str()),
    ])
    .unwrap_or_default();
    let page = SearchPage {
        caption: format!("申請 {total}件"),
        layout: ctx.layout(),
        q: query.q.clone(),
        programmes,
        statuses,
        cycles,
        rows,
        total,
        page: page.min(pages),
        pages,
        query: query_string,
    };
    render(&page)
}
