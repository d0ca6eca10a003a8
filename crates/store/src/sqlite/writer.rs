//! Ghi theo lô — one thread owns the connection that writes, and commits whatever is queued in
//! one transaction.
//!
//! SQLite has one writer at a time. A request's write is a job sent to this thread: the only
//! hand-off between threads is the job and its answer, however many statements it runs (the
//! statements themselves are prepared once and cached on the connection). The thread takes
//! what is waiting (up to [`MAX_BATCH`] jobs), runs them one after another in one transaction,
//! and commits once; a caller hears back only after that commit.
//!
//! A job either writes (answered with the commit's outcome) or refuses — a version conflict, a
//! refusal by the rules, a database error — and must then have written nothing. A refusal that
//! wrote nothing (the usual case: checks come before writes) is simply answered. One that had
//! written something (a number taken before the rules refused) cannot be undone alone without
//! a savepoint per job, which costs every job a copy of each page it shares with the jobs before
//! it; instead the whole transaction is rolled back and the other jobs run again without it.
//! Jobs are therefore closures that may run more than once, giving the same writes on the same
//! database. If the commit itself fails, every job that wrote is told that nothing was written.
//!
//! What is cheaper once per batch than once per job runs just before the commit (the search
//! index and the report counters, see [`Writer::start`]). Checkpoints — copying the write-ahead
//! log into the database file, with its fsync — are not the writer's: a [`Checkpointer`] thread
//! does them a moment after commits. The writer only finishes the copy, when the log has grown
//! and little of it is left to copy, so that its next batch writes the log from its start again
//! (see `Checkpointer::writer_finishes`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// Most jobs in one transaction: enough to amortise the commit, small enough that the first
/// caller in a batch does not wait long for the last.
pub(crate) const MAX_BATCH: usize = 64;

/// What a job did, with the value its caller gets.
pub(crate) enum Written<T> {
    /// Wrote; the value is given once the batch commits.
    Yes(T),
    /// Wrote nothing (or what it wrote is undone); the value is its caller's answer.
    No(T),
}

/// How a job's run ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Wrote,
    Refused,
}

/// A write run inside a batch's transaction (perhaps more than once), then answered.
trait BatchJob: Send {
    /// Runs the job, keeping its result for the answer.
    fn run(&mut self, conn: &Connection) -> Outcome;
    /// Tells the caller the kept result — or `failed`, when the batch it wrote in did not commit.
    fn answer(self: Box<Self>, failed: Option<StoreError>);
    /// The error its last run ended with, if any.
    fn error(&self) -> Option<StoreError>;
}

struct FnJob<T, F> {
    f: F,
    kept: Option<Result<Written<T>>>,
    answer: oneshot::Sender<Result<T>>,
}

impl<T, F> BatchJob for FnJob<T, F>
where
    T: Send + 'static,
    F: FnMut(&Connection) -> Result<Written<T>> + Send,
{
    fn run(&mut self, conn: &Connection) -> Outcome {
        let result = (self.f)(conn);
        let outcome = match result {
            Ok(Written::Yes(_)) => Outcome::Wrote,
            _ => Outcome::Refused,
        };
        self.kept = Some(result);
        outcome
    }

    fn answer(self: Box<Self>, failed: Option<StoreError>) {
        let reply = match (self.kept, failed) {
            (Some(Ok(Written::Yes(_))) | None, Some(e)) => Err(e),
            (Some(Ok(Written::Yes(v) | Written::No(v))), _) => Ok(v),
            (Some(Err(e)), _) => Err(e),
            (None, None) => Err(closed()),
        };
        let _ = self.answer.send(reply);
    }

    fn error(&self) -> Option<StoreError> {
        match &self.kept {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        }
    }
}

/// A unit of work for the writer.
enum Job {
    /// Runs inside a batch's transaction.
    Batched(Box<dyn BatchJob>),
    /// Runs alone, outside any transaction (migrations, backups, bulk loads that manage their
    /// own transactions).
    Alone(Box<dyn FnOnce(&mut Connection) + Send>),
    /// Finishes: checkpoints the log and closes the connection.
    Close(oneshot::Sender<()>),
}

/// The queue to the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Job>,
    stats: Arc<Stats>,
}

