//! The engine's own pace on this machine, for `motcua bench --database postgres://…` to set
//! its figures against, as `sqlite::raw_insert_rate` and `sqlite::raw_page_rate` do for SQLite.

use std::time::{Duration, Instant};

use super::{Postgres, db_error};
use crate::Result;

impl Postgres {
    /// Rows inserted per second, one row per transaction (a random 16-byte key and 300 bytes)
    /// into a table of its own, dropped afterwards, for `duration`, on one connection.
    pub async fn raw_insert_rate(&self, duration: Duration) -> Result<f64> {
        let c = self.client().await?;
        let table = format!("raw_inserts_{}", std::process::id());
        c.batch_execute(&format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id bytea PRIMARY KEY, body text NOT NULL)"
        ))
        .await
        .map_err(db_error)?;
        let insert = c
            .prepare(&format!("INSERT INTO {table} (id, body) VALUES ($1, $2)"))
            .await
            .map_err(db_error)?;
        let body = "x".repeat(300);
        let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ u64::from(std::process::id());
        let started = Instant::now();
        let mut rows = 0u64;
        while started.elapsed() < duration {
            let mut key = [0u8; 16];
            for half in key.chunks_mut(8) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                half.copy_from_slice(&state.to_le_bytes());
            }
            c.execute(&insert, &[&&key[..], &body])
                .await
                .map_err(db_error)?;
            rows += 1;
        }
        let rate = rows as f64 / started.elapsed().as_secs_f64();
        c.batch_execute(&format!("DROP TABLE {table}"))
            .await
            .map_err(db_error)?;
        Ok(rate)
    }

    /// Pages of 100 dossier rows (the columns a list shows) read per second on one
    /// connection, each page walking the primary key from a random dossier, for `duration`.
    pub async fn raw_page_rate(&self, duration: Duration) -> Result<f64> {
        let c = self.client().await?;
        let ids: Vec<uuid::Uuid> = c
            .query("SELECT id FROM dossiers", &[])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if ids.is_empty() {
            return Err(crate::StoreError::Db("không có hồ sơ nào để đọc".into()));
        }
        let page = c
            .prepare(
                "SELECT id, code, version, procedure_code, procedure_name, channel, stage, \
                 national_status, receiving, competent, current_unit, assignee, applicant_name, \
                 opened_ms, received_ms, due_ms, appointment_ms, finished_ms \
                 FROM dossiers WHERE id >= $1 ORDER BY id LIMIT 100",
            )
            .await
            .map_err(db_error)?;
        let mut state = 0x2545_F491_4F6C_DD1D_u64 ^ u64::from(std::process::id());
        let started = Instant::now();
        let mut pages = 0u64;
        while started.elapsed() < duration {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let start = ids[(state % ids.len() as u64) as usize];
            let rows = c.query(&page, &[&start]).await.map_err(db_error)?;
            let width: usize = rows.iter().map(|r| r.get::<_, &str>(1).len()).sum();
            std::hint::black_box(width);
            pages += 1;
        }
        Ok(pages as f64 / started.elapsed().as_secs_f64())
    }
}
