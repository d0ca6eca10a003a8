//! Tệp đính kèm — scanned components, stored by the SHA-256 of their content.

use sqlx::Row;

use crate::{Db, Result};

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub sha256: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

impl Db {
    /// Keeps a file (once: the same content is stored a single time).
    pub async fn put_attachment(
        &self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO attachments (sha256, media_type, size, content, created_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(media_type)
        .bind(content.len() as i64)
        .bind(content)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A stored file by its hash.
    pub async fn attachment(&self, sha256: &str) -> Result<Option<Attachment>> {
        let row =
            sqlx::query("SELECT sha256, media_type, content FROM attachments WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(self.reader())
                .await?;
        Ok(row.map(|r| Attachment {
            sha256: r.get("sha256"),
            media_type: r.get("media_type"),
            content: r.get("content"),
        }))
    }

    /// Which of these hashes are stored (one query).
    pub async fn attachments_present(&self, hashes: &[String]) -> Result<Vec<String>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT sha256 FROM attachments WHERE sha256 IN (",
        );
        let mut sep = q.separated(", ");
        for h in hashes {
            sep.push_bind(h.clone());
        }
        q.push(")");
        Ok(q.build_query_scalar().fetch_all(self.reader()).await?)
    }
}
