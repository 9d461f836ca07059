//! The preview of an upload: what each row will be stored as, kept with the upload (JSON) and
//! offered back as the uploaded file with 「結果」「理由」 columns for fixing in Excel.

use super::csv_text;
use super::{AttendeeRow, RowOutcome, RowStatus};
use crate::domain::preview_notes::Normalised;

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
