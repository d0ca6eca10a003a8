//! Tệp đính kèm — the file queries both backends send.

use super::{Dialect, Sql};

/// The columns of a download link.
pub(crate) const LINK_COLUMNS: &str =
    "token_hash, dossier_id, sha256, created_by, created_ms, expires_ms, used_ms";

/// Of the files with these hashes, those `owner` uploaded: (hash, media type, size).
pub(crate) fn uploads_of(dialect: Dialect, owner: &str, hashes: &[String]) -> Sql {
    let mut q = Sql::new(
        dialect,
        "SELECT a.sha256, a.media_type, a.size FROM attachments a \
         JOIN attachment_uploads u ON u.sha256 = a.sha256 WHERE u.owner = ",
    );
    q.bind(owner)
        .push(" AND a.sha256 IN (")
        .list(hashes.iter().cloned());
    q
}

/// A page of stored files' hashes after `after`, in order.
pub(crate) fn hashes(dialect: Dialect, after: Option<&str>, limit: i64) -> Sql {
    let mut q = Sql::new(dialect, "SELECT sha256 FROM attachments");
    if let Some(after) = after {
        q.push(" WHERE sha256 > ").bind(after.to_string());
    }
    q.push(" ORDER BY sha256 LIMIT ").bind(limit);
    q
}
