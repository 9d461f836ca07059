//! After the seminar, on the organizer's work page (secret URL, no account): the seminar
//! report (開催報告) with its attachments, the physicians' missing-credit reports about this
//! seminar, and the list of applicants with its CSV in the credit-upload layout. The
//! physician's side is in `web::mypage::{missing_credits, recruitment}`, the staff's in
//! `web::office::watch`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use serde_json::json;

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::reports::{MoneyLine, SEMINAR_REPORT_FILES};
use crate::db::{self, audit};
use crate::domain::category::{Format, Programme};
use crate::domain::csv_text::write_for_excel;
use crate::domain::deadline;
use crate::domain::person::Sex;
use crate::domain::record_status::{MissingReportStatus, ReportStatus};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::middleware::input;
use crate::web::work::page::{private, WorkPage};
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

pub(crate) fn date_range(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    if starts_on == ends_on {
        format_jp_date(ends_on)
    } else {
        format!("{} ～ {}", format_jp_date(starts_on), format_jp_date(ends_on))
    }
}

pub(crate) fn jp_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
}

pub(crate) fn yen(amount: i64) -> String {
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

pub(crate) fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
}

pub(crate) fn units_text(units: rust_decimal::Decimal) -> String {
    units.normalize().to_string()
}

/// Text kept line by line for display (askama escapes each line).
pub(crate) fn text_lines(text: &str) -> Vec<String> {
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
    pub(crate) fn new(s: &db::seminars::Seminar) -> Self {
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

pub(crate) fn report_status_label(status: &ReportStatus) -> &'static str {
    status.label()
}

pub struct FileView {
    pub name: String,
    pub size: String,
    pub href: String,
    pub id: i64,
}

pub(crate) fn file_views(files: Vec<db::reports::FileMeta>, href_base: &str) -> Vec<FileView> {
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

pub(crate) fn money_views(lines: &[MoneyLine]) -> (Vec<MoneyView>, String) {
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
pub(crate) struct ReportErrors {
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
pub(crate) struct ReportPage {
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
pub(crate) struct ReportNotNeededPage {
    layout: Layout,
    base: String,
    seminar: SeminarHead,
}

/// Lines for the form: those given, then blank ones to type into (at least `min` in all).
pub(crate) fn line_inputs(
    given: Vec<(String, String, Option<&'static str>)>,
    min: usize,
) -> Vec<LineInput> {
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
pub(crate) struct ReportFormState {
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

pub(crate) struct Attachment {
    name: String,
    content_type: &'static str,
    data: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct ReportSubmission {
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
                // The same check as a url-encoded form's (web::middleware::input): a control character
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
