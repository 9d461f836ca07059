//! Staff import members (医師会員の取り込み) from CSV: each member gets an account, a physician
//! record and a postcard with the login ID and initial password. A file with any bad row saves
//! nothing; the page lists every bad row instead.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rand::rngs::OsRng;
use serde_json::json;

use crate::clock::format_jp_datetime;
use crate::db::accounts::CurrentAccount;
use crate::db::{audit, members};
use crate::domain::csv_text::{self, RowError};
use crate::domain::member_csv::{self, member_login_id, MemberRow};
use crate::domain::policy::Action;
use crate::domain::prefecture;
use crate::domain::role::{AssociationKind, Role};
use crate::error::{AppError, AppResult};
use crate::password;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::postcards;
use crate::web::{render, see_other};

/// Largest CSV file accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The request may be a little larger than the file (multipart headers, boundaries).
const MAX_UPLOAD_REQUEST: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// More errors than this are summarised ("ほか N 件").
const MAX_ERRORS_SHOWN: usize = 300;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/members/import", get(import_form).post(import))
        .route("/office/members/template.csv", get(template_csv))
        .route("/office/members/batches/{id}", get(batch))
        .route("/office/members/batches/{id}/postcards", get(postcards::page))
        .route("/office/members/batches/{id}/postcards/reissue", get(postcards::reissue_form))
        .route("/office/members/batches/{id}/postcards.pdf", post(postcards::print))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_REQUEST))
}

// ---------------------------------------------------------------------------------------------
// Uploads (shared with the certification import).

pub struct Upload {
    pub file_name: String,
    pub text: String,
}

const TOO_LARGE: &str = "ファイルが大きすぎます（5MBまで）。ファイルを分けて取り込んでください。";
const NO_FILE: &str = "取り込むCSVファイルを選んでください。";

fn clean_file_name(name: Option<&str>) -> String {
    let name = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.trim().is_empty() {
        "upload.csv".to_string()
    } else {
        name.trim().to_string()
    }
}

/// The `file` field of a multipart form, decoded as CSV text; Err is a message for the form.
/// The file's kind is judged by its content, never by its name.
pub async fn read_csv_upload(mut multipart: Multipart) -> Result<Upload, String> {
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
        let text = csv_text::decode(&bytes).map_err(str::to_string)?;
        return Ok(Upload { file_name, text });
    }
    Err(NO_FILE.to_string())
}

/// One problem row as the page lists it.
pub struct ErrorView {
    pub line: String,
    pub column: String,
    pub message: String,
}

/// Sorted by line, at most `MAX_ERRORS_SHOWN`; the count of those left out.
pub fn error_views(mut errors: Vec<RowError>) -> (Vec<ErrorView>, usize) {
    errors.sort_by_key(|e| e.line);
    let hidden = errors.len().saturating_sub(MAX_ERRORS_SHOWN);
    let views = errors
        .into_iter()
        .take(MAX_ERRORS_SHOWN)
        .map(|e| ErrorView {
            line: if e.line == 0 {
                "ファイル全体".into()
            } else {
                format!("{}行目", e.line)
            },
            column: e.column.unwrap_or("―").to_string(),
            message: e.message,
        })
        .collect();
    (views, hidden)
}

pub fn csv_response(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// The import form.

pub struct BatchView {
    pub id: i64,
    pub created: String,
    pub association: String,
    pub imported_by: String,
    pub file_name: String,
    pub rows_imported: i32,
    pub postcards_remaining: i64,
    pub postcards_printed: i64,
}

impl From<members::Batch> for BatchView {
    fn from(b: members::Batch) -> Self {
        BatchView {
            id: b.id,
            created: format_jp_datetime(b.created_at.fixed_offset()),
            association: b.association_name,
            imported_by: b.imported_by_name,
            file_name: b.file_name,
            rows_imported: b.rows_imported,
            postcards_remaining: b.postcards_remaining,
            postcards_printed: b.postcards_printed,
        }
    }
}

#[derive(Template)]
#[template(path = "office/members/import.html")]
struct ImportPage {
    layout: Layout,
    scope: String,
    file_error: Option<String>,
    errors: Vec<ErrorView>,
    hidden_errors: usize,
    batches: Vec<BatchView>,
}

/// Who imports into what: the importing association, and the one prefecture prefectural staff
/// may import into (None for JMA: each row's prefecture).
struct Importer {
    account_id: i64,
    association_id: i64,
    prefecture: Option<i16>,
    is_jma: bool,
}

fn importer(user: &CurrentAccount) -> AppResult<Importer> {
    let association = user.association.as_ref().ok_or(AppError::Forbidden)?;
    match (user.role, association.kind) {
        (Role::JmaStaff, AssociationKind::Jma) => Ok(Importer {
            account_id: user.id,
            association_id: association.id,
            prefecture: None,
            is_jma: true,
        }),
        (Role::PrefecturalStaff, AssociationKind::Prefectural) => Ok(Importer {
            account_id: user.id,
            association_id: association.id,
            prefecture: Some(association.prefecture_code.ok_or(AppError::Forbidden)?),
            is_jma: false,
        }),
        _ => Err(AppError::Forbidden),
    }
}

fn scope_text(importer: &Importer) -> String {
    match importer.prefecture.and_then(prefecture::name) {
        Some(name) => format!("{name}の会員を取り込みます（{name}以外の行はエラーになります）。"),
        None => "各行の「都道府県」の医師会の会員として取り込みます。".to_string(),
    }
}

async fn import_page(
    state: &AppState,
    ctx: &Ctx,
    importer: &Importer,
    file_error: Option<String>,
    errors: Vec<RowError>,
) -> AppResult<Response> {
    let failed = file_error.is_some() || !errors.is_empty();
    let (errors, hidden_errors) = error_views(errors);
    let association = (!importer.is_jma).then_some(importer.association_id);
    let batches = members::recent_batches(&state.pool, association, 20)
        .await?
        .into_iter()
        .map(BatchView::from)
        .collect();
    let page = ImportPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        scope: scope_text(importer),
        file_error,
        errors,
        hidden_errors,
        batches,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub async fn import_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require(Action::ImportMembers)?;
    let importer = importer(user)?;
    import_page(&state, &ctx, &importer, None, Vec::new()).await
}

pub async fn template_csv(ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ImportMembers)?;
    let bytes = csv_text::write_for_excel(&[member_csv::member_template_header()]);
    Ok(csv_response("member_import_template.csv", bytes))
}

