//! `store` — where Một Cửa keeps things, behind one interface the application owns.
//!
//! The interface is a handful of repositories named after what they hold — [`DossierStore`]
//! (the append-only, hash-chained event log of dossiers, their projections, lists, codes and
//! guidance), [`CatalogStore`] (units, agencies, procedure versions), [`AccountStore`] (officers,
//! citizens, sessions, ratings, login locks), [`CountStore`] (report counters), [`OutboxStore`]
//! (messages for the outside world), [`FileStore`] (scans by hash) and [`AdminStore`] (closures,
//! the administration log, idempotency keys) — gathered in [`Backend`]. [`Db`] is a handle on
//! one backend, chosen by the URL scheme. Its data types are the application's, never a
//! driver's: no SQL, no connection or row type crosses this boundary.
//!
//! [`sqlite`] is the implementation for one server: one writer thread that group-commits
//! whatever is queued, and read connections used from the caller's thread. [`postgres`] is the
//! implementation for a province: several servers on one database, each write a transaction
//! of its own, concurrency settled by PostgreSQL's locks. The contract every backend keeps is
//! tested once, in `tests/contract`, and run against each implementation.

mod access;
mod accounts;
mod admin;
mod attachments;
mod catalog;
mod cluster;
mod counts;
mod dossiers;
mod feedback;
pub mod moving;
mod outbox;
mod payments;
pub mod postgres;
pub mod queue;
mod sql;
pub mod sqlite;
mod surveys;

use std::any::Any;
use std::sync::Arc;

use thiserror::Error;

pub use access::{IdempotencyKey, IdempotentResult, LockedAccount};
pub use accounts::{
    AccountStore, CitizenAccount, NewAccount, PendingRegistration, PopulationLookupRow,
    SecondFactor, SessionOf, SessionTimes, SignInState, StoredRating,
};
pub use admin::{AdminLogLine, AdminStore, LogEntry, PersonalDataRead, StoredClosure};
pub use attachments::{Attachment, DownloadLink, FileStore, StoredFile};
pub use catalog::{CatalogStore, NewProvince, ProcedureForm, procedure_search_text};
pub use cluster::{ClusterStore, SIGNAL_LIMIT};
pub use counts::{CountRow, CountStore, CountSum, Piece, cover, month_and_day_keys};
pub use dossiers::{
    BuildChange, BuildOpening, Change, CheckedEvents, Cursor, DossierFilter, DossierPage,
    DossierRow, DossierStore, EndedDossier, GuidanceRecord, NotOpened, Opening, Order, PublicView,
    Readers, SEARCH_COUNT_LIMIT, Totals, UnitSummary, Visibility, due_sort,
};
pub use feedback::{
    FeedbackFilter, FeedbackRecord, FeedbackStore, PendingFeedback, StoredFeedback,
    feedback_search_text,
};
pub use outbox::{
    Channel, MessageState, NationalAck, NewMessage, OutboxCounts, OutboxStore, StoredMessage,
};
pub use payments::{AttemptState, MONEY_EVENT_KINDS, MoneyEvent, PaymentAttempt, PaymentStore};
pub use queue::{OpenCounter, QueueStore, TicketEvent};
pub use surveys::{
    StoredSurvey, StoredSurveyAnswer, Stratum, StratumSize, SurveyInvite, SurveyStore,
};

pub(crate) use domain::wire_name as key;

