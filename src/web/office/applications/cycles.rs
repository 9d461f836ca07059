//! JMA's review cycles: the list, one cycle's applications, bulk approval, closing early and
//! reopening.

#[allow(unused_imports)]
use super::*;
use crate::app::applications::review::Clerk;

// ---------------------------------------------------------------------------------------------
// JMA: the cycles.

fn require_jma(user: &CurrentAccount) -> AppResult<()> {
    if policy::allows(&user.actor(), Action::DecideApplicationsAtCommittee) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub struct CycleSummaryView {
    pub id: i64,
    pub label: String,
    pub closed: bool,
    pub awaiting: i64,
    pub approved: i64,
    pub rejected: i64,
}

#[derive(Template)]
#[template(path = "office/applications/cycles.html")]
struct CyclesPage {
    layout: Layout,
    cycles: Vec<CycleSummaryView>,
}

pub async fn cycles(State(state): State<AppState>, ctx: extract::Staff) -> AppResult<Response> {
    let user = &ctx.user;
    require_jma(user)?;
    let cycles = review_db::cycle_summaries(&state.pool, ctx.now.date_naive())
        .await?
        .into_iter()
        .map(|c| CycleSummaryView {
            label: format!(
                "{}年度 第{}回（受付締切 {}・運営委員会 {}）",
                c.fiscal_year,
                c.number,
                format_jp_date(c.intake_deadline),
                format_jp_date(c.committee_date)
            ),
            id: c.id,
            closed: c.closed_at.is_some(),
            awaiting: c.awaiting,
            approved: c.approved,
            rejected: c.rejected,
        })
        .collect();
    let page = CyclesPage { cycles, layout: ctx.layout().with_notice(ctx.take_flash().await?) };
    render(&page)
}

pub struct CycleRowView {
    pub id: i64,
    pub name: String,
    pub registry_number: String,
    pub programme: &'static str,
    pub kind: &'static str,
    pub prefecture: &'static str,
    pub status: &'static str,
    pub awaiting: bool,
    /// The decision is recorded (approved or rejected).
    pub decided: bool,
    pub check_met: bool,
}

#[derive(Template)]
#[template(path = "office/applications/cycle.html")]
struct CyclePage {
    layout: Layout,
    id: i64,
    label: String,
    closed: bool,
    /// Closed and still before the committee date.
    can_reopen: bool,
    /// The committee has not met yet: decisions recorded now take effect on its date.
    before_committee: bool,
    committee_date: String,
    intake_deadline: String,
    rows: Vec<CycleRowView>,
    awaiting: usize,
    decided: usize,
}

pub async fn cycle_page(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    let user = &ctx.user;
    require_jma(user)?;
    let cycle = review_db::cycle(&mut *state.pool.acquire().await?, cycle_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = ctx.now.date_naive();
    let applications = review_db::in_cycle(&state.pool, cycle_id).await?;
    let ids: Vec<i64> = applications.iter().map(|a| a.id).collect();
    let checks =
        crate::app::checks::applications(&mut *state.pool.acquire().await?, &ids, today).await?;
    let mut rows = Vec::new();
    for app in applications {
        rows.push(CycleRowView {
            id: app.id,
            registry_number: app.registry_number.clone().unwrap_or_default(),
            programme: programme_label(&app.programme),
            kind: kind_label(&app.kind),
            prefecture: prefecture::name(app.prefecture_code).unwrap_or("不明"),
            status: app.status.label_for_staff(),
            awaiting: app.status() == Status::PrefectureApproved,
            decided: matches!(app.status(), Status::Approved | Status::Rejected),
            check_met: checks.get(&app.id).is_some_and(|c| c.outcome.met),
            name: app.kanji_name,
        });
    }
    let page = CyclePage {
        id: cycle_id,
        label: cycle_label(&cycle),
        closed: cycle.closed_at.is_some(),
        can_reopen: cycle.closed_at.is_some() && review::may_reopen(today, cycle.committee_date),
        before_committee: today < review::effective_on(cycle.committee_date),
        committee_date: format_jp_date(cycle.committee_date),
        intake_deadline: format_jp_date(cycle.intake_deadline),
        decided: rows.iter().filter(|r| r.decided).count(),
        awaiting: rows.iter().filter(|r| r.awaiting).count(),
        rows,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

/// Approves the ticked applications of one cycle (`app::applications::review::approve_in_cycle`).
pub async fn cycle_bulk_approve(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(cycle_id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let user = &ctx.user;
    require_jma(user)?;
    let ids: Vec<i64> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "application_id")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let back = format!("/office/cycles/{cycle_id}");
    if ids.is_empty() {
        ctx.flash("承認する申請にチェックを入れてください。").await?;
        return Ok(see_other(&back));
    }
    let clerk = Clerk { user, who: ctx.who(), now: ctx.now };
    let (approved, skipped) = committee::approve_in_cycle(&state, &clerk, cycle_id, ids).await?;
    let mut notice = format!("{approved}件を承認し、認定証を発行しました。");
    if skipped > 0 {
        notice.push_str(&format!(
            "{skipped}件は、ほかの担当者がすでに処理していたか認定証を発行できなかったため、そのままにしました。"
        ));
    }
    ctx.flash(&notice).await?;
    Ok(see_other(&back))
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    /// Sent by the confirmation page.
    #[serde(default)]
    confirm: String,
    /// Closing before the intake deadline, confirmed as such.
    #[serde(default)]
    confirm_early: String,
}

#[derive(Template)]
#[template(path = "office/applications/cycle_close.html")]
struct CycleClosePage {
    layout: Layout,
    id: i64,
    label: String,
    intake_deadline: String,
    committee_date: String,
    /// The intake deadline has not come yet.
    early: bool,
    /// Applications in the cycle that still await JMA's decision (closing is refused).
    awaiting: i64,
}

fn close_page(ctx: &extract::Staff, cycle: &Cycle, awaiting: i64) -> AppResult<Response> {
    let page = CycleClosePage {
        layout: ctx.layout(),
        id: cycle.id,
        label: cycle_label(cycle),
        intake_deadline: format_jp_date(cycle.intake_deadline),
        committee_date: format_jp_date(cycle.committee_date),
        early: ctx.now.date_naive() < cycle.intake_deadline,
        awaiting,
    };
    render(&page)
}

/// Closing a cycle is confirmed on a page of its own that says what it changes.
pub async fn cycle_close_page(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    let user = &ctx.user;
    require_jma(user)?;
    let mut conn = state.pool.acquire().await?;
    let cycle = review_db::cycle(&mut conn, cycle_id, false).await?.ok_or(AppError::NotFound)?;
    if cycle.closed_at.is_some() {
        return Ok(see_other(&format!("/office/cycles/{cycle_id}")));
    }
    let awaiting = review_db::awaiting_in_cycle(&mut conn, cycle_id).await?;
    close_page(&ctx, &cycle, awaiting)
}

/// Closes a cycle once every application in it is decided; later forwards join the next one.
/// Without the confirmation page's answer it shows that page and changes nothing.
pub async fn cycle_close(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(cycle_id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    let user = &ctx.user;
    require_jma(user)?;
    let back = format!("/office/cycles/{cycle_id}");
    let mut tx = state.pool.begin().await?;
    let cycle = review_db::cycle(&mut tx, cycle_id, true).await?.ok_or(AppError::NotFound)?;
    if cycle.closed_at.is_some() {
        return Err(AppError::Conflict("この回は、ほかの担当者がすでに締め切りました。".into()));
    }
    let awaiting = review_db::awaiting_in_cycle(&mut tx, cycle_id).await?;
    let today = ctx.now.date_naive();
    let confirmed = form.confirm_early == "yes";
    if form.confirm != "yes" && !confirmed {
        drop(tx);
        return close_page(&ctx, &cycle, awaiting);
    }
    match review::close_blocker(today, cycle.intake_deadline, confirmed, awaiting) {
        Some(review::CloseBlocker::Awaiting(n)) => {
            drop(tx);
            ctx.flash(&format!("審査待ちの申請が{n}件あるため、締め切れません。")).await?;
            return Ok(see_other(&back));
        }
        Some(review::CloseBlocker::BeforeIntakeDeadline) => {
            drop(tx);
            return close_page(&ctx, &cycle, awaiting);
        }
        None => {}
    }
    review_db::close_cycle(&mut tx, cycle_id, ctx.now).await?;
    let entry = audit::Entry {
        action: "review_cycle.closed",
        entity_type: "review_cycle",
        entity_id: Some(cycle_id.to_string()),
        before: None,
        after: Some(json!({ "closed": true, "before_intake_deadline": confirmed })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("この回を締め切りました。委員会の日までは、締め切りを取り消せます。").await?;
    Ok(see_other(&back))
}

/// Reopens a closed cycle, until its committee date.
pub async fn cycle_reopen(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(cycle_id): Path<i64>,
) -> AppResult<Response> {
    let user = &ctx.user;
    require_jma(user)?;
    let back = format!("/office/cycles/{cycle_id}");
    let mut tx = state.pool.begin().await?;
    let cycle = review_db::cycle(&mut tx, cycle_id, true).await?.ok_or(AppError::NotFound)?;
    if !review::may_reopen(ctx.now.date_naive(), cycle.committee_date) {
        drop(tx);
        ctx.flash("委員会の日を過ぎたため、締め切りを取り消せません。").await?;
        return Ok(see_other(&back));
    }
    if review_db::reopen_cycle(&mut tx, cycle_id).await? {
        let entry = audit::Entry {
            action: "review_cycle.reopened",
            entity_type: "review_cycle",
            entity_id: Some(cycle_id.to_string()),
            before: Some(json!({ "closed": true })),
            after: Some(json!({ "closed": false })),
        };
        audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    }
    tx.commit().await?;
    ctx.flash("締め切りを取り消しました。この回に申請を追加できます。").await?;
    Ok(see_other(&back))
}
