//! Tệp đính kèm on SQLite.

use rusqlite::{OptionalExtension, params};

use super::{DIALECT, Sqlite};
use crate::sql::files::{self, LINK_COLUMNS};
use crate::{Attachment, DownloadLink, Result, StoredFile};

fn link_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<DownloadLink> {
    Ok(DownloadLink {
        token_hash: r.get(0)?,
        dossier_id: r.get(1)?,
        sha256: r.get(2)?,
        created_by: r.get(3)?,
        created_ms: r.get(4)?,
        expires_ms: r.get(5)?,
        used_ms: r.get(6)?,
    })
}

#[async_trait::async_trait]
impl crate::FileStore for Sqlite {
    async fn put_attachment(
        &self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
        owner: &str,
        now_ms: i64,
    ) -> Result<()> {
        let (sha256, media_type, content, owner) = (
            sha256.to_string(),
            media_type.to_string(),
            content.to_vec(),
            owner.to_string(),
        );
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO attachments (sha256, media_type, size, content, created_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
            )?
            .execute(params![
                sha256,
                media_type,
                content.len() as i64,
                content,
                now_ms
            ])?;
            c.prepare_cached(
                "INSERT INTO attachment_uploads (sha256, owner, created_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (sha256, owner) DO NOTHING",
            )?
            .execute(params![sha256, owner, now_ms])?;
            Ok(())
        })
        .await
    }

    async fn attachment(&self, sha256: &str) -> Result<Option<Attachment>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT sha256, media_type, content FROM attachments WHERE sha256 = ?1",
            )?
            .query_row([sha256], |r| {
                Ok(Attachment {
                    sha256: r.get(0)?,
                    media_type: r.get(1)?,
                    content: r.get(2)?,
                })
            })
            .optional()?)
        })
    }

    async fn attachment_hashes(&self, after: Option<&str>, limit: i64) -> Result<Vec<String>> {
        let q = files::hashes(DIALECT, after, limit);
        self.read(|c| q.rows(c, |r| Ok(r.get(0)?)))
    }

    async fn uploads_of(&self, owner: &str, hashes: &[String]) -> Result<Vec<StoredFile>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let q = files::uploads_of(DIALECT, owner, hashes);
        self.read(|c| {
            q.rows(c, |r| {
                Ok(StoredFile {
                    sha256: r.get(0)?,
                    media_type: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                })
            })
        })
    }

    async fn put_download_link(&self, link: &DownloadLink) -> Result<()> {
        let link = link.clone();
        self.write_all(move |c| {
            c.prepare_cached(&format!(
                "INSERT INTO download_links ({LINK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)"
            ))?
            .execute(params![
                link.token_hash,
                link.dossier_id,
                link.sha256,
                link.created_by,
                link.created_ms,
                link.expires_ms
            ])?;
            Ok(())
        })
        .await
    }

    async fn download_link(&self, token_hash: &str) -> Result<Option<DownloadLink>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {LINK_COLUMNS} FROM download_links WHERE token_hash = ?1"
            ))?
            .query_row([token_hash], link_of)
            .optional()?)
        })
    }

    async fn use_download_link(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<DownloadLink>> {
        let token_hash = token_hash.to_string();
        self.write_all(move |c| {
            Ok(c.prepare_cached(&format!(
                "UPDATE download_links SET used_ms = ?2 \
                 WHERE token_hash = ?1 AND used_ms IS NULL AND expires_ms > ?2 \
                 RETURNING {LINK_COLUMNS}"
            ))?
            .query_row(params![token_hash, now_ms], link_of)
            .optional()?)
        })
        .await
    }
}
