//! The columns of the attendee list: the person's, then one unit column per category, each with
//! the headings people type by hand.

use std::sync::OnceLock;

use crate::domain::category::{Category, Units};
use crate::domain::csv_text::Column;

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
pub(super) const FIRST_UNIT: usize = 8;

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
pub(super) fn unit_headings() -> &'static [Vec<&'static str>] {
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
