//! Webhook đến nhóm trao đổi — a JSON POST to a unit's chat-group bridge (a Zalo OA or Telegram
//! bot in front of the group), signed so the bridge can tell it came from this system.
//!
//! Signature: `X-MotCua-Signature: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>`
//! with `X-MotCua-Timestamp: <Unix seconds>`; the timestamp is signed with the body so an old
//! request cannot be replayed as new. The bridge recomputes it over the raw bytes it received.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::WebhookConfig;
use crate::{Attempt, DELIVERY_HEADER, SendError, WebhookSender};

pub const SIGNATURE_HEADER: &str = "X-MotCua-Signature";
pub const TIMESTAMP_HEADER: &str = "X-MotCua-Timestamp";

/// `sha256=<hex>` of the HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

struct Target {
    url: String,
    secret: String,
}

/// Posts to the webhook configured for each agency.
pub struct HttpWebhookSender {
    client: reqwest::Client,
    targets: HashMap<String, Target>,
}

impl HttpWebhookSender {
    pub fn new(hooks: &[WebhookConfig], timeout_seconds: u64) -> Result<Self, SendError> {
        let client = crate::http_client(timeout_seconds)?;
        Ok(Self {
            client,
            targets: hooks
                .iter()
                .map(|h| {
                    (
                        h.agency.clone(),
                        Target {
                            url: h.url.clone(),
                            secret: h.secret.clone(),
                        },
                    )
                })
                .collect(),
        })
    }
}

impl WebhookSender for HttpWebhookSender {
    fn send<'a>(
        &'a self,
        agency: &'a str,
        body: &'a str,
        key: &'a str,
        at: DateTime<Utc>,
    ) -> Attempt<'a> {
        Box::pin(async move {
            let target = self
                .targets
                .get(agency)
                .ok_or_else(|| SendError::NotConfigured(format!("webhook của đơn vị {agency}")))?;
            let timestamp = at.timestamp();
            let req = self
                .client
                .post(&target.url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json; charset=utf-8",
                )
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, signature(&target.secret, timestamp, body))
                .header(DELIVERY_HEADER, key)
                .body(body.to_string());
            accepted(req.send().await).await
        })
    }
}

/// A 2xx answer is success; anything else is a failed attempt, with the start of the answer.
pub(crate) async fn accepted(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<(), SendError> {
    let response = sent.map_err(|e| SendError::Http(e.without_url().to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Err(SendError::Status {
        status: status.as_u16(),
        body,
    })
}
