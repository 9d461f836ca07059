//! Seminar approval by staff (DOMAIN §5, §6, §9): associations apply for their own seminars,
//! the approving prefecture approves or returns them, JMA's committee decides per review cycle
//! and enters seminars approved on paper; approval issues the organizer's secret work page.
//! Every state change locks the seminar row and checks its status, so when two staff members
//! act at once one wins and the other is told (409), never silently overwritten.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;

use crate::clock::{format_jp_date, format_jp_datetime, Jst};
use crate::db::accounts::CurrentAccount;
use crate::db::seminar_review::{self, Cycle, ListRow};
use crate::db::seminars::{self, NewSeminar, Seminar};
use crate::db::{self, audit};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::deadline::{self, DueNotice};
use crate::domain::policy::{self, allows, Action, List, Scope, SeminarTarget};
use crate::domain::prefecture;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{
    check_application, parse_seminar, period_label, units_field, SeminarDraft, SeminarInput, Status,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::office::seminar_files::{self, AttachmentsView, Submission};
use crate::web::work::credits::{self, list_page};
use crate::web::work::seminar_guard;
use crate::web::work::timetable::{self, TimetableView};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/seminars", get(list))
        .route(
            "/office/seminars/new",
            get(new_form).post(create).layer(DefaultBodyLimit::max(seminar_files::REQUEST_LIMIT)),
        )
        .route("/office/seminars/paper", get(paper_form).post(paper_create))
        .route("/office/seminars/{id}", get(show))
        .route(
            "/office/seminars/{id}/edit",
            get(edit_form)
                .post(resubmit)
                .layer(DefaultBodyLimit::max(seminar_files::REQUEST_LIMIT)),
        )
        .route("/office/seminars/{id}/approve", post(prefecture_approve))
        .route("/office/seminars/{id}/return", post(prefecture_return))
        .route("/office/seminars/{id}/decide", post(decide))
        .route("/office/seminars/{id}/work-page/reissue", post(reissue_work_page))
        .route("/office/seminars/{id}/work-page/revoke", post(revoke_work_page))
        .route("/office/committee", get(committee))
        .route("/office/committee/{cycle_id}", get(committee_cycle))
        .route("/office/committee/{cycle_id}/approve", post(committee_bulk_approve))
}

const LIST_LIMIT: i64 = 500;
const COMMENT_MAX: usize = 1000;

// ---------------------------------------------------------------------------------------------
// The seminar form, shared with the public application (web::work::seminar_apply).

pub struct UnitFieldView {
    pub field: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Web seminars may grant this category.
    pub web_ok: bool,
}

pub struct UnitGroupView {
    pub programme: &'static str,
    pub label: &'static str,
    pub fields: Vec<UnitFieldView>,
}

pub fn unit_groups(input: &SeminarInput) -> Vec<UnitGroupView> {
    Programme::ALL
        .into_iter()
        .map(|p| UnitGroupView {
            programme: p.code(),
            label: p.label(),
            fields: p
                .categories()
                .into_iter()
                .map(|c| UnitFieldView {
                    field: units_field(c),
                    label: c.label(),
                    value: input.units(c).to_string(),
                    web_ok: c.allowed_in(Format::Web),
                })
                .collect(),
        })
        .collect()
}

/// An <option> of the organizing-association select (paper entry).
pub struct AssociationOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

/// Everything the shared fields partial (`seminars/_fields.html`) needs.
pub struct SeminarForm {
    pub input: SeminarInput,
    pub errors: FieldErrors,
    pub prefectures: Vec<PrefectureOption>,
    pub units: Vec<UnitGroupView>,
    /// Set when the organizer is the staff member's association (no input).
    pub organizer_fixed: Option<String>,
    /// Set when the approving prefecture follows from the association (no input).
    pub prefecture_fixed: Option<String>,
    /// Paper entry: the associations JMA may name as organizer.
    pub associations: Vec<AssociationOption>,
    /// The programme rows (applications; not paper entries).
    pub timetable: Option<TimetableView>,
    /// PDF attachments (applications; not paper entries).
    pub attachments: Option<AttachmentsView>,
}

impl SeminarForm {
    pub fn new(mut input: SeminarInput, errors: FieldErrors) -> Self {
        if input.idempotency_key.is_empty() {
            input.idempotency_key = db::tokens::new_token();
        }
        SeminarForm {
            prefectures: prefecture_options(&input.approving_prefecture),
            units: unit_groups(&input),
            input,
            errors,
            organizer_fixed: None,
            prefecture_fixed: None,
            associations: Vec::new(),
            timetable: None,
            attachments: None,
        }
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// What was typed into a text field, by its name.
    pub fn value(&self, field: &str) -> &str {
        let i = &self.input;
        match field {
            "title" => &i.title,
            "starts_on" => &i.starts_on,
            "ends_on" => &i.ends_on,
            "venue" => &i.venue,
            "organizer_name" => &i.organizer_name,
            "contact_name" => &i.contact_name,
            "contact_email" => &i.contact_email,
            "contact_phone" => &i.contact_phone,
            "contact_fax" => &i.contact_fax,
            "capacity" => &i.capacity,
            "idempotency_key" => &i.idempotency_key,
            _ => "",
        }
    }
}

/// (category code, units) pairs for the database.
pub fn unit_rows(draft: &SeminarDraft) -> Vec<(&'static str, Decimal)> {
    draft.units.iter().map(|(c, u)| (c.code(), u.value())).collect()
}

pub fn new_seminar<'a>(
    draft: &'a SeminarDraft,
    units: &'a [(&'a str, Decimal)],
    organizer_association_id: Option<i64>,
    status: &'a str,
    submitted_by: Option<i64>,
    paper_approved: bool,
) -> NewSeminar<'a> {
    NewSeminar {
        programme: draft.programme.code(),
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        format: draft.format.code(),
        venue: &draft.venue,
        organizer_association_id,
        organizer_name: &draft.organizer_name,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
        contact_phone: draft.contact_phone.as_deref(),
        contact_fax: draft.contact_fax.as_deref(),
        approving_prefecture_code: draft.approving_prefecture_code,
        status,
        submitted_by,
        paper_approved,
        recruiting: draft.recruiting,
        capacity: draft.capacity,
        units,
    }
}

