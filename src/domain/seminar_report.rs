//! The seminar report (開催報告) and the missing-credit report as the rules see them: amounts
//! in yen as people type them, head counts, income and expenditure lines, long texts, safe
//! upload names, and where a report stands on the staff's deadline watch.

use serde::{Deserialize, Serialize};

use super::record_status::ReportStatus;
use super::text::to_halfwidth_ascii;

/// One income or expenditure line (収支): what, and how many yen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyLine {
    pub item: String,
    pub amount: i64,
}

/// Largest attachment (10 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_FILES_PER_REPORT: usize = 10;
/// Income or expenditure lines a report may have.
pub const MAX_MONEY_LINES: usize = 50;
pub const MAX_LONG_TEXT: usize = 20_000;

/// An amount in yen as people type it: 「12,000」「１２，０００」「¥12000」「12000円」.
pub fn parse_yen(input: &str) -> Result<i64, &'static str> {
    let text: String = to_halfwidth_ascii(input)
        .chars()
        .filter(|c| !matches!(c, ',' | '、' | '¥' | '￥' | '\\' | '円' | ' '))
        .collect();
    if text.is_empty() {
        return Err("金額を入力してください。");
    }
    if text.starts_with('-') || text.starts_with('−') || text.starts_with('▲') {
        return Err("金額は0円以上で入力してください。");
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err("金額は数字で入力してください（例：12,000）。");
    }
    if text.len() > 11 {
        return Err("金額が大きすぎます。");
    }
    text.parse().map_err(|_| "金額は数字で入力してください（例：12,000）。")
}

/// A head count: 「120」「１２０人」「1,200」.
pub fn parse_count(input: &str) -> Result<i32, &'static str> {
    let text: String = to_halfwidth_ascii(input)
        .chars()
        .filter(|c| !matches!(c, ',' | '人' | '名' | ' '))
        .collect();
    if text.is_empty() {
        return Err("受講者数を入力してください。");
    }
    if !text.chars().all(|c| c.is_ascii_digit()) || text.len() > 6 {
        return Err("受講者数は0以上の数字で入力してください。");
    }
    text.parse().map_err(|_| "受講者数は0以上の数字で入力してください。")
}

/// Lines as typed (item, amount): blank lines dropped, each other line checked. Errors are
/// per kept line, in the same order as the returned inputs.
#[allow(clippy::type_complexity)]
pub fn money_lines(
    typed: &[(String, String)],
) -> (Vec<(String, String)>, Result<Vec<MoneyLine>, Vec<Option<&'static str>>>) {
    let kept: Vec<(String, String)> = typed
        .iter()
        .map(|(i, a)| (i.trim().to_string(), a.trim().to_string()))
        .filter(|(i, a)| !i.is_empty() || !a.is_empty())
        .collect();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (item, amount) in &kept {
        let error = if item.is_empty() {
            Some("項目を入力してください。")
        } else if item.chars().count() > 200 {
            Some("項目は200文字以内で入力してください。")
        } else {
            match parse_yen(amount) {
                Ok(amount) => {
                    lines.push(MoneyLine { item: item.clone(), amount });
                    None
                }
                Err(e) => Some(e),
            }
        };
        errors.push(error);
    }
    let result = if errors.iter().any(Option::is_some) { Err(errors) } else { Ok(lines) };
    (kept, result)
}

/// The last path component of an uploaded name, without control characters.
pub fn clean_file_name(name: Option<&str>, fallback: &str) -> String {
    let name = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let name = name.trim();
    if name.is_empty() {
        fallback.to_string()
    } else {
        name.to_string()
    }
}

/// A long text of a report (programme, abstracts, a missing-credit note): required, at most
/// 20,000 characters, line ends kept as `\n`.
pub fn long_text(input: &str, missing: &'static str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        Err(missing)
    } else if text.chars().count() > MAX_LONG_TEXT {
        Err("20,000文字以内で入力してください。")
    } else {
        Ok(text.replace("\r\n", "\n"))
    }
}

