//! Hộp thư đi — the outbox: messages for the outside world written with the change they tell
//! about, claimed by the delivery worker, retried with backoff, and kept as a dead letter for an
//! administrator when every attempt failed (DESIGN principle 6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{LogEntry, Result, StoreError};

/// Kênh gửi — how a message leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Email,
    Sms,
    /// A signed JSON POST to a unit's chat-group bridge.
    Webhook,
    /// Biên lai điện tử sent to the tax authority (or its service provider).
    Tax,
    /// Đồng bộ lên Cổng Dịch vụ công quốc gia: a dossier's changes, delivered in order per
    /// dossier (a message waits while an earlier one of its dossier is undelivered).
    National,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
            Channel::Tax => "tax",
            Channel::National => "national",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Thư điện tử",
            Channel::Sms => "Tin nhắn SMS",
            Channel::Webhook => "Nhóm trao đổi (webhook)",
            Channel::Tax => "Cơ quan thuế (biên lai điện tử)",
            Channel::National => "Cổng Dịch vụ công quốc gia",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            "webhook" => Ok(Channel::Webhook),
            "tax" => Ok(Channel::Tax),
            "national" => Ok(Channel::National),
            other => Err(StoreError::Corrupt(format!("kênh gửi \"{other}\""))),
        }
    }
}

/// Trạng thái thư — where a message is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageState {
    /// Waiting for its (next) attempt.
    Pending,
    Sent,
    /// Every attempt failed; waits for an administrator.
    Dead,
}

impl MessageState {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(MessageState::Pending),
            "sent" => Ok(MessageState::Sent),
            "dead" => Ok(MessageState::Dead),
            other => Err(StoreError::Corrupt(format!("trạng thái thư \"{other}\""))),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MessageState::Pending => "Chờ gửi lại",
            MessageState::Sent => "Đã gửi",
            MessageState::Dead => "Không gửi được",
        }
    }
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMessage {
    /// What it is about: `status-change`, `digest`.
    pub kind: String,
    pub channel: Channel,
    /// E-mail address, phone number, or the agency id whose webhook receives it.
    pub recipient: String,
    pub subject: String,
    /// Plain text (e-mail, SMS) or JSON (webhook).
    pub body: String,
    /// The same key is enqueued once only.
    pub idempotency_key: String,
    pub dossier: Option<uuid::Uuid>,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredMessage {
    pub id: i64,
    pub kind: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub idempotency_key: String,
    pub dossier: Option<uuid::Uuid>,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub state: MessageState,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// How many messages are in each state (for the admin page and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
    /// Pending after at least one failed attempt.
    pub failing: i64,
}

impl OutboxCounts {
    pub fn total(&self) -> i64 {
        self.pending + self.sent + self.dead
    }
}

/// The outbox.
#[async_trait::async_trait]
pub trait OutboxStore: Send + Sync {
    /// Enqueues messages that are not part of a dossier change (the daily digest) in one
    /// transaction; a key already present is skipped. Returns how many were new.
    async fn enqueue_messages(&self, messages: &[NewMessage], now: DateTime<Utc>) -> Result<usize>;

    /// Takes up to `limit` messages due at `now` for delivery, oldest due first. Each is leased
    /// until `lease_until`: if the worker dies before recording the outcome, the message is
    /// tried again then (at least once; receivers drop duplicates by the idempotency key).
    /// A [`Channel::National`] message is only taken when every earlier one of its dossier was
    /// sent: a dossier's changes reach the portal in order, and a dead one holds the rest.
    async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>>;

    /// Records a delivered message.
    async fn message_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()>;

    /// Records a failed attempt: tried again at `retry_at`, or dead when `None`.
    async fn message_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()>;

    /// Messages that failed: dead ones and those waiting for another attempt, newest first.
    async fn failed_messages(&self, limit: u32) -> Result<Vec<StoredMessage>>;

    /// One message.
    async fn message(&self, id: i64) -> Result<Option<StoredMessage>>;

    /// Messages with this kind, oldest first (for tests and support).
    async fn messages_of_kind(&self, kind: &str, limit: u32) -> Result<Vec<StoredMessage>>;

    /// Puts a failed message back in the queue for an attempt at `now`, with a fresh count of
    /// attempts, and logs who did it. False when there is no such failed message.
    async fn retry_message(
        &self,
        id: i64,
        now: DateTime<Utc>,
        entry: &LogEntry<'_>,
    ) -> Result<bool>;

    /// How many messages are in each state.
    async fn outbox_counts(&self) -> Result<OutboxCounts>;

    /// Records what the national portal acknowledged of a dossier (the newest version wins).
    async fn national_acknowledged(&self, ack: &NationalAck) -> Result<()>;

    /// What the portal acknowledged of the dossiers received in `[from, to)`, oldest first.
    async fn national_acks(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<NationalAck>>;

    /// What the portal acknowledged of one dossier.
    async fn national_ack(&self, dossier: uuid::Uuid) -> Result<Option<NationalAck>>;
}

/// Đã đồng bộ — what the national portal acknowledged of one dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NationalAck {
    pub dossier: uuid::Uuid,
    pub code: String,
    /// The receiving agency's id (the centre).
    pub receiving: String,
    /// The deciding agency's id, as the report counters key a dossier.
    pub agency: String,
    pub procedure: String,
    pub received_at: Option<DateTime<Utc>>,
    /// The last event version the portal holds.
    pub version: u64,
    /// The national status (1–10) it shows.
    pub status: u8,
    /// When it first acknowledged the dossier, and when it last acknowledged a change.
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}
