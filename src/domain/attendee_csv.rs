//! The attendee list an organizer uploads to register credits (単位の一括登録), as Excel in
//! Japan writes it. Every row gets an outcome: a parsed attendee (perhaps with warnings, such as
//! a Japanese-era date converted) or the errors that keep it out, each with its column and a
//! Japanese reason. The same parser serves the one-attendee form.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::category::{Category, Units};
use super::csv_text::{self, read_table, Column, RowError};
use super::era::parse_era_date;
use super::person::{
    parse_birth_date, parse_email, parse_furigana, parse_kanji_name, parse_phone, RegistryNumber,
    Sex,
};
use super::preview_notes::{impossible_date, normalised, Normalised};
use super::text::to_halfwidth_ascii;

/// A larger file is refused with a message to split it.
pub const MAX_ROWS: usize = 20_000;

pub const NAME: usize = 0;
pub const FURIGANA: usize = 1;
pub const BIRTH: usize = 2;
pub const SEX: usize = 3;
pub const REGISTRY: usize = 4;
pub const EMAIL: usize = 5;
pub const PHONE: usize = 6;
pub const FAX: usize = 7;
/// Column index of the first per-category unit column (then one per `Category::ALL`).
const FIRST_UNIT: usize = 8;

/// The attendee columns, in the template's order.
pub const PERSON_COLUMNS: [Column; 8] = [
    Column::required("漢字氏名", &["氏名", "氏名（漢字）", "漢字氏名（姓名）", "名前"]),
    Column::required("フリガナ", &["ふりがな", "氏名（フリガナ）", "カナ氏名", "フリガナ氏名"]),
    Column::required("生年月日（西暦）", &["生年月日", "生年月日（和暦可）"]),
    Column::required("性別", &["性別（男女）", "性別（男・女）"]),
    Column::required("医籍登録番号", &["医籍番号", "医籍登録番号（数字）"]),
    Column::required(
        "メールアドレス",
        &["メール", "Eメール", "E-mail", "e-mail", "email", "mail", "メールアドレス（PC）"],
    ),
    Column::optional("電話番号", &["電話", "TEL", "電話番号（日中連絡先）", "連絡先電話番号"]),
    Column::optional("FAX番号", &["FAX", "ファックス番号", "ファクス番号", "FAX番号（任意）"]),
];

/// Headings of the per-category unit columns: the template's 「単位_生涯研修 更新」 first, then
/// the forms people type by hand. Kept in statics because columns carry `&'static str`.
fn unit_headings() -> &'static [Vec<&'static str>] {
    static TEXT: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    static REFS: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    REFS.get_or_init(|| {
        TEXT.get_or_init(|| {
            Category::ALL
                .iter()
                .map(|c| {
                    vec![
                        c.csv_header(),
                        c.label().to_string(),
                        format!("単位_{}", c.short_label()),
                        c.short_label().to_string(),
                        format!("{}（単位）", c.label()),
                        format!("{}（単位数）", c.label()),
                    ]
                })
                .collect()
        })
        .iter()
        .map(|names| names.iter().map(String::as_str).collect())
        .collect()
    })
}

/// Every column a file may have: the attendee's, then one unit column per category.
pub fn columns() -> &'static [Column] {
    static COLUMNS: OnceLock<Vec<Column>> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let mut columns = PERSON_COLUMNS.to_vec();
        for names in unit_headings() {
            columns.push(Column::optional(names[0], &names[1..]));
        }
        columns
    })
}

/// The unit column heading of `category`, e.g. 「単位_生涯研修 更新」.
pub fn unit_column(category: Category) -> &'static str {
    let index = Category::ALL.iter().position(|c| *c == category).unwrap_or(0);
    unit_headings()[index][0]
}

/// What the seminar grants: each category with its units.
pub type Grants = [(Category, Units)];

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

pub const RESULT_COLUMN: &str = "結果";
pub const REASON_COLUMN: &str = "理由";

/// What a valid row will be stored as, for the preview: 漢字氏名, フリガナ, 生年月日, 性別,
/// 医籍登録番号, and the units per category (「生涯研修 更新 1単位、…」).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredCells(pub String, pub String, pub String, pub String, pub String, pub String);

