//! The staff's steps on an application, one function per command: municipal reception, return
//! to the physician (any tier whose turn it is), the prefecture's fee and handbook receipts and
//! its approval (forwarding to a review cycle); the JMA's approval or rejection are in
//! `committee`. Each locks the
//! application, asks `domain::application::transition` for the next status, writes, records the
//! event and the audit entry and queues the physician's mail, in one transaction.

use serde_json::json;
use sqlx::PgConnection;

use crate::clock::{format_jp_date, Jst};
use crate::db::accounts::CurrentAccount;
use crate::db::application_review::{self as review_db, Application, Change};
use crate::db::audit::{self, Who};
use crate::domain::application::{transition, Actor as DomainActor, Event, Status};
use crate::domain::application_event::ApplicationEvent;
use crate::domain::category::Programme;
use crate::domain::policy::{allows, Action};
use crate::domain::prefecture;
use crate::domain::review::{self, kind_label, Tier};
use crate::error::{AppError, AppResult};
use crate::mail::messages::physician::{
    ApplicationFeeRecorded, ApplicationHandbookReceived, ApplicationHead,
    ApplicationPrefectureApproved, ApplicationReceivedMunicipal, ApplicationReturned, Committee,
};
use crate::mail::messages::{Contact, Message};
use crate::mail::{self, Signature};
use crate::state::AppState;

const COMMENT_MAX: usize = 1000;
pub const CONFLICT_MESSAGE: &str =
    "この申請は、ほかの担当者がすでに処理しました。画面の内容をご確認ください。";

/// The staff member taking a step, as the request knows them.
pub struct Clerk<'a> {
    pub user: &'a CurrentAccount,
    pub who: Who,
    pub now: Jst,
}

/// What a step did.
pub enum Outcome {
    /// Done; the notice to show on the application page.
    Done(String),
    /// Not this clerk's turn on the version their page showed: someone else acted first.
    Stale,
    /// The step cannot be taken as asked: `error` is shown beside the form named `form`
    /// ("return", "reject", "approve"); `conflict` when the record (not the input) refuses.
    Refused { form: &'static str, error: String, conflict: bool },
}

impl Outcome {
    pub(super) fn refused(form: &'static str, error: impl Into<String>) -> Self {
        Outcome::Refused { form, error: error.into(), conflict: false }
    }
}

/// Which receipt the prefecture records.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Fee,
    Handbook,
}

/// The review tier a staff role acts as.
pub fn tier_of(user: &CurrentAccount) -> Option<Tier> {
    Tier::of_role(user.role)
}

/// Staff outside the application's reach get 404: the page does not tell them it exists.
pub fn ensure_visible(user: &CurrentAccount, app: &Application) -> AppResult<()> {
    if user.role.is_staff() && allows(&user.actor(), Action::ViewApplication(app.policy_target())) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whose turn it is on the application.
pub fn acting_tier(app: &Application) -> Option<Tier> {
    review::acting_tier(
        app.status.code(),
        app.received_by_municipal(),
        app.returned_by_tier.as_deref(),
    )
}

pub fn prefecture_association_name(code: i16) -> String {
    format!("{}医師会", prefecture::name(code).unwrap_or("（不明）"))
}

pub fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("不明")
}

/// A required comment (a return's or a rejection's reason), trimmed and within the limit.
pub fn required_comment(text: &str, missing: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(missing.to_string());
    }
    if text.chars().count() > COMMENT_MAX {
        return Err("コメントは1000文字以内で入力してください。".to_string());
    }
    Ok(text.to_string())
}

// ---------------------------------------------------------------------------------------------
// Mail, events and audit.

pub(super) fn mail_head(app: &Application) -> ApplicationHead {
    ApplicationHead {
        name: app.kanji_name.clone(),
        application_id: app.id,
        programme: programme_label(&app.programme).to_string(),
        kind: kind_label(&app.kind).to_string(),
    }
}

/// Sent by the association that acted; questions go to the association the physician
/// applied through.
pub(super) fn mail_signature(app: &Application, sender: String, reason: &str) -> Signature {
    Signature {
        sender,
        contact: Contact::association(app.receiving_name.clone()),
        reason: reason.to_string(),
    }
}

pub(super) async fn mail_physician(
    conn: &mut PgConnection,
    app: &Application,
    message: &impl Message,
    now: Jst,
) -> sqlx::Result<()> {
    let Some(to) = app.email.as_deref() else {
        return Ok(());
    };
    mail::queue(conn, to, message, now).await?;
    Ok(())
}

