//! Every mail the portal sends: one askama text template per message under `templates/mail/`,
//! one struct per template with the message's typed fields, and one signature partial
//! (`mail/signature.txt`) that every template includes. `queue` renders a message and puts it
//! in the outbox, in the caller's transaction.

pub mod account;
pub mod organizer;
pub mod physician;

#[cfg(test)]
mod tests;

use sqlx::PgConnection;

use crate::clock::Jst;
use crate::domain::prefecture;

/// A mail message: its template renders the body (signature included), `subject` the subject.
pub trait Message: askama::Template {
    fn subject(&self) -> String;
}

/// Renders `message` and queues it for `to` in the outbox (see `db::outbox::enqueue`).
pub async fn queue(
    conn: &mut PgConnection,
    to: &str,
    message: &impl Message,
    now: Jst,
) -> sqlx::Result<i64> {
    // Rendering a text template fails only on a formatting error; it is reported as the
    // body failing to encode, so callers keep one error type.
    let body = message.render().map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    crate::db::outbox::enqueue(conn, to, &message.subject(), &body, now).await
}

/// The Japan Medical Association, which runs the portal and sends its own mail.
pub const JMA: &str = "日本医師会";

/// The name of a prefecture's association (「東京都医師会」).
pub fn prefecture_association(code: i16) -> String {
    format!("{}医師会", prefecture::name(code).unwrap_or("（不明）"))
}

/// The association a staff member acts for; JMA when the account has none.
pub fn acting_association(name: Option<&str>) -> String {
    name.unwrap_or(JMA).to_string()
}

/// The association a signed-in staff account acts for (see `acting_association`).
pub fn acting_for(user: Option<&crate::db::accounts::CurrentAccount>) -> String {
    acting_association(user.and_then(|u| u.association.as_ref()).map(|a| a.name.as_str()))
}

/// Whom the reader should ask: a name, and a phone number or address where one is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Contact {
    /// An association by name (the database holds no phone number or address for them).
    pub fn association(name: impl Into<String>) -> Self {
        Contact { name: name.into(), phone: None, email: None }
    }

    /// The portal's call centre, the contact printed in every page's footer.
    pub fn help_desk() -> Self {
        Contact {
            name: "MAMIS コールセンター".into(),
            phone: Some("0120-110-030（平日 10:00～18:00）".into()),
            email: None,
        }
    }
}

/// The signature every mail ends with: who sent it, whom to ask, and why it was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The association that sent the mail (the one that acted, where known).
    pub sender: String,
    pub contact: Contact,
    /// A noun phrase completing 「このメールは、…のためにお送りしています。」
    /// (「パスワード変更のお知らせ」).
    pub reason: String,
}

impl Signature {
    /// Mail the portal sends by itself (accounts, receipts): JMA, the call centre to ask.
    pub fn portal(reason: impl Into<String>) -> Self {
        Signature { sender: JMA.into(), contact: Contact::help_desk(), reason: reason.into() }
    }

    /// Mail sent by JMA's portal about a matter another association handles.
    pub fn portal_for(contact: impl Into<String>, reason: impl Into<String>) -> Self {
        Signature {
            sender: JMA.into(),
            contact: Contact::association(contact),
            reason: reason.into(),
        }
    }

    /// Mail sent because an association acted; questions go to that association.
    pub fn by(association: impl Into<String>, reason: impl Into<String>) -> Self {
        let association = association.into();
        Signature {
            contact: Contact::association(association.clone()),
            sender: association,
            reason: reason.into(),
        }
    }
}
