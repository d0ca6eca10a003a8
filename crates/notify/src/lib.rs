//! `notify` — delivery of the outbox (DESIGN principle 6): the channels to the outside world
//! behind traits ([`Mailer`] over SMTP with lettre, [`SmsGateway`] and [`WebhookSender`] over
//! HTTP with reqwest), the [`Worker`] that claims due messages and records each outcome (sent, or
//! a retry after a backoff, or dead), and the [`Scheduler`] that enqueues the daily digest.
//!
//! What a message says and who gets it is decided in `app` (`app::notices`, `app::digest`),
//! inside the transaction of the change it tells about; this crate only carries it. It is a leaf
//! of the dependency graph so its TLS and SMTP code never slows the crates others build on.

mod config;
mod email;
pub mod gateway;
pub mod identity;
pub mod national;
pub mod population;
mod sms;
mod tax;
mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use app::{App, AppError};
use chrono::{DateTime, Timelike, Utc};
use store::{Channel, StoredMessage};
use thiserror::Error;

pub use config::{
    NationalConfig, NotifyConfig, SmsConfig, SmtpConfig, TaxConfig, TlsMode, WebhookConfig,
};
pub use email::SmtpMailer;
pub use national::{HttpNationalPortal, NationalPortal};
pub use sms::HttpSmsGateway;
pub use tax::{HttpTaxAuthority, TAX_CODE_HEADER};
pub use webhook::{HttpWebhookSender, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};

/// Header carrying a message's idempotency key, so a receiver can drop a second delivery.
pub const DELIVERY_HEADER: &str = "X-MotCua-Delivery";

/// Lỗi gửi — why one attempt failed (kept as the message's last error).
#[derive(Debug, Error)]
pub enum SendError {
    #[error("địa chỉ không hợp lệ: {0}")]
    Address(String),
    #[error("máy chủ thư từ chối hoặc không kết nối được: {0}")]
    Smtp(String),
    #[error("không gửi được HTTP: {0}")]
    Http(String),
    #[error("bên nhận trả lời HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("kênh chưa được cấu hình: {0}")]
    NotConfigured(String),
    #[error("không lập được nội dung gửi: {0}")]
    Content(String),
    /// The receiver refused the content for good (it will never take it as it is).
    #[error("bên nhận từ chối nội dung: {0}")]
    Rejected(String),
}

/// A future of one attempt.
pub type Attempt<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Gửi thư điện tử.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, subject: &'a str, body: &'a str) -> Attempt<'a>;
}

/// Gửi tin nhắn SMS qua cổng nhắn tin.
pub trait SmsGateway: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, text: &'a str, key: &'a str) -> Attempt<'a>;
}

/// Gửi webhook đến nhóm trao đổi của một đơn vị.
pub trait WebhookSender: Send + Sync {
    /// Posts `body` (JSON) to the webhook of `agency`, signed at `at`.
    fn send<'a>(
        &'a self,
        agency: &'a str,
        body: &'a str,
        key: &'a str,
        at: DateTime<Utc>,
    ) -> Attempt<'a>;
}

/// Gửi dữ liệu biên lai đến cơ quan thuế.
pub trait TaxAuthority: Send + Sync {
    /// Posts the signed `xml` of `tax_code`'s receipt to the endpoint's `path`
    /// (`bien-lai`, `bien-lai/huy`).
    fn send<'a>(
        &'a self,
        path: &'a str,
        tax_code: &'a str,
        xml: Vec<u8>,
        key: &'a str,
    ) -> Attempt<'a>;
}

/// The configured channels; a missing one means that kind of message is not enqueued at all.
#[derive(Clone, Default)]
pub struct Channels {
    pub mailer: Option<Arc<dyn Mailer>>,
    pub sms: Option<Arc<dyn SmsGateway>>,
    pub webhooks: Option<Arc<dyn WebhookSender>>,
    pub tax: Option<Arc<dyn TaxAuthority>>,
    pub national: Option<Arc<dyn NationalPortal>>,
}

/// Installs ring as rustls' process-wide crypto provider (reqwest is built without one, to keep
/// aws-lc out of the build). Idempotent; call before building an HTTP client.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client for one adapter, with its time limit.
/// A refusal as the log and the admin see it: the status and the start of what was answered.
pub(crate) fn refusal(status: u16, body: &[u8]) -> String {
    format!(
        "HTTP {status}: {}",
        String::from_utf8_lossy(body)
            .chars()
            .take(200)
            .collect::<String>()
    )
}

