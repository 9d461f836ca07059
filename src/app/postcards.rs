//! Printing a batch's postcards (はがきの印刷): the one moment an initial password exists in
//! clear. New passwords are drawn, hashed, stored as hashes with their expiry, and printed into
//! the PDF in one transaction; the clear text leaves with the PDF and is kept nowhere. Printing
//! again is a reissue: the earlier postcards stop working.

use rand::rngs::OsRng;
use serde_json::json;
use sqlx::PgPool;

use crate::clock::Jst;
use crate::db::{audit, members};
use crate::domain::member_csv::initial_password;
use crate::domain::postcard::{self, Printing};
use crate::domain::prefecture;
use crate::error::{AppError, AppResult};
use crate::export::certificate_pdf::UnprintableName;
use crate::export::postcard_pdf::{self, PostcardData, Sender};
use crate::password;

/// What a printing did.
pub enum PrintOutcome {
    /// The postcards, as printed into `pdf` (the clear passwords are in `cards` for the
    /// caller's hands only: the handler sends the PDF, tests read the cards).
    Printed { printing: Printing, cards: Vec<PostcardData>, pdf: Vec<u8> },
    /// Some postcards were printed before: a reissue needs the clerk's confirmation.
    ConfirmReissue { printed: usize },
    /// Every member of the batch has chosen their own password: nothing to print.
    Nothing,
}

/// Prints the postcards of a batch the caller may see. `reissue_confirmed`: the clerk
/// confirmed, on the page that says so, that earlier postcards will stop working.
pub async fn print(
    pool: &PgPool,
    batch_id: i64,
    who: &audit::Who,
    now: Jst,
    reissue_confirmed: bool,
    sender: Sender,
) -> AppResult<PrintOutcome> {
    let mut tx = pool.begin().await?;
    let waiting = members::lock_postcards(&mut tx, batch_id).await?;
    if waiting.is_empty() {
        return Ok(PrintOutcome::Nothing);
    }
    let printed = waiting.iter().filter(|p| p.issued_at.is_some()).count();
    let printing = Printing::for_batch(printed);
    if printing == Printing::Reissue && !reissue_confirmed {
        return Ok(PrintOutcome::ConfirmReissue { printed });
    }

    let passwords: Vec<String> = {
        let mut rng = OsRng;
        waiting.iter().map(|_| initial_password(&mut rng)).collect()
    };
    let hashes = password::hash_many(&passwords).await?;
    let expires_at = postcard::expires_at(now);
    // The last full day it works, as printed: the day before the one it stops on (JST).
    let valid_until = (expires_at - chrono::Duration::days(1)).date_naive();
    let account_ids: Vec<i64> = waiting.iter().map(|p| p.account_id).collect();
    members::issue_passwords(&mut tx, &account_ids, &hashes, now, expires_at).await?;

    let cards: Vec<PostcardData> = waiting
        .iter()
        .zip(passwords)
        .map(|(p, initial_password)| PostcardData {
            postal_code: p.postal_code.clone().unwrap_or_default(),
            address: prefecture::full_address(p.prefecture_code, p.address.as_deref()),
            name: p.kanji_name.clone(),
            login_id: p.login_id.clone(),
            initial_password,
            valid_until,
        })
        .collect();
    let (cards, rendered) = tokio::task::spawn_blocking(move || {
        let pdf = postcard_pdf::render(&cards, &sender);
        (cards, pdf)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let pdf = rendered.map_err(|e| match e.downcast_ref::<UnprintableName>() {
        Some(u) => AppError::Conflict(format!(
            "氏名または住所に、印刷できない文字（U+{:04X}）を含む会員がいます。何も変更していません。システム管理者にご連絡ください。",
            u32::from(u.character)
        )),
        None => AppError::Internal(e),
    })?;

    let entry = audit::Entry {
        action: printing.audit_action(),
        entity_type: "member_import_batch",
        entity_id: Some(batch_id.to_string()),
        before: None,
        after: Some(json!({
            "postcards": account_ids.len(),
            "account_ids": account_ids,
            "expires_at": expires_at,
            "previously_printed": printed,
        })),
    };
    audit::record(&mut tx, who, now, entry).await?;
    tx.commit().await?;
    Ok(PrintOutcome::Printed { printing, cards, pdf })
}
