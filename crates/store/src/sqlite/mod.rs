//! SQLite — the backend for one server: one file, in WAL mode.
//!
//! One thread writes (see [`writer`]): every write is a job to it, group-committed with the
//! others waiting. Reads use their own read-only connections, taken from a small pool on the
//! caller's thread: a lookup or a page costs tens of microseconds, less than a hand-off to
//! another thread would; reads that scan (reports, rebuilds, searches over many matches) run
//! on a blocking thread instead. Statements are prepared once per connection and cached.

mod accounts;
mod admin;
mod catalog;
mod cluster;
mod counts;
mod dossiers;
mod feedback;
mod files;
mod list;
mod migrate;
mod outbox;
mod payments;
mod queue;
mod surveys;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::sql::Dialect;
pub(crate) use crate::sql::Sql;
use crate::{Result, StoreError};

pub use migrate::MIGRATIONS;
pub(crate) use writer::Written;

/// Page cache of the writing connection (KiB).
const WRITER_CACHE_KIB: i64 = 8 * 1024;
/// Page cache of each reading connection (KiB): readers are several, the OS caches the file.
const READER_CACHE_KIB: i64 = 2 * 1024;
/// Reading connections kept open when idle.
const READERS_KEPT: usize = 8;

/// The SQLite backend.
pub struct Sqlite {
    path: PathBuf,
    readers: Arc<Readers>,
    writer: writer::Writer,
    /// Procedure versions already read, by code and version (see [`catalog::VersionCache`]).
    versions: catalog::VersionCache,
}

/// Read-only connections, taken and given back.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Raised by [`Readers::flush`]: a connection taken before is closed, not given back.
    generation: std::sync::atomic::AtomicU64,
}

/// A reading connection, given back to the pool when dropped.
pub(crate) struct Reader<'a> {
    pool: &'a Readers,
    conn: Option<Connection>,
    generation: u64,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a reader holds its connection")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.idle.lock().expect("reader pool");
            if idle.len() < READERS_KEPT
                && self.generation == self.pool.generation.load(Ordering::Acquire)
            {
                idle.push(conn);
            }
        }
    }
}

impl Readers {
    fn new(path: &Path) -> Self {
        Readers {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            generation: Default::default(),
        }
    }

    /// Closes every connection as soon as it is not in use: SQLite shares one view of the
    /// log's index among the connections of a process, and keeps it read-only, as it was
    /// opened, while any of them is open (see `writer::Link`).
    pub(crate) fn flush(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.idle.lock().expect("reader pool").clear();
    }

    fn get(&self) -> Result<Reader<'_>> {
        let generation = self.generation.load(Ordering::Acquire);
        let kept = self.idle.lock().expect("reader pool").pop();
        let conn = match kept {
            Some(c) => c,
            None => open_connection(&self.path, false)?,
        };
        Ok(Reader {
            pool: self,
            conn: Some(conn),
            generation,
        })
    }
}

/// Opens a connection with the settings every connection has.
fn open_connection(path: &Path, write: bool) -> Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(db_error)?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(db_error)?;
    conn.set_prepared_statement_cache_capacity(256);
    // A statement's plan never depends on the values bound to it. Without this, SQLite (since
    // 3.50) marks statements with `LIMIT ?` or `col = ?` to be prepared again whenever a new
    // value is bound — every cached statement was compiled anew on most executions.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(db_error)?;
    let cache = if write {
        WRITER_CACHE_KIB
    } else {
        READER_CACHE_KIB
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -{cache};"
    ))
    .map_err(db_error)?;
    if write {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Config(format!(
                "tệp {} không chuyển được sang chế độ WAL (đang là {mode})",
                path.display()
            )));
        }
    }
    Ok(conn)
}

impl Sqlite {
    /// Opens (creating if needed) the database file and starts its writer.
    pub fn open(path: &Path) -> Result<Sqlite> {
        let conn = open_connection(path, true)?;
        let checkpointer =
            writer::Checkpointer::start(open_connection(path, true)?, path.to_path_buf());
        let readers = Arc::new(Readers::new(path));
        Ok(Sqlite {
            path: path.to_path_buf(),
            readers: readers.clone(),
            writer: writer::Writer::start(
                conn,
                path.to_path_buf(),
                readers,
                writer::Hooks {
                    begin: counts::discard_pending,
                    before_commit: |c| {
                        counts::write_pending(c)?;
                        dossiers::index_queued(c)
                    },
                },
                checkpointer,
            )
            .map_err(db_error)?,
            versions: catalog::VersionCache::default(),
        })
    }

