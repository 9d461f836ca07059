//! The evidence of an application (証明書類・手帳の写し): uploads judged by their content
//! (`domain::upload`), each file optionally the evidence of one declared credit (a sports
//! 修了証), downloads as attachments, removal while the application is editable.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::app::applications::physician::{self as commands, Evidence};
use crate::db::applications as store;
use crate::domain::upload;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract;
use crate::web::mypage::applications::{
    applicant, own_application, registered, show_page, CreditForm, Errors,
};
use crate::web::see_other;
use crate::web::work::report::rules::clean_file_name;

/// Largest evidence file (10 MB); one file per upload request.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
const UPLOAD_REQUEST_LIMIT: usize = MAX_FILE_BYTES + 1024 * 1024;

pub fn routes() -> axum::Router<AppState> {
    let limit = || DefaultBodyLimit::max(UPLOAD_REQUEST_LIMIT);
    Router::new()
        .route(
            "/mypage/applications/{id}/credits/{credit_id}/file",
            post(upload_for_credit).layer(limit()),
        )
        .route("/mypage/applications/{id}/files", post(upload).layer(limit()))
        .route("/mypage/applications/{id}/files/{file_id}", get(download))
        .route("/mypage/applications/{id}/files/{file_id}/delete", post(remove_file))
}

/// Reads the one file of the upload form: Err with the message to show.
async fn read_upload(mut multipart: Multipart) -> Result<Evidence, String> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "ファイルが10MBを超えているため提出できません。".to_string()
        } else {
            "送信内容を受け取れませんでした。もう一度送信してください。".to_string()
        }
    };
    let mut found = None;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = clean_file_name(field.file_name(), "証明書類");
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
            return Err(format!("「{file_name}」は10MBを超えているため提出できません。"));
        }
        found = Some((file_name, data));
    }
    let Some((name, data)) = found.filter(|(_, d)| !d.is_empty()) else {
        return Err("提出するファイルを選んでください（空のファイルは提出できません）。".into());
    };
    match upload::detect(&data) {
        Some(kind) => Ok(Evidence {
            name: upload::stored_name(&name, kind),
            content_type: kind.content_type,
            data,
        }),
        None => Err(format!(
            "「{name}」はPDF・JPEG・PNGのいずれでもないか、ファイルが壊れているため提出できません。ファイルの中身で判定しています。"
        )),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    store_evidence(&state, &ctx, id, None, multipart).await
}

/// The photo or PDF of one declared certificate (sports: 原本提出は不要, this is the evidence).
pub async fn upload_for_credit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path((id, credit_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> AppResult<Response> {
    store_evidence(&state, &ctx, id, Some(credit_id), multipart).await
}

/// Stores one evidence file of the application, as the evidence of one declared credit when
/// `credit_id` is given; refusals are shown next to the form they came from.
async fn store_evidence(
    state: &AppState,
    ctx: &extract::Physician,
    id: i64,
    credit_id: Option<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    let physician = registered(state, ctx).await?;
    let read = read_upload(multipart).await;
    let a = applicant(ctx, &physician);
    let name = match commands::add_file(&state.pool, &a, id, credit_id, read).await? {
        Ok(name) => name,
        Err(message) => {
            let errors = match credit_id {
                Some(c) => Errors::one(format!("credit-file-{c}"), message),
                None => Errors::one("file", message),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let form = CreditForm::default();
            return show_page(state, ctx, &physician, id, form, None, errors, status).await;
        }
    };
    let notice = match credit_id {
        Some(_) => format!("「{name}」を修了証の写しとして提出しました。"),
        None => format!("「{name}」を提出しました。"),
    };
    ctx.flash(&notice).await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

pub async fn download(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    own_application(&mut *state.pool.acquire().await?, &physician, id).await?;
    let file = crate::db::files::get(&state.pool, store::APPLICATION_FILES, id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::web::files::attachment(file))
}

pub async fn remove_file(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let name =
        commands::remove_file(&state.pool, &applicant(&ctx, &physician), id, file_id).await?;
    ctx.flash(&format!("「{name}」を削除しました。")).await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}
