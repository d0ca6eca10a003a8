//! Tệp đính kèm on PostgreSQL: files stored once by hash, who uploaded each, one-time links.

use deadpool_postgres::GenericClient;

use super::{DIALECT, Postgres, col, db_error};
use crate::sql::files::{self, LINK_COLUMNS};
use crate::{Attachment, DownloadLink, Result, StoredFile};

/// A [`DownloadLink`] from the columns of [`LINK_COLUMNS`].
fn link_of(r: &tokio_postgres::Row) -> Result<DownloadLink> {
    Ok(DownloadLink {
        token_hash: col(r, 0)?,
        dossier_id: col(r, 1)?,
        sha256: col(r, 2)?,
        created_by: col(r, 3)?,
        created_ms: col(r, 4)?,
        expires_ms: col(r, 5)?,
        used_ms: col(r, 6)?,
    })
}

#[async_trait::async_trait]
impl crate::FileStore for Postgres {
    /// Keeps the content (once per hash: a concurrent upload of the same file waits for the
    /// first and leaves it) and the uploader, in one transaction.
    async fn put_attachment(
        &self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
        owner: &str,
        now_ms: i64,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let put = tx
            .prepare_cached(
                "INSERT INTO attachments (sha256, media_type, size, content, created_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
            )
            .await
            .map_err(db_error)?;
        tx.execute(
            &put,
            &[
                &sha256,
                &media_type,
                &(content.len() as i64),
                &content,
                &now_ms,
            ],
        )
        .await
        .map_err(db_error)?;
        let own = tx
            .prepare_cached(
                "INSERT INTO attachment_uploads (sha256, owner, created_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256, owner) DO NOTHING",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&own, &[&sha256, &owner, &now_ms])
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn attachment(&self, sha256: &str) -> Result<Option<Attachment>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached("SELECT sha256, media_type, content FROM attachments WHERE sha256 = $1")
            .await
            .map_err(db_error)?;
        c.query_opt(&st, &[&sha256])
            .await
            .map_err(db_error)?
            .map(|r| {
                Ok(Attachment {
                    sha256: col(&r, 0)?,
                    media_type: col(&r, 1)?,
                    content: col(&r, 2)?,
                })
            })
            .transpose()
    }

    async fn attachment_hashes(&self, after: Option<&str>, limit: i64) -> Result<Vec<String>> {
        let q = files::hashes(DIALECT, after, limit);
        let c = self.client().await?;
        q.query(&c).await?.iter().map(|r| col(r, 0)).collect()
    }

    async fn uploads_of(&self, owner: &str, hashes: &[String]) -> Result<Vec<StoredFile>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let q = files::uploads_of(DIALECT, owner, hashes);
        let c = self.client().await?;
        q.query(&c)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredFile {
                    sha256: col(r, 0)?,
                    media_type: col(r, 1)?,
                    size: col::<i64>(r, 2)? as u64,
                })
            })
            .collect()
    }

    async fn put_download_link(&self, link: &DownloadLink) -> Result<()> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "INSERT INTO download_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL)"
            ))
            .await
            .map_err(db_error)?;
        c.execute(
            &st,
            &[
                &link.token_hash,
                &link.dossier_id,
                &link.sha256,
                &link.created_by,
                &link.created_ms,
                &link.expires_ms,
            ],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn download_link(&self, token_hash: &str) -> Result<Option<DownloadLink>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "SELECT {LINK_COLUMNS} FROM download_links WHERE token_hash = $1"
            ))
            .await
            .map_err(db_error)?;
        c.query_opt(&st, &[&token_hash])
            .await
            .map_err(db_error)?
            .as_ref()
            .map(link_of)
            .transpose()
    }

    /// One statement: of two requests racing for a link, the second waits for the first's row
    /// lock, then finds `used_ms` set and changes nothing.
    async fn use_download_link(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<DownloadLink>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "UPDATE download_links SET used_ms = $2 \
                 WHERE token_hash = $1 AND used_ms IS NULL AND expires_ms > $2 \
                 RETURNING {LINK_COLUMNS}"
            ))
            .await
            .map_err(db_error)?;
        c.query_opt(&st, &[&token_hash, &now_ms])
            .await
            .map_err(db_error)?
            .as_ref()
            .map(link_of)
            .transpose()
    }
}
