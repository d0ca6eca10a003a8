//! Phản ánh, kiến nghị on SQLite: one row per feedback (petition and state as JSON) and its
//! events in order.

use rusqlite::{OptionalExtension, params};

use super::{Sql, Sqlite, insert_error};
use crate::feedback::{
    FeedbackFilter, FeedbackRecord, FeedbackStore, StoredFeedback, feedback_search_text,
};
use crate::{Result, StoreError};

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

const COLUMNS: &str = "id, code, petition, state, version";

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

#[async_trait::async_trait]
impl FeedbackStore for Sqlite {
    async fn create_feedback(&self, f: &StoredFeedback, first: &FeedbackRecord) -> Result<()> {
        let (f, first) = (f.clone(), first.clone());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO feedback (id, code, agency, received_ms, published, petition, state, \
                 version, search_text, petitioner) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9)",
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
            ])
            .map_err(|e| insert_error(e, &format!("mã phản ánh {}", f.code)))?;
            insert_event(c, f.id, &first)
        })
        .await
    }

    async fn append_feedback(
        &self,
        id: uuid::Uuid,
        expected_version: u64,
        record: &FeedbackRecord,
        state: &domain::feedback::Feedback,
    ) -> Result<()> {
        let (record, state) = (record.clone(), state.clone());
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
            insert_event(c, id, &record)
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
            let mut sql =
                Sql::new("SELECT seq, at_ms, actor, event FROM feedback_events WHERE feedback = ");
            sql.bind(id.as_bytes().to_vec()).push(" ORDER BY seq");
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
        self.read(|c| {
            let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM feedback WHERE 1 = 1"));
            if filter.published {
                sql.push(" AND published = 1");
            }
            if !filter.agencies.is_empty() {
                sql.push(" AND agency IN (")
                    .list(filter.agencies.iter().cloned());
            }
            if let Some(p) = &filter.petitioner {
                sql.push(" AND petitioner = ").bind(p.clone());
            }
            if let Some(until) = filter.until_ms {
                sql.push(" AND received_ms <= ").bind(until);
            }
            for w in &filter.words {
                sql.push(" AND instr(search_text, ")
                    .bind(w.clone())
                    .push(") > 0");
            }
            sql.push(" ORDER BY received_ms DESC LIMIT ")
                .bind(i64::from(filter.limit.clamp(1, 10_000)));
            sql.rows(c, row)
        })
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
