//! `store` — where Một Cửa keeps things: the append-only, hash-chained dossier event log and its
//! projections, the catalogue (units, agencies, procedure versions), accounts and sessions.
//!
//! The backend is chosen by the URL scheme behind the [`Db`] enum. SQLite (embedded, WAL, one
//! writer connection and a pool of readers; dossier changes are group-committed by one writer
//! task, see `writer`) is the one implemented; the SQL is written in the
//! subset PostgreSQL shares (`$n` placeholders, no dialect functions, times as integer
//! milliseconds), so a `Postgres` variant adds migrations and a pool, not a new data model.

mod access;
mod accounts;
mod admin;
mod attachments;
mod catalog;
mod citizens;
mod counts;
mod dossiers;
mod evaluation;
mod guidance;
mod outbox;
mod summary;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use thiserror::Error;

pub(crate) use domain::wire_name as key;

/// Reads back a value stored with [`key`].
fn from_key<T: serde::de::DeserializeOwned>(name: String) -> Result<T> {
    domain::from_wire_name(&name).ok_or_else(|| StoreError::Corrupt(format!("giá trị \"{name}\"")))
}

pub use access::{IdempotencyKey, IdempotentResult, LockedAccount};
pub use admin::{AdminLogLine, LogEntry, StoredClosure};
pub use attachments::{Attachment, StoredFile};
pub use citizens::{CitizenAccount, StoredRating};
pub use counts::{CountRow, CountSum, month_and_day_keys};
pub use dossiers::{
    Change, DossierFilter, DossierPage, DossierRow, NotOpened, Opening, Order, PublicView,
    SEARCH_COUNT_LIMIT, Totals, rebuild_all, verify_chain,
};
pub use evaluation::EndedDossier;
pub use guidance::GuidanceRecord;
pub use outbox::{Channel, MessageState, NewMessage, OutboxCounts, StoredMessage};
pub use summary::UnitSummary;

/// Lỗi lưu trữ.
#[derive(Debug, Error)]
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
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Db(#[from] sqlx::Error),
    #[error("Lỗi cập nhật cấu trúc cơ sở dữ liệu: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database could not take the write (closed, or a failed batch); nothing was written.
    #[error("Chưa ghi được vào cơ sở dữ liệu: {0}")]
    Unavailable(String),
}

impl StoreError {
    fn from_insert(e: sqlx::Error, what: &str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                StoreError::Duplicate(what.to_string())
            }
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database, whichever backend.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqliteDb),
}

/// SQLite: one connection writes (SQLite has one writer at a time; a single connection avoids
/// SQLITE_BUSY storms), several read concurrently thanks to WAL.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    write: SqlitePool,
    read: SqlitePool,
    /// Group commit of dossier changes (over `write`).
    writer: writer::Writer,
}

/// A write transaction. Everything a command changes goes through one.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.commit().await?),
        }
    }
}

impl Db {
    /// Opens (creating if needed) the database named by the URL: `sqlite:data/motcua.db`,
    /// `sqlite::memory:` is not accepted (readers and the writer must see one database).
    pub async fn connect(url: &str) -> Result<Db> {
        let Some(path) = url.strip_prefix("sqlite:") else {
            return Err(StoreError::Corrupt(format!(
                "chỉ hỗ trợ cơ sở dữ liệu sqlite:… (nhận được \"{url}\"); PostgreSQL chưa được bật trong bản build này"
            )));
        };
        let path = path.trim_start_matches("//");
        if path.is_empty() || path.starts_with(":memory:") {
            return Err(StoreError::Corrupt(
                "cần một tệp SQLite (ví dụ sqlite:data/motcua.db)".into(),
            ));
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await?;
        let readers = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32 * 2;
        let read = SqlitePoolOptions::new()
            .max_connections(readers.clamp(2, 16))
            .connect_with(options.read_only(true))
            .await?;
        let writer = writer::Writer::start(write.clone());
        Ok(Db::Sqlite(SqliteDb {
            write,
            read,
            writer,
        }))
    }

    /// Applies the migrations not yet applied; when the search tables are new, fills them from
    /// the rows that existed before (their text is folded here, in Rust).
    pub async fn migrate(&self) -> Result<()> {
        let Db::Sqlite(s) = self;
        let had_search: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'procedure_search')",
        )
        .fetch_one(&s.write)
        .await?;
        sqlx::migrate!("./migrations/sqlite").run(&s.write).await?;
        if !had_search {
            self.backfill_search().await?;
        }
        Ok(())
    }

    /// Indexes every procedure version and dossier for search.
    async fn backfill_search(&self) -> Result<()> {
        let versions = self.all_procedure_versions().await?;
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM procedure_search")
            .execute(&mut *tx)
            .await?;
        for v in &versions {
            let (name, body) = catalog::procedure_search_text(v);
            sqlx::query(
                "INSERT INTO procedure_search (code, version, name, body) VALUES ($1, $2, $3, $4)",
            )
            .bind(v.code.as_str())
            .bind(i64::from(v.version))
            .bind(name)
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }
        for id in self.dossier_ids().await? {
            if let Some(d) = self.dossier(id).await? {
                sqlx::query("UPDATE dossiers SET search_text = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(dossiers::search_text(&d))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("INSERT INTO dossier_search (dossier_search) VALUES ('rebuild')")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let Db::Sqlite(s) = self;
        Ok(Tx::Sqlite(s.write.begin().await?))
    }

    /// A consistent online copy of the database into a new file (`VACUUM INTO`).
    pub async fn backup(&self, to: &std::path::Path) -> Result<()> {
        let Db::Sqlite(s) = self;
        let target = to.to_string_lossy().replace('\'', "''");
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
            .execute(&s.read)
            .await?;
        Ok(())
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        let Db::Sqlite(s) = self;
        s.read.close().await;
        s.write.close().await;
    }

    fn group_writer(&self) -> &writer::Writer {
        let Db::Sqlite(s) = self;
        &s.writer
    }

    fn reader(&self) -> &SqlitePool {
        let Db::Sqlite(s) = self;
        &s.read
    }

    fn writer(&self) -> &SqlitePool {
        let Db::Sqlite(s) = self;
        &s.write
    }
}

/// Parses a JSON column, naming what failed.
fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values serialise")
}

/// Pushes `a, b, c)` — the rest of an `IN (` list.
pub(crate) fn push_list(
    q: &mut sqlx::QueryBuilder<Sqlite>,
    items: impl IntoIterator<Item = String>,
) {
    let mut sep = q.separated(", ");
    for i in items {
        sep.push_bind(i);
    }
    q.push(")");
}
