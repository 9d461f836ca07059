//! Applying for a seminar and correcting a returned application: the one path every seminar
//! form takes (an association's staff, an outside organizer on the public form, the staff's
//! correction, the outside organizer's correction link). The form is checked once
//! (`check`), the committee the seminar would reach must come before its first day, a form
//! posted twice creates one seminar, and the seminar, its programme, its PDF attachments, the
//! audit entry and the receipt mail are written in one transaction.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::PgConnection;

use super::mail::{self as seminar_mail, MailSeminar};
use super::{conflict_message, editable, returned_by_link};
use crate::clock::Jst;
use crate::db::accounts::CurrentAccount;
use crate::db::audit::{self, Who};
use crate::db::form_submissions::{self, Claim};
use crate::db::seminars::{self, NewSeminar, Seminar};
use crate::db::{reports, seminar_lectures, seminar_links, seminar_review};
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{check_application, parse_seminar, SeminarDraft, SeminarInput};
use crate::domain::seminar_cycle::{self, CycleDates};
use crate::domain::seminar_status::Status;
use crate::domain::timetable::{parse_timetable, Lecture, RawLecture};
use crate::domain::upload::PdfFile;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The owner type of a seminar application's attachments (`uploaded_files.owner_type`).
pub const FILES_OWNER: &str = "seminar_application";

/// A seminar form as posted: its fields, the programme rows, the PDF files it carried and the
/// sentence about files refused on reading (not a PDF, too large, too many).
#[derive(Default)]
pub struct Posted {
    pub input: SeminarInput,
    pub lectures: Vec<RawLecture>,
    pub files: Vec<PdfFile>,
    pub file_error: Option<String>,
}

/// A form refused: what was typed, to show again next to its errors.
#[derive(Debug)]
pub struct Refusal {
    pub input: SeminarInput,
    pub errors: FieldErrors,
    pub lectures: Vec<RawLecture>,
    /// The programme's problems, 「N行目：…」.
    pub lecture_errors: Vec<String>,
    pub file_error: Option<String>,
}

/// A form the rules accept, with what is needed to show it again should the database refuse it.
pub struct Checked {
    input: SeminarInput,
    raw_lectures: Vec<RawLecture>,
    files: Vec<PdfFile>,
    pub draft: SeminarDraft,
    lectures: Vec<Lecture>,
}

impl Checked {
    fn refuse(self, errors: FieldErrors) -> Box<Refusal> {
        Box::new(Refusal {
            input: self.input,
            errors,
            lectures: self.raw_lectures,
            lecture_errors: Vec::new(),
            file_error: None,
        })
    }
}

/// Who applies.
pub enum Applicant {
    /// An organizer outside the associations, on the public form (no account).
    Outside,
    /// A staff member for their own association: it organizes, its prefecture approves.
    Association { id: i64, name: String, prefecture: i16, account_id: i64 },
}

impl Applicant {
    /// The staff member's association as organizer; 403 for an account without one.
    pub fn association_of(user: &CurrentAccount) -> AppResult<Applicant> {
        let a = user.association.as_ref().ok_or(AppError::Forbidden)?;
        let prefecture = a.prefecture_code.ok_or(AppError::Forbidden)?;
        Ok(Applicant::Association {
            id: a.id,
            name: a.name.clone(),
            prefecture,
            account_id: user.id,
        })
    }

    /// The organizer and approving prefecture the form cannot change.
    pub fn fixed(&self) -> Option<(&str, i16)> {
        match self {
            Applicant::Outside => None,
            Applicant::Association { name, prefecture, .. } => Some((name, *prefecture)),
        }
    }
}

