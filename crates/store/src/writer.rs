//! Ghi theo lô — group commit for dossier changes on SQLite.
//!
//! SQLite has one writer at a time, and every statement through sqlx is a hand-off to the
//! connection's thread. Under load, a transaction per request spends most of its time waiting for
//! the connection and for those hand-offs. So dossier writes are queued to one task that takes
//! whatever is waiting (up to [`MAX_BATCH`]), runs each job's few statements inside one
//! transaction and commits once; each caller hears back only after that commit.
//!
//! A job either writes (and is answered with the commit's outcome) or refuses before writing
//! anything (a version conflict, a refusal by the rules): its own answer, untouched by the batch.
//! A database error inside any job rolls the whole batch back and every caller in it is told
//! that nothing was written.

use std::future::Future;
use std::pin::Pin;

use sqlx::SqliteConnection;
use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// Most jobs in one transaction: enough to amortise the commit, small enough that the first
/// caller in a batch does not wait long for the last.
const MAX_BATCH: usize = 64;

/// Answers a caller once the batch's outcome is known.
type Answer = Box<dyn FnOnce(Result<()>) + Send>;
/// Answers a caller whose job failed, with its own error.
type FailureAnswer = Box<dyn FnOnce(StoreError) + Send>;

/// How a job ended before the commit.
pub(crate) enum Ran {
    /// Wrote; answer with the commit's outcome.
    Wrote(Answer),
    /// Refused without writing; answered as is, whatever the batch does.
    Refused(Box<dyn FnOnce() + Send>),
    /// A database error: the batch is rolled back.
    Failed(StoreError, FailureAnswer),
}

/// What a job did, with the value its caller gets.
pub(crate) enum Written<T> {
    /// Wrote; the value is given once the batch commits.
    Yes(T),
    /// Wrote nothing; the value is given at once.
    No(T),
}

/// How a job's outcome is answered: a version conflict is a refusal (nothing written), any other
/// database error fails the batch.
pub(crate) fn conclude<T: Send + 'static>(
    outcome: Result<Written<T>>,
    answer: oneshot::Sender<Result<T>>,
) -> Ran {
    match outcome {
        Ok(Written::Yes(value)) => Ran::Wrote(Box::new(move |committed| {
            let _ = answer.send(committed.map(|()| value));
        })),
        Ok(Written::No(value)) => Ran::Refused(Box::new(move || {
            let _ = answer.send(Ok(value));
        })),
        Err(conflict @ StoreError::Conflict { .. }) => Ran::Refused(Box::new(move || {
            let _ = answer.send(Err(conflict));
        })),
        Err(e) => Ran::Failed(
            e,
            Box::new(move |e| {
                let _ = answer.send(Err(e));
            }),
        ),
    }
}

pub(crate) type JobFuture<'c> = Pin<Box<dyn Future<Output = Ran> + Send + 'c>>;

/// A unit of work queued to the writer.
pub(crate) trait Job: Send {
    fn run(self: Box<Self>, conn: &mut SqliteConnection) -> JobFuture<'_>;
    /// Answers without running (the batch could not start).
    fn abandon(self: Box<Self>, error: StoreError);
}

/// The queue to the writer task.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, rx));
        Self { queue }
    }

    /// Queues a job and waits for its answer on `rx`.
    pub(crate) async fn submit<T>(
        &self,
        job: Box<dyn Job>,
        rx: oneshot::Receiver<Result<T>>,
    ) -> Result<T> {
        if self.queue.send(job).await.is_err() {
            return Err(closed());
        }
        rx.await.unwrap_or_else(|_| Err(closed()))
    }
}

fn closed() -> StoreError {
    StoreError::Unavailable("cơ sở dữ liệu đã đóng".into())
}

fn batch_failed(cause: &StoreError) -> StoreError {
    StoreError::Unavailable(format!(
        "lỗi khi ghi ({cause}); thao tác chưa được thực hiện, hãy thử lại"
    ))
}

async fn run(pool: SqlitePool, mut rx: mpsc::Receiver<Box<dyn Job>>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                let e = StoreError::from(e);
                for job in batch.drain(..) {
                    job.abandon(batch_failed(&e));
                }
                continue;
            }
        };
        if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
            let e = StoreError::from(e);
            for job in batch.drain(..) {
                job.abandon(batch_failed(&e));
            }
            continue;
        }
        let mut written = Vec::with_capacity(batch.len());
        let mut failure: Option<(StoreError, FailureAnswer)> = None;
        let mut pending = batch.drain(..);
        for job in pending.by_ref() {
            match job.run(&mut conn).await {
                Ran::Wrote(answer) => written.push(answer),
                Ran::Refused(answer) => answer(),
                Ran::Failed(e, answer) => {
                    failure = Some((e, answer));
                    break;
                }
            }
        }
        match failure {
            None => {
                let committed = sqlx::query("COMMIT").execute(&mut *conn).await;
                match committed {
                    Ok(_) => written.into_iter().for_each(|answer| answer(Ok(()))),
                    Err(e) => {
                        let e = StoreError::from(e);
                        rollback(&mut conn).await;
                        for answer in written {
                            answer(Err(batch_failed(&e)));
                        }
                    }
                }
            }
            Some((e, answer)) => {
                rollback(&mut conn).await;
                for other in written {
                    other(Err(batch_failed(&e)));
                }
                for job in pending {
                    job.abandon(batch_failed(&e));
                }
                answer(e);
            }
        }
    }
}

async fn rollback(conn: &mut SqliteConnection) {
    if let Err(e) = sqlx::query("ROLLBACK").execute(conn).await {
        tracing::error!(error = %e, "rollback failed");
    }
}