/// The status `event` by `tier` leads to, by the domain's state machine; a step the machine
/// refuses (another tier's turn, a decided application) is a conflict with its message.
pub(super) fn next_status(app: &Application, tier: Tier, event: Event) -> AppResult<Status> {
    transition(app.state(), DomainActor::Staff(tier), event)
        .map_err(|message| AppError::Conflict(message.into()))
}

/// The step in the application's history and in the audit log.
pub(super) async fn record_step(
    conn: &mut PgConnection,
    clerk: &Clerk<'_>,
    app: &Application,
    tier: Tier,
    step: ApplicationEvent,
    comment: Option<&str>,
    after: serde_json::Value,
) -> sqlx::Result<()> {
    let action = step.code();
    let actor = clerk.who.actor_account_id;
    review_db::add_event(conn, app.id, clerk.now, actor, tier.code(), action, comment).await?;
    let entry = audit::Entry {
        action: &format!("application.{action}"),
        entity_type: "application",
        entity_id: Some(app.id.to_string()),
        before: Some(json!({ "status": app.status, "version": app.version })),
        after: Some(after),
    };
    audit::record(conn, &clerk.who, clerk.now, entry).await
}

/// The locked application, if it is this clerk's turn (as `tier`) on the version their page
/// showed.
pub(super) async fn lock_turn(
    conn: &mut PgConnection,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
    tier: Tier,
) -> AppResult<Option<Application>> {
    let app = review_db::get_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
    ensure_visible(clerk.user, &app)?;
    if tier_of(clerk.user) != Some(tier) {
        return Err(AppError::Forbidden);
    }
    if acting_tier(&app) != Some(tier) || version.trim().parse::<i32>().ok() != Some(app.version) {
        return Ok(None);
    }
    Ok(Some(app))
}

pub(super) fn status_only(status: Status) -> Change<'static> {
    Change {
        status,
        returned_by_tier: None,
        return_comment: None,
        cycle_id: None,
        forwarded: false,
        decided_by: None,
    }
}

const PROGRESS: &str = "申請の審査の状況のお知らせ";
pub(super) const RESULT: &str = "申請の審査の結果のお知らせ";

