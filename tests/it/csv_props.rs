//! Property tests of the attendee CSV reader: valid attendees written the many ways Excel and
//! people write them (random quoting, CRLF or LF, BOM or not, Shift_JIS, column order, blank
//! rows, full-width digits, half-width kana, hiragana, era dates, 第…号) read back as the same
//! values; arbitrary bytes never panic; the preview CSV keeps every cell.

use chrono::{Datelike, NaiveDate};
use mamis::domain::attendee_csv::{parse_attendees, preview_csv, PreviewRow, RowStatus};
use mamis::domain::category::{Category, Units};
use mamis::domain::csv_text::{decode, spreadsheet_safe};
use mamis::domain::era::Era;
use mamis::domain::person::Sex;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 10).unwrap()
}

fn grants() -> Vec<(Category, Units)> {
    vec![
        (Category::LifelongRenewal, Units::parse("1").unwrap()),
        (Category::LifelongSpecialized, Units::parse("2").unwrap()),
    ]
}

/// Full-width katakana → (half-width form). Only syllables whose half-width form is known here.
const KANA: [(&str, &str); 24] = [
    ("ア", "ｱ"),
    ("イ", "ｲ"),
    ("カ", "ｶ"),
    ("ガ", "ｶﾞ"),
    ("キ", "ｷ"),
    ("サ", "ｻ"),
    ("ジ", "ｼﾞ"),
    ("タ", "ﾀ"),
    ("ダ", "ﾀﾞ"),
    ("ナ", "ﾅ"),
    ("ハ", "ﾊ"),
    ("パ", "ﾊﾟ"),
    ("ボ", "ﾎﾞ"),
    ("マ", "ﾏ"),
    ("ヤ", "ﾔ"),
    ("ロ", "ﾛ"),
    ("ウ", "ｳ"),
    ("ン", "ﾝ"),
    ("ッ", "ｯ"),
    ("ョ", "ｮ"),
    ("ー", "ｰ"),
    ("ワ", "ﾜ"),
    ("ヴ", "ｳﾞ"),
    ("ペ", "ﾍﾟ"),
];

/// Characters of kanji names (all in CP932, variants included; a comma to force quoting). A
/// double quote is no longer a name's character (issue 12: names are letters of names).
const NAME_CHARS: [char; 14] =
    ['山', '田', '髙', '﨑', '齋', '藤', '渡', '邊', '花', '子', '太', '郎', ',', '々'];

#[derive(Clone, Debug)]
struct Attendee {
    family: String,
    given: String,
    /// Full-width katakana syllables of family and given names.
    kana_family: Vec<usize>,
    kana_given: Vec<usize>,
    kana_style: u8,
    birth: NaiveDate,
    birth_style: u8,
    male: bool,
    sex_style: u8,
    registry: u64,
    registry_style: u8,
    email: String,
    phone: Option<String>,
    fax: Option<String>,
    renewal: &'static str,
    specialized: &'static str,
}

fn name_part() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(NAME_CHARS.to_vec()), 1..4)
        .prop_map(|chars| chars.into_iter().collect())
}

fn kana_part() -> impl Strategy<Value = Vec<usize>> {
    // Not starting with a small kana or a long-vowel mark is not required by the parser.
    prop::collection::vec(0..KANA.len(), 1..6)
}

fn phone() -> impl Strategy<Value = String> {
    (1u32..10, 0u32..10_000, 0u32..10_000).prop_map(|(a, b, c)| format!("0{a}-{b:04}-{c:04}"))
}

fn attendee() -> impl Strategy<Value = Attendee> {
    let name = (name_part(), name_part(), kana_part(), kana_part(), 0u8..3);
    let birth = (0i64..(75 * 365), 0u8..7);
    let sex = (any::<bool>(), 0u8..4);
    let contact = (
        "[a-z]{1,8}",
        prop::option::of(phone()),
        prop::option::of(phone()),
        any::<bool>(),
        phone(),
    );
    let units = (
        prop::sample::select(vec!["", "0.5", "1", "１"]),
        prop::sample::select(vec!["", "0", "1.5", "２"]),
    );
    (name, birth, sex, 0u8..4, contact, units).prop_map(
        |(
            (family, given, kana_family, kana_given, kana_style),
            (days, birth_style),
            (male, sex_style),
            registry_style,
            (local, phone, fax, fax_only, fallback),
            (renewal, specialized),
        )| {
            let birth =
                NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Days::new(days as u64);
            // Phone or fax: at least one.
            let (phone, fax) = match (phone, fax) {
                (None, None) if fax_only => (None, Some(fallback)),
                (None, None) => (Some(fallback), None),
                other => other,
            };
            Attendee {
                family,
                given,
                kana_family,
                kana_given,
                kana_style,
                birth,
                birth_style,
                male,
                sex_style,
                registry: 0,
                registry_style,
                email: format!("{local}@example.jp"),
                phone,
                fax,
                renewal,
                specialized,
            }
        },
    )
}

fn full_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
        .collect()
}

