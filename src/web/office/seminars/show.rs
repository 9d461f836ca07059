//! The staff page of one seminar: its details, programme, attachments, history, attendees (for
//! those who may see them) and the decision forms the reader may use now.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sqlx::PgConnection;

use crate::app::seminars::{ensure_visible, is_organizer};
use crate::clock::{format_jp_date, format_jp_datetime};
use crate::db::seminar_review::{self, Cycle};
use crate::db::seminars::{self, Seminar};
use crate::db::{self};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::credit_match::MatchStatus;
use crate::domain::deadline;
use crate::domain::policy::{allows, Action};
use crate::domain::seminar::period_label;
use crate::domain::seminar_status::Command;
use crate::error::{AppError, AppResult};
use crate::mail::messages::prefecture_association;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::seminar_files;
use crate::web::render;
use crate::web::work::credits::{self, list_page};

pub struct SeminarView {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub period: String,
    pub format: &'static str,
    pub venue: String,
    pub organizer: String,
    pub outside_body: bool,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_fax: String,
    pub prefecture: String,
    pub status: &'static str,
    pub status_comment: Option<String>,
    pub cycle: Option<String>,
    /// The seminar starts before the committee that decides it.
    pub cycle_warning: Option<String>,
    pub paper_approved: bool,
    pub recruiting: String,
    pub credits_due: String,
}

pub(super) fn cycle_label(c: &Cycle) -> String {
    format!(
        "{}年度 第{}回（日本医師会の受付締切 {}・運営委員会 {}）",
        c.fiscal_year,
        c.number,
        format_jp_date(c.intake_deadline),
        format_jp_date(c.committee_date)
    )
}

fn seminar_view(s: &Seminar, cycle: Option<&Cycle>) -> SeminarView {
    let due = deadline::due_date(s.ends_on);
    SeminarView {
        id: s.id,
        title: s.title.clone(),
        programme: Programme::from_code(&s.programme).map(Programme::label).unwrap_or("不明"),
        period: period_label(s.starts_on, s.ends_on),
        format: Format::from_code(&s.format).map(Format::label).unwrap_or("不明"),
        venue: s.venue.clone(),
        organizer: s.organizer_name.clone(),
        outside_body: s.organizer_association_id.is_none(),
        contact_name: s.contact_name.clone(),
        contact_email: s.contact_email.clone(),
        contact_phone: s.contact_phone.clone().unwrap_or_default(),
        contact_fax: s.contact_fax.clone().unwrap_or_default(),
        prefecture: prefecture_association(s.approving_prefecture_code),
        status: s.status.label(),
        status_comment: s.status_comment.clone(),
        cycle: cycle.map(cycle_label),
        cycle_warning: cycle.filter(|c| s.starts_on <= c.committee_date).map(|c| {
            format!(
                "開催日が、審査する運営委員会（{}）より前です。主催者と日程をご確認ください。",
                format_jp_date(c.committee_date)
            )
        }),
        paper_approved: s.paper_approved,
        recruiting: if s.recruiting {
            match s.capacity {
                Some(n) => format!("募集する（定員 {n}名）"),
                None => "募集する（定員なし）".to_string(),
            }
        } else {
            "募集しない".to_string()
        },
        credits_due: format_jp_date(due),
    }
}

pub struct UnitView {
    pub label: &'static str,
    pub units: String,
}

pub struct LectureView {
    pub subject: String,
    pub lecturer: String,
    pub minutes: i32,
    pub category: &'static str,
}

pub struct HistoryView {
    pub at: String,
    pub what: String,
    pub who: String,
    pub comment: Option<String>,
}

fn history_label(action: &str) -> String {
    match action {
        "seminar.submitted" => "申請",
        "seminar.resubmitted" => "修正して再申請",
        "seminar.prefecture_approved" => "都道府県医師会が承認",
        "seminar.returned" => "都道府県医師会が差し戻し",
        "seminar.approved" => "日本医師会が承認",
        "seminar.rejected" => "日本医師会が不承認",
        "seminar.paper_entered" => "書面で承認済みの研修会として登録",
        "work_page.issued" => "作業ページのURLを発行",
        "work_page.reissued" => "作業ページのURLを再発行",
        "work_page.revoked" => "作業ページのURLを無効化",
        other => other,
    }
    .to_string()
}

/// The decision form a re-shown page keeps what was typed into.
#[derive(Default)]
pub(super) struct DecisionState {
    pub comment: String,
    pub comment_error: Option<&'static str>,
    /// "return" or "reject": which form the comment belongs to.
    pub form: &'static str,
}

