//! Staff lists for the renewal notices (DOMAIN §7) and the prefecture's request letter (依頼状).
//!
//! - `/office/notices`: JMA sees the one-year postcard list of a month (certifications expiring
//!   twelve months later, linked to a physician, with the address-labels download); prefectures
//!   see the renewal-guidance list of their prefecture, which JMA provides in even months
//!   (certifications expiring four and five months later). JMA also sees the guidance list
//!   nationwide. The downloads are the existing `/office/exports` spreadsheets.
//! - `/office/applications/request-letter?cycle=`: the printable letter from the prefectural
//!   association's president to the JMA president listing the applications the prefecture
//!   forwarded into a review cycle. Prefectural staff only, for their own prefecture.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::accounts::CurrentAccount;
use crate::db::application_review as review_db;
use crate::db::{self, audit, exports};
use crate::domain::category::Programme;
use crate::domain::person::parse_free_text;
use crate::domain::policy::Action;
use crate::domain::prefecture;
use crate::domain::review::kind_label;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::export::letter_pdf;
use crate::export::xlsx::ExpiringRow;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::exports::pdf_response;
use crate::web::render;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/notices", get(page))
        .route("/office/applications/request-letter", get(request_letter))
        .route("/office/applications/request-letter.pdf", get(request_letter_pdf))
}

/// Postcards one year ahead; renewal guidance four (and five) months ahead.
const POSTCARD_MONTHS_AHEAD: u32 = 12;
const GUIDANCE_MONTHS_AHEAD: u32 = 4;
/// Rows shown on screen per list; the national list runs to thousands a month, and the
/// spreadsheet download holds them all.
const PREVIEW_ROWS: i64 = 100;

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// `months` calendar months ahead of `first` (a first of month), `span` months long.
fn months_span(first: NaiveDate, months: u32, span: u32) -> (NaiveDate, NaiveDate) {
    let from = first + Months::new(months);
    (from, from + Months::new(span) - Days::new(1))
}

/// The even month whose guidance list covers `month`: the month itself or the one before.
fn guidance_month(month: NaiveDate) -> NaiveDate {
    if month.month().is_multiple_of(2) {
        month
    } else {
        month - Months::new(1)
    }
}

pub(crate) fn parse_month(text: Option<&str>, today: NaiveDate) -> AppResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(first_of_month(today)),
        Some(t) => NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest("月は YYYY-MM の形で指定してください。".into())),
    }
}

fn month_text(month: NaiveDate) -> String {
    month.format("%Y年%-m月").to_string()
}

pub struct NoticeRow {
    pub programme: &'static str,
    pub certificate_number: String,
    pub name: String,
    pub valid_until: String,
    pub prefecture: &'static str,
    pub postal_code: String,
    pub address: String,
    pub has_email: bool,
    pub open_application: bool,
}

impl From<&ExpiringRow> for NoticeRow {
    fn from(r: &ExpiringRow) -> Self {
        NoticeRow {
            programme: Programme::from_code(&r.programme).map(Programme::label).unwrap_or(""),
            certificate_number: r.certificate_number.clone(),
            name: r.kanji_name.clone().unwrap_or_else(|| "（未登録）".to_string()),
            valid_until: format_jp_date(r.valid_until),
            prefecture: r.prefecture_code.and_then(prefecture::name).unwrap_or(""),
            postal_code: r.postal_code.clone().unwrap_or_default(),
            address: r.address.clone().unwrap_or_default(),
            has_email: r.email.as_deref().is_some_and(|e| !e.is_empty()),
            open_application: r.open_application,
        }
    }
}

/// One list on the page, with its period and download link.
pub struct NoticeList {
    pub title: String,
    pub period: String,
    pub download: String,
    pub download_label: &'static str,
    /// Everyone on the list; `rows` holds at most `PREVIEW_ROWS` of them.
    pub total: i64,
    pub rows: Vec<NoticeRow>,
}

#[derive(Template)]
#[template(path = "office/notices/index.html")]
struct NoticesPage {
    layout: Layout,
    month: String,
    month_label: String,
    note: Option<String>,
    lists: Vec<NoticeList>,
}