/// The draft as the audit log keeps it.
pub fn draft_json(draft: &SeminarDraft) -> serde_json::Value {
    let units: serde_json::Map<String, serde_json::Value> =
        draft.units.iter().map(|(c, u)| (c.code().to_string(), json!(u.to_string()))).collect();
    json!({
        "programme": draft.programme.code(),
        "title": draft.title,
        "starts_on": draft.starts_on,
        "ends_on": draft.ends_on,
        "format": draft.format.code(),
        "venue": draft.venue,
        "organizer_name": draft.organizer_name,
        "contact_name": draft.contact_name,
        "contact_email": draft.contact_email,
        "contact_phone": draft.contact_phone,
        "contact_fax": draft.contact_fax,
        "approving_prefecture_code": draft.approving_prefecture_code,
        "units": units,
        "recruiting": draft.recruiting,
        "capacity": draft.capacity,
    })
}

fn prefecture_association_name(code: i16) -> String {
    format!("{}医師会", prefecture::name(code).unwrap_or("（不明）"))
}

// ---------------------------------------------------------------------------------------------
// Mail to the organizer's contact person.

use crate::mail::messages::organizer::{
    SeminarLines, SeminarPrefectureApproved, SeminarReceived, SeminarReceivedUnconfirmed,
    SeminarRejected, SeminarReturned, WorkPageIssued, WorkPageReason, WorkPageRevoked,
};
use crate::mail::{self, messages::physician::Committee, Signature};

fn seminar_lines(s: &MailSeminar) -> SeminarLines {
    SeminarLines {
        id: s.id,
        title: s.title.to_string(),
        period: period_label(s.starts_on, s.ends_on),
        approver: prefecture_association_name(s.prefecture),
    }
}

/// What a mail says about the seminar.
pub struct MailSeminar<'a> {
    pub id: i64,
    pub title: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub prefecture: i16,
    pub contact_name: &'a str,
    pub contact_email: &'a str,
}

impl<'a> From<&'a Seminar> for MailSeminar<'a> {
    fn from(s: &'a Seminar) -> Self {
        MailSeminar {
            id: s.id,
            title: &s.title,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            prefecture: s.approving_prefecture_code,
            contact_name: &s.contact_name,
            contact_email: &s.contact_email,
        }
    }
}

pub async fn mail_received(
    conn: &mut PgConnection,
    s: &MailSeminar<'_>,
    now: Jst,
) -> sqlx::Result<()> {
    let message = SeminarReceived {
        contact_name: s.contact_name.to_string(),
        seminar: seminar_lines(s),
        sig: Signature::portal_for(
            prefecture_association_name(s.prefecture),
            "研修会の申請の受付のお知らせ",
        ),
    };
    mail::queue(conn, s.contact_email, &message, now).await?;
    Ok(())
}

/// The receipt for the public form: its address is unconfirmed, so the mail carries nothing
/// the requester typed (no name, title or venue), only the portal's own words, the number and
/// the dates; a stranger's address gets no attacker's text or links.
pub async fn mail_received_unconfirmed(
    conn: &mut PgConnection,
    s: &MailSeminar<'_>,
    now: Jst,
) -> sqlx::Result<()> {
    let approver = prefecture_association_name(s.prefecture);
    let message = SeminarReceivedUnconfirmed {
        seminar_id: s.id,
        period: period_label(s.starts_on, s.ends_on),
        sig: Signature::portal_for(approver.clone(), "研修会の申請の受付のお知らせ"),
        approver,
    };
    mail::queue(conn, s.contact_email, &message, now).await?;
    Ok(())
}

