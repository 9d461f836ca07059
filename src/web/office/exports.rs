//! Staff spreadsheets (.xlsx, DOMAIN §10): the renewal credit-check tool, the count of
//! certified physicians per prefecture, address labels and the renewal target list.
//! Prefectural staff get their own prefecture only; JMA staff may choose any (or all).
//! Every download is audited: the lists hold personal data.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;
use serde_json::json;

use crate::db::accounts::CurrentAccount;
use crate::db::{audit, exports};
use crate::domain::policy::{self, Action, List, Scope};
use crate::domain::prefecture;
use crate::error::{AppError, AppResult};
use crate::export::{labels_pdf, xlsx};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/exports", get(page))
        .route("/office/exports/renewal-check.xlsx", get(renewal_check))
        .route("/office/exports/prefecture-summary.xlsx", get(prefecture_summary))
        .route("/office/exports/address-labels.xlsx", get(address_labels))
        .route("/office/exports/address-labels.pdf", get(address_labels_pdf))
        .route("/office/exports/renewal-targets.xlsx", get(renewal_targets))
}

/// Which prefecture a download covers: prefectural staff their own (asking for another is
/// 403), JMA staff the one asked for or, with `None`, all. Everyone else 403.
pub(crate) fn scope(user: &CurrentAccount, requested: Option<&str>) -> AppResult<Option<i16>> {
    let requested = match requested.map(str::trim).filter(|p| !p.is_empty()) {
        Some(text) => Some(
            prefecture::parse(text)
                .ok_or_else(|| AppError::BadRequest("都道府県の指定が正しくありません。".into()))?,
        ),
        None => None,
    };
    match policy::scope(&user.actor(), List::Physicians) {
        Scope::Prefecture(own) => match requested {
            Some(code) if code != own => Err(AppError::Forbidden),
            _ => Ok(Some(own)),
        },
        Scope::All => Ok(requested),
        Scope::Association(_) | Scope::Nothing => Err(AppError::Forbidden),
    }
}

pub(crate) fn staff(ctx: &Ctx) -> AppResult<&CurrentAccount> {
    let user = ctx.require(Action::ViewOffice)?;
    match policy::scope(&user.actor(), List::Physicians) {
        Scope::Prefecture(_) | Scope::All => Ok(user),
        Scope::Association(_) | Scope::Nothing => Err(AppError::Forbidden),
    }
}

/// RFC 5987 percent-encoding for `filename*=UTF-8''…`.
fn encode_filename(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An .xlsx download: a Japanese file name for current browsers, an ASCII one for the rest.
pub fn xlsx_response(japanese_name: &str, ascii_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, xlsx::CONTENT_TYPE.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
                    encode_filename(japanese_name)
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A PDF download (labels, postcards, the request letter): attachment, never cached.
pub fn pdf_response(japanese_name: &str, ascii_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
                    encode_filename(japanese_name)
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

async fn audit_download(
    state: &AppState,
    ctx: &Ctx,
    sheet: &str,
    prefecture: Option<i16>,
    rows: usize,
) -> AppResult<()> {
    let mut conn = state.pool.acquire().await?;
    let entry = audit::Entry {
        action: "export.download",
        entity_type: "export",
        entity_id: Some(sheet.to_string()),
        before: None,
        after: Some(json!({ "prefecture_code": prefecture, "rows": rows })),
    };
    audit::record(&mut conn, &ctx.who(), ctx.now, entry).await?;
    Ok(())
}

fn scope_label(prefecture: Option<i16>) -> &'static str {
    prefecture.and_then(prefecture::name).unwrap_or("全国")
}

fn stamp(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    pub(crate) prefecture: Option<String>,
    #[serde(default)]
    pub(crate) from: Option<String>,
    #[serde(default)]
    pub(crate) until: Option<String>,
    /// Labels per A4 sheet (12 or 24), for the label PDF.
    #[serde(default)]
    pub(crate) per_sheet: Option<String>,
}

/// The calendar month `months` ahead of `today`: (first day, last day).
fn month_ahead(today: NaiveDate, months: u32) -> (NaiveDate, NaiveDate) {
    let first = today.with_day(1).unwrap_or(today) + Months::new(months);
    let last = first + Months::new(1) - chrono::Days::new(1);
    (first, last)
}

/// The period of a list: both dates given (YYYY-MM-DD), or the default month.
pub(crate) fn period(
    query: &ExportQuery,
    default: (NaiveDate, NaiveDate),
) -> AppResult<(NaiveDate, NaiveDate)> {
    let parse = |v: &Option<String>, fallback: NaiveDate| -> AppResult<NaiveDate> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                AppError::BadRequest("日付は YYYY-MM-DD の形で指定してください。".into())
            }),
            None => Ok(fallback),
        }
    };
    let (from, until) = (parse(&query.from, default.0)?, parse(&query.until, default.1)?);
    if until < from {
        return Err(AppError::BadRequest("期間の終わりが始まりより前です。".into()));
    }
    Ok((from, until))
}