#[derive(Deserialize, Default)]
pub struct NoticesQuery {
    #[serde(default)]
    pub(crate) month: Option<String>,
}

fn own_prefecture(user: &CurrentAccount) -> AppResult<i16> {
    user.association.as_ref().and_then(|a| a.prefecture_code).ok_or(AppError::Forbidden)
}

async fn list(
    state: &AppState,
    title: String,
    (from, until): (NaiveDate, NaiveDate),
    only: Option<i16>,
    linked_only: bool,
    sheet: &str,
    download_label: &'static str,
) -> AppResult<NoticeList> {
    let rows =
        exports::expiring(&state.pool, from, until, only, linked_only, Some(PREVIEW_ROWS)).await?;
    let total = if (rows.len() as i64) < PREVIEW_ROWS {
        rows.len() as i64
    } else {
        exports::expiring_count(&state.pool, from, until, only, linked_only).await?
    };
    Ok(NoticeList {
        total,
        title,
        period: format!("有効期限 {} 〜 {}", format_jp_date(from), format_jp_date(until)),
        download: format!("/office/exports/{sheet}.xlsx?from={from}&until={until}"),
        download_label,
        rows: rows.iter().map(NoticeRow::from).collect(),
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<NoticesQuery>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let month = parse_month(query.month.as_deref(), ctx.now.date_naive())?;
    let guidance = guidance_month(month);
    let note = (guidance != month).then(|| {
        format!(
            "更新案内の一覧は偶数月に提供されます。{}提供分を表示しています。",
            month_text(guidance)
        )
    });
    let guidance_period = months_span(guidance, GUIDANCE_MONTHS_AHEAD, 2);
    let mut lists = Vec::new();
    match user.role {
        Role::JmaStaff => {
            lists.push(
                list(
                    &state,
                    format!("1年前の葉書（{}発送分）", month_text(month)),
                    months_span(month, POSTCARD_MONTHS_AHEAD, 1),
                    None,
                    true,
                    "address-labels",
                    "住所ラベル（Excel）",
                )
                .await?,
            );
            lists.push(
                list(
                    &state,
                    format!("更新案内の対象者（全国・{}提供分）", month_text(guidance)),
                    guidance_period,
                    None,
                    false,
                    "renewal-targets",
                    "対象者一覧（Excel）",
                )
                .await?,
            );
        }
        Role::PrefecturalStaff => {
            let own = own_prefecture(user)?;
            lists.push(
                list(
                    &state,
                    format!(
                        "更新案内の対象者（{}・{}提供分）",
                        prefecture::name(own).unwrap_or(""),
                        month_text(guidance)
                    ),
                    guidance_period,
                    Some(own),
                    false,
                    "renewal-targets",
                    "対象者一覧（Excel）",
                )
                .await?,
            );
        }
        _ => return Err(AppError::Forbidden),
    }
    render(&NoticesPage {
        layout: ctx.layout(),
        month: month.format("%Y-%m").to_string(),
        month_label: month_text(month),
        note,
        lists,
    })
}

// ---------------------------------------------------------------------------------------------
// 依頼状

#[derive(Deserialize)]
pub struct LetterQuery {
    cycle: Option<String>,
    /// Optional; another prefecture than the staff member's own is refused.
    #[serde(default)]
    prefecture: Option<String>,
    /// 文書番号, typed by the clerk for the PDF.
    #[serde(default)]
    number: Option<String>,
    /// The letter's date (YYYY-MM-DD or 和暦); today when empty.
    #[serde(default)]
    date: Option<String>,
}

pub struct LetterRow {
    pub no: usize,
    pub name: String,
    pub programme: &'static str,
    pub kind: &'static str,
    pub certificate_number: String,
}

pub struct LetterSeminarRow {
    pub no: usize,
    pub title: String,
    pub programme: &'static str,
    pub date: String,
    pub organizer: String,
}

pub struct LetterCount {
    pub label: String,
    pub count: usize,
}

/// Everything the letter says, for the page and the PDF alike.
struct Letter {
    cycle_id: i64,
    number: String,
    date_input: String,
    date: String,
    prefecture_association: String,
    prefecture_president: Option<String>,
    jma_president: Option<String>,
    cycle_label: String,
    committee_date: String,
    rows: Vec<LetterRow>,
    seminars: Vec<LetterSeminarRow>,
    counts: Vec<LetterCount>,
}

impl Letter {
    fn counts_text(&self) -> String {
        let detail: String =
            self.counts.iter().map(|c| format!("（{} {}件）", c.label, c.count)).collect();
        format!("合計 {}件{detail}", self.rows.len())
    }
}

/// 「令和7年4月10日」 (the Western date where no era applies).
fn era_date(date: NaiveDate) -> String {
    match crate::domain::era::Era::of(date) {
        Some(era) => era.format(date),
        None => format_jp_date(date),
    }
}

fn letter_date(text: Option<&str>, today: NaiveDate) -> AppResult<NaiveDate> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(today) };
    let bad = || {
        AppError::BadRequest("日付は 2025-04-10 か 令和7年4月10日 の形で入力してください。".into())
    };
    match crate::domain::era::parse_era_date(text) {
        Ok(Some(date)) => Ok(date),
        Ok(None) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad()),
        Err(_) => Err(bad()),
    }
}