/// 所属医師会 → association id: a municipal association of the row's prefecture by name
/// (「千代田区医師会」 or 「千代田区」), the prefectural one by its name, or by default.
fn resolve_associations(
    rows: &[MemberRow],
    directory: &[members::AssociationRow],
) -> (Vec<i64>, Vec<RowError>) {
    let prefectural: HashMap<i16, i64> = directory
        .iter()
        .filter(|a| a.kind == "prefectural")
        .map(|a| (a.prefecture_code, a.id))
        .collect();
    let by_name: HashMap<(i16, &str), i64> =
        directory.iter().map(|a| ((a.prefecture_code, a.name.as_str()), a.id)).collect();
    let mut ids = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for row in rows {
        let pref = row.prefecture_code;
        let found = match &row.association_name {
            None => prefectural.get(&pref).copied(),
            Some(name) => {
                let full = format!("{name}医師会");
                by_name
                    .get(&(pref, name.as_str()))
                    .or_else(|| by_name.get(&(pref, full.as_str())))
                    .copied()
            }
        };
        match found {
            Some(id) => ids.push(id),
            None => {
                let pref_name = prefecture::name(pref).unwrap_or("");
                let message = match &row.association_name {
                    Some(name) => format!(
                        "「{name}」は{pref_name}の医師会として登録されていません。名前を確認するか、空欄にしてください（空欄なら{pref_name}医師会の会員になります）。"
                    ),
                    None => format!("{pref_name}の医師会が見つかりません。"),
                };
                errors.push(RowError::new(row.line, Some("所属医師会"), message));
            }
        }
    }
    (ids, errors)
}

