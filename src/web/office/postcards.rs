//! The postcards of a member import batch (はがきの印刷): a page that says where the batch's
//! postcards stand, the printing itself (a POST that answers with the PDF, since it issues
//! the passwords), and the confirmation page a reissue needs.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use crate::app::postcards::{self, PrintOutcome};
use crate::clock::{format_jp_date, format_jp_datetime, jst};
use crate::domain::postcard::{InitialPassword, INITIAL_PASSWORD_VALID_DAYS};
use crate::error::AppResult;
use crate::export::postcard_pdf::Sender;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::office::exports::pdf_response;
use crate::web::office::members::visible_batch;
use crate::web::{render, see_other};

/// The contact line at the foot of every postcard.
const CONTACT: &str = "お問い合わせ：コールセンター 0120-110-030（平日 10:00～18:00）";

pub struct PostcardState {
    pub batch_id: i64,
    pub association: String,
    pub waiting: i64,
    pub printed: i64,
    pub last_printed: String,
    pub expires: String,
    pub expired: bool,
    pub valid_days: i64,
}

async fn postcard_state(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<PostcardState> {
    let batch = visible_batch(state, ctx, id).await?;
    let now = ctx.now.with_timezone(&chrono::Utc);
    Ok(PostcardState {
        batch_id: batch.id,
        association: batch.association_name,
        waiting: batch.postcards_remaining,
        printed: batch.postcards_printed,
        last_printed: batch
            .last_printed_at
            .map(|t| format_jp_datetime(t.with_timezone(&jst())))
            .unwrap_or_default(),
        expires: batch
            .last_expires_at
            .map(|t| {
                format_jp_date((t.with_timezone(&jst()) - chrono::Duration::days(1)).date_naive())
            })
            .unwrap_or_default(),
        expired: InitialPassword::at(batch.last_expires_at, now) == InitialPassword::Expired,
        valid_days: INITIAL_PASSWORD_VALID_DAYS,
    })
}

#[derive(Template)]
#[template(path = "office/members/postcards.html")]
struct PostcardsPage {
    layout: Layout,
    s: PostcardState,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = postcard_state(&state, &ctx, id).await?;
    render(&PostcardsPage { layout: ctx.layout().with_notice(ctx.take_flash().await?), s })
}

#[derive(Template)]
#[template(path = "office/members/postcards_reissue.html")]
struct ReissuePage {
    layout: Layout,
    s: PostcardState,
}

/// The confirmation a reissue needs, on a page of its own.
pub async fn reissue_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = postcard_state(&state, &ctx, id).await?;
    if s.printed == 0 {
        return Ok(see_other(&format!("/office/members/batches/{id}/postcards")));
    }
    render(&ReissuePage { layout: ctx.layout(), s })
}

#[derive(Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    reissue: String,
}

/// Issues the passwords and answers with the PDF (once: printing again is a reissue).
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PrintForm>,
) -> AppResult<Response> {
    let batch = visible_batch(&state, &ctx, id).await?;
    let sender = Sender {
        association: batch.association_name,
        login_url: format!("{}/login", state.config.base_url.trim_end_matches('/')),
        contact: CONTACT.to_string(),
    };
    let confirmed = form.reissue == "yes";
    match postcards::print(&state.pool, id, &ctx.who(), ctx.now, confirmed, sender).await? {
        PrintOutcome::Printed { cards, pdf, .. } => {
            drop(cards);
            let stamp = ctx.now.format("%Y%m%d-%H%M");
            Ok(pdf_response(
                &format!("はがき_取り込み{id}_{stamp}.pdf"),
                &format!("postcards-batch{id}-{stamp}.pdf"),
                pdf,
            ))
        }
        PrintOutcome::ConfirmReissue { .. } => {
            Ok(see_other(&format!("/office/members/batches/{id}/postcards/reissue")))
        }
        PrintOutcome::Nothing => {
            ctx.flash("この取り込みの会員は全員が初回ログインを済ませています。印刷するはがきはありません。")
                .await?;
            Ok(see_other(&format!("/office/members/batches/{id}/postcards")))
        }
    }
}