/// Counters of the committed batches, kept by the writer thread and read by `/metrics`.
#[derive(Default)]
struct Stats {
    batches: AtomicU64,
    jobs: AtomicU64,
    /// Batches by size: `sizes[i]` counts those of at most `BATCH_BOUNDS[i]` jobs and more than
    /// the bound before (made cumulative when read).
    sizes: [AtomicU64; 7],
}

impl Stats {
    fn committed(&self, jobs: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.jobs.fetch_add(jobs as u64, Ordering::Relaxed);
        let bucket = crate::WriteStats::BATCH_BOUNDS
            .iter()
            .position(|b| jobs as u64 <= *b)
            .unwrap_or(crate::WriteStats::BATCH_BOUNDS.len() - 1);
        self.sizes[bucket].fetch_add(1, Ordering::Relaxed);
    }
}

fn closed() -> StoreError {
    StoreError::Unavailable("cơ sở dữ liệu đã đóng".into())
}

fn batch_failed(cause: &StoreError) -> StoreError {
    match cause {
        // The operator's cause, kept as it is: the disk, the files.
        StoreError::Unwritable(_) => cause.clone(),
        _ => StoreError::Unavailable(format!(
            "lỗi khi ghi ({cause}); thao tác chưa được thực hiện, hãy thử lại"
        )),
    }
}

/// Undoes the batch's transaction, if the engine has not already ended it (it does so itself
/// on a full disk or an I/O error, and a ROLLBACK then only fails).
fn roll_back(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(error = %e, "rollback failed");
    }
}

/// What the writer does around each batch: `begin` when its transaction opens (and again when it
/// is run again), `before_commit` in it just before the commit. Work a job leaves for the
/// batch is kept in the writer thread between the two.
#[derive(Clone, Copy)]
pub(crate) struct Hooks {
    pub begin: fn(),
    pub before_commit: fn(&Connection) -> Result<()>,
}

impl Writer {
    /// Starts the writer thread with its connection to the file at `path`; `checkpointer`
    /// copies the log as it goes.
    pub(crate) fn start(
        mut conn: Connection,
        path: std::path::PathBuf,
        readers: Arc<super::Readers>,
        hooks: Hooks,
        checkpointer: Checkpointer,
    ) -> rusqlite::Result<Self> {
        let wal = WalHook {
            progress: checkpointer.progress.clone(),
            signal: checkpointer.signal.clone(),
        };
        wal.install(&mut conn)?;
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        let stats = Arc::new(Stats::default());
        let kept = stats.clone();
        let link = Link {
            stuck: !takes_writes(&conn),
            conn: Some(conn),
            path,
            readers,
            wal,
            tried: None,
        };
        std::thread::Builder::new()
            .name("motcua-writer".into())
            .spawn(move || run(link, rx, hooks, checkpointer, &kept))
            .expect("the writer thread starts");
        Ok(Self { queue, stats })
    }

