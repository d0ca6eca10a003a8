//! Cụm máy chủ — several `motcua serve` on one database (PostgreSQL): the jobs that run once
//! across them, and what one server tells the others.
//!
//! Each server keeps some things in memory (the agency tree, the administrative units, the
//! catalogue in force, the closures) and tells the display boards connected to it of each call.
//! A change made through one server is signalled to every other ([`Signal`]); each reloads what
//! it keeps, or tells its own boards. On SQLite a database has one server and nothing is sent.

use std::time::Duration;

use domain::agency::AgencyId;
use serde::{Deserialize, Serialize};

use crate::queue::Call;
use crate::{App, AppError};

/// What changed, as one server tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// Số gọi — a ticket was called, or a centre's queue moved.
    Board {
        centre: AgencyId,
        call: Option<Call>,
    },
    /// Cơ quan, đơn vị — the agency tree changed.
    Agencies,
    /// Đơn vị hành chính — the administrative units were imported again.
    Units,
    /// Danh mục thủ tục — procedures were imported or changed.
    Catalog,
    /// Ngày nghỉ đột xuất — a closure was declared or withdrawn.
    Closures,
}

/// A signal and the server that sent it.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    from: String,
    #[serde(flatten)]
    signal: Signal,
}

impl App {
    /// This server, among those of its database: a name of its own for its process (host,
    /// process id and a random part), shown as a lease's holder.
    pub fn server_id(&self) -> &str {
        &self.server_id
    }

    /// Takes or renews the cluster-wide lease of `job` for `lasting`: true when this server
    /// holds it and may run the job now.
    pub async fn hold_lease(&self, job: &str, lasting: Duration) -> Result<bool, AppError> {
        let now = self.now().timestamp_millis();
        let until = now.saturating_add(i64::try_from(lasting.as_millis()).unwrap_or(i64::MAX));
        Ok(self.db.hold_lease(job, &self.server_id, now, until).await?)
    }

    /// Gives `job`'s lease up (on stopping), so another server takes it at once.
    pub async fn release_lease(&self, job: &str) {
        if let Err(e) = self.db.release_lease(job, &self.server_id).await {
            tracing::warn!(job, error = %e, "the lease was not given up; it lapses by itself");
        }
    }

    /// Tells the other servers of this database; a failure is logged, not the caller's (the
    /// change itself is written, and the others catch up at their next reload or restart).
    pub(crate) async fn tell_servers(&self, signal: Signal) {
        let payload = serde_json::to_string(&Envelope {
            from: self.server_id.clone(),
            signal,
        })
        .expect("signals serialise");
        if let Err(e) = self.db.signal(&payload).await {
            tracing::warn!(error = %e, "the other servers were not told of a change");
        }
    }

    /// Follows what the other servers tell, until `stop` resolves: reloads what this server
    /// keeps in memory, tells its boards of calls made elsewhere. Returns at once when the
    /// database has one server.
    pub async fn follow_servers(self, stop: impl std::future::Future<Output = ()>) {
        let mut signals = match self.db.signals().await {
            Ok(Some(rx)) => rx,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot hear the other servers: boards and reloads stay local");
                return;
            }
        };
        tokio::pin!(stop);
        loop {
            let payload = tokio::select! {
                () = &mut stop => return,
                p = signals.recv() => match p {
                    Some(p) => p,
                    None => return,
                },
            };
            let Ok(envelope) = serde_json::from_str::<Envelope>(&payload) else {
                tracing::warn!("a signal from another server could not be read");
                continue;
            };
            if envelope.from == self.server_id {
                continue;
            }
            if let Err(e) = self.heard(envelope.signal).await {
                tracing::warn!(error = %e.message, "a change told by another server was not applied");
            }
        }
    }

    async fn heard(&self, signal: Signal) -> Result<(), AppError> {
        match signal {
            Signal::Board { centre, call } => self.queue().show(&centre, call).await,
            Signal::Agencies => self.admin().load_agencies().await?,
            Signal::Units => self.forget_units(),
            Signal::Catalog => self.forget_catalog(),
            Signal::Closures => self.admin().load_closures().await?,
        }
        Ok(())
    }
}

/// A name for this process among the servers of a database.
pub(crate) fn server_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "may-chu".into());
    let mut random = [0u8; 4];
    let _ = getrandom::fill(&mut random);
    format!("{host}-{}-{}", std::process::id(), hex::encode(random))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_read_back_as_sent() {
        for signal in [
            Signal::Board {
                centre: AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap(),
                call: Some(Call {
                    ticket: "0007".into(),
                    counter: 3,
                    area: "Hộ tịch".into(),
                    at_ms: 1,
                }),
            },
            Signal::Agencies,
            Signal::Closures,
        ] {
            let text = serde_json::to_string(&Envelope {
                from: "a".into(),
                signal: signal.clone(),
            })
            .unwrap();
            assert!(text.len() < store::SIGNAL_LIMIT);
            let back: Envelope = serde_json::from_str(&text).unwrap();
            assert_eq!(back.signal, signal);
        }
    }
}
