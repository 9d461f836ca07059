//! Registering credits from the organizer's CSV: upload, read and check it (`prepare`), show
//! the preview, and commit it.

use super::*;
use crate::app::credits;

#[derive(Template)]
#[template(path = "work/upload.html")]
pub(super) struct UploadPage {
    layout: Layout,
    seminar: SeminarView,
    notice_stickers: &'static str,
    file_error: Option<String>,
    errors: Vec<ErrorView>,
    hidden_errors: usize,
    unit_columns: Vec<String>,
}

pub(super) async fn upload_page(
    ctx: &Ctx,
    work: &WorkPage,
    file_error: Option<String>,
    errors: Vec<RowError>,
) -> AppResult<Response> {
    let failed = file_error.is_some() || !errors.is_empty();
    let grants = &work.grants;
    let (errors, hidden_errors) = error_views(errors);
    let page = UploadPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(work, grants, ctx.now.date_naive()),
        notice_stickers: NO_STICKERS,
        file_error,
        errors,
        hidden_errors,
        unit_columns: grants.iter().map(|(c, _)| c.csv_header()).collect(),
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub(super) async fn upload_form(ctx: Ctx, work: WorkPage) -> AppResult<Response> {
    upload_page(&ctx, &work, None, Vec::new()).await
}

pub(super) const TOO_LARGE: &str =
    "ファイルが大きすぎます（5MBまで）。ファイルを分けて登録してください。";
pub(super) const NO_FILE: &str = "登録する受講者のCSVファイルを選んでください。";

pub(super) struct UploadedFile {
    file_name: String,
    bytes: Vec<u8>,
}

pub(super) fn clean_file_name(name: Option<&str>) -> String {
    let name = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.trim().is_empty() {
        "upload.csv".to_string()
    } else {
        name.trim().to_string()
    }
}

/// The `file` field of the multipart form; Err is a message for the form.
pub(super) async fn read_file(mut multipart: Multipart) -> Result<UploadedFile, String> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            TOO_LARGE.to_string()
        } else {
            "ファイルを受け取れませんでした。もう一度ファイルを選んで送信してください。".to_string()
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let chosen = field.file_name().is_some_and(|n| !n.is_empty());
        let file_name = clean_file_name(field.file_name());
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(TOO_LARGE.to_string());
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() && !chosen {
            return Err(NO_FILE.to_string());
        }
        return Ok(UploadedFile { file_name, bytes });
    }
    Err(NO_FILE.to_string())
}

/// How the file was saved (judged by its content, as `csv_text::decode` reads it).
pub(super) fn encoding_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        "utf-8-bom"
    } else if std::str::from_utf8(bytes).is_ok() {
        "utf-8"
    } else {
        "shift_jis"
    }
}

pub(crate) fn encoding_label(code: &str) -> &'static str {
    match code {
        "utf-8-bom" => "UTF-8（BOM付き）",
        "utf-8" => "UTF-8",
        "shift_jis" => "Shift_JIS（Excelの「CSV（コンマ区切り）」）",
        "form" => "画面から入力",
        _ => "",
    }
}

/// The parsed file, ready to store: counts and the content as JSON.
pub(crate) struct Prepared {
    pub(crate) encoding: &'static str,
    pub(crate) rows_total: i32,
    pub(crate) rows_ok: i32,
    pub(crate) rows_error: i32,
    pub(crate) content: UploadContent,
    pub(crate) content_json: String,
}

pub(crate) enum Parse {
    FileError(String),
    RowErrors(Vec<RowError>),
    Ready(Box<Prepared>),
}

