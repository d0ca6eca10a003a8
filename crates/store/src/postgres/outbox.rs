//! Hộp thư đi on PostgreSQL: the delivery workers of every server claim due messages with
//! `FOR UPDATE SKIP LOCKED`, so no two of them take the same message, and lease each by moving
//! its next attempt to the lease's end, as on SQLite.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{DIALECT, col, db_error};
use crate::sql::outbox::{self, ACK_COLUMNS, COLUMNS};
use crate::{
    Channel, LogEntry, MessageState, NationalAck, NewMessage, OutboxCounts, Result, StoredMessage,
    from_ms,
};

/// A message from the columns of [`COLUMNS`].
fn message(r: &Row) -> Result<StoredMessage> {
    Ok(StoredMessage {
        id: col(r, 0)?,
        kind: col(r, 1)?,
        channel: Channel::parse(col(r, 2)?)?,
        recipient: col(r, 3)?,
        subject: col(r, 4)?,
        body: col(r, 5)?,
        idempotency_key: col(r, 6)?,
        dossier: col(r, 7)?,
        attempts: col::<i64>(r, 8)? as u32,
        next_attempt_at: from_ms(col(r, 9)?),
        last_error: col(r, 10)?,
        state: MessageState::parse(col(r, 11)?)?,
        created_at: from_ms(col(r, 12)?),
        sent_at: col::<Option<i64>>(r, 13)?.map(from_ms),
    })
}

/// An acknowledgement from the columns of [`ACK_COLUMNS`].
fn national_ack(r: &Row) -> Result<NationalAck> {
    Ok(NationalAck {
        dossier: col(r, 0)?,
        code: col(r, 1)?,
        receiving: col(r, 2)?,
        agency: col(r, 3)?,
        procedure: col(r, 4)?,
        received_at: col::<Option<i64>>(r, 5)?.map(from_ms),
        version: col::<i64>(r, 6)? as u64,
        status: col::<i64>(r, 7)? as u8,
        first_at: from_ms(col(r, 8)?),
        last_at: from_ms(col(r, 9)?),
    })
}

#[async_trait::async_trait]
impl crate::OutboxStore for super::Postgres {
    async fn enqueue_messages(&self, messages: &[NewMessage], now: DateTime<Utc>) -> Result<usize> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let added = super::enqueue_on(&tx, messages, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(added)
    }

