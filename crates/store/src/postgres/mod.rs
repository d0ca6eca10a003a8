//! PostgreSQL — the backend for a province: one database shared by several servers.
//!
//! A pool of connections (deadpool) serves reads and writes alike; PostgreSQL itself orders
//! concurrent writers, so what SQLite gets from its single writer thread comes here from row
//! locks (`FOR UPDATE` on a day's code sequence, `SKIP LOCKED` on the outbox), unique keys and
//! the dossiers' optimistic versions. Schema changes run under an advisory lock, so servers
//! started together migrate once.
//!
//! Every repository keeps the contract of `tests/contract`, run against both backends. The
//! text sorts that SQLite does by bytes say `COLLATE "C"` here, so a database created with
//! another locale lists in the same order.

mod accounts;
mod admin;
mod backend;
mod catalog;
mod cluster;
mod counts;
mod dossiers;
mod federation;
mod feedback;
mod files;
mod list;
mod migrate;
mod outbox;
mod payments;
mod queue;
mod raw;
mod surveys;

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{Row, Statement};

pub(crate) use crate::sql::Sql;
use crate::sql::{Dialect, Value};
use crate::{LogEntry, NewMessage, Result, StoreError};

pub(crate) use dossiers::{agency_tree, chained, rebuild_in};
pub use federation::{FederatedProvince, federate};
pub(crate) use migrate::run_in as migrate_in;
pub use migrate::{MIGRATIONS, POSTGRES_ONLY, SQLITE_ONLY_TABLES};

/// Connections kept in the pool of one server.
const POOL_SIZE: usize = 16;

/// The PostgreSQL backend.
pub struct Postgres {
    pool: Pool,
    /// As configured, for the tools PostgreSQL brings (pg_dump).
    url: String,
    /// For the connection that listens to the other servers.
    config: tokio_postgres::Config,
}

impl Postgres {
    /// Connects to the database named by a `postgres://user@host:port/name` URL (the
    /// database must exist; its schema is made by [`Postgres::migrate`]).
    pub async fn open(url: &str) -> Result<Postgres> {
        let config: tokio_postgres::Config = url.parse().map_err(|_| {
            StoreError::Config(format!(
                "địa chỉ PostgreSQL \"{}\" không hợp lệ: dùng postgres://NGƯỜI_DÙNG@MÁY:CỔNG/TÊN_CSDL",
                domain::error::shorten(url)
            ))
        })?;
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Config(format!("không tạo được kết nối PostgreSQL: {e}")))?;
        let postgres = Postgres {
            pool,
            url: url.to_string(),
            config,
        };
        // Fail here, with the server's reason, rather than on the first request.
        if let Err(e) = postgres.pool.get().await {
            return Err(StoreError::Config(match e {
                deadpool_postgres::PoolError::Backend(e) => {
                    format!("không kết nối được PostgreSQL: {}", unreachable_reason(&e))
                }
                other => format!("không kết nối được PostgreSQL: {other}"),
            }));
        }
        Ok(postgres)
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => unavailable(e),
            other => StoreError::Unavailable(format!("không lấy được kết nối PostgreSQL: {other}")),
        })
    }

    /// Applies the migrations not yet applied (see [`migrate`]).
    pub async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        migrate::run(&mut client).await
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close();
    }
}

