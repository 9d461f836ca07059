//! Parsing what physicians (and staff importing for them) type about a person: 医籍登録番号,
//! フリガナ, names, birth dates, sex, phone/fax, postal codes, e-mail. Parse, don't validate:
//! each function turns text into a value the rest of the code can trust, or a Japanese reason.

use chrono::NaiveDate;

use super::text::to_halfwidth_ascii;

/// 医籍登録番号: ASCII digits only, no leading 第 or trailing 号.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegistryNumber(String);

impl RegistryNumber {
    pub const MAX_DIGITS: usize = 10;

    /// Accepts 「123456」「１２３４５６」「第123456号」「第 １２３４５６ 号」, and commas.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let text = to_halfwidth_ascii(input);
        let text = text.trim();
        if text.is_empty() {
            return Err("医籍登録番号を入力してください。");
        }
        let text = text.strip_prefix('第').unwrap_or(text);
        let text = text.strip_suffix('号').unwrap_or(text);
        let digits: String =
            text.chars().filter(|c| !matches!(c, ' ' | ',' | '，' | '、')).collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("医籍登録番号は数字で入力してください（例：123456）。");
        }
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Err("医籍登録番号は数字で入力してください（例：123456）。");
        }
        if digits.len() > Self::MAX_DIGITS {
            return Err("医籍登録番号の桁数が多すぎます。");
        }
        Ok(RegistryNumber(digits.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name in kanji exactly as typed (髙, 﨑 and other variants kept): only surrounding spaces
/// are trimmed and runs of spaces inside become one full-width space.
pub fn parse_kanji_name(input: &str) -> Result<String, &'static str> {
    let parts: Vec<&str> = input.split([' ', '\u{3000}', '\t']).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err("氏名を入力してください。");
    }
    let name = parts.join("\u{3000}");
    if name.chars().count() > 60 {
        return Err("氏名は60文字以内で入力してください。");
    }
    if !name.chars().all(is_name_char) {
        return Err("氏名には漢字・ひらがな・カタカナ・英字を使ってください（記号や制御文字は使えません）。");
    }
    Ok(name)
}

/// A character of a person's name: kanji (the unified blocks, the compatibility ideographs
/// such as 﨑, the supplementary planes such as 𠮷, and the selectors that pick a variant), kana,
/// Latin letters, 々 〆 ・ ー, and the space and punctuation of a Latin name (. - ' and the
/// comma of "family, given" as old rosters write it). No markup (< > & " = …), digits or controls.
pub fn is_name_char(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
        | '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}'
        | '々' | '〆' | '\u{3000}' | ' ' | '.' | '-' | '\'' | ','
        | 'A'..='Z' | 'a'..='z' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '\u{00C0}'..='\u{024F}')
        && c != '\u{00D7}'
        && c != '\u{00F7}'
}

const HALF_KANA: [(char, char); 63] = [
    ('｡', '。'),
    ('｢', '「'),
    ('｣', '」'),
    ('､', '、'),
    ('･', '・'),
    ('ｦ', 'ヲ'),
    ('ｧ', 'ァ'),
    ('ｨ', 'ィ'),
    ('ｩ', 'ゥ'),
    ('ｪ', 'ェ'),
    ('ｫ', 'ォ'),
    ('ｬ', 'ャ'),
    ('ｭ', 'ュ'),
    ('ｮ', 'ョ'),
    ('ｯ', 'ッ'),
    ('ｰ', 'ー'),
    ('ｱ', 'ア'),
    ('ｲ', 'イ'),
    ('ｳ', 'ウ'),
    ('ｴ', 'エ'),
    ('ｵ', 'オ'),
    ('ｶ', 'カ'),
    ('ｷ', 'キ'),
    ('ｸ', 'ク'),
    ('ｹ', 'ケ'),
    ('ｺ', 'コ'),
    ('ｻ', 'サ'),
    ('ｼ', 'シ'),
    ('ｽ', 'ス'),
    ('ｾ', 'セ'),
    ('ｿ', 'ソ'),
    ('ﾀ', 'タ'),
    ('ﾁ', 'チ'),
    ('ﾂ', 'ツ'),
    ('ﾃ', 'テ'),
    ('ﾄ', 'ト'),
    ('ﾅ', 'ナ'),
    ('ﾆ', 'ニ'),
    ('ﾇ', 'ヌ'),
    ('ﾈ', 'ネ'),
    ('ﾉ', 'ノ'),
    ('ﾊ', 'ハ'),
    ('ﾋ', 'ヒ'),
    ('ﾌ', 'フ'),
    ('ﾍ', 'ヘ'),
    ('ﾎ', 'ホ'),
    ('ﾏ', 'マ'),
    ('ﾐ', 'ミ'),
    ('ﾑ', 'ム'),
    ('ﾒ', 'メ'),
    ('ﾓ', 'モ'),
    ('ﾔ', 'ヤ'),
    ('ﾕ', 'ユ'),
    ('ﾖ', 'ヨ'),
    ('ﾗ', 'ラ'),
    ('ﾘ', 'リ'),
    ('ﾙ', 'ル'),
    ('ﾚ', 'レ'),
    ('ﾛ', 'ロ'),
    ('ﾜ', 'ワ'),
    ('ﾝ', 'ン'),
    ('ﾞ', '゛'),
    ('ﾟ', '゜'),
];