    /// Leases the due messages in one statement: the rows another worker is claiming right now
    /// are skipped (`SKIP LOCKED`), and a row claimed and committed meanwhile is checked again
    /// once locked (its next attempt is then the other lease's end, no longer due). A national
    /// message waits while an earlier one of its dossier is unsent — leased elsewhere too.
    async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        let c = self.client().await?;
        let returning = COLUMNS
            .split(", ")
            .map(|col| format!("o.{col}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH due AS ( \
               SELECT id FROM outbox o WHERE state = 'pending' AND next_attempt_ms <= $1 \
               AND NOT (channel = 'national' AND EXISTS (SELECT 1 FROM outbox p \
                 WHERE p.dossier_id = o.dossier_id AND p.id < o.id \
                 AND p.channel = 'national' AND p.state <> 'sent')) \
               ORDER BY next_attempt_ms, id LIMIT $3 \
               FOR UPDATE SKIP LOCKED) \
             UPDATE outbox o SET next_attempt_ms = $2 FROM due WHERE o.id = due.id \
             RETURNING {returning}"
        );
        let rows = c
            .query(
                sql.as_str(),
                &[
                    &now.timestamp_millis(),
                    &lease_until.timestamp_millis(),
                    &i64::from(limit),
                ],
            )
            .await
            .map_err(db_error)?;
        let mut out = rows.iter().map(message).collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|m| m.id);
        Ok(out)
    }

    async fn message_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_ms = $2, \
             last_error = NULL WHERE id = $1 AND state = 'pending'",
            &[&id, &now.timestamp_millis()],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn message_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
             state = CASE WHEN $3::bigint IS NULL THEN 'dead' ELSE 'pending' END, \
             next_attempt_ms = COALESCE($3::bigint, next_attempt_ms) \
             WHERE id = $1 AND state = 'pending'",
            &[&id, &error, &retry_at.map(|t| t.timestamp_millis())],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn failed_messages(&self, limit: u32) -> Result<Vec<StoredMessage>> {
        let c = self.client().await?;
        let rows = outbox::failed(DIALECT, limit).query(&c).await?;
        rows.iter().map(message).collect()
    }

    async fn message(&self, id: i64) -> Result<Option<StoredMessage>> {
        let c = self.client().await?;
        c.query_opt(
            &format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"),
            &[&id],
        )
        .await
        .map_err(db_error)?
        .as_ref()
        .map(message)
        .transpose()
    }

    async fn messages_of_kind(&self, kind: &str, limit: u32) -> Result<Vec<StoredMessage>> {
        let c = self.client().await?;
        let rows = outbox::of_kind(DIALECT, kind, limit).query(&c).await?;
        rows.iter().map(message).collect()
    }

    /// Puts a failed message back and logs it, together; nothing is written (and false is
    /// answered) when the message is not a failed one.
    async fn retry_message(
        &self,
        id: i64,
        now: DateTime<Utc>,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let done = tx
            .execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = $2 \
                 WHERE id = $1 AND (state = 'dead' OR (state = 'pending' AND attempts > 0))",
                &[&id, &now.timestamp_millis()],
            )
            .await
            .map_err(db_error)?;
        if done == 0 {
            // Nothing written: the transaction is rolled back when dropped.
            return Ok(false);
        }
        super::log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let c = self.client().await?;
        let r = c
            .query_one(
                "SELECT count(*) FILTER (WHERE state = 'pending'), \
                   count(*) FILTER (WHERE state = 'sent'), \
                   count(*) FILTER (WHERE state = 'dead'), \
                   count(*) FILTER (WHERE state = 'pending' AND attempts > 0) \
                 FROM outbox",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(OutboxCounts {
            pending: col(&r, 0)?,
            sent: col(&r, 1)?,
            dead: col(&r, 2)?,
            failing: col(&r, 3)?,
        })
    }

    /// Keeps the acknowledgement unless a newer version of the dossier is kept already (the
    /// first acknowledgement's instant stays).
    async fn national_acknowledged(&self, ack: &NationalAck) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO national_sync (dossier_id, code, receiving, agency, procedure, \
             received_ms, version, status, first_ms, last_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (dossier_id) DO UPDATE SET code = excluded.code, \
             receiving = excluded.receiving, agency = excluded.agency, \
             procedure = excluded.procedure, received_ms = excluded.received_ms, \
             version = excluded.version, status = excluded.status, last_ms = excluded.last_ms \
             WHERE excluded.version >= national_sync.version",
            &[
                &ack.dossier,
                &ack.code,
                &ack.receiving,
                &ack.agency,
                &ack.procedure,
                &ack.received_at.map(|t| t.timestamp_millis()),
                &(ack.version as i64),
                &i64::from(ack.status),
                &ack.first_at.timestamp_millis(),
                &ack.last_at.timestamp_millis(),
            ],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn national_acks(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<NationalAck>> {
        let c = self.client().await?;
        let rows = outbox::acks(DIALECT, from, to).query(&c).await?;
        rows.iter().map(national_ack).collect()
    }

    async fn national_ack(&self, dossier: uuid::Uuid) -> Result<Option<NationalAck>> {
        let c = self.client().await?;
        c.query_opt(
            &format!("SELECT {ACK_COLUMNS} FROM national_sync WHERE dossier_id = $1"),
            &[&dossier],
        )
        .await
        .map_err(db_error)?
        .as_ref()
        .map(national_ack)
        .transpose()
    }
}
