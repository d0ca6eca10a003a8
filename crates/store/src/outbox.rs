//! Hộp thư đi — the outbox: messages for the outside world written with the change they tell
//! about, claimed by the delivery worker, retried with backoff, and kept as a dead letter for an
//! administrator when every attempt failed (DESIGN principle 6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::{Db, LogEntry, Result, StoreError};

/// Kênh gửi — how a message leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Email,
    Sms,
    /// A signed JSON POST to a unit's chat-group bridge.
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Thư điện tử",
            Channel::Sms => "Tin nhắn SMS",
            Channel::Webhook => "Nhóm trao đổi (webhook)",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            "webhook" => Ok(Channel::Webhook),
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
    fn parse(s: &str) -> Result<Self> {
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

const COLUMNS: &str = "id, kind, channel, recipient, subject, body, idempotency_key, dossier_id, attempts, \
    next_attempt_ms, last_error, state, created_ms, sent_ms";

fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("stored instants are valid")
}

fn message(r: &SqliteRow) -> Result<StoredMessage> {
    Ok(StoredMessage {
        id: r.get("id"),
        kind: r.get("kind"),
        channel: Channel::parse(r.get::<&str, _>("channel"))?,
        recipient: r.get("recipient"),
        subject: r.get("subject"),
        body: r.get("body"),
        idempotency_key: r.get("idempotency_key"),
        dossier: r.get("dossier_id"),
        attempts: r.get::<i64, _>("attempts") as u32,
        next_attempt_at: instant(r.get("next_attempt_ms")),
        last_error: r.get("last_error"),
        state: MessageState::parse(r.get::<&str, _>("state"))?,
        created_at: instant(r.get("created_ms")),
        sent_at: r.get::<Option<i64>, _>("sent_ms").map(instant),
    })
}

/// Enqueues messages in the caller's transaction; a key already present is skipped. Returns how
/// many were new.
pub(crate) async fn enqueue_on(
    conn: &mut SqliteConnection,
    messages: &[NewMessage],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut added = 0;
    for m in messages {
        let done = sqlx::query(
            "INSERT INTO outbox (kind, channel, recipient, subject, body, idempotency_key, dossier_id, \
             next_attempt_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&m.kind)
        .bind(m.channel.as_str())
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(&m.idempotency_key)
        .bind(m.dossier)
        .bind(now.timestamp_millis())
        .execute(&mut *conn)
        .await?;
        added += done.rows_affected() as usize;
    }
    Ok(added)
}

impl Db {
    /// Enqueues messages that are not part of a dossier change (the daily digest) in one
    /// transaction; a key already present is skipped. Returns how many were new.
    pub async fn enqueue_messages(
        &self,
        messages: &[NewMessage],
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut tx = self.writer().begin().await?;
        let added = enqueue_on(&mut tx, messages, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Takes up to `limit` messages due at `now` for delivery. Each is leased until
    /// `lease_until`: if the worker dies before recording the outcome, the message is tried again
    /// then (delivery is at least once; receivers drop duplicates by the idempotency key).
    pub async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET next_attempt_ms = $2 WHERE id IN \
             (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_ms <= $1 \
              ORDER BY next_attempt_ms, id LIMIT $3) \
             RETURNING {COLUMNS}"
        )))
        .bind(now.timestamp_millis())
        .bind(lease_until.timestamp_millis())
        .bind(i64::from(limit))
        .fetch_all(self.writer())
        .await?;
        let mut out: Vec<StoredMessage> = rows.iter().map(message).collect::<Result<_>>()?;
        out.sort_by_key(|m| m.id);
        Ok(out)
    }

    /// Records a delivered message.
    pub async fn message_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_ms = $2, last_error = NULL \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now.timestamp_millis())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or dead when `None`.
    pub async fn message_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
             state = CASE WHEN $3 IS NULL THEN 'dead' ELSE 'pending' END, \
             next_attempt_ms = COALESCE($3, next_attempt_ms) \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(error)
        .bind(retry_at.map(|t| t.timestamp_millis()))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Messages that failed: dead ones and those waiting for another attempt, newest first.
    pub async fn failed_messages(&self, limit: u32) -> Result<Vec<StoredMessage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM outbox WHERE state = 'dead' OR (state = 'pending' AND attempts > 0) \
             ORDER BY id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(message).collect()
    }

    /// One message.
    pub async fn message(&self, id: i64) -> Result<Option<StoredMessage>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM outbox WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(message).transpose()
    }

    /// Messages with this kind, oldest first (for tests and support).
    pub async fn messages_of_kind(&self, kind: &str, limit: u32) -> Result<Vec<StoredMessage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM outbox WHERE kind = $1 ORDER BY id LIMIT $2"
        )))
        .bind(kind)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(message).collect()
    }

    /// Puts a failed message back in the queue for an attempt at `now`, with a fresh count of
    /// attempts, and logs who did it. False when there is no such failed message.
    pub async fn retry_message(
        &self,
        id: i64,
        now: DateTime<Utc>,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let mut tx = self.writer().begin().await?;
        let done = sqlx::query(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = $2 \
             WHERE id = $1 AND (state = 'dead' OR (state = 'pending' AND attempts > 0))",
        )
        .bind(id)
        .bind(now.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        crate::admin::log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many messages are in each state.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let (pending, sent, dead, failing): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0) \
             FROM outbox",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(OutboxCounts {
            pending,
            sent,
            dead,
            failing,
        })
    }
}