async fn letter(state: &AppState, ctx: &Ctx, query: &LetterQuery) -> AppResult<Letter> {
    let user = ctx.require(Action::ViewOffice)?;
    if user.role != Role::PrefecturalStaff {
        return Err(AppError::Forbidden);
    }
    let own = own_prefecture(user)?;
    if let Some(text) = query.prefecture.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if prefecture::parse(text) != Some(own) {
            return Err(AppError::Forbidden);
        }
    }
    let number = match parse_free_text(query.number.as_deref().unwrap_or(""), 40, None) {
        Ok(number) => number.unwrap_or_default(),
        Err(message) => return Err(AppError::BadRequest(message.into())),
    };
    let date = letter_date(query.date.as_deref(), ctx.now.date_naive())?;
    let mut conn = state.pool.acquire().await?;
    // Without a cycle: the one the prefecture is forwarding into now.
    let cycle_id: i64 = match query.cycle.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(text) => {
            text.parse().map_err(|_| AppError::BadRequest("審査回を指定してください。".into()))?
        }
        None => review_db::open_cycles(&mut conn, own, ctx.now.date_naive())
            .await?
            .first()
            .map(|c| c.id)
            .ok_or_else(|| AppError::BadRequest("受付中の審査回がありません。".into()))?,
    };
    let cycle = review_db::cycle(&mut conn, cycle_id, false).await?.ok_or(AppError::NotFound)?;
    let sources = review_db::letter_sources(&mut conn, own, cycle_id).await?;
    let seminar_sources = db::request_letter::seminars(&mut conn, own, cycle_id).await?;
    let (prefecture_president, jma_president) = db::presidents::for_letter(&mut conn, own).await?;
    drop(conn);
    let mut counts: Vec<LetterCount> = Vec::new();
    let rows: Vec<LetterRow> = sources
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let programme = Programme::from_code(&s.programme).map(Programme::label).unwrap_or("");
            let kind = kind_label(&s.kind);
            let label = format!("{programme}・{kind}");
            match counts.iter_mut().find(|c| c.label == label) {
                Some(c) => c.count += 1,
                None => counts.push(LetterCount { label, count: 1 }),
            }
            LetterRow {
                no: i + 1,
                name: s.kanji_name,
                programme,
                kind,
                certificate_number: s.certificate_number.unwrap_or_else(|| "—".to_string()),
            }
        })
        .collect();
    let seminars = seminar_sources
        .into_iter()
        .enumerate()
        .map(|(i, s)| LetterSeminarRow {
            no: i + 1,
            title: s.title,
            programme: Programme::from_code(&s.programme).map(Programme::label).unwrap_or(""),
            date: era_date(s.starts_on),
            organizer: s.organizer_name,
        })
        .collect();
    Ok(Letter {
        cycle_id,
        number,
        date_input: date.to_string(),
        date: era_date(date),
        prefecture_association: user
            .association
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| format!("{}医師会", prefecture::name(own).unwrap_or(""))),
        prefecture_president,
        jma_president,
        cycle_label: format!("{}年度 第{}回", cycle.fiscal_year, cycle.number),
        committee_date: era_date(cycle.committee_date),
        rows,
        seminars,
        counts,
    })
}

