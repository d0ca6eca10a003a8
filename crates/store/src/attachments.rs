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

    /// Which of these files `owner` uploaded, with their stored type and size.
    async fn uploads_of(&self, owner: &str, hashes: &[String]) -> Result<Vec<StoredFile>>;
}