/// The one check of every seminar form: the organizer fields the applicant cannot choose are
/// set (`fixed`: organizer name and approving prefecture), then the seminar's rules, the files
/// and the programme. An outside body names itself; no form may claim an association.
pub fn check(
    posted: Posted,
    fixed: Option<(&str, i16)>,
    today: NaiveDate,
) -> Result<Checked, Box<Refusal>> {
    let Posted { mut input, lectures: raw_lectures, files, file_error } = posted;
    if let Some((name, prefecture)) = fixed {
        input.organizer_name = name.to_string();
        input.approving_prefecture = prefecture.to_string();
    }
    input.organizer_association = String::new();
    let draft = parse_seminar(&input, today)
        .and_then(|d| check_application(&d, today).map(|_| d))
        .and_then(|d| match &file_error {
            // Refused files keep the whole form from being saved (they are chosen again).
            Some(message) => {
                let mut errors = FieldErrors::default();
                errors.add("attachment", message.clone());
                Err(errors)
            }
            None => Ok(d),
        });
    let draft = match draft {
        Ok(d) => d,
        Err(errors) => {
            let lecture_errors = Vec::new();
            return Err(Box::new(Refusal {
                input,
                errors,
                lectures: raw_lectures,
                lecture_errors,
                file_error,
            }));
        }
    };
    match parse_timetable(&raw_lectures, &draft.units) {
        Ok(lectures) => Ok(Checked { input, raw_lectures, files, draft, lectures }),
        Err(lecture_errors) => {
            let mut errors = FieldErrors::default();
            errors.add("timetable", "プログラムを確認してください。");
            Err(Box::new(Refusal {
                input,
                errors,
                lectures: raw_lectures,
                lecture_errors,
                file_error,
            }))
        }
    }
}

/// The refusal of a seminar that starts before the committee an application made `today`
/// reaches, as the form's error on the first day.
pub async fn cycle_errors(
    conn: &mut PgConnection,
    starts_on: NaiveDate,
    today: NaiveDate,
) -> AppResult<Option<FieldErrors>> {
    let cycle = seminar_review::next_cycle(conn, today).await?.map(|c| CycleDates {
        fiscal_year: c.fiscal_year,
        number: c.number,
        intake_deadline: c.intake_deadline,
        committee_date: c.committee_date,
    });
    Ok(seminar_cycle::refusal(starts_on, cycle.as_ref()).map(|message| {
        let mut errors = FieldErrors::default();
        errors.add("starts_on", message);
        errors
    }))
}

/// The form's idempotency key, if it is one (random, 16–64 letters and digits).
pub fn key(input: &SeminarInput) -> Option<&str> {
    let key = input.idempotency_key.trim();
    let valid = (16..=64).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    valid.then_some(key)
}

/// Claims the key in the caller's transaction: None when this is its first use, else what the
/// earlier submission created.
pub async fn seen(
    conn: &mut PgConnection,
    key: &str,
    form: &str,
    now: Jst,
) -> AppResult<Option<Option<i64>>> {
    Ok(match form_submissions::claim(conn, key, form, now).await? {
        Claim::Fresh => None,
        Claim::Seen(record) => Some(record),
    })
}

/// Keeps the files with the seminar (in the caller's transaction).
pub async fn store_files(
    conn: &mut PgConnection,
    seminar_id: i64,
    files: &[PdfFile],
    now: Jst,
) -> sqlx::Result<()> {
    for f in files {
        reports::add_file(conn, FILES_OWNER, seminar_id, &f.name, "application/pdf", &f.data, now)
            .await?;
    }
    Ok(())
}

/// (category code, units) pairs for the database.
pub fn unit_rows(draft: &SeminarDraft) -> Vec<(&'static str, Decimal)> {
    draft.units.iter().map(|(c, u)| (c.code(), u.value())).collect()
}

pub(crate) fn new_seminar<'a>(
    draft: &'a SeminarDraft,
    units: &'a [(&'a str, Decimal)],
    organizer_association_id: Option<i64>,
    status: Status,
    submitted_by: Option<i64>,
    paper_approved: bool,
) -> NewSeminar<'a> {
    NewSeminar {
        programme: draft.programme.code(),
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        format: draft.format.code(),
        venue: &draft.venue,
        organizer_association_id,
        organizer_name: &draft.organizer_name,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
        contact_phone: draft.contact_phone.as_deref(),
        contact_fax: draft.contact_fax.as_deref(),
        approving_prefecture_code: draft.approving_prefecture_code,
        status: status.code(),
        submitted_by,
        paper_approved,
        recruiting: draft.recruiting,
        capacity: draft.capacity,
        units,
    }
}