/// How the page is shown: after a refused decision it says why, with its status code.
pub(super) struct Shown {
    pub status: StatusCode,
    pub conflict: Option<String>,
    pub decision: DecisionState,
}

impl Shown {
    pub fn ok() -> Shown {
        Shown { status: StatusCode::OK, conflict: None, decision: DecisionState::default() }
    }
}

#[derive(Template)]
#[template(path = "office/seminars/show.html")]
struct ShowPage {
    layout: Layout,
    s: SeminarView,
    units: Vec<UnitView>,
    /// The programme (applications from issue 10 on; none for paper entries).
    lectures: Vec<LectureView>,
    attachments: Vec<seminar_files::AttachmentView>,
    history: Vec<HistoryView>,
    /// None: this user may not see the attendees (DOMAIN §9).
    attendees: Option<credits::ListPage>,
    can_review: bool,
    can_decide: bool,
    can_manage_work_page: bool,
    can_edit: bool,
    work_page: Option<String>,
    conflict: Option<String>,
    decision: DecisionState,
}

/// The page's parts read from the database besides the seminar.
struct Details {
    units: Vec<UnitView>,
    lectures: Vec<LectureView>,
    attachments: Vec<seminar_files::AttachmentView>,
    work_page: Option<String>,
    cycle: Option<Cycle>,
}

async fn details(conn: &mut PgConnection, seminar: &Seminar) -> AppResult<Details> {
    let id = seminar.id;
    let cycle = match seminar.cycle_id {
        Some(c) => seminar_review::cycle(conn, c).await?,
        None => None,
    };
    let units = seminars::units(conn, id)
        .await?
        .into_iter()
        .map(|u| UnitView {
            label: Category::from_code(&u.category).map(Category::label).unwrap_or("不明"),
            units: u.units.normalize().to_string(),
        })
        .collect();
    let work_page = seminar_review::active_work_page(conn, id).await?.map(|w| {
        format!(
            "発行済み（{}{}）",
            format_jp_datetime(w.issued_at.fixed_offset()),
            w.issued_by_name.map(|n| format!("・{n}")).unwrap_or_default()
        )
    });
    let attachments = seminar_files::views(conn, id).await?;
    let lectures = db::seminar_lectures::for_seminar(conn, id)
        .await?
        .into_iter()
        .map(|l| LectureView {
            category: Category::from_code(&l.category).map(Category::label).unwrap_or("不明"),
            subject: l.subject,
            lecturer: l.lecturer,
            minutes: l.minutes,
        })
        .collect();
    Ok(Details { units, lectures, attachments, work_page, cycle })
}

async fn history(state: &AppState, id: i64) -> AppResult<Vec<HistoryView>> {
    Ok(seminar_review::history(&state.pool, id)
        .await?
        .into_iter()
        .map(|h| HistoryView {
            at: format_jp_datetime(h.at.fixed_offset()),
            what: history_label(&h.action),
            who: h.actor_name.unwrap_or_else(|| "主催者（申請フォーム）".to_string()),
            comment: h.comment,
        })
        .collect())
}

/// The seminar's page; `list` pages and searches its attendees.
pub(super) async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    shown: Shown,
    list: &credits::ListQuery,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut conn = state.pool.acquire().await?;
    let seminar = seminars::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let target = seminar.target();
    ensure_visible(user, target)?;
    let actor = user.actor();
    let d = details(&mut conn, &seminar).await?;
    drop(conn);
    let attendees = if allows(&actor, Action::ViewSeminarAttendees(target)) {
        Some(list_page(state, id, list, ctx.now, MatchStatus::label).await?)
    } else {
        None
    };
    let status = seminar.status;
    let may = |command: Command| status.after(command).is_some();
    let page = ShowPage {
        lectures: d.lectures,
        attachments: d.attachments,
        can_review: may(Command::PrefectureApprove)
            && allows(&actor, Action::ReviewSeminar(target)),
        can_decide: may(Command::CommitteeApprove)
            && allows(&actor, Action::DecideSeminarAtCommittee),
        can_manage_work_page: status == crate::domain::seminar::Status::Approved
            && allows(&actor, Action::ManageSeminar(target)),
        can_edit: may(Command::Resubmit) && is_organizer(user, &seminar),
        s: seminar_view(&seminar, d.cycle.as_ref()),
        units: d.units,
        history: history(state, id).await?,
        attendees,
        work_page: d.work_page,
        conflict: shown.conflict,
        decision: shown.decision,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    Ok((shown.status, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(list): Query<credits::ListQuery>,
) -> AppResult<Response> {
    show_page(&state, &ctx, id, Shown::ok(), &list).await
}