impl StoredCells {
    pub fn of(row: &AttendeeRow) -> StoredCells {
        let units: Vec<String> = row.units.iter().map(|(c, u)| c.credit_text(u)).collect();
        StoredCells(
            row.kanji_name.clone(),
            row.furigana.clone(),
            row.birth_date.format("%Y-%m-%d").to_string(),
            row.sex.label().to_string(),
            row.registry_number.as_str().to_string(),
            units.join("、"),
        )
    }
}

/// One row of the preview as stored between upload and commit (as a JSON array: a 10,000-row
/// file repeats no key names).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "PreviewTuple", from = "PreviewStored")]
pub struct PreviewRow {
    pub line: u64,
    pub status: String,
    pub name: String,
    pub registry: String,
    pub reasons: Vec<String>,
    pub cells: Vec<String>,
    /// What will be stored (valid rows only).
    pub stored: Option<StoredCells>,
    /// (column, as typed, as stored) of every changed cell.
    pub notices: Vec<(String, String, String)>,
}

impl PreviewRow {
    /// The 医籍登録番号 this row will be stored under, or as typed for a row in error.
    pub fn registry_number(&self) -> &str {
        self.stored.as_ref().map(|s| s.4.as_str()).unwrap_or(&self.registry)
    }

    /// The notices as sentences.
    pub fn notice_messages(&self) -> Vec<String> {
        self.notices
            .iter()
            .map(|(column, original, stored)| {
                format!("{column}：「{original}」を「{stored}」に直して登録します。")
            })
            .collect()
    }
}

type PreviewTuple = (
    u64,
    String,
    String,
    String,
    Vec<String>,
    Vec<String>,
    Option<StoredCells>,
    Vec<(String, String, String)>,
);
type PreviewTupleV1 = (u64, String, String, String, Vec<String>, Vec<String>);

/// Uploads stored before the preview showed stored values read as they were.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum PreviewStored {
    Current(PreviewTuple),
    V1(PreviewTupleV1),
}

impl From<PreviewRow> for PreviewTuple {
    fn from(r: PreviewRow) -> Self {
        (r.line, r.status, r.name, r.registry, r.reasons, r.cells, r.stored, r.notices)
    }
}

impl From<PreviewStored> for PreviewRow {
    fn from(stored: PreviewStored) -> Self {
        match stored {
            PreviewStored::Current((line, status, name, registry, reasons, cells, s, notices)) => {
                PreviewRow { line, status, name, registry, reasons, cells, stored: s, notices }
            }
            PreviewStored::V1((line, status, name, registry, reasons, cells)) => PreviewRow {
                line,
                status,
                name,
                registry,
                reasons,
                cells,
                stored: None,
                notices: Vec::new(),
            },
        }
    }
}

fn notice_triples(notices: &[Normalised]) -> Vec<(String, String, String)> {
    notices.iter().map(|n| (n.column.to_string(), n.original.clone(), n.stored.clone())).collect()
}

impl From<RowOutcome> for PreviewRow {
    fn from(row: RowOutcome) -> Self {
        PreviewRow::from(&row)
    }
}

impl From<&RowOutcome> for PreviewRow {
    fn from(row: &RowOutcome) -> Self {
        PreviewRow {
            line: row.line,
            status: row.status().code().to_string(),
            name: row.name.clone(),
            registry: row.registry.clone(),
            reasons: row.reasons(),
            cells: row.cells.clone(),
            stored: row.result.as_ref().ok().map(StoredCells::of),
            notices: notice_triples(&row.notices),
        }
    }
}