/// The municipal association receives the application; the prefecture reviews it next.
pub async fn receive(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
) -> AppResult<Outcome> {
    let mut tx = state.pool.begin().await?;
    let Some(app) = lock_turn(&mut tx, clerk, id, version, Tier::Municipal).await? else {
        return Ok(Outcome::Stale);
    };
    let next = next_status(&app, Tier::Municipal, Event::Receive)?;
    if !review_db::change(&mut tx, id, app.version, &status_only(next), clerk.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": next });
    record_step(&mut tx, clerk, &app, Tier::Municipal, ApplicationEvent::Received, None, after)
        .await?;
    let message = ApplicationReceivedMunicipal {
        head: mail_head(&app),
        municipal: app.receiving_name.clone(),
        sig: mail_signature(&app, app.receiving_name.clone(), PROGRESS),
    };
    mail_physician(&mut tx, &app, &message, clerk.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Outcome::Done("受け付けました。都道府県医師会の審査に回ります。".into()))
}

/// The tier whose turn it is returns the application to the physician with what to correct.
pub async fn return_to_physician(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
    comment: &str,
) -> AppResult<Outcome> {
    let tier = tier_of(clerk.user).ok_or(AppError::Forbidden)?;
    let mut tx = state.pool.begin().await?;
    let Some(app) = lock_turn(&mut tx, clerk, id, version, tier).await? else {
        return Ok(Outcome::Stale);
    };
    let missing = "差し戻す理由（医師に修正してほしいこと）を入力してください。";
    let comment = match required_comment(comment, missing) {
        Ok(c) => c,
        Err(error) => return Ok(Outcome::refused("return", error)),
    };
    let next = next_status(&app, tier, Event::Return)?;
    let change = Change {
        returned_by_tier: Some(tier.code()),
        return_comment: Some(&comment),
        ..status_only(next)
    };
    if !review_db::change(&mut tx, id, app.version, &change, clerk.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": next, "returned_by_tier": tier.code(), "comment": comment });
    record_step(&mut tx, clerk, &app, tier, ApplicationEvent::Returned, Some(&comment), after)
        .await?;
    let association = clerk.user.association.as_ref().map(|a| a.name.as_str());
    let sender = mail::messages::acting_association(association);
    let message = ApplicationReturned {
        head: mail_head(&app),
        tier: tier.label().to_string(),
        comment: comment.clone(),
        mypage_url: format!("{}/mypage", state.config.base_url),
        sig: mail_signature(&app, sender, PROGRESS),
    };
    mail_physician(&mut tx, &app, &message, clerk.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Outcome::Done("差し戻しました。医師に理由をメールで知らせました。".into()))
}

/// The prefecture records the fee's payment or the handbook's receipt (once each).
pub async fn record_receipt(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
    receipt: Receipt,
) -> AppResult<Outcome> {
    let handbook = receipt == Receipt::Handbook;
    let mut tx = state.pool.begin().await?;
    let Some(app) = lock_turn(&mut tx, clerk, id, version, Tier::Prefectural).await? else {
        return Ok(Outcome::Stale);
    };
    if handbook && Programme::from_code(&app.programme) != Some(Programme::Occupational) {
        return Err(AppError::BadRequest("手帳の受領は認定産業医の申請だけに記録します。".into()));
    }
    let already =
        if handbook { app.handbook_received_at.is_some() } else { app.fee_paid_at.is_some() };
    if already
        || !review_db::record_receipt(&mut tx, id, app.version, handbook, clerk.user.id, clerk.now)
            .await?
    {
        return Ok(Outcome::Stale);
    }
    let (step, notice) = match receipt {
        Receipt::Handbook => {
            (ApplicationEvent::HandbookReceived, "手帳の原本の受領を記録しました。")
        }
        Receipt::Fee => (ApplicationEvent::FeeRecorded, "入金を記録しました。"),
    };
    let after = json!({ step.code(): true });
    record_step(&mut tx, clerk, &app, Tier::Prefectural, step, None, after).await?;
    let sig = mail_signature(&app, prefecture_association_name(app.prefecture_code), PROGRESS);
    match receipt {
        Receipt::Handbook => {
            let message = ApplicationHandbookReceived { head: mail_head(&app), sig };
            mail_physician(&mut tx, &app, &message, clerk.now).await?;
        }
        Receipt::Fee => {
            let message = ApplicationFeeRecorded { head: mail_head(&app), sig };
            mail_physician(&mut tx, &app, &message, clerk.now).await?;
        }
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Outcome::Done(notice.into()))
}

/// The prefecture approves and forwards to the next review cycle it still meets.
pub async fn prefecture_approve(
    state: &AppState,
    clerk: &Clerk<'_>,
    id: i64,
    version: &str,
) -> AppResult<Outcome> {
    let mut tx = state.pool.begin().await?;
    let Some(app) = lock_turn(&mut tx, clerk, id, version, Tier::Prefectural).await? else {
        return Ok(Outcome::Stale);
    };
    let handbook_declared = review_db::has_handbook_credits(&mut tx, id).await?;
    let today = clerk.now.date_naive();
    let cycles = review_db::open_cycles(&mut tx, app.prefecture_code, today).await?;
    let candidates: Vec<review::CycleCandidate> = cycles
        .iter()
        .map(|c| review::CycleCandidate {
            id: c.id,
            intake_deadline: c.intake_deadline,
            internal_deadline: c.internal_deadline,
        })
        .collect();
    let blocker = review::forward_blocker(
        &app.programme,
        app.fee_paid_at.is_some(),
        handbook_declared,
        app.handbook_received_at.is_some(),
    );
    if let Some(error) = blocker {
        return Ok(Outcome::refused("approve", error));
    }
    let chosen = review::choose_cycle(&candidates, today);
    let Some(cycle) = cycles.iter().find(|c| Some(c.id) == chosen) else {
        let error = "受付中の審査の回がありません。日本医師会にお問い合わせください。";
        return Ok(Outcome::refused("approve", error));
    };
    let next = next_status(&app, Tier::Prefectural, Event::Forward)?;
    let change = Change { cycle_id: Some(cycle.id), forwarded: true, ..status_only(next) };
    if !review_db::change(&mut tx, id, app.version, &change, clerk.now).await? {
        return Err(AppError::Conflict(CONFLICT_MESSAGE.into()));
    }
    let after = json!({ "status": next, "cycle_id": cycle.id });
    let comment = format!("{}年度 第{}回", cycle.fiscal_year, cycle.number);
    let step = ApplicationEvent::PrefectureApproved;
    record_step(&mut tx, clerk, &app, Tier::Prefectural, step, Some(&comment), after).await?;
    let committee = Committee {
        fiscal_year: cycle.fiscal_year,
        number: cycle.number,
        date: format_jp_date(cycle.committee_date),
    };
    let sender = prefecture_association_name(app.prefecture_code);
    let sig = mail_signature(&app, sender, PROGRESS);
    let message = ApplicationPrefectureApproved { head: mail_head(&app), committee, sig };
    mail_physician(&mut tx, &app, &message, clerk.now).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Outcome::Done(format!(
        "承認し、日本医師会へ進達しました。{}年度 第{}回の運営委員会（{}）で審査します。",
        cycle.fiscal_year,
        cycle.number,
        format_jp_date(cycle.committee_date)
    )))
}