/// Lỗi lưu trữ.
#[derive(Debug, Clone, Error)]
pub enum StoreError {
    /// Someone changed the dossier since it was read (optimistic concurrency).
    #[error(
        "Hồ sơ vừa được người khác cập nhật (phiên bản {expected} đã cũ); tải lại rồi thao tác lại."
    )]
    Conflict { expected: u64 },
    /// A unique value exists already.
    #[error("Dữ liệu đã tồn tại: {0}")]
    Duplicate(String),
    /// Stored data does not read back (corrupt JSON, broken hash chain).
    #[error("Dữ liệu lưu trữ không toàn vẹn: {0}")]
    Corrupt(String),
    /// The database refused or failed a statement (the driver's words, for the log).
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Db(String),
    /// The database undid the transaction to break a deadlock or keep transactions
    /// serializable; nothing was written and running it again may succeed.
    #[error("Cơ sở dữ liệu đã hủy giao dịch (tranh chấp khóa), chưa ghi gì: {0}")]
    Undone(String),
    /// The database could not take the write (closed, or a failed batch); nothing was written.
    #[error("Chưa ghi được vào cơ sở dữ liệu: {0}")]
    Unavailable(String),
    /// The database cannot take writes now — its disk is full, its files are read-only, the
    /// disk fails — while reads go on; nothing was written. Says which, for the operator.
    #[error("Cơ sở dữ liệu tạm thời không ghi được: {0}")]
    Unwritable(String),
    /// The URL names no backend this build has, or a file that cannot be a database.
    #[error("{0}")]
    Config(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Lifecycle of a backend: its schema, backups, shutdown.
#[async_trait::async_trait]
pub trait Backend:
    DossierStore
    + CatalogStore
    + AccountStore
    + CountStore
    + OutboxStore
    + FileStore
    + AdminStore
    + PaymentStore
    + FeedbackStore
    + SurveyStore
    + QueueStore
    + ClusterStore
{
    /// Applies the migrations not yet applied.
    async fn migrate(&self) -> Result<()>;
    /// A consistent online copy of the database into a new file.
    async fn backup(&self, to: &std::path::Path) -> Result<()>;
    /// Finishes the writes queued and closes every connection.
    async fn close(&self);
    /// Brings the database to its steady state after a bulk load (a generated or imported
    /// history), so that the work that follows does not share the machine with the load's
    /// aftermath: SQLite copies its write-ahead log into the file, PostgreSQL gathers the
    /// planner's statistics.
    async fn settle(&self) -> Result<()>;
    /// The kind of database, for messages (`SQLite`, `PostgreSQL`).
    fn kind(&self) -> &'static str;
    /// How the write path has gone since the start (for `/metrics`).
    fn write_stats(&self) -> WriteStats;
    /// A read of the smallest kind: whether the database answers.
    async fn ping(&self) -> Result<()>;
    /// A write of the smallest kind, committed: whether the database takes writes now
    /// ([`StoreError::Unwritable`] says why not).
    async fn probe_write(&self, now_ms: i64) -> Result<()>;
    /// Free and total bytes of the disk holding the database, when it is on this machine.
    fn disk_space(&self) -> Option<DiskSpace>;
}

/// Dung lượng đĩa — of the disk holding the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskSpace {
    pub free: u64,
    pub total: u64,
}

impl DiskSpace {
    /// Of the file system holding `path`.
    pub fn of(path: &std::path::Path) -> Option<DiskSpace> {
        let s = rustix::fs::statvfs(path).ok()?;
        Some(DiskSpace {
            free: s.f_bavail.saturating_mul(s.f_frsize),
            total: s.f_blocks.saturating_mul(s.f_frsize),
        })
    }

    /// Whether little is left: less free than the threshold's share of the disk or its size,
    /// whichever is less.
    pub fn low(&self, threshold: LowDisk) -> bool {
        let share = self.total / 100 * u64::from(threshold.percent);
        self.free < share.min(threshold.mib.saturating_mul(1 << 20))
    }
}

/// Sắp đầy — when the database's disk counts as nearly full: the server then says so at start,
/// in `/readyz` and its log, before writes start failing (`[server] low_disk_percent`,
/// `low_disk_mib`: 5 % or 1 GiB, whichever is less, by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowDisk {
    pub percent: u8,
    pub mib: u64,
}

impl Default for LowDisk {
    fn default() -> Self {
        LowDisk {
            percent: 5,
            mib: 1024,
        }
    }
}

/// Thống kê ghi — the write path's counters since the process started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Transactions committed by the writer (each a batch of jobs).
    pub batches: u64,
    /// Jobs written in them.
    pub jobs: u64,
    /// Batches of at most [`WriteStats::BATCH_BOUNDS`]`[i]` jobs (cumulative, as Prometheus
    /// histograms count).
    pub batches_at_most: [u64; 7],
    /// Jobs waiting for the writer now.
    pub queued: usize,
}

impl WriteStats {
    /// Upper bounds of the batch-size buckets.
    pub const BATCH_BOUNDS: [u64; 7] = [1, 2, 4, 8, 16, 32, 64];
}

/// The database, whichever backend: a cheap handle to clone. Every repository's operations are
/// called on it directly (`db.dossier(id)`), with [`prelude`] in scope.
#[derive(Clone)]
pub struct Db(Arc<dyn Backend>);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({})", self.0.kind())
    }
}

