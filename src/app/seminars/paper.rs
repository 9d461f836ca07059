//! JMA enters a seminar approved on paper (before the portal took applications): it is
//! approved at once and its work page is issued to the organizer's contact.

use serde_json::json;

use super::mail::WorkPageMail;
use super::submission::{draft_json, key, new_seminar, seen, unit_rows};
use super::{work_page, Staff};
use crate::db::{audit, form_submissions, seminar_review, seminars};
use crate::domain::policy::Action;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{parse_seminar, SeminarInput};
use crate::domain::seminar_status::Status;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a paper entry did.
pub enum Entered {
    /// Approved; the work-page URL went to `contact_email`.
    New { id: i64, contact_email: String },
    /// The same form again: what the first POST created.
    Again(Option<i64>),
    /// Refused, with the form as typed.
    Refused(Box<SeminarInput>, FieldErrors),
}

const CHOOSE_AGAIN: &str = "主催した医師会を選び直してください。";

/// Enters the seminar; the organizer is the chosen association (or an outside body by name).
pub async fn enter(
    state: &AppState,
    staff: &Staff<'_>,
    mut input: SeminarInput,
) -> AppResult<Entered> {
    staff.require(Action::DecideSeminarAtCommittee)?;
    let mut tx = state.pool.begin().await?;
    let mut errors = FieldErrors::default();
    let association = match input.organizer_association.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => seminar_review::association(&mut tx, id).await?,
            Err(_) => None,
        }
        .or_else(|| {
            errors.add("organizer_association", CHOOSE_AGAIN);
            None
        }),
    };
    if let Some(a) = &association {
        input.organizer_name = a.name.clone();
    }
    let draft = match parse_seminar(&input, staff.now.date_naive()) {
        Ok(d) if errors.is_empty() => d,
        Ok(_) => return Ok(Entered::Refused(Box::new(input), errors)),
        Err(more) => {
            errors.merge(more);
            return Ok(Entered::Refused(Box::new(input), errors));
        }
    };
    // Posted twice (a double click, a reload): one seminar and one work-page mail.
    let key = key(&input);
    if let Some(key) = key {
        if let Some(seen) = seen(&mut tx, key, "seminar_paper", staff.now).await? {
            return Ok(Entered::Again(seen));
        }
    }
    let units = unit_rows(&draft);
    let association_id = association.as_ref().map(|a| a.id);
    let (by, now) = (Some(staff.account.id), staff.now);
    let new = new_seminar(&draft, &units, association_id, Status::Approved, by, true);
    let id = seminars::create(&mut tx, &new, now).await?;
    if let Some(key) = key {
        form_submissions::done(&mut tx, key, id).await?;
    }
    seminar_review::record_paper_decision(&mut tx, id, staff.account.id, now).await?;
    let mut after = draft_json(&draft);
    after["status"] = json!(Status::Approved);
    after["paper_approved"] = json!(true);
    after["organizer_association_id"] = json!(association_id);
    let entry = audit::Entry {
        action: "seminar.paper_entered",
        entity_type: "seminar",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, &staff.who, now, entry).await?;
    let seminar = seminars::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let base_url = &state.config.base_url;
    work_page::issue(&mut tx, base_url, staff, &seminar, WorkPageMail::PaperApproved).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Entered::New { id, contact_email: draft.contact_email })
}
