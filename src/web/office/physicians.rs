//! Staff look up physicians of their prefecture, record consent to proxy entry (代理入力) and
//! act for a physician who consented. Everything done while acting is marked in the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::db::{self, audit, proxy::PhysicianSummary};
use crate::domain::policy::{allows, Action, PhysicianTarget};
use crate::domain::role::AssociationKind;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::{Ctx, PROXY_KEY};
use crate::web::layout::Layout;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/physicians", get(search))
        .route("/office/physicians/{id}", get(show))
        .route("/office/physicians/{id}/consent", post(record_consent))
        .route("/office/physicians/{id}/consent/revoke", post(revoke_consent))
        .route("/office/physicians/{id}/proxy", post(start_proxy))
}

fn target(p: &PhysicianSummary, consent: bool) -> PhysicianTarget {
    PhysicianTarget {
        account_id: p.account_id,
        prefecture_code: p.prefecture_code,
        proxy_consent: consent,
    }
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub furigana: String,
    pub birth_date: String,
    pub registry_number: String,
    pub registered: bool,
}

#[derive(Template)]
#[template(path = "office/physicians/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    rows: Vec<Row>,
    searched: bool,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    let user = ctx.require(Action::ViewOffice)?;
    let prefecture = match user.association.as_ref().map(|a| a.kind) {
        Some(AssociationKind::Jma) => None,
        Some(AssociationKind::Prefectural) => {
            user.association.as_ref().and_then(|a| a.prefecture_code)
        }
        _ => return Err(AppError::Forbidden),
    };
    let q = crate::domain::text::to_halfwidth_ascii(query.q.trim());
    let q = crate::domain::person::RegistryNumber::parse(&q)
        .map(|n| n.as_str().to_string())
        .unwrap_or(q);
    let mut rows = Vec::new();
    if !q.is_empty() {
        let actor = user.actor();
        for p in db::proxy::search(&state.pool, &q, prefecture, 50).await? {
            if !allows(&actor, Action::ManagePhysician(target(&p, false))) {
                continue;
            }
            rows.push(Row {
                id: p.id,
                name: p.kanji_name,
                furigana: p.furigana,
                birth_date: format_jp_date(p.birth_date),
                registry_number: p.registry_number.unwrap_or_default(),
                registered: p.registration_completed_at.is_some(),
            });
        }
    }
    let page = SearchPage { layout: ctx.layout(), searched: !q.is_empty(), q: query.q, rows };
    render(&page)
}

#[derive(Template)]
#[template(path = "office/physicians/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    name: String,
    furigana: String,
    birth_date: String,
    registry_number: String,
    registered: bool,
    consent: Option<String>,
    can_record_consent: bool,
    can_act: bool,
    error: Option<&'static str>,
}

