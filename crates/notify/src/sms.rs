//! Tin nhắn SMS qua cổng nhắn tin — the real gateway adapter: a JSON POST over HTTPS.
//!
//! Vietnamese SMS providers (brandname gateways of the carriers and their resellers) each have
//! their own API; the province points this adapter at its provider's JSON endpoint or at a small
//! bridge in front of it. The request is `POST {url}` with
//! `{"to": "0912345678", "text": "…", "sender": "<brandname>", "id": "<idempotency key>"}`,
//! `Authorization: Bearer <token>` when a token is set, and the `X-MotCua-Delivery` header; any
//! 2xx answer means accepted.

use crate::config::SmsConfig;
use crate::{Attempt, DELIVERY_HEADER, SendError, SmsGateway};

pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    sender: Option<String>,
}

impl HttpSmsGateway {
    pub fn new(c: &SmsConfig) -> Result<Self, SendError> {
        let client = crate::http_client(c.timeout_seconds)?;
        Ok(Self {
            client,
            url: c.url.clone(),
            token: c.token.clone(),
            sender: c.sender.clone(),
        })
    }
}

impl SmsGateway for HttpSmsGateway {
    fn send<'a>(&'a self, to: &'a str, text: &'a str, key: &'a str) -> Attempt<'a> {
        Box::pin(async move {
            let body = serde_json::json!({
                "to": to,
                "text": text,
                "sender": self.sender,
                "id": key,
            });
            let mut req = self
                .client
                .post(&self.url)
                .header(DELIVERY_HEADER, key)
                .json(&body);
            if let Some(token) = &self.token {
                req = req.bearer_auth(token);
            }
            crate::webhook::accepted(req.send().await).await
        })
    }
}
