//! Thư điện tử qua SMTP — the real mailer, with lettre (rustls on ring; no aws-lc).

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, TlsMode};
use crate::{Attempt, Mailer, SendError};

/// Sends plain-text UTF-8 mail through one SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(c: &SmtpConfig) -> Result<Self, SendError> {
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|e| SendError::Address(format!("người gửi \"{}\": {e}", c.from)))?;
        let tls = || {
            TlsParameters::new(c.host.clone())
                .map_err(|e| SendError::Smtp(format!("TLS với {}: {e}", c.host)))
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.host.clone())
            .port(c.port())
            .timeout(Some(Duration::from_secs(c.timeout_seconds)));
        b = match c.tls {
            TlsMode::None => b.tls(Tls::None),
            TlsMode::Starttls => b.tls(Tls::Required(tls()?)),
            TlsMode::Tls => b.tls(Tls::Wrapper(tls()?)),
        };
        if let (Some(user), Some(password)) = (&c.username, &c.password) {
            b = b.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: b.build(),
            from,
        })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body: &'a str) -> Attempt<'a> {
        Box::pin(async move {
            let to: Mailbox = to
                .parse()
                .map_err(|e| SendError::Address(format!("\"{to}\": {e}")))?;
            // Base64 keeps Vietnamese text intact through any relay (no 8BITMIME needed).
            let body = Body::new_with_encoding(body.to_string(), ContentTransferEncoding::Base64)
                .map_err(|_| SendError::Smtp("không mã hóa được nội dung thư".into()))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body)
                .map_err(|e| SendError::Smtp(e.to_string()))?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Smtp(e.to_string()))
        })
    }
}
