//! E-mail: SMTP through lettre when `SMTP_URL` is set, otherwise .eml files in a directory.
//! Every message is a template in `messages` (queued with `queue`).
//! Delivery goes through the outbox worker (see `worker`), never straight from a handler.

pub mod messages;
pub mod worker;

pub use messages::{queue, Signature};

use lettre::message::{
    header::{ContentType, MIME_VERSION_1_0},
    Mailbox,
};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config.mail_from.parse()?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(&config.mail_outbox_dir)?;
                Transport::Files(AsyncFileTransport::new(&config.mail_outbox_dir))
            }
        };
        Ok(Mailer { transport, from })
    }

    /// The sender's domain, for Message-IDs.
    pub fn from_domain(&self) -> &str {
        self.from.email.domain()
    }

    /// Sends one message with the given Message-ID (`<…@…>`, see `worker::message_id`).
    pub async fn send(
        &self,
        message_id: &str,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("invalid address {to}: {e}"))?;
        let message = Message::builder()
            .message_id(Some(message_id.to_string()))
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            // RFC 2045: strict filters reject MIME bodies without it (lettre adds it only for
            // multipart and singlepart builders).
            .header(MIME_VERSION_1_0)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}
