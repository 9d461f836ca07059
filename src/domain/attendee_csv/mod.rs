//! The attendee list an organizer uploads to register credits (単位の一括登録), as Excel in
//! Japan writes it. Every row gets an outcome: a parsed attendee (perhaps with warnings, such as
//! a Japanese-era date converted) or the errors that keep it out, each with its column and a
//! Japanese reason. The same parser serves the one-attendee form.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::category::{Category, Units};
use super::csv_text::{self, read_table, RowError};
use super::era::parse_era_date;
use super::person::{
    parse_birth_date, parse_email, parse_furigana, parse_kanji_name, parse_phone, RegistryNumber,
    Sex,
};
use super::preview_notes::{impossible_date, normalised, Normalised};
use super::text::to_halfwidth_ascii;

mod columns;
pub use columns::*;
use columns::{unit_headings, FIRST_UNIT};

/// One attendee with the credits to register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendeeRow {
    pub line: u64,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub registry_number: RegistryNumber,
    pub email: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    /// Only categories the seminar grants, never more than it grants, none zero.
    pub units: Vec<(Category, Units)>,
}

/// The cells of one attendee, as typed (a CSV row or the form).
#[derive(Clone, Debug, Default)]
pub struct RawAttendee<'a> {
    pub kanji_name: &'a str,
    pub furigana: &'a str,
    pub birth_date: &'a str,
    pub sex: &'a str,
    pub registry_number: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub fax: &'a str,
    /// Unit cells present (a category without a cell gets the seminar's units).
    pub units: Vec<(Category, &'a str)>,
}

/// A row's outcome: the attendee, or why not; warnings in either case.
#[derive(Clone, Debug)]
pub struct RowOutcome {
    pub line: u64,
    /// The row's cells as read (for the preview CSV).
    pub cells: Vec<String>,
    /// 漢字氏名 and 医籍登録番号 as typed, to show which row is which.
    pub name: String,
    pub registry: String,
    pub result: Result<AttendeeRow, Vec<RowError>>,
    pub warnings: Vec<RowError>,
    /// Cells the portal changed (full-width digits, half-width kana, M → 男 …).
    pub notices: Vec<Normalised>,
}

impl RowOutcome {
    pub fn status(&self) -> RowStatus {
        match (&self.result, self.warnings.is_empty()) {
            (Err(_), _) => RowStatus::Error,
            (Ok(_), false) => RowStatus::Warning,
            (Ok(_), true) => RowStatus::Ok,
        }
    }

    /// Errors then warnings, each as 「列：理由」.
    pub fn reasons(&self) -> Vec<String> {
        let errors = self.result.as_ref().err().into_iter().flatten();
        errors
            .chain(&self.warnings)
            .map(|e| match e.column {
                Some(column) => format!("{column}：{}", e.message),
                None => e.message.clone(),
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Ok,
    Warning,
    Error,
}

impl RowStatus {
    pub fn code(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Warning => "warning",
            RowStatus::Error => "error",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "ok" => Some(RowStatus::Ok),
            "warning" => Some(RowStatus::Warning),
            "error" => Some(RowStatus::Error),
            _ => None,
        }
    }

    /// What the preview's 「結果」 column says.
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Ok => "OK",
            RowStatus::Warning => "OK（確認）",
            RowStatus::Error => "エラー",
        }
    }
}

/// A whole file: its heading row and every non-blank data row's outcome.
#[derive(Clone, Debug)]
pub struct ParsedFile {
    pub header: Vec<String>,
    pub rows: Vec<RowOutcome>,
}

impl ParsedFile {
    pub fn count(&self, status: RowStatus) -> usize {
        self.rows.iter().filter(|r| r.status() == status).count()
    }

    pub fn attendees(&self) -> impl Iterator<Item = &AttendeeRow> {
        self.rows.iter().filter_map(|r| r.result.as_ref().ok())
    }
}

/// Headings compare as csv_text compares them: without spaces, full-width ASCII or a BOM.
fn heading_key(text: &str) -> String {
    to_halfwidth_ascii(text).chars().filter(|c| !c.is_whitespace() && *c != '\u{FEFF}').collect()
}