#[derive(Template)]
#[template(path = "office/notices/request_letter.html")]
struct RequestLetter {
    layout: Layout,
    l: Letter,
    total: usize,
}

pub async fn request_letter(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<LetterQuery>,
) -> AppResult<Response> {
    let l = letter(&state, &ctx, &query).await?;
    render(&RequestLetter { layout: ctx.layout(), total: l.rows.len(), l })
}

/// The same letter as an A4 PDF, with the document number and date the clerk typed.
pub async fn request_letter_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<LetterQuery>,
) -> AppResult<Response> {
    let l = letter(&state, &ctx, &query).await?;
    let data = letter_pdf::LetterData {
        number: l.number.clone(),
        date: l.date.clone(),
        jma_president: l.jma_president.clone(),
        prefecture_association: l.prefecture_association.clone(),
        prefecture_president: l.prefecture_president.clone(),
        cycle_label: l.cycle_label.clone(),
        committee_date: l.committee_date.clone(),
        counts: l.counts_text(),
        applications: l
            .rows
            .iter()
            .map(|r| {
                [
                    r.no.to_string(),
                    r.name.clone(),
                    r.programme.to_string(),
                    r.kind.to_string(),
                    r.certificate_number.clone(),
                ]
            })
            .collect(),
        seminars: l
            .seminars
            .iter()
            .map(|s| {
                [
                    s.no.to_string(),
                    s.title.clone(),
                    s.programme.to_string(),
                    s.date.clone(),
                    s.organizer.clone(),
                ]
            })
            .collect(),
    };
    let pdf = tokio::task::spawn_blocking(move || letter_pdf::render(&data))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| match e.downcast_ref::<crate::export::pdf::UnprintableName>() {
            Some(u) => AppError::Conflict(format!(
                "印刷できない文字（U+{:04X}）を含む氏名があります。この画面を印刷してください。",
                u32::from(u.character)
            )),
            None => AppError::Internal(e),
        })?;
    let mut conn = state.pool.acquire().await?;
    let entry = audit::Entry {
        action: "export.download",
        entity_type: "export",
        entity_id: Some("request_letter_pdf".to_string()),
        before: None,
        after: Some(
            json!({ "cycle_id": l.cycle_id, "rows": l.rows.len(), "seminars": l.seminars.len() }),
        ),
    };
    audit::record(&mut conn, &ctx.who(), ctx.now, entry).await?;
    drop(conn);
    let stamp = l.cycle_label.replace(' ', "_");
    Ok(pdf_response(
        &format!("依頼状_{stamp}.pdf"),
        &format!("request-letter-{}.pdf", l.cycle_id),
        pdf,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn guidance_lists_are_even_months() {
        assert_eq!(guidance_month(d(2026, 4, 1)), d(2026, 4, 1));
        assert_eq!(guidance_month(d(2026, 3, 1)), d(2026, 2, 1));
        assert_eq!(guidance_month(d(2026, 1, 1)), d(2025, 12, 1));
        assert_eq!(months_span(d(2026, 4, 1), 4, 2), (d(2026, 8, 1), d(2026, 9, 30)));
        assert_eq!(months_span(d(2025, 7, 1), 12, 1), (d(2026, 7, 1), d(2026, 7, 31)));
    }

    #[test]
    fn months_parse() {
        let today = d(2026, 3, 15);
        assert_eq!(parse_month(None, today).unwrap(), d(2026, 3, 1));
        assert_eq!(parse_month(Some("2025-07"), today).unwrap(), d(2025, 7, 1));
        assert!(parse_month(Some("2025-13"), today).is_err());
    }
}
