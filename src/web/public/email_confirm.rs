//! The link mailed to confirm a new e-mail address (/mypage/profile/email/confirm): public,
//! because the physician may open it in a browser where they are not signed in; the token,
//! bound to the account that asked, is the authority.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::email_change;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

#[derive(Template)]
#[template(path = "profile/email_invalid.html")]
struct EmailLinkInvalidPage {
    layout: Layout,
    signed_in: bool,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Opening the mailed link completes the change; the token is bound to the account that asked.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TokenQuery>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let Some((account_id, email)) =
        email_change::confirm(&state, &ctx.who(), ctx.now, &query.token).await?
    else {
        let page = EmailLinkInvalidPage { layout: ctx.layout(), signed_in: ctx.user.is_some() };
        return Ok((StatusCode::GONE, render(&page)?).into_response());
    };
    ctx.flash(&format!("メールアドレスを {email} に変更しました。")).await?;
    let mine = ctx.user.as_ref().is_some_and(|u| u.id == account_id);
    Ok(see_other(if mine { "/mypage/profile" } else { "/login" }))
}