impl Attendee {
    fn kanji_cell(&self) -> String {
        format!("{} {}", self.family, self.given)
    }

    fn expected_kanji(&self) -> String {
        format!("{}\u{3000}{}", self.family, self.given)
    }

    fn kana(&self, part: &[usize], style: u8) -> String {
        part.iter()
            .map(|i| match style {
                0 => KANA[*i].0.to_string(),
                1 => KANA[*i].1.to_string(),
                // Hiragana where there is one (ヴ and ー stay as they are).
                _ => KANA[*i]
                    .0
                    .chars()
                    .map(|c| match c {
                        'ァ'..='ヶ' if c != 'ヴ' => char::from_u32(c as u32 - 0x60).unwrap(),
                        other => other,
                    })
                    .collect(),
            })
            .collect()
    }

    fn furigana_cell(&self) -> String {
        let separator = if self.kana_style == 1 { " " } else { "\u{3000}" };
        format!(
            "{}{separator}{}",
            self.kana(&self.kana_family, self.kana_style),
            self.kana(&self.kana_given, self.kana_style)
        )
    }

    fn expected_furigana(&self) -> String {
        format!("{}\u{3000}{}", self.kana(&self.kana_family, 0), self.kana(&self.kana_given, 0))
    }

    fn is_era(&self) -> bool {
        self.birth_style >= 5
    }

    fn birth_cell(&self) -> String {
        let d = self.birth;
        match self.birth_style {
            0 => d.format("%Y-%m-%d").to_string(),
            1 => d.format("%Y/%-m/%-d").to_string(),
            2 => d.format("%Y%m%d").to_string(),
            3 => d.format("%Y年%-m月%-d日").to_string(),
            4 => full_width_digits(&d.format("%Y/%m/%d").to_string()),
            5 => Era::of(d).unwrap().format(d),
            _ => {
                let era = Era::of(d).unwrap();
                let year = d.year() - era.first_day().year() + 1;
                let year = if year == 1 { "元".to_string() } else { year.to_string() };
                format!("{}{year}.{}.{}", era.initial(), d.month(), d.day())
            }
        }
    }

    fn sex_cell(&self) -> &'static str {
        let forms: [&str; 4] =
            if self.male { ["男", "男性", "M", "１"] } else { ["女", "女性", "f", "2"] };
        forms[self.sex_style as usize]
    }

    fn registry_cell(&self) -> String {
        let digits = self.registry.to_string();
        match self.registry_style {
            0 => digits,
            1 => full_width_digits(&digits),
            2 => format!("第{}号", full_width_digits(&digits)),
            _ => format!("0{digits}"),
        }
    }

    fn expected_units(&self) -> Vec<(Category, String)> {
        let mut units = Vec::new();
        let renewal = match self.renewal {
            "" | "1" | "１" => "1",
            other => other,
        };
        units.push((Category::LifelongRenewal, renewal.to_string()));
        match self.specialized {
            "0" => {}
            "" | "２" => units.push((Category::LifelongSpecialized, "2".to_string())),
            other => units.push((Category::LifelongSpecialized, other.to_string())),
        }
        units
    }

    fn cells(&self) -> [String; 10] {
        [
            self.kanji_cell(),
            self.furigana_cell(),
            self.birth_cell(),
            self.sex_cell().to_string(),
            self.registry_cell(),
            self.email.clone(),
            self.phone.clone().unwrap_or_default(),
            self.fax.clone().unwrap_or_default(),
            self.renewal.to_string(),
            self.specialized.to_string(),
        ]
    }
}

const HEADINGS: [&str; 10] = [
    "漢字氏名",
    "フリガナ",
    "生年月日（西暦）",
    "性別",
    "医籍登録番号",
    "メールアドレス",
    "電話番号",
    "FAX番号",
    "単位_生涯研修 更新",
    "単位_生涯研修 専門",
];

/// How a file is written: column order, quoting, line ends, blank rows, encoding.
#[derive(Clone, Debug)]
struct Layout {
    order: Vec<usize>,
    quote_all: bool,
    quote_seed: u64,
    crlf: bool,
    blank_after: Vec<bool>,
    encoding: u8,
}

fn layout(rows: usize) -> impl Strategy<Value = Layout> {
    (
        Just((0..HEADINGS.len()).collect::<Vec<_>>()).prop_shuffle(),
        any::<bool>(),
        any::<u64>(),
        any::<bool>(),
        prop::collection::vec(prop::bool::weighted(0.2), rows + 1),
        0u8..3,
    )
        .prop_map(|(order, quote_all, quote_seed, crlf, blank_after, encoding)| Layout {
            order,
            quote_all,
            quote_seed,
            crlf,
            blank_after,
            encoding,
        })
}

