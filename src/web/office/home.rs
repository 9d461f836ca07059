//! The staff home page (/office): the menu the policy allows.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::render;

#[derive(Template)]
#[template(path = "office/home.html")]
struct OfficePage {
    layout: Layout,
    association: String,
    role_label: &'static str,
    menu: Vec<crate::domain::menu::MenuItem>,
}

pub async fn office(State(state): State<AppState>, ctx: extract::Staff) -> AppResult<Response> {
    let user = &ctx.user;
    let page = OfficePage {
        association: user.association.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
        role_label: user.role.label(),
        menu: crate::domain::menu::office(&user.actor()),
        layout: ctx
            .layout()
            .with_notice(ctx.take_flash().await?)
            .with_announcements(crate::web::layout::site_notices(&state, ctx.now).await?),
    };
    render(&page)
}
