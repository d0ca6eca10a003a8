//! Several servers on one PostgreSQL database: leases as rows renewed before they lapse, and
//! signals through `NOTIFY motcua` heard on a connection of their own.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

use super::{Postgres, db_error, unavailable};
use crate::{Result, SIGNAL_LIMIT, StoreError};

/// The channel every server listens on.
const CHANNEL: &str = "motcua";

#[async_trait::async_trait]
impl crate::ClusterStore for Postgres {
    async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool> {
        // The row is locked by the upsert: of two servers asking at once, one waits and then
        // finds the lease held.
        let row = self
            .client()
            .await?
            .query_opt(
                "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $4) \
                 ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until_ms = EXCLUDED.until_ms \
                 WHERE leases.holder = EXCLUDED.holder OR leases.until_ms < $3 \
                 RETURNING holder",
                &[&name, &holder, &now_ms, &until_ms],
            )
            .await
            .map_err(db_error)?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM leases WHERE name = $1 AND holder = $2",
                &[&name, &holder],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn signal(&self, payload: &str) -> Result<()> {
        if payload.len() > SIGNAL_LIMIT {
            return Err(StoreError::Db(format!(
                "tín hiệu dài {} byte, quá {SIGNAL_LIMIT}",
                payload.len()
            )));
        }
        self.client()
            .await?
            .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn signals(&self) -> Result<Option<mpsc::Receiver<String>>> {
        let (tx, rx) = mpsc::channel(1024);
        // The first connection is made here, so that a failure is the caller's to report.
        let first = listen(&self.config).await?;
        let config = self.config.clone();
        tokio::spawn(async move {
            let mut heard = Some(first);
            loop {
                if let Some(heard) = heard.take() {
                    relay(heard, &tx).await;
                }
                if tx.is_closed() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                match listen(&config).await {
                    Ok(h) => {
                        tracing::info!("listening to the other servers again");
                        heard = Some(h);
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen to the other servers"),
                }
            }
        });
        Ok(Some(rx))
    }
}

/// A connection listening on [`CHANNEL`]: its client (kept open) and what it hears.
struct Heard {
    _client: tokio_postgres::Client,
    payloads: mpsc::UnboundedReceiver<String>,
}

async fn listen(config: &tokio_postgres::Config) -> Result<Heard> {
    let (client, mut connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(unavailable)?;
    let (tx, payloads) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if tx.send(n.payload().to_string()).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "the connection listening to the other servers failed");
                    return;
                }
                None => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(db_error)?;
    Ok(Heard {
        _client: client,
        payloads,
    })
}

/// Passes on what a connection hears until it closes, or nobody follows any more.
async fn relay(mut heard: Heard, tx: &mpsc::Sender<String>) {
    while let Some(p) = heard.payloads.recv().await {
        if tx.send(p).await.is_err() {
            return;
        }
    }
}