fn voiced(c: char) -> Option<char> {
    // Katakana that take a dakuten are followed in Unicode by their voiced form.
    match c {
        'カ'..='ト' | 'ハ'..='ホ' | 'ウ' => {
            let next = char::from_u32(c as u32 + 1)?;
            if c == 'ウ' {
                return Some('ヴ');
            }
            // カ→ガ … ト→ド are at +1 for those in the voiceable set.
            let voiceable = "カキクケコサシスセソタチツテトハヒフヘホ";
            voiceable.contains(c).then_some(next)
        }
        _ => None,
    }
}

fn semi_voiced(c: char) -> Option<char> {
    let base = "ハヒフヘホ";
    base.contains(c).then(|| char::from_u32(c as u32 + 2)).flatten()
}

/// Half-width katakana (with separate ﾞ/ﾟ marks) to full-width katakana; hiragana to katakana.
pub fn to_full_katakana(input: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(input.len());
    for c in input.chars() {
        let c = HALF_KANA.iter().find(|(h, _)| *h == c).map(|(_, f)| *f).unwrap_or(c);
        match c {
            '゛' | '\u{3099}' => {
                if let Some(v) = out.last().copied().and_then(voiced) {
                    out.pop();
                    out.push(v);
                    continue;
                }
                out.push(c)
            }
            '゜' | '\u{309A}' => {
                if let Some(v) = out.last().copied().and_then(semi_voiced) {
                    out.pop();
                    out.push(v);
                    continue;
                }
                out.push(c)
            }
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => out.push(char::from_u32(c as u32 + 0x60).unwrap_or(c)),
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// フリガナ in full-width katakana; hiragana and half-width katakana are converted; spaces
/// between family and given names become one full-width space.
pub fn parse_furigana(input: &str) -> Result<String, &'static str> {
    let converted = to_full_katakana(input);
    let parts: Vec<&str> =
        converted.split([' ', '\u{3000}', '\t']).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err("フリガナを入力してください。");
    }
    let furigana = parts.join("\u{3000}");
    let ok =
        furigana.chars().all(|c| matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | 'ヽ' | 'ヾ' | '\u{3000}'));
    if !ok {
        return Err("フリガナはカタカナで入力してください。");
    }
    if furigana.chars().count() > 60 {
        return Err("フリガナは60文字以内で入力してください。");
    }
    Ok(furigana)
}

/// 生年月日 in the Western calendar: 1980-04-01, 1980/4/1, 19800401, 1980年4月1日, full-width too.
pub fn parse_birth_date(input: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let text = to_halfwidth_ascii(input);
    let text = text.trim();
    if text.is_empty() {
        return Err("生年月日を入力してください。");
    }
    let date = match super::era::parse_era_date(text)? {
        Some(date) => date,
        None => parse_western_date(text)
            .ok_or("生年月日は西暦で「1980-04-01」、または和暦で「昭和55年4月1日」のように入力してください。")?,
    };
    if date > today {
        return Err("生年月日が未来の日付になっています。");
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date) {
        return Err("生年月日を確認してください。");
    }
    Ok(date)
}

/// A Western-calendar date in the usual Japanese spellings; None if it is not one.
pub fn parse_western_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() == 8 && text.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d").ok();
    }
    let normalized: String = text
        .replace(['年', '月'], "-")
        .replace('日', "")
        .chars()
        .map(|c| if c == '/' || c == '.' { '-' } else { c })
        .collect();
    let parts: Vec<&str> = normalized.split('-').map(str::trim).collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }

    /// 男/女 (and the forms spreadsheets use: 男性/女性, M/F, 1/2, male/female).
    pub fn parse(input: &str) -> Result<Sex, &'static str> {
        let text = to_halfwidth_ascii(input);
        match text.trim().to_ascii_lowercase().as_str() {
            "男" | "男性" | "m" | "1" | "male" => Ok(Sex::Male),
            "女" | "女性" | "f" | "2" | "female" => Ok(Sex::Female),
            "" => Err("性別を選んでください。"),
            _ => Err("性別は「男」または「女」で入力してください。"),
        }
    }
}

