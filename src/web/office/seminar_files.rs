//! PDF attachments of a seminar application (issue 10, part 5): the organizer's programme
//! leaflet, lecturers' CVs and the like, sent with the application form (multipart) or with
//! its correction; staff download them from the seminar's page. The forms still work
//! url-encoded (without files), so the extractor reads either.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use sqlx::PgConnection;

use crate::app::seminars::submission::Posted;
use crate::db::{self, reports};
use crate::domain::policy::Action;
use crate::domain::upload::{self, PdfFile};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::middleware::input;
use crate::web::work::report::rules::{clean_file_name, MAX_FILE_BYTES};
use crate::web::work::timetable;

pub use crate::app::seminars::submission::FILES_OWNER as OWNER;
pub const MAX_FILES: usize = 5;
/// A request with the form and five 10 MB files.
pub const REQUEST_LIMIT: usize = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/seminars/{id}/attachments/{file_id}", get(download))
}

/// A posted seminar form: its fields (repeated ones in order) and PDF files.
#[derive(Default)]
pub struct Submission {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<PdfFile>,
    /// Files refused (not a PDF, too large, too many), as sentences for the form.
    pub file_errors: Vec<String>,
}

impl Submission {
    /// The form's error line about files, if any.
    pub fn file_error(&self) -> Option<String> {
        (!self.file_errors.is_empty()).then(|| self.file_errors.join(" "))
    }

    /// The form as the use cases take it: the seminar's fields, the programme rows, the files.
    pub fn posted(self) -> Posted {
        let file_error = self.file_error();
        let (input, lectures) = timetable::split_form(self.pairs);
        Posted { input, lectures, files: self.files, file_error }
    }
}

const UNREADABLE: &str = "送信内容を受け取れませんでした。添付ファイルは1つ10MBまで、5つまでにして、もう一度送信してください。";

async fn read_multipart(mut multipart: Multipart) -> Result<Submission, AppError> {
    let unreadable = |_| AppError::BadRequest(UNREADABLE.into());
    let mut out = Submission::default();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        if name != "attachment" {
            let text = field.text().await.map_err(unreadable)?;
            let name = input::form_text(&name)?.into_owned();
            out.pairs.push((name, input::form_text(&text)?.into_owned()));
            continue;
        }
        let chosen = field.file_name().is_some_and(|n| !n.is_empty());
        let file_name = clean_file_name(field.file_name(), "添付資料.pdf");
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
            out.file_errors.push(format!("「{file_name}」は10MBを超えているため添付できません。"));
        } else if data.is_empty() {
            if chosen {
                out.file_errors.push(format!("「{file_name}」は空のファイルです。"));
            }
        } else if upload::detect(&data) != Some(upload::PDF) {
            out.file_errors.push(format!("「{file_name}」はPDFではないため添付できません。"));
        } else if out.files.len() >= MAX_FILES {
            out.file_errors
                .push(format!("添付できるのは{MAX_FILES}つまでです（「{file_name}」）。"));
        } else {
            let name = upload::stored_name(&file_name, upload::PDF);
            out.files.push(PdfFile { name, data });
        }
    }
    Ok(out)
}

impl<S: Send + Sync> FromRequest<S> for Submission {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            let multipart = Multipart::from_request(req, state)
                .await
                .map_err(|_| AppError::BadRequest(UNREADABLE.into()))?;
            read_multipart(multipart).await
        } else {
            let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|_| AppError::BadRequest(UNREADABLE.into()))?;
            Ok(Submission { pairs, ..Default::default() })
        }
    }
}

/// What the application form shows about attachments.
#[derive(Default)]
pub struct AttachmentsView {
    pub error: Option<String>,
    /// Names of the files already attached (a correction adds to them).
    pub existing: Vec<String>,
}

pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub size: String,
}

pub async fn views(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<Vec<AttachmentView>> {
    Ok(reports::files(conn, OWNER, seminar_id)
        .await?
        .into_iter()
        .map(|f| AttachmentView {
            id: f.id,
            name: f.file_name,
            size: format!("{:.1}MB", f.size_bytes as f64 / (1024.0 * 1024.0)),
        })
        .collect())
}

/// A file of a seminar the staff member may see.
async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let seminar = db::seminars::get_pool(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    crate::app::seminars::ensure_visible(user, seminar.target())?;
    let file = db::files::get(&state.pool, OWNER, id, file_id).await?.ok_or(AppError::NotFound)?;
    Ok(crate::web::files::attachment(file))
}