/// The approval mail carrying the work-page URL: the only place the token ever appears.
async fn mail_work_page(
    conn: &mut PgConnection,
    base_url: &str,
    s: &MailSeminar<'_>,
    token: &str,
    why: WorkPageMail,
    sender: String,
    now: Jst,
) -> sqlx::Result<()> {
    let (deadline, deadline_passed) = match deadline::due_notice(s.ends_on, now.date_naive()) {
        DueNotice::Ahead(day) => (day, false),
        DueNotice::Passed(day) => (day, true),
    };
    let message = WorkPageIssued {
        reason: match why {
            WorkPageMail::Approved => WorkPageReason::Approved,
            WorkPageMail::PaperApproved => WorkPageReason::PaperApproved,
            WorkPageMail::Reissued => WorkPageReason::Reissued,
        },
        contact_name: s.contact_name.to_string(),
        seminar: seminar_lines(s),
        work_page_url: format!("{base_url}/work/{token}"),
        deadline: format_jp_date(deadline),
        deadline_passed,
        sig: Signature {
            sender,
            contact: mail::messages::Contact::association(prefecture_association_name(
                s.prefecture,
            )),
            reason: "研修会の作業ページのご案内".into(),
        },
    };
    mail::queue(conn, s.contact_email, &message, now).await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum WorkPageMail {
    Approved,
    PaperApproved,
    Reissued,
}

// ---------------------------------------------------------------------------------------------
// Who sees what.

fn scope_of(user: &CurrentAccount) -> Scope {
    policy::scope(&user.actor(), List::Seminars)
}

/// Staff see a seminar they may review, manage or see the attendees of; others get 404 so the
/// page does not tell them it exists.
pub(crate) fn ensure_visible(user: &CurrentAccount, target: SeminarTarget) -> AppResult<()> {
    let actor = user.actor();
    if allows(&actor, Action::ViewSeminarAttendees(target))
        || allows(&actor, Action::ReviewSeminar(target))
        || allows(&actor, Action::ManageSeminar(target))
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Staff of the organizing association (who applied from their account).
fn is_organizer(user: &CurrentAccount, seminar: &Seminar) -> bool {
    allows(&user.actor(), Action::SubmitSeminar)
        && seminar.organizer_association_id.is_some()
        && user.association.as_ref().map(|a| a.id) == seminar.organizer_association_id
}

fn conflict_message(current_status: Status) -> String {
    format!(
        "この研修会は、ほかの担当者がすでに処理しました（現在の状態：{}）。画面の内容をご確認ください。",
        current_status.label()
    )
}

// ---------------------------------------------------------------------------------------------
// The list.

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

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let scope = scope_of(user);
    let status = Status::from_code(query.status.trim());
    let rows = seminar_review::list(&state.pool, scope, status.map(Status::code), LIST_LIMIT)
        .await?
        .into_iter()
        .map(RowView::from)
        .collect();
    let actor = user.actor();
    let page = ListPage {
        scope: match scope {
            Scope::All => "全国の研修会".to_string(),
            Scope::Prefecture(code) => {
                format!("{}が承認する研修会", prefecture_association_name(code))
            }
            Scope::Association(_) => format!(
                "{}が主催する研修会",
                user.association.as_ref().map(|a| a.name.as_str()).unwrap_or("")
            ),
            Scope::Nothing => "表示できる研修会はありません".to_string(),
        },
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

// ---------------------------------------------------------------------------------------------
// The detail page with the decisions.

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

fn cycle_label(c: &Cycle) -> String {
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
        prefecture: prefecture_association_name(s.approving_prefecture_code),
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

/// A seminar's attendees in staff words (the organizer's page speaks to the organizer).
fn staff_match_label(code: &str) -> (&'static str, &'static str) {
    match code {
        "matched" => ("反映済み", "ok"),
        "unmatched" => ("該当する医師なし（登録待ち）", "waiting"),
        "birth_date_mismatch" => ("生年月日が不一致（確認待ち）", "error"),
        "rejected" => ("紐付けを見送り", "error"),
        _ => ("不明", ""),
    }
}

/// The decision form a re-shown page keeps what was typed into.
#[derive(Default)]
struct DecisionState {
    comment: String,
    comment_error: Option<&'static str>,
    /// "return" or "reject": which form the comment belongs to.
    form: &'static str,
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

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    conflict: Option<String>,
    decision: DecisionState,
) -> AppResult<Response> {
    let list = credits::ListQuery::default();
    show_page_with(state, ctx, id, status, conflict, decision, &list).await
}

async fn show_page_with(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    conflict: Option<String>,
    decision: DecisionState,
    list: &credits::ListQuery,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut conn = state.pool.acquire().await?;
    let seminar = seminars::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let target = seminar.target();
    ensure_visible(user, target)?;
    let actor = user.actor();
    let cycle = match seminar.cycle_id {
        Some(c) => seminar_review::cycle(&mut conn, c).await?,
        None => None,
    };
    let units = seminars::units(&mut conn, id)
        .await?
        .into_iter()
        .map(|u| UnitView {
            label: Category::from_code(&u.category).map(Category::label).unwrap_or("不明"),
            units: u.units.normalize().to_string(),
        })
        .collect();
    let work_page = seminar_review::active_work_page(&mut conn, id).await?.map(|w| {
        format!(
            "発行済み（{}{}）",
            format_jp_datetime(w.issued_at.fixed_offset()),
            w.issued_by_name.map(|n| format!("・{n}")).unwrap_or_default()
        )
    });
    let attachments = seminar_files::views(&mut conn, id).await?;
    let lectures = db::seminar_lectures::for_seminar(&mut conn, id)
        .await?
        .into_iter()
        .map(|l| LectureView {
            category: Category::from_code(&l.category).map(Category::label).unwrap_or("不明"),
            subject: l.subject,
            lecturer: l.lecturer,
            minutes: l.minutes,
        })
        .collect();
    drop(conn);
    let history = seminar_review::history(&state.pool, id)
        .await?
        .into_iter()
        .map(|h| HistoryView {
            at: format_jp_datetime(h.at.fixed_offset()),
            what: history_label(&h.action),
            who: h.actor_name.unwrap_or_else(|| "主催者（申請フォーム）".to_string()),
            comment: h.comment,
        })
        .collect();
    let attendees = if allows(&actor, Action::ViewSeminarAttendees(target)) {
        Some(list_page(state, id, list, ctx.now, staff_match_label).await?)
    } else {
        None
    };
    let current = Some(seminar.status);
    let page = ShowPage {
        lectures,
        attachments,
        can_review: current == Some(Status::Submitted)
            && allows(&actor, Action::ReviewSeminar(target)),
        can_decide: current == Some(Status::PrefectureApproved)
            && allows(&actor, Action::DecideSeminarAtCommittee),
        can_manage_work_page: current == Some(Status::Approved)
            && allows(&actor, Action::ManageSeminar(target)),
        can_edit: current.is_some_and(Status::editable) && is_organizer(user, &seminar),
        s: seminar_view(&seminar, cycle.as_ref()),
        units,
        history,
        attendees,
        work_page,
        conflict,
        decision,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(list): Query<credits::ListQuery>,
) -> AppResult<Response> {
    let decision = DecisionState::default();
    show_page_with(&state, &ctx, id, StatusCode::OK, None, decision, &list).await
}

#[derive(Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub(crate) comment: String,
    #[serde(default)]
    pub(crate) decision: String,
}

/// A required comment (reason for a return or a rejection), at most 1000 characters.
pub(crate) fn required_comment(text: &str, missing: &'static str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(missing);
    }
    if text.chars().count() > COMMENT_MAX {
        return Err("コメントは1000文字以内で入力してください。");
    }
    Ok(text.to_string())
}

/// The locked seminar the caller may see, or the error to answer with.
async fn lock_visible(
    conn: &mut PgConnection,
    user: &CurrentAccount,
    id: i64,
) -> AppResult<Seminar> {
    let seminar = seminars::get_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(user, seminar.target())?;
    Ok(seminar)
}

pub async fn prefecture_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    // Locked until commit: a second decision waits here and then sees the first one's result.
    let seminar = lock_visible(&mut tx, user, id).await?;
    ctx.require(Action::ReviewSeminar(seminar.target()))?;
    if seminar.status != Status::Submitted {
        drop(tx);
        let message = conflict_message(seminar.status);
        return show_page(
            &state,
            &ctx,
            id,
            StatusCode::CONFLICT,
            Some(message),
            Default::default(),
        )
        .await;
    }
    let cycle = seminar_review::next_cycle(&mut tx, ctx.now.date_naive()).await?;
    let status = Status::PrefectureApproved.code();
    if !seminar_review::prefecture_decide(
        &mut tx,
        id,
        status,
        None,
        cycle.as_ref().map(|c| c.id),
        user.id,
        ctx.now,
    )
    .await?
    {
        return Err(AppError::Conflict(conflict_message(seminar.status)));
    }
    let entry = audit::Entry {
        action: "seminar.prefecture_approved",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": seminar.status })),
        after: Some(json!({ "status": status, "cycle_id": cycle.as_ref().map(|c| c.id) })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let message = SeminarPrefectureApproved {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_lines(&MailSeminar::from(&seminar)),
        committee: cycle.as_ref().map(|c| Committee {
            fiscal_year: c.fiscal_year,
            number: c.number,
            date: format_jp_date(c.committee_date),
        }),
        sig: Signature::by(
            prefecture_association_name(seminar.approving_prefecture_code),
            "研修会の申請の審査の状況のお知らせ",
        ),
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&match &cycle {
        Some(c) => format!(
            "承認しました。{}年度 第{}回の運営委員会（{}）の審査に回ります。",
            c.fiscal_year,
            c.number,
            format_jp_date(c.committee_date)
        ),
        None => "承認しました。受付中の運営委員会の回がないため、回は未定です。".to_string(),
    })
    .await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

pub async fn prefecture_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    let seminar = lock_visible(&mut tx, user, id).await?;
    ctx.require(Action::ReviewSeminar(seminar.target()))?;
    if seminar.status != Status::Submitted {
        drop(tx);
        let message = conflict_message(seminar.status);
        return show_page(
            &state,
            &ctx,
            id,
            StatusCode::CONFLICT,
            Some(message),
            Default::default(),
        )
        .await;
    }
    let comment = match required_comment(
        &form.comment,
        "差し戻す理由（主催者に修正してほしいこと）を入力してください。",
    ) {
        Ok(c) => c,
        Err(error) => {
            drop(tx);
            let decision =
                DecisionState { comment: form.comment, comment_error: Some(error), form: "return" };
            return show_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, None, decision)
                .await;
        }
    };
    let status = Status::Returned.code();
    if !seminar_review::prefecture_decide(
        &mut tx,
        id,
        status,
        Some(&comment),
        None,
        user.id,
        ctx.now,
    )
    .await?
    {
        return Err(AppError::Conflict(conflict_message(seminar.status)));
    }
    let entry = audit::Entry {
        action: "seminar.returned",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": seminar.status })),
        after: Some(json!({ "status": status, "comment": comment })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let on_office_page = seminar.organizer_association_id.is_some();
    let correction_url = if on_office_page {
        format!("{}/office/seminars/{id}/edit", state.config.base_url)
    } else {
        let token = db::seminar_links::issue(&mut tx, id, ctx.now).await?;
        format!("{}/seminars/correct/{token}", state.config.base_url)
    };
    let message = SeminarReturned {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_lines(&MailSeminar::from(&seminar)),
        comment: comment.clone(),
        on_office_page,
        correction_url,
        sig: Signature::by(
            prefecture_association_name(seminar.approving_prefecture_code),
            "研修会の申請の審査の状況のお知らせ",
        ),
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("差し戻しました。主催者に理由をメールで知らせました。").await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

/// JMA's approval of one locked seminar: status, work page, mail, audit. The caller checked
/// the status and holds the lock.
async fn approve_at_committee(
    tx: &mut PgConnection,
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentAccount,
    seminar: &Seminar,
) -> AppResult<bool> {
    let status = Status::Approved.code();
    if !seminar_review::jma_decide(tx, seminar.id, status, None, user.id, ctx.now).await? {
        return Ok(false);
    }
    let entry = audit::Entry {
        action: "seminar.approved",
        entity_type: "seminar",
        entity_id: Some(seminar.id.to_string()),
        before: Some(json!({ "status": seminar.status })),
        after: Some(json!({ "status": status, "cycle_id": seminar.cycle_id })),
    };
    audit::record(tx, &ctx.who(), ctx.now, entry).await?;
    issue_work_page(tx, state, ctx, user, seminar, WorkPageMail::Approved).await?;
    Ok(true)
}

/// Issues the work page (revoking any earlier one), mails the URL, audits without the token.
async fn issue_work_page(
    tx: &mut PgConnection,
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentAccount,
    seminar: &Seminar,
    why: WorkPageMail,
) -> AppResult<()> {
    let token = db::work_pages::issue(tx, seminar.id, Some(user.id), ctx.now).await?;
    let entry = audit::Entry {
        action: match why {
            WorkPageMail::Reissued => "work_page.reissued",
            _ => "work_page.issued",
        },
        entity_type: "work_page",
        entity_id: Some(seminar.id.to_string()),
        before: None,
        after: Some(json!({ "mailed_to": seminar.contact_email })),
    };
    audit::record(tx, &ctx.who(), ctx.now, entry).await?;
    let sender = match why {
        WorkPageMail::Reissued => {
            mail::messages::acting_association(user.association.as_ref().map(|a| a.name.as_str()))
        }
        _ => mail::messages::JMA.to_string(),
    };
    let mail_seminar = MailSeminar::from(seminar);
    mail_work_page(tx, &state.config.base_url, &mail_seminar, &token, why, sender, ctx.now).await?;
    Ok(())
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let user = ctx.require(Action::DecideSeminarAtCommittee)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("承認か不承認かを選んでください。".into())),
    };
    let mut tx = state.pool.begin().await?;
    let seminar = lock_visible(&mut tx, user, id).await?;
    if seminar.status != Status::PrefectureApproved {
        drop(tx);
        let message = conflict_message(seminar.status);
        return show_page(
            &state,
            &ctx,
            id,
            StatusCode::CONFLICT,
            Some(message),
            Default::default(),
        )
        .await;
    }
    if approve {
        if !approve_at_committee(&mut tx, &state, &ctx, user, &seminar).await? {
            return Err(AppError::Conflict(conflict_message(seminar.status)));
        }
        tx.commit().await?;
        state.mail_notify.notify_one();
        ctx.flash("承認しました。作業ページのURLを主催者にメールで送りました。").await?;
        return Ok(see_other(&format!("/office/seminars/{id}")));
    }
    let comment = match required_comment(&form.comment, "不承認の理由を入力してください。")
    {
        Ok(c) => c,
        Err(error) => {
            drop(tx);
            let decision =
                DecisionState { comment: form.comment, comment_error: Some(error), form: "reject" };
            return show_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, None, decision)
                .await;
        }
    };
    let status = Status::Rejected.code();
    if !seminar_review::jma_decide(&mut tx, id, status, Some(&comment), user.id, ctx.now).await? {
        return Err(AppError::Conflict(conflict_message(seminar.status)));
    }
    let entry = audit::Entry {
        action: "seminar.rejected",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": seminar.status })),
        after: Some(json!({ "status": status, "comment": comment })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let message = SeminarRejected {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_lines(&MailSeminar::from(&seminar)),
        comment: comment.clone(),
        sig: Signature::portal_for(
            prefecture_association_name(seminar.approving_prefecture_code),
            "研修会の申請の審査の結果のお知らせ",
        ),
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("不承認にしました。主催者に理由をメールで知らせました。").await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

// ---------------------------------------------------------------------------------------------
// Work page: revoke and re-issue.

pub async fn reissue_work_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    let seminar = lock_visible(&mut tx, user, id).await?;
    ctx.require(Action::ManageSeminar(seminar.target()))?;
    if seminar.status != Status::Approved {
        drop(tx);
        let message = "作業ページは承認済みの研修会にだけ発行できます。".to_string();
        return show_page(
            &state,
            &ctx,
            id,
            StatusCode::CONFLICT,
            Some(message),
            Default::default(),
        )
        .await;
    }
    issue_work_page(&mut tx, &state, &ctx, user, &seminar, WorkPageMail::Reissued).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("作業ページのURLを再発行し、主催者にメールで送りました。これまでのURLは使えません。")
        .await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

pub async fn revoke_work_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let mut tx = state.pool.begin().await?;
    let seminar = lock_visible(&mut tx, user, id).await?;
    ctx.require(Action::ManageSeminar(seminar.target()))?;
    let revoked = db::work_pages::revoke(&mut tx, id, Some(user.id), ctx.now).await?;
    if revoked == 0 {
        drop(tx);
        let message = "この研修会の作業ページのURLは、すでに無効になっています。".to_string();
        return show_page(
            &state,
            &ctx,
            id,
            StatusCode::CONFLICT,
            Some(message),
            Default::default(),
        )
        .await;
    }
    let entry = audit::Entry {
        action: "work_page.revoked",
        entity_type: "work_page",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({ "revoked": revoked })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let message = WorkPageRevoked {
        contact_name: seminar.contact_name.clone(),
        seminar: seminar_lines(&MailSeminar::from(&seminar)),
        sig: Signature {
            sender: mail::messages::acting_association(
                user.association.as_ref().map(|a| a.name.as_str()),
            ),
            contact: mail::messages::Contact::association(prefecture_association_name(
                seminar.approving_prefecture_code,
            )),
            reason: "作業ページのURLを無効にしたことのお知らせ".into(),
        },
    };
    mail::queue(&mut tx, &seminar.contact_email, &message, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("作業ページのURLを無効にしました。主催者にメールで知らせました。").await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

// ---------------------------------------------------------------------------------------------
// Applying from a staff account, correcting a returned application, paper entry (JMA).

#[derive(Template)]
#[template(path = "office/seminars/form.html")]
struct FormPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    action: String,
    submit_label: &'static str,
    back: String,
    form: SeminarForm,
}

async fn form_page(
    ctx: &Ctx,
    heading: &'static str,
    intro: &'static str,
    action: String,
    submit_label: &'static str,
    back: String,
    form: SeminarForm,
) -> AppResult<Response> {
    let status =
        if form.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        heading,
        intro,
        action,
        submit_label,
        back,
        form,
    };
    Ok((status, render(&page)?).into_response())
}

const NEW_HEADING: &str = "研修会の申請";
const NEW_INTRO: &str = "貴会が主催する研修会を、都道府県医師会へ申請します。都道府県医師会の承認後、日本医師会の運営委員会で審査されます。";

/// The staff member's association as organizer: (id, name, prefecture code).
fn own_organizer(user: &CurrentAccount) -> AppResult<(i64, String, i16)> {
    let a = user.association.as_ref().ok_or(AppError::Forbidden)?;
    let code = a.prefecture_code.ok_or(AppError::Forbidden)?;
    Ok((a.id, a.name.clone(), code))
}

fn fixed_form(input: SeminarInput, errors: FieldErrors, name: &str, code: i16) -> SeminarForm {
    let mut form = SeminarForm::new(input, errors);
    form.organizer_fixed = Some(name.to_string());
    form.prefecture_fixed = Some(prefecture_association_name(code));
    form
}

pub async fn new_form(ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let (_, name, code) = own_organizer(user)?;
    let input = SeminarInput { format: "in_person".into(), ..Default::default() };
    let mut form = fixed_form(input, FieldErrors::default(), &name, code);
    form.timetable = Some(TimetableView::new(Vec::new(), Vec::new()));
    form.attachments = Some(AttachmentsView::default());
    form_page(
        &ctx,
        NEW_HEADING,
        NEW_INTRO,
        "/office/seminars/new".into(),
        "申請する",
        "/office/seminars".into(),
        form,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    submission: Submission,
) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let (association_id, name, code) = own_organizer(user)?;
    let file_error = submission.file_error();
    let attachments = || AttachmentsView { error: file_error.clone(), existing: Vec::new() };
    let (mut input, raw_lectures) = timetable::split_form(submission.pairs);
    input.organizer_name = name.clone();
    input.approving_prefecture = code.to_string();
    input.organizer_association = String::new();
    let today = ctx.now.date_naive();
    let draft = parse_seminar(&input, today)
        .and_then(|d| check_application(&d, today).map(|_| d))
        .and_then(|d| seminar_files::refuse_bad_files(file_error.as_deref()).map(|_| d));
    let (draft, lectures) = match draft {
        Ok(d) => match timetable::check(&raw_lectures, &d) {
            Ok(lectures) => (d, lectures),
            Err((errors, view)) => {
                let mut form = fixed_form(input, errors, &name, code);
                form.timetable = Some(view);
                form.attachments = Some(attachments());
                return form_page(
                    &ctx,
                    NEW_HEADING,
                    NEW_INTRO,
                    "/office/seminars/new".into(),
                    "申請する",
                    "/office/seminars".into(),
                    form,
                )
                .await;
            }
        },
        Err(errors) => {
            let mut form = fixed_form(input, errors, &name, code);
            form.timetable = Some(TimetableView::new(raw_lectures, Vec::new()));
            form.attachments = Some(attachments());
            return form_page(
                &ctx,
                NEW_HEADING,
                NEW_INTRO,
                "/office/seminars/new".into(),
                "申請する",
                "/office/seminars".into(),
                form,
            )
            .await;
        }
    };
    let units = unit_rows(&draft);
    let mut tx = state.pool.begin().await?;
    let today = ctx.now.date_naive();
    if let Some(errors) = seminar_guard::cycle_errors(&mut tx, draft.starts_on, today).await? {
        drop(tx);
        let mut form = fixed_form(input, errors, &name, code);
        form.timetable = Some(TimetableView::new(raw_lectures, Vec::new()));
        form.attachments = Some(attachments());
        return form_page(
            &ctx,
            NEW_HEADING,
            NEW_INTRO,
            "/office/seminars/new".into(),
            "申請する",
            "/office/seminars".into(),
            form,
        )
        .await;
    }
    let key = seminar_guard::key(&input);
    if let Some(key) = key {
        if let Some(seen) = seminar_guard::seen(&mut tx, key, "seminar_staff", ctx.now).await? {
            drop(tx);
            return Ok(see_other(&match seen {
                Some(id) => format!("/office/seminars/{id}"),
                None => "/office/seminars".to_string(),
            }));
        }
    }
    let new = new_seminar(
        &draft,
        &units,
        Some(association_id),
        Status::Submitted.code(),
        Some(user.id),
        false,
    );
    let id = seminars::create(&mut tx, &new, ctx.now).await?;
    db::seminar_lectures::replace(&mut tx, id, &lectures).await?;
    seminar_files::store(&mut tx, id, &submission.files, ctx.now).await?;
    if let Some(key) = key {
        db::form_submissions::done(&mut tx, key, id).await?;
    }
    let entry = audit::Entry {
        action: "seminar.submitted",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(draft_json(&draft)),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let mail = MailSeminar {
        id,
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        prefecture: draft.approving_prefecture_code,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
    };
    mail_received(&mut tx, &mail, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "研修会の申請を受け付けました（受付番号 {id}）。確認のメールを {} に送りました。",
        draft.contact_email
    ))
    .await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

const EDIT_HEADING: &str = "研修会の申請内容の修正";
const EDIT_INTRO: &str = "差し戻しの理由をご確認のうえ、内容を修正して再申請してください。再申請すると、都道府県医師会の審査をもう一度受けます。";

pub(crate) fn input_from(seminar: &Seminar, units: &[seminars::UnitRow]) -> SeminarInput {
    let mut input = SeminarInput {
        programme: seminar.programme.clone(),
        title: seminar.title.clone(),
        starts_on: seminar.starts_on.to_string(),
        ends_on: seminar.ends_on.to_string(),
        format: seminar.format.clone(),
        venue: seminar.venue.clone(),
        organizer_name: seminar.organizer_name.clone(),
        contact_name: seminar.contact_name.clone(),
        contact_email: seminar.contact_email.clone(),
        contact_phone: seminar.contact_phone.clone().unwrap_or_default(),
        contact_fax: seminar.contact_fax.clone().unwrap_or_default(),
        approving_prefecture: seminar.approving_prefecture_code.to_string(),
        recruiting: if seminar.recruiting { "yes".into() } else { String::new() },
        capacity: seminar.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    for u in units {
        if let Some(c) = Category::from_code(&u.category) {
            input.set_units(c, u.units.normalize().to_string());
        }
    }
    input
}

/// The seminar its organizer may correct now, or the answer to give.
async fn editable(
    conn: &mut PgConnection,
    user: &CurrentAccount,
    id: i64,
    lock: bool,
) -> AppResult<Seminar> {
    let seminar = if lock {
        seminars::get_for_update(conn, id).await?
    } else {
        seminars::get(conn, id).await?
    }
    .ok_or(AppError::NotFound)?;
    ensure_visible(user, seminar.target())?;
    if !is_organizer(user, &seminar) {
        return Err(AppError::Forbidden);
    }
    if !Some(seminar.status).is_some_and(Status::editable) {
        return Err(AppError::Conflict(format!(
            "この研修会は修正できません（現在の状態：{}）。",
            seminar.status.label()
        )));
    }
    Ok(seminar)
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let mut conn = state.pool.acquire().await?;
    let seminar = editable(&mut conn, user, id, false).await?;
    let units = seminars::units(&mut conn, id).await?;
    let lectures = db::seminar_lectures::for_seminar(&mut conn, id).await?;
    let existing = seminar_files::views(&mut conn, id).await?.into_iter().map(|f| f.name).collect();
    drop(conn);
    let mut form = fixed_form(
        input_from(&seminar, &units),
        FieldErrors::default(),
        &seminar.organizer_name,
        seminar.approving_prefecture_code,
    );
    form.timetable = Some(TimetableView::from_rows(&lectures));
    form.attachments = Some(AttachmentsView { error: None, existing });
    form_page(
        &ctx,
        EDIT_HEADING,
        EDIT_INTRO,
        format!("/office/seminars/{id}/edit"),
        "修正して再申請する",
        format!("/office/seminars/{id}"),
        form,
    )
    .await
}

pub async fn resubmit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    submission: Submission,
) -> AppResult<Response> {
    let user = ctx.require(Action::SubmitSeminar)?;
    let file_error = submission.file_error();
    let (mut input, raw_lectures) = timetable::split_form(submission.pairs);
    let mut tx = state.pool.begin().await?;
    let seminar = editable(&mut tx, user, id, true).await?;
    input.organizer_name = seminar.organizer_name.clone();
    input.approving_prefecture = seminar.approving_prefecture_code.to_string();
    input.organizer_association = String::new();
    let today = ctx.now.date_naive();
    let checked = parse_seminar(&input, today)
        .and_then(|d| check_application(&d, today).map(|_| d))
        .and_then(|d| seminar_files::refuse_bad_files(file_error.as_deref()).map(|_| d))
        .map_err(|errors| (errors, TimetableView::new(raw_lectures.clone(), Vec::new())))
        .and_then(|d| timetable::check(&raw_lectures, &d).map(|l| (d, l)));
    let (draft, lectures) = match checked {
        Ok(d) => d,
        Err((errors, view)) => {
            drop(tx);
            let mut form = fixed_form(
                input,
                errors,
                &seminar.organizer_name,
                seminar.approving_prefecture_code,
            );
            form.timetable = Some(view);
            form.attachments = Some(AttachmentsView { error: file_error, existing: Vec::new() });
            return form_page(
                &ctx,
                EDIT_HEADING,
                EDIT_INTRO,
                format!("/office/seminars/{id}/edit"),
                "修正して再申請する",
                format!("/office/seminars/{id}"),
                form,
            )
            .await;
        }
    };
    let units = unit_rows(&draft);
    let change = seminar_review::Resubmission {
        programme: draft.programme.code(),
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        format: draft.format.code(),
        venue: &draft.venue,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
        contact_phone: draft.contact_phone.as_deref(),
        contact_fax: draft.contact_fax.as_deref(),
        recruiting: draft.recruiting,
        capacity: draft.capacity,
        units: &units,
    };
    if !seminar_review::resubmit(&mut tx, id, &change, Some(user.id), ctx.now).await? {
        return Err(AppError::Conflict(conflict_message(seminar.status)));
    }
    db::seminar_lectures::replace(&mut tx, id, &lectures).await?;
    seminar_files::store(&mut tx, id, &submission.files, ctx.now).await?;
    let entry = audit::Entry {
        action: "seminar.resubmitted",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": seminar.status, "status_comment": seminar.status_comment })),
        after: Some(draft_json(&draft)),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let mail = MailSeminar {
        id,
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        prefecture: seminar.approving_prefecture_code,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
    };
    mail_received(&mut tx, &mail, ctx.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("修正した内容で再申請しました。都道府県医師会がもう一度審査します。").await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

const PAPER_HEADING: &str = "書面で承認済みの研修会の登録";
const PAPER_INTRO: &str = "2025年7月までに書面で申請・承認された研修会を登録します。登録すると承認済みとなり、作業ページのURLを主催者の担当者にメールで送ります。";

async fn paper_form_with(
    state: &AppState,
    ctx: &Ctx,
    input: SeminarInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let selected = input.organizer_association.trim().parse::<i64>().ok();
    let associations = seminar_review::organizing_associations(&state.pool)
        .await?
        .into_iter()
        .map(|a| AssociationOption { selected: selected == Some(a.id), id: a.id, name: a.name })
        .collect();
    let mut form = SeminarForm::new(input, errors);
    form.associations = associations;
    form_page(
        ctx,
        PAPER_HEADING,
        PAPER_INTRO,
        "/office/seminars/paper".into(),
        "登録して作業ページを発行する",
        "/office/seminars".into(),
        form,
    )
    .await
}

pub async fn paper_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::DecideSeminarAtCommittee)?;
    let input = SeminarInput { format: "in_person".into(), ..Default::default() };
    paper_form_with(&state, &ctx, input, FieldErrors::default()).await
}

pub async fn paper_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(mut input): Form<SeminarInput>,
) -> AppResult<Response> {
    let user = ctx.require(Action::DecideSeminarAtCommittee)?;
    let mut tx = state.pool.begin().await?;
    let mut errors = FieldErrors::default();
    let association = match input.organizer_association.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => match seminar_review::association(&mut tx, id).await? {
                Some(a) => Some(a),
                None => {
                    errors.add("organizer_association", "主催した医師会を選び直してください。");
                    None
                }
            },
            Err(_) => {
                errors.add("organizer_association", "主催した医師会を選び直してください。");
                None
            }
        },
    };
    if let Some(a) = &association {
        input.organizer_name = a.name.clone();
    }
    let draft = parse_seminar(&input, ctx.now.date_naive());
    let draft = match draft {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => {
            drop(tx);
            return paper_form_with(&state, &ctx, input, errors).await;
        }
        Err(more) => {
            drop(tx);
            errors.merge(more);
            return paper_form_with(&state, &ctx, input, errors).await;
        }
    };
    // Posted twice (a double click, a reload): one seminar and one work-page mail.
    let key = seminar_guard::key(&input);
    if let Some(key) = key {
        if let Some(seen) = seminar_guard::seen(&mut tx, key, "seminar_paper", ctx.now).await? {
            drop(tx);
            return Ok(see_other(&match seen {
                Some(id) => format!("/office/seminars/{id}"),
                None => "/office/seminars".to_string(),
            }));
        }
    }
    let units = unit_rows(&draft);
    let new = new_seminar(
        &draft,
        &units,
        association.as_ref().map(|a| a.id),
        Status::Approved.code(),
        Some(user.id),
        true,
    );
    let id = seminars::create(&mut tx, &new, ctx.now).await?;
    if let Some(key) = key {
        db::form_submissions::done(&mut tx, key, id).await?;
    }
    seminar_review::record_paper_decision(&mut tx, id, user.id, ctx.now).await?;
    let mut after = draft_json(&draft);
    after["status"] = json!(Status::Approved.code());
    after["paper_approved"] = json!(true);
    after["organizer_association_id"] = json!(association.as_ref().map(|a| a.id));
    let entry = audit::Entry {
        action: "seminar.paper_entered",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    let seminar = seminars::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    issue_work_page(&mut tx, &state, &ctx, user, &seminar, WorkPageMail::PaperApproved).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash(&format!(
        "登録しました（受付番号 {id}）。作業ページのURLを {} に送りました。",
        draft.contact_email
    ))
    .await?;
    Ok(see_other(&format!("/office/seminars/{id}")))
}

// ---------------------------------------------------------------------------------------------
// JMA's committee (運営委員会): the cycles and their seminars.

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
    let mut ids: Vec<i64> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "seminar_id")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    // One order for every locker: two bulk approvals never deadlock.
    ids.sort_unstable();
    ids.dedup();
    let back = format!("/office/committee/{cycle_id}");
    if ids.is_empty() {
        ctx.flash("承認する研修会にチェックを入れてください。").await?;
        return Ok(see_other(&back));
    }
    let mut tx = state.pool.begin().await?;
    seminar_review::cycle(&mut tx, cycle_id).await?.ok_or(AppError::NotFound)?;
    let (mut approved, mut skipped) = (0, 0);
    for id in ids {
        let Some(seminar) = seminars::get_for_update(&mut tx, id).await? else {
            skipped += 1;
            continue;
        };
        if seminar.cycle_id != Some(cycle_id)
            || seminar.status != Status::PrefectureApproved
            || !approve_at_committee(&mut tx, &state, &ctx, user, &seminar).await?
        {
            skipped += 1;
            continue;
        }
        approved += 1;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
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
