//! The requirement check of an application, answered once for every page, list, job and export
//! (issue 9): judged as of one date (`domain::application::check_date`) and frozen at the
//! decision.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::clock::jst;
use crate::db::applications as store;
use crate::domain::application::{check_date, CheckDate, Status};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::requirements::{
    self, Credit, Exemption, Input, Kind, Outcome, Route, Rule, Source,
};

/// An application's check and what it was judged against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub outcome: Outcome,
    /// The day it was judged on.
    pub as_of: NaiveDate,
    /// The term it was checked against (renewal).
    pub term_from: Option<NaiveDate>,
    pub term_until: Option<NaiveDate>,
    /// Kept from the decision, not recomputed.
    #[serde(skip)]
    pub frozen: bool,
}

/// The check of application `id` as everyone sees it on `today`; None when there is no such
/// application. Callers check first who may see it.
pub async fn application(
    conn: &mut PgConnection,
    id: i64,
    today: NaiveDate,
) -> sqlx::Result<Option<Checked>> {
    let Some(facts) = store::check_facts(conn, id).await? else { return Ok(None) };
    if let Some(kept) = kept(&facts) {
        return Ok(Some(kept));
    }
    let portal = store::portal_credits(conn, facts.physician_id, &facts.programme).await?;
    let declared = store::declared_credits(conn, id).await?;
    Ok(Some(checked(&facts, &portal, &declared, today)))
}

/// The same check over credits the caller has already read for its page (the physician's
/// portal credits of the application's programme and its declared credits).
pub async fn application_with(
    conn: &mut PgConnection,
    id: i64,
    today: NaiveDate,
    portal: &[store::CreditRow],
    declared: &[store::DeclaredCredit],
) -> sqlx::Result<Option<Checked>> {
    let Some(facts) = store::check_facts(conn, id).await? else { return Ok(None) };
    Ok(Some(kept(&facts).unwrap_or_else(|| checked(&facts, portal, declared, today))))
}

/// The checks of several applications (a list such as JMA's cycle page) in four statements
/// whatever their number, by application id.
pub async fn applications(
    conn: &mut PgConnection,
    ids: &[i64],
    today: NaiveDate,
) -> sqlx::Result<std::collections::HashMap<i64, Checked>> {
    let facts = store::check_facts_of(conn, ids).await?;
    let open: Vec<&store::CheckFacts> = facts.iter().filter(|f| kept(f).is_none()).collect();
    let physicians: Vec<i64> = open.iter().map(|f| f.physician_id).collect();
    let open_ids: Vec<i64> = open.iter().map(|f| f.id).collect();
    let portal = store::portal_credits_of(conn, &physicians).await?;
    let declared = store::declared_credits_of(conn, &open_ids).await?;
    Ok(facts
        .iter()
        .map(|f| {
            let checked = kept(f).unwrap_or_else(|| {
                let portal: Vec<store::CreditRow> = portal
                    .iter()
                    .filter(|c| c.physician_id == f.physician_id && c.programme == f.programme)
                    .map(|c| c.credit.clone())
                    .collect();
                let declared: Vec<store::DeclaredCredit> = declared
                    .iter()
                    .filter(|d| d.application_id == f.id)
                    .map(|d| d.credit.clone())
                    .collect();
                checked(f, &portal, &declared, today)
            });
            (f.id, checked)
        })
        .collect())
}

/// The check kept at the decision, for a decided application that has one.
fn kept(facts: &store::CheckFacts) -> Option<Checked> {
    let status = Status::from_code(&facts.status).unwrap_or(Status::Draft);
    if !matches!(check_date(status, None, NaiveDate::MIN), CheckDate::Frozen) {
        return None;
    }
    let mut checked = serde_json::from_value::<Checked>(facts.decided_check.clone()?).ok()?;
    checked.frozen = true;
    Some(checked)
}

