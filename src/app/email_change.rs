//! Changing an account's e-mail address: the request mails a link to the new address (and a
//! notice to the old one); opening the link, signed in or not, completes the change. The
//! token, bound to the account that asked, is the authority.

use serde_json::json;

use crate::clock::{format_jp_datetime, Jst};
use crate::db::audit::{self, Who};
use crate::db::{self, tokens::Purpose};
use crate::domain::person::parse_email;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Why a request was refused: the address on record (for the form) and the message.
pub struct Refused {
    pub current: Option<String>,
    pub message: &'static str,
}

/// Asks to change `account_id`'s address to `typed`; Ok(the new address) when the link was sent.
pub async fn request(
    state: &AppState,
    who: &Who,
    now: Jst,
    account_id: i64,
    typed: &str,
) -> AppResult<Result<String, Refused>> {
    let mut tx = state.pool.begin().await?;
    let account =
        db::profile::account_email(&mut tx, account_id).await?.ok_or(AppError::Forbidden)?;
    let same =
        |email: &str| account.email.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(email));
    let parsed = parse_email(typed).and_then(|email| {
        if same(&email) {
            Err("現在登録されているメールアドレスと同じです。")
        } else {
            Ok(email)
        }
    });
    let email = match parsed {
        Ok(email) => email,
        Err(message) => return Ok(Err(Refused { current: account.email, message })),
    };
    let token =
        db::tokens::issue(&mut tx, Purpose::VerifyEmail, Some(account_id), &email, now).await?;
    let message = crate::mail::messages::account::EmailChangeConfirmation {
        name: account.display_name.clone(),
        link: format!("{}/mypage/profile/email/confirm?token={token}", state.config.base_url),
        until: format_jp_datetime(now + Purpose::VerifyEmail.lifetime()),
        sig: crate::mail::Signature::portal("メールアドレス変更の確認"),
    };
    crate::mail::queue(&mut tx, &email, &message, now).await?;
    if let Some(old) = &account.email {
        let notice = crate::mail::messages::account::EmailChangeNotice {
            name: account.display_name.clone(),
            requested_at: format_jp_datetime(now),
            sig: crate::mail::Signature::portal("メールアドレス変更手続きのお知らせ"),
        };
        crate::mail::queue(&mut tx, old, &notice, now).await?;
    }
    let entry = audit::Entry {
        action: "account.email_change_requested",
        entity_type: "account",
        entity_id: Some(account_id.to_string()),
        before: None,
        after: Some(json!({ "requested_email": email })),
    };
    audit::record(&mut tx, who, now, entry).await?;
    tx.commit().await?;
    state.mail_notify.notify_one();
    Ok(Ok(email))
}

/// Completes the change the mailed `token` stands for: Some((account, new address)), or None
/// for a link that is unknown, used or expired.
pub async fn confirm(
    state: &AppState,
    who: &Who,
    now: Jst,
    token: &str,
) -> AppResult<Option<(i64, String)>> {
    let mut tx = state.pool.begin().await?;
    let claim = db::tokens::consume(&mut tx, Purpose::VerifyEmail, token, now).await?;
    let changed = match claim.as_ref().and_then(|c| c.account_id.map(|id| (id, &c.email))) {
        Some((account_id, email)) => {
            db::profile::set_verified_email(&mut tx, account_id, email, now)
                .await?
                .map(|old| (account_id, email.clone(), old))
        }
        None => None,
    };
    let Some((account_id, email, old)) = changed else {
        tx.rollback().await?;
        return Ok(None);
    };
    // The link's owner acts, whoever's browser opened it.
    let who = Who { actor_account_id: Some(account_id), ..who.clone() };
    let entry = audit::Entry {
        action: "account.email_change",
        entity_type: "account",
        entity_id: Some(account_id.to_string()),
        before: Some(json!({ "email": old })),
        after: Some(json!({ "email": email })),
    };
    audit::record(&mut tx, &who, now, entry).await?;
    tx.commit().await?;
    Ok(Some((account_id, email)))
}
