//! Tình trạng hệ thống — whether this server can read and write its database now, for a load
//! balancer (`/healthz`, `/readyz`), the start-up warnings and the operator. Looked at most
//! once every [`FRESH_FOR`] whatever the number of callers: a probe is one small read and one
//! small committed write.

use std::time::{Duration, Instant};

use crate::{App, AppError};

/// How long a look stays good.
const FRESH_FOR: Duration = Duration::from_secs(2);

/// What a look found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// Why reads fail, if they do.
    pub reads: Option<String>,
    /// Why writes fail, if they do.
    pub writes: Option<String>,
    /// The database's disk, when it is on this machine.
    pub disk: Option<store::DiskSpace>,
    /// When that disk counts as nearly full.
    pub low_disk: store::LowDisk,
}

impl Health {
    /// Reads work: the server is of use (lookups, lists, existing sessions).
    pub fn live(&self) -> bool {
        self.reads.is_none()
    }

    /// Reads and writes work and the disk has room: send it everything.
    pub fn ready(&self) -> bool {
        self.reads.is_none()
            && self.writes.is_none()
            && !self.disk.is_some_and(|d| d.low(self.low_disk))
    }

    /// What is wrong, in Vietnamese, for the operator and the load balancer's log; `None` when
    /// all is well.
    pub fn problem(&self) -> Option<String> {
        let mut said = Vec::new();
        if let Some(why) = &self.reads {
            said.push(format!("không đọc được cơ sở dữ liệu: {why}"));
        }
        if let Some(why) = &self.writes {
            said.push(format!("không ghi được cơ sở dữ liệu: {why}"));
        }
        if let Some(d) = self.disk.filter(|d| d.low(self.low_disk)) {
            said.push(format!(
                "ổ đĩa chứa cơ sở dữ liệu sắp đầy: còn {} MB trên {} MB",
                d.free / 1_048_576,
                d.total / 1_048_576
            ));
        }
        (!said.is_empty()).then(|| said.join("; "))
    }
}

/// The last look, shared by the callers.
#[derive(Default)]
pub(crate) struct Looks(tokio::sync::Mutex<Option<(Instant, Health)>>);

impl App {
    /// How the database is now (a look at most [`FRESH_FOR`] old).
    pub async fn health(&self) -> Health {
        let mut last = self.looks.0.lock().await;
        if let Some((at, h)) = last.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return h.clone();
        }
        let h = self.look().await;
        *last = Some((Instant::now(), h.clone()));
        h
    }

    async fn look(&self) -> Health {
        let why = |e: store::StoreError| match e {
            store::StoreError::Unwritable(why) => why,
            other => AppError::from(other).message,
        };
        let reads = self.db.ping().await.err().map(why);
        let writes = match reads {
            Some(_) => Some("cơ sở dữ liệu không đọc được".to_string()),
            None => self
                .db
                .probe_write(self.now().timestamp_millis())
                .await
                .err()
                .map(why),
        };
        Health {
            reads,
            writes,
            disk: self.db.disk_space(),
            low_disk: self.settings.low_disk,
        }
    }
}
