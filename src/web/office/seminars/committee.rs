//! JMA's committee (運営委員会): the review cycles, the seminars of one cycle, and the bulk
//! approval of the ticked ones.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::list::RowView;
use super::show::cycle_label;
use crate::app::seminars::{review, Staff};
use crate::clock::format_jp_date;
use crate::db::seminar_review;
use crate::domain::policy::Action;
use crate::domain::seminar::Status;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

pub struct CycleView {
    pub id: i64,
    pub label: String,
    pub awaiting: i64,
    pub approved: i64,
    pub rejected: i64,
}

#[derive(Template)]
#[template(path = "office/seminars/committee.html")]
struct CommitteePage {
    layout: Layout,
    cycles: Vec<CycleView>,
    without_cycle: i64,
}

pub async fn committee(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::DecideSeminarAtCommittee)?;
    let cycles = seminar_review::cycle_summaries(&state.pool, ctx.now.date_naive())
        .await?
        .into_iter()
        .map(|c| CycleView {
            label: format!(
                "{}年度 第{}回（受付締切 {}・運営委員会 {}）",
                c.fiscal_year,
                c.number,
                format_jp_date(c.intake_deadline),
                format_jp_date(c.committee_date)
            ),
            id: c.id,
            awaiting: c.awaiting,
            approved: c.approved,
            rejected: c.rejected,
        })
        .collect();
    let page = CommitteePage {
        cycles,
        without_cycle: seminar_review::awaiting_without_cycle(&state.pool).await?,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

pub struct CycleRowView {
    pub row: RowView,
    pub awaiting: bool,
}

#[derive(Template)]
#[template(path = "office/seminars/cycle.html")]
struct CyclePage {
    layout: Layout,
    id: i64,
    label: String,
    rows: Vec<CycleRowView>,
    awaiting: usize,
}

pub async fn committee_cycle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    ctx.require(Action::DecideSeminarAtCommittee)?;
    let cycle = seminar_review::cycle(&mut *state.pool.acquire().await?, cycle_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows: Vec<CycleRowView> = seminar_review::in_cycle(&state.pool, cycle_id)
        .await?
        .into_iter()
        .map(|r| CycleRowView {
            awaiting: r.status == Status::PrefectureApproved,
            row: RowView::from(r),
        })
        .collect();
    let page = CyclePage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        id: cycle_id,
        label: cycle_label(&cycle),
        awaiting: rows.iter().filter(|r| r.awaiting).count(),
        rows,
    };
    render(&page)
}

/// Approves the ticked seminars of one cycle in one transaction. Seminars someone else decided
/// in the meantime are left as they are and counted in the notice.
pub async fn committee_bulk_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle_id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let user = ctx.require(Action::DecideSeminarAtCommittee)?;
    let ids: Vec<i64> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "seminar_id")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let back = format!("/office/committee/{cycle_id}");
    if ids.is_empty() {
        ctx.flash("承認する研修会にチェックを入れてください。").await?;
        return Ok(see_other(&back));
    }
    let staff = Staff { account: user, who: ctx.who(), now: ctx.now };
    let (approved, skipped) = review::committee_bulk_approve(&state, &staff, cycle_id, ids).await?;
    let mut notice =
        format!("{approved}件を承認し、作業ページのURLをそれぞれの主催者にメールで送りました。");
    if skipped > 0 {
        notice.push_str(&format!(
            "{skipped}件は、ほかの担当者がすでに処理していたため、そのままにしました。"
        ));
    }
    ctx.flash(&notice).await?;
    Ok(see_other(&back))
}