/// The draft as the audit log keeps it.
pub fn draft_json(draft: &SeminarDraft) -> serde_json::Value {
    let units: serde_json::Map<String, serde_json::Value> =
        draft.units.iter().map(|(c, u)| (c.code().to_string(), json!(u.to_string()))).collect();
    json!({
        "programme": draft.programme.code(),
        "title": draft.title,
        "starts_on": draft.starts_on,
        "ends_on": draft.ends_on,
        "format": draft.format.code(),
        "venue": draft.venue,
        "organizer_name": draft.organizer_name,
        "contact_name": draft.contact_name,
        "contact_email": draft.contact_email,
        "contact_phone": draft.contact_phone,
        "contact_fax": draft.contact_fax,
        "approving_prefecture_code": draft.approving_prefecture_code,
        "units": units,
        "recruiting": draft.recruiting,
        "capacity": draft.capacity,
    })
}

/// What an application did.
#[derive(Debug)]
pub enum Created {
    /// A new seminar, waiting for its prefecture; the receipt went to `contact_email`.
    New { id: i64, contact_email: String },
    /// The same form again: what the first POST created (None if nothing).
    Again(Option<i64>),
    /// The database's part of the check refused it (the committee comes too late).
    Refused(Box<Refusal>),
}

/// Applies for a seminar with a checked form.
pub async fn create(
    state: &AppState,
    who: &Who,
    now: Jst,
    applicant: &Applicant,
    checked: Checked,
) -> AppResult<Created> {
    let mut tx = state.pool.begin().await?;
    let draft = &checked.draft;
    if let Some(errors) = cycle_errors(&mut tx, draft.starts_on, now.date_naive()).await? {
        return Ok(Created::Refused(checked.refuse(errors)));
    }
    let (form, association, account) = match applicant {
        Applicant::Outside => ("seminar_apply", None, None),
        Applicant::Association { id, account_id, .. } => {
            ("seminar_staff", Some(*id), Some(*account_id))
        }
    };
    let key = key(&checked.input);
    if let Some(key) = key {
        if let Some(seen) = seen(&mut tx, key, form, now).await? {
            return Ok(Created::Again(seen));
        }
    }
    let units = unit_rows(draft);
    let new = new_seminar(draft, &units, association, Status::Submitted, account, false);
    let id = seminars::create(&mut tx, &new, now).await?;
    seminar_lectures::replace(&mut tx, id, &checked.lectures).await?;
    store_files(&mut tx, id, &checked.files, now).await?;
    if let Some(key) = key {
        form_submissions::done(&mut tx, key, id).await?;
    }
    let entry = audit::Entry {
        action: "seminar.submitted",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(draft_json(draft)),
    };
    audit::record(&mut tx, who, now, entry).await?;
    let mail = MailSeminar::from_draft(id, draft, draft.approving_prefecture_code);
    match applicant {
        Applicant::Outside => seminar_mail::received_unconfirmed(&mut tx, &mail, now).await?,
        Applicant::Association { .. } => seminar_mail::received(&mut tx, &mail, now).await?,
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Created::New { id, contact_email: draft.contact_email.clone() })
}

/// Which returned (or still waiting) application is corrected, and by whom.
pub enum Correction<'a> {
    /// Its association's staff member, on the office page.
    Staff { account: &'a CurrentAccount, id: i64 },
    /// The outside organizer, through the private link of the return mail.
    Link { token: &'a str },
}

/// What a correction did.
#[derive(Debug)]
pub enum Resubmitted {
    /// Back with the approving prefecture, same number.
    Done(i64),
    /// Refused; the seminar as it stands, to show the form again.
    Refused(Box<Seminar>, Box<Refusal>),
}

fn resubmission<'a>(
    draft: &'a SeminarDraft,
    units: &'a [(&'a str, Decimal)],
) -> seminar_review::Resubmission<'a> {
    seminar_review::Resubmission {
        programme: draft.programme.code(),
        title: &draft.title,
        starts_on: draft.starts_on,
        ends_on: draft.ends_on,
        format: draft.format.code(),
        venue: &draft.venue,
        contact_name: &draft.contact_name,
        contact_email: &draft.contact_email,
        contact_phone: draft.contact_phone.as_deref(),
        contact_fax: draft.contact_fax.as_deref(),
        recruiting: draft.recruiting,
        capacity: draft.capacity,
        units,
    }
}