/// One-year postcards go with the labels; renewal guidance about four months ahead.
const LABELS_MONTHS_AHEAD: u32 = 12;
const TARGETS_MONTHS_AHEAD: u32 = 4;

// ---------------------------------------------------------------------------------------------

pub struct PrefectureOption {
    pub code: i16,
    pub name: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office/exports/index.html")]
struct ExportsPage {
    layout: Layout,
    /// Prefectural staff: their prefecture's name; JMA: empty (they choose).
    own_prefecture: String,
    prefectures: Vec<PrefectureOption>,
    labels_from: String,
    labels_until: String,
    targets_from: String,
    targets_until: String,
    renewal_web_cap: i64,
}

pub async fn page(ctx: Ctx) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let own = scope(user, None)?;
    let today = ctx.now.date_naive();
    let labels = month_ahead(today, LABELS_MONTHS_AHEAD);
    let targets = month_ahead(today, TARGETS_MONTHS_AHEAD);
    let prefectures = (1..=47)
        .filter_map(|code| {
            prefecture::name(code).map(|name| PrefectureOption { code, name, selected: code == 13 })
        })
        .collect();
    render(&ExportsPage {
        layout: ctx.layout(),
        own_prefecture: own.and_then(prefecture::name).unwrap_or("").to_string(),
        prefectures,
        labels_from: labels.0.to_string(),
        labels_until: labels.1.to_string(),
        targets_from: targets.0.to_string(),
        targets_until: targets.1.to_string(),
        renewal_web_cap: crate::domain::requirements::limits::RENEWAL_WEB_CAP,
    })
}

pub async fn renewal_check(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let Some(code) = scope(user, query.prefecture.as_deref())? else {
        return Err(AppError::BadRequest("都道府県を選んでください。".into()));
    };
    let reads = state.read_pool(&ctx);
    let rows = exports::renewal_check(reads, code).await?;
    let today = ctx.now.date_naive();
    let bytes = xlsx::renewal_check(code, today, &rows).map_err(xlsx_error)?;
    audit_download(&state, &ctx, "renewal_check", Some(code), rows.len()).await?;
    let name = format!("更新申請単位確認_{}_{}.xlsx", scope_label(Some(code)), stamp(today));
    Ok(xlsx_response(&name, &format!("renewal-check-{code:02}-{}.xlsx", stamp(today)), bytes))
}

pub async fn prefecture_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let only = scope(user, query.prefecture.as_deref())?;
    let today = ctx.now.date_naive();
    let reads = state.read_pool(&ctx);
    let counts = exports::prefecture_counts(reads, today, only).await?;
    let bytes = xlsx::prefecture_summary(today, only, &counts).map_err(xlsx_error)?;
    audit_download(&state, &ctx, "prefecture_summary", only, counts.len()).await?;
    let name = format!("認定医の都道府県別集計表_{}_{}.xlsx", scope_label(only), stamp(today));
    Ok(xlsx_response(&name, &format!("prefecture-summary-{}.xlsx", stamp(today)), bytes))
}

