//! The CSV files staff import: members of an association (医師会員, who get an account and a
//! postcard) and certified physicians carried over from the old system (認定証). Each row is
//! parsed with the same parsers as the forms; every bad cell is reported, nothing is half-read.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::csv_text::{read_table, Column, RowError, Table};
use super::person::{
    parse_birth_date, parse_free_text, parse_furigana, parse_kanji_name, parse_phone,
    parse_postal_code, parse_western_date, RegistryNumber, Sex,
};
use super::prefecture;
use super::text::to_halfwidth_ascii;

/// A larger file is refused with a message to split it (each account costs a password hash).
pub const MAX_MEMBER_ROWS: usize = 5000;
pub const MAX_CERTIFICATION_ROWS: usize = 50000;

pub const MEMBER_COLUMNS: [Column; 11] = [
    Column::required("氏名", &["氏名（漢字）", "漢字氏名"]),
    Column::required("フリガナ", &["氏名（フリガナ）", "ふりがな"]),
    Column::required("生年月日", &[]),
    Column::required("性別", &[]),
    Column::required("医籍登録番号", &["医籍番号"]),
    Column::required("郵便番号", &[]),
    Column::required("都道府県", &[]),
    Column::required("住所", &[]),
    Column::optional("所属医師会", &["郡市区医師会"]),
    Column::optional("電話番号", &["電話"]),
    Column::optional("FAX番号", &["FAX", "ファックス番号"]),
];

const NAME: usize = 0;
const FURIGANA: usize = 1;
const BIRTH: usize = 2;
const SEX: usize = 3;
const REGISTRY: usize = 4;
const POSTAL: usize = 5;
const PREFECTURE: usize = 6;
const ADDRESS: usize = 7;
const ASSOCIATION: usize = 8;
const PHONE: usize = 9;
const FAX: usize = 10;

/// The heading row of the template staff download.
pub fn member_template_header() -> Vec<String> {
    MEMBER_COLUMNS.iter().map(|c| c.name.to_string()).collect()
}

/// One member as imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub line: u64,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub registry_number: RegistryNumber,
    pub postal_code: String,
    pub prefecture_code: i16,
    pub address: String,
    /// A municipal association's name (所属医師会); None: the prefectural association.
    pub association_name: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
}

impl MemberRow {
    /// The address for the postcard: with the prefecture in front unless already there.
    pub fn mailing_address(&self) -> String {
        mailing_address(self.prefecture_code, &self.address)
    }
}

pub fn mailing_address(prefecture_code: i16, address: &str) -> String {
    prefecture::full_address(Some(prefecture_code), Some(address))
}

fn too_many(line: u64, max: usize) -> RowError {
    RowError::new(
        line,
        None,
        format!("一度に取り込めるのは{max}行までです。ファイルを分けて取り込んでください。"),
    )
}

