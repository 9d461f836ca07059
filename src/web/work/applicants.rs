//! The organizer's work page lists what physicians did about the seminar: the missing-credit
//! reports (単位未反映の問い合わせ) about it, and the applicants of a recruiting seminar with
//! their CSV in the credit-upload layout. The physician's side is
//! `web::mypage::{missing_credits, recruitment}`.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::clock::format_jp_date;
use crate::db;
use crate::domain::csv_text::write_for_excel;
use crate::domain::person::Sex;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::views::{jp_time, MissingView, SeminarHead};
use crate::web::work::page::{private, WorkPage};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work/{token}/reports-missing", get(work_missing_reports))
        .route("/work/{token}/applicants", get(applicants))
        .route("/work/{token}/applicants.csv", get(applicants_csv))
}

// ---------------------------------------------------------------------------------------------
// Missing-credit reports on the work page.

#[derive(Template)]
#[template(path = "work/reports_missing.html")]
pub(crate) struct WorkMissingPage {
    layout: Layout,
    base: String,
    seminar: SeminarHead,
    reports: Vec<MissingView>,
    open_count: usize,
}

pub async fn work_missing_reports(
    State(state): State<AppState>,
    work: WorkPage,
    ctx: Ctx,
) -> AppResult<Response> {
    db::reports::close_resolved(&mut *state.pool.acquire().await?, ctx.now).await?;
    let reports: Vec<MissingView> = db::reports::missing_for_seminar(&state.pool, work.seminar.id)
        .await?
        .into_iter()
        .map(MissingView::from)
        .collect();
    let page = WorkMissingPage {
        layout: ctx.layout(),
        base: work.base(),
        seminar: SeminarHead::new(&work.seminar),
        open_count: reports.iter().filter(|r| r.open).count(),
        reports,
    };
    Ok(private(render(&page)?))
}

// ---------------------------------------------------------------------------------------------
// Applicants on the work page.

/// The credit CSV's columns, in its order (the organizer adds the attendance and uploads it).
pub const CREDIT_CSV_HEADER: [&str; 8] = [
    "漢字氏名",
    "フリガナ",
    "生年月日（西暦）",
    "性別",
    "医籍登録番号",
    "メールアドレス",
    "電話番号",
    "FAX番号",
];

pub struct ApplicantView {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub registry_number: String,
    pub email: String,
    pub phone: String,
    pub fax: String,
    pub applied: String,
}

#[derive(Template)]
#[template(path = "work/applicants.html")]
pub(crate) struct ApplicantsPage {
    layout: Layout,
    base: String,
    seminar: SeminarHead,
    recruiting: bool,
    capacity: Option<i32>,
    applicants: Vec<ApplicantView>,
}

pub async fn applicants(
    State(state): State<AppState>,
    work: WorkPage,
    ctx: Ctx,
) -> AppResult<Response> {
    let applicants = db::recruitment::applicants(&state.pool, work.seminar.id)
        .await?
        .into_iter()
        .map(|a| ApplicantView {
            kanji_name: a.kanji_name,
            furigana: a.furigana,
            birth_date: format_jp_date(a.birth_date),
            sex: Sex::from_code(&a.sex).map(Sex::label).unwrap_or("―"),
            registry_number: a.registry_number.unwrap_or_default(),
            email: a.email.unwrap_or_default(),
            phone: a.phone.unwrap_or_default(),
            fax: a.fax.unwrap_or_default(),
            applied: jp_time(a.applied_at),
        })
        .collect();
    let page = ApplicantsPage {
        layout: ctx.layout(),
        base: work.base(),
        seminar: SeminarHead::new(&work.seminar),
        recruiting: work.seminar.recruiting,
        capacity: work.seminar.capacity,
        applicants,
    };
    Ok(private(render(&page)?))
}

/// The applicants as a credit CSV (UTF-8 with BOM for Excel, formula-safe cells).
pub async fn applicants_csv(State(state): State<AppState>, work: WorkPage) -> AppResult<Response> {
    let mut rows = vec![CREDIT_CSV_HEADER.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for a in db::recruitment::applicants(&state.pool, work.seminar.id).await? {
        rows.push(vec![
            a.kanji_name,
            a.furigana,
            a.birth_date.format("%Y/%m/%d").to_string(),
            Sex::from_code(&a.sex).map(Sex::label).unwrap_or("").to_string(),
            a.registry_number.unwrap_or_default(),
            a.email.unwrap_or_default(),
            a.phone.unwrap_or_default(),
            a.fax.unwrap_or_default(),
        ]);
    }
    let file_name = format!("applicants_{}.csv", work.seminar.id);
    let response = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        write_for_excel(&rows),
    )
        .into_response();
    Ok(private(response))
}