    /// Queues a job that writes in the batch's transaction: `f` returns what it did, or an
    /// error (a conflict or a database error), after which what it wrote is undone. `f` may run
    /// more than once (see the module's documentation).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnMut(&Connection) -> Result<Written<T>> + Send + 'static,
    ) -> Result<T> {
        let (answer, rx) = oneshot::channel::<Result<T>>();
        let job = Job::Batched(Box::new(FnJob {
            f,
            kept: None,
            answer,
        }));
        self.queue.send(job).await.map_err(|_| closed())?;
        rx.await.unwrap_or_else(|_| Err(closed()))
    }

    /// Runs `f` on the writer's connection alone, between batches.
    pub(crate) async fn alone<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, rx) = oneshot::channel::<Result<T>>();
        let job = Job::Alone(Box::new(move |conn| {
            let _ = answer.send(f(conn));
        }));
        self.queue.send(job).await.map_err(|_| closed())?;
        rx.await.unwrap_or_else(|_| Err(closed()))
    }

    /// The batches committed so far and the jobs waiting now.
    pub(crate) fn stats(&self) -> crate::WriteStats {
        let mut at_most = [0u64; 7];
        let mut sum = 0;
        for (i, n) in self.stats.sizes.iter().enumerate() {
            sum += n.load(Ordering::Relaxed);
            at_most[i] = sum;
        }
        crate::WriteStats {
            batches: self.stats.batches.load(Ordering::Relaxed),
            jobs: self.stats.jobs.load(Ordering::Relaxed),
            batches_at_most: at_most,
            queued: self.queue.max_capacity() - self.queue.capacity(),
        }
    }

    /// Finishes the queued jobs and closes the connection.
    pub(crate) async fn close(&self) {
        let (done, rx) = oneshot::channel();
        if self.queue.send(Job::Close(done)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// What the writer's connection tells the checkpointer after each commit.
#[derive(Clone)]
struct WalHook {
    progress: Arc<AtomicU64>,
    signal: std_mpsc::SyncSender<bool>,
}

impl WalHook {
    fn install(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        let (progress, signal) = (self.progress.clone(), self.signal.clone());
        conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames| {
            let _ = signal.try_send(true);
            if Checkpointer::writer_finishes(&progress, frames) {
                // The commit is done whatever happens here: a failed copy is the checkpointer's
                // to retry, not the batch's error.
                match wal.checkpoint_v2(CheckpointMode::PASSIVE) {
                    Err(e) if !checkpoint_busy(&e) => {
                        tracing::warn!(error = %e, "checkpoint failed")
                    }
                    _ => {}
                }
            }
            Ok(())
        }))
    }
}

/// The writer's connection, and how to open it again. SQLite opens a file it may not write
/// read-only, and such a connection never writes, even once the file may be written again;
/// while it is open, no other connection of this process to the file can write either. So it
/// is closed before the file is opened again.
struct Link {
    conn: Option<Connection>,
    path: std::path::PathBuf,
    /// The reading connections, closed too: the last to close lets the log's index be opened
    /// for writing again.
    readers: Arc<super::Readers>,
    wal: WalHook,
    /// The connection is known not to take writes (see [`takes_writes`]).
    stuck: bool,
    /// When it last tried to open the file again.
    tried: Option<std::time::Instant>,
}

/// Whether a connection can write now: opened for writing, and able to take the write lock
/// (which a read-only view of the log's index refuses).
fn takes_writes(conn: &Connection) -> bool {
    !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
        && conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK").is_ok()
}

/// How often a read-only connection is opened again, at most.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

impl Link {
    /// The connection, opened again first when it is read-only (or was lost) and the last try
    /// is a while ago. `None` when the file cannot be opened now.
    fn conn(&mut self) -> Option<&mut Connection> {
        let stuck = self.stuck || self.conn.is_none();
        if stuck && self.tried.is_none_or(|t| t.elapsed() >= REOPEN_EVERY) {
            self.tried = Some(std::time::Instant::now());
            drop(self.conn.take());
            self.readers.flush();
            match super::open_connection(&self.path, true) {
                Ok(mut conn) => {
                    self.stuck = !takes_writes(&conn);
                    if !self.stuck {
                        match self.wal.install(&mut conn) {
                            Ok(()) => tracing::info!(
                                path = %self.path.display(),
                                "the database takes writes again"
                            ),
                            Err(e) => tracing::warn!(error = %e, "the log hook was not set"),
                        }
                    }
                    self.conn = Some(conn);
                }
                Err(e) => tracing::debug!(error = %e, "the database could not be opened again"),
            }
        }
        self.conn.as_mut()
    }
}

/// The answer to jobs when the writer has no connection.
fn unopened() -> StoreError {
    StoreError::Unwritable("không mở được tệp cơ sở dữ liệu để ghi".into())
}

