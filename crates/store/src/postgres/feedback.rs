//! Phản ánh, kiến nghị on PostgreSQL: one row per feedback (petition and state as JSON) and its
//! events in order. A change names the version it read: `UPDATE … WHERE version = $n` waits for
//! a concurrent change of the same feedback, then finds the version gone and writes nothing.
//!
//! The search is a substring match over `search_text` (folded text), as on SQLite, which uses
//! `instr` there — no full-text index.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{DIALECT, col, db_error, insert_error};
use crate::feedback::{
    FeedbackFilter, FeedbackRecord, FeedbackStore, PendingFeedback, StoredFeedback,
    feedback_search_text,
};
use crate::sql::feedback::{self, COLUMNS};
use crate::{Result, StoreError, from_json, from_ms, to_json};

/// A feedback from the columns of [`COLUMNS`].
fn row(r: &Row) -> Result<StoredFeedback> {
    Ok(StoredFeedback {
        id: col(r, 0)?,
        code: col(r, 1)?,
        petition: from_json(col(r, 2)?, "nội dung phản ánh")?,
        state: from_json(col(r, 3)?, "trạng thái phản ánh")?,
        version: col::<i64>(r, 4)? as u64,
    })
}

/// Appends an event of a feedback, in the caller's transaction (a sequence number taken
/// already is a duplicate).
async fn insert_event(tx: &impl GenericClient, id: uuid::Uuid, r: &FeedbackRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO feedback_events (feedback, seq, at_ms, actor, event) \
         VALUES ($1, $2, $3, $4, $5)",
        &[&id, &(r.seq as i64), &r.at_ms, &r.actor, &to_json(&r.event)],
    )
    .await
    .map_err(|e| insert_error(e, "sự kiện của phản ánh"))?;
    Ok(())
}

/// Writes a new feedback and its first event, in the caller's transaction (a code, id or
/// national id taken already is a duplicate of the code).
async fn insert_feedback(
    tx: &impl GenericClient,
    f: &StoredFeedback,
    first: &FeedbackRecord,
) -> Result<()> {
    tx.execute(
        "INSERT INTO feedback (id, code, agency, received_ms, published, petition, state, \
         version, search_text, petitioner, national_id) \
         VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9, $10)",
        &[
            &f.id,
            &f.code,
            &f.state.agency.as_str(),
            &f.state.received_at.timestamp_millis(),
            &to_json(&f.petition),
            &to_json(&f.state),
            &(f.version as i64),
            &feedback_search_text(&f.code, &f.petition),
            &f.petition.id_number,
            &f.petition.national_id,
        ],
    )
    .await
    .map_err(|e| insert_error(e, &format!("mã phản ánh {}", f.code)))?;
    insert_event(tx, f.id, first).await
}

/// The feedback a query for one row (of [`COLUMNS`]) finds.
async fn one(c: &impl GenericClient, sql: &str, key: &str) -> Result<Option<StoredFeedback>> {
    c.query_opt(sql, &[&key])
        .await
        .map_err(db_error)?
        .as_ref()
        .map(row)
        .transpose()
}

