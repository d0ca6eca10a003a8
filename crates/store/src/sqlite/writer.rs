//! Ghi theo lô — one thread owns the connection that writes, and commits whatever is queued in
//! one transaction.
//!
//! SQLite has one writer at a time. A request's write is a job sent to this thread: the only
//! hand-off between threads is the job and its answer, however many statements it runs (the
//! statements themselves are prepared once and cached on the connection). The thread takes
//! what is waiting (up to [`MAX_BATCH`] jobs), opens one transaction, runs each job in a
//! savepoint, and commits once; a caller hears back only after that commit.
//!
//! A job either writes (answered with the commit's outcome) or refuses — a version conflict, a
//! refusal by the rules — and is rolled back to its savepoint, so a refused job writes nothing
//! (a number it took goes back with it), whatever the batch does. A database error in a job is
//! that job's failure alone; if the commit itself fails, every job of the batch is told that
//! nothing was written.

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// Most jobs in one transaction: enough to amortise the commit, small enough that the first
/// caller in a batch does not wait long for the last.
pub(crate) const MAX_BATCH: usize = 64;

/// What a job did, with the value its caller gets.
pub(crate) enum Written<T> {
    /// Wrote; the value is given once the batch commits.
    Yes(T),
    /// Wrote nothing (rolled back to its savepoint); the value is given at once.
    No(T),
}

type Answer = Box<dyn FnOnce(Result<()>) + Send>;

/// How a job ended before the commit.
enum Ran {
    Wrote(Answer),
    /// Refused or failed: rolled back, answered now.
    RolledBack(Box<dyn FnOnce() + Send>),
}

/// A write run inside a batch's transaction, or told it could not run.
trait BatchJob: Send {
    fn run(self: Box<Self>, conn: &Connection) -> Ran;
    fn abandon(self: Box<Self>, e: StoreError);
}

struct FnJob<T, F> {
    f: F,
    answer: oneshot::Sender<Result<T>>,
}

impl<T, F> BatchJob for FnJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<Written<T>> + Send,
{
    fn run(self: Box<Self>, conn: &Connection) -> Ran {
        let FnJob { f, answer } = *self;
        match f(conn) {
            Ok(Written::Yes(value)) => Ran::Wrote(Box::new(move |committed| {
                let _ = answer.send(committed.map(|()| value));
            })),
            Ok(Written::No(value)) => Ran::RolledBack(Box::new(move || {
                let _ = answer.send(Ok(value));
            })),
            Err(e) => Ran::RolledBack(Box::new(move || {
                let _ = answer.send(Err(e));
            })),
        }
    }

    fn abandon(self: Box<Self>, e: StoreError) {
        let _ = self.answer.send(Err(e));
    }
}

/// A unit of work for the writer.
enum Job {
    /// Runs inside the batch's transaction, in a savepoint.
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
}

fn closed() -> StoreError {
    StoreError::Unavailable("cơ sở dữ liệu đã đóng".into())
}

fn batch_failed(cause: &StoreError) -> StoreError {
    StoreError::Unavailable(format!(
        "lỗi khi ghi ({cause}); thao tác chưa được thực hiện, hãy thử lại"
    ))
}

impl Writer {
    /// Starts the writer thread with its connection.
    pub(crate) fn start(conn: Connection) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("motcua-writer".into())
            .spawn(move || run(conn, rx))
            .expect("the writer thread starts");
        Self { queue }
    }

    /// Queues a job that writes in the batch's transaction: `f` returns what it did, or an
    /// error (a conflict or a database error), after which its statements are rolled back.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<Written<T>> + Send + 'static,
    ) -> Result<T> {
        let (answer, rx) = oneshot::channel::<Result<T>>();
        let job = Job::Batched(Box::new(FnJob { f, answer }));
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

    /// Finishes the queued jobs and closes the connection.
    pub(crate) async fn close(&self) {
        let (done, rx) = oneshot::channel();
        if self.queue.send(Job::Close(done)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Job>) {
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
                f(&mut conn);
                continue;
            }
            Job::Close(done) => {
                if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
                    tracing::warn!(error = %e, "checkpoint at close failed");
                }
                drop(conn);
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
        commit_batch(&conn, &mut batch);
    }
}

fn commit_batch(conn: &Connection, batch: &mut Vec<Box<dyn BatchJob>>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let e = batch_failed(&super::db_error(e));
        tracing::error!(error = %e, "a batch could not begin");
        for job in batch.drain(..) {
            job.abandon(e.clone());
        }
        return;
    }
    let mut wrote: Vec<Answer> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            job.abandon(batch_failed(&super::db_error(e)));
            continue;
        }
        match job.run(conn) {
            Ran::Wrote(answer) => match conn.execute_batch("RELEASE job") {
                Ok(()) => wrote.push(answer),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                    answer(Err(batch_failed(&super::db_error(e))));
                }
            },
            Ran::RolledBack(answer) => {
                if let Err(e) = conn.execute_batch("ROLLBACK TO job; RELEASE job") {
                    tracing::error!(error = %e, "rollback to savepoint failed");
                }
                answer();
            }
        }
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => wrote.into_iter().for_each(|answer| answer(Ok(()))),
        Err(e) => {
            let e = super::db_error(e);
            tracing::error!(error = %e, "a batch could not commit");
            if let Err(r) = conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %r, "rollback failed");
            }
            for answer in wrote {
                answer(Err(batch_failed(&e)));
            }
        }
    }
}