impl std::ops::Deref for Db {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// The repository traits, to call their operations on a [`Db`].
pub mod prelude {
    pub use crate::{
        AccountStore, AdminStore, Backend, CatalogStore, ClusterStore, CountStore, DossierStore,
        FileStore, OutboxStore, QueueStore,
    };
}

impl Db {
    /// Opens the database named by the URL: `sqlite:data/motcua.db` (the file is created if
    /// needed) or `postgres://user@host:port/name` (the database must exist).
    pub async fn connect(url: &str) -> Result<Db> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(StoreError::Config(
                    "cần một tệp SQLite (ví dụ sqlite:data/motcua.db)".into(),
                ));
            }
            let path = std::path::PathBuf::from(path);
            let store = tokio::task::spawn_blocking(move || sqlite::Sqlite::open(&path))
                .await
                .map_err(|_| StoreError::Unavailable("không mở được cơ sở dữ liệu".into()))??;
            return Ok(Db(Arc::new(store)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Db(Arc::new(postgres::Postgres::open(url).await?)));
        }
        Err(StoreError::Config(format!(
            "địa chỉ cơ sở dữ liệu \"{}\" không được hỗ trợ: dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://NGƯỜI_DÙNG@MÁY:CỔNG/TÊN_CSDL",
            domain::error::shorten(url)
        )))
    }

    /// A handle on a backend built elsewhere (tests, tools).
    pub fn from_backend(backend: Arc<dyn Backend>) -> Db {
        Db(backend)
    }

    /// Opens a dossier: takes the next number of `sequence`'s day, lets `build` make the
    /// dossier, its events and (for a correction) the change to another dossier with that
    /// number, and writes them in one transaction. When `build` refuses, or the other dossier
    /// changed meanwhile, nothing is written and the number is not used. With an idempotency
    /// key, a key used before makes it write nothing and answer what the key first created.
    /// `build` may be called more than once (the backend may run the write again, with
    /// another number): it decides from its arguments alone.
    pub async fn open_dossier<E: Send + 'static>(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: chrono::DateTime<chrono::Utc>,
        idempotency: Option<IdempotencyKey>,
        mut build: impl FnMut(u32) -> std::result::Result<Opening, E> + Send + 'static,
    ) -> Result<std::result::Result<domain::dossier::Dossier, NotOpened<E>>> {
        let erased: BuildOpening = Box::new(move |n| build(n).map_err(erase));
        Ok(
            match self
                .0
                .open_dossier_with(sequence, day, recorded_at, idempotency, erased)
                .await?
            {
                Ok(d) => Ok(d),
                Err(NotOpened::Replayed(first)) => Err(NotOpened::Replayed(first)),
                Err(NotOpened::Refused(e)) => Err(NotOpened::Refused(unerase(e))),
            },
        )
    }

    /// Appends a change that needs the next number of `sequence`'s day (the code given to an
    /// online submission when it is received): `build` makes the change with that number, and
    /// a value the caller gets once it is written. When `build` refuses, or the dossier changed
    /// meanwhile, nothing is written and the number is not used. `build` may be called more
    /// than once, as in [`Db::open_dossier`].
    pub async fn change_dossier_numbered<T: Send + 'static, E: Send + 'static>(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: chrono::DateTime<chrono::Utc>,
        mut build: impl FnMut(u32) -> std::result::Result<(Change, T), E> + Send + 'static,
    ) -> Result<std::result::Result<T, E>> {
        let erased: BuildChange = Box::new(move |n| {
            build(n)
                .map(|(c, v)| (c, Box::new(v) as Box<dyn Any + Send>))
                .map_err(erase)
        });
        Ok(
            match self
                .0
                .change_dossier_with(sequence, day, recorded_at, erased)
                .await?
            {
                Ok(v) => Ok(unerase(v)),
                Err(e) => Err(unerase(e)),
            },
        )
    }
}

fn erase<E: Send + 'static>(e: E) -> Box<dyn Any + Send> {
    Box::new(e)
}

fn unerase<E: 'static>(b: Box<dyn Any + Send>) -> E {
    *b.downcast::<E>()
        .expect("the store gives back the value its caller gave")
}

/// Parses a JSON column, naming what failed.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values serialise")
}

/// Reads back a value stored with [`key`].
pub(crate) fn from_key<T: serde::de::DeserializeOwned>(name: &str) -> Result<T> {
    domain::from_wire_name(name).ok_or_else(|| StoreError::Corrupt(format!("giá trị \"{name}\"")))
}

/// An instant stored as milliseconds (both backends store instants so).
pub(crate) fn from_ms(v: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(v).expect("stored instants are valid")
}

/// A database URL fit to print: the password, if any, replaced by `***` — in the user part
/// (`postgres://motcua:***@db1,db2/motcua`) or as a parameter (`?password=***`).
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let rest = match rest.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => rest.to_string(),
        },
        None => rest.to_string(),
    };
    match rest.split_once('?') {
        Some((place, query)) => {
            let query: Vec<&str> = query
                .split('&')
                .map(|p| {
                    if p.starts_with("password=") {
                        "password=***"
                    } else {
                        p
                    }
                })
                .collect();
            format!("{scheme}://{place}?{}", query.join("&"))
        }
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{DiskSpace, LowDisk};

    #[test]
    fn a_disk_is_nearly_full_under_the_lesser_of_its_share_and_its_size() {
        let disk = |free_mib: u64, total_mib: u64| DiskSpace {
            free: free_mib << 20,
            total: total_mib << 20,
        };
        let by_default = LowDisk::default();
        // 100 GiB: 5 % is 5 GiB, so 1 GiB is the threshold.
        assert!(!disk(1_100, 102_400).low(by_default));
        assert!(disk(1_000, 102_400).low(by_default));
        // 10 GiB: 5 % (512 MiB) is the lesser.
        assert!(!disk(600, 10_240).low(by_default));
        assert!(disk(500, 10_240).low(by_default));
        // A province's own threshold: 10 % or 4 GiB.
        let own = LowDisk {
            percent: 10,
            mib: 4_096,
        };
        assert!(disk(4_000, 102_400).low(own));
        assert!(!disk(4_200, 102_400).low(own));
        assert!(disk(900, 10_240).low(own));
    }
}
