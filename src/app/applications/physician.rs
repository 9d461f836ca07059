//! The physician's commands on their own application, one function each: start it, save its
//! details, declare and remove credits, add and remove evidence files, submit, withdraw. Each
//! locks the physician's own application (others' are 404), checks the state machine
//! (`domain::application`), writes, records the event and the audit entry and queues the mail,
//! in one transaction. Staff entering data for a physician (代理入力) are the physician here;
//! `Applicant::who` names both.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::clock::{format_jp_datetime, Jst};
use crate::db::applications::{self as store, Application, CurrentCertification};
use crate::db::audit::{self, Who};
use crate::db::physicians::Physician;
use crate::domain::application::{transition, Actor, Event, Status};
use crate::domain::application_event::ApplicationEvent;
use crate::domain::application_form::DetailsForm;
use crate::domain::application_form::{parse_details, DeclaredCredit, Details, DetailsFacts};
use crate::domain::category::Programme;
use crate::domain::field_errors::FieldErrors as Errors;
use crate::domain::requirements::{Exemption, Rule};
use crate::domain::review::{kind_label, reception, Reception};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const NOT_EDITABLE: &str =
    "この申請は提出済みのため変更できません。差し戻された場合は、修正して再提出できます。";
/// Declared credits one application may carry.
pub const MAX_DECLARED: usize = 200;
/// Evidence files one application may carry.
pub const MAX_FILES: usize = 30;

/// The physician acting (or staff acting for them: `who` names both).
pub struct Applicant<'a> {
    pub physician: &'a Physician,
    /// Where the submission's receipt is mailed (the signed-in physician's address).
    pub email: Option<&'a str>,
    pub who: Who,
    pub now: Jst,
}

impl Applicant<'_> {
    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// The association that receives a physician's application (`review::reception`): the member's
/// own municipal association where the prefecture uses municipal reception, otherwise the
/// prefectural association.
pub struct Receiver {
    pub id: i64,
    pub name: String,
    /// Why this association receives it.
    pub reason: &'static str,
}

pub async fn receiver(
    conn: &mut PgConnection,
    physician: &Physician,
) -> AppResult<Option<Receiver>> {
    let Some(prefecture) = physician.prefecture_code else {
        return Ok(None);
    };
    let receivers = store::receivers(conn, prefecture).await?;
    let uses_municipal = receivers.iter().any(|r| r.kind == "municipal");
    let own = store::member_association(conn, physician.id)
        .await?
        .filter(|o| receivers.iter().any(|r| r.id == *o && r.kind == "municipal"));
    let (route, reason) = reception(uses_municipal, physician.is_member, own);
    let chosen = match route {
        Reception::Municipal(id) => receivers.iter().find(|r| r.id == id),
        Reception::Prefectural => receivers.iter().find(|r| r.kind == "prefectural"),
    };
    Ok(chosen.map(|r| Receiver { id: r.id, name: r.name.clone(), reason }))
}

/// Why this physician cannot start this application (None: they can).
pub fn refusal(
    kind: &str,
    cert: Option<&CurrentCertification>,
    today: NaiveDate,
) -> Option<String> {
    match (kind, cert) {
        ("renewal", None) => Some(
            "この区分の認定がないため、更新申請はできません。新規申請をしてください。".into(),
        ),
        ("new", Some(c)) if c.valid_until >= today => Some(format!(
            "この区分の認定（認定証番号 {}）が有効期間中のため、新規申請はできません。更新申請をしてください。",
            c.certificate_number
        )),
        _ => None,
    }
}

/// Opens a transaction with the physician's own application locked, editable or not.
pub async fn lock_own(
    pool: &PgPool,
    physician: &Physician,
    id: i64,
) -> AppResult<(Transaction<'static, Postgres>, Application)> {
    let mut tx = pool.begin().await?;
    let app =
        store::get_own_for_update(&mut tx, id, physician.id).await?.ok_or(AppError::NotFound)?;
    Ok((tx, app))
}

