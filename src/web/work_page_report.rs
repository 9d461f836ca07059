//! After the seminar (issue 4, parts 4–7), for the organizer, the physician and the staff:
//!
//! - the organizer's work page (secret URL, no account): the seminar report (開催報告) with its
//!   attachments, the physicians' missing-credit reports about this seminar, and the list of
//!   applicants with its CSV in the credit-upload layout;
//! - the physician: reporting a missing credit from the my page (briefing Q4), and the public
//!   list of seminars inviting applications with the application itself;
//! - the staff (in `office_watch`): the deadline watch with reminders, the missing-credit
//!   reports of their prefecture, and the review of seminar reports.
//!
//! All routes are merged here, so the router needs no edit for the staff pages.

#[path = "office_watch.rs"]
pub mod office_watch;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::reports::{MoneyLine, SEMINAR_REPORT_FILES};
use crate::db::{self, audit};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::csv_text::write_for_excel;
use crate::domain::deadline;
use crate::domain::person::Sex;
use crate::domain::policy::Action;
use crate::domain::record_status::{MissingReportStatus, ReportStatus};
use crate::domain::seminar::Status as SeminarStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::input;
use crate::web::layout::Layout;
use crate::web::work_page::{private, WorkPage};
use crate::web::{render, see_other};

pub use rules::{MAX_FILES_PER_REPORT, MAX_FILE_BYTES};

/// Attachments per submission: the request may carry this many files of the maximum size.
const FILES_PER_SUBMISSION: usize = 3;
const REPORT_REQUEST_LIMIT: usize = FILES_PER_SUBMISSION * MAX_FILE_BYTES + 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/work/{token}/report",
            get(report_form).post(report_submit).layer(DefaultBodyLimit::max(REPORT_REQUEST_LIMIT)),
        )
        .route("/work/{token}/report/files/{file_id}", get(report_file))
        .route("/work/{token}/reports-missing", get(work_missing_reports))
        .route("/work/{token}/applicants", get(applicants))
        .route("/work/{token}/applicants.csv", get(applicants_csv))
        .route("/mypage/missing-credits", get(missing_form).post(missing_submit))
        .route("/seminars", get(open_seminars))
        .route("/seminars/{id}/apply", get(apply_form).post(apply))
        .route("/seminars/{id}/cancel", post(cancel_application))
        .merge(office_watch::routes())
}

/// Pure rules of these pages: amounts in yen, attachment types, safe download names.
/// *(Candidates for `domain/` — kept here because this change may only touch its own files.)*
pub mod rules {
    use chrono::NaiveDate;

    use crate::db::reports::MoneyLine;
    use crate::domain::text::to_halfwidth_ascii;

    /// Largest attachment (10 MB).
    pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
    pub const MAX_FILES_PER_REPORT: usize = 10;
    /// Income or expenditure lines a report may have.
    pub const MAX_MONEY_LINES: usize = 50;
    pub const MAX_LONG_TEXT: usize = 20_000;
    /// The first day of credits the portal manages (DOMAIN §3): earlier seminars' credits are
    /// on paper, so a missing-credit report about them cannot be answered by the portal.
    /// A setting (`PORTAL_CREDITS_FROM`, default 2025-04-01).
    pub fn portal_credits_from(config: &crate::config::Config) -> NaiveDate {
        config.portal_credits_from
    }

