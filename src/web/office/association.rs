//! `/office/association`: the own association's settings that go on paper — the president's
//! name (会長名), for the request letter (依頼状) and, for the JMA, the certificate's signatory.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::db::{audit, presidents};
use crate::domain::person::parse_free_text;
use crate::domain::policy::Action;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/association", get(page).post(save))
}

/// Longest name kept (a name and a title such as 「医学博士」 fit).
const MAX_NAME: usize = 40;

#[derive(Template)]
#[template(path = "office/association.html")]
struct AssociationPage {
    layout: Layout,
    association: String,
    is_jma: bool,
    president_name: String,
    error: Option<&'static str>,
}

fn own(ctx: &Ctx) -> AppResult<(i64, String, bool)> {
    let user = ctx.require(Action::ManageOwnAssociation)?;
    let a = user.association.as_ref().ok_or(AppError::Forbidden)?;
    Ok((a.id, a.name.clone(), a.kind == crate::domain::role::AssociationKind::Jma))
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (id, association, is_jma) = own(&ctx)?;
    let president_name = presidents::of_association(&state.pool, id).await?.unwrap_or_default();
    render(&AssociationPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        association,
        is_jma,
        president_name,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    president_name: String,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SaveForm>,
) -> AppResult<Response> {
    let (id, association, is_jma) = own(&ctx)?;
    let name = match parse_free_text(&form.president_name, MAX_NAME, None) {
        Ok(name) => name,
        Err(error) => {
            let page = AssociationPage {
                layout: ctx.layout(),
                association,
                is_jma,
                president_name: form.president_name,
                error: Some(error),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let before = presidents::set(&mut tx, id, name.as_deref()).await?;
    let entry = audit::Entry {
        action: "association.president_changed",
        entity_type: "association",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "president_name": before })),
        after: Some(json!({ "president_name": name })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("保存しました。").await?;
    Ok(see_other("/office/association"))
}