fn cell(text: &str, quote: bool) -> String {
    if quote || text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn write_file(attendees: &[Attendee], layout: &Layout) -> Vec<u8> {
    let eol = if layout.crlf { "\r\n" } else { "\n" };
    let mut seed = layout.quote_seed;
    let mut quote = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        layout.quote_all || (seed >> 63) == 1
    };
    let mut text = String::new();
    let header: Vec<String> = layout.order.iter().map(|i| cell(HEADINGS[*i], quote())).collect();
    text.push_str(&header.join(","));
    text.push_str(eol);
    for (n, attendee) in attendees.iter().enumerate() {
        if layout.blank_after[n] {
            text.push_str(if n % 2 == 0 { "" } else { ",,," });
            text.push_str(eol);
        }
        let cells = attendee.cells();
        let row: Vec<String> = layout.order.iter().map(|i| cell(&cells[*i], quote())).collect();
        text.push_str(&row.join(","));
        text.push_str(eol);
    }
    if layout.blank_after[attendees.len()] {
        text.push_str(eol);
    }
    match layout.encoding {
        0 => text.into_bytes(),
        1 => {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend(text.into_bytes());
            bytes
        }
        _ => {
            let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
            assert!(!unmappable, "test data is representable in CP932");
            bytes.into_owned()
        }
    }
}

fn attendees() -> impl Strategy<Value = Vec<Attendee>> {
    (1usize..12).prop_flat_map(|n| {
        (prop::collection::vec(attendee(), n), prop::collection::btree_set(1u64..10_000_000_000, n))
            .prop_map(|(mut people, numbers)| {
                for (person, number) in people.iter_mut().zip(numbers) {
                    person.registry = number;
                }
                people
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_attendees_round_trip_through_any_excel_spelling(
        (people, layout) in attendees().prop_flat_map(|people| {
            let n = people.len();
            (Just(people), layout(n))
        })
    ) {
        let bytes = write_file(&people, &layout);
        let text = decode(&bytes).expect("a file we wrote decodes");
        let parsed = parse_attendees(&text, &grants(), today()).expect("the file reads");
        prop_assert_eq!(parsed.rows.len(), people.len());
        for (row, person) in parsed.rows.iter().zip(&people) {
            let got = match &row.result {
                Ok(got) => got,
                Err(errors) => {
                    return Err(TestCaseError::fail(format!("{person:?} → {errors:?}")));
                }
            };
            prop_assert_eq!(&got.kanji_name, &person.expected_kanji());
            prop_assert_eq!(&got.furigana, &person.expected_furigana());
            prop_assert_eq!(got.birth_date, person.birth);
            prop_assert_eq!(got.sex, if person.male { Sex::Male } else { Sex::Female });
            prop_assert_eq!(got.registry_number.as_str(), person.registry.to_string());
            prop_assert_eq!(&got.email, &person.email);
            prop_assert_eq!(&got.phone, &person.phone);
            prop_assert_eq!(&got.fax, &person.fax);
            let units: Vec<(Category, String)> =
                got.units.iter().map(|(c, u)| (*c, u.to_string())).collect();
            prop_assert_eq!(units, person.expected_units());
            prop_assert_eq!(row.status() == RowStatus::Warning, person.is_era());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(text) = decode(&bytes) {
            let _ = parse_attendees(&text, &grants(), today());
        }
    }

    #[test]
    fn arbitrary_text_under_a_valid_header_never_panics(
        body in "[\\PC\r\n,\"　０-９ｱ-ﾝﾞﾟ元年月日SHR.-]{0,400}",
    ) {
        let text = format!("{}\r\n{body}", HEADINGS.join(","));
        if let Ok(parsed) = parse_attendees(&text, &grants(), today()) {
            let preview: Vec<PreviewRow> = parsed.rows.iter().map(PreviewRow::from).collect();
            let _ = preview_csv(&parsed.header, &preview);
        }
    }

    #[test]
    fn the_preview_csv_keeps_every_cell_and_adds_two(
        rows in prop::collection::vec(prop::collection::vec("[\\PC,\"=+@-]{0,12}", 1..6), 1..8),
    ) {
        let header: Vec<String> = (0..3).map(|i| format!("列{i}")).collect();
        let preview: Vec<PreviewRow> = rows
            .iter()
            .enumerate()
            .map(|(i, cells)| PreviewRow {
                line: i as u64 + 2,
                status: "error".into(),
                name: String::new(),
                registry: String::new(),
                reasons: vec!["理由".into()],
                cells: cells.clone(),
                stored: None,
                notices: Vec::new(),
            })
            .collect();
        let bytes = preview_csv(&header, &preview);
        prop_assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&bytes[3..]);
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        prop_assert_eq!(records.len(), rows.len() + 1);
        let width = rows.iter().map(Vec::len).max().unwrap().max(3);
        for (record, cells) in records[1..].iter().zip(&rows) {
            prop_assert_eq!(record.len(), width + 2);
            for (i, original) in cells.iter().enumerate() {
                let safe = spreadsheet_safe(original);
                prop_assert_eq!(&record[i], safe.as_str());
            }
            prop_assert_eq!(&record[width], "エラー");
            prop_assert_eq!(&record[width + 1], "理由");
        }
    }
}