    /// An amount in yen as people type it: 「12,000」「１２，０００」「¥12000」「12000円」.
    pub fn parse_yen(input: &str) -> Result<i64, &'static str> {
        let text: String = to_halfwidth_ascii(input)
            .chars()
            .filter(|c| !matches!(c, ',' | '、' | '¥' | '￥' | '\\' | '円' | ' '))
            .collect();
        if text.is_empty() {
            return Err("金額を入力してください。");
        }
        if text.starts_with('-') || text.starts_with('−') || text.starts_with('▲') {
            return Err("金額は0円以上で入力してください。");
        }
        if !text.chars().all(|c| c.is_ascii_digit()) {
            return Err("金額は数字で入力してください（例：12,000）。");
        }
        if text.len() > 11 {
            return Err("金額が大きすぎます。");
        }
        text.parse().map_err(|_| "金額は数字で入力してください（例：12,000）。")
    }

    /// A head count: 「120」「１２０人」「1,200」.
    pub fn parse_count(input: &str) -> Result<i32, &'static str> {
        let text: String = to_halfwidth_ascii(input)
            .chars()
            .filter(|c| !matches!(c, ',' | '人' | '名' | ' '))
            .collect();
        if text.is_empty() {
            return Err("受講者数を入力してください。");
        }
        if !text.chars().all(|c| c.is_ascii_digit()) || text.len() > 6 {
            return Err("受講者数は0以上の数字で入力してください。");
        }
        text.parse().map_err(|_| "受講者数は0以上の数字で入力してください。")
    }

    /// Lines as typed (item, amount): blank lines dropped, each other line checked. Errors are
    /// per kept line, in the same order as the returned inputs.
    #[allow(clippy::type_complexity)]
    pub fn money_lines(
        typed: &[(String, String)],
    ) -> (Vec<(String, String)>, Result<Vec<MoneyLine>, Vec<Option<&'static str>>>) {
        let kept: Vec<(String, String)> = typed
            .iter()
            .map(|(i, a)| (i.trim().to_string(), a.trim().to_string()))
            .filter(|(i, a)| !i.is_empty() || !a.is_empty())
            .collect();
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        for (item, amount) in &kept {
            let error = if item.is_empty() {
                Some("項目を入力してください。")
            } else if item.chars().count() > 200 {
                Some("項目は200文字以内で入力してください。")
            } else {
                match parse_yen(amount) {
                    Ok(amount) => {
                        lines.push(MoneyLine { item: item.clone(), amount });
                        None
                    }
                    Err(e) => Some(e),
                }
            };
            errors.push(error);
        }
        let result = if errors.iter().any(Option::is_some) { Err(errors) } else { Ok(lines) };
        (kept, result)
    }

    /// The last path component of an uploaded name, without control characters.
    pub fn clean_file_name(name: Option<&str>, fallback: &str) -> String {
        let name = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
        let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
        let name = name.trim();
        if name.is_empty() {
            fallback.to_string()
        } else {
            name.to_string()
        }
    }

    pub use crate::web::files::content_disposition;

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn yen_amounts_as_typed_in_japan() {
            for (typed, yen) in [
                ("12000", 12000),
                ("12,000", 12000),
                ("１２，０００", 12000),
                ("¥12,000", 12000),
                ("￥１２０００円", 12000),
                (" 0 ", 0),
                ("1,234,567", 1_234_567),
            ] {
                assert_eq!(parse_yen(typed), Ok(yen), "{typed}");
            }
            for bad in ["", "-100", "▲100", "12.5", "abc", "１２万", "999999999999"] {
                assert!(parse_yen(bad).is_err(), "{bad}");
            }
        }

        #[test]
        fn head_counts() {
            assert_eq!(parse_count("１２０人"), Ok(120));
            assert_eq!(parse_count("1,200"), Ok(1200));
            assert!(parse_count("").is_err());
            assert!(parse_count("-1").is_err());
        }

        #[test]
        fn money_lines_skip_blanks_and_point_at_the_bad_line() {
            let typed = vec![
                ("会場費".to_string(), "５０，０００".to_string()),
                (String::new(), String::new()),
                ("講師謝金".to_string(), "abc".to_string()),
                (String::new(), "100".to_string()),
            ];
            let (kept, result) = money_lines(&typed);
            assert_eq!(kept.len(), 3);
            let errors = result.unwrap_err();
            assert_eq!(errors[0], None);
            assert!(errors[1].is_some());
            assert_eq!(errors[2], Some("項目を入力してください。"));
            let (_, ok) = money_lines(&typed[..2]);
            assert_eq!(ok.unwrap(), vec![MoneyLine { item: "会場費".into(), amount: 50_000 }]);
        }

        #[test]
        fn download_names_are_safe_header_values() {
            let value = content_disposition("報告 \"書\".pdf");
            assert!(value.starts_with("attachment; filename=\"______.pdf\""));
            assert!(value.contains("filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%22%E6%9B%B8%22.pdf"));
            assert!(value.is_ascii());
            assert_eq!(clean_file_name(Some("C:\\tmp\\a.pdf"), "x"), "a.pdf");
            assert_eq!(clean_file_name(Some("  "), "x"), "x");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared bits.

fn date_range(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    if starts_on == ends_on {
        format_jp_date(ends_on)
    } else {
        format!("{} ～ {}", format_jp_date(starts_on), format_jp_date(ends_on))
    }
}

fn jp_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
}

fn yen(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 {
        format!("-{out}円")
    } else {
        format!("{out}円")
    }
}

fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
}

fn units_text(units: rust_decimal::Decimal) -> String {
    units.normalize().to_string()
}

/// Text kept line by line for display (askama escapes each line).
fn text_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// The head of a page about one seminar.
pub struct SeminarHead {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub venue: String,
    pub format: &'static str,
    pub organizer: String,
    pub due: String,
}

impl SeminarHead {
    fn new(s: &db::seminars::Seminar) -> Self {
        SeminarHead {
            id: s.id,
            title: s.title.clone(),
            programme: programme_label(&s.programme),
            dates: date_range(s.starts_on, s.ends_on),
            venue: s.venue.clone(),
            format: Format::from_code(&s.format).map(Format::label).unwrap_or("―"),
            organizer: s.organizer_name.clone(),
            due: format_jp_date(deadline::due_date(s.ends_on)),
        }
    }
}

fn report_status_label(status: &ReportStatus) -> &'static str {
    status.label()
}

pub struct FileView {
    pub name: String,
    pub size: String,
    pub href: String,
    pub id: i64,
}

fn file_views(files: Vec<db::reports::FileMeta>, href_base: &str) -> Vec<FileView> {
    files
        .into_iter()
        .map(|f| FileView {
            href: format!("{href_base}/{}", f.id),
            size: if f.size_bytes >= 1024 * 1024 {
                format!("{:.1}MB", f64::from(f.size_bytes) / 1024.0 / 1024.0)
            } else {
                format!("{}KB", (f.size_bytes + 1023) / 1024)
            },
            name: f.file_name,
            id: f.id,
        })
        .collect()
}

pub struct MoneyView {
    pub item: String,
    pub amount: String,
}

fn money_views(lines: &[MoneyLine]) -> (Vec<MoneyView>, String) {
    let total: i64 = lines.iter().map(|l| l.amount).sum();
    (
        lines.iter().map(|l| MoneyView { item: l.item.clone(), amount: yen(l.amount) }).collect(),
        yen(total),
    )
}

// ---------------------------------------------------------------------------------------------
// 開催報告 on the work page.

/// One editable income or expenditure line.
pub struct LineInput {
    /// 0-based, in the field names; `n` is 1-based, for people.
    pub i: usize,
    pub n: usize,
    pub item: String,
    pub amount: String,
    pub error: Option<&'static str>,
}

