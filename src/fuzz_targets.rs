//! One entry point per parser of untrusted input, for the fuzzers in `fuzz/` and the corpus
//! regression test (`tests/it/fuzz_corpus.rs`). Each takes raw bytes as they arrive (an
//! uploaded file, a urlencoded form body or query string) and runs the very parse the handler
//! runs. They return nothing: any panic, or an error message a physician could not read (not
//! Japanese), is a bug; cheap invariants are asserted on the way.

use chrono::{Datelike, NaiveDate};

use crate::domain::attendee_csv::{parse_attendee, parse_attendees, RawAttendee};
use crate::domain::category::{Category, Units};
use crate::domain::csv_text::{self, RowError};
use crate::domain::member_csv::{parse_certifications, parse_members};
use crate::domain::registration::{parse_details, parse_new_login_id, DetailsInput, FieldErrors};
use crate::domain::seminar::{check_application, parse_seminar, SeminarInput};
use crate::domain::{era, person, prefecture, text};
use crate::error::AppError;
use crate::web;

/// The day every target runs on: fixed, so that a corpus file means the same thing every run.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 10).expect("a valid date")
}

/// What a seminar grants in the attendee targets: one occupational and one sports category,
/// so that both unit paths are exercised.
fn grants() -> Vec<(Category, Units)> {
    let units = |s| Units::parse(s).expect("valid units");
    vec![
        (Category::LifelongRenewal, units("1")),
        (Category::LifelongSpecialized, units("1.5")),
        (Category::SportsRetraining, units("2")),
    ]
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// A message shown to a user: non-empty and Japanese.
fn japanese(message: &str) {
    assert!(message.chars().any(is_japanese), "not a Japanese message: {message:?}");
}

fn japanese_rows(errors: &[RowError]) {
    for e in errors {
        japanese(&e.message);
    }
}

fn japanese_fields(errors: &FieldErrors) {
    assert!(!errors.is_empty(), "a refusal without a reason");
    errors.messages().for_each(japanese);
}

fn japanese_app_error(error: &AppError) {
    match error {
        AppError::BadRequest(message) | AppError::Conflict(message) => japanese(message),
        other => panic!("a form parse answered {other:?}"),
    }
}

/// Lines of the decoded text (a row starts on a line; quoted line breaks only join lines).
fn line_count(text: &str) -> u64 {
    1 + csv_text::line_breaks(text.as_bytes())
}

/// The rule (and the database's CHECK): 1 to 10 ASCII digits, leading zeros dropped.
fn registry_ok(number: &str) {
    assert!(
        (1..=person::RegistryNumber::MAX_DIGITS).contains(&number.len())
            && number.bytes().all(|b| b.is_ascii_digit())
            && !number.starts_with('0'),
        "registry number {number:?} is not 1-10 ASCII digits without leading zeros"
    );
}

fn date_in_range(date: NaiveDate) {
    assert!((1868..=2200).contains(&date.year()), "implausible date {date}");
}

/// An uploaded attendee CSV (organizer's work page): bytes → decode → rows → outcomes, and
/// the handler's own `prepare` (preview, stored JSON) on the same bytes.
pub fn attendee_csv(data: &[u8]) {
    let grants = grants();
    let prepared = web::work::page::prepare(data, &grants, today());
    match &prepared {
        web::work::page::Parse::FileError(message) => japanese(message),
        web::work::page::Parse::RowErrors(errors) => {
            assert!(!errors.is_empty());
            japanese_rows(errors);
        }
        web::work::page::Parse::Ready(p) => {
            assert_eq!(p.rows_total, p.rows_ok + p.rows_error);
            assert!(p.rows_error >= 0);
        }
    }
    let Ok(text) = csv_text::decode(data) else { return };
    let Ok(parsed) = parse_attendees(&text, &grants, today()) else { return };
    let lines = line_count(&text);
    assert!(parsed.rows.len() as u64 <= lines, "more rows than lines");
    let mut previous = 1;
    for row in &parsed.rows {
        assert!(row.line > previous && row.line <= lines, "row line {} out of order", row.line);
        previous = row.line;
        match &row.result {
            Ok(a) => {
                registry_ok(a.registry_number.as_str());
                date_in_range(a.birth_date);
                assert!(a.birth_date <= today());
                for (category, units) in &a.units {
                    let granted = grants.iter().find(|(c, _)| c == category);
                    assert!(granted.is_some_and(|(_, g)| units <= g), "units beyond the grant");
                }
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "a refused row without a reason");
                japanese_rows(errors);
            }
        }
        japanese_rows(&row.warnings);
    }
    // Deterministic: the same bytes give the same outcome.
    let again = parse_attendees(&text, &grants, today()).expect("parsed once, parses again");
    assert_eq!(format!("{:?}", parsed.rows), format!("{:?}", again.rows));
}

