//! CSV files staff upload: decoding (Excel in Japan saves Shift_JIS/CP932, newer versions
//! UTF-8 with a BOM) and reading rows under a header of Japanese column names. Every problem
//! is reported with the file's line number so staff can find it in their spreadsheet.

use std::collections::HashMap;

use super::text::to_halfwidth_ascii;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub const NOT_CSV: &str =
    "CSVファイルとして読み取れませんでした。Excelの「名前を付けて保存」で「CSV（コンマ区切り）」または「CSV UTF-8（コンマ区切り）」を選んで保存したファイルをお使いください。";
pub const EMPTY: &str =
    "ファイルが空です。見出しの行とデータの行があるCSVファイルを選んでください。";
pub const UTF16: &str =
    "このファイルはUTF-16（Unicodeテキスト）で保存されています。「CSV UTF-8（コンマ区切り）」で保存し直してください。";

/// The text of an uploaded CSV file: UTF-8 (with or without BOM), else Shift_JIS as Windows
/// writes it (WHATWG Shift_JIS is CP932, with NEC/IBM extensions such as ① and 髙/﨑).
pub fn decode(bytes: &[u8]) -> Result<String, &'static str> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(UTF16);
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(EMPTY);
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(_) if body.len() < bytes.len() => return Err(NOT_CSV),
        Err(_) => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or(NOT_CSV)?
            .into_owned(),
    };
    // Text files have no NULs or other control characters besides tab and line breaks; a
    // spreadsheet (.xlsx), PDF or image that happens to decode is refused here.
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return Err(NOT_CSV);
    }
    Ok(text)
}

/// One data row: its line number in the file (1 = the header line) and its trimmed cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Line breaks in `bytes`: LF, CRLF, or a CR alone (「CSV (Macintosh)」 as older Excel for Mac
/// saves it, which the CSV reader also splits rows on).
pub fn line_breaks(bytes: &[u8]) -> u64 {
    let lone_cr = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    (0..bytes.len()).filter(|&i| bytes[i] == b'\n' || lone_cr(i)).count() as u64
}

/// Every non-blank row of `text`, header included. Quoted fields may hold commas, quotes and
/// line breaks; rows may have differing lengths (Excel drops trailing empty cells).
pub fn read_rows(text: &str) -> Result<Vec<Row>, String> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    // The reader's own line count goes astray on CRLF and blank lines, and a record's offset
    // points at the line breaks before it: skip those, then count the line breaks up to the
    // record's first byte (offsets only grow, so count incrementally).
    let bytes = text.as_bytes();
    let mut counted_to = 0usize;
    let mut line = 1u64;
    let mut line_at = |byte: usize| {
        let mut byte = byte.min(bytes.len());
        while byte < bytes.len() && matches!(bytes[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte > counted_to {
            line += line_breaks(&bytes[counted_to..byte]);
            counted_to = byte;
        }
        line
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| line_at(p.byte() as usize)).unwrap_or(0);
            format!("{line}行目をCSVとして読み取れませんでした（引用符「\"」の対応を確認してください）。")
        })?;
        let line = record.position().map(|p| line_at(p.byte() as usize)).unwrap_or(0);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        rows.push(Row { line, cells });
    }
    Ok(rows)
}

/// A column a file must (or may) have, by its Japanese heading.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    /// Other headings accepted for the same column.
    pub aliases: &'static [&'static str],
    pub required: bool,
}

impl Column {
    pub const fn required(name: &'static str, aliases: &'static [&'static str]) -> Column {
        Column { name, aliases, required: true }
    }

    pub const fn optional(name: &'static str, aliases: &'static [&'static str]) -> Column {
        Column { name, aliases, required: false }
    }
}

/// A problem in an uploaded file: the line, the column (if one cell is at fault) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: Option<&'static str>,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, column: Option<&'static str>, message: impl Into<String>) -> Self {
        RowError { line, column, message: message.into() }
    }
}

/// The data rows of a file with columns found by heading, in the order of `columns`.
#[derive(Clone, Debug)]
pub struct Table {
    positions: Vec<Option<usize>>,
    pub rows: Vec<Row>,
}