/// `n` login IDs no account has (checked in the transaction that creates them).
async fn unique_login_ids(conn: &mut sqlx::PgConnection, n: usize) -> sqlx::Result<Vec<String>> {
    let mut rng = OsRng;
    let mut tried: HashSet<String> = HashSet::new();
    let mut ids: Vec<String> = Vec::with_capacity(n);
    loop {
        while ids.len() < n {
            let id = member_login_id(&mut rng);
            if tried.insert(id.clone()) {
                ids.push(id);
            }
        }
        let taken: HashSet<String> =
            members::login_ids_taken(conn, &ids).await?.into_iter().collect();
        if taken.is_empty() {
            return Ok(ids);
        }
        ids.retain(|id| !taken.contains(&id.to_lowercase()));
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> AppResult<Response> {
    let user = ctx.require(Action::ImportMembers)?;
    let importer = importer(user)?;
    let upload = match read_csv_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => return import_page(&state, &ctx, &importer, Some(message), vec![]).await,
    };
    let today = ctx.now.date_naive();
    let rows = match member_csv::parse_members(&upload.text, today, importer.prefecture) {
        Ok(rows) => rows,
        Err(errors) => return import_page(&state, &ctx, &importer, None, errors).await,
    };

    // Checks against what is already registered.
    let mut conn = state.pool.acquire().await?;
    let numbers: Vec<String> =
        rows.iter().map(|r| r.registry_number.as_str().to_string()).collect();
    let in_use: HashSet<String> =
        members::registry_numbers_in_use(&mut conn, &numbers).await?.into_iter().collect();
    let mut errors: Vec<RowError> = rows
        .iter()
        .filter(|r| in_use.contains(r.registry_number.as_str()))
        .map(|r| {
            RowError::new(
                r.line,
                Some("医籍登録番号"),
                format!(
                    "医籍登録番号 {} の医師はすでに登録されています。",
                    r.registry_number.as_str()
                ),
            )
        })
        .collect();
    let directory = members::regional_associations(&mut conn).await?;
    drop(conn);
    let (association_ids, association_errors) = resolve_associations(&rows, &directory);
    errors.extend(association_errors);
    if !errors.is_empty() {
        return import_page(&state, &ctx, &importer, None, errors).await;
    }

    let result: Result<i64, sqlx::Error> = async {
        let mut tx = state.pool.begin().await?;
        let login_ids = unique_login_ids(&mut tx, rows.len()).await?;
        let batch_id = members::create_batch(
            &mut tx,
            importer.association_id,
            importer.account_id,
            &upload.file_name,
            rows.len() as i32,
            ctx.now,
        )
        .await?;
        let who = ctx.who();
        for (i, row) in rows.iter().enumerate() {
            let created = members::create_member(
                &mut tx,
                batch_id,
                &members::NewMember {
                    login_id: &login_ids[i],
                    // The password is issued when the postcards are printed.
                    password_hash: password::NO_PASSWORD_YET,
                    kanji_name: &row.kanji_name,
                    furigana: &row.furigana,
                    birth_date: row.birth_date,
                    sex: row.sex.code(),
                    registry_number: row.registry_number.as_str(),
                    phone: row.phone.as_deref(),
                    fax: row.fax.as_deref(),
                    postal_code: &row.postal_code,
                    address: &row.address,
                    prefecture_code: row.prefecture_code,
                    member_association_id: association_ids[i],
                },
                ctx.now,
            )
            .await?;
            let entry = audit::Entry {
                action: "account.create",
                entity_type: "account",
                entity_id: Some(created.account_id.to_string()),
                before: None,
                after: Some(json!({
                    "login_id": login_ids[i],
                    "role": Role::Physician.code(),
                    "physician_id": created.physician_id,
                    "kanji_name": row.kanji_name,
                    "registry_number": row.registry_number.as_str(),
                    "prefecture_code": row.prefecture_code,
                    "member_association_id": association_ids[i],
                    "member_import_batch_id": batch_id,
                    "csv_line": row.line,
                })),
            };
            audit::record(&mut tx, &who, ctx.now, entry).await?;
        }
        let entry = audit::Entry {
            action: "members.import",
            entity_type: "member_import_batch",
            entity_id: Some(batch_id.to_string()),
            before: None,
            after: Some(json!({
                "batch_id": batch_id,
                "count": rows.len(),
                "file_name": upload.file_name,
                "association_id": importer.association_id,
            })),
        };
        audit::record(&mut tx, &who, ctx.now, entry).await?;
        tx.commit().await?;
        Ok(batch_id)
    }
    .await;
    let batch_id = match result {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            tracing::warn!(error = %e, "member import raced with another registration");
            return Err(AppError::Conflict(
                "同じ医籍登録番号の医師が、取り込みの途中で別に登録されました。何も保存していません。もう一度取り込んでください。".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    ctx.flash(&format!(
        "{}名の会員を取り込みました。はがきを印刷して発送してください。",
        rows.len()
    ))
    .await?;
    Ok(see_other(&format!("/office/members/batches/{batch_id}")))
}

// ---------------------------------------------------------------------------------------------
// A batch and its postcards.

/// The batch, if this staff member may see it: their own association's, or any for JMA.
/// Another association's batch answers 404, as if it did not exist.
pub(crate) async fn visible_batch(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<members::Batch> {
    let user = ctx.require(Action::ImportMembers)?;
    let batch = members::batch(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let own = user.association.as_ref().is_some_and(|a| a.id == batch.association_id);
    if own || user.role == Role::JmaStaff {
        Ok(batch)
    } else {
        Err(AppError::NotFound)
    }
}

pub struct MemberView {
    pub kanji_name: String,
    pub login_id: String,
    pub registry_number: String,
    pub association: String,
}

#[derive(Template)]
#[template(path = "office/members/batch.html")]
struct BatchPage {
    layout: Layout,
    batch: BatchView,
    logged_in: i64,
    waiting: Vec<MemberView>,
}

pub async fn batch(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let batch = visible_batch(&state, &ctx, id).await?;
    let waiting = members::postcards(&state.pool, id)
        .await?
        .into_iter()
        .map(|p| MemberView {
            kanji_name: p.kanji_name,
            login_id: p.login_id,
            registry_number: p.registry_number.unwrap_or_default(),
            association: p.member_association_name.unwrap_or_default(),
        })
        .collect();
    let logged_in = (i64::from(batch.rows_imported) - batch.postcards_remaining).max(0);
    let page = BatchPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        batch: batch.into(),
        logged_in,
        waiting,
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name(Some("C:\\Users\\jimu\\会員.csv")), "会員.csv");
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(Some("a\r\nb.csv")), "ab.csv");
        assert_eq!(clean_file_name(None), "upload.csv");
    }

    #[test]
    fn errors_are_listed_by_line() {
        let (views, hidden) = error_views(vec![
            RowError::new(5, Some("性別"), "x"),
            RowError::new(0, None, "y"),
            RowError::new(2, Some("氏名"), "z"),
        ]);
        assert_eq!(hidden, 0);
        let lines: Vec<_> = views.iter().map(|v| v.line.as_str()).collect();
        assert_eq!(lines, ["ファイル全体", "2行目", "5行目"]);
        assert_eq!(views[0].column, "―");
    }
}
