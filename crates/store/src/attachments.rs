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

/// What is stored of a file a dossier names: its type and size, to check the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
}

impl Db {
    /// Keeps a file (once: the same content is stored a single time) and who uploaded it, in one
    /// transaction. `owner` is the uploader (`officer:<id>`, `citizen:<id number>`).
    pub async fn put_attachment(
        &self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
        owner: &str,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO attachments (sha256, media_type, size, content, created_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(media_type)
        .bind(content.len() as i64)
        .bind(content)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO attachment_uploads (sha256, owner, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256, owner) DO NOTHING",
        )
        .bind(sha256)
        .bind(owner)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
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

    /// Which of these files `owner` uploaded, with their stored type and size (one query).
    pub async fn uploads_of(&self, owner: &str, hashes: &[String]) -> Result<Vec<StoredFile>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT a.sha256, a.media_type, a.size FROM attachments a \
             JOIN attachment_uploads u ON u.sha256 = a.sha256 WHERE u.owner = ",
        );
        q.push_bind(owner.to_string()).push(" AND a.sha256 IN (");
        crate::push_list(&mut q, hashes.iter().cloned());
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .iter()
            .map(|r| StoredFile {
                sha256: r.get(0),
                media_type: r.get(1),
                size: r.get::<i64, _>(2) as u64,
            })
            .collect())
    }
}