/// The first non-blank row of the file (its headings), trimmed.
fn header_cells(text: &str) -> Vec<String> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    for record in reader.records() {
        let Ok(record) = record else { return Vec::new() };
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            return cells;
        }
    }
    Vec::new()
}

/// A 単位 heading that names no category would silently grant the full units: refuse it.
fn unknown_unit_headings(header: &[String]) -> Vec<RowError> {
    let known: Vec<String> = unit_headings().iter().flatten().map(|h| heading_key(h)).collect();
    header
        .iter()
        .filter(|cell| {
            let key = heading_key(cell);
            key.starts_with("単位") && !known.contains(&key)
        })
        .map(|cell| {
            RowError::new(
                1,
                None,
                format!(
                    "見出し「{cell}」の研修区分が分かりません。ひな形の見出し（例：「{}」）を使ってください。",
                    Category::LifelongRenewal.csv_header()
                ),
            )
        })
        .collect()
}

/// The refusal of a list longer than `MAX_ROWS` (a file or an API batch).
pub fn too_many_rows() -> String {
    format!("一度に登録できるのは{MAX_ROWS}行までです。ファイルを分けてください。")
}

/// Parses an attendee file. `Err`: the file as a whole cannot be read (not a CSV, a required
/// column missing, too many rows); otherwise every row has its outcome.
pub fn parse_attendees(
    text: &str,
    grants: &Grants,
    today: NaiveDate,
) -> Result<ParsedFile, Vec<RowError>> {
    let header = header_cells(text);
    let unknown = unknown_unit_headings(&header);
    let table = match read_table(text, columns()) {
        Ok(table) if unknown.is_empty() => table,
        Ok(_) => return Err(unknown),
        Err(mut errors) => {
            errors.extend(unknown);
            return Err(errors);
        }
    };
    if table.rows.len() > MAX_ROWS {
        return Err(vec![RowError::new(table.rows[0].line, None, too_many_rows())]);
    }
    let rows = table.rows.iter().map(|row| CheckedRow {
        line: row.line,
        cells: row.cells.clone(),
        raw: RawAttendee {
            kanji_name: table.cell(row, NAME),
            furigana: table.cell(row, FURIGANA),
            birth_date: table.cell(row, BIRTH),
            sex: table.cell(row, SEX),
            registry_number: table.cell(row, REGISTRY),
            email: table.cell(row, EMAIL),
            phone: table.cell(row, PHONE),
            fax: table.cell(row, FAX),
            units: Category::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| (*c, table.cell(row, FIRST_UNIT + i)))
                .filter(|(_, cell)| !cell.is_empty())
                .collect(),
        },
    });
    Ok(ParsedFile { header, rows: check_rows(rows, grants, today) })
}

/// One row to check: its line (or position), its cells as read, and the attendee's cells.
pub struct CheckedRow<'a> {
    pub line: u64,
    pub cells: Vec<String>,
    pub raw: RawAttendee<'a>,
}

/// Every row's outcome, as the preview shows it: each row checked by `parse_attendee`, a
/// 医籍登録番号 already on an earlier row refused, every cell stored otherwise than typed noted.
/// The CSV upload and the organizer API's batches (`web::api`) both come here.
pub fn check_rows<'a>(
    rows: impl IntoIterator<Item = CheckedRow<'a>>,
    grants: &Grants,
    today: NaiveDate,
) -> Vec<RowOutcome> {
    let rows = rows.into_iter();
    let mut first_line_of: HashMap<RegistryNumber, u64> = HashMap::new();
    let mut out = Vec::with_capacity(rows.size_hint().0);
    for CheckedRow { line, cells, raw } in rows {
        let (mut result, warnings) = parse_attendee(line, &raw, grants, today);
        if let Ok(attendee) = &result {
            match first_line_of.get(&attendee.registry_number) {
                Some(first) => {
                    result = Err(vec![RowError::new(
                        line,
                        Some(PERSON_COLUMNS[REGISTRY].name),
                        format!(
                            "医籍登録番号 {} は{}行目と重複しています（1人1行にしてください）。",
                            attendee.registry_number.as_str(),
                            first
                        ),
                    )]);
                }
                None => {
                    first_line_of.insert(attendee.registry_number.clone(), line);
                }
            }
        }
        let notices = match &result {
            Ok(attendee) => notices(&raw, attendee, &warnings),
            Err(_) => Vec::new(),
        };
        out.push(RowOutcome {
            line,
            cells,
            name: raw.kanji_name.to_string(),
            registry: raw.registry_number.to_string(),
            result,
            warnings,
            notices,
        });
    }
    out
}