pub(crate) fn http_client(timeout_seconds: u64) -> Result<reqwest::Client, SendError> {
    install_tls_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_seconds))
        .build()
        .map_err(|e| SendError::Http(e.to_string()))
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
}

/// Người gửi — takes due messages from the outbox and delivers them.
#[derive(Clone)]
pub struct Worker {
    app: App,
    channels: Channels,
    batch: u32,
}

impl Worker {
    pub fn new(app: App, channels: Channels) -> Self {
        Self {
            app,
            channels,
            batch: 50,
        }
    }

    /// Delivers every message due now, batch after batch; returns what happened. Failures are
    /// recorded on the messages (retry or dead), not returned; only a database error is.
    pub async fn deliver_due(&self) -> Result<Delivery, AppError> {
        let mut done = Delivery::default();
        loop {
            let batch = self.app.notices().claim_messages(self.batch).await?;
            if batch.is_empty() {
                return Ok(done);
            }
            for m in &batch {
                match self.attempt(m).await {
                    Ok(()) => {
                        self.app.notices().message_delivered(m).await?;
                        done.sent += 1;
                    }
                    Err(e @ SendError::Rejected(_)) => {
                        self.app
                            .notices()
                            .message_rejected(m, &e.to_string())
                            .await?;
                        done.failed += 1;
                    }
                    Err(e) => {
                        self.app.notices().message_failed(m, &e.to_string()).await?;
                        done.failed += 1;
                    }
                }
            }
        }
    }

    async fn attempt(&self, m: &StoredMessage) -> Result<(), SendError> {
        let missing = || SendError::NotConfigured(m.channel.label().to_string());
        match m.channel {
            Channel::Email => {
                let mailer = self.channels.mailer.as_ref().ok_or_else(missing)?;
                mailer.send(&m.recipient, &m.subject, &m.body).await
            }
            Channel::Sms => {
                let sms = self.channels.sms.as_ref().ok_or_else(missing)?;
                sms.send(&m.recipient, &m.body, &m.idempotency_key).await
            }
            Channel::Webhook => {
                let hooks = self.channels.webhooks.as_ref().ok_or_else(missing)?;
                hooks
                    .send(&m.recipient, &m.body, &m.idempotency_key, self.app.now())
                    .await
            }
            Channel::Tax => {
                let tax = self.channels.tax.as_ref().ok_or_else(missing)?;
                // The document is read (a cancellation signed) at delivery, from the dossier.
                let doc = self
                    .app
                    .tax_document(&m.body)
                    .await
                    .map_err(|e| SendError::Content(e.message))?;
                tax.send(
                    doc.action.path(),
                    &doc.tax_code,
                    doc.xml,
                    &m.idempotency_key,
                )
                .await
            }
            Channel::National if m.kind == app::feedback::NATIONAL_ANSWER => {
                let portal = self.channels.national.as_ref().ok_or_else(missing)?;
                portal
                    .post(
                        "TraLoiPhanAnh",
                        m.body.clone().into_bytes(),
                        &m.idempotency_key,
                    )
                    .await
            }
            Channel::National => {
                let portal = self.channels.national.as_ref().ok_or_else(missing)?;
                self.synchronise(portal.as_ref(), m).await
            }
        }
    }

    /// Delivers one national message: the files, then each call in order (see `app::national`).
    async fn synchronise(
        &self,
        portal: &dyn NationalPortal,
        m: &StoredMessage,
    ) -> Result<(), SendError> {
        let mut batch = self.app.national_batch(&m.body).await.map_err(|e| {
            if e.kind == app::ErrorKind::Rule {
                SendError::Rejected(e.message)
            } else {
                SendError::Content(e.message)
            }
        })?;
        let mut ids = std::collections::HashMap::new();
        for (i, f) in batch.files.iter().enumerate() {
            let id = portal
                .upload(f, &format!("{}:tep{i}", m.idempotency_key))
                .await?;
            ids.insert(f.sha256.clone(), id);
        }
        for (i, call) in batch.calls.iter_mut().enumerate() {
            call.set_file_ids(&ids);
            portal
                .post(
                    call.path(),
                    call.body(),
                    &format!("{}:{i}", m.idempotency_key),
                )
                .await?;
        }
        self.app
            .national_acknowledged(&batch)
            .await
            .map_err(|e| SendError::Content(e.message))
    }

    /// Delivers every `poll`, until `stop` resolves.
    pub fn run(self, poll: Duration, stop: impl Future<Output = ()> + Send + 'static) -> Running {
        Box::pin(self.delivering(poll, Box::pin(stop)))
    }