fn run(
    mut link: Link,
    mut rx: mpsc::Receiver<Job>,
    hooks: Hooks,
    checkpointer: Checkpointer,
    stats: &Stats,
) {
    let mut batch: Vec<Box<dyn BatchJob>> = Vec::with_capacity(MAX_BATCH);
    let mut pending: Option<Job> = None;
    loop {
        let first = match pending.take() {
            Some(job) => job,
            None => match rx.blocking_recv() {
                Some(job) => job,
                None => return,
            },
        };
        match first {
            Job::Alone(f) => {
                match link.conn() {
                    Some(conn) => f(conn),
                    None => tracing::error!(error = %unopened(), "a job could not run"),
                }
                continue;
            }
            Job::Close(done) => {
                checkpointer.stop();
                if let Some(conn) = link.conn.as_ref()
                    && !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
                    && let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                {
                    tracing::warn!(error = %e, "checkpoint at close failed");
                }
                drop(link);
                let _ = done.send(());
                return;
            }
            Job::Batched(f) => batch.push(f),
        }
        // Take what else is waiting, up to a batch; a job that cannot join waits for the next.
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Job::Batched(f)) => batch.push(f),
                Ok(other) => {
                    pending = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        let Some(conn) = link.conn() else {
            let e = unopened();
            batch.drain(..).for_each(|job| job.answer(Some(e.clone())));
            continue;
        };
        match commit_batch(conn, std::mem::take(&mut batch), hooks) {
            Some(written) => stats.committed(written),
            // A failed batch: if the connection lost the right to write (the file made
            // read-only), it is opened again before the next.
            None => link.stuck = !takes_writes(conn),
        }
    }
}

/// Runs a statement of the writer's own (prepared once).
fn exec(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs a batch in one transaction and answers every job; says how many jobs it committed.
fn commit_batch(
    conn: &Connection,
    mut jobs: Vec<Box<dyn BatchJob>>,
    hooks: Hooks,
) -> Option<usize> {
    'pass: loop {
        if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
            let e = batch_failed(&e);
            tracing::error!(error = %e, "a batch could not begin");
            for job in jobs {
                job.answer(Some(e.clone()));
            }
            return None;
        }
        (hooks.begin)();
        let mut refused = Vec::new();
        for (i, job) in jobs.iter_mut().enumerate() {
            let before = conn.total_changes();
            let outcome = job.run(conn);
            if conn.is_autocommit() {
                // The engine ended the transaction itself (a full disk, an I/O error): what the
                // batch wrote is gone, and nothing more may run outside a transaction.
                let cause = job.error().unwrap_or_else(|| {
                    StoreError::Unavailable("giao dịch bị hủy giữa chừng".into())
                });
                let e = batch_failed(&cause);
                tracing::error!(error = %e, "a batch was undone by the database");
                jobs.into_iter().for_each(|job| job.answer(Some(e.clone())));
                return None;
            }
            if outcome == Outcome::Refused {
                if conn.total_changes() == before {
                    refused.push(i);
                    continue;
                }
                // It wrote before refusing: undo the whole transaction, answer it and the
                // refusals before it (theirs did not depend on it), and run the rest again.
                roll_back(conn);
                refused.push(i);
                for i in refused.into_iter().rev() {
                    jobs.remove(i).answer(None);
                }
                continue 'pass;
            }
        }
        for i in refused.into_iter().rev() {
            jobs.remove(i).answer(None);
        }
        let committed = (hooks.before_commit)(conn).and_then(|()| exec(conn, "COMMIT"));
        match committed {
            Ok(()) => {
                let written = jobs.len();
                jobs.into_iter().for_each(|job| job.answer(None));
                return Some(written);
            }
            Err(e) => {
                tracing::error!(error = %e, "a batch could not commit");
                roll_back(conn);
                let e = batch_failed(&e);
                jobs.into_iter().for_each(|job| job.answer(Some(e.clone())));
            }
        }
        return None;
    }
}

/// Waits `delay` on the checkpointer's signals, the commits' among them; false when told to
/// stop (or when the writer is gone).
fn wait_out(rx: &std_mpsc::Receiver<bool>, delay: Duration) -> bool {
    let until = std::time::Instant::now() + delay;
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(true) => continue,
            Ok(false) | Err(std_mpsc::RecvTimeoutError::Disconnected) => return false,
            Err(std_mpsc::RecvTimeoutError::Timeout) => return true,
        }
    }
}

/// Whether a checkpoint gave way to another one running (the writer's and the checkpointer's
/// can meet): the next one copies what this one did not.
fn checkpoint_busy(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}