/// A course's cell (健康スポーツ医学講習会 前期・後期, DOMAIN §2): a course is completed or not,
/// never part of it. Some(true): completed (「修了」, a mark, or the course's own units as the
/// template fills them in); Some(false): not completed; None: anything else, a part of the
/// course's units included.
pub fn course_completion(cell: &str, granted: Units) -> Option<bool> {
    let text = to_halfwidth_ascii(cell).replace(['　', ' '], "");
    match text.as_str() {
        "修了" | "修了済" | "修了済み" | "済" | "○" | "〇" | "◯" => Some(true),
        "未修了" | "未了" | "×" | "✕" | "欠席" => Some(false),
        _ => Units::parse(&text).ok().filter(|u| *u == granted).map(|_| true),
    }
}

fn is_zero(cell: &str) -> bool {
    let text = to_halfwidth_ascii(cell).replace('．', ".");
    text.trim().parse::<Decimal>().is_ok_and(|v| v.is_zero())
}

/// One attendee's cells → the attendee with the credits to register, and warnings.
pub fn parse_attendee(
    line: u64,
    raw: &RawAttendee<'_>,
    grants: &Grants,
    today: NaiveDate,
) -> (Result<AttendeeRow, Vec<RowError>>, Vec<RowError>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let column = |i: usize| Some(PERSON_COLUMNS[i].name);
    let mut err = |i: usize, message: &str| errors.push(RowError::new(line, column(i), message));

    let kanji_name = parse_kanji_name(raw.kanji_name).map_err(|e| err(NAME, e)).ok();
    let furigana = parse_furigana(raw.furigana).map_err(|e| err(FURIGANA, e)).ok();
    let birth_date = match parse_era_date(raw.birth_date) {
        Ok(Some(date)) if date > today => {
            err(BIRTH, "生年月日が未来の日付になっています。");
            None
        }
        Ok(Some(date)) => {
            warnings.push(RowError::new(
                line,
                column(BIRTH),
                format!("{}を{}に変換しました。", raw.birth_date.trim(), date.format("%Y-%m-%d")),
            ));
            Some(date)
        }
        Ok(None) => parse_birth_date(raw.birth_date, today)
            .map_err(|e| match impossible_date(raw.birth_date) {
                Some(exact) => err(BIRTH, &exact),
                None => err(BIRTH, e),
            })
            .ok(),
        Err(e) => {
            err(BIRTH, e);
            None
        }
    };
    let sex = Sex::parse(raw.sex).map_err(|e| err(SEX, e)).ok();
    let registry_number =
        RegistryNumber::parse(raw.registry_number).map_err(|e| err(REGISTRY, e)).ok();
    let email = parse_email(raw.email).map_err(|e| err(EMAIL, e)).ok();
    let phone = parse_phone(raw.phone).map_err(|e| err(PHONE, e)).ok();
    let fax = parse_phone(raw.fax).map_err(|e| err(FAX, &e.replace("電話番号", "FAX番号"))).ok();
    if matches!((&phone, &fax), (Some(None), Some(None))) {
        err(
            PHONE,
            "電話番号かFAX番号のどちらかを入力してください（受講者に連絡するために使います）。",
        );
    }

    let mut units = Vec::with_capacity(grants.len());
    for (category, cell) in &raw.units {
        if !grants.iter().any(|(c, _)| c == category) && !is_zero(cell) {
            errors.push(RowError::new(
                line,
                Some(unit_column(*category)),
                format!("この研修会では「{}」の単位は付与されません。", category.label()),
            ));
        }
    }
    for (category, granted) in grants {
        let cell = raw.units.iter().find(|(c, _)| c == category).map(|(_, cell)| *cell);
        match cell {
            None => units.push((*category, *granted)),
            Some(cell) if cell.trim().is_empty() => units.push((*category, *granted)),
            Some(cell) if is_zero(cell) => {}
            Some(cell) if category.is_course() => match course_completion(cell, *granted) {
                Some(true) => units.push((*category, *granted)),
                Some(false) => {}
                None => errors.push(RowError::new(
                    line,
                    Some(unit_column(*category)),
                    format!(
                        "「{}」は講習会のため、修了したかどうかで登録します。修了した方は「修了」、修了していない方は「未修了」と入力してください（「{}」になっています）。",
                        category.label(),
                        cell.trim()
                    ),
                )),
            },
            Some(cell) => match Units::parse(cell) {
                Ok(value) if value > *granted => errors.push(RowError::new(
                    line,
                    Some(unit_column(*category)),
                    format!(
                        "この研修会の「{}」は{}単位までです（{}単位になっています）。",
                        category.label(),
                        granted,
                        value
                    ),
                )),
                Ok(value) => units.push((*category, value)),
                Err(e) => errors.push(RowError::new(line, Some(unit_column(*category)), e)),
            },
        }
    }
    if units.is_empty() && errors.is_empty() {
        errors.push(RowError::new(
            line,
            None,
            "付与する単位がありません（単位の列がすべて0です）。欠席の方は行を削除してください。",
        ));
    }

    match (kanji_name, furigana, birth_date, sex, registry_number, email, phone, fax) {
        (
            Some(kanji_name),
            Some(furigana),
            Some(birth_date),
            Some(sex),
            Some(registry_number),
            Some(email),
            Some(phone),
            Some(fax),
        ) if errors.is_empty() => (
            Ok(AttendeeRow {
                line,
                kanji_name,
                furigana,
                birth_date,
                sex,
                registry_number,
                email,
                phone,
                fax,
                units,
            }),
            warnings,
        ),
        _ => (Err(errors), warnings),
    }
}

