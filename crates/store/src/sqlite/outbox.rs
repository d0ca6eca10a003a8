//! Hộp thư đi on SQLite.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{DIALECT, Sql, Sqlite, Written, from_ms, uuid};
use crate::sql::outbox::{self, ACK_COLUMNS, COLUMNS};
use crate::{
    Channel, LogEntry, MessageState, NationalAck, NewMessage, OutboxCounts, Result, StoredMessage,
};

fn message(r: &rusqlite::Row<'_>) -> Result<StoredMessage> {
    Ok(StoredMessage {
        id: r.get(0)?,
        kind: r.get(1)?,
        channel: Channel::parse(&r.get::<_, String>(2)?)?,
        recipient: r.get(3)?,
        subject: r.get(4)?,
        body: r.get(5)?,
        idempotency_key: r.get(6)?,
        dossier: r.get(7)?,
        attempts: r.get::<_, i64>(8)? as u32,
        next_attempt_at: from_ms(r.get(9)?),
        last_error: r.get(10)?,
        state: MessageState::parse(&r.get::<_, String>(11)?)?,
        created_at: from_ms(r.get(12)?),
        sent_at: r.get::<_, Option<i64>>(13)?.map(from_ms),
    })
}

fn national_ack(r: &rusqlite::Row<'_>) -> Result<NationalAck> {
    Ok(NationalAck {
        dossier: r.get(0)?,
        code: r.get(1)?,
        receiving: r.get(2)?,
        agency: r.get(3)?,
        procedure: r.get(4)?,
        received_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
        version: r.get::<_, i64>(6)? as u64,
        status: r.get::<_, i64>(7)? as u8,
        first_at: from_ms(r.get(8)?),
        last_at: from_ms(r.get(9)?),
    })
}

/// Enqueues messages in the caller's transaction; a key already present is skipped. Returns how
/// many were new.
pub(super) fn enqueue_on(
    conn: &Connection,
    messages: &[NewMessage],
    now: DateTime<Utc>,
) -> Result<usize> {
    if messages.is_empty() {
        return Ok(0);
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO outbox (kind, channel, recipient, subject, body, idempotency_key, dossier_id, \
         next_attempt_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )?;
    let mut added = 0;
    for m in messages {
        added += stmt.execute(params![
            m.kind,
            m.channel.as_str(),
            m.recipient,
            m.subject,
            m.body,
            m.idempotency_key,
            m.dossier.map(uuid),
            now.timestamp_millis()
        ])?;
    }
    Ok(added)
}

#[async_trait::async_trait]
impl crate::OutboxStore for Sqlite {
    async fn enqueue_messages(&self, messages: &[NewMessage], now: DateTime<Utc>) -> Result<usize> {
        let messages = messages.to_vec();
        self.write_all(move |c| enqueue_on(c, &messages, now)).await
    }

    async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        self.write_all(move |c| {
            let mut out = Sql::new(
                DIALECT,
                &format!(
                    "UPDATE outbox SET next_attempt_ms = ?2 WHERE id IN \
                 (SELECT id FROM outbox o WHERE state = 'pending' AND next_attempt_ms <= ?1 \
                  AND NOT (channel = 'national' AND EXISTS (SELECT 1 FROM outbox p \
                    INDEXED BY outbox_national_open WHERE p.dossier_id = o.dossier_id \
                    AND p.id < o.id AND p.channel = 'national' AND p.state <> 'sent')) \
                  ORDER BY next_attempt_ms, id LIMIT ?3) RETURNING {COLUMNS}"
                ),
            );
            out.args = vec![
                now.timestamp_millis().into(),
                lease_until.timestamp_millis().into(),
                i64::from(limit).into(),
            ];
            let mut out = out.rows(c, message)?;
            out.sort_by_key(|m| m.id);
            Ok(out)
        })
        .await
    }

    async fn message_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.write_all(move |c| {
            c.prepare_cached(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_ms = ?2, \
                 last_error = NULL WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, now.timestamp_millis()])?;
            Ok(())
        })
        .await
    }

    async fn message_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let error = error.to_string();
        self.write_all(move |c| {
            c.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, \
                 state = CASE WHEN ?3 IS NULL THEN 'dead' ELSE 'pending' END, \
                 next_attempt_ms = COALESCE(?3, next_attempt_ms) \
                 WHERE id = ?1 AND state = 'pending'",
            )?
            .execute(params![id, error, retry_at.map(|t| t.timestamp_millis())])?;
            Ok(())
        })
        .await
    }

    async fn failed_messages(&self, limit: u32) -> Result<Vec<StoredMessage>> {
        self.read(|c| outbox::failed(DIALECT, limit).rows(c, message))
    }

    async fn message(&self, id: i64) -> Result<Option<StoredMessage>> {
        self.read(|c| {
            let found = c
                .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?
                .query_row([id], |r| Ok(message(r)))
                .optional()?;
            found.transpose()
        })
    }

    async fn messages_of_kind(&self, kind: &str, limit: u32) -> Result<Vec<StoredMessage>> {
        self.read(|c| outbox::of_kind(DIALECT, kind, limit).rows(c, message))
    }

    async fn retry_message(
        &self,
        id: i64,
        now: DateTime<Utc>,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let entry = super::admin::OwnedEntry::of(entry);
        self.write(move |c| {
            let done = c
                .prepare_cached(
                    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?2 \
                     WHERE id = ?1 AND (state = 'dead' OR (state = 'pending' AND attempts > 0))",
                )?
                .execute(params![id, now.timestamp_millis()])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn national_acknowledged(&self, ack: &NationalAck) -> Result<()> {
        let a = ack.clone();
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO national_sync (dossier_id, code, receiving, agency, procedure, \
                 received_ms, version, status, first_ms, last_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 ON CONFLICT (dossier_id) DO UPDATE SET code = excluded.code, \
                 receiving = excluded.receiving, agency = excluded.agency, \
                 procedure = excluded.procedure, received_ms = excluded.received_ms, \
                 version = excluded.version, status = excluded.status, last_ms = excluded.last_ms \
                 WHERE excluded.version >= national_sync.version",
            )?
            .execute(params![
                uuid(a.dossier),
                a.code,
                a.receiving,
                a.agency,
                a.procedure,
                a.received_at.map(|t| t.timestamp_millis()),
                a.version as i64,
                i64::from(a.status),
                a.first_at.timestamp_millis(),
                a.last_at.timestamp_millis()
            ])?;
            Ok(())
        })
        .await
    }

    async fn national_acks(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<NationalAck>> {
        self.read(move |c| outbox::acks(DIALECT, from, to).rows(c, national_ack))
    }

    async fn national_ack(&self, dossier: uuid::Uuid) -> Result<Option<NationalAck>> {
        self.read(move |c| {
            let found = c
                .prepare_cached(&format!(
                    "SELECT {ACK_COLUMNS} FROM national_sync WHERE dossier_id = ?1"
                ))?
                .query_row([uuid(dossier)], |r| Ok(national_ack(r)))
                .optional()?;
            found.transpose()
        })
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT \
                   COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0) \
                 FROM outbox",
                [],
                |r| {
                    Ok(OutboxCounts {
                        pending: r.get(0)?,
                        sent: r.get(1)?,
                        dead: r.get(2)?,
                        failing: r.get(3)?,
                    })
                },
            )?)
        })
    }
}
