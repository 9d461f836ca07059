//! `/office/physicians/{id}/record`: a physician's certifications with every term and all
//! their applications, for the staff who may manage the physician (issue 9 §6).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::clock::format_jp_date;
use crate::db;
use crate::domain::application::Status;
use crate::domain::policy::{allows, Action, PhysicianTarget};
use crate::domain::review::kind_label;
use crate::domain::terms::{standing, Origin};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::office::applications::programme_label;
use crate::web::render;

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/physicians/{id}/record", get(record))
}

pub struct TermView {
    pub programme: &'static str,
    pub number: String,
    pub period: String,
    pub origin: &'static str,
    pub standing: &'static str,
    pub application_id: Option<i64>,
}

pub struct ApplicationView {
    pub id: i64,
    pub programme: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "office/physicians/record.html")]
struct RecordPage {
    layout: Layout,
    id: i64,
    name: String,
    terms: Vec<TermView>,
    applications: Vec<ApplicationView>,
}

async fn record(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = &ctx.user;
    let p = db::proxy::physician(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let target = PhysicianTarget {
        account_id: p.account_id,
        prefecture_code: p.prefecture_code,
        proxy_consent: false,
    };
    if !allows(&user.actor(), Action::ManagePhysician(target)) {
        return Err(AppError::NotFound);
    }
    let today = ctx.now.date_naive();
    let terms = db::terms::of_physician(&state.pool, p.id)
        .await?
        .into_iter()
        .map(|t| TermView {
            programme: programme_label(&t.programme),
            number: t.certificate_number,
            period: format!(
                "{} ～ {}",
                format_jp_date(t.valid_from),
                format_jp_date(t.valid_until)
            ),
            origin: Origin::from_code(&t.origin).map(Origin::label).unwrap_or("不明"),
            standing: t.status.term_label(standing(t.valid_from, t.valid_until, today)),
            application_id: t.application_id,
        })
        .collect();
    let applications =
        db::applications::list_for_physician(&mut *state.pool.acquire().await?, p.id)
            .await?
            .into_iter()
            .filter(|a| a.status() != Status::Draft)
            .map(|a| ApplicationView {
                id: a.id,
                programme: programme_label(&a.programme),
                kind: kind_label(&a.kind),
                status: a.status().label_for_staff(),
                submitted: a
                    .submitted_at
                    .map(|t| format_jp_date(t.with_timezone(&crate::clock::jst()).date_naive()))
                    .unwrap_or_default(),
            })
            .collect();
    render(&RecordPage { layout: ctx.layout(), id: p.id, name: p.kanji_name, terms, applications })
}