/// Every cell the portal will store otherwise than it was typed (a converted era date has its
/// own warning already).
pub fn notices(raw: &RawAttendee<'_>, row: &AttendeeRow, warnings: &[RowError]) -> Vec<Normalised> {
    let birth_warned = warnings.iter().any(|w| w.column == Some(PERSON_COLUMNS[BIRTH].name));
    let birth = row.birth_date.format("%Y-%m-%d").to_string();
    let cells = [
        (NAME, raw.kanji_name, row.kanji_name.as_str()),
        (FURIGANA, raw.furigana, row.furigana.as_str()),
        (BIRTH, if birth_warned { "" } else { raw.birth_date }, birth.as_str()),
        (SEX, raw.sex, row.sex.label()),
        (REGISTRY, raw.registry_number, row.registry_number.as_str()),
        (EMAIL, raw.email, row.email.as_str()),
        (PHONE, raw.phone, row.phone.as_deref().unwrap_or("")),
        (FAX, raw.fax, row.fax.as_deref().unwrap_or("")),
    ];
    cells
        .into_iter()
        .filter_map(|(i, typed, stored)| normalised(PERSON_COLUMNS[i].name, typed, stored))
        .collect()
}

/// The template for download: the heading row with a unit column per category the seminar
/// grants (UTF-8 with BOM, CRLF, so that Excel opens it as it is).
pub fn template_csv(categories: &[Category]) -> Vec<u8> {
    let mut header: Vec<String> = PERSON_COLUMNS.iter().map(|c| c.name.to_string()).collect();
    header.extend(categories.iter().map(|c| c.csv_header()));
    csv_text::write_for_excel(&[header])
}

mod preview;
pub use preview::*;

#[cfg(test)]
mod tests;
