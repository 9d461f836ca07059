//! The work page's list of registered attendees (issue 10, part 6): 100 attendees a page with
//! the true total, a search by name, フリガナ or 医籍登録番号, each attendee's state (held by
//! staff, rejected with the reason, corrected, withdrawn, late) and the whole list as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::db::credit_list::{self, ListedCredit};
use crate::db::credits as credit_db;
use crate::domain::category::Category;
use crate::domain::credit_match::MatchStatus;
use crate::domain::csv_text;
use crate::domain::person::Sex;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::members::csv_response;
use crate::web::render;
use crate::web::work::page::{jp_time, seminar_view, SeminarView, WorkPage};

pub use crate::db::credit_list::PER_PAGE;
const SEARCH_MAX: usize = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work/{token}/credits", get(credit_list))
        .route("/work/{token}/credits.csv", get(export))
}

pub struct AttendeeView {
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub credits: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub reason: Option<String>,
    pub late: bool,
    pub corrected: bool,
    pub withdrawn: Option<String>,
}

fn credit_text(row: &ListedCredit) -> String {
    match Category::from_code(&row.category) {
        Some(category) => category.credit_text(row.units.normalize()),
        None => format!("{}単位", row.units.normalize()),
    }
}

/// One view per attendee: the credits in force, or (all withdrawn) the withdrawn ones.
fn attendee_views(
    rows: Vec<ListedCredit>,
    label: fn(MatchStatus) -> &'static str,
) -> Vec<AttendeeView> {
    let mut views: Vec<AttendeeView> = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while let Some(first) = rows.next() {
        let mut group = vec![first];
        while rows.peek().is_some_and(|r| r.registry_number == group[0].registry_number) {
            group.extend(rows.next());
        }
        let active: Vec<&ListedCredit> =
            group.iter().filter(|r| r.withdrawn_at.is_none()).collect();
        let shown: Vec<&ListedCredit> =
            if active.is_empty() { group.iter().collect() } else { active.clone() };
        let head = shown[0];
        let (status, status_class) = (label(head.match_status), head.match_status.class());
        views.push(AttendeeView {
            registry_number: head.registry_number.clone(),
            kanji_name: head.kanji_name.clone(),
            furigana: head.furigana.clone(),
            birth_date: head.birth_date.format("%Y-%m-%d").to_string(),
            credits: shown.iter().map(|r| credit_text(r)).collect::<Vec<_>>().join("、"),
            status,
            status_class,
            reason: head.review_reason.clone().filter(|_| head.match_status.has_reason()),
            late: shown.iter().any(|r| r.late),
            corrected: shown.iter().any(|r| r.corrected),
            withdrawn: if active.is_empty() {
                group.iter().filter_map(|r| r.withdrawn_at).max().map(jp_time)
            } else {
                None
            },
        });
    }
    views
}

#[derive(Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub q: Option<String>,
}

/// One page of a seminar's attendee list with its true totals: the organizer's work page and
/// the staff seminar page show the same list through this one loader.
pub struct ListPage {
    pub summary: credit_db::Summary,
    pub attendees: Vec<AttendeeView>,
    pub search: String,
    /// The search as a query-string suffix for the page links (`&q=…`).
    pub search_query: String,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub first: i64,
    pub last: i64,
}

/// Loads page `query.page` (clamped) of the seminar's attendees, narrowed by `query.q`;
/// `label` names each attendee's state for the page's reader.
pub async fn list_page(
    state: &AppState,
    seminar_id: i64,
    query: &ListQuery,
    now: crate::clock::Jst,
    label: fn(MatchStatus) -> &'static str,
) -> AppResult<ListPage> {
    let search: String =
        query.q.as_deref().unwrap_or_default().trim().chars().take(SEARCH_MAX).collect();
    let search_opt = (!search.is_empty()).then_some(search.as_str());
    let mut conn = state.pool.acquire().await?;
    let (summary, rows, page, total) = match search_opt {
        // The whole list: its counts and the page in one statement (an index range).
        None => {
            let list =
                credit_list::list_page(&mut conn, seminar_id, query.page.unwrap_or(1), now).await?;
            let total = list.summary.listed;
            (list.summary, list.rows, list.page, total)
        }
        // A search pages by offset (few rows).
        Some(_) => {
            let summary = credit_list::shape(&mut conn, seminar_id, now).await?.summary;
            let total = credit_list::count(&mut conn, seminar_id, search_opt).await?;
            let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
            let page = query.page.unwrap_or(1).clamp(1, pages);
            let offset = (page - 1) * PER_PAGE;
            let rows =
                credit_list::page(&mut conn, seminar_id, search_opt, PER_PAGE, offset).await?;
            (summary, rows, page, total)
        }
    };
    drop(conn);
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let offset = (page - 1) * PER_PAGE;
    let attendees = attendee_views(rows, label);
    Ok(ListPage {
        summary,
        first: if attendees.is_empty() { 0 } else { offset + 1 },
        last: offset + attendees.len() as i64,
        attendees,
        search_query: if search.is_empty() {
            String::new()
        } else {
            format!("&q={}", url_encode(&search))
        },
        search,
        page,
        pages,
        total,
    })
}

#[derive(Template)]
#[template(path = "work/credits.html")]
struct CreditsPage {
    layout: Layout,
    seminar: SeminarView,
    list: ListPage,
}

async fn credit_list(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let list =
        list_page(&state, work.seminar.id, &query, ctx.now, MatchStatus::for_organizer).await?;
    let page_view = CreditsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(&work, &work.grants, ctx.now.date_naive()),
        list,
    };
    render(&page_view)
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

const EXPORT_HEADER: [&str; 14] = [
    "漢字氏名",
    "フリガナ",
    "生年月日（西暦）",
    "性別",
    "医籍登録番号",
    "メールアドレス",
    "電話番号",
    "FAX番号",
    "研修区分",
    "単位",
    "状態",
    "期限後の登録",
    "取り消し",
    "事務局からの理由",
];

/// Every credit of the seminar as CSV (UTF-8 with BOM, formula-like cells made inert).
async fn export(State(state): State<AppState>, work: WorkPage) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let rows = credit_list::all(&mut conn, work.seminar.id).await?;
    drop(conn);
    let bytes = tokio::task::spawn_blocking(move || {
        let mut out: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
        out.push(EXPORT_HEADER.iter().map(|h| h.to_string()).collect());
        for r in rows {
            out.push(vec![
                r.kanji_name.clone(),
                r.furigana.clone(),
                r.birth_date.format("%Y-%m-%d").to_string(),
                Sex::from_code(&r.sex).map(Sex::label).unwrap_or("").to_string(),
                r.registry_number.clone(),
                r.email.clone(),
                r.phone.clone().unwrap_or_default(),
                r.fax.clone().unwrap_or_default(),
                Category::from_code(&r.category).map(Category::label).unwrap_or("").to_string(),
                r.units.normalize().to_string(),
                r.match_status.for_organizer().to_string(),
                if r.late { "期限後" } else { "" }.to_string(),
                r.withdrawn_at.map(jp_time).unwrap_or_default(),
                r.review_reason.clone().unwrap_or_default(),
            ]);
        }
        csv_text::write_for_excel(&out)
    })
    .await
    .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok(csv_response(&format!("credits_seminar{}.csv", work.seminar.id), bytes))
}
