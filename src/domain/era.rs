//! Japanese-era dates (和暦) → the Western calendar. Spreadsheets in Japan still hold birth
//! dates such as 「昭和55年4月1日」「S55.4.1」「H元/1/8」; the attendee CSV accepts them and says
//! what it converted them to.

use chrono::{Datelike, NaiveDate};

use super::text::to_halfwidth_ascii;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The initial used in abbreviations such as 「S55.4.1」.
    pub fn initial(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The one-character ligature (㍾㍽㍼㍻㋿) some fonts and old files use.
    fn ligature(self) -> char {
        match self {
            Era::Meiji => '㍾',
            Era::Taisho => '㍽',
            Era::Showa => '㍼',
            Era::Heisei => '㍻',
            Era::Reiwa => '㋿',
        }
    }

    /// The Western year of the era's first year (元年) is `offset() + 1`.
    fn offset(self) -> i32 {
        match self {
            Era::Meiji => 1867,
            Era::Taisho => 1911,
            Era::Showa => 1925,
            Era::Heisei => 1988,
            Era::Reiwa => 2018,
        }
    }

    /// First day of the era (Meiji: the Gregorian date of 慶応4年1月1日, from which it was
    /// counted retroactively).
    pub fn first_day(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    /// Last day of the era; None for the current one.
    pub fn last_day(self) -> Option<NaiveDate> {
        let next = match self {
            Era::Meiji => Era::Taisho,
            Era::Taisho => Era::Showa,
            Era::Showa => Era::Heisei,
            Era::Heisei => Era::Reiwa,
            Era::Reiwa => return None,
        };
        next.first_day().pred_opt()
    }

    /// 「昭和55年4月1日」 for a date of this era (元年 for the first year).
    pub fn format(self, date: NaiveDate) -> String {
        let year = date.year() - self.offset();
        let year = if year == 1 { "元".to_string() } else { year.to_string() };
        format!("{}{}年{}月{}日", self.name(), year, date.month(), date.day())
    }

    /// The era a date belongs to (None before Meiji).
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|e| date >= e.first_day())
    }
}

/// The era named at the start of `text`, and the rest of the text.
fn split_era(text: &str) -> Option<(Era, &str)> {
    for era in Era::ALL {
        if let Some(rest) = text.strip_prefix(era.name()) {
            return Some((era, rest));
        }
        if let Some(rest) = text.strip_prefix(era.ligature()) {
            return Some((era, rest));
        }
        let mut chars = text.chars();
        if chars.next().is_some_and(|c| c.to_ascii_uppercase() == era.initial()) {
            let rest = chars.as_str();
            // 「S55.4.1」, 「S.55.4.1」: the initial must be followed by a year, not a word.
            let rest = rest.strip_prefix('.').unwrap_or(rest);
            if rest.starts_with(|c: char| c.is_ascii_digit() || c == '元') {
                return Some((era, rest));
            }
        }
    }
    // The single-kanji abbreviations 「昭55.4.1」.
    for (abbreviation, era) in [('明', Era::Meiji), ('大', Era::Taisho), ('昭', Era::Showa)]
        .into_iter()
        .chain([('平', Era::Heisei), ('令', Era::Reiwa)])
    {
        if let Some(rest) = text.strip_prefix(abbreviation) {
            if rest.starts_with(|c: char| c.is_ascii_digit() || c == '元') {
                return Some((era, rest));
            }
        }
    }
    None
}

const INVALID: &str =
    "和暦の日付を読み取れませんでした。西暦で「1980-04-01」のように入力してください。";
const OUT_OF_ERA: &str =
    "その元号にない日付です（例：昭和64年は1月7日まで）。西暦で「1980-04-01」のように入力してください。";

/// A Japanese-era date. `Ok(None)`: the text does not start with an era (try the Western
/// calendar); `Err`: it names an era but is not a real date of it.
///
/// Accepts 「昭和55年4月1日」「S55.4.1」「S55/4/1」「s55-4-1」「昭55.4.1」「平成元年1月8日」「㍼55.4.1」,
/// with full-width digits and spaces.
pub fn parse_era_date(input: &str) -> Result<Option<NaiveDate>, &'static str> {
    let text: String = to_halfwidth_ascii(input).chars().filter(|c| !c.is_whitespace()).collect();
    let Some((era, rest)) = split_era(&text) else {
        return Ok(None);
    };
    let rest = rest.strip_suffix('日').unwrap_or(rest);
    let parts: Vec<&str> = rest.split(['年', '月', '.', '/', '-']).collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(INVALID);
    };
    let number = |part: &str| -> Option<u32> {
        if part.is_empty() || part.len() > 3 || !part.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = if *year == "元" { Some(1) } else { number(year) };
    let (Some(year), Some(month), Some(day)) = (year, number(month), number(day)) else {
        return Err(INVALID);
    };
    if year == 0 {
        return Err(INVALID);
    }
    let date = NaiveDate::from_ymd_opt(era.offset() + year as i32, month, day).ok_or(INVALID)?;
    if date < era.first_day() || era.last_day().is_some_and(|last| date > last) {
        return Err(OUT_OF_ERA);
    }
    Ok(Some(date))
}