async fn load(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(PhysicianSummary, bool)> {
    let user = ctx.require(Action::ViewOffice)?;
    let physician = db::proxy::physician(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    if !allows(&user.actor(), Action::ManagePhysician(target(&physician, false))) {
        // Staff of another prefecture: as if it did not exist.
        return Err(AppError::NotFound);
    }
    let association = user.association.as_ref().map(|a| a.id);
    let consent = db::proxy::active_consent(&state.pool, physician.id, association).await?;
    Ok((physician, consent.is_some()))
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let (p, _) = load(state, ctx, id).await?;
    let user = ctx.require(Action::ViewOffice)?;
    let association = user.association.as_ref().map(|a| a.id);
    let consent = db::proxy::active_consent(&state.pool, p.id, association).await?;
    let can_act = allows(&user.actor(), Action::ActForPhysician(target(&p, consent.is_some())))
        && p.account_id.is_some()
        && p.registration_completed_at.is_some();
    let page = ShowPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        id: p.id,
        name: p.kanji_name,
        furigana: p.furigana,
        birth_date: format_jp_date(p.birth_date),
        registry_number: p.registry_number.unwrap_or_default(),
        registered: p.registration_completed_at.is_some(),
        consent: consent.map(|c| {
            format!(
                "{}（{}、{} 記録・記録者 {}）{}",
                c.association_name,
                method_label(&c.method),
                format_jp_datetime(c.granted_at.with_timezone(&jst())),
                c.recorded_by_login,
                c.note.map(|n| format!("：{n}")).unwrap_or_default()
            )
        }),
        can_record_consent: user
            .association
            .as_ref()
            .is_some_and(|a| a.kind == AssociationKind::Prefectural),
        can_act,
        error,
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub fn method_label(code: &str) -> &'static str {
    match code {
        "written" => "書面",
        "phone" => "電話",
        "in_person" => "窓口",
        "portal" => "ポータル",
        _ => "その他",
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&state, &ctx, id, None).await
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    note: String,
}

pub async fn record_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ConsentForm>,
) -> AppResult<Response> {
    let (physician, _) = load(&state, &ctx, id).await?;
    let user = ctx.require(Action::ViewOffice)?;
    let association = user
        .association
        .as_ref()
        .filter(|a| a.kind == AssociationKind::Prefectural)
        .ok_or(AppError::Forbidden)?;
    if !matches!(form.method.as_str(), "written" | "phone" | "in_person") {
        return show_page(&state, &ctx, id, Some("同意を得た方法を選んでください。")).await;
    }
    let note = form.note.trim();
    let mut tx = state.pool.begin().await?;
    let created = db::proxy::record_consent(
        &mut tx,
        physician.id,
        association.id,
        &form.method,
        (!note.is_empty()).then_some(note),
        user.id,
        ctx.now,
    )
    .await?;
    if created.is_some() {
        let entry = audit::Entry {
            action: "proxy.consent_recorded",
            entity_type: "physician",
            entity_id: Some(physician.id.to_string()),
            before: None,
            after: Some(
                json!({ "association": association.name, "method": form.method, "note": note }),
            ),
        };
        let who = audit::Who { on_behalf_of_account_id: physician.account_id, ..ctx.who() };
        audit::record(&mut tx, &who, ctx.now, entry).await?;
        // The physician hears of it at once, from the portal, with the way to withdraw it.
        if let Some(account_id) = physician.account_id {
            let account = db::profile::account_email(&mut tx, account_id).await?;
            if let Some((account, email)) = account.and_then(|a| a.email.clone().map(|e| (a, e))) {
                let message = crate::mail::messages::physician::ProxyConsentRecorded {
                    name: account.display_name.clone(),
                    association: association.name.clone(),
                    staff_name: user.display_name.clone(),
                    recorded_at: crate::clock::format_jp_datetime(ctx.now),
                    method: method_label(&form.method).to_string(),
                    consents_url: format!("{}/mypage/consents", state.config.base_url),
                    sig: crate::mail::Signature::by(
                        association.name.clone(),
                        "代理入力の同意の記録のお知らせ",
                    ),
                };
                crate::mail::queue(&mut tx, &email, &message, ctx.now).await?;
            }
        }
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("代理入力の同意を記録しました。").await?;
    Ok(see_other(&format!("/office/physicians/{id}")))
}

pub async fn revoke_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (physician, _) = load(&state, &ctx, id).await?;
    let user = ctx.require(Action::ViewOffice)?;
    let association = user.association.as_ref().ok_or(AppError::Forbidden)?;
    let mut tx = state.pool.begin().await?;
    if db::proxy::revoke_consent(&mut tx, physician.id, association.id, ctx.now).await? > 0 {
        let entry = audit::Entry {
            action: "proxy.consent_revoked",
            entity_type: "physician",
            entity_id: Some(physician.id.to_string()),
            before: Some(json!({ "association": association.name })),
            after: None,
        };
        audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    }
    tx.commit().await?;
    ctx.flash("代理入力の同意を取り消しました。").await?;
    Ok(see_other(&format!("/office/physicians/{id}")))
}

pub async fn start_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (physician, consent) = load(&state, &ctx, id).await?;
    let user = ctx.require(Action::ViewOffice)?;
    let (Some(account_id), true) =
        (physician.account_id, physician.registration_completed_at.is_some())
    else {
        return show_page(
            &state,
            &ctx,
            id,
            Some("マイページの登録が完了していない医師の代理入力はできません。"),
        )
        .await;
    };
    if !allows(&user.actor(), Action::ActForPhysician(target(&physician, consent))) {
        return show_page(
            &state,
            &ctx,
            id,
            Some("代理入力には、ご本人の同意の記録が必要です（都道府県医師会の事務局のみ）。"),
        )
        .await;
    }
    let mut conn = state.pool.acquire().await?;
    let entry = audit::Entry {
        action: "proxy.start",
        entity_type: "physician",
        entity_id: Some(physician.id.to_string()),
        before: None,
        after: None,
    };
    let who = audit::Who { on_behalf_of_account_id: Some(account_id), ..ctx.who() };
    audit::record(&mut conn, &who, ctx.now, entry).await?;
    ctx.session.insert(PROXY_KEY, account_id).await?;
    Ok(see_other("/mypage"))
}

pub async fn stop_proxy(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (Some(_), Some(physician)) = (&ctx.proxy_by, &ctx.user) else {
        return Ok(see_other("/"));
    };
    let summary = db::proxy::physician_by_account(&state.pool, physician.id).await?;
    let mut conn = state.pool.acquire().await?;
    let entry = audit::Entry {
        action: "proxy.stop",
        entity_type: "physician",
        entity_id: summary.as_ref().map(|p| p.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&mut conn, &ctx.who(), ctx.now, entry).await?;
    ctx.session.remove::<i64>(PROXY_KEY).await?;
    Ok(see_other(&match summary {
        Some(p) => format!("/office/physicians/{}", p.id),
        None => "/office".to_string(),
    }))
}
