//! Phản ánh, kiến nghị on SQLite: one row per feedback (petition and state as JSON) and its
//! events in order.

use rusqlite::{OptionalExtension, params};

use super::{DIALECT, Sql, Sqlite, insert_error};
use crate::feedback::{
    FeedbackFilter, FeedbackRecord, FeedbackStore, PendingFeedback, StoredFeedback,
    feedback_search_text,
};
use crate::sql::feedback::{self, COLUMNS};
use crate::{Result, StoreError};

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn row(r: &rusqlite::Row<'_>) -> Result<StoredFeedback> {
    let id: Vec<u8> = r.get(0)?;
    let code: String = r.get(1)?;
    Ok(StoredFeedback {
        id: uuid::Uuid::from_slice(&id)
            .map_err(|_| StoreError::Corrupt(format!("mã phản ánh {code}")))?,
        petition: parse(&r.get::<_, String>(2)?, "nội dung phản ánh")?,
        state: parse(&r.get::<_, String>(3)?, "trạng thái phản ánh")?,
        version: r.get::<_, i64>(4)? as u64,
        code,
    })
}

fn insert_event(c: &rusqlite::Connection, id: uuid::Uuid, r: &FeedbackRecord) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO feedback_events (feedback, seq, at_ms, actor, event) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id.as_bytes().to_vec(),
        r.seq as i64,
        r.at_ms,
        r.actor,
        json(&r.event)?
    ])
    .map_err(|e| insert_error(e, "sự kiện của phản ánh"))?;
    Ok(())
}

fn insert_feedback(
    c: &rusqlite::Connection,
    f: &StoredFeedback,
    first: &FeedbackRecord,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO feedback (id, code, agency, received_ms, published, petition, state, \
         version, search_text, petitioner, national_id) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        f.id.as_bytes().to_vec(),
        f.code,
        f.state.agency.as_str(),
        f.state.received_at.timestamp_millis(),
        json(&f.petition)?,
        json(&f.state)?,
        f.version as i64,
        feedback_search_text(&f.code, &f.petition),
        f.petition.id_number,
        f.petition.national_id,
    ])
    .map_err(|e| insert_error(e, &format!("mã phản ánh {}", f.code)))?;
    insert_event(c, f.id, first)
}

#[async_trait::async_trait]
impl FeedbackStore for Sqlite {
    async fn create_feedback(&self, f: &StoredFeedback, first: &FeedbackRecord) -> Result<()> {
        let (f, first) = (f.clone(), first.clone());
        self.write_all(move |c| insert_feedback(c, &f, &first))
            .await
    }

