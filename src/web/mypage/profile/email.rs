//! Changing the e-mail address: a link mailed to the new address confirms it
//! (`web::public::email_confirm`).

#[allow(unused_imports)]
use super::*;
use crate::app::email_change;

#[derive(Template)]
#[template(path = "profile/email.html")]
struct EmailPage {
    layout: Layout,
    current: Option<String>,
    email: String,
    error: Option<&'static str>,
}

pub async fn email_form(
    State(state): State<AppState>,
    ctx: extract::Physician,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let user = &ctx.user;
    let mut conn = state.pool.acquire().await?;
    let current = db::profile::account_email(&mut conn, user.id).await?.and_then(|a| a.email);
    let page = EmailPage { layout: ctx.layout(), current, email: String::new(), error: None };
    render(&page)
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn email_submit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    ctx.refuse_under_proxy()?;
    let asked =
        email_change::request(&state, &ctx.who(), ctx.now, ctx.user.id, &form.email).await?;
    let email = match asked {
        Ok(email) => email,
        Err(refused) => {
            let page = EmailPage {
                layout: ctx.layout(),
                current: refused.current,
                email: form.email,
                error: Some(refused.message),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    ctx.flash(&format!(
        "{email} に確認のメールをお送りしました。メールに記載のURLを開くと、変更が完了します（24時間以内）。"
    ))
    .await?;
    Ok(see_other("/mypage/profile"))
}