/// Queues messages for the outside world in the caller's transaction (a key enqueued before is
/// skipped); how many were new.
pub(crate) async fn enqueue_on(
    tx: &impl GenericClient,
    messages: &[NewMessage],
    now: DateTime<Utc>,
) -> Result<usize> {
    if messages.is_empty() {
        return Ok(0);
    }
    let insert = tx
        .prepare_cached(
            "INSERT INTO outbox (kind, channel, recipient, subject, body, idempotency_key, \
             dossier_id, next_attempt_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .await
        .map_err(db_error)?;
    let mut added = 0;
    for m in messages {
        added += tx
            .execute(
                &insert,
                &[
                    &m.kind,
                    &m.channel.as_str(),
                    &m.recipient,
                    &m.subject,
                    &m.body,
                    &m.idempotency_key,
                    &m.dossier,
                    &now.timestamp_millis(),
                ],
            )
            .await
            .map_err(db_error)?;
    }
    Ok(added as usize)
}

/// Writes a line of the administration log in the caller's transaction.
pub(crate) async fn log_on(tx: &impl GenericClient, entry: &LogEntry<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO admin_log (at_ms, actor, action, detail) VALUES ($1, $2, $3, $4)",
        &[&entry.at_ms, &entry.actor, &entry.action, &entry.detail],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Column `i` of a row (a NULL where none is allowed, or another type, is the driver's error,
/// as SQLite's `get` is).
pub(crate) fn col<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    r.try_get(i).map_err(db_error)
}

/// A statement, prepared once per connection (and kept with it).
pub(crate) async fn prepared(c: &impl GenericClient, sql: &str) -> Result<Statement> {
    c.prepare_cached(sql).await.map_err(db_error)
}

/// Runs a statement kept prepared on the connection (or the transaction's); its rows.
pub(crate) async fn query(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>> {
    let st = prepared(c, sql).await?;
    c.query(&st, params).await.map_err(db_error)
}

/// Runs a statement kept prepared on the connection (or the transaction's); how many rows it
/// changed.
pub(crate) async fn execute(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64> {
    let st = prepared(c, sql).await?;
    c.execute(&st, params).await.map_err(db_error)
}

/// The server refused or failed a statement.
/// A deadlock's victim (40P01) or a serialization failure (40001) is a transaction the
/// server undid, which may be run again.
pub(crate) fn db_error(e: tokio_postgres::Error) -> StoreError {
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            StoreError::Undone(describe(&e))
        }
        Some(c) if *c == SqlState::DISK_FULL => {
            StoreError::Unwritable("ổ đĩa của máy chủ PostgreSQL đã đầy".into())
        }
        Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => StoreError::Unwritable(
            "máy chủ PostgreSQL đang chỉ cho đọc (máy dự phòng, hoặc default_transaction_read_only)"
                .into(),
        ),
        _ => StoreError::Db(describe(&e)),
    }
}

/// The server could not be reached: nothing was written.
fn unavailable(e: tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable(format!("không kết nối được PostgreSQL: {}", describe(&e)))
}

/// Why a connection failed, in words an operator acts on.
fn unreachable_reason(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return match db.code() {
            c if *c == SqlState::INVALID_CATALOG_NAME => {
                "cơ sở dữ liệu chưa có; hãy tạo nó (createdb) rồi chạy lại".into()
            }
            c if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                "sai người dùng hoặc mật khẩu".into()
            }
            _ => describe(e),
        };
    }
    // The cause, however deep the driver wrapped it.
    let mut cause = std::error::Error::source(e);
    let mut io = None;
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<std::io::Error>() {
            io = Some(found);
            break;
        }
        cause = c.source();
    }
    match io.map(std::io::Error::kind) {
        Some(std::io::ErrorKind::ConnectionRefused) => {
            "máy chủ từ chối kết nối (PostgreSQL chưa chạy, hoặc sai máy, sai cổng)".into()
        }
        Some(std::io::ErrorKind::TimedOut) => "máy chủ không trả lời".into(),
        _ => format!("không liên lạc được với máy chủ ({e})"),
    }
}

/// An insert's error: a unique key already there is a duplicate of `what`.
pub(crate) fn insert_error(e: tokio_postgres::Error, what: &str) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::Duplicate(what.to_string())
    } else {
        db_error(e)
    }
}

/// The server's own message when it sent one, else the driver's.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// The dialect of this backend's queries.
pub(crate) const DIALECT: Dialect = Dialect::Postgres;