    async fn start_pending_feedback(
        &self,
        p: &PendingFeedback,
        message: &crate::NewMessage,
    ) -> Result<()> {
        let (p, m) = (p.clone(), message.clone());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO feedback_pending (token, petition, agency, code_hash, created_ms, \
                 expires_ms, attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
            )?
            .execute(params![
                p.token,
                json(&p.petition)?,
                p.agency,
                p.code_hash,
                p.created_ms,
                p.expires_ms
            ])
            .map_err(|e| insert_error(e, "phản ánh chờ xác nhận"))?;
            super::outbox::enqueue_on(c, std::slice::from_ref(&m), super::from_ms(p.created_ms))?;
            Ok(())
        })
        .await
    }

    async fn pending_feedback(&self, token: &str) -> Result<Option<PendingFeedback>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT token, petition, agency, code_hash, created_ms, expires_ms, attempts \
                 FROM feedback_pending WHERE token = ?1",
            )?
            .query_row([token], |r| {
                Ok((|| {
                    Ok(PendingFeedback {
                        token: r.get(0)?,
                        petition: parse(&r.get::<_, String>(1)?, "phản ánh chờ xác nhận")?,
                        agency: r.get(2)?,
                        code_hash: r.get(3)?,
                        created_ms: r.get(4)?,
                        expires_ms: r.get(5)?,
                        attempts: r.get::<_, i64>(6)? as u32,
                    })
                })())
            })
            .optional()?
            .transpose()
        })
    }

    async fn feedback_by_national_id(&self, id: &str) -> Result<Option<StoredFeedback>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM feedback WHERE national_id = ?1"
            ))?
            .query_row([id], |r| Ok(row(r)))
            .optional()?
            .transpose()
        })
    }

    async fn pending_feedback_failed(&self, token: &str) -> Result<u32> {
        let token = token.to_string();
        self.write_all(move |c| {
            let n: Option<i64> = c
                .prepare_cached(
                    "UPDATE feedback_pending SET attempts = attempts + 1 WHERE token = ?1 \
                     RETURNING attempts",
                )?
                .query_row([&token], |r| r.get(0))
                .optional()?;
            Ok(n.unwrap_or(0) as u32)
        })
        .await
    }

    async fn drop_pending_feedback(&self, token: &str) -> Result<()> {
        let token = token.to_string();
        self.write_all(move |c| {
            c.prepare_cached("DELETE FROM feedback_pending WHERE token = ?1")?
                .execute([&token])?;
            Ok(())
        })
        .await
    }

    async fn confirm_pending_feedback(
        &self,
        token: &str,
        f: &StoredFeedback,
        first: &FeedbackRecord,
    ) -> Result<()> {
        let (token, f, first) = (token.to_string(), f.clone(), first.clone());
        self.write_all(move |c| {
            let gone = c
                .prepare_cached("DELETE FROM feedback_pending WHERE token = ?1")?
                .execute([&token])?;
            if gone == 0 {
                return Err(StoreError::Conflict { expected: 0 });
            }
            insert_feedback(c, &f, &first)
        })
        .await
    }

    async fn append_feedback(
        &self,
        id: uuid::Uuid,
        expected_version: u64,
        record: &FeedbackRecord,
        state: &domain::feedback::Feedback,
        messages: &[crate::NewMessage],
    ) -> Result<()> {
        let (record, state, messages) = (record.clone(), state.clone(), messages.to_vec());
        self.write_all(move |c| {
            let changed = c
                .prepare_cached(
                    "UPDATE feedback SET state = ?1, version = version + 1, agency = ?2, \
                     published = ?3 WHERE id = ?4 AND version = ?5",
                )?
                .execute(params![
                    json(&state)?,
                    state.agency.as_str(),
                    state.published_at.is_some(),
                    id.as_bytes().to_vec(),
                    expected_version as i64
                ])?;
            if changed == 0 {
                return Err(StoreError::Conflict {
                    expected: expected_version,
                });
            }
            insert_event(c, id, &record)?;
            super::outbox::enqueue_on(c, &messages, super::from_ms(record.at_ms))?;
            Ok(())
        })
        .await
    }

    async fn feedback(&self, id: uuid::Uuid) -> Result<Option<StoredFeedback>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {COLUMNS} FROM feedback WHERE id = ?1"))?
                .query_row([id.as_bytes().to_vec()], |r| Ok(row(r)))
                .optional()?
                .transpose()
        })
    }

    async fn feedback_by_code(&self, code: &str) -> Result<Option<StoredFeedback>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {COLUMNS} FROM feedback WHERE code = ?1"))?
                .query_row([code], |r| Ok(row(r)))
                .optional()?
                .transpose()
        })
    }

    async fn feedback_events(&self, id: uuid::Uuid) -> Result<Vec<FeedbackRecord>> {
        self.read(|c| {
            let mut sql = Sql::new(
                DIALECT,
                "SELECT seq, at_ms, actor, event FROM feedback_events WHERE feedback = ",
            );
            sql.bind(id).push(" ORDER BY seq");
            sql.rows(c, |r| {
                Ok(FeedbackRecord {
                    seq: r.get::<_, i64>(0)? as u64,
                    at_ms: r.get(1)?,
                    actor: r.get(2)?,
                    event: parse(&r.get::<_, String>(3)?, "sự kiện của phản ánh")?,
                })
            })
        })
    }

    async fn feedback_list(&self, filter: &FeedbackFilter) -> Result<Vec<StoredFeedback>> {
        self.read(|c| feedback::list(DIALECT, filter).rows(c, row))
    }

    async fn feedback_count_with_prefix(&self, prefix: &str) -> Result<u64> {
        self.read(|c| {
            let n: i64 = c
                .prepare_cached("SELECT COUNT(*) FROM feedback WHERE code >= ?1 AND code < ?2")?
                .query_row(params![prefix, format!("{prefix}\u{10FFFF}")], |r| r.get(0))?;
            Ok(n as u64)
        })
    }
}
