//! What the attendee preview tells the organizer beyond OK/エラー (issue 10, part 4): the value
//! each cell will be stored as, with a notice wherever the portal changed what was typed
//! (ﾔﾏｻﾞｷ → ヤマザキ, M → 男, 男性 → 男, ２３４５６７ → 234567), and the exact reason a date
//! that looks right is refused (「1969年2月30日は存在しない日付です」).

use super::text::to_halfwidth_ascii;

/// One cell the portal changed: its column, what was typed, what will be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalised {
    pub column: &'static str,
    pub original: String,
    pub stored: String,
}

impl Normalised {
    /// 「フリガナ：ﾔﾏｻﾞｷ → ヤマザキ に直して登録します。」
    pub fn message(&self) -> String {
        format!("{}：「{}」を「{}」に直して登録します。", self.column, self.original, self.stored)
    }
}

/// Spaces of any width and number count alike (「山田 太郎」 is stored as 「山田　太郎」: no
/// notice for that).
fn spacing_key(text: &str) -> String {
    text.split([' ', '\u{3000}', '\t']).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The notice for one cell, if the stored value differs from what was typed (beyond spacing).
pub fn normalised(column: &'static str, typed: &str, stored: &str) -> Option<Normalised> {
    let typed = typed.trim();
    if typed.is_empty() || spacing_key(typed) == spacing_key(stored) {
        return None;
    }
    Some(Normalised { column, original: typed.to_string(), stored: stored.to_string() })
}

/// A Western date whose year, month and day are numbers but name no day of the calendar
/// (1969/2/30, 2001-13-01): the exact reason, e.g. 「1969年2月30日は存在しない日付です。」.
pub fn impossible_date(input: &str) -> Option<String> {
    let text = to_halfwidth_ascii(input);
    let normalized: String = text
        .trim()
        .replace(['年', '月'], "-")
        .replace('日', "")
        .chars()
        .map(|c| if c == '/' || c == '.' { '-' } else { c })
        .collect();
    let parts: Vec<&str> = normalized.split('-').map(str::trim).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)
        }
        [compact] if compact.len() == 8 && compact.chars().all(|c| c.is_ascii_digit()) => {
            (compact[..4].parse().ok()?, compact[4..6].parse().ok()?, compact[6..].parse().ok()?)
        }
        _ => return None,
    };
    if chrono::NaiveDate::from_ymd_opt(y, m, d).is_some() {
        return None;
    }
    Some(format!("{y}年{m}月{d}日は存在しない日付です。"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_normalisation_gets_a_notice_and_spacing_does_not() {
        let cases = [
            ("フリガナ", "ﾔﾏｻﾞｷ ﾊﾅｺ", "ヤマザキ\u{3000}ハナコ", true),
            ("性別", "M", "男", true),
            ("性別", "男性", "男", true),
            ("性別", "男", "男", false),
            ("医籍登録番号", "２３４５６７", "234567", true),
            ("医籍登録番号", "第123456号", "123456", true),
            ("医籍登録番号", "123456", "123456", false),
            ("漢字氏名", "山田 太郎", "山田\u{3000}太郎", false),
            ("漢字氏名", "  山田　太郎 ", "山田\u{3000}太郎", false),
            ("生年月日（西暦）", "1970/5/15", "1970-05-15", true),
        ];
        for (column, typed, stored, expected) in cases {
            let n = normalised(column, typed, stored);
            assert_eq!(n.is_some(), expected, "{column} {typed} → {stored}");
        }
        let n = normalised("フリガナ", "ﾔﾏｻﾞｷ", "ヤマザキ").unwrap();
        assert_eq!(n.message(), "フリガナ：「ﾔﾏｻﾞｷ」を「ヤマザキ」に直して登録します。");
    }

    #[test]
    fn a_date_that_does_not_exist_is_named() {
        let cases = [
            ("1969/2/30", Some("1969年2月30日は存在しない日付です。")),
            ("1969-02-30", Some("1969年2月30日は存在しない日付です。")),
            ("１９６９年２月３０日", Some("1969年2月30日は存在しない日付です。")),
            ("19690230", Some("1969年2月30日は存在しない日付です。")),
            ("2001/13/1", Some("2001年13月1日は存在しない日付です。")),
            ("1968/2/29", None),
            ("1969/2/28", None),
            ("昭和45年5月15日", None),
            ("きのう", None),
        ];
        for (input, expected) in cases {
            assert_eq!(impossible_date(input).as_deref(), expected, "{input}");
        }
    }
}