#[derive(Default)]
struct ReportErrors {
    attendee_count: Option<&'static str>,
    programme_text: Option<&'static str>,
    abstracts: Option<&'static str>,
    files: Vec<String>,
    conflict: Option<String>,
}

impl ReportErrors {
    fn any(&self, income: &[LineInput], expenditure: &[LineInput]) -> bool {
        self.attendee_count.is_some()
            || self.programme_text.is_some()
            || self.abstracts.is_some()
            || !self.files.is_empty()
            || self.conflict.is_some()
            || income.iter().chain(expenditure).any(|l| l.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "work/report.html")]
struct ReportPage {
    layout: Layout,
    base: String,
    seminar: SeminarHead,
    status: Option<&'static str>,
    editable: bool,
    held: bool,
    comment: Option<String>,
    decided: Option<String>,
    registered_attendees: i64,
    attendee_count: String,
    programme_text: String,
    abstracts: String,
    income: Vec<LineInput>,
    expenditure: Vec<LineInput>,
    income_total: String,
    expenditure_total: String,
    balance: String,
    files: Vec<FileView>,
    max_files: usize,
    per_submission: usize,
    errors: ReportErrors,
    has_errors: bool,
}

#[derive(Template)]
#[template(path = "work/report_not_needed.html")]
struct ReportNotNeededPage {
    layout: Layout,
    base: String,
    seminar: SeminarHead,
}

/// Lines for the form: those given, then blank ones to type into (at least `min` in all).
fn line_inputs(given: Vec<(String, String, Option<&'static str>)>, min: usize) -> Vec<LineInput> {
    let total = (given.len() + 3).max(min).min(rules::MAX_MONEY_LINES).max(given.len());
    given
        .into_iter()
        .map(Some)
        .chain(std::iter::repeat_with(|| None))
        .take(total)
        .enumerate()
        .map(|(i, line)| {
            let (item, amount, error) = line.unwrap_or_default();
            LineInput { i, n: i + 1, item, amount, error }
        })
        .collect()
}

/// What the form shows: the stored report, or what was typed with its errors.
struct ReportFormState {
    attendee_count: String,
    programme_text: String,
    abstracts: String,
    income: Vec<(String, String, Option<&'static str>)>,
    expenditure: Vec<(String, String, Option<&'static str>)>,
}

async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    work: &WorkPage,
    typed: Option<ReportFormState>,
    errors: ReportErrors,
    status_code: StatusCode,
) -> AppResult<Response> {
    let seminar = &work.seminar;
    let mut conn = state.pool.acquire().await?;
    let report = db::reports::report(&mut conn, seminar.id).await?;
    let registered_attendees = db::credit_views::attendee_count(&mut conn, seminar.id).await?;
    let files = db::reports::files(&mut conn, SEMINAR_REPORT_FILES, seminar.id).await?;
    drop(conn);
    let form = match (typed, &report) {
        (Some(typed), _) => typed,
        (None, Some(r)) => ReportFormState {
            attendee_count: r.attendee_count.to_string(),
            programme_text: r.programme_text.clone(),
            abstracts: r.abstracts.clone(),
            income: r
                .income
                .0
                .iter()
                .map(|l| (l.item.clone(), l.amount.to_string(), None))
                .collect(),
            expenditure: r
                .expenditure
                .0
                .iter()
                .map(|l| (l.item.clone(), l.amount.to_string(), None))
                .collect(),
        },
        (None, None) => ReportFormState {
            attendee_count: registered_attendees.to_string(),
            programme_text: String::new(),
            abstracts: String::new(),
            income: Vec::new(),
            expenditure: Vec::new(),
        },
    };
    let stored = report.as_ref();
    let (income_total, expenditure_total, balance) = match stored {
        Some(r) => {
            let i: i64 = r.income.0.iter().map(|l| l.amount).sum();
            let e: i64 = r.expenditure.0.iter().map(|l| l.amount).sum();
            (yen(i), yen(e), yen(i - e))
        }
        None => (String::new(), String::new(), String::new()),
    };
    let income = line_inputs(form.income, 5);
    let expenditure = line_inputs(form.expenditure, 8);
    let has_errors = errors.any(&income, &expenditure);
    let page = ReportPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        base: work.base(),
        seminar: SeminarHead::new(seminar),
        status: stored.map(|r| report_status_label(&r.status)),
        editable: stored.is_none_or(|r| r.status == ReportStatus::Returned),
        held: ctx.now.date_naive() >= seminar.ends_on,
        comment: stored.and_then(|r| r.comment.clone()),
        decided: stored.and_then(|r| {
            r.decided_at.map(|at| {
                format!("{}（{}）", jp_time(at), r.decided_by_name.clone().unwrap_or_default())
            })
        }),
        registered_attendees,
        attendee_count: form.attendee_count,
        programme_text: form.programme_text,
        abstracts: form.abstracts,
        income,
        expenditure,
        income_total,
        expenditure_total,
        balance,
        files: file_views(files, &format!("{}/report/files", work.base())),
        max_files: MAX_FILES_PER_REPORT,
        per_submission: FILES_PER_SUBMISSION,
        errors,
        has_errors,
    };
    Ok(private((status_code, render(&page)?).into_response()))
}

pub async fn report_form(
    State(state): State<AppState>,
    work: WorkPage,
    ctx: Ctx,
) -> AppResult<Response> {
    if work.seminar.programme != Programme::Occupational.code() {
        let page = ReportNotNeededPage {
            layout: ctx.layout(),
            base: work.base(),
            seminar: SeminarHead::new(&work.seminar),
        };
        return Ok(private(render(&page)?));
    }
    report_page(&state, &ctx, &work, None, ReportErrors::default(), StatusCode::OK).await
}

struct Attachment {
    name: String,
    content_type: &'static str,
    data: Vec<u8>,
}

#[derive(Default)]
struct ReportSubmission {
    fields: HashMap<String, String>,
    files: Vec<Attachment>,
    remove: Vec<i64>,
    file_errors: Vec<String>,
}

impl ReportSubmission {
    fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    fn lines(&self, prefix: &str) -> Vec<(String, String)> {
        (0..rules::MAX_MONEY_LINES)
            .map(|i| {
                (
                    self.field(&format!("{prefix}_item_{i}")),
                    self.field(&format!("{prefix}_amount_{i}")),
                )
            })
            .collect()
    }
}

const REQUEST_TOO_LARGE: &str = "一度に送信できる大きさを超えました。添付ファイルは1回に3つ（各10MBまで）にして、もう一度送信してください。";

/// Why a report form could not be read.
enum ReadError {
    /// The request itself (too large, broken): the form is shown again with the message.
    Unreadable(String),
    /// A text field holds a control character: 400, as for a url-encoded form.
    Refused(AppError),
}

/// Reads the multipart form.
async fn read_submission(mut multipart: Multipart) -> Result<ReportSubmission, ReadError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        ReadError::Unreadable(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            REQUEST_TOO_LARGE.to_string()
        } else {
            "送信内容を受け取れませんでした。もう一度送信してください。".to_string()
        })
    };
    let mut out = ReportSubmission::default();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "attachment" => {
                let chosen = field.file_name().is_some_and(|n| !n.is_empty());
                let file_name = rules::clean_file_name(field.file_name(), "添付ファイル");
                let mut data = Vec::new();
                let mut too_big = false;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if too_big || data.len() + chunk.len() > MAX_FILE_BYTES {
                        too_big = true;
                        data = Vec::new();
                        continue;
                    }
                    data.extend_from_slice(&chunk);
                }
                if too_big {
                    out.file_errors
                        .push(format!("「{file_name}」は10MBを超えているため添付できません。"));
                } else if data.is_empty() {
                    if chosen {
                        out.file_errors.push(format!("「{file_name}」は空のファイルです。"));
                    }
                } else {
                    match crate::domain::upload::detect(&data) {
                        Some(kind) => out.files.push(Attachment {
                            name: crate::domain::upload::stored_name(&file_name, kind),
                            content_type: kind.content_type,
                            data,
                        }),
                        None => out.file_errors.push(format!(
                            "「{file_name}」はPDF・JPEG・PNGのいずれでもないか、ファイルが壊れているため添付できません。"
                        )),
                    }
                }
            }
            "remove_file" => {
                if let Ok(id) = field.text().await.map_err(unreadable)?.trim().parse() {
                    out.remove.push(id);
                }
            }
            _ => {
                // The same check as a url-encoded form's (web::input): a control character
                // is refused with the message, not silently removed.
                let text = field.text().await.map_err(unreadable)?;
                let text = input::form_text(&text).map_err(ReadError::Refused)?.into_owned();
                out.fields.insert(name, text);
            }
        }
    }
    Ok(out)
}

