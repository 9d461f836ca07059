//! Charts for the associations (issue 14, part 3): renewals due, applications per cycle,
//! credit registration per seminar month, held and unmatched credits — for a prefecture's
//! staff (their prefecture) and the JMA (the country, or one prefecture). Server-drawn SVG
//! with the table behind it, and each table as .xlsx.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::db::charts;
use crate::domain::association_charts::{self as build, after, Due, HeldSeminar, Windows};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::chart::Chart;
use crate::domain::prefecture;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::export::chart_xlsx;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::office::exports::{scope, staff, xlsx_response};
use crate::web::render;

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/charts", get(page)).route("/office/charts/{name}", get(download))
}

#[derive(Default, Deserialize)]
pub struct ChartQuery {
    pub prefecture: Option<String>,
    pub programme: Option<String>,
}

/// The four charts, by their URL name.
const NAMES: [&str; 4] = ["renewals", "applications", "seminars", "unresolved"];

/// One chart, by its URL name, for `only` (a prefecture, or None: the country) on `today`.
async fn chart(
    state: &AppState,
    name: &str,
    only: Option<i16>,
    programme: Programme,
    today: chrono::NaiveDate,
) -> AppResult<Chart> {
    let w = Windows::on(today);
    let pool = &state.pool;
    Ok(match name {
        "renewals" => {
            let rows =
                charts::renewals_due(pool, programme, w.renewals[0], after(&w.renewals), only)
                    .await?;
            build::renewals_due(programme, &w.renewals, &due_rows(rows))
        }
        "applications" => {
            let (from, until) = w.committees;
            let (cycles, counts) = tokio::try_join!(
                charts::cycles(pool, from, until),
                charts::applications_per_cycle(pool, from, until, only)
            )?;
            let counts: Vec<_> = counts
                .into_iter()
                .map(|c| (c.fiscal_year, c.number, c.status, c.applications))
                .collect();
            build::applications_per_cycle(&cycles, &counts)
        }
        "seminars" => {
            let rows = charts::seminar_credits(pool, w.past[0], after(&w.past), only).await?;
            let seminars: Vec<_> = rows
                .into_iter()
                .map(|s| HeldSeminar {
                    ends_on: s.ends_on,
                    any_credit: s.any_credit,
                    on_time_credit: s.on_time_credit,
                })
                .collect();
            build::seminar_credits(&w.past, &seminars, today)
        }
        "unresolved" => {
            let rows = charts::unresolved_credits(pool, w.past[0], after(&w.past), only).await?;
            let counts: Vec<_> = rows.into_iter().map(|u| (u.month, u.held, u.unmatched)).collect();
            build::unresolved_credits(&w.past, &counts)
        }
        _ => return Err(AppError::NotFound),
    })
}

/// Folds the per-(certification, category, format) rows into one `Due` per certification.
fn due_rows(rows: Vec<charts::DueRow>) -> Vec<Due> {
    let mut out: Vec<(i64, Due)> = Vec::new();
    for r in rows {
        if out.last().is_none_or(|(id, _)| *id != r.certification_id) {
            out.push((
                r.certification_id,
                Due {
                    valid_from: r.valid_from,
                    valid_until: r.valid_until,
                    applied: r.applied,
                    credits: Vec::new(),
                },
            ));
        }
        let credit = r
            .category
            .as_deref()
            .and_then(Category::from_code)
            .zip(r.format.as_deref().and_then(Format::from_code));
        if let (Some((category, format)), Some(units), Some((_, due))) =
            (credit, r.units, out.last_mut())
        {
            due.credits.push((category, format, units));
        }
    }
    out.into_iter().map(|(_, d)| d).collect()
}

fn programme_of(query: &ChartQuery) -> Programme {
    query.programme.as_deref().and_then(Programme::from_code).unwrap_or(Programme::Occupational)
}

fn scope_name(only: Option<i16>) -> &'static str {
    only.and_then(prefecture::name).unwrap_or("全国")
}

pub struct ChartView {
    pub name: &'static str,
    pub title: String,
    pub svg: String,
    pub series: Vec<&'static str>,
    pub rows: Vec<(String, Vec<i64>, i64)>,
    pub series_totals: Vec<i64>,
    pub grand_total: i64,
    pub unit: &'static str,
}

impl ChartView {
    fn new(name: &'static str, chart: &Chart) -> Self {
        ChartView {
            name,
            title: chart.title.clone(),
            svg: chart.svg(name),
            series: chart.series.iter().map(|s| s.name).collect(),
            rows: chart.rows(),
            series_totals: (0..chart.series.len()).map(|i| chart.series_total(i)).collect(),
            grand_total: chart.totals().iter().sum(),
            unit: chart.unit,
        }
    }
}

#[derive(Template)]
#[template(path = "office/charts/page.html")]
struct ChartsPage {
    layout: Layout,
    scope: &'static str,
    is_jma: bool,
    prefectures: Vec<PrefectureOption>,
    programme: &'static str,
    sports: bool,
    query: String,
    charts: Vec<ChartView>,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ChartQuery>,
) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let only = scope(user, query.prefecture.as_deref())?;
    let programme = programme_of(&query);
    let today = ctx.now.date_naive();
    let (renewals, applications, seminars, unresolved) = tokio::try_join!(
        chart(&state, NAMES[0], only, programme, today),
        chart(&state, NAMES[1], only, programme, today),
        chart(&state, NAMES[2], only, programme, today),
        chart(&state, NAMES[3], only, programme, today),
    )?;
    let charts = [renewals, applications, seminars, unresolved];
    let query_string = format!(
        "?programme={}{}",
        programme.code(),
        only.map(|c| format!("&prefecture={c}")).unwrap_or_default()
    );
    render(&ChartsPage {
        layout: ctx.layout(),
        scope: scope_name(only),
        is_jma: user.role == Role::JmaStaff,
        prefectures: prefecture_options(&only.map(|c| c.to_string()).unwrap_or_default()),
        programme: programme.label(),
        sports: programme == Programme::Sports,
        query: query_string,
        charts: NAMES.iter().zip(&charts).map(|(name, c)| ChartView::new(name, c)).collect(),
    })
}

/// `/office/charts/{name}.xlsx`: one chart's table.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(query): Query<ChartQuery>,
) -> AppResult<Response> {
    let name = file
        .strip_suffix(".xlsx")
        .and_then(|n| NAMES.into_iter().find(|known| *known == n))
        .ok_or(AppError::NotFound)?;
    let user = staff(&ctx)?;
    let only = scope(user, query.prefecture.as_deref())?;
    let programme = programme_of(&query);
    let chart = chart(&state, name, only, programme, ctx.now.date_naive()).await?;
    let bytes = chart_xlsx::chart_table(&chart, scope_name(only))
        .map_err(|e| AppError::Internal(e.into()))?;
    let stamp = ctx.now.date_naive().format("%Y%m%d");
    Ok(xlsx_response(
        &format!("{}_{}_{stamp}.xlsx", chart.title, scope_name(only)),
        &format!("chart-{name}-{stamp}.xlsx"),
        bytes,
    ))
}
