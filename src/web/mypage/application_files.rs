//! The evidence of an application (証明書類・手帳の写し): uploads judged by their content
//! (`domain::upload`), each file optionally the evidence of one declared credit (a sports
//! 修了証), downloads as attachments, removal while the application is editable.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::db::applications as store;
use crate::db::audit;
use crate::domain::upload;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::mypage::applications::{
    lock_own, own_application, registered, show_page, CreditForm, Errors, NOT_EDITABLE,
};
use crate::web::see_other;
use crate::web::work::report::rules::clean_file_name;

/// Largest evidence file (10 MB); one file per upload request.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
const UPLOAD_REQUEST_LIMIT: usize = MAX_FILE_BYTES + 1024 * 1024;
const MAX_FILES: usize = 30;

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

struct Upload {
    name: String,
    content_type: &'static str,
    data: Vec<u8>,
}

/// Reads the one file of the upload form: Err with the message to show.
async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
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
        Some(kind) => Ok(Upload {
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
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    store_evidence(&state, &ctx, id, None, multipart).await
}

/// The photo or PDF of one declared certificate (sports: 原本提出は不要, this is the evidence).
pub async fn upload_for_credit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, credit_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> AppResult<Response> {
    store_evidence(&state, &ctx, id, Some(credit_id), multipart).await
}

/// Stores one evidence file of the application, as the evidence of one declared credit when
/// `credit_id` is given; refusals are shown next to the form they came from.
async fn store_evidence(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    credit_id: Option<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    let physician = registered(state, ctx).await?;
    let read = read_upload(multipart).await;
    let (mut tx, app) = lock_own(state, &physician, id).await?;
    let credit_known = match credit_id {
        Some(c) => store::declared_credits(&mut tx, id).await?.iter().any(|d| d.id == c),
        None => true,
    };
    let count = store::files(&mut tx, id).await?.len();
    let upload = match read {
        Ok(_) if !app.editable() => Err(NOT_EDITABLE.to_string()),
        Ok(_) if !credit_known => {
            Err("その単位の記録が見つかりません。画面を更新してください。".to_string())
        }
        Ok(_) if count >= MAX_FILES => {
            Err(format!("ファイルは{MAX_FILES}個まで提出できます。不要なものを削除してください。"))
        }
        other => other,
    };
    let upload = match upload {
        Ok(u) => u,
        Err(message) => {
            drop(tx);
            let errors = match credit_id {
                Some(c) => Errors::one(format!("credit-file-{c}"), message),
                None => Errors::one("file", message),
            };
            return show_page(
                state,
                ctx,
                &physician,
                id,
                CreditForm::default(),
                None,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let file_id =
        store::add_file(&mut tx, id, &upload.name, upload.content_type, &upload.data, ctx.now)
            .await?;
    if let Some(credit) = credit_id {
        store::link_file_to_credit(&mut tx, id, file_id, credit).await?;
    }
    store::touch(&mut tx, id, ctx.now).await?;
    let entry = audit::Entry {
        action: "application.upload",
        entity_type: "application",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "file_id": file_id,
            "declared_credit_id": credit_id,
            "file_name": upload.name,
            "content_type": upload.content_type,
            "size_bytes": upload.data.len(),
        })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    let notice = match credit_id {
        Some(_) => format!("「{}」を修了証の写しとして提出しました。", upload.name),
        None => format!("「{}」を提出しました。", upload.name),
    };
    ctx.flash(&notice).await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}

pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
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
    ctx: Ctx,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let (mut tx, app) = lock_own(&state, &physician, id).await?;
    if !app.editable() {
        return Err(AppError::Conflict(NOT_EDITABLE.into()));
    }
    let Some(name) = store::remove_file(&mut tx, id, file_id).await? else {
        return Err(AppError::NotFound);
    };
    store::touch(&mut tx, id, ctx.now).await?;
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "application.remove_file",
            entity_type: "application",
            entity_id: Some(id.to_string()),
            before: Some(json!({"file_id": file_id, "file_name": name})),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    ctx.flash(&format!("「{name}」を削除しました。")).await?;
    Ok(see_other(&format!("/mypage/applications/{id}")))
}
