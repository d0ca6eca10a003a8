//! Quản trị — agency closures, the append-only log of every administrative change (each
//! written with its change in one transaction), and the idempotency keys of creating requests.

use crate::{IdempotentResult, Result};

/// Một lần cán bộ mở hồ sơ hoặc tệp của hồ sơ — an officer's read of a dossier's personal
/// data, for the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalDataRead {
    pub at_ms: i64,
    pub officer: uuid::Uuid,
    /// The officer's user name at the time.
    pub officer_name: String,
    pub dossier: uuid::Uuid,
    pub code: String,
    /// The file opened (its SHA-256 and name), or none for the dossier itself.
    pub file: Option<(String, String)>,
}

/// A closure as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClosure {
    pub id: uuid::Uuid,
    pub agency: String,
    pub from_day: String,
    pub to_day: String,
    pub reason: String,
    pub basis: String,
    pub active: bool,
}

/// A line of the administration log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminLogLine {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Who did it, what, and in which words (for the log line written with the change).
pub struct LogEntry<'a> {
    pub at_ms: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
}

/// Closures, the administration log, idempotency keys.
#[async_trait::async_trait]
pub trait AdminStore: Send + Sync {
    /// Writes a line of the administration log alone (for changes logged elsewhere).
    async fn admin_log(&self, entry: &LogEntry<'_>) -> Result<()>;

    /// The latest lines of the administration log, newest first.
    async fn admin_log_lines(&self, limit: i64) -> Result<Vec<AdminLogLine>>;

    async fn add_closure(&self, c: &StoredClosure, entry: &LogEntry<'_>) -> Result<()>;

    /// Withdraws a closure (kept, marked inactive); false when there was no active one.
    async fn withdraw_closure(&self, id: uuid::Uuid, entry: &LogEntry<'_>) -> Result<bool>;

    /// Every closure, newest first.
    async fn closures(&self) -> Result<Vec<StoredClosure>>;

    /// Appends a read to the access log (nhật ký truy cập dữ liệu cá nhân).
    async fn record_read(&self, read: &PersonalDataRead) -> Result<()>;

    /// The reads of a dossier, newest first, at most `limit`.
    async fn reads_of_dossier(
        &self,
        dossier: uuid::Uuid,
        limit: i64,
    ) -> Result<Vec<PersonalDataRead>>;

    /// An officer's reads across dossiers from `from_ms` (included) to `until_ms` (excluded),
    /// newest first, at most `limit`.
    async fn reads_by_officer(
        &self,
        officer: uuid::Uuid,
        from_ms: i64,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<PersonalDataRead>>;

    /// What an idempotency key was first used for, if it was.
    async fn idempotent_result(&self, scope: &str, key: &str) -> Result<Option<IdempotentResult>>;
}
