//! What every seminar application form checks before it writes (issue 10, part 5): the
//! committee that would approve the seminar comes before its first day, and a form posted
//! twice creates one seminar.

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::clock::Jst;
use crate::db::form_submissions::{self, Claim};
use crate::db::seminar_review;
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::SeminarInput;
use crate::domain::seminar_cycle::{self, CycleDates};
use crate::error::AppResult;

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