#[async_trait::async_trait]
impl FeedbackStore for super::Postgres {
    async fn create_feedback(&self, f: &StoredFeedback, first: &FeedbackRecord) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        insert_feedback(&tx, f, first).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Keeps the waiting feedback and queues the message with its code, together.
    async fn start_pending_feedback(
        &self,
        p: &PendingFeedback,
        message: &crate::NewMessage,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        tx.execute(
            "INSERT INTO feedback_pending (token, petition, agency, code_hash, created_ms, \
             expires_ms, attempts) VALUES ($1, $2, $3, $4, $5, $6, 0)",
            &[
                &p.token,
                &to_json(&p.petition),
                &p.agency,
                &p.code_hash,
                &p.created_ms,
                &p.expires_ms,
            ],
        )
        .await
        .map_err(|e| insert_error(e, "phản ánh chờ xác nhận"))?;
        super::enqueue_on(&tx, std::slice::from_ref(message), from_ms(p.created_ms)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn pending_feedback(&self, token: &str) -> Result<Option<PendingFeedback>> {
        let c = self.client().await?;
        let Some(r) = c
            .query_opt(
                "SELECT token, petition, agency, code_hash, created_ms, expires_ms, attempts \
                 FROM feedback_pending WHERE token = $1",
                &[&token],
            )
            .await
            .map_err(db_error)?
        else {
            return Ok(None);
        };
        Ok(Some(PendingFeedback {
            token: col(&r, 0)?,
            petition: from_json(col(&r, 1)?, "phản ánh chờ xác nhận")?,
            agency: col(&r, 2)?,
            code_hash: col(&r, 3)?,
            created_ms: col(&r, 4)?,
            expires_ms: col(&r, 5)?,
            attempts: col::<i64>(&r, 6)? as u32,
        }))
    }

    async fn feedback_by_national_id(&self, id: &str) -> Result<Option<StoredFeedback>> {
        let c = self.client().await?;
        one(
            &c,
            &format!("SELECT {COLUMNS} FROM feedback WHERE national_id = $1"),
            id,
        )
        .await
    }

    /// Counts a wrong code (0 when the waiting feedback is gone).
    async fn pending_feedback_failed(&self, token: &str) -> Result<u32> {
        let c = self.client().await?;
        let n: Option<i64> = c
            .query_opt(
                "UPDATE feedback_pending SET attempts = attempts + 1 WHERE token = $1 \
                 RETURNING attempts",
                &[&token],
            )
            .await
            .map_err(db_error)?
            .map(|r| col(&r, 0))
            .transpose()?;
        Ok(n.unwrap_or(0) as u32)
    }

    async fn drop_pending_feedback(&self, token: &str) -> Result<()> {
        let c = self.client().await?;
        c.execute("DELETE FROM feedback_pending WHERE token = $1", &[&token])
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Drops the waiting feedback and writes the received one, together. A second confirmation
    /// (even a concurrent one: its delete waits for the first and then finds nothing) is a
    /// conflict and writes nothing.
    async fn confirm_pending_feedback(
        &self,
        token: &str,
        f: &StoredFeedback,
        first: &FeedbackRecord,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let gone = tx
            .execute("DELETE FROM feedback_pending WHERE token = $1", &[&token])
            .await
            .map_err(db_error)?;
        if gone == 0 {
            return Err(StoreError::Conflict { expected: 0 });
        }
        insert_feedback(&tx, f, first).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Writes the state an event leaves if the feedback is still at `expected_version`, with the
    /// event and its messages; otherwise a conflict, and nothing is written.
    async fn append_feedback(
        &self,
        id: uuid::Uuid,
        expected_version: u64,
        record: &FeedbackRecord,
        state: &domain::feedback::Feedback,
        messages: &[crate::NewMessage],
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let changed = tx
            .execute(
                "UPDATE feedback SET state = $1, version = version + 1, agency = $2, \
                 published = $3 WHERE id = $4 AND version = $5",
                &[
                    &to_json(state),
                    &state.agency.as_str(),
                    &i64::from(state.published_at.is_some()),
                    &id,
                    &(expected_version as i64),
                ],
            )
            .await
            .map_err(db_error)?;
        if changed == 0 {
            return Err(StoreError::Conflict {
                expected: expected_version,
            });
        }
        insert_event(&tx, id, record).await?;
        super::enqueue_on(&tx, messages, from_ms(record.at_ms)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn feedback(&self, id: uuid::Uuid) -> Result<Option<StoredFeedback>> {
        let c = self.client().await?;
        c.query_opt(
            &format!("SELECT {COLUMNS} FROM feedback WHERE id = $1"),
            &[&id],
        )
        .await
        .map_err(db_error)?
        .as_ref()
        .map(row)
        .transpose()
    }

    async fn feedback_by_code(&self, code: &str) -> Result<Option<StoredFeedback>> {
        let c = self.client().await?;
        one(
            &c,
            &format!("SELECT {COLUMNS} FROM feedback WHERE code = $1"),
            code,
        )
        .await
    }

    async fn feedback_events(&self, id: uuid::Uuid) -> Result<Vec<FeedbackRecord>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT seq, at_ms, actor, event FROM feedback_events WHERE feedback = $1 \
                 ORDER BY seq",
                &[&id],
            )
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(FeedbackRecord {
                    seq: col::<i64>(r, 0)? as u64,
                    at_ms: col(r, 1)?,
                    actor: col(r, 2)?,
                    event: from_json(col(r, 3)?, "sự kiện của phản ánh")?,
                })
            })
            .collect()
    }

    async fn feedback_list(&self, filter: &FeedbackFilter) -> Result<Vec<StoredFeedback>> {
        let c = self.client().await?;
        let rows = feedback::list(DIALECT, filter).query(&c).await?;
        rows.iter().map(row).collect()
    }

    /// The codes that start with `prefix` (byte for byte, whatever the database's collation).
    async fn feedback_count_with_prefix(&self, prefix: &str) -> Result<u64> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "SELECT count(*) FROM feedback WHERE starts_with(code, $1)",
                &[&prefix],
            )
            .await
            .map_err(db_error)?;
        let n: i64 = col(&row, 0)?;
        Ok(n as u64)
    }
}