impl Sql {
    /// The values as the driver takes them (borrowed: one reference each).
    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args
            .iter()
            .map(|v| match v {
                Value::Int(v) => v as &(dyn ToSql + Sync),
                Value::Text(s) => s,
                Value::MaybeText(s) => s,
                Value::Uuid(u) => u,
                Value::Texts(t) => t,
            })
            .collect()
    }

    /// Runs the query on a connection or in a transaction.
    pub async fn query(&self, client: &impl GenericClient) -> Result<Vec<Row>> {
        debug_assert_eq!(self.dialect(), DIALECT);
        client
            .query(self.text.as_str(), &self.params())
            .await
            .map_err(db_error)
    }

    /// Runs the statement on a connection or in a transaction: the rows it changed.
    pub async fn execute(&self, client: &impl GenericClient) -> Result<u64> {
        debug_assert_eq!(self.dialect(), DIALECT);
        client
            .execute(self.text.as_str(), &self.params())
            .await
            .map_err(db_error)
    }
}

/// The PostgreSQL query for a full-text query in the store's syntax (FTS5's: `"word"`,
/// `"prefix"*`, `OR`, bare words), over text folded as [`motcua_words`] indexes it: each term's
/// letters and digits, every term required unless joined by `OR`. `None` when no word is left.
///
/// [`motcua_words`]: ../../migrations/postgres/0027_schema.sql
pub(crate) fn tsquery(fts: &str) -> Option<String> {
    // Terms all required; `OR` joins a term to the one before (FTS5 binds OR tighter than the
    // implicit AND, so "a OR b c" is "(a OR b) AND c").
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut or = false;
    let mut rest = fts.trim();
    while !rest.is_empty() {
        let (term, prefix, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            let after = quoted.get(end + 1..).unwrap_or("");
            match after.strip_prefix('*') {
                Some(a) => (&quoted[..end], true, a),
                None => (&quoted[..end], false, after),
            }
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            match word.strip_suffix('*') {
                Some(w) => (w, true, &rest[end..]),
                None => (word, false, &rest[end..]),
            }
        };
        rest = after.trim_start();
        if term == "OR" && !prefix {
            or = !groups.is_empty();
            continue;
        }
        // A phrase's words follow each other; a term cut at punctuation is a phrase too.
        let words: Vec<&str> = term
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let Some(last) = words.len().checked_sub(1) else {
            continue;
        };
        let phrase: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("'{w}'{}", if prefix && i == last { ":*" } else { "" }))
            .collect();
        let phrase = if phrase.len() == 1 {
            phrase.into_iter().next().unwrap_or_default()
        } else {
            format!("({})", phrase.join(" <-> "))
        };
        match groups.last_mut() {
            Some(g) if or => g.push(phrase),
            _ => groups.push(vec![phrase]),
        }
        or = false;
    }
    let terms: Vec<String> = groups
        .into_iter()
        .map(|g| {
            if g.len() == 1 {
                g.into_iter().next().unwrap_or_default()
            } else {
                format!("({})", g.join(" | "))
            }
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::tsquery;

    #[test]
    fn full_text_queries_become_tsqueries() {
        assert_eq!(
            tsquery("\"dang\" \"ky\" \"kh\"*").as_deref(),
            Some("'dang' & 'ky' & 'kh':*")
        );
        assert_eq!(
            tsquery("\"khai sinh\" OR tu* \"ba\"").as_deref(),
            Some("(('khai' <-> 'sinh') | 'tu':*) & 'ba'")
        );
        assert_eq!(
            tsquery("\"000.00.12.h12-261207\"*").as_deref(),
            Some("('000' <-> '00' <-> '12' <-> 'h12' <-> '261207':*)")
        );
        // Quotes and backslashes cannot reach the query: only letters and digits do.
        assert_eq!(
            tsquery("\"a'b\\\\c\"").as_deref(),
            Some("('a' <-> 'b' <-> 'c')")
        );
        assert_eq!(tsquery("\"\" ...").as_deref(), None);
    }
}