/// Checkpoints the write-ahead log on its own thread and connection, a moment after the writer
/// commits (several commits share one checkpoint, and a page written by many of them is copied
/// once). Passive: it never blocks the writer or a reader, and copies what no reader still needs.
pub(crate) struct Checkpointer {
    signal: std_mpsc::SyncSender<bool>,
    /// The last checkpoint's log size and pages copied, in frames (high and low 32 bits).
    progress: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long a checkpoint waits after a commit, for the commits that follow: under load a hot
/// page (an index's last leaf, a counter) is written by many commits and copied once. Measured
/// with `motcua bench`: from 10 ms to 100 ms the checkpoint thread's CPU and the writer's own
/// copies fell, and intakes rose by about 10 %.
const CHECKPOINT_DELAY: Duration = Duration::from_millis(100);

/// A log this long (in pages, 4 KiB each) is worth writing from its start again; from this
/// length the checkpoints follow one another without waiting, to catch up with the writer.
const RESTART_AT: i32 = 8_000;

/// Pages the writer will copy itself, to finish a checkpoint and let the log restart: every
/// job of the batch after waits for that copy, so it is kept short (a few milliseconds).
const WRITER_COPIES_AT_MOST: i32 = 300;

/// A log this long is copied by the writer whatever is left (the checkpointer fell behind).
const LOG_LIMIT: i32 = 50_000;

impl Checkpointer {
    /// Starts the thread with its connection to the file at `path`. A read-only connection is
    /// not kept (while it is open no connection of this process can write the file, see
    /// [`Link`]): the file is opened again after the next commit.
    pub(crate) fn start(conn: Connection, path: std::path::PathBuf) -> Self {
        let writable = |c: &Connection| !c.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
        let mut conn = Some(conn).filter(writable);
        // `true`: something was written; `false`: stop.
        let (signal, rx) = std_mpsc::sync_channel::<bool>(1);
        let progress = Arc::new(AtomicU64::new(0));
        let seen = progress.clone();
        let thread = std::thread::Builder::new()
            .name("motcua-checkpoint".into())
            .spawn(move || {
                while let Ok(true) = rx.recv() {
                    // A long log is copied at once; otherwise the commits of the next moment
                    // join this checkpoint. A stop ends the wait: the writer's close copies the
                    // rest.
                    let log = (seen.load(Ordering::Acquire) >> 32) as i64;
                    if log < i64::from(RESTART_AT) && !wait_out(&rx, CHECKPOINT_DELAY) {
                        break;
                    }
                    // Something was committed, so the file takes writes again.
                    if conn.is_none() {
                        conn = super::open_connection(&path, true).ok().filter(writable);
                    }
                    let Some(conn) = conn.as_ref() else {
                        continue;
                    };
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    match done {
                        Ok((log, copied)) => {
                            let frames = |n: i64| u64::try_from(n).unwrap_or(0) & 0xFFFF_FFFF;
                            seen.store(frames(log) << 32 | frames(copied), Ordering::Release);
                        }
                        Err(e) if !checkpoint_busy(&e) => {
                            tracing::warn!(error = %e, "checkpoint failed");
                        }
                        Err(_) => {}
                    }
                }
            })
            .expect("the checkpoint thread starts");
        Checkpointer {
            signal,
            progress,
            thread: Some(thread),
        }
    }

    /// Whether the writer, having just committed with `frames` pages in the log, finishes the
    /// checkpoint itself: when the log is long and the checkpointer has copied all but a little
    /// of it (the next batch then starts the log again, short of a reader still in it), or when
    /// the log is far too long. A log that only grows costs the kernel a new page for every
    /// page written, and every reader a longer index to search.
    fn writer_finishes(progress: &AtomicU64, frames: i32) -> bool {
        if frames >= LOG_LIMIT {
            return true;
        }
        if frames < RESTART_AT {
            return false;
        }
        let seen = progress.load(Ordering::Acquire);
        let (log, copied) = ((seen >> 32) as i64, (seen & 0xFFFF_FFFF) as i64);
        // A checkpoint of a longer log was of the log before it restarted.
        let left = if log <= i64::from(frames) {
            i64::from(frames) - copied
        } else {
            i64::from(frames)
        };
        left <= i64::from(WRITER_COPIES_AT_MOST)
    }

    /// Stops the thread, after the checkpoint it may be doing.
    fn stop(mut self) {
        let _ = self.signal.send(false);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
