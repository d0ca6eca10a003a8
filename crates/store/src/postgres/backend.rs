//! The lifecycle of the PostgreSQL backend: schema, backups, shutdown, figures.

use std::path::Path;

use super::{Postgres, db_error};
use crate::{Result, StoreError, WriteStats};

#[async_trait::async_trait]
impl crate::Backend for Postgres {
    async fn migrate(&self) -> Result<()> {
        Postgres::migrate(self).await
    }

    /// A consistent copy made by PostgreSQL's own `pg_dump` (custom format, restored with
    /// `pg_restore`), from one snapshot while the servers keep working.
    async fn backup(&self, to: &Path) -> Result<()> {
        let out = tokio::process::Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--no-owner")
            .arg(format!("--file={}", to.display()))
            .arg(&self.url)
            .output()
            .await
            .map_err(|e| {
                StoreError::Config(format!(
                    "không chạy được pg_dump để sao lưu ({e}); cài gói postgresql-client"
                ))
            })?;
        if !out.status.success() {
            return Err(StoreError::Db(format!(
                "pg_dump không sao lưu được: {}",
                domain::error::shorten(String::from_utf8_lossy(&out.stderr).trim())
            )));
        }
        Ok(())
    }

    async fn settle(&self) -> Result<()> {
        let c = self.client().await?;
        c.simple_query("ANALYZE").await.map_err(db_error)?;
        Ok(())
    }

    async fn close(&self) {
        Postgres::close(self).await;
    }

    fn kind(&self) -> &'static str {
        "PostgreSQL"
    }

    /// PostgreSQL writes each change in its own transaction, with no batches to count: what
    /// the write path shows is the requests waiting for a connection.
    fn write_stats(&self) -> WriteStats {
        WriteStats {
            queued: self.pool.status().waiting,
            ..WriteStats::default()
        }
    }

    async fn ping(&self) -> Result<()> {
        let c = self.client().await?;
        c.simple_query("SELECT 1").await.map_err(db_error)?;
        Ok(())
    }

    async fn probe_write(&self, now_ms: i64) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO write_probe (id, at_ms) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms",
            &[&now_ms],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// The disk is the PostgreSQL server's, watched there.
    fn disk_space(&self) -> Option<crate::DiskSpace> {
        None
    }
}
