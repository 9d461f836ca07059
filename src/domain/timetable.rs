//! The programme (timetable) of a seminar application (issue 10, part 5): each lecture with its
//! subject, lecturer, minutes and the category it grants (a 前期 lecture names its item, which
//! is its category: 総論, 健康管理 …). One unit is one hour of training (DOMAIN §2), so every
//! category the seminar grants needs lectures of at least 60 minutes per unit, and no lecture
//! may grant a category the seminar does not.

use rust_decimal::Decimal;

use super::category::{Category, Units};

/// Rows of the form (blank rows are skipped).
pub const FORM_ROWS: usize = 8;
pub const MAX_LECTURES: usize = 40;
const MAX_MINUTES: u32 = 600;
const MAX_TEXT: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawLecture {
    pub subject: String,
    pub lecturer: String,
    pub minutes: String,
    pub category: String,
}

impl RawLecture {
    pub fn is_blank(&self) -> bool {
        [&self.subject, &self.lecturer, &self.minutes, &self.category]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lecture {
    pub subject: String,
    pub lecturer: String,
    pub minutes: u32,
    pub category: Category,
}

fn text(value: &str, row: usize, what: &str, errors: &mut Vec<String>) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.push(format!("{row}行目：{what}を入力してください。"));
    } else if value.chars().count() > MAX_TEXT {
        errors.push(format!("{row}行目：{what}は{MAX_TEXT}文字以内で入力してください。"));
    }
    value.to_string()
}

/// The lectures, or every problem as 「N行目：…」 / per category.
pub fn parse_timetable(
    rows: &[RawLecture],
    grants: &[(Category, Units)],
) -> Result<Vec<Lecture>, Vec<String>> {
    let mut errors = Vec::new();
    let mut lectures = Vec::new();
    let filled: Vec<(usize, &RawLecture)> =
        rows.iter().enumerate().filter(|(_, r)| !r.is_blank()).map(|(i, r)| (i + 1, r)).collect();
    if filled.is_empty() {
        return Err(vec![
            "プログラム（講義ごとの演題・講師・時間・研修区分）を入力してください。".to_string()
        ]);
    }
    if filled.len() > MAX_LECTURES {
        errors.push(format!("プログラムは{MAX_LECTURES}講義までです。"));
    }
    for (row, raw) in filled {
        let subject = text(&raw.subject, row, "演題", &mut errors);
        let lecturer = text(&raw.lecturer, row, "講師（氏名・所属）", &mut errors);
        let minutes = match raw.minutes.trim().parse::<u32>() {
            Ok(m) if (1..=MAX_MINUTES).contains(&m) => Some(m),
            _ => {
                errors.push(format!(
                    "{row}行目：時間（分）は1～{MAX_MINUTES}の数字で入力してください。"
                ));
                None
            }
        };
        let category = match Category::from_code(raw.category.trim()) {
            Some(c) if grants.iter().any(|(g, _)| *g == c) => Some(c),
            Some(c) => {
                errors.push(format!(
                    "{row}行目：この研修会は「{}」の単位を付与しません（付与する単位の欄と合わせてください）。",
                    c.label()
                ));
                None
            }
            None => {
                errors.push(format!("{row}行目：研修区分を選んでください。"));
                None
            }
        };
        if let (Some(minutes), Some(category)) = (minutes, category) {
            lectures.push(Lecture { subject, lecturer, minutes, category });
        }
    }
    if errors.is_empty() {
        for (category, units) in grants {
            let minutes: u32 =
                lectures.iter().filter(|l| l.category == *category).map(|l| l.minutes).sum();
            let needed = units.value() * Decimal::from(60);
            if Decimal::from(minutes) < needed {
                errors.push(format!(
                    "「{}」{}単位には講義が{}分以上必要です（プログラムでは{}分です）。",
                    category.label(),
                    units,
                    needed.normalize(),
                    minutes
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(lectures)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(subject: &str, lecturer: &str, minutes: &str, category: &str) -> RawLecture {
        RawLecture {
            subject: subject.into(),
            lecturer: lecturer.into(),
            minutes: minutes.into(),
            category: category.into(),
        }
    }

    fn grants() -> Vec<(Category, Units)> {
        vec![
            (Category::LifelongRenewal, Units::parse("1").unwrap()),
            (Category::LifelongSpecialized, Units::parse("2.5").unwrap()),
        ]
    }

    #[test]
    fn lectures_cover_each_granted_category_an_hour_a_unit() {
        let ok = [
            raw("産業医の職務", "山田 太郎（○○大学）", "60", "lifelong_renewal"),
            raw("メンタルヘルス対策", "鈴木 花子（△△病院）", "90", "lifelong_specialized"),
            raw("", "", "", ""),
            raw("化学物質の自律的管理", "佐藤 次郎", "60", "lifelong_specialized"),
        ];
        let lectures = parse_timetable(&ok, &grants()).unwrap();
        assert_eq!(lectures.len(), 3, "the blank row is skipped");
        assert_eq!(lectures[1].minutes, 90);

        let cases: [(&[RawLecture], &str); 5] = [
            (&[], "プログラム（講義ごとの"),
            (
                &[raw("総論", "講師", "60", "lifelong_renewal")],
                "講義が150分以上必要です（プログラムでは0分です）",
            ),
            (&[raw("総論", "講師", "六十", "lifelong_renewal")], "1行目：時間（分）は"),
            (&[raw("総論", "", "60", "lifelong_renewal")], "1行目：講師（氏名・所属）を入力"),
            (
                &[raw("総論", "講師", "60", "basic_early_general")],
                "「基礎研修 前期（総論）」の単位を付与しません",
            ),
        ];
        for (rows, expected) in cases {
            let errors = parse_timetable(rows, &grants()).unwrap_err();
            assert!(errors.iter().any(|e| e.contains(expected)), "{expected}: {errors:?}");
        }
    }
}