    async fn delivering(self, poll: Duration, mut stop: Stop) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!(error = %e, "outbox delivery failed");
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(poll) => {}
            }
        }
    }
}

/// A stop signal of [`Worker::run`] and [`Scheduler::run`].
type Stop = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// A running [`Worker`] or [`Scheduler`]: boxed here, so that its loop and everything it awaits
/// are compiled in this crate, not in the `motcua` binary that spawns it (an async function's
/// body is compiled where its future is polled, and the binary is built unoptimised).
pub type Running = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// The lease of the scheduled jobs, held by one server of a database at a time.
pub const SCHEDULER_LEASE: &str = "lich-viec-dinh-ky";

/// Lịch gửi tổng hợp — enqueues the daily digest once its hour has come, and, when the national
/// portal is configured, compares the day before with what the portal lists.
#[derive(Clone)]
pub struct Scheduler {
    app: App,
    /// The Vietnamese day whose digests this process has enqueued: later looks that day build
    /// nothing (a restart builds once more, and the idempotency keys drop the copies).
    done_on: Arc<std::sync::Mutex<Option<chrono::NaiveDate>>>,
    national: Option<Arc<dyn NationalPortal>>,
    /// The Vietnamese day on which yesterday was reconciled.
    reconciled_on: Arc<std::sync::Mutex<Option<chrono::NaiveDate>>>,
}

impl Scheduler {
    pub fn new(app: App) -> Self {
        Self {
            app,
            done_on: Arc::default(),
            national: None,
            reconciled_on: Arc::default(),
        }
    }

    /// Reconciles with the national portal daily, at the digest's hour.
    pub fn with_national(mut self, portal: Option<Arc<dyn NationalPortal>>) -> Self {
        self.national = portal;
        self
    }