/// The uploaded file again with 「結果」「理由」 at the end of every row, for fixing in Excel:
/// UTF-8 with BOM, CRLF, formula-like cells made inert.
pub fn preview_csv(header: &[String], rows: &[PreviewRow]) -> Vec<u8> {
    let width = rows.iter().map(|r| r.cells.len()).chain([header.len()]).max().unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len() + 1);
    let mut heading: Vec<String> = header.to_vec();
    heading.resize(width, String::new());
    heading.push(RESULT_COLUMN.to_string());
    heading.push(REASON_COLUMN.to_string());
    out.push(heading);
    for row in rows {
        let mut cells = row.cells.clone();
        cells.resize(width, String::new());
        let status = RowStatus::from_code(&row.status).unwrap_or(RowStatus::Error);
        cells.push(status.label().to_string());
        cells.push(row.reasons.join(" / "));
        out.push(cells);
    }
    csv_text::write_for_excel(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 4, 10).unwrap()
    }

    fn grants() -> Vec<(Category, Units)> {
        vec![
            (Category::LifelongRenewal, Units::parse("1").unwrap()),
            (Category::LifelongSpecialized, Units::parse("1.5").unwrap()),
        ]
    }

    const HEADER: &str =
        "漢字氏名,フリガナ,生年月日（西暦）,性別,医籍登録番号,メールアドレス,電話番号,FAX番号";

    fn parse(text: &str) -> ParsedFile {
        parse_attendees(text, &grants(), today()).unwrap()
    }

    fn errors_of(row: &RowOutcome) -> Vec<(Option<&'static str>, String)> {
        row.result.as_ref().err().unwrap().iter().map(|e| (e.column, e.message.clone())).collect()
    }

    #[test]
    fn a_course_is_completed_or_not_never_a_part() {
        let thirteen = Units::parse("13").unwrap();
        let cases = [
            ("修了", Some(true)),
            (" 修了済み ", Some(true)),
            ("〇", Some(true)),
            ("13", Some(true)),
            ("１３", Some(true)),
            ("未修了", Some(false)),
            ("欠席", Some(false)),
            ("6.5", None),
            ("14", None),
            ("出席", None),
        ];
        for (cell, want) in cases {
            assert_eq!(course_completion(cell, thirteen), want, "{cell:?}");
        }
    }

    #[test]
    fn a_course_seminars_file_marks_completion_per_attendee() {
        let grants = vec![(Category::SportsEarly, Units::parse("13").unwrap())];
        let heading = Category::SportsEarly.csv_header();
        let text = format!(
            "{HEADER},{heading}\n\
             山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,y@example.jp,03-1234-5678,,修了\n\
             佐藤 花子,サトウ ハナコ,1971-01-02,女,234567,s@example.jp,03-1234-5678,,未修了\n\
             鈴木 一郎,スズキ イチロウ,1972-03-04,男,345678,k@example.jp,03-1234-5678,,6.5\n"
        );
        let file = parse_attendees(&text, &grants, today()).unwrap();
        assert_eq!(file.rows[0].result.as_ref().unwrap().units, grants, "completed");
        assert!(
            errors_of(&file.rows[1])[0].1.contains("付与する単位がありません"),
            "not completed: no credit, the row is refused"
        );
        assert!(errors_of(&file.rows[2])[0].1.contains("修了したかどうかで登録します"));
    }

    #[test]
    fn a_good_row_gets_the_seminars_units() {
        let file = parse(&format!(
            "{HEADER}\r\n髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,1975/6/3,女,第２３４５６７号,taka@example.jp,,03-1234-5678\r\n"
        ));
        let row = file.rows[0].result.as_ref().unwrap();
        assert_eq!(row.line, 2);
        assert_eq!(row.kanji_name, "髙橋\u{3000}﨑子");
        assert_eq!(row.furigana, "タカハシ\u{3000}サキコ");
        assert_eq!(row.birth_date, NaiveDate::from_ymd_opt(1975, 6, 3).unwrap());
        assert_eq!(row.sex, Sex::Female);
        assert_eq!(row.registry_number.as_str(), "234567");
        assert_eq!(row.phone, None);
        assert_eq!(row.fax.as_deref(), Some("03-1234-5678"));
        assert_eq!(row.units, grants());
        assert_eq!(file.rows[0].status(), RowStatus::Ok);
    }

    #[test]
    fn header_variants_are_accepted() {
        let text = "氏名,ふりがな,生年月日,性別（男女）,医籍番号,E-mail,TEL,FAX\n\
                    山田 太郎,やまだ たろう,19700515,1,123456,yamada@example.jp,0312345678,\n";
        let file = parse(text);
        let row = file.rows[0].result.as_ref().unwrap();
        assert_eq!(row.registry_number.as_str(), "123456");
        assert_eq!(row.phone.as_deref(), Some("0312345678"));
        assert_eq!(row.sex, Sex::Male);
    }

    #[test]
    fn era_dates_are_converted_with_a_warning() {
        let file = parse(&format!(
            "{HEADER}\n山田 太郎,ヤマダ タロウ,昭和55年4月1日,男,123456,y@example.jp,03-1234-5678,\n"
        ));
        let row = &file.rows[0];
        assert_eq!(row.status(), RowStatus::Warning);
        assert_eq!(
            row.result.as_ref().unwrap().birth_date,
            NaiveDate::from_ymd_opt(1980, 4, 1).unwrap()
        );
        assert_eq!(row.warnings[0].column, Some("生年月日（西暦）"));
        assert_eq!(row.warnings[0].message, "昭和55年4月1日を1980-04-01に変換しました。");
    }

    /// Every row rule, as a table: cells that differ from a good row → (column, reason).
    #[test]
    fn every_row_rule() {
        let good = [
            "山田 太郎",
            "ヤマダ タロウ",
            "1970-05-15",
            "男",
            "123456",
            "y@example.jp",
            "03-1234-5678",
            "",
        ];
        let cases: Vec<(usize, &str, Option<&str>, &str)> = vec![
            (NAME, "", Some("漢字氏名"), "氏名を入力してください"),
            (FURIGANA, "Yamada", Some("フリガナ"), "カタカナ"),
            (FURIGANA, "", Some("フリガナ"), "フリガナを入力"),
            (BIRTH, "", Some("生年月日（西暦）"), "生年月日を入力"),
            (BIRTH, "80/4/1", Some("生年月日（西暦）"), "西暦"),
            (BIRTH, "2030-01-01", Some("生年月日（西暦）"), "未来"),
            (BIRTH, "昭和64年1月8日", Some("生年月日（西暦）"), "その元号にない日付"),
            (BIRTH, "令和9年1月1日", Some("生年月日（西暦）"), "未来"),
            (SEX, "その他", Some("性別"), "「男」または「女」"),
            (SEX, "", Some("性別"), "性別を"),
            (REGISTRY, "12a456", Some("医籍登録番号"), "数字"),
            (REGISTRY, "", Some("医籍登録番号"), "医籍登録番号を入力"),
            (EMAIL, "", Some("メールアドレス"), "メールアドレスを入力"),
            (EMAIL, "yamada@", Some("メールアドレス"), "形式"),
            (PHONE, "", Some("電話番号"), "どちらか"),
            (PHONE, "1234", Some("電話番号"), "桁数"),
        ];
        for (index, value, column, reason) in cases {
            let mut cells: Vec<&str> = good.to_vec();
            cells[index] = value;
            let file = parse(&format!("{HEADER}\n{}\n", cells.join(",")));
            let errors = errors_of(&file.rows[0]);
            assert!(
                errors.iter().any(|(c, m)| *c == column && m.contains(reason)),
                "{value:?} in column {index}: {errors:?}"
            );
        }
        // Fax alone is enough; a bad fax is named as a fax.
        let mut cells = good.to_vec();
        cells[PHONE] = "";
        cells[FAX] = "03-1234-5679";
        assert!(parse(&format!("{HEADER}\n{}\n", cells.join(","))).rows[0].result.is_ok());
        cells[FAX] = "12";
        let errors = errors_of(&parse(&format!("{HEADER}\n{}\n", cells.join(","))).rows[0]);
        assert!(errors.iter().any(|(c, m)| *c == Some("FAX番号") && m.contains("FAX番号")));
    }

    #[test]
    fn unit_columns_blank_zero_partial_too_many_or_not_granted() {
        let header = format!(
            "{HEADER},{},{},{}",
            Category::LifelongRenewal.csv_header(),
            Category::LifelongSpecialized.csv_header(),
            Category::LifelongPractical.csv_header()
        );
        let person = "山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,y@example.jp,03-1234-5678,";
        let units_of = |cells: &str| -> Result<Vec<(Category, String)>, Vec<String>> {
            let file = parse(&format!("{header}\n{person},{cells}\n"));
            match &file.rows[0].result {
                Ok(row) => Ok(row.units.iter().map(|(c, u)| (*c, u.to_string())).collect()),
                Err(errors) => Err(errors.iter().map(|e| e.message.clone()).collect()),
            }
        };
        assert_eq!(
            units_of(",,").unwrap(),
            vec![
                (Category::LifelongRenewal, "1".to_string()),
                (Category::LifelongSpecialized, "1.5".to_string())
            ]
        );
        assert_eq!(
            units_of("0,１,0").unwrap(),
            vec![(Category::LifelongSpecialized, "1".to_string())]
        );
        assert!(units_of("2,,").unwrap_err()[0].contains("1単位までです"));
        assert!(units_of(",,1").unwrap_err()[0].contains("付与されません"));
        assert!(units_of("abc,,").unwrap_err()[0].contains("数字"));
        assert!(units_of("0,0,").unwrap_err()[0].contains("付与する単位がありません"));
        // Hand-typed headings for the same columns.
        let file = parse(&format!("{HEADER},生涯更新,生涯研修 専門\n{person},0.5,\n"));
        let row = file.rows[0].result.as_ref().unwrap();
        assert_eq!(row.units[0].1.to_string(), "0.5");
        assert_eq!(row.units[1].1.to_string(), "1.5");
    }

    #[test]
    fn unknown_unit_headings_and_missing_columns_fail_the_file() {
        let errors =
            parse_attendees(&format!("{HEADER},単位_なにか\nx\n"), &grants(), today()).unwrap_err();
        assert!(errors[0].message.contains("単位_なにか"), "{errors:?}");
        let errors =
            parse_attendees("漢字氏名,フリガナ\n山田,ヤマダ\n", &grants(), today()).unwrap_err();
        let missing: Vec<_> = errors.iter().filter_map(|e| e.column).collect();
        assert_eq!(missing, ["生年月日（西暦）", "性別", "医籍登録番号", "メールアドレス"]);
    }

    #[test]
    fn duplicates_blank_rows_and_line_numbers() {
        let person = "ヤマダ タロウ,1970-05-15,男,123456,y@example.jp,03-1234-5678,";
        let text =
            format!("{HEADER}\r\n山田 太郎,{person}\r\n,,,,,,,\r\n\r\n山田 次郎,{person}\r\n");
        let file = parse(&text);
        assert_eq!(file.rows.len(), 2, "blank rows are skipped");
        assert!(file.rows[0].result.is_ok());
        assert_eq!(file.rows[1].line, 5);
        let errors = errors_of(&file.rows[1]);
        assert_eq!(errors[0].0, Some("医籍登録番号"));
        assert!(errors[0].1.contains("2行目と重複"), "{errors:?}");
    }

    #[test]
    fn template_has_the_seminars_unit_columns() {
        let bytes = template_csv(&[Category::LifelongRenewal]);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(text, format!("{HEADER},単位_生涯研修 更新\r\n"));
        // The template itself reads back as a file with only a heading row.
        let errors = parse_attendees(text, &grants(), today()).unwrap_err();
        assert!(errors[0].message.contains("データの行がありません"));
    }

    #[test]
    fn preview_adds_result_and_reason_and_defuses_formulas() {
        let text = format!(
            "{HEADER}\n=1+1,ヤマダ タロウ,1970-05-15,男,123456,y@example.jp,03-1234-5678,\n\
             山田 花子,ヤマダ ハナコ,S45.5.15,女,234567,h@example.jp,,03-1234-5679\n"
        );
        let file = parse(&text);
        let preview: Vec<PreviewRow> = file.rows.iter().map(PreviewRow::from).collect();
        let bytes = preview_csv(&file.header, &preview);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let out = std::str::from_utf8(&bytes[3..]).unwrap();
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0], format!("{HEADER},結果,理由"));
        assert!(lines[1].starts_with("'=1+1,"), "{}", lines[1]);
        // Not a name either (issue 12): the row is refused, and still written defused.
        assert!(
            lines[1].contains("氏名には漢字・ひらがな・カタカナ・英字を使ってください"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains(",OK（確認）,生年月日（西暦）：S45.5.15を1970-05-15に変換しました。")
        );
        assert_eq!(lines[3], "");
    }
}
