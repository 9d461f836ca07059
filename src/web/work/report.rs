//! After the seminar, on the organizer's work page (secret URL, no account): the seminar
//! report (開催報告) with its attachments. The rules are `domain::seminar_report`; the
//! applicants and missing-credit reports of the work page are `web::work::applicants`; the
//! staff's side is `web::office::watch`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::db::reports::{MoneyLine, SEMINAR_REPORT_FILES};
use crate::db::{self, audit};
use crate::domain::category::Programme;
use crate::domain::record_status::ReportStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::middleware::input;
use crate::web::work::page::{private, WorkPage};
use crate::web::{render, see_other};

pub(crate) use crate::domain::seminar_report::long_text;
use crate::domain::seminar_report::yen;
use crate::web::views::{file_views, jp_time, FileView, SeminarHead};
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
}

/// The report rules moved to `domain::seminar_report`; this alias keeps the path
/// `web::work::report::rules` that `web::mypage::application_files` (the applications half,
/// not ours to edit) imports `clean_file_name` from.
pub use crate::domain::seminar_report as rules;

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
        status: stored.map(|r| r.status.label()),
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
                r.status.label()
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