    /// Runs a short read on the caller's thread.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.get()?;
        f(&conn)
    }

    /// Runs a read that may scan on a blocking thread.
    pub(crate) async fn read_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.get()?;
            f(&conn)
        })
        .await
        .map_err(|_| StoreError::Unavailable("một lượt đọc bị ngắt".into()))?
    }

    /// Queues a write to the writer thread (see [`writer::Writer::write`]).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnMut(&Connection) -> Result<Written<T>> + Send + 'static,
    ) -> Result<T> {
        self.writer.write(f).await
    }

    /// A write that always writes when it succeeds.
    pub(crate) async fn write_all<T: Send + 'static>(
        &self,
        mut f: impl FnMut(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.writer.write(move |c| f(c).map(Written::Yes)).await
    }
}

#[async_trait::async_trait]
impl crate::Backend for Sqlite {
    async fn migrate(&self) -> Result<()> {
        self.writer.alone(migrate::run).await
    }

    async fn backup(&self, to: &Path) -> Result<()> {
        let target = to.to_string_lossy().to_string();
        self.read_blocking(move |c| {
            c.execute("VACUUM INTO ?1", [target]).map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn settle(&self) -> Result<()> {
        self.writer
            .alone(|c| {
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                Ok(())
            })
            .await
    }

    async fn close(&self) {
        self.writer.close().await;
        self.readers.idle.lock().expect("reader pool").clear();
    }

    fn kind(&self) -> &'static str {
        "SQLite"
    }

    fn write_stats(&self) -> crate::WriteStats {
        self.writer.stats()
    }

    async fn ping(&self) -> Result<()> {
        self.read(|c| {
            c.prepare_cached("SELECT count(*) FROM motcua_migrations")?
                .query_row([], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
    }

    async fn probe_write(&self, now_ms: i64) -> Result<()> {
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO write_probe (id, at_ms) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms",
            )?
            .execute([now_ms])?;
            Ok(())
        })
        .await
    }

    fn disk_space(&self) -> Option<crate::DiskSpace> {
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty());
        crate::DiskSpace::of(dir.unwrap_or(Path::new(".")))
    }
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sqlite({})", self.path.display())
    }
}

/// The engine's own pace on this machine, for `motcua bench` to set its figures against: rows
/// inserted per second into a new file at `path`, one row per transaction (a random 16-byte
/// key and 300 bytes), with the pragmas of the writer's connection and SQLite's own checkpoint
/// every 2,000 pages (no checkpoint thread), for `duration`.
pub fn raw_insert_rate(path: &Path, duration: Duration) -> Result<f64> {
    let conn = open_connection(path, true)?;
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint = 2000; \
         CREATE TABLE raw_inserts (id BLOB PRIMARY KEY, body TEXT NOT NULL)",
    )
    .map_err(db_error)?;
    let body = "x".repeat(300);
    let mut insert = conn
        .prepare("INSERT INTO raw_inserts (id, body) VALUES (?1, ?2)")
        .map_err(db_error)?;
    // xorshift: random keys without a dependency.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ u64::from(std::process::id());
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let started = std::time::Instant::now();
    let mut rows = 0u64;
    while started.elapsed() < duration {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&next().to_le_bytes());
        key[8..].copy_from_slice(&next().to_le_bytes());
        insert
            .execute(rusqlite::params![&key[..], body])
            .map_err(db_error)?;
        rows += 1;
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// The engine's own pace at reading, for `motcua bench` to set its read phases against: pages
/// of 100 dossier rows (the columns a list shows) read per second on one connection to the
/// database at `path`, each page walking the primary key from a random dossier, for `duration`.
pub fn raw_page_rate(path: &Path, duration: Duration) -> Result<f64> {
    let conn = open_connection(path, false)?;
    let ids: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM dossiers")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(db_error)?;
    if ids.is_empty() {
        return Err(StoreError::Db("không có hồ sơ nào để đọc".into()));
    }
    let mut page = conn
        .prepare(
            "SELECT id, code, version, procedure_code, procedure_name, channel, stage, \
             national_status, receiving, competent, current_unit, assignee, applicant_name, \
             opened_ms, received_ms, due_ms, appointment_ms, finished_ms \
             FROM dossiers WHERE id >= ?1 ORDER BY id LIMIT 100",
        )
        .map_err(db_error)?;
    let mut state = 0x2545_F491_4F6C_DD1D_u64 ^ u64::from(std::process::id());
    let started = std::time::Instant::now();
    let mut pages = 0u64;
    while started.elapsed() < duration {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let start = &ids[(state % ids.len() as u64) as usize];
        let mut rows = page.query([start]).map_err(db_error)?;
        let mut width = 0usize;
        while let Some(row) = rows.next().map_err(db_error)? {
            width += row
                .get_ref(1)
                .map_err(db_error)?
                .as_bytes()
                .map_or(0, <[u8]>::len);
        }
        std::hint::black_box(width);
        pages += 1;
    }
    Ok(pages as f64 / started.elapsed().as_secs_f64())
}

