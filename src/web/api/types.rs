//! What the API reads and writes, as JSON and as the OpenAPI document describes it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A category's units as granted by the seminar.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Grant {
    /// The category code (the keys of an attendee's `units`), e.g. `lifelong_renewal`.
    pub category: String,
    /// The Japanese name, e.g. 「生涯研修 更新」.
    pub label: String,
    /// Units as a decimal string, e.g. `"1.5"`.
    pub units: String,
}

/// The seminar the token belongs to.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SeminarInfo {
    pub id: i64,
    pub title: String,
    /// `occupational` (認定産業医) or `sports` (認定健康スポーツ医).
    pub programme: String,
    pub programme_label: String,
    /// `in_person` or `web`.
    pub format: String,
    pub format_label: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: String,
    pub venue: String,
    pub organizer: String,
    /// The seminar's state in Japanese (e.g. 「承認済み」).
    pub status_label: String,
    /// Whether credits can be registered today.
    pub accepting: bool,
    /// Why not, when `accepting` is false.
    pub refusal: Option<String>,
    /// Credits are due by this day (one month after the last day).
    #[schema(format = Date)]
    pub due_date: String,
    /// Registering today is late (recorded as such).
    pub late: bool,
    pub grants: Vec<Grant>,
}

/// A unit cell: a number of units (`1`, `1.5`, `"1.5"`, `0` for none), or for a course
/// (健康スポーツ医学講習会) `"修了"` / `"未修了"`. Absent or empty: the seminar's full units.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum UnitCell {
    Text(String),
    Number(f64),
}

impl UnitCell {
    /// The cell as a CSV would hold it.
    pub fn text(&self) -> String {
        match self {
            UnitCell::Text(text) => text.clone(),
            UnitCell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            UnitCell::Number(n) => n.to_string(),
        }
    }
}

/// One attendee, with the same columns as the CSV template. Every field is read as the CSV
/// cell would be (full-width digits, 第…号, 和暦, ﾊﾝｶｸ and the like are normalised and
/// reported in `notices`).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttendeeInput {
    /// 漢字氏名
    pub kanji_name: String,
    /// フリガナ
    pub furigana: String,
    /// 生年月日（西暦。和暦も可）, e.g. `1980-04-01`.
    pub birth_date: String,
    /// 性別: 男 / 女
    pub sex: String,
    /// 医籍登録番号
    pub registry_number: String,
    pub email: String,
    /// Phone or fax: at least one.
    pub phone: Option<String>,
    pub fax: Option<String>,
    /// Units per category code (see `GET /api/v1/seminar`); a category left out gets the
    /// seminar's full units.
    pub units: Option<BTreeMap<String, UnitCell>>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct BatchInput {
    /// 1 to 20,000 attendees.
    #[schema(min_items = 1, max_items = 20000)]
    pub rows: Vec<AttendeeInput>,
}

/// `ok`: will be registered; `warning`: will be registered, read the warnings; `error`: will
/// not be registered.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    Ok,
    Warning,
    Error,
}

/// A reason tied to a field of the row.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RowMessage {
    /// The request's field, e.g. `birth_date` or `units.lifelong_renewal`; absent for the
    /// row as a whole.
    pub field: Option<String>,
    /// The CSV column of the same field, e.g. 「生年月日（西暦）」.
    pub column: Option<String>,
    pub message: String,
}

/// A value the portal will store otherwise than it was sent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notice {
    pub field: Option<String>,
    pub column: String,
    pub original: String,
    pub stored: String,
    pub message: String,
}

/// What a valid row will be stored as.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StoredAttendee {
    pub kanji_name: String,
    pub furigana: String,
    #[schema(format = Date)]
    pub birth_date: String,
    /// 男 / 女
    pub sex: String,
    pub registry_number: String,
    pub units: Vec<Grant>,
}

/// One row's result, as the CSV preview shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RowResult {
    /// The row's position in `rows`, from 1 (the messages' 「N行目」 count the same way).
    pub line: u64,
    pub status: RowStatus,
    /// The preview's 結果: 「OK」「OK（確認）」「エラー」.
    pub status_label: String,
    /// 漢字氏名 and 医籍登録番号 as sent.
    pub name: String,
    pub registry_number: String,
    pub errors: Vec<RowMessage>,
    pub warnings: Vec<RowMessage>,
    /// The preview's 理由: errors then warnings, each 「列：理由」.
    pub reasons: Vec<String>,
    pub notices: Vec<Notice>,
    pub stored: Option<StoredAttendee>,
    /// 「取り消し済み」/「修正済み」: withdrawn or corrected on the work page; the commit skips
    /// this attendee unless its number is in the commit's `revive`.
    pub prior: Option<String>,
}

/// A batch checked and kept for its commit (nothing is registered yet).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchResult {
    /// Commit with `POST /api/v1/credits/batches/{id}/commit`.
    pub id: i64,
    pub rows_total: i64,
    pub rows_ok: i64,
    pub rows_warning: i64,
    pub rows_error: i64,
    /// A commit today is recorded as late.
    pub late: bool,
    pub rows: Vec<RowResult>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CommitInput {
    /// 医籍登録番号 of attendees withdrawn or corrected on the work page to register again.
    pub revive: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitCounts {
    /// Credit rows (attendee × category) in the batch.
    pub rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Shown on the physician's my page at once.
    pub matched: i64,
    /// Waiting for the physician's registration in MAMIS.
    pub unmatched: i64,
    /// Held for the office: the birth date differs from the physician's.
    pub birth_date_mismatch: i64,
    pub people: i64,
    /// Attendees skipped (withdrawn or corrected on the work page, not in `revive`).
    pub skipped: i64,
}

/// What a commit did.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitResult {
    pub batch_id: i64,
    pub late: bool,
    pub counts: CommitCounts,
    /// The work page's sentence about it.
    pub message: String,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreditQuery {
    /// Page, from 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Attendees a page (1–1000, 100 if absent).
    #[param(minimum = 1, maximum = 1000)]
    pub per_page: Option<i64>,
    /// 漢字氏名・フリガナ (contains) or 医籍登録番号 (starts with).
    pub q: Option<String>,
}

/// One credit of an attendee.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreditOut {
    pub category: String,
    pub label: String,
    pub units: String,
    /// `matched`, `unmatched`, `birth_date_mismatch` or `rejected`.
    pub match_status: String,
    /// The same in Japanese.
    pub match_label: String,
    pub late: bool,
    pub withdrawn: bool,
}

/// A registered attendee with their credits (withdrawn ones included, marked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttendeeOut {
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    #[schema(format = Date)]
    pub birth_date: String,
    pub credits: Vec<CreditOut>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreditPage {
    pub page: i64,
    pub per_page: i64,
    /// Attendees in the list (or found by `q`).
    pub total: i64,
    pub attendees: Vec<AttendeeOut>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Withdrawn {
    pub registry_number: String,
    /// Credits withdrawn.
    pub withdrawn: i64,
    pub message: String,
}