/// Phone or fax: digits with optional hyphens or parentheses, 10–11 digits, stored with the
/// hyphens as typed (half-width).
pub fn parse_phone(input: &str) -> Result<Option<String>, &'static str> {
    let text = to_halfwidth_ascii(input).replace(['ー', '－', '―', '‐'], "-");
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if !text.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | ' ')) {
        return Err("電話番号は数字とハイフンで入力してください（例：03-1234-5678）。");
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    // The area code starts with 0, in parentheses or not: 「03-…」「(03)…」, never 「(8)…」.
    let first_digit = text.chars().find(char::is_ascii_digit);
    if !(10..=11).contains(&digits) || !text.starts_with(['0', '(']) || first_digit != Some('0') {
        return Err("電話番号の桁数を確認してください（市外局番から10～11桁）。");
    }
    // Any run of separators becomes one hyphen: 「03 - 1234 - 5678」, 「(03) 1234-5678」.
    let mut stored = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            stored.push(c);
        } else if !stored.is_empty() && !stored.ends_with('-') {
            stored.push('-');
        }
    }
    Ok(Some(stored.trim_end_matches('-').to_string()))
}

/// 郵便番号: seven digits, stored as 123-4567.
pub fn parse_postal_code(input: &str) -> Result<Option<String>, &'static str> {
    let text = to_halfwidth_ascii(input);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let rest_ok = text.trim().chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '〒' | ' '));
    if text.trim().is_empty() {
        return Ok(None);
    }
    if digits.len() != 7 || !rest_ok {
        return Err("郵便番号は7桁の数字で入力してください（例：113-8621）。");
    }
    Ok(Some(format!("{}-{}", &digits[..3], &digits[3..])))
}

/// An e-mail address: one @, a dot in the domain, no spaces; half-width.
pub fn parse_email(input: &str) -> Result<String, &'static str> {
    let text = to_halfwidth_ascii(input);
    let text = text.trim();
    if text.is_empty() {
        return Err("メールアドレスを入力してください。");
    }
    let valid = text.len() <= 254
        && text.is_ascii()
        && !text.contains(char::is_whitespace)
        && text.matches('@').count() == 1
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    if !valid {
        return Err("メールアドレスの形式が正しくありません（例：taro@example.jp）。");
    }
    Ok(text.to_string())
}