/// Corrects an application: the organizer and the approving prefecture stay as applied, the
/// rest is replaced, and it goes back to the prefecture with the same number and history.
pub async fn resubmit(
    state: &AppState,
    who: &Who,
    now: Jst,
    correction: Correction<'_>,
    posted: Posted,
) -> AppResult<Resubmitted> {
    let mut tx = state.pool.begin().await?;
    let seminar = match &correction {
        Correction::Staff { account, id } => editable(&mut tx, account, *id, true).await?,
        Correction::Link { token } => returned_by_link(&mut tx, token, true).await?,
    };
    let today = now.date_naive();
    let fixed = Some((seminar.organizer_name.as_str(), seminar.approving_prefecture_code));
    let checked = match check(posted, fixed, today) {
        Ok(c) => c,
        Err(refusal) => return Ok(Resubmitted::Refused(Box::new(seminar), refusal)),
    };
    if let Some(errors) = cycle_errors(&mut tx, checked.draft.starts_on, today).await? {
        return Ok(Resubmitted::Refused(Box::new(seminar), checked.refuse(errors)));
    }
    let draft = &checked.draft;
    let units = unit_rows(draft);
    let (by, conflict, after) = match &correction {
        Correction::Staff { account, .. } => {
            (Some(account.id), conflict_message(seminar.status), draft_json(draft))
        }
        Correction::Link { .. } => (
            None,
            "この申請は、すでに再申請されています。".to_string(),
            json!({ "via": "correction_link", "seminar": draft_json(draft) }),
        ),
    };
    let id = seminar.id;
    if !seminar_review::resubmit(&mut tx, id, &resubmission(draft, &units), by, now).await? {
        return Err(AppError::Conflict(conflict));
    }
    seminar_lectures::replace(&mut tx, id, &checked.lectures).await?;
    store_files(&mut tx, id, &checked.files, now).await?;
    if let Correction::Link { token } = correction {
        seminar_links::close(&mut tx, token, now).await?;
    }
    let entry = audit::Entry {
        action: "seminar.resubmitted",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": seminar.status, "status_comment": seminar.status_comment })),
        after: Some(after),
    };
    audit::record(&mut tx, who, now, entry).await?;
    let mail = MailSeminar::from_draft(id, draft, seminar.approving_prefecture_code);
    seminar_mail::received(&mut tx, &mail, now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Resubmitted::Done(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 7, 10).unwrap()
    }

    fn posted() -> Posted {
        let input = SeminarInput {
            programme: "occupational".into(),
            title: "産業医研修会".into(),
            starts_on: "2025/12/20".into(),
            format: "in_person".into(),
            venue: "医師会館".into(),
            organizer_name: "（選んだ名前）".into(),
            organizer_association: "7".into(),
            contact_name: "山田".into(),
            contact_email: "kenshu@example.jp".into(),
            contact_phone: "03-1234-5678".into(),
            approving_prefecture: "13".into(),
            ..Default::default()
        };
        let mut input = input;
        input.set_units(crate::domain::category::Category::LifelongRenewal, "1".into());
        let lectures = vec![RawLecture {
            subject: "総論".into(),
            lecturer: "山田".into(),
            minutes: "60".into(),
            category: "lifelong_renewal".into(),
        }];
        Posted { input, lectures, files: Vec::new(), file_error: None }
    }

    #[test]
    fn fixed_organizer_wins_over_what_was_typed_and_no_form_claims_an_association() {
        let checked = check(posted(), Some(("千代田区医師会", 13)), today()).expect("valid");
        assert_eq!(checked.draft.organizer_name, "千代田区医師会");
        assert_eq!(checked.input.organizer_association, "");
        let outside = check(posted(), None, today()).expect("valid");
        assert_eq!(outside.draft.organizer_name, "（選んだ名前）");
        assert_eq!(outside.input.organizer_association, "");
    }

    #[test]
    fn a_refused_file_refuses_the_form_and_keeps_what_was_typed() {
        let mut p = posted();
        p.file_error = Some("「a.doc」はPDFではないため添付できません。".into());
        let refusal = check(p, None, today()).err().expect("refused");
        assert!(refusal.errors.get("attachment").is_some());
        assert_eq!(refusal.input.title, "産業医研修会");
        assert_eq!(refusal.lectures.len(), 1);
    }

    #[test]
    fn a_programme_short_of_the_units_is_refused_row_by_row() {
        let mut p = posted();
        p.lectures[0].minutes = "30".into();
        let refusal = check(p, None, today()).err().expect("refused");
        assert!(refusal.errors.get("timetable").is_some());
        assert!(!refusal.lecture_errors.is_empty());
    }
}
