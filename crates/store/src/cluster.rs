//! Several servers on one database (cụm máy chủ): who runs the jobs that must run once, and the
//! word one server sends the others when something they keep in memory changed.
//!
//! On SQLite a database is served by one server (its writer thread orders every write), so a
//! lease is always its own and there is no one to tell. On PostgreSQL leases are rows that a
//! holder renews before they lapse, and signals go through `NOTIFY`/`LISTEN`.

use crate::Result;

/// Quyền chạy một việc chung — a cluster-wide job's lease.
#[async_trait::async_trait]
pub trait ClusterStore: Send + Sync {
    /// Takes or renews the lease `name` for `holder` until `until_ms`: true when `holder` holds
    /// it now (it was free, had lapsed by `now_ms`, or was already `holder`'s).
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool>;

    /// Gives the lease up, if `holder` holds it (a server stopping lets another take over now).
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;

    /// Tells every server following the signals (see [`ClusterStore::signals`]), this one
    /// included; at most [`SIGNAL_LIMIT`] bytes.
    async fn signal(&self, payload: &str) -> Result<()>;

    /// The signals sent by the servers of this database, from now on; `None` when the
    /// database has one server (SQLite). A connection lost is made again (signals sent
    /// meanwhile are lost: followers read the state again after a gap).
    async fn signals(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>>;
}

/// The longest signal (PostgreSQL's `NOTIFY` takes under 8,000 bytes).
pub const SIGNAL_LIMIT: usize = 7_900;
