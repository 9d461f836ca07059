//! View helpers shared by the pages about a seminar's aftermath: the organizer's report and
//! applicants (`web::work::report`), the physician's missing-credit reports and recruitment
//! (`web::mypage`), and the staff's deadline watch (`web::office::watch`).

use chrono::NaiveDate;

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db;
use crate::db::reports::MoneyLine;
use crate::domain::category::{Format, Programme};
use crate::domain::deadline;
use crate::domain::record_status::MissingReportStatus;
use crate::domain::seminar_report::yen;

pub fn date_range(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    if starts_on == ends_on {
        format_jp_date(ends_on)
    } else {
        format!("{} ～ {}", format_jp_date(starts_on), format_jp_date(ends_on))
    }
}

pub fn jp_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format_jp_datetime(at.with_timezone(&jst()))
}

pub fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
}

pub fn units_text(units: rust_decimal::Decimal) -> String {
    units.normalize().to_string()
}

/// Text kept line by line for display (askama escapes each line).
pub fn text_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// The head of a page about one seminar.
pub struct SeminarHead {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub venue: String,
    pub format: &'static str,
    pub organizer: String,
    pub due: String,
}

impl SeminarHead {
    pub fn new(s: &db::seminars::Seminar) -> Self {
        SeminarHead {
            id: s.id,
            title: s.title.clone(),
            programme: programme_label(&s.programme),
            dates: date_range(s.starts_on, s.ends_on),
            venue: s.venue.clone(),
            format: Format::from_code(&s.format).map(Format::label).unwrap_or("―"),
            organizer: s.organizer_name.clone(),
            due: format_jp_date(deadline::due_date(s.ends_on)),
        }
    }
}

pub struct FileView {
    pub name: String,
    pub size: String,
    pub href: String,
    pub id: i64,
}

pub fn file_views(files: Vec<db::reports::FileMeta>, href_base: &str) -> Vec<FileView> {
    files
        .into_iter()
        .map(|f| FileView {
            href: format!("{href_base}/{}", f.id),
            size: if f.size_bytes >= 1024 * 1024 {
                format!("{:.1}MB", f64::from(f.size_bytes) / 1024.0 / 1024.0)
            } else {
                format!("{}KB", (f.size_bytes + 1023) / 1024)
            },
            name: f.file_name,
            id: f.id,
        })
        .collect()
}

pub struct MoneyView {
    pub item: String,
    pub amount: String,
}

pub fn money_views(lines: &[MoneyLine]) -> (Vec<MoneyView>, String) {
    let total: i64 = lines.iter().map(|l| l.amount).sum();
    (
        lines.iter().map(|l| MoneyView { item: l.item.clone(), amount: yen(l.amount) }).collect(),
        yen(total),
    )
}

/// A physician's missing-credit report (単位未反映の問い合わせ) as the organizer, the staff and
/// the physician see it.
pub struct MissingView {
    pub id: i64,
    pub open: bool,
    pub status: &'static str,
    pub reported: String,
    pub closed: Option<String>,
    pub seminar_title: String,
    pub seminar_date: String,
    pub note: String,
    pub answer: Option<String>,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub registry_number: String,
    pub organizer: String,
    pub seminar_id: Option<i64>,
}

impl From<db::reports::MissingReport> for MissingView {
    fn from(r: db::reports::MissingReport) -> Self {
        let open = r.status == MissingReportStatus::Open;
        MissingView {
            id: r.id,
            open,
            status: match (open, r.answer.is_some()) {
                (true, _) => "未解決",
                (false, true) => "回答済み（終了）",
                (false, false) => "単位登録により解決（終了）",
            },
            reported: jp_time(r.created_at),
            closed: r.closed_at.map(jp_time),
            seminar_title: r.seminar_title,
            seminar_date: format_jp_date(r.seminar_date),
            note: r.note.unwrap_or_default(),
            answer: r.answer.map(|a| match r.answered_by_name {
                Some(by) => format!("{a}（{by}）"),
                None => a,
            }),
            kanji_name: r.kanji_name,
            furigana: r.furigana,
            birth_date: format_jp_date(r.birth_date),
            registry_number: r.registry_number.unwrap_or_default(),
            organizer: r.organizer_name.unwrap_or_else(|| "（研修会の指定なし）".into()),
            seminar_id: r.seminar_id,
        }
    }
}