/// A date as a person types it anywhere in the portal: 和暦 (「令和6年5月10日」「R6.5.10」) or
/// Western (「2024-05-10」「2024/5/10」「2024年5月10日」「20240510」), full-width digits allowed.
pub fn parse_typed_date(input: &str) -> Option<NaiveDate> {
    match parse_era_date(input) {
        Ok(Some(date)) => Some(date),
        Ok(None) => super::person::parse_western_date(&to_halfwidth_ascii(input.trim())),
        Err(_) => None,
    }
}

/// The Western date to echo under a field typed in 和暦 (「2024年5月10日」), so that the
/// physician sees how it was read; None for Western input or text that is not a date.
pub fn western_echo(input: &str) -> Option<String> {
    let date = parse_era_date(input).ok().flatten()?;
    Some(format!("{}年{}月{}日", date.year(), date.month(), date.day()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dates_in_either_calendar() {
        let cases: [(&str, Option<NaiveDate>); 9] = [
            ("2024-05-10", Some(d(2024, 5, 10))),
            ("2024/5/10", Some(d(2024, 5, 10))),
            ("２０２４年５月１０日", Some(d(2024, 5, 10))),
            ("令和6年5月10日", Some(d(2024, 5, 10))),
            ("R6.5.10", Some(d(2024, 5, 10))),
            ("昭和30年4月1日", Some(d(1955, 4, 1))),
            ("平成31年5月1日", None),
            ("令和6年2月30日", None),
            ("そのうち", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_typed_date(input), want, "{input}");
        }
    }

    #[test]
    fn echoes_the_western_date_only_for_era_input() {
        assert_eq!(western_echo("令和6年5月10日").as_deref(), Some("2024年5月10日"));
        assert_eq!(western_echo("S30.4.1").as_deref(), Some("1955年4月1日"));
        assert_eq!(western_echo("2024-05-10"), None);
        assert_eq!(western_echo("令和6年13月1日"), None);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn spellings_of_one_date() {
        for input in [
            "昭和55年4月1日",
            "昭和５５年４月１日",
            "昭和 55年 4月 1日",
            "S55.4.1",
            "S55/4/1",
            "s55-4-1",
            "Ｓ５５．４．１",
            "S.55.4.1",
            "昭55.4.1",
            "㍼55.4.1",
            "昭和55.04.01",
        ] {
            assert_eq!(parse_era_date(input), Ok(Some(d(1980, 4, 1))), "{input}");
        }
    }

    #[test]
    fn every_era_with_gannen() {
        let cases = [
            ("明治45年7月29日", d(1912, 7, 29)),
            ("大正元年7月30日", d(1912, 7, 30)),
            ("T15.12.24", d(1926, 12, 24)),
            ("昭和元年12月25日", d(1926, 12, 25)),
            ("昭和64年1月7日", d(1989, 1, 7)),
            ("平成元年1月8日", d(1989, 1, 8)),
            ("H元.1.8", d(1989, 1, 8)),
            ("H31.4.30", d(2019, 4, 30)),
            ("令和元年5月1日", d(2019, 5, 1)),
            ("R7.4.1", d(2025, 4, 1)),
            ("M1.10.23", d(1868, 10, 23)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_era_date(input), Ok(Some(want)), "{input}");
        }
    }

    #[test]
    fn boundaries_are_checked() {
        for bad in [
            "昭和64年1月8日",
            "平成元年1月7日",
            "H31.5.1",
            "令和元年4月30日",
            "大正15年12月25日",
            "昭和元年12月24日",
            "明治45年7月30日",
            "昭和0年1月1日",
            "昭和55年2月30日",
            "昭和55年13月1日",
            "昭和55年4月",
            "S55",
            "昭和五十五年四月一日",
        ] {
            assert!(parse_era_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn western_dates_and_words_are_not_era_dates() {
        for input in ["1980-04-01", "1980/4/1", "19800401", "", "Smith", "男", "大阪", "H"] {
            assert_eq!(parse_era_date(input), Ok(None), "{input}");
        }
    }

    #[test]
    fn formats_back() {
        assert_eq!(Era::Showa.format(d(1980, 4, 1)), "昭和55年4月1日");
        assert_eq!(Era::Heisei.format(d(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(Era::of(d(1989, 1, 7)), Some(Era::Showa));
        assert_eq!(Era::of(d(1989, 1, 8)), Some(Era::Heisei));
        assert_eq!(Era::of(d(1800, 1, 1)), None);
        assert_eq!(Era::Showa.last_day(), Some(d(1989, 1, 7)));
    }
}