/// An uploaded member CSV (staff import), for JMA (any prefecture) and for Tokyo's staff.
pub fn member_csv(data: &[u8]) {
    let text = match csv_text::decode(data) {
        Ok(text) => text,
        Err(message) => return japanese(message),
    };
    for scope in [None, Some(13)] {
        match parse_members(&text, today(), scope) {
            Ok(members) => {
                assert!(members.len() as u64 <= line_count(&text));
                for m in &members {
                    registry_ok(m.registry_number.as_str());
                    date_in_range(m.birth_date);
                    if let Some(code) = scope {
                        assert_eq!(m.prefecture_code, code);
                    }
                }
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                japanese_rows(&errors);
            }
        }
    }
}

/// The old system's certified-physician CSV (JMA import for linking).
pub fn certification_csv(data: &[u8]) {
    let text = match csv_text::decode(data) {
        Ok(text) => text,
        Err(message) => return japanese(message),
    };
    match parse_certifications(&text, today()) {
        Ok(rows) => {
            assert!(rows.len() as u64 <= line_count(&text));
            for r in &rows {
                registry_ok(r.registry_number.as_str());
                assert!(r.valid_from <= r.valid_until, "validity ends before it starts");
                assert!(!r.certificate_number.is_empty());
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            japanese_rows(&errors);
        }
    }
}

/// Registration details (self-registration, the welcome steps): `DetailsInput` →
/// `parse_details`; the profile edit runs `parse_contact` on the same form.
pub fn form_details(data: &[u8]) {
    let Ok(input) = serde_urlencoded::from_bytes::<DetailsInput>(data) else { return };
    match parse_details(&input, today()) {
        Ok(d) => {
            registry_ok(d.registry_number.as_str());
            date_in_range(d.birth_date);
            assert!(prefecture::name(d.prefecture_code).is_some());
            assert!(d.phone.is_some() || d.fax.is_some());
        }
        Err(errors) => japanese_fields(&errors),
    }
    match web::mypage::profile::parse_contact(&input) {
        Ok(c) => assert!(prefecture::name(c.prefecture_code).is_some()),
        Err(errors) => japanese_fields(&errors),
    }
}

/// Self-registration's last step: the details plus a login ID and password.
pub fn form_register_finish(data: &[u8]) {
    let Ok(form) = serde_urlencoded::from_bytes::<web::public::register::FinishForm>(data) else {
        return;
    };
    if let Err(message) = parse_new_login_id(&form.login_id) {
        japanese(message);
    }
    if let Err(errors) = parse_details(&form.details, today()) {
        japanese_fields(&errors);
    }
}

/// A request to change identity data (氏名, ふりがな, 生年月日, 性別, 医籍登録番号).
pub fn form_identity(data: &[u8]) {
    let Ok(form) = serde_urlencoded::from_bytes::<web::mypage::profile::IdentityForm>(data) else {
        return;
    };
    let current = crate::db::physicians::Physician {
        id: 1,
        account_id: Some(1),
        kanji_name: "山田 太郎".into(),
        furigana: "ヤマダ タロウ".into(),
        birth_date: NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date"),
        sex: "male".into(),
        registry_number: Some("123456".into()),
        phone: None,
        fax: None,
        postal_code: None,
        address: None,
        workplace: None,
        prefecture_code: Some(13),
        prefecture_name: None,
        is_member: false,
        registration_completed_at: None,
    };
    match web::mypage::profile::parse_identity(&form, &current, today()) {
        Ok((changes, reason)) => {
            assert!(!reason.trim().is_empty());
            if let Some(n) = &changes.registry_number {
                registry_ok(n);
            }
        }
        Err(errors) => japanese_fields(&errors),
    }
}

/// A seminar application (organizer's form, public form, paper entry by staff).
pub fn form_seminar(data: &[u8]) {
    let Ok(input) = serde_urlencoded::from_bytes::<SeminarInput>(data) else { return };
    match parse_seminar(&input, today()) {
        Ok(draft) => {
            assert!(draft.starts_on <= draft.ends_on);
            assert!(prefecture::name(draft.approving_prefecture_code).is_some());
            let mut seen = Vec::new();
            for (c, _) in &draft.units {
                assert!(!seen.contains(c), "category twice");
                seen.push(*c);
            }
            if let Err(errors) = check_application(&draft, today()) {
                japanese_fields(&errors);
            }
        }
        Err(errors) => japanese_fields(&errors),
    }
}

/// A credit declared by hand on an application (from the handbook or a certificate).
pub fn form_credit(data: &[u8]) {
    let Ok(form) = serde_urlencoded::from_bytes::<web::mypage::applications::CreditForm>(data)
    else {
        return;
    };
    let cut_over = NaiveDate::from_ymd_opt(2025, 4, 1).expect("a valid date");
    for programme in ["occupational", "sports"] {
        match web::mypage::applications::parse_credit(&form, programme, cut_over, today()) {
            Ok(c) => {
                assert_eq!(c.category.programme().code(), programme);
                assert!(c.attended_on < cut_over && c.attended_on <= today());
                assert!(c.units > rust_decimal::Decimal::ZERO);
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                errors.messages().for_each(japanese);
            }
        }
    }
}

/// The application's details form: route, route document date, receiver, free texts.
pub fn form_application_details(data: &[u8]) {
    let Ok(form) = serde_urlencoded::from_bytes::<web::mypage::applications::DetailsForm>(data)
    else {
        return;
    };
    // Any calendar date is a date here; whether it is plausible is the handler's check.
    let _ = web::mypage::applications::parse_date(&form.route_document_date);
    for (programme, kind) in [("occupational", "new"), ("sports", "renewal")] {
        let routes = web::mypage::applications::routes_for(programme, kind);
        assert!(!routes.is_empty());
    }
}

/// An organizer's single attendee entry (the form beside the CSV upload).
pub fn form_attendee_entry(data: &[u8]) {
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else { return };
    let fields: std::collections::HashMap<String, String> = fields.into_iter().collect();
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let grants = grants();
    let raw = RawAttendee {
        kanji_name: field("kanji_name"),
        furigana: field("furigana"),
        birth_date: field("birth_date"),
        sex: field("sex"),
        registry_number: field("registry_number"),
        email: field("email"),
        phone: field("phone"),
        fax: field("fax"),
        units: grants.iter().map(|(c, _)| (*c, field(c.code()))).collect(),
    };
    let (result, warnings) = parse_attendee(0, &raw, &grants, today());
    japanese_rows(&warnings);
    match result {
        Ok(a) => registry_ok(a.registry_number.as_str()),
        Err(errors) => {
            assert!(!errors.is_empty());
            japanese_rows(&errors);
        }
    }
}

/// Staff decisions and comments: application steps, seminar review, change requests, links,
/// reports, downtime windows and announcements; a missing-report claim.
pub fn form_staff_decision(data: &[u8]) {
    if let Ok(form) = serde_urlencoded::from_bytes::<web::office::applications::StepForm>(data) {
        let _ = form.version.trim().parse::<i32>();
        match web::office::applications::required_comment(&form.comment, "理由を入力してください。")
        {
            Ok(c) => assert_eq!(c.trim(), c),
            Err(message) => japanese(&message),
        }
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<web::office::seminars::CommentForm>(data) {
        if let Err(message) =
            web::office::seminars::required_comment(&form.comment, "理由を入力してください。")
        {
            japanese(message);
        }
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<web::office::changes::DecisionForm>(data) {
        for required in [false, true] {
            if let Err(message) = web::office::changes::parse_comment(&form.comment, required) {
                japanese(message);
            }
        }
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<web::admin::settings::WindowForm>(data) {
        for text in [&form.starts_at, &form.ends_at] {
            if let Err(message) = web::admin::settings::required_time(text) {
                japanese(message);
            }
        }
    }
    if let Ok(form) =
        serde_urlencoded::from_bytes::<web::mypage::missing_credits::MissingForm>(data)
    {
        if let Err(message) = web::work::report::long_text(&form.note, "内容を入力してください。")
        {
            japanese(message);
        }
        let _ = web::office::applications::parse_date(&form.date);
    }
}

/// Login and account forms: login ID, the page to return to, a new login ID and e-mail.
pub fn form_login(data: &[u8]) {
    if let Ok(form) = serde_urlencoded::from_bytes::<web::public::auth::LoginForm>(data) {
        let id = text::normalize_login_id(&form.login_id);
        assert_eq!(id.trim(), id);
        if let Some(next) = text::safe_next_path(&form.next) {
            assert!(next.starts_with('/') && !next.starts_with("//"));
            assert!(!next.contains(['\r', '\n']));
        }
        if let Err(message) = parse_new_login_id(&form.login_id) {
            japanese(message);
        }
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<web::public::recovery::ForgotForm>(data) {
        match person::parse_email(&form.email) {
            Ok(email) => assert!(email.contains('@') && !email.contains(char::is_whitespace)),
            Err(message) => japanese(message),
        }
    }
}

/// Query strings: export periods and prefecture, the notices month, paging, search.
pub fn query_strings(data: &[u8]) {
    if let Ok(query) = serde_urlencoded::from_bytes::<web::office::exports::ExportQuery>(data) {
        let default = (today(), today());
        match web::office::exports::period(&query, default) {
            Ok((from, until)) => assert!(from <= until),
            Err(e) => japanese_app_error(&e),
        }
        if let Some(p) = &query.prefecture {
            if let Some(code) = prefecture::parse(p) {
                assert!(prefecture::name(code).is_some());
            }
        }
    }
    if let Ok(query) = serde_urlencoded::from_bytes::<web::office::notices::NoticesQuery>(data) {
        match web::office::notices::parse_month(query.month.as_deref(), today()) {
            Ok(month) => assert_eq!(month.day(), 1),
            Err(e) => japanese_app_error(&e),
        }
    }
    let _ = serde_urlencoded::from_bytes::<web::office::watch::PageQuery>(data);
    let _ = serde_urlencoded::from_bytes::<web::admin::audit::AuditQuery>(data);
    let _ = serde_urlencoded::from_bytes::<web::office::physicians::SearchQuery>(data);
    let _ = serde_urlencoded::from_bytes::<web::mypage::applications::NewQuery>(data);
}

/// One typed value through every field parser: dates (western and 和暦), names, furigana,
/// numbers, contact data, units and prefectures.
pub fn field_text(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else { return };
    // Every parsed value is a fixed point: parsing what was stored gives it back.
    match era::parse_era_date(input) {
        Ok(Some(date)) => {
            date_in_range(date);
            let era = era::Era::of(date).expect("an era date has an era");
            assert_eq!(era::parse_era_date(&era.format(date)), Ok(Some(date)), "{date}");
        }
        Ok(None) => {}
        Err(message) => japanese(message),
    }
    let _ = person::parse_western_date(input);
    match person::parse_birth_date(input, today()) {
        Ok(date) => {
            assert!(date <= today());
            assert_eq!(person::parse_birth_date(&date.to_string(), today()), Ok(date));
        }
        Err(message) => japanese(message),
    }
    match person::parse_kanji_name(input) {
        Ok(name) => assert_eq!(person::parse_kanji_name(&name).as_deref(), Ok(name.as_str())),
        Err(message) => japanese(message),
    }
    match person::parse_furigana(input) {
        Ok(kana) => assert_eq!(person::parse_furigana(&kana).as_deref(), Ok(kana.as_str())),
        Err(message) => japanese(message),
    }
    let full = person::to_full_katakana(input);
    assert_eq!(person::to_full_katakana(&full), full, "katakana not idempotent");
    match person::RegistryNumber::parse(input) {
        Ok(n) => {
            registry_ok(n.as_str());
            assert_eq!(person::RegistryNumber::parse(n.as_str()), Ok(n.clone()));
        }
        Err(message) => japanese(message),
    }
    if let Err(message) = person::Sex::parse(input) {
        japanese(message);
    }
    for parse in [person::parse_phone, person::parse_postal_code] {
        match parse(input) {
            Ok(Some(value)) => assert_eq!(parse(&value), Ok(Some(value.clone()))),
            Ok(None) => {}
            Err(message) => japanese(message),
        }
    }
    match person::parse_email(input) {
        Ok(email) => assert_eq!(person::parse_email(&email).as_deref(), Ok(email.as_str())),
        Err(message) => japanese(message),
    }
    if let Err(message) = person::parse_free_text(input, 100, Some("入力してください。")) {
        japanese(message);
    }
    match Units::parse(input) {
        Ok(u) => {
            assert!(u.value() > rust_decimal::Decimal::ZERO);
            assert_eq!(Units::parse(&u.to_string()), Ok(u));
        }
        Err(message) => japanese(message),
    }
    if let Err(message) = web::mypage::applications::parse_units(input) {
        japanese(message);
    }
    if let Some(code) = prefecture::parse(input) {
        let name = prefecture::name(code).expect("a parsed prefecture has a name");
        assert_eq!(prefecture::parse(name), Some(code));
    }
    match crate::domain::member_csv::parse_certificate_number(input) {
        Ok(n) => {
            assert_eq!(crate::domain::member_csv::parse_certificate_number(&n), Ok(n.clone()))
        }
        Err(message) => japanese(message),
    }
    let half = text::to_halfwidth_ascii(input);
    assert_eq!(text::to_halfwidth_ascii(&half), half);
    let _ = crate::clock::parse_jst(input);
}

#[cfg(test)]
mod corpus;