impl Table {
    /// The cell of `row` in column `index` of the spec (empty when the file lacks it).
    pub fn cell<'a>(&self, row: &'a Row, index: usize) -> &'a str {
        self.positions
            .get(index)
            .copied()
            .flatten()
            .and_then(|p| row.cells.get(p))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Headings compare without spaces, full-width ASCII or a stray BOM: 「 生年月日 」= 「生年月日」.
fn heading_key(text: &str) -> String {
    to_halfwidth_ascii(text).chars().filter(|c| !c.is_whitespace() && *c != '\u{FEFF}').collect()
}

/// Reads `text` whose first non-blank row is a header naming `columns`. Errors name the line.
pub fn read_table(text: &str, columns: &[Column]) -> Result<Table, Vec<RowError>> {
    let mut rows = read_rows(text).map_err(|m| vec![RowError::new(0, None, m)])?.into_iter();
    let Some(header) = rows.next() else {
        return Err(vec![RowError::new(0, None, EMPTY)]);
    };
    let mut by_heading: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (position, cell) in header.cells.iter().enumerate() {
        let key = heading_key(cell);
        if key.is_empty() {
            continue;
        }
        if by_heading.insert(key, position).is_some() {
            errors.push(RowError::new(
                header.line,
                None,
                format!("見出し「{cell}」の列が2つあります。1つにしてください。"),
            ));
        }
    }
    let mut positions = Vec::with_capacity(columns.len());
    for column in columns {
        let found = std::iter::once(column.name)
            .chain(column.aliases.iter().copied())
            .find_map(|name| by_heading.get(&heading_key(name)).copied());
        if found.is_none() && column.required {
            errors.push(RowError::new(
                header.line,
                Some(column.name),
                format!(
                    "見出しの行に「{}」の列がありません。1行目は見出し（列の名前）にしてください。",
                    column.name
                ),
            ));
        }
        positions.push(found);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rows: Vec<Row> = rows.collect();
    if rows.is_empty() {
        return Err(vec![RowError::new(
            header.line,
            None,
            "データの行がありません（見出しの行だけです）。",
        )]);
    }
    Ok(Table { positions, rows })
}

/// A CSV file for download: UTF-8 with a BOM (so Excel opens it as UTF-8), CRLF line ends,
/// and cells that a spreadsheet would run as a formula made inert with a leading '.
pub fn write_for_excel(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = UTF8_BOM.to_vec();
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in rows {
        // Writing into a Vec cannot fail.
        let _ = writer.write_record(row.iter().map(|c| spreadsheet_safe(c)));
    }
    out.extend(writer.into_inner().unwrap_or_default());
    out
}

/// 「=SUM(…)」「+81…」「-1」「@…」 and cells starting with a tab or CR get a leading '.
pub fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sjis(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!unmappable, "{text} is not representable in Shift_JIS");
        bytes.into_owned()
    }

    #[test]
    fn rows_of_a_file_with_cr_line_ends_have_their_own_line_numbers() {
        // The fuzz invariant "rows ≤ lines, in order" caught it: CR-only line ends gave every row
        // line 1.
        let rows = read_rows("a,b\r1,2\r\r3,4\r").unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 4]);
        let rows = read_rows("a,b\r\n1,2\n\r\n3,4").unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 4]);
    }

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        let text = "氏名,フリガナ\r\n髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ\r\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        let mut with_bom = UTF8_BOM.to_vec();
        with_bom.extend(text.as_bytes());
        assert_eq!(decode(&with_bom).unwrap(), text);
    }

    #[test]
    fn decodes_shift_jis_as_excel_writes_it() {
        // 髙 and 﨑 exist only in CP932's IBM extensions; ① in NEC's; ｶﾅ is half-width.
        let text = "氏名,フリガナ,医籍登録番号\r\n髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,第１２３号\r\n①,ｱ,1\r\n";
        let bytes = sjis(text);
        assert_ne!(bytes, text.as_bytes(), "the fixture really is Shift_JIS");
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(decode(&bytes).unwrap(), text);
    }

    #[test]
    fn refuses_binary_empty_and_utf16() {
        assert_eq!(decode(b""), Err(EMPTY));
        assert_eq!(decode(b" \r\n"), Err(EMPTY));
        assert_eq!(decode(b"\xEF\xBB\xBF"), Err(EMPTY));
        assert_eq!(decode(b"PK\x03\x04\x14\x00\x06\x00"), Err(NOT_CSV), "an .xlsx file");
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\x00\x00"), Err(NOT_CSV));
        assert_eq!(decode(b"\xFF\xFEa\x00"), Err(UTF16));
        // A BOM promises UTF-8: Shift_JIS after it is a broken file, not a guess.
        let mut broken = UTF8_BOM.to_vec();
        broken.extend(sjis("氏名"));
        assert_eq!(decode(&broken), Err(NOT_CSV));
        // Bytes that are neither UTF-8 nor Shift_JIS.
        assert_eq!(decode(b"a,b\r\n\x82\xFF,c"), Err(NOT_CSV));
    }

    #[test]
    fn reads_quotes_crlf_and_skips_blank_rows() {
        let text =
            "a,b,c\r\n\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n,,\r\n  p , q \r\nlast";
        let rows = read_rows(text).unwrap();
        assert_eq!(
            rows,
            vec![
                Row { line: 1, cells: vec!["a".into(), "b".into(), "c".into()] },
                Row {
                    line: 3,
                    cells: vec!["x, y".into(), "say \"hi\"".into(), "two\r\nlines".into()]
                },
                Row { line: 6, cells: vec!["p".into(), "q".into()] },
                Row { line: 7, cells: vec!["last".into()] },
            ]
        );
    }

    const COLUMNS: [Column; 3] = [
        Column::required("氏名", &[]),
        Column::required("生年月日", &["誕生日"]),
        Column::optional("FAX番号", &["FAX"]),
    ];

    #[test]
    fn maps_headers_by_name_in_any_order() {
        let text = "\u{FEFF} 誕生日 ,備考,氏名\n1980-04-01,メモ,山田 太郎\n1990-01-01\n";
        let table = read_table(text, &COLUMNS).unwrap();
        assert_eq!(table.rows.len(), 2);
        let first = &table.rows[0];
        assert_eq!(table.cell(first, 0), "山田 太郎");
        assert_eq!(table.cell(first, 1), "1980-04-01");
        assert_eq!(table.cell(first, 2), "", "an optional column the file lacks");
        // A short row (Excel drops trailing empty cells) reads as empty cells.
        assert_eq!(table.cell(&table.rows[1], 0), "");
        assert_eq!(table.rows[1].line, 3);
    }

    #[test]
    fn header_problems_are_named() {
        let errors = read_table("氏名,FAX\n山田,03\n", &COLUMNS).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert_eq!(errors[0].column, Some("生年月日"));
        assert!(errors[0].message.contains("「生年月日」の列がありません"));

        let errors = read_table("氏名,生年月日,氏名\n", &COLUMNS).unwrap_err();
        assert!(errors[0].message.contains("「氏名」の列が2つあります"));

        let errors = read_table("氏名,生年月日\r\n,\r\n", &COLUMNS).unwrap_err();
        assert!(errors[0].message.contains("データの行がありません"));
    }

    #[test]
    fn downloads_are_bom_utf8_and_formula_safe() {
        let rows = vec![
            vec!["氏名".to_string(), "メモ".to_string()],
            vec!["=HYPERLINK(\"x\")".to_string(), "+81 3".to_string()],
            vec!["-1".to_string(), "@SUM".to_string()],
            vec!["\tx".to_string(), "a,b".to_string()],
        ];
        let bytes = write_for_excel(&rows);
        assert!(bytes.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
            text,
            "氏名,メモ\r\n\"'=HYPERLINK(\"\"x\"\")\",'+81 3\r\n'-1,'@SUM\r\n'\tx,\"a,b\"\r\n"
        );
    }
}