    /// Đối soát: compares `day` with what the portal lists, and queues what it lost (see
    /// [`App::national_reconcile`]).
    pub async fn reconcile(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<app::national::Reconciliation, String> {
        let portal = self
            .national
            .as_ref()
            .ok_or("Chưa cấu hình Cổng Dịch vụ công quốc gia ([notify.national]).")?;
        let listed = portal.list(day).await.map_err(|e| e.to_string())?;
        self.app
            .national_reconcile(day, &listed)
            .await
            .map_err(|e| e.message)
    }

    /// Nhận hồ sơ từ Cổng: pulls what citizens submitted on the national portal for each
    /// centre with a confirmed identifier into its online queue, and tells the portal. Returns
    /// how many dossiers were opened; a submission that cannot be opened is left on the portal
    /// (and logged), to be pulled again.
    pub async fn pull_submissions(&self) -> Result<usize, String> {
        let portal = self
            .national
            .as_ref()
            .ok_or("Chưa cấu hình Cổng Dịch vụ công quốc gia ([notify.national]).")?;
        let mut opened = 0;
        for (centre, code) in self.app.national_centres() {
            let list = portal.submissions(&code).await.map_err(|e| e.to_string())?;
            for s in list {
                match self.take(portal.as_ref(), &centre, &s).await {
                    Ok(()) => opened += 1,
                    Err(e) => {
                        tracing::warn!(portal_id = %s.id, code = %s.code, error = %e, "a submission from the national portal was not taken")
                    }
                }
            }
        }
        Ok(opened)
    }

    /// Phản ánh, kiến nghị waiting on the national system: each received here once (its id kept),
    /// then confirmed there with our code; one for an agency not known here stays waiting.
    /// Returns how many were received.
    pub async fn pull_feedback(&self) -> Result<usize, String> {
        let portal = self
            .national
            .as_ref()
            .ok_or("Chưa cấu hình Cổng Dịch vụ công quốc gia ([notify.national]).")?;
        let mut received = 0;
        for p in portal.feedback().await.map_err(|e| e.to_string())? {
            match self.app.feedback().take_national(&p).await {
                Ok(f) => {
                    portal
                        .feedback_taken(&p.id, &f.code)
                        .await
                        .map_err(|e| e.to_string())?;
                    received += 1;
                }
                Err(e) => {
                    tracing::warn!(national_id = %p.id, error = %e.message, "a petition from the national feedback system was not received")
                }
            }
        }
        Ok(received)
    }

    async fn take(
        &self,
        portal: &dyn NationalPortal,
        centre: &domain::agency::AgencyId,
        s: &app::national::wire::CreateDossier,
    ) -> Result<(), String> {
        let mut files = Vec::new();
        for a in s.components.iter().flat_map(|c| c.files.iter()) {
            let content = portal.download(&a.id).await.map_err(|e| e.to_string())?;
            files.push(app::national::PortalFile {
                hash: a.hash.clone(),
                name: a.name.clone(),
                content,
            });
        }
        let d = self
            .app
            .take_portal_submission(centre, s, files)
            .await
            .map_err(|e| e.message)?;
        let taken = national::Taken {
            portal_id: s.id.clone(),
            dossier: d.id.0.to_string(),
            reference: d.code.to_string(),
        };
        portal.confirm(&taken).await.map_err(|e| e.to_string())
    }

    /// Reconciles yesterday once a day, from the digest's hour.
    async fn reconcile_yesterday(&self) {
        if self.national.is_none() {
            return;
        }
        let now = lich::time::to_vn(&self.app.now());
        let today = now.date_naive();
        if now.hour() < self.app.notices().settings().digest_hour
            || *self.reconciled_on.lock().expect("not poisoned") == Some(today)
        {
            return;
        }
        let Some(yesterday) = today.pred_opt() else {
            return;
        };
        match self.reconcile(yesterday).await {
            Ok(r) => {
                *self.reconciled_on.lock().expect("not poisoned") = Some(today);
                tracing::info!(day = %yesterday, differences = r.differences.len(), "national portal reconciled");
            }
            Err(e) => {
                tracing::warn!(day = %yesterday, error = %e, "national portal reconciliation failed; will try again")
            }
        }
    }

    /// One look at the clock: enqueues today's digests if due and not done yet today.
    pub async fn tick(&self) -> Result<app::digest::DigestRun, AppError> {
        let today = lich::time::to_vn(&self.app.now()).date_naive();
        if *self.done_on.lock().expect("not poisoned") == Some(today) {
            return Ok(app::digest::DigestRun::Done { enqueued: 0 });
        }
        let run = self.app.notices().enqueue_digests().await?;
        if matches!(run, app::digest::DigestRun::Done { .. }) {
            *self.done_on.lock().expect("not poisoned") = Some(today);
        }
        Ok(run)
    }

    /// Looks every `every`, until `stop` resolves — on one server of the database at a time:
    /// the one holding the lease [`SCHEDULER_LEASE`], renewed at each look and lapsing after
    /// three looks missed (a server that stopped or died is replaced within that time).
    pub fn run(self, every: Duration, stop: impl Future<Output = ()> + Send + 'static) -> Running {
        Box::pin(self.looking(every, Box::pin(stop)))
    }

    async fn looking(self, every: Duration, mut stop: Stop) {
        let mut held = None;
        loop {
            let holds = match self.app.hold_lease(SCHEDULER_LEASE, every * 3).await {
                Ok(holds) => holds,
                Err(e) => {
                    tracing::error!(error = %e, "the scheduler's lease could not be read");
                    false
                }
            };
            if held != Some(holds) {
                if holds {
                    tracing::info!(
                        server = self.app.server_id(),
                        "this server runs the scheduled jobs"
                    );
                } else {
                    tracing::info!("another server runs the scheduled jobs");
                }
                held = Some(holds);
            }
            if holds {
                self.look().await;
            }
            tokio::select! {
                () = &mut stop => {
                    if holds {
                        self.app.release_lease(SCHEDULER_LEASE).await;
                    }
                    return;
                }
                () = tokio::time::sleep(every) => {}
            }
        }
    }

    /// The scheduled jobs, each once per look: digests, reconciliation and what the national
    /// portal sent, booking reminders, online payments left pending.
    async fn look(&self) {
        if let Err(e) = self.tick().await {
            tracing::error!(error = %e, "daily digest failed");
        }
        self.reconcile_yesterday().await;
        if self.national.is_some() {
            match self.pull_submissions().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(opened = n, "submissions taken from the national portal")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "submissions could not be read from the national portal")
                }
            }
        }
        if self.national.is_some() {
            match self.pull_feedback().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(received = n, "feedback taken from the national system")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "feedback could not be read from the national system")
                }
            }
        }
        // Bookings of the next 24 hours are reminded (once each).
        match self.app.queue().send_reminders().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "booking reminders enqueued"),
            Err(e) => tracing::error!(error = %e, "booking reminders failed"),
        }
        // Online payments whose callbacks were lost: the gateway is asked how they stand.
        match self.app.reconcile_online_payments().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(settled = n, "online payments settled by status query"),
            Err(e) => tracing::error!(error = %e, "online payment status queries failed"),
        }
    }
}
