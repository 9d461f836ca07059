//! Table tests of the attendee CSV: columns, rows, the one-attendee form and the preview.

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
    assert_eq!(units_of("0,１,0").unwrap(), vec![(Category::LifelongSpecialized, "1".to_string())]);
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
    let text = format!("{HEADER}\r\n山田 太郎,{person}\r\n,,,,,,,\r\n\r\n山田 次郎,{person}\r\n");
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
    assert!(lines[2].contains(",OK（確認）,生年月日（西暦）：S45.5.15を1970-05-15に変換しました。"));
    assert_eq!(lines[3], "");
}