/// Free text fields (address, workplace): trimmed, at most `max` characters, kept as typed.
pub fn parse_free_text(
    input: &str,
    max: usize,
    required: Option<&'static str>,
) -> Result<Option<String>, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return match required {
            Some(message) => Err(message),
            None => Ok(None),
        };
    }
    if text.chars().count() > max {
        return Err("入力できる文字数を超えています。");
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 4, 10).unwrap()
    }

    #[test]
    fn registry_numbers() {
        let ok = [
            ("123456", "123456"),
            ("１２３４５６", "123456"),
            ("第123456号", "123456"),
            ("第１２３４５６号", "123456"),
            (" 第 123,456 号 ", "123456"),
            ("0123456", "123456"),
        ];
        for (input, want) in ok {
            assert_eq!(RegistryNumber::parse(input).unwrap().as_str(), want, "{input}");
        }
        for bad in ["", "第号", "12a456", "一二三", "00000", "12345678901"] {
            assert!(RegistryNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kanji_names_are_kept_exactly() {
        let cases = [
            ("髙橋 﨑子", "髙橋\u{3000}﨑子"),
            ("  山田　　太郎 ", "山田\u{3000}太郎"),
            ("齋藤", "齋藤"),
            ("渡邊 𠮷子", "渡邊\u{3000}𠮷子"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_kanji_name(input).unwrap(), want, "{input}");
        }
        assert!(parse_kanji_name("　").is_err());
    }

    #[test]
    fn attack_markup_and_controls_are_not_names() {
        for good in [
            "髙橋 﨑子",
            "𠮷田 太郎",
            "佐々木 ノゾミ",
            "John O'Brien-Smith",
            "渡邉 ゆき",
            "葛\u{E0100}城 一",
        ] {
            assert!(parse_kanji_name(good).is_ok(), "{good}");
        }
        for bad in [
            "<script>alert(1)</script>",
            "山田\u{202E}太郎",
            "山田\0",
            "=HYPERLINK(1)",
            "山田1号",
            "a&b",
            "渡邊 ㈱",
        ] {
            assert!(parse_kanji_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn furigana_becomes_full_width_katakana() {
        let cases = [
            ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u{3000}タロウ"),
            ("やまだ たろう", "ヤマダ\u{3000}タロウ"),
            ("ヤマダ　タロウ", "ヤマダ\u{3000}タロウ"),
            ("ｻｲﾄｳ ﾊﾟﾝﾀﾞ", "サイトウ\u{3000}パンダ"),
            ("ｳﾞｨｸﾄﾙ", "ヴィクトル"),
            ("ｵｰﾀ", "オータ"),
            ("ぢゅん", "ヂュン"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_furigana(input).unwrap(), want, "{input}");
        }
        for bad in ["", "山田", "Yamada", "ヤマダ1"] {
            assert!(parse_furigana(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn birth_dates_in_either_calendar() {
        let want = NaiveDate::from_ymd_opt(1980, 4, 1).unwrap();
        for input in [
            "1980-04-01",
            "1980/4/1",
            "19800401",
            "１９８０／４／１",
            "1980年4月1日",
            "1980.4.1",
            "昭和55年4月1日",
            "S55.4.1",
        ] {
            assert_eq!(parse_birth_date(input, today()).unwrap(), want, "{input}");
        }
        for bad in ["", "昭和64年1月8日", "1980-02-30", "2030-01-01", "80/4/1", "1899-12-31"] {
            assert!(parse_birth_date(bad, today()).is_err(), "{bad}");
        }
    }

    #[test]
    fn sex_is_male_or_female_only() {
        for input in ["男", "男性", "M", "ｍ", "1", "１"] {
            assert_eq!(Sex::parse(input), Ok(Sex::Male), "{input}");
        }
        for input in ["女", "女性", "F", "2"] {
            assert_eq!(Sex::parse(input), Ok(Sex::Female), "{input}");
        }
        for bad in ["", "その他", "3", "X"] {
            assert!(Sex::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_and_postal_codes() {
        assert_eq!(
            parse_phone("０３－１２３４－５６７８").unwrap().as_deref(),
            Some("03-1234-5678")
        );
        assert_eq!(parse_phone("09012345678").unwrap().as_deref(), Some("09012345678"));
        assert_eq!(parse_phone("(03)1234-5678").unwrap().as_deref(), Some("03-1234-5678"));
        assert_eq!(parse_phone(" ").unwrap(), None);
        for bad in ["1234", "03-1234-5678 内線2", "+81-3-1234-5678"] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_postal_code("〒113-8621").unwrap().as_deref(), Some("113-8621"));
        assert_eq!(parse_postal_code("１１３８６２１").unwrap().as_deref(), Some("113-8621"));
        assert!(parse_postal_code("113-862").is_err());
    }

    #[test]
    fn phones_keep_one_hyphen_between_groups_however_spaced() {
        // Found by the field_text fuzzer (re-parsing a stored phone changed it): 「--」 was
        // collapsed only once, so spaced hyphens were stored as 「03--1234--5678」.
        for typed in ["03 - 1234 - 5678", "03　－　1234－－5678", "(03) 1234 - 5678"] {
            assert_eq!(parse_phone(typed).unwrap().as_deref(), Some("03-1234-5678"), "{typed}");
        }
        let stored = parse_phone("0-1525(0 1  -    525(").unwrap().unwrap();
        assert_eq!(parse_phone(&stored).unwrap(), Some(stored));
        // Also found by it: 「(8)…」 was accepted, then stored without its parenthesis as 「8-…」,
        // which the same rule refuses.
        assert!(parse_phone("(8)8-1-1-7-970-8-8-1").is_err());
        assert_eq!(parse_phone("(0120)12-3456").unwrap().as_deref(), Some("0120-12-3456"));
    }

    #[test]
    fn email_addresses() {
        assert_eq!(parse_email(" Taro@Example.jp ").unwrap(), "Taro@Example.jp");
        assert_eq!(parse_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").unwrap(), "taro@example.jp");
        for bad in ["", "taro", "taro@", "taro@example", "a@b@c.jp", "太郎@example.jp", "a b@c.jp"]
        {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