/// Parses a member file. `scope`: the only prefecture the importing staff may add members to
/// (None: any, for JMA). Duplicated 医籍登録番号 within the file are errors on the later rows.
pub fn parse_members(
    text: &str,
    today: NaiveDate,
    scope: Option<i16>,
) -> Result<Vec<MemberRow>, Vec<RowError>> {
    let table = read_table(text, &MEMBER_COLUMNS)?;
    if table.rows.len() > MAX_MEMBER_ROWS {
        return Err(vec![too_many(table.rows[0].line, MAX_MEMBER_ROWS)]);
    }
    let mut errors = Vec::new();
    let mut members = Vec::with_capacity(table.rows.len());
    let mut first_line_of: HashMap<RegistryNumber, u64> = HashMap::new();
    for row in &table.rows {
        match parse_member(&table, row, today, scope) {
            Ok(member) => {
                if let Some(first) = first_line_of.get(&member.registry_number) {
                    errors.push(RowError::new(
                        row.line,
                        Some("医籍登録番号"),
                        format!(
                            "医籍登録番号 {} は{}行目と重複しています。",
                            member.registry_number.as_str(),
                            first
                        ),
                    ));
                } else {
                    first_line_of.insert(member.registry_number.clone(), row.line);
                }
                members.push(member);
            }
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(errors)
    }
}

fn parse_member(
    table: &Table,
    row: &super::csv_text::Row,
    today: NaiveDate,
    scope: Option<i16>,
) -> Result<MemberRow, Vec<RowError>> {
    let line = row.line;
    let mut errors = Vec::new();
    let cell = |i: usize| table.cell(row, i);
    let mut err = |column: usize, message: &str| {
        errors.push(RowError::new(line, Some(MEMBER_COLUMNS[column].name), message));
    };
    let kanji_name = parse_kanji_name(cell(NAME)).map_err(|e| err(NAME, e)).ok();
    let furigana = parse_furigana(cell(FURIGANA)).map_err(|e| err(FURIGANA, e)).ok();
    let birth_date = parse_birth_date(cell(BIRTH), today).map_err(|e| err(BIRTH, e)).ok();
    let sex = Sex::parse(cell(SEX)).map_err(|e| err(SEX, e)).ok();
    let registry_number = RegistryNumber::parse(cell(REGISTRY)).map_err(|e| err(REGISTRY, e)).ok();
    let postal_code = match parse_postal_code(cell(POSTAL)) {
        Ok(Some(code)) => Some(code),
        Ok(None) => {
            err(POSTAL, "郵便番号を入力してください（はがきの送付に使います）。");
            None
        }
        Err(e) => {
            err(POSTAL, e);
            None
        }
    };
    let prefecture_code = match prefecture::parse(cell(PREFECTURE)) {
        None if cell(PREFECTURE).is_empty() => {
            err(PREFECTURE, "都道府県を入力してください。");
            None
        }
        None => {
            err(PREFECTURE, "都道府県名を確認してください（例：東京都）。");
            None
        }
        Some(code) if scope.is_some_and(|own| own != code) => {
            let own = scope.and_then(prefecture::name).unwrap_or("");
            err(
                PREFECTURE,
                &format!("{own}以外の会員は取り込めません（日本医師会にご相談ください）。"),
            );
            None
        }
        Some(code) => Some(code),
    };
    let address = parse_free_text(cell(ADDRESS), 200, Some("住所を入力してください。"))
        .map_err(|e| err(ADDRESS, e))
        .ok()
        .flatten();
    let association_name = parse_free_text(cell(ASSOCIATION), 100, None)
        .map_err(|e| err(ASSOCIATION, e))
        .ok()
        .flatten();
    let phone = parse_phone(cell(PHONE)).map_err(|e| err(PHONE, e)).ok();
    let fax = parse_phone(cell(FAX)).map_err(|e| err(FAX, &e.replace("電話番号", "FAX番号"))).ok();
    match (
        kanji_name,
        furigana,
        birth_date,
        sex,
        registry_number,
        postal_code,
        prefecture_code,
        address,
        phone,
        fax,
    ) {
        (
            Some(kanji_name),
            Some(furigana),
            Some(birth_date),
            Some(sex),
            Some(registry_number),
            Some(postal_code),
            Some(prefecture_code),
            Some(address),
            Some(phone),
            Some(fax),
        ) if errors.is_empty() => Ok(MemberRow {
            line,
            kanji_name,
            furigana,
            birth_date,
            sex,
            registry_number,
            postal_code,
            prefecture_code,
            address,
            association_name,
            phone,
            fax,
        }),
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts for imported members.

/// Characters of initial passwords: no 0/O/o, 1/l/I, which people misread from a postcard.
pub const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
pub const INITIAL_PASSWORD_LENGTH: usize = 12;

/// An initial password for a postcard (use a cryptographic RNG such as `OsRng`).
pub fn initial_password<R: rand::Rng + ?Sized>(rng: &mut R) -> String {
    (0..INITIAL_PASSWORD_LENGTH)
        .map(|_| char::from(PASSWORD_ALPHABET[rng.gen_range(0..PASSWORD_ALPHABET.len())]))
        .collect()
}

/// A member's login ID: 「m」 and eight digits, easy to type from a postcard. The caller makes
/// sure it is not taken.
pub fn member_login_id<R: rand::Rng + ?Sized>(rng: &mut R) -> String {
    format!("m{:08}", rng.gen_range(0..100_000_000u32))
}

// ---------------------------------------------------------------------------------------------
// Certifications from the old system.

pub const CERTIFICATION_COLUMNS: [Column; 6] = [
    Column::required("認定証番号", &["認定番号"]),
    Column::required("区分", &["種別"]),
    Column::required("医籍登録番号", &["医籍番号"]),
    Column::required("生年月日", &[]),
    Column::required("有効期間開始", &["有効期間（開始）", "有効開始日"]),
    Column::required("有効期間終了", &["有効期間（終了）", "有効終了日"]),
];

const CERT_NUMBER: usize = 0;
const CERT_PROGRAMME: usize = 1;
const CERT_REGISTRY: usize = 2;
const CERT_BIRTH: usize = 3;
const CERT_FROM: usize = 4;
const CERT_UNTIL: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Programme {
    Occupational,
    Sports,
}

impl Programme {
    pub fn code(self) -> &'static str {
        match self {
            Programme::Occupational => "occupational",
            Programme::Sports => "sports",
        }
    }

    pub fn from_code(code: &str) -> Option<Programme> {
        match code {
            "occupational" => Some(Programme::Occupational),
            "sports" => Some(Programme::Sports),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Programme::Occupational => "認定産業医",
            Programme::Sports => "認定健康スポーツ医",
        }
    }

    /// 産業医 / 認定産業医 / occupational; スポーツ医 / 健康スポーツ医 / 認定健康スポーツ医 / sports.
    pub fn parse(input: &str) -> Result<Programme, &'static str> {
        let text = to_halfwidth_ascii(input);
        match text.trim().to_ascii_lowercase().as_str() {
            "産業医" | "認定産業医" | "occupational" => Ok(Programme::Occupational),
            "スポーツ医" | "健康スポーツ医" | "認定健康スポーツ医" | "sports" => {
                Ok(Programme::Sports)
            }
            "" => Err("区分を入力してください（認定産業医 または 認定健康スポーツ医）。"),
            _ => Err("区分は「認定産業医」または「認定健康スポーツ医」で入力してください。"),
        }
    }
}

/// 認定証番号: digits as printed on the certificate (leading zeros kept).
pub fn parse_certificate_number(input: &str) -> Result<String, &'static str> {
    let text = to_halfwidth_ascii(input);
    let text = text.trim();
    let text = text.strip_prefix('第').unwrap_or(text);
    let text = text.strip_suffix('号').unwrap_or(text).trim();
    if text.is_empty() {
        return Err("認定証番号を入力してください。");
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err("認定証番号は数字で入力してください（例：0123456）。");
    }
    if text.len() > 10 {
        return Err("認定証番号の桁数が多すぎます。");
    }
    Ok(text.to_string())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificationRow {
    pub line: u64,
    pub certificate_number: String,
    pub programme: Programme,
    pub registry_number: RegistryNumber,
    pub birth_date: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// Parses the old system's certification file. A (区分, 認定証番号) pair twice is an error on the
/// later row.
pub fn parse_certifications(
    text: &str,
    today: NaiveDate,
) -> Result<Vec<CertificationRow>, Vec<RowError>> {
    let table = read_table(text, &CERTIFICATION_COLUMNS)?;
    if table.rows.len() > MAX_CERTIFICATION_ROWS {
        return Err(vec![too_many(table.rows[0].line, MAX_CERTIFICATION_ROWS)]);
    }
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut first_line_of: HashMap<(Programme, String), u64> = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let cell = |i: usize| table.cell(row, i);
        let mut row_errors = Vec::new();
        let mut err = |column: usize, message: &str| {
            row_errors.push(RowError::new(line, Some(CERTIFICATION_COLUMNS[column].name), message));
        };
        let number =
            parse_certificate_number(cell(CERT_NUMBER)).map_err(|e| err(CERT_NUMBER, e)).ok();
        let programme =
            Programme::parse(cell(CERT_PROGRAMME)).map_err(|e| err(CERT_PROGRAMME, e)).ok();
        let registry =
            RegistryNumber::parse(cell(CERT_REGISTRY)).map_err(|e| err(CERT_REGISTRY, e)).ok();
        let birth = parse_birth_date(cell(CERT_BIRTH), today).map_err(|e| err(CERT_BIRTH, e)).ok();
        let mut date = |column: usize| {
            let text = to_halfwidth_ascii(cell(column));
            if text.trim().is_empty() {
                err(column, "日付を入力してください。");
                return None;
            }
            let parsed = parse_western_date(&text);
            if parsed.is_none() {
                err(column, "日付は西暦で「2025-04-01」のように入力してください。");
            }
            parsed
        };
        let from = date(CERT_FROM);
        let until = date(CERT_UNTIL);
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                err(CERT_UNTIL, "有効期間終了が有効期間開始より前になっています。");
            }
        }
        match (number, programme, registry, birth, from, until) {
            (
                Some(number),
                Some(programme),
                Some(registry),
                Some(birth),
                Some(from),
                Some(until),
            ) if row_errors.is_empty() => {
                let key = (programme, number.clone());
                if let Some(first) = first_line_of.get(&key) {
                    errors.push(RowError::new(
                        line,
                        Some("認定証番号"),
                        format!(
                            "{}の認定証番号 {} は{}行目と重複しています。",
                            programme.label(),
                            number,
                            first
                        ),
                    ));
                } else {
                    first_line_of.insert(key, line);
                }
                rows.push(CertificationRow {
                    line,
                    certificate_number: number,
                    programme,
                    registry_number: registry,
                    birth_date: birth,
                    valid_from: from,
                    valid_until: until,
                });
            }
            _ => errors.extend(row_errors),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 4, 10).unwrap()
    }

    const HEADER: &str =
        "氏名,フリガナ,生年月日,性別,医籍登録番号,郵便番号,都道府県,住所,所属医師会,電話番号,FAX番号";

    #[test]
    fn members_parse_with_the_form_parsers() {
        let text = format!(
            "{HEADER}\r\n髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,１９７５／６／３,女,第２３４５６７号,1000001,東京都,千代田区千代田1-1,千代田区医師会,,03-1234-5678\r\n\
             山田 花子,やまだ はなこ,1980-01-02,2,345678,〒100-0002,東京,東京都千代田区2-2,,03-0000-0000,\r\n"
        );
        let rows = parse_members(&text, today(), Some(13)).unwrap();
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(a.line, 2);
        assert_eq!(a.kanji_name, "髙橋\u{3000}﨑子");
        assert_eq!(a.furigana, "タカハシ\u{3000}サキコ");
        assert_eq!(a.birth_date, NaiveDate::from_ymd_opt(1975, 6, 3).unwrap());
        assert_eq!(a.sex, Sex::Female);
        assert_eq!(a.registry_number.as_str(), "234567");
        assert_eq!(a.postal_code, "100-0001");
        assert_eq!(a.prefecture_code, 13);
        assert_eq!(a.association_name.as_deref(), Some("千代田区医師会"));
        assert_eq!(a.phone, None);
        assert_eq!(a.fax.as_deref(), Some("03-1234-5678"));
        assert_eq!(a.mailing_address(), "東京都千代田区千代田1-1");
        let b = &rows[1];
        assert_eq!(b.furigana, "ヤマダ\u{3000}ハナコ");
        assert_eq!(b.association_name, None);
        assert_eq!(b.mailing_address(), "東京都千代田区2-2", "prefecture not doubled");
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let text = format!(
            "{HEADER}\n山田 太郎,ヤマダ タロウ,1970-05-15,男,111,100-0001,東京都,千代田区1,,03-1234-5678,\n\
             ,Yamada,1970-02-30,X,abc,12,大阪府,,,1234,\n\
             鈴木 一郎,スズキ イチロウ,1960-01-01,男,第１１１号,100-0001,東京都,千代田区1,,,\n"
        );
        let errors = parse_members(&text, today(), Some(13)).unwrap_err();
        let at = |line: u64, column: &str| {
            errors.iter().find(|e| e.line == line && e.column == Some(column)).map(|e| &e.message)
        };
        assert_eq!(at(3, "氏名").unwrap(), "氏名を入力してください。");
        assert!(at(3, "フリガナ").unwrap().contains("カタカナ"));
        assert!(at(3, "生年月日").is_some());
        assert!(at(3, "性別").is_some());
        assert!(at(3, "医籍登録番号").is_some());
        assert!(at(3, "郵便番号").is_some());
        assert!(at(3, "都道府県").unwrap().contains("東京都以外"));
        assert!(at(3, "住所").is_some());
        assert!(at(3, "電話番号").is_some());
        assert!(at(4, "医籍登録番号").unwrap().contains("2行目と重複"));
        assert!(errors.iter().all(|e| e.line != 2), "{errors:?}");
        assert_eq!(errors.iter().filter(|e| e.line == 3).count(), 9);
    }

    #[test]
    fn jma_may_import_any_prefecture() {
        let text = format!("{HEADER}\n山田 太郎,ヤマダ タロウ,1970-05-15,男,111,5300001,大阪府,大阪市北区1,,06-1234-5678,\n");
        assert_eq!(parse_members(&text, today(), None).unwrap()[0].prefecture_code, 27);
        assert!(parse_members(&text, today(), Some(13)).is_err());
    }

    #[test]
    fn programmes_and_certificate_numbers() {
        for input in ["産業医", "認定産業医", "occupational", "Occupational"] {
            assert_eq!(Programme::parse(input), Ok(Programme::Occupational), "{input}");
        }
        for input in ["スポーツ医", "認定健康スポーツ医", "sports", "ｓｐｏｒｔｓ"]
        {
            assert_eq!(Programme::parse(input), Ok(Programme::Sports), "{input}");
        }
        assert!(Programme::parse("").is_err());
        assert!(Programme::parse("内科").is_err());
        assert_eq!(parse_certificate_number("０１２３４５６").unwrap(), "0123456");
        assert_eq!(parse_certificate_number("第7000001号").unwrap(), "7000001");
        assert!(parse_certificate_number("A123").is_err());
        assert!(parse_certificate_number("").is_err());
    }

    const CERT_HEADER: &str = "認定証番号,区分,医籍登録番号,生年月日,有効期間開始,有効期間終了";

    #[test]
    fn certifications_parse_and_duplicates_are_errors() {
        let text = format!(
            "{CERT_HEADER}\n7000001,認定産業医,第654321号,1980/1/2,2021/8/1,2026/7/31\n\
             7000001,スポーツ医,654321,1980-01-02,2022-04-01,2027-03-31\n"
        );
        let rows = parse_certifications(&text, today()).unwrap();
        assert_eq!(rows.len(), 2, "the same number in the other programme is fine");
        assert_eq!(rows[0].programme, Programme::Occupational);
        assert_eq!(rows[0].registry_number.as_str(), "654321");
        assert_eq!(rows[0].valid_until, NaiveDate::from_ymd_opt(2026, 7, 31).unwrap());

        let text = format!(
            "{CERT_HEADER}\n7000001,産業医,654321,1980-01-02,2021-08-01,2026-07-31\n\
             7000001,occupational,654322,1980-01-02,2021-08-01,2026-07-31\n\
             x,医師,,,2021-13-01,2020-01-01\n\
             7000009,産業医,654329,1980-01-02,2026-08-01,2021-07-31\n"
        );
        let errors = parse_certifications(&text, today()).unwrap_err();
        assert!(errors.iter().any(|e| e.line == 3 && e.message.contains("2行目と重複")));
        let line4: Vec<_> =
            errors.iter().filter(|e| e.line == 4).filter_map(|e| e.column).collect();
        assert_eq!(
            line4,
            ["認定証番号", "区分", "医籍登録番号", "生年月日", "有効期間開始"],
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.line == 5
            && e.column == Some("有効期間終了")
            && e.message.contains("より前")));
    }

    #[test]
    fn initial_passwords_and_login_ids_are_unambiguous() {
        let mut rng = rand::rngs::OsRng;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let p = initial_password(&mut rng);
            assert_eq!(p.len(), INITIAL_PASSWORD_LENGTH);
            assert!(!p.contains(['0', 'O', 'o', '1', 'l', 'I']), "{p}");
            assert!(p.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)));
            assert!(seen.insert(p));
            let id = member_login_id(&mut rng);
            assert_eq!(id.len(), 9);
            assert!(id.starts_with('m') && id[1..].bytes().all(|b| b.is_ascii_digit()), "{id}");
        }
    }
}