/// The engine's answer as of the application's check date (a decided application without a
/// kept check — decided before checks were kept — is judged as of its submission, against the
/// term it renewed, never the term its approval added).
fn checked(
    facts: &store::CheckFacts,
    portal: &[store::CreditRow],
    declared: &[store::DeclaredCredit],
    today: NaiveDate,
) -> Checked {
    let status = Status::from_code(&facts.status).unwrap_or(Status::Draft);
    let submitted_on = facts.submitted_at.map(|t| t.with_timezone(&jst()).date_naive());
    let as_of = match check_date(status, submitted_on, today) {
        CheckDate::AsOf(day) => day,
        CheckDate::Frozen => submitted_on.unwrap_or(today),
    };
    let mut credits: Vec<Credit> = Vec::with_capacity(portal.len() + declared.len());
    credits.extend(
        portal
            .iter()
            .filter_map(|c| credit(&c.category, &c.format, c.units, c.date, Source::Portal, false)),
    );
    credits.extend(declared.iter().filter_map(|c| {
        credit(&c.category, &c.format, c.units, c.attended_on, Source::Declared, c.evidenced)
    }));
    Checked {
        outcome: judge(facts, credits, as_of),
        as_of,
        term_from: facts.valid_from,
        term_until: facts.valid_until,
        frozen: matches!(status, Status::Approved | Status::Rejected),
    }
}

/// Keeps the check of application `id` as it stands at its decision (call in the deciding
/// transaction, before the status changes).
pub async fn freeze(conn: &mut PgConnection, id: i64, today: NaiveDate) -> sqlx::Result<()> {
    if let Some(checked) = application(conn, id, today).await? {
        let value = serde_json::to_value(&checked).unwrap_or(serde_json::Value::Null);
        store::freeze_check(conn, id, &value).await?;
    }
    Ok(())
}

/// What the physician's portal credits still lack for renewing the term `term`, judged on
/// `today`: the unmet requirements, each as 「生涯研修 合計 あと12単位」. Empty when they are met.
/// Documents handed in with an application (practical activity, late reason) are not asked.
pub async fn renewal_shortfall(
    conn: &mut PgConnection,
    physician_id: i64,
    programme: &str,
    term: (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    let Some(programme) = Programme::from_code(programme) else { return Ok(vec![]) };
    let portal = store::portal_credits(conn, physician_id, programme.code()).await?;
    let credits = portal
        .iter()
        .filter_map(|c| credit(&c.category, &c.format, c.units, c.date, Source::Portal, false))
        .collect();
    let outcome = requirements::check(&Input {
        programme,
        kind: Kind::Renewal,
        credits,
        valid_from: Some(term.0),
        valid_until: Some(term.1),
        applied_on: today,
        route: Route::Credits,
        practical_activity_recorded: true,
        late_reason_given: true,
    });
    Ok(outcome
        .rules
        .iter()
        .filter(|r| !r.met)
        .map(|r| match (r.required, r.counted) {
            (Some(required), Some(counted)) => {
                format!("{} あと{}単位", r.label, (required - counted).normalize())
            }
            _ => r.label.clone(),
        })
        .collect())
}

fn credit(
    category: &str,
    format: &str,
    units: rust_decimal::Decimal,
    date: NaiveDate,
    source: Source,
    evidenced: bool,
) -> Option<Credit> {
    Some(Credit {
        category: Category::from_code(category)?,
        format: Format::from_code(format)?,
        units,
        date,
        source,
        evidenced,
    })
}

fn route(facts: &store::CheckFacts, as_of: NaiveDate) -> Route {
    match facts.route.as_str() {
        "university" => Route::UniversityCertificate(facts.route_document_date.unwrap_or(as_of)),
        "sports_exemption" => {
            Route::SportsExemption(facts.exemption.as_deref().and_then(Exemption::from_code))
        }
        _ => Route::Credits,
    }
}

fn given(text: &Option<String>) -> bool {
    text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// The engine's answer for these facts and credits, as of `as_of`.
fn judge(facts: &store::CheckFacts, credits: Vec<Credit>, as_of: NaiveDate) -> Outcome {
    let Some(programme) = Programme::from_code(&facts.programme) else {
        return Outcome { met: false, rules: vec![] };
    };
    let route = route(facts, as_of);
    let input = Input {
        programme,
        kind: if facts.kind == "renewal" { Kind::Renewal } else { Kind::New },
        credits,
        valid_from: facts.valid_from,
        valid_until: facts.valid_until,
        applied_on: as_of,
        route,
        practical_activity_recorded: given(&facts.practical_activity),
        late_reason_given: given(&facts.late_reason),
    };
    let mut outcome = requirements::check(&input);
    if route != Route::Credits {
        outcome.rules.push(Rule {
            label: "証明書類の写しのアップロード".into(),
            required: None,
            counted: None,
            met: facts.files > 0,
            note: Some(
                "下の「証明書類・手帳の写し」から、PDFまたは画像を提出してください。".into(),
            ),
        });
    }
    outcome.met = outcome.rules.iter().all(|r| r.met);
    outcome
}