async fn record(
    conn: &mut PgConnection,
    a: &Applicant<'_>,
    id: i64,
    action: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> sqlx::Result<()> {
    let entry = audit::Entry {
        action,
        entity_type: "application",
        entity_id: Some(id.to_string()),
        before,
        after,
    };
    audit::record(conn, &a.who, a.now, entry).await
}

async fn event(
    conn: &mut PgConnection,
    a: &Applicant<'_>,
    id: i64,
    step: ApplicationEvent,
) -> sqlx::Result<()> {
    store::add_event(conn, id, a.who.actor_account_id, "physician", step.code(), None, a.now).await
}

// ---------------------------------------------------------------------------------------------
// Starting.

/// What starting an application did.
pub enum Start {
    Created(i64),
    /// The physician may not start it (`refusal`, or no prefecture on record): the form says why.
    Refused,
    /// An open application of this programme exists already (its id, when it can be found).
    AlreadyOpen(Option<i64>),
}

/// Starts a draft application for one programme, received by the association the rule names.
pub async fn create(
    pool: &PgPool,
    a: &Applicant<'_>,
    programme: Programme,
    kind: &'static str,
) -> AppResult<Start> {
    let physician = a.physician;
    let mut tx = pool.begin().await?;
    let cert = store::current_certification(&mut tx, physician.id, programme.code()).await?;
    let Some(prefecture) = physician.prefecture_code else {
        return Ok(Start::Refused);
    };
    if refusal(kind, cert.as_ref(), a.today()).is_some() {
        return Ok(Start::Refused);
    }
    let Some(receiver) = receiver(&mut tx, physician).await?.map(|r| r.id) else {
        return Err(AppError::BadRequest("受付先の医師会が見つかりません。".into()));
    };
    let certification_id = cert.as_ref().filter(|_| kind == "renewal").map(|c| c.id);
    let new = store::NewApplication {
        physician_id: physician.id,
        programme: programme.code(),
        kind,
        certification_id,
        prefecture_code: prefecture,
        receiving_association_id: receiver,
    };
    let Some(id) = store::create(&mut tx, &new, a.now).await? else {
        drop(tx);
        let mut conn = pool.acquire().await?;
        let open = store::list_for_physician(&mut conn, physician.id)
            .await?
            .into_iter()
            .find(|app| app.programme == programme.code() && !app.status.is_closed())
            .map(|app| app.id);
        return Ok(Start::AlreadyOpen(open));
    };
    event(&mut tx, a, id, ApplicationEvent::Created).await?;
    let after = json!({
        "physician_id": physician.id,
        "programme": programme.code(),
        "kind": kind,
        "certification_id": certification_id,
        "receiving_association_id": receiver,
        "status": Status::Draft,
    });
    record(&mut tx, a, id, "application.create", None, Some(after)).await?;
    tx.commit().await?;
    Ok(Start::Created(id))
}

// ---------------------------------------------------------------------------------------------
// Editing a draft (or a returned application).

/// A renewal applied for after the renewed term ended.
pub fn is_late(app: &Application, today: NaiveDate) -> bool {
    app.kind == "renewal" && app.valid_until.is_some_and(|u| today > u)
}

/// Saves the details form; Err(errors) to show beside the form.
pub async fn save_details(
    pool: &PgPool,
    a: &Applicant<'_>,
    id: i64,
    form: &DetailsForm,
) -> AppResult<Result<(), Errors>> {
    let (mut tx, app) = lock_own(pool, a.physician, id).await?;
    let mut errors = Errors::default();
    if !app.editable() {
        errors.add("details-heading", NOT_EDITABLE);
    }
    let facts = DetailsFacts {
        programme: &app.programme,
        kind: &app.kind,
        late: is_late(&app, a.today()),
        today: a.today(),
    };
    let details = parse_details(form, &facts).map_err(|e| errors.merge(e)).ok();
    let receiver = receiver(&mut tx, a.physician).await?.map(|r| r.id);
    if receiver.is_none() {
        errors.add(
            "details-heading",
            "受付先の医師会が見つかりません。登録情報の都道府県を確認してください。",
        );
    }
    let (Some(details), Some(receiver), true) = (details, receiver, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let Details { route, route_document_date, late_reason, practical_activity, exemption } =
        details;
    let stored = store::Details {
        route,
        route_document_date,
        receiving_association_id: receiver,
        late_reason: late_reason.as_deref(),
        practical_activity: practical_activity.as_deref(),
        exemption: exemption.map(Exemption::code),
    };
    store::update_details(&mut tx, id, &stored, a.now).await?;
    let before = json!({
        "route": app.route,
        "route_document_date": app.route_document_date,
        "receiving_association_id": app.receiving_association_id,
        "late_reason": app.late_reason,
        "practical_activity": app.practical_activity,
        "exemption": app.exemption,
    });
    let after = json!({
        "route": route,
        "route_document_date": route_document_date,
        "receiving_association_id": receiver,
        "late_reason": late_reason,
        "exemption": exemption.map(Exemption::code),
        "practical_activity": practical_activity,
    });
    record(&mut tx, a, id, "application.update", Some(before), Some(after)).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Declares one credit, as `parse` reads the form for the application's programme
/// (`domain::application_form::parse_credit`); Err(errors) where the form or the application
/// refuses it.
pub async fn add_credit(
    pool: &PgPool,
    a: &Applicant<'_>,
    id: i64,
    parse: impl FnOnce(&str) -> Result<DeclaredCredit, Errors>,
) -> AppResult<Result<DeclaredCredit, Errors>> {
    let (mut tx, app) = lock_own(pool, a.physician, id).await?;
    let mut errors = Errors::default();
    if !app.editable() {
        errors.add("declared-heading", NOT_EDITABLE);
    }
    let credit = parse(&app.programme).map_err(|e| errors.merge(e)).ok();
    if store::declared_credits(&mut tx, id).await?.len() >= MAX_DECLARED {
        errors.add("declared-heading", "入力できる件数の上限に達しました。");
    }
    let (Some(credit), true) = (credit, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let new = store::NewDeclaredCredit {
        category: credit.category.code(),
        format: credit.format.code(),
        units: credit.units,
        attended_on: credit.attended_on,
        source: credit.source,
        note: credit.note.as_deref(),
    };
    let credit_id = store::add_declared_credit(&mut tx, id, &new).await?;
    store::touch(&mut tx, id, a.now).await?;
    let after = json!({
        "declared_credit_id": credit_id,
        "category": credit.category.code(),
        "format": credit.format.code(),
        "units": credit.units,
        "attended_on": credit.attended_on,
        "source": credit.source,
        "note": credit.note,
    });
    record(&mut tx, a, id, "application.declare_credit", None, Some(after)).await?;
    tx.commit().await?;
    Ok(Ok(credit))
}

pub async fn remove_credit(
    pool: &PgPool,
    a: &Applicant<'_>,
    id: i64,
    credit_id: i64,
) -> AppResult<()> {
    let (mut tx, app) = lock_own(pool, a.physician, id).await?;
    if !app.editable() {
        return Err(AppError::Conflict(NOT_EDITABLE.into()));
    }
    if !store::remove_declared_credit(&mut tx, id, credit_id).await? {
        return Err(AppError::NotFound);
    }
    store::touch(&mut tx, id, a.now).await?;
    let before = json!({ "declared_credit_id": credit_id });
    record(&mut tx, a, id, "application.remove_credit", Some(before), None).await?;
    tx.commit().await?;
    Ok(())
}

/// An evidence file as read and checked by content (`domain::upload`).
pub struct Evidence {
    pub name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// Stores one evidence file, as the evidence of one declared credit when `credit_id` is given;
/// Err(message) to show beside the form it came from (the upload's own error included).
pub async fn add_file(
    pool: &PgPool,
    a: &Applicant<'_>,
    id: i64,
    credit_id: Option<i64>,
    upload: Result<Evidence, String>,
) -> AppResult<Result<String, String>> {
    let (mut tx, app) = lock_own(pool, a.physician, id).await?;
    let credit_known = match credit_id {
        Some(c) => store::declared_credits(&mut tx, id).await?.iter().any(|d| d.id == c),
        None => true,
    };
    let count = store::files(&mut tx, id).await?.len();
    let upload = match upload {
        Ok(_) if !app.editable() => Err(NOT_EDITABLE.to_string()),
        Ok(_) if !credit_known => {
            Err("その単位の記録が見つかりません。画面を更新してください。".to_string())
        }
        Ok(_) if count >= MAX_FILES => {
            Err(format!("ファイルは{MAX_FILES}個まで提出できます。不要なものを削除してください。"))
        }
        other => other,
    };
    let upload = match upload {
        Ok(u) => u,
        Err(message) => return Ok(Err(message)),
    };
    let file_id =
        store::add_file(&mut tx, id, &upload.name, upload.content_type, &upload.data, a.now)
            .await?;
    if let Some(credit) = credit_id {
        store::link_file_to_credit(&mut tx, id, file_id, credit).await?;
    }
    store::touch(&mut tx, id, a.now).await?;
    let after = json!({
        "file_id": file_id,
        "declared_credit_id": credit_id,
        "file_name": upload.name,
        "content_type": upload.content_type,
        "size_bytes": upload.data.len(),
    });
    record(&mut tx, a, id, "application.upload", None, Some(after)).await?;
    tx.commit().await?;
    Ok(Ok(upload.name))
}

/// Removes one evidence file; returns its name.
pub async fn remove_file(
    pool: &PgPool,
    a: &Applicant<'_>,
    id: i64,
    file_id: i64,
) -> AppResult<String> {
    let (mut tx, app) = lock_own(pool, a.physician, id).await?;
    if !app.editable() {
        return Err(AppError::Conflict(NOT_EDITABLE.into()));
    }
    let Some(name) = store::remove_file(&mut tx, id, file_id).await? else {
        return Err(AppError::NotFound);
    };
    store::touch(&mut tx, id, a.now).await?;
    let before = json!({ "file_id": file_id, "file_name": name });
    record(&mut tx, a, id, "application.remove_file", Some(before), None).await?;
    tx.commit().await?;
    Ok(name)
}

// ---------------------------------------------------------------------------------------------
// Submitting and withdrawing.

/// Why a submission was refused.
pub enum NotSubmitted {
    /// The state machine refuses (already submitted, decided, withdrawn): its message.
    State(&'static str),
    /// The requirement check (`app::checks`) is not met: the rules not met.
    Unmet(Vec<Rule>),
}

/// Submits (or resubmits after a return) an application whose requirement check is met; the
/// physician is mailed a receipt.
pub async fn submit(
    state: &AppState,
    a: &Applicant<'_>,
    id: i64,
) -> AppResult<Result<(), NotSubmitted>> {
    let (mut tx, app) = lock_own(&state.pool, a.physician, id).await?;
    let status = match transition(app.state(), Actor::Physician, Event::Submit) {
        Ok(status) => status,
        Err(why) => return Ok(Err(NotSubmitted::State(why))),
    };
    let outcome = crate::app::checks::application(&mut tx, id, a.today())
        .await?
        .ok_or(AppError::NotFound)?
        .outcome;
    if !outcome.met {
        return Ok(Err(NotSubmitted::Unmet(
            outcome.rules.into_iter().filter(|r| !r.met).collect(),
        )));
    }
    let declared = store::declared_credits(&mut tx, id).await?;
    let files = store::files(&mut tx, id).await?;
    let resubmission = app.status() == Status::Returned;
    store::submit(&mut tx, id, status.code(), a.now).await?;
    event(
        &mut tx,
        a,
        id,
        if resubmission { ApplicationEvent::Resubmitted } else { ApplicationEvent::Submitted },
    )
    .await?;
    let before = json!({ "status": app.status });
    let after = json!({
        "status": status,
        "programme": app.programme,
        "kind": app.kind,
        "declared_credits": declared.len(),
        "files": files.len(),
    });
    let action = if resubmission { "application.resubmit" } else { "application.submit" };
    record(&mut tx, a, id, action, Some(before), Some(after)).await?;
    if let Some(email) = a.email {
        let occupational = Programme::from_code(&app.programme) == Some(Programme::Occupational);
        let message = crate::mail::messages::physician::ApplicationSubmitted {
            name: a.physician.kanji_name.clone(),
            application_id: id,
            programme: Programme::from_code(&app.programme)
                .map(Programme::label)
                .unwrap_or("不明")
                .to_string(),
            kind: kind_label(&app.kind).to_string(),
            receiving: app.receiving_association_name.clone(),
            submitted_at: format_jp_datetime(a.now),
            mail_handbook: occupational && !declared.is_empty(),
            sig: crate::mail::Signature::portal_for(
                app.receiving_association_name.clone(),
                "申請の受付のお知らせ",
            ),
        };
        crate::mail::queue(&mut tx, email, &message, a.now).await?;
    }
    tx.commit().await?;
    if a.email.is_some() {
        state.mail_notify.notify_one();
    }
    Ok(Ok(()))
}

/// Withdraws an application (its declared credits and files go with it).
pub async fn withdraw(pool: &PgPool, a: &Applicant<'_>, id: i64) -> AppResult<()> {
    let (mut tx, app) = lock_own(pool, a.physician, id).await?;
    let status = transition(app.state(), Actor::Physician, Event::Withdraw)
        .map_err(|why| AppError::Conflict(why.into()))?;
    store::withdraw(&mut tx, id, a.now).await?;
    event(&mut tx, a, id, ApplicationEvent::Withdrawn).await?;
    let (before, after) = (json!({ "status": app.status }), json!({ "status": status }));
    record(&mut tx, a, id, "application.withdraw", Some(before), Some(after)).await?;
    tx.commit().await?;
    Ok(())
}
