//! A physician's private calendar feed (issue 14): issuing and revoking its URL (audited, in
//! one transaction) and writing the feed itself.
//!
//! The token is 32 random bytes and only its SHA-256 is stored. A slow hash (argon2) protects
//! guessable secrets such as passwords; a 256-bit random token cannot be guessed, and the feed
//! is looked up by its hash on every calendar poll, which needs a deterministic, indexed hash.

use serde_json::json;
use sqlx::PgPool;

use crate::clock::Jst;
use crate::db::{self, audit, audit::Who};
use crate::domain::application::Status;
use crate::domain::audit_action::AuditAction;
use crate::domain::category::{Format, Programme};
use crate::domain::record_status::CertificationStatus;
use crate::domain::renewal_calendar::{
    self, AppliedSeminar, Certification, Facts, OpenApplication,
};

/// Issues a new feed URL token for the physician, revoking the one in force; returns the
/// token (shown once, never stored).
pub async fn issue(pool: &PgPool, who: &Who, physician_id: i64, now: Jst) -> sqlx::Result<String> {
    let token = db::tokens::new_token();
    let mut tx = pool.begin().await?;
    let replaced = db::calendar_feeds::revoke(&mut tx, physician_id, now).await?;
    let id =
        db::calendar_feeds::insert(&mut tx, physician_id, &db::tokens::hash(&token), now).await?;
    audit::record(
        &mut tx,
        who,
        now,
        audit::Entry {
            action: AuditAction::CalendarFeedIssued.code(),
            entity_type: "calendar_feed",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({"physician_id": physician_id, "replaced": replaced})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Revokes the physician's feed; false when there was none.
pub async fn revoke(pool: &PgPool, who: &Who, physician_id: i64, now: Jst) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    if !db::calendar_feeds::revoke(&mut tx, physician_id, now).await? {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        who,
        now,
        audit::Entry {
            action: AuditAction::CalendarFeedRevoked.code(),
            entity_type: "calendar_feed",
            entity_id: None,
            before: None,
            after: Some(json!({"physician_id": physician_id})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The feed (text/calendar) of the token, or None when no feed in force has it.
pub async fn feed(
    pool: &PgPool,
    token: &str,
    now: Jst,
    base_url: &str,
) -> sqlx::Result<Option<String>> {
    let Some((physician_id, Some(account_id))) =
        db::calendar_feeds::physician_of(pool, &db::tokens::hash(token)).await?
    else {
        return Ok(None);
    };
    let today = now.date_naive();
    let Some(page) = db::my_page::load(pool, account_id, today).await? else {
        return Ok(None);
    };
    let certifications: Vec<Certification> = page
        .certifications
        .iter()
        .filter(|c| c.status == CertificationStatus::Active)
        .filter_map(|c| {
            Some(Certification {
                id: c.id,
                programme: Programme::from_code(&c.programme)?,
                valid_until: c.valid_until,
                renewed: c.next_term_id.is_some(),
            })
        })
        .collect();
    let applications: Vec<OpenApplication> = page
        .applications
        .iter()
        .filter(|a| !a.status().is_closed() && a.status() != Status::Draft)
        .filter_map(|a| {
            Some(OpenApplication {
                id: a.id,
                programme: Programme::from_code(&a.programme)?,
                cycle_number: a.cycle_number,
                committee_date: a.committee_date?,
            })
        })
        .collect();
    let seminars: Vec<AppliedSeminar> = db::finder::applied_seminars(pool, physician_id, today)
        .await?
        .into_iter()
        .map(|s| AppliedSeminar {
            id: s.id,
            title: s.title,
            first_day: s.starts_on,
            last_day: s.ends_on,
            venue: s.venue,
            format: Format::from_code(&s.format).map(Format::label).unwrap_or("―"),
            organizer: s.organizer_name,
        })
        .collect();
    let facts = Facts {
        certifications: &certifications,
        deadlines: &page.deadlines,
        applications: &applications,
        seminars: &seminars,
        base_url: base_url.trim_end_matches('/'),
    };
    let events = renewal_calendar::events(&facts, today);
    let name = format!("MAMIS {}", page.physician.physician.kanji_name);
    Ok(Some(crate::domain::ical::calendar(&name, &events, now.to_utc())))
}
