//! The programme rows of the seminar application forms (issue 10, part 5): read from the
//! posted form (repeated `lecture_*` fields, one set per row), shown again with their errors,
//! checked by `domain::timetable` (through `app::seminars::submission::check`).

use crate::db::seminar_lectures::LectureRow;
use crate::domain::category::Category;
use crate::domain::seminar::SeminarInput;
use crate::domain::timetable::{RawLecture, FORM_ROWS};

/// What the `seminars/_fields.html` partial shows of the programme.
#[derive(Clone, Debug, Default)]
pub struct TimetableView {
    pub rows: Vec<RawLecture>,
    pub categories: Vec<(&'static str, &'static str)>,
    pub errors: Vec<String>,
}

impl TimetableView {
    pub fn new(mut rows: Vec<RawLecture>, errors: Vec<String>) -> TimetableView {
        rows.retain(|r| !r.is_blank());
        let blank = FORM_ROWS.saturating_sub(rows.len()).max(2);
        rows.extend(std::iter::repeat_n(RawLecture::default(), blank));
        TimetableView {
            rows,
            categories: Category::ALL.iter().map(|c| (c.code(), c.label())).collect(),
            errors,
        }
    }

    pub fn from_rows(rows: &[LectureRow]) -> TimetableView {
        let raw = rows
            .iter()
            .map(|r| RawLecture {
                subject: r.subject.clone(),
                lecturer: r.lecturer.clone(),
                minutes: r.minutes.to_string(),
                category: r.category.clone(),
            })
            .collect();
        TimetableView::new(raw, Vec::new())
    }
}

/// The posted form: the seminar's fields and the programme rows.
pub fn split_form(pairs: Vec<(String, String)>) -> (SeminarInput, Vec<RawLecture>) {
    let mut map = serde_json::Map::new();
    let mut columns: [Vec<String>; 4] = Default::default();
    for (key, value) in pairs {
        let column = match key.as_str() {
            "lecture_subject" => Some(0),
            "lecture_lecturer" => Some(1),
            "lecture_minutes" => Some(2),
            "lecture_category" => Some(3),
            _ => None,
        };
        match column {
            Some(i) => columns[i].push(value),
            None => {
                map.insert(key, serde_json::Value::String(value));
            }
        }
    }
    let input: SeminarInput =
        serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default();
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    let cell = |c: usize, i: usize| columns[c].get(i).cloned().unwrap_or_default();
    let lectures = (0..rows)
        .map(|i| RawLecture {
            subject: cell(0, i),
            lecturer: cell(1, i),
            minutes: cell(2, i),
            category: cell(3, i),
        })
        .collect();
    (input, lectures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_make_rows_in_order_and_the_rest_the_seminar() {
        let pairs: Vec<(String, String)> = [
            ("title", "研修会"),
            ("lecture_subject", "総論"),
            ("lecture_lecturer", "山田"),
            ("lecture_minutes", "60"),
            ("lecture_category", "lifelong_renewal"),
            ("lecture_subject", ""),
            ("lecture_lecturer", ""),
            ("lecture_minutes", ""),
            ("lecture_category", ""),
            ("lecture_subject", "専門"),
            ("lecture_lecturer", "鈴木"),
            ("lecture_minutes", "120"),
            ("lecture_category", "lifelong_specialized"),
            ("idempotency_key", "0123456789abcdef0123"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (input, rows) = split_form(pairs);
        assert_eq!(input.title, "研修会");
        assert_eq!(input.idempotency_key, "0123456789abcdef0123");
        assert_eq!(rows.len(), 3);
        assert!(rows[1].is_blank());
        assert_eq!((rows[2].subject.as_str(), rows[2].minutes.as_str()), ("専門", "120"));
        let view = TimetableView::new(rows, Vec::new());
        assert_eq!(view.rows.len(), FORM_ROWS, "blank rows dropped, padded to the form's rows");
    }
}