/// A driver error, in the store's terms.
pub(crate) fn db_error(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => {
            StoreError::Unwritable("ổ đĩa chứa cơ sở dữ liệu đã đầy".into())
        }
        Some(rusqlite::ErrorCode::ReadOnly) => StoreError::Unwritable(
            "tệp cơ sở dữ liệu hoặc thư mục chứa nó không cho ghi (quyền truy cập, ổ chỉ đọc)"
                .into(),
        ),
        Some(rusqlite::ErrorCode::SystemIoFailure) => {
            StoreError::Unwritable(format!("lỗi đọc ghi đĩa (mã SQLite {})", extended_code(&e)))
        }
        // Said to whoever starts the server with a wrong path, not in SQLite's English.
        Some(rusqlite::ErrorCode::CannotOpen) => StoreError::Db(
            "không mở được tệp cơ sở dữ liệu: đường dẫn là một thư mục, thư mục chứa nó không \
             có, hoặc không có quyền"
                .into(),
        ),
        Some(rusqlite::ErrorCode::NotADatabase) => {
            StoreError::Db("tệp này không phải cơ sở dữ liệu SQLite, hoặc đã hỏng".into())
        }
        _ => StoreError::Db(e.to_string()),
    }
}

fn extended_code(e: &rusqlite::Error) -> i32 {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        _ => 0,
    }
}

/// An insert's error: a unique constraint is a duplicate of `what`.
pub(crate) fn insert_error(e: rusqlite::Error, what: &str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation
                && matches!(
                    f.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
        {
            StoreError::Duplicate(what.to_string())
        }
        _ => db_error(e),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        db_error(e)
    }
}

/// The dialect of this backend's queries.
pub(crate) const DIALECT: Dialect = Dialect::Sqlite;

/// A neutral value as rusqlite binds it, borrowed (a UUID as its 16 bytes).
impl rusqlite::ToSql for crate::sql::Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            crate::sql::Value::Int(v) => ValueRef::Integer(*v),
            crate::sql::Value::Text(s) => ValueRef::Text(s.as_bytes()),
            crate::sql::Value::MaybeText(Some(s)) => ValueRef::Text(s.as_bytes()),
            crate::sql::Value::MaybeText(None) => ValueRef::Null,
            crate::sql::Value::Uuid(u) => ValueRef::Blob(u.as_bytes()),
            crate::sql::Value::Texts(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite has no arrays: a list binds each value".into(),
                ));
            }
        }))
    }
}

impl Sql {
    /// Runs the query, mapping each row.
    pub fn rows<T>(
        &self,
        conn: &Connection,
        mut map: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        debug_assert_eq!(self.dialect(), DIALECT);
        let mut stmt = conn.prepare_cached(&self.text)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(self.args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(map(r)?);
        }
        Ok(out)
    }

    /// Runs the statement: the rows it changed.
    pub fn run(&self, conn: &Connection) -> Result<u64> {
        debug_assert_eq!(self.dialect(), DIALECT);
        let mut stmt = conn.prepare_cached(&self.text)?;
        Ok(stmt.execute(rusqlite::params_from_iter(self.args.iter()))? as u64)
    }
}

/// A UUID as stored (16 bytes).
pub(crate) fn uuid(u: uuid::Uuid) -> Value {
    Value::Blob(u.as_bytes().to_vec())
}

pub(crate) use crate::from_ms;
