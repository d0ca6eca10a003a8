//! Tệp đính kèm — scanned components, stored once by the SHA-256 of their content, with who
//! uploaded each.

use crate::Result;

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

/// Đường dẫn tải một lần: what is kept of a one-time link (never its secret, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadLink {
    /// SHA-256 (hex) of the link's secret.
    pub token_hash: String,
    pub dossier_id: String,
    /// The file it gives.
    pub sha256: String,
    /// Who made it (`officer:<id>`, `citizen:<id number>`).
    pub created_by: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

/// Scans by hash.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    /// Keeps a file (once: the same content is stored a single time) and who uploaded it, in one
    /// transaction. `owner` is the uploader (`officer:<id>`, `citizen:<id number>`).
    async fn put_attachment(
        &self,
        sha256: &str,
        media_type: &str,
        content: &[u8],
        owner: &str,
        now_ms: i64,
    ) -> Result<()>;

    /// A stored file by its hash.
    async fn attachment(&self, sha256: &str) -> Result<Option<Attachment>>;

    /// The hashes of the stored files, in order, after `after`: a page of at most `limit` (for
    /// verifying every file against its hash).
    async fn attachment_hashes(&self, after: Option<&str>, limit: i64) -> Result<Vec<String>>;

    /// Which of these files `owner` uploaded, with their stored type and size.
    async fn uploads_of(&self, owner: &str, hashes: &[String]) -> Result<Vec<StoredFile>>;

    /// Keeps a new one-time link.
    async fn put_download_link(&self, link: &DownloadLink) -> Result<()>;

    /// A link by the hash of its secret, as it stands (used or not, expired or not).
    async fn download_link(&self, token_hash: &str) -> Result<Option<DownloadLink>>;

    /// Uses a link: marks it used at `now_ms` if it was neither used nor expired, in one
    /// statement (two requests racing for it: one wins). Returns the link when this call used it.
    async fn use_download_link(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<DownloadLink>>;
}