/// 「12,000円」.
pub fn yen(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 {
        format!("-{out}円")
    } else {
        format!("{out}円")
    }
}

/// Where a seminar's report stands on the staff deadline watch, and whether it waits for
/// someone (the organizer to submit or correct it, staff to confirm it). Only 産業医 seminars
/// report; `held`: the seminar's last day has passed.
pub fn watch_state(
    occupational: bool,
    held: bool,
    status: Option<ReportStatus>,
) -> (&'static str, bool) {
    if !occupational {
        return ("不要", false);
    }
    match status {
        None if held => ("未提出", true),
        None => ("開催後に提出", false),
        Some(ReportStatus::Submitted) => ("確認待ち", true),
        Some(ReportStatus::Returned) => ("差し戻し中", true),
        Some(ReportStatus::Confirmed) => ("確認済み", false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_amounts_as_typed_in_japan() {
        for (typed, yen) in [
            ("12000", 12000),
            ("12,000", 12000),
            ("１２，０００", 12000),
            ("¥12,000", 12000),
            ("￥１２０００円", 12000),
            (" 0 ", 0),
            ("1,234,567", 1_234_567),
        ] {
            assert_eq!(parse_yen(typed), Ok(yen), "{typed}");
        }
        for bad in ["", "-100", "▲100", "12.5", "abc", "１２万", "999999999999"] {
            assert!(parse_yen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn head_counts() {
        assert_eq!(parse_count("１２０人"), Ok(120));
        assert_eq!(parse_count("1,200"), Ok(1200));
        assert!(parse_count("").is_err());
        assert!(parse_count("-1").is_err());
    }

    #[test]
    fn money_lines_skip_blanks_and_point_at_the_bad_line() {
        let typed = vec![
            ("会場費".to_string(), "５０，０００".to_string()),
            (String::new(), String::new()),
            ("講師謝金".to_string(), "abc".to_string()),
            (String::new(), "100".to_string()),
        ];
        let (kept, result) = money_lines(&typed);
        assert_eq!(kept.len(), 3);
        let errors = result.unwrap_err();
        assert_eq!(errors[0], None);
        assert!(errors[1].is_some());
        assert_eq!(errors[2], Some("項目を入力してください。"));
        let (_, ok) = money_lines(&typed[..2]);
        assert_eq!(ok.unwrap(), vec![MoneyLine { item: "会場費".into(), amount: 50_000 }]);
    }

    #[test]
    fn uploaded_names_keep_their_last_component() {
        assert_eq!(clean_file_name(Some("C:\\tmp\\a.pdf"), "x"), "a.pdf");
        assert_eq!(clean_file_name(Some("  "), "x"), "x");
    }

    #[test]
    fn yen_is_written_with_thousands_separators() {
        assert_eq!(yen(0), "0円");
        assert_eq!(yen(1_234_567), "1,234,567円");
        assert_eq!(yen(-5000), "-5,000円");
    }

    #[test]
    fn long_texts_are_required_and_bounded() {
        assert_eq!(long_text(" ", "入力を"), Err("入力を"));
        assert_eq!(long_text("a\r\nb", "x"), Ok("a\nb".to_string()));
        assert!(long_text(&"あ".repeat(MAX_LONG_TEXT + 1), "x").is_err());
    }

    #[test]
    fn the_watch_says_who_a_report_waits_for() {
        use ReportStatus::*;
        let table = [
            (false, true, None, ("不要", false)),
            (true, false, None, ("開催後に提出", false)),
            (true, true, None, ("未提出", true)),
            (true, true, Some(Submitted), ("確認待ち", true)),
            (true, true, Some(Returned), ("差し戻し中", true)),
            (true, true, Some(Confirmed), ("確認済み", false)),
        ];
        for (occupational, held, status, expected) in table {
            assert_eq!(watch_state(occupational, held, status), expected, "{status:?}");
        }
    }
}