pub(crate) fn prepare(bytes: &[u8], grants: &[(Category, Units)], today: NaiveDate) -> Parse {
    let encoding = encoding_of(bytes);
    let text = match csv_text::decode(bytes) {
        Ok(text) => text,
        Err(message) => return Parse::FileError(message.to_string()),
    };
    let parsed = match parse_attendees(&text, grants, today) {
        Ok(parsed) => parsed,
        Err(errors) => return Parse::RowErrors(errors),
    };
    let rows: Vec<StoredAttendee> = parsed.attendees().map(StoredAttendee::from).collect();
    let content = UploadContent {
        preview: parsed.rows.into_iter().map(PreviewRow::from).collect(),
        rows,
        header: parsed.header,
    };
    let content_json = match serde_json::to_string(&content) {
        Ok(json) => json,
        Err(e) => return Parse::FileError(format!("ファイルを保存できませんでした（{e}）。")),
    };
    let rows_total = content.preview.len() as i32;
    let rows_ok = content.rows.len() as i32;
    Parse::Ready(Box::new(Prepared {
        encoding,
        rows_total,
        rows_ok,
        rows_error: rows_total - rows_ok,
        content,
        content_json,
    }))
}

/// Parsing and serialising 10,000 rows is CPU work: `prepare` runs off the async threads.
async fn prepare_off_thread(
    grants: &[(Category, Units)],
    bytes: Vec<u8>,
    today: NaiveDate,
) -> AppResult<Parse> {
    let grants = grants.to_vec();
    tokio::task::spawn_blocking(move || prepare(&bytes, &grants, today))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

pub(super) async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    multipart: Multipart,
) -> AppResult<Response> {
    if let Some(refused) = registration_refused(&ctx, &work)? {
        return Ok(refused);
    }
    let file = match read_file(multipart).await {
        Ok(file) => file,
        Err(message) => return upload_page(&ctx, &work, Some(message), vec![]).await,
    };
    let grants = &work.grants;
    let prepared = match prepare_off_thread(grants, file.bytes, ctx.now.date_naive()).await? {
        Parse::FileError(message) => return upload_page(&ctx, &work, Some(message), vec![]).await,
        Parse::RowErrors(errors) => return upload_page(&ctx, &work, None, errors).await,
        Parse::Ready(prepared) => prepared,
    };
    let mut tx = state.pool.begin().await?;
    credit_db::prefer_fast_compression(&mut tx).await?;
    let id = credit_db::create_upload(
        &mut tx,
        &credit_db::NewUpload {
            seminar_id: work.seminar.id,
            file_name: &file.file_name,
            encoding: prepared.encoding,
            rows_total: prepared.rows_total,
            rows_ok: prepared.rows_ok,
            rows_error: prepared.rows_error,
            content_json: &prepared.content_json,
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    let upload = credit_db::Upload {
        id,
        seminar_id: work.seminar.id,
        file_name: file.file_name,
        encoding: prepared.encoding.to_string(),
        rows_total: prepared.rows_total,
        rows_ok: prepared.rows_ok,
        rows_error: prepared.rows_error,
        uploaded_at: ctx.now.to_utc(),
        committed_at: None,
    };
    let Prepared { content, .. } = *prepared;
    let mut conn = state.pool.acquire().await?;
    let prior = credit_corrections::prior_states(&mut conn, work.seminar.id).await?;
    drop(conn);
    preview_page(&ctx, &work, grants, &upload, content.preview, None, &prior).await
}

// ---------------------------------------------------------------------------------------------
// Commit.

pub(super) async fn commit(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, id)): Path<(String, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if let Some(refused) = registration_refused(&ctx, &work)? {
        return Ok(refused);
    }
    let revive: Vec<String> =
        fields.into_iter().filter(|(k, _)| k == "revive").map(|(_, v)| v).collect();
    let mut tx = state.pool.begin().await?;
    let via = json!("work_page");
    let done =
        credits::commit(&mut tx, &ctx.who(), ctx.now, &work.seminar, id, &revive, &via).await?;
    let message = match done {
        Some(done) => {
            tx.commit().await?;
            credits::commit_message(&done.counts, done.late)
        }
        None => {
            tx.rollback().await?;
            "このファイルはすでに登録済みです。もう一度登録しても単位は重複しません（何も変更していません）。".to_string()
        }
    };
    ctx.flash(&message).await?;
    Ok(see_other(&format!("{}/credits", work.base())))
}