pub(crate) fn long_text(input: &str, missing: &'static str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        Err(missing)
    } else if text.chars().count() > rules::MAX_LONG_TEXT {
        Err("20,000文字以内で入力してください。")
    } else {
        Ok(text.replace("\r\n", "\n"))
    }
}

pub async fn report_submit(
    State(state): State<AppState>,
    work: WorkPage,
    ctx: Ctx,
    multipart: Multipart,
) -> AppResult<Response> {
    if work.seminar.programme != Programme::Occupational.code() {
        return Err(AppError::BadRequest(
            "認定健康スポーツ医の研修会は、開催報告の提出は不要です。".into(),
        ));
    }
    if ctx.now.date_naive() < work.seminar.ends_on {
        return Err(AppError::BadRequest("開催報告は、研修会の最終日から提出できます。".into()));
    }
    let submission = match read_submission(multipart).await {
        Ok(s) => s,
        Err(ReadError::Refused(refused)) => return Err(refused),
        Err(ReadError::Unreadable(message)) => {
            let errors = ReportErrors { conflict: Some(message), ..Default::default() };
            return report_page(&state, &ctx, &work, None, errors, StatusCode::PAYLOAD_TOO_LARGE)
                .await;
        }
    };
    let mut errors = ReportErrors { files: submission.file_errors.clone(), ..Default::default() };
    let attendee_count = rules::parse_count(&submission.field("attendee_count"))
        .map_err(|e| errors.attendee_count = Some(e))
        .ok();
    let programme_text =
        long_text(&submission.field("programme_text"), "プログラムを入力してください。")
            .map_err(|e| errors.programme_text = Some(e))
            .ok();
    let abstracts = long_text(&submission.field("abstracts"), "抄録を入力してください。")
        .map_err(|e| errors.abstracts = Some(e))
        .ok();
    let (income_kept, income) = rules::money_lines(&submission.lines("income"));
    let (expenditure_kept, expenditure) = rules::money_lines(&submission.lines("expenditure"));
    if submission.files.len() > FILES_PER_SUBMISSION {
        errors.files.push(format!("添付ファイルは1回に{FILES_PER_SUBMISSION}つまで送信できます。"));
    }
    let typed = |errors_in: &Result<Vec<MoneyLine>, Vec<Option<&'static str>>>,
                 kept: &[(String, String)]| {
        kept.iter()
            .enumerate()
            .map(|(i, (item, amount))| {
                let error = errors_in.as_ref().err().and_then(|e| e.get(i).copied().flatten());
                (item.clone(), amount.clone(), error)
            })
            .collect::<Vec<_>>()
    };
    let form_state = ReportFormState {
        attendee_count: submission.field("attendee_count"),
        programme_text: submission.field("programme_text"),
        abstracts: submission.field("abstracts"),
        income: typed(&income, &income_kept),
        expenditure: typed(&expenditure, &expenditure_kept),
    };
    let (Some(attendee_count), Some(programme_text), Some(abstracts), Ok(income), Ok(expenditure)) =
        (attendee_count, programme_text, abstracts, &income, &expenditure)
    else {
        if !submission.files.is_empty() {
            errors.files.push(
                "入力に誤りがあったため、添付ファイルは保存していません。もう一度選んでください。"
                    .into(),
            );
        }
        return report_page(
            &state,
            &ctx,
            &work,
            Some(form_state),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if !errors.files.is_empty() {
        return report_page(
            &state,
            &ctx,
            &work,
            Some(form_state),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    let seminar_id = work.seminar.id;
    let mut tx = state.pool.begin().await?;
    // The seminar row serialises submissions (the report row may not exist yet); the report
    // row is locked against a staff decision landing in between.
    db::seminars::get_for_update(&mut tx, seminar_id).await?.ok_or(AppError::NotFound)?;
    let before = db::reports::lock_report(&mut tx, seminar_id).await?;
    if let Some(r) = before.as_ref().filter(|r| r.status != ReportStatus::Returned) {
        drop(tx);
        let errors = ReportErrors {
            conflict: Some(format!(
                "開催報告はすでに「{}」です。内容を変更することはできません。",
                report_status_label(&r.status)
            )),
            ..Default::default()
        };
        return report_page(&state, &ctx, &work, None, errors, StatusCode::CONFLICT).await;
    }
    let existing = db::reports::files(&mut tx, SEMINAR_REPORT_FILES, seminar_id).await?;
    let removed: Vec<i64> =
        existing.iter().map(|f| f.id).filter(|id| submission.remove.contains(id)).collect();
    if existing.len() - removed.len() + submission.files.len() > MAX_FILES_PER_REPORT {
        drop(tx);
        let errors = ReportErrors {
            files: vec![format!(
                "添付ファイルは合わせて{MAX_FILES_PER_REPORT}個までです。不要なファイルを削除してください。添付ファイルは保存していません。"
            )],
            ..Default::default()
        };
        return report_page(
            &state,
            &ctx,
            &work,
            Some(form_state),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    db::reports::submit_report(
        &mut tx,
        seminar_id,
        &db::reports::ReportInput {
            attendee_count,
            programme_text: &programme_text,
            abstracts: &abstracts,
            income,
            expenditure,
        },
        ctx.now,
    )
    .await?;
    db::reports::remove_files(&mut tx, SEMINAR_REPORT_FILES, seminar_id, &removed).await?;
    let mut added = Vec::new();
    for file in &submission.files {
        let id = db::reports::add_file(
            &mut tx,
            SEMINAR_REPORT_FILES,
            seminar_id,
            &file.name,
            file.content_type,
            &file.data,
            ctx.now,
        )
        .await?;
        added.push(json!({"id": id, "name": file.name, "type": file.content_type, "bytes": file.data.len()}));
    }
    let total = |lines: &[MoneyLine]| lines.iter().map(|l| l.amount).sum::<i64>();
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: if before.is_some() {
                "seminar_report.resubmit"
            } else {
                "seminar_report.submit"
            },
            entity_type: "seminar_report",
            entity_id: Some(seminar_id.to_string()),
            before: before.as_ref().map(|r| json!({"status": r.status, "comment": r.comment})),
            after: Some(json!({
                "via": "work_page",
                "attendee_count": attendee_count,
                "income_total": total(income),
                "expenditure_total": total(expenditure),
                "files_added": added,
                "files_removed": removed,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash("開催報告を提出しました。都道府県医師会が内容を確認します。").await?;
    Ok(private(see_other(&format!("{}/report", work.base()))))
}

pub async fn report_file(
    State(state): State<AppState>,
    work: WorkPage,
    Path((_token, file_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let file = db::files::get(&state.pool, SEMINAR_REPORT_FILES, work.seminar.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(private(crate::web::files::attachment(file)))
}

// ---------------------------------------------------------------------------------------------
// Missing-credit reports on the work page.

pub struct MissingView {
    pub id: i64,
    pub open: bool,
    pub status: &'static str,
    pub reported: String,
    pub closed: Option<String>,
    pub seminar_title: String,
    pub seminar_date: String,
    pub note: String,
    pub answer: Option<String>,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub registry_number: String,
    pub organizer: String,
    pub seminar_id: Option<i64>,
}

impl From<db::reports::MissingReport> for MissingView {
    fn from(r: db::reports::MissingReport) -> Self {
        let open = r.status == MissingReportStatus::Open;
        MissingView {
            id: r.id,
            open,
            status: match (open, r.answer.is_some()) {
                (true, _) => "未解決",
                (false, true) => "回答済み（終了）",
                (false, false) => "単位登録により解決（終了）",
            },
            reported: jp_time(r.created_at),
            closed: r.closed_at.map(jp_time),
            seminar_title: r.seminar_title,
            seminar_date: format_jp_date(r.seminar_date),
            note: r.note.unwrap_or_default(),
            answer: r.answer.map(|a| match r.answered_by_name {
                Some(by) => format!("{a}（{by}）"),
                None => a,
            }),
            kanji_name: r.kanji_name,
            furigana: r.furigana,
            birth_date: format_jp_date(r.birth_date),
            registry_number: r.registry_number.unwrap_or_default(),
            organizer: r.organizer_name.unwrap_or_else(|| "（研修会の指定なし）".into()),
            seminar_id: r.seminar_id,
        }
    }
}

#[derive(Template)]
#[template(path = "work/reports_missing.html")]
struct WorkMissingPage {
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
struct ApplicantsPage {
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

// ---------------------------------------------------------------------------------------------
// The physician reports a missing credit (briefing Q4).

#[derive(Default, Deserialize)]
pub struct MissingQuery {
    #[serde(default)]
    q: String,
}

#[derive(Clone, Default, Deserialize)]
pub struct MissingForm {
    #[serde(default)]
    pub(crate) seminar_id: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) date: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) q: String,
}

pub struct ChoiceView {
    pub id: i64,
    pub title: String,
    pub dates: String,
    pub organizer: String,
    pub programme: &'static str,
    pub checked: bool,
}

/// The missing-credit form's errors, keyed by field id.
type MissingErrors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "mypage/missing.html")]
struct MissingPage {
    layout: Layout,
    q: String,
    searched: bool,
    choices: Vec<ChoiceView>,
    form: MissingForm,
    errors: MissingErrors,
    reports: Vec<MissingView>,
}

const NOTE_MAX: usize = 1000;

async fn missing_page(
    state: &AppState,
    ctx: &Ctx,
    physician_id: i64,
    form: MissingForm,
    errors: MissingErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    db::reports::close_resolved(&mut *state.pool.acquire().await?, ctx.now).await?;
    let q = form.q.trim().to_string();
    let chosen: Option<i64> = form.seminar_id.trim().parse().ok();
    let choices = if q.is_empty() {
        Vec::new()
    } else {
        db::reports::search_approved_seminars(&state.pool, &q, today, 30)
            .await?
            .into_iter()
            .map(|s| ChoiceView {
                checked: chosen == Some(s.id),
                id: s.id,
                dates: date_range(s.starts_on, s.ends_on),
                title: s.title,
                organizer: s.organizer_name,
                programme: programme_label(&s.programme),
            })
            .collect()
    };
    let reports = db::reports::missing_for_physician(&state.pool, physician_id)
        .await?
        .into_iter()
        .map(MissingView::from)
        .collect();
    let page = MissingPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        searched: !q.is_empty(),
        q,
        choices,
        form,
        errors,
        reports,
    };
    Ok((status, render(&page)?).into_response())
}

async fn my_physician(state: &AppState, ctx: &Ctx) -> AppResult<Option<db::physicians::Physician>> {
    let user = ctx.require(Action::ViewMyPage)?;
    let physician =
        db::physicians::for_account(&state.pool, user.id).await?.ok_or(AppError::NotFound)?;
    Ok(physician.registration_completed_at.is_some().then_some(physician))
}

pub async fn missing_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MissingQuery>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let form = MissingForm { q: query.q, ..Default::default() };
    missing_page(&state, &ctx, physician.id, form, MissingErrors::default(), StatusCode::OK).await
}

pub async fn missing_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<MissingForm>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let today = ctx.now.date_naive();
    let mut errors = MissingErrors::default();
    let note = form.note.trim();
    if note.chars().count() > NOTE_MAX {
        errors.add("note", "補足は1,000文字以内で入力してください。");
    }
    let mut conn = state.pool.begin().await?;
    let chosen = form.seminar_id.trim();
    let (seminar, title, date) = if !chosen.is_empty() {
        let seminar = match chosen.parse::<i64>() {
            Ok(id) => db::seminars::get(&mut conn, id).await?,
            Err(_) => None,
        };
        match seminar.filter(|s| s.status == SeminarStatus::Approved && s.starts_on <= today) {
            Some(s) => {
                let (title, date) = (s.title.clone(), s.ends_on);
                (Some(s), title, Some(date))
            }
            None => {
                errors.add("choice", "選んだ研修会が見つかりません。もう一度検索してください。");
                (None, String::new(), None)
            }
        }
    } else {
        let title = form.title.trim().to_string();
        if title.is_empty() {
            errors.add("title", "研修会名を入力するか、上の検索から研修会を選んでください。");
        } else if title.chars().count() > 200 {
            errors.add("title", "研修会名は200文字以内で入力してください。");
        }
        let date = crate::domain::era::parse_typed_date(&form.date);
        match date {
            None => {
                errors.add("date", "開催日を「2025-05-10」または「令和7年5月10日」のように入力してください。")
            }
            Some(d) if d > today => {
                errors.add("date", "開催日が未来の日付になっています。")
            }
            Some(d) if d < rules::portal_credits_from(&state.config) => {
                errors.add("date", format!(
                    "{}より前に開催された研修会の単位はポータルには登録されません。手帳のシールまたは修了証でご確認ください。",
                    format_jp_date(rules::portal_credits_from(&state.config))
                ))
            }
            Some(_) => {}
        }
        (None, title, date)
    };
    if let Some(s) = &seminar {
        if db::reports::has_open_missing(&mut conn, physician.id, s.id).await? {
            errors.add(
                "choice",
                "この研修会については、すでに報告しています。回答をお待ちください。",
            );
        }
    }
    let (Some(date), true) = (date, errors.is_empty()) else {
        drop(conn);
        return missing_page(
            &state,
            &ctx,
            physician.id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let note = (!note.is_empty()).then_some(note);
    let id = db::reports::create_missing(
        &mut conn,
        &db::reports::NewMissingReport {
            physician_id: physician.id,
            seminar_id: seminar.as_ref().map(|s| s.id),
            seminar_title: &title,
            seminar_date: date,
            note,
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut conn,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "missing_credit.report",
            entity_type: "missing_credit_report",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "physician_id": physician.id,
                "seminar_id": seminar.as_ref().map(|s| s.id),
                "seminar_title": title,
                "seminar_date": date,
                "note": note,
            })),
        },
    )
    .await?;
    // The organizer hears of it at once (the details are on the work page, not in the mail).
    if let Some(s) = &seminar {
        let message = crate::mail::messages::organizer::MissingCreditReported {
            organizer: s.organizer_name.clone(),
            seminar_title: s.title.clone(),
            period: date_range(s.starts_on, s.ends_on),
            deadline: format_jp_date(deadline::due_date(s.ends_on)),
            sig: crate::mail::Signature::portal_for(
                crate::mail::messages::prefecture_association(s.approving_prefecture_code),
                "受講者からの単位未反映のご報告のお知らせ",
            ),
        };
        crate::mail::queue(&mut conn, &s.contact_email, &message, ctx.now).await?;
    }
    conn.commit().await?;
    if seminar.is_some() {
        state.mail_notify.notify_one();
    }
    let message = match &seminar {
        Some(s) if today <= deadline::due_date(s.ends_on) => format!(
            "報告を受け付けました。この研修会の単位の登録期限は{}です。期限までに登録されることもありますので、しばらくお待ちください。",
            format_jp_date(deadline::due_date(s.ends_on))
        ),
        _ => "報告を受け付けました。研修会の主催者と都道府県医師会にお知らせします。単位が登録されると、この報告は自動的に終了します。".to_string(),
    };
    ctx.flash(&message).await?;
    Ok(see_other("/mypage/missing-credits"))
}

// ---------------------------------------------------------------------------------------------
// Attendee recruitment (受講者募集).

const SEMINARS_PER_PAGE: i64 = 50;

pub struct OpenSeminarView {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub venue: String,
    pub format: &'static str,
    pub organizer: String,
    pub units: Vec<(&'static str, String)>,
    pub capacity: Option<i32>,
    pub remaining: Option<i64>,
    pub full: bool,
    pub applied: bool,
}

fn open_view(
    s: db::recruitment::OpenSeminar,
    units: &[db::recruitment::UnitsOf],
    applied: bool,
) -> OpenSeminarView {
    let remaining = s.capacity.map(|c| (i64::from(c) - s.applicants).max(0));
    OpenSeminarView {
        id: s.id,
        programme: programme_label(&s.programme),
        dates: date_range(s.starts_on, s.ends_on),
        format: Format::from_code(&s.format).map(Format::label).unwrap_or("―"),
        units: units
            .iter()
            .filter(|u| u.seminar_id == s.id)
            .map(|u| {
                (
                    Category::from_code(&u.category).map(Category::label).unwrap_or("その他"),
                    units_text(u.units),
                )
            })
            .collect(),
        full: remaining == Some(0),
        remaining,
        capacity: s.capacity,
        title: s.title,
        venue: s.venue,
        organizer: s.organizer_name,
        applied,
    }
}

#[derive(Template)]
#[template(path = "mypage/seminars.html")]
struct SeminarsPage {
    layout: Layout,
    seminars: Vec<OpenSeminarView>,
    signed_in_physician: bool,
    page: i64,
    pages: i64,
    total: i64,
    query: SeminarQuery,
    prefectures: Vec<crate::web::layout::PrefectureOption>,
    /// The filters as a query string for the pager links (starts with '&', or empty).
    filter_query: String,
    filtered: bool,
    /// Dates that could not be read, shown beside their field.
    errors: crate::domain::field_errors::FieldErrors,
    /// 和暦 dates read back in the Western calendar.
    from_echo: Option<String>,
    until_echo: Option<String>,
}

/// The recruitment list's GET form: page, prefecture, programme, dates (Western or 和暦).
#[derive(Clone, Default, Deserialize)]
pub struct SeminarQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
}

fn open_filter(
    query: &SeminarQuery,
    errors: &mut crate::domain::field_errors::FieldErrors,
) -> db::recruitment::OpenFilter {
    use crate::domain::era::parse_typed_date;
    let date =
        |text: &str, field: &'static str, errors: &mut crate::domain::field_errors::FieldErrors| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = parse_typed_date(text);
            if parsed.is_none() {
                errors.add(
                    field,
                    "日付を「2025-06-01」または「令和7年6月1日」のように入力してください。",
                );
            }
            parsed
        };
    db::recruitment::OpenFilter {
        prefecture: crate::domain::prefecture::parse(query.prefecture.trim()),
        programme: crate::domain::category::Programme::from_code(query.programme.trim())
            .map(|p| p.code()),
        from: date(&query.from, "from", errors),
        until: date(&query.until, "until", errors),
    }
}

pub async fn open_seminars(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SeminarQuery>,
) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    let mut errors = crate::domain::field_errors::FieldErrors::default();
    let filter = open_filter(&query, &mut errors);
    let total = db::recruitment::open_count(&state.pool, today, &filter).await?;
    let pages = ((total + SEMINARS_PER_PAGE - 1) / SEMINARS_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let seminars = db::recruitment::open_seminars(
        &state.pool,
        today,
        &filter,
        SEMINARS_PER_PAGE,
        (page - 1) * SEMINARS_PER_PAGE,
    )
    .await?;
    let ids: Vec<i64> = seminars.iter().map(|s| s.id).collect();
    let units = db::recruitment::units_of(&state.pool, &ids).await?;
    let physician = match &ctx.user {
        Some(user) if crate::domain::policy::allows(&user.actor(), Action::ViewMyPage) => {
            db::physicians::for_account(&state.pool, user.id).await?
        }
        _ => None,
    };
    let applied = match &physician {
        Some(p) => db::recruitment::applied_among(&state.pool, p.id, &ids).await?,
        None => Vec::new(),
    };
    let page = SeminarsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminars: seminars
            .into_iter()
            .map(|s| {
                let applied = applied.contains(&s.id);
                open_view(s, &units, applied)
            })
            .collect(),
        signed_in_physician: physician.is_some(),
        page,
        pages,
        total,
        prefectures: crate::web::layout::prefecture_options(&query.prefecture),
        filter_query: [
            ("prefecture", &query.prefecture),
            ("programme", &query.programme),
            ("from", &query.from),
            ("until", &query.until),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("&{k}={}", crate::error::urlencode(v.trim())))
        .collect(),
        filtered: filter != db::recruitment::OpenFilter::default(),
        errors,
        from_echo: crate::domain::era::western_echo(&query.from),
        until_echo: crate::domain::era::western_echo(&query.until),
        query,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "mypage/apply.html")]
struct ApplyPage {
    layout: Layout,
    seminar: OpenSeminarView,
    name: String,
    furigana: String,
    birth_date: String,
    sex: &'static str,
    registry_number: Option<String>,
    email: String,
    phone: String,
    fax: String,
    error: Option<String>,
}

async fn apply_page(
    state: &AppState,
    ctx: &Ctx,
    seminar_id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(state, ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let mut conn = state.pool.acquire().await?;
    let seminar = db::recruitment::open_seminar(&mut conn, seminar_id, ctx.now.date_naive())
        .await?
        .ok_or(AppError::NotFound)?;
    let applied = db::recruitment::has_applied(&mut conn, seminar_id, physician.id).await?;
    drop(conn);
    let units = db::recruitment::units_of(&state.pool, &[seminar_id]).await?;
    let email = ctx.user.as_ref().and_then(|u| u.email.clone()).unwrap_or_default();
    let page = ApplyPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: open_view(seminar, &units, applied),
        name: physician.kanji_name,
        furigana: physician.furigana,
        birth_date: format_jp_date(physician.birth_date),
        sex: Sex::from_code(&physician.sex).map(Sex::label).unwrap_or("―"),
        registry_number: physician.registry_number,
        email,
        phone: physician.phone.unwrap_or_default(),
        fax: physician.fax.unwrap_or_default(),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn apply_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    apply_page(&state, &ctx, id, StatusCode::OK, None).await
}

pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let today = ctx.now.date_naive();
    let mut tx = state.pool.begin().await?;
    // Locked: two physicians taking the last seat wait for each other here.
    let seminar = db::seminars::get_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let Some(open) = db::recruitment::open_seminar(&mut tx, id, today).await? else {
        return Err(AppError::NotFound);
    };
    let refused = if physician.registry_number.is_none() {
        Some("医籍登録番号が登録されていないため、申し込めません。登録情報をご確認ください。")
    } else if db::recruitment::has_applied(&mut tx, id, physician.id).await? {
        Some("この研修会には、すでに申し込んでいます。")
    } else if open.capacity.is_some_and(|c| open.applicants >= i64::from(c)) {
        Some("定員に達したため、申込みを締め切りました。")
    } else {
        None
    };
    if let Some(message) = refused {
        drop(tx);
        return apply_page(&state, &ctx, id, StatusCode::CONFLICT, Some(message.into())).await;
    }
    if !db::recruitment::apply(&mut tx, id, physician.id, ctx.now).await? {
        return Err(AppError::Conflict("この研修会には、すでに申し込んでいます。".into()));
    }
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "seminar.apply",
            entity_type: "seminar_applicant",
            entity_id: Some(format!("{id}:{}", physician.id)),
            before: None,
            after: Some(json!({"seminar_id": id, "physician_id": physician.id})),
        },
    )
    .await?;
    if let Some(email) = ctx.user.as_ref().and_then(|u| u.email.as_deref()) {
        let message = crate::mail::messages::physician::SeminarApplicationReceived {
            name: physician.kanji_name.clone(),
            seminar_title: seminar.title.clone(),
            period: date_range(seminar.starts_on, seminar.ends_on),
            venue: seminar.venue.clone(),
            organizer: seminar.organizer_name.clone(),
            sig: crate::mail::Signature::portal_for(
                seminar.organizer_name.clone(),
                "研修会の受講申込みの受付のお知らせ",
            ),
        };
        crate::mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("受講の申込みを受け付けました。").await?;
    Ok(see_other(&format!("/seminars/{id}/apply")))
}

pub async fn cancel_application(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let mut tx = state.pool.begin().await?;
    db::seminars::get_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if db::recruitment::open_seminar(&mut tx, id, ctx.now.date_naive()).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if db::recruitment::cancel(&mut tx, id, physician.id, ctx.now).await? {
        audit::record(
            &mut tx,
            &ctx.who(),
            ctx.now,
            audit::Entry {
                action: "seminar.cancel_application",
                entity_type: "seminar_applicant",
                entity_id: Some(format!("{id}:{}", physician.id)),
                before: None,
                after: Some(json!({"seminar_id": id, "physician_id": physician.id})),
            },
        )
        .await?;
        tx.commit().await?;
        ctx.flash("受講の申込みを取り消しました。").await?;
    }
    Ok(see_other(&format!("/seminars/{id}/apply")))
}