pub async fn address_labels(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let only = scope(user, query.prefecture.as_deref())?;
    let (from, until) = period(&query, month_ahead(ctx.now.date_naive(), LABELS_MONTHS_AHEAD))?;
    let reads = state.read_pool(&ctx);
    let rows = exports::expiring(reads, from, until, only, true, None).await?;
    let bytes = xlsx::address_labels(from, until, &rows).map_err(xlsx_error)?;
    audit_download(&state, &ctx, "address_labels", only, rows.len()).await?;
    let name = format!("住所ラベル_{}_{}-{}.xlsx", scope_label(only), stamp(from), stamp(until));
    Ok(xlsx_response(
        &name,
        &format!("address-labels-{}-{}.xlsx", stamp(from), stamp(until)),
        bytes,
    ))
}

/// 住所ラベル as a PDF on A4 label sheets of 12 or 24 (the clerk chooses).
pub async fn address_labels_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let only = scope(user, query.prefecture.as_deref())?;
    let sheet = match query.per_sheet.as_deref().map(str::trim) {
        None | Some("") => labels_pdf::Sheet::TWELVE,
        Some(n) => n.parse().ok().and_then(labels_pdf::Sheet::with).ok_or_else(|| {
            AppError::BadRequest("ラベルの面数は12面か24面を選んでください。".into())
        })?,
    };
    let (from, until) = period(&query, month_ahead(ctx.now.date_naive(), LABELS_MONTHS_AHEAD))?;
    let reads = state.read_pool(&ctx);
    let rows = exports::expiring(reads, from, until, only, true, None).await?;
    let labels: Vec<labels_pdf::Label> = rows
        .iter()
        .map(|r| labels_pdf::Label {
            postal_code: r.postal_code.clone().unwrap_or_default(),
            address: prefecture::full_address(r.prefecture_code, r.address.as_deref()),
            name: r.kanji_name.clone().unwrap_or_default(),
        })
        .collect();
    let count = labels.len();
    let pdf = tokio::task::spawn_blocking(move || labels_pdf::render(&labels, sheet))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| match e.downcast_ref::<crate::export::pdf::UnprintableName>() {
            Some(u) => AppError::Conflict(format!(
                "氏名または住所に、印刷できない文字（U+{:04X}）を含む認定医がいます。Excel版のラベルをお使いください。",
                u32::from(u.character)
            )),
            None => AppError::Internal(e),
        })?;
    audit_download(&state, &ctx, "address_labels_pdf", only, count).await?;
    let n = sheet.per_sheet();
    let name =
        format!("住所ラベル{n}面_{}_{}-{}.pdf", scope_label(only), stamp(from), stamp(until));
    Ok(pdf_response(
        &name,
        &format!("address-labels-{n}-{}-{}.pdf", stamp(from), stamp(until)),
        pdf,
    ))
}

pub async fn renewal_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let user = staff(&ctx)?;
    let only = scope(user, query.prefecture.as_deref())?;
    let (from, until) = period(&query, month_ahead(ctx.now.date_naive(), TARGETS_MONTHS_AHEAD))?;
    let reads = state.read_pool(&ctx);
    let rows = exports::expiring(reads, from, until, only, false, None).await?;
    let bytes = xlsx::renewal_targets(from, until, &rows).map_err(xlsx_error)?;
    audit_download(&state, &ctx, "renewal_targets", only, rows.len()).await?;
    let name = format!(
        "更新申請書印刷対象者の一覧_{}_{}-{}.xlsx",
        scope_label(only),
        stamp(from),
        stamp(until)
    );
    Ok(xlsx_response(
        &name,
        &format!("renewal-targets-{}-{}.xlsx", stamp(from), stamp(until)),
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_percent_encoded() {
        assert_eq!(encode_filename("a b.xlsx"), "a%20b.xlsx");
        assert_eq!(encode_filename("東"), "%E6%9D%B1");
    }

    #[test]
    fn months_ahead() {
        let d = NaiveDate::from_ymd_opt(2025, 4, 10).unwrap();
        assert_eq!(
            month_ahead(d, 4),
            (
                NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
                NaiveDate::from_ymd_opt(2025, 8, 31).unwrap()
            )
        );
    }
}
