//! Thông báo — what the outside world is told, and how the outbox is kept: the applicant hears of
//! every change of their dossier's status (e-mail, SMS), written in the same transaction as the
//! change; the delivery worker's bookkeeping (claim, sent, retry with backoff, dead); and the
//! administrator's view of failed messages. The wording lives here, not in SQL or the adapters.

use chrono::{DateTime, Duration, Utc};
use domain::agency::{AgencyId, AgencyTree};
use domain::dossier::{Dossier, Event, NationalStatus, Outcome, Recorded, Stage, SupplementItem};
use domain::officer::Actor;
use domain::policy::{self, Action};
use lich::time::to_vn;
use store::{LogEntry, NewMessage};

pub use store::{Channel, MessageState, OutboxCounts, StoredMessage};

use crate::Notices;
use crate::{App, AppError};

/// Kind of the message telling an applicant about their dossier.
pub const STATUS_CHANGE: &str = "status-change";

/// Cấu hình thông báo — which channels exist and how delivery is retried.
#[derive(Debug, Clone)]
pub struct NoticeSettings {
    /// An SMTP server is configured: e-mails are enqueued.
    pub email: bool,
    /// An SMS gateway is configured: SMS are enqueued.
    pub sms: bool,
    /// Agencies whose chat group has a webhook (the unit's daily digest goes there).
    pub webhooks: Vec<AgencyId>,
    /// The tax authority's receiving endpoint is configured: signed and cancelled electronic
    /// receipts are sent to it.
    pub tax: bool,
    /// The national public-service portal is configured: every dossier change is synchronised
    /// to it (`crate::national`).
    pub national: bool,
    /// The address people open the system at, for links in messages (no trailing slash).
    pub public_url: String,
    /// Hour (Vietnamese time, 0–23) of the daily digest.
    pub digest_hour: u32,
    /// Attempts before a message is dead.
    pub max_attempts: u32,
    /// Wait after the 1st, 2nd, … failed attempt; the last one repeats.
    pub backoff: Vec<Duration>,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            email: false,
            sms: false,
            webhooks: Vec::new(),
            tax: false,
            national: false,
            public_url: "http://127.0.0.1:8080".into(),
            digest_hour: 7,
            max_attempts: 6,
            backoff: [1, 5, 30, 120, 720]
                .into_iter()
                .map(Duration::minutes)
                .collect(),
        }
    }
}

impl NoticeSettings {
    /// The wait before the next attempt after `failed` failed attempts (1 for the first).
    pub fn backoff_after(&self, failed: u32) -> Duration {
        let i = (failed.max(1) - 1) as usize;
        self.backoff
            .get(i)
            .or(self.backoff.last())
            .copied()
            .unwrap_or_else(|| Duration::minutes(1))
    }

    /// The applicant's own page of a dossier (its receipts, its payment), after signing in.
    pub fn my_dossier_link(&self, code: &str) -> String {
        format!(
            "{}/ho-so-cua-toi/{code}",
            self.public_url.trim_end_matches('/')
        )
    }

    /// The public lookup page of a dossier.
    pub fn lookup_link(&self, code: &str) -> String {
        format!(
            "{}/tra-cuu?ma={code}",
            self.public_url.trim_end_matches('/')
        )
    }
}

/// How long a claimed message is held by one worker before another may try it.
const LEASE_MINUTES: i64 = 10;

/// "14:05, 23/11/2026" in Vietnamese time.
pub fn vn_time(t: DateTime<Utc>) -> String {
    to_vn(&t).format("%H:%M, %d/%m/%Y").to_string()
}

/// What a change means to the applicant, if anything.
struct Notice {
    subject: String,
    headline: String,
    reason: Option<String>,
    items: Vec<String>,
    appointment: Option<DateTime<Utc>>,
}

/// The reason and the items given by the events of this change.
fn reason_of(events: &[Recorded]) -> (Option<String>, Vec<String>) {
    let texts = |items: &[SupplementItem]| items.iter().map(|i| i.text.clone()).collect();
    for r in events.iter().rev() {
        match &r.event {
            Event::RefusedAtIntake { reason, .. }
            | Event::PauseStarted { reason, .. }
            | Event::Stopped { reason, .. }
            | Event::ResultRevoked { reason, .. }
            | Event::WithdrawalRequested { reason }
            | Event::Apologized { reason, .. } => return (Some(reason.clone()), Vec::new()),
            Event::Decided {
                outcome: Outcome::Refused,
                reason,
                ..
            } => return (Some(reason.clone()), Vec::new()),
            Event::IntakeSupplementRequested { items, reason }
            | Event::SupplementRequested { items, reason, .. } => {
                return (Some(reason.clone()), texts(items));
            }
            _ => {}
        }
    }
    (None, Vec::new())
}

/// Decides whether the applicant is told, and what. A change the applicant does not see (a
/// transfer between units, an assignment, a note) tells nothing; a new status, an apology with
/// a new date, or the opening itself does.
fn notice(before: Option<NationalStatus>, after: &Dossier, events: &[Recorded]) -> Option<Notice> {
    use NationalStatus as S;
    let now = after.stage.national_status();
    let (reason, items) = reason_of(events);
    let apologized = events
        .iter()
        .any(|r| matches!(r.event, Event::Apologized { .. }));
    let code = after.code.as_str();
    // A revoked electronic result changes no status, but its holder must know it is void.
    if events
        .iter()
        .any(|r| matches!(r.event, Event::ResultRevoked { .. }))
    {
        return Some(Notice {
            subject: format!("Hồ sơ {code}: kết quả điện tử bị thu hồi"),
            headline: "Cơ quan giải quyết đã thu hồi kết quả điện tử của hồ sơ; văn bản điện tử đã nhận không còn giá trị.".into(),
            reason,
            items,
            appointment: None,
        });
    }
    if apologized {
        return Some(Notice {
            subject: format!("Hồ sơ {code}: hẹn lại ngày trả kết quả"),
            headline: "Cơ quan giải quyết xin lỗi ông/bà vì hồ sơ chưa giải quyết xong đúng hẹn và hẹn lại ngày trả kết quả.".into(),
            reason,
            items,
            appointment: after.appointment,
        });
    }
    if before == Some(now) {
        return None;
    }
    let headline = match (before, now) {
        // Moving from the centre to the handling unit is internal.
        (Some(S::Received), S::InProgress) => return None,
        (_, S::NewlyRegistered) => {
            "Hồ sơ nộp trực tuyến đã được ghi nhận và đang chờ Bộ phận Một cửa kiểm tra."
        }
        (_, S::Received) => "Hồ sơ đã được tiếp nhận.",
        (_, S::NotReceived) => "Hồ sơ không được tiếp nhận.",
        (_, S::InProgress) => "Hồ sơ tiếp tục được giải quyết.",
        (_, S::SupplementRequested) => {
            "Cơ quan giải quyết đề nghị ông/bà bổ sung, hoàn thiện hồ sơ."
        }
        (_, S::FinancialObligation) => {
            "Đề nghị ông/bà thực hiện nghĩa vụ tài chính để hồ sơ tiếp tục được giải quyết."
        }
        (_, S::WithdrawalRequested) => "Đã nhận yêu cầu rút hồ sơ của ông/bà.",
        (_, S::Stopped) => "Hồ sơ đã dừng giải quyết.",
        (_, S::Done) => match after.decision.as_ref().map(|d| d.outcome) {
            Some(Outcome::Refused) => "Hồ sơ bị từ chối giải quyết.",
            _ => "Hồ sơ đã có kết quả giải quyết; mời ông/bà nhận kết quả.",
        },
        (_, S::Returned) => "Kết quả giải quyết hồ sơ đã được trả.",
    };
    let appointment = match after.stage {
        Stage::Received
        | Stage::InProgress
        | Stage::ResultReady
        | Stage::AwaitingFinancialObligation => after.appointment,
        _ => None,
    };
    Some(Notice {
        subject: format!("Hồ sơ {code}: {}", now.label()),
        headline: headline.into(),
        reason,
        items,
        appointment,
    })
}

/// What the notices of a change need: the settings, and the key of the access codes the
/// first notice of a dossier carries.
#[derive(Clone)]
pub(crate) struct Teller {
    pub settings: NoticeSettings,
    pub access_key: std::sync::Arc<[u8]>,
}

impl App {
    pub(crate) fn teller(&self) -> Teller {
        Teller {
            settings: self.settings.notices.clone(),
            access_key: self.keys.access.clone(),
        }
    }
}

/// The messages telling the applicant of a change (none when the change means nothing to them,
/// or they left no address, or the channel is not configured). The notice of an opening or a
/// reception carries the dossier's access code, as the receipt does.
pub(crate) fn status_messages(
    teller: &Teller,
    tree: &AgencyTree,
    before: Option<NationalStatus>,
    after: &Dossier,
    events: &[Recorded],
) -> Vec<NewMessage> {
    let settings = &teller.settings;
    let Some(n) = notice(before, after, events) else {
        return Vec::new();
    };
    let access = (before.is_none()
        || events
            .iter()
            .any(|r| matches!(r.event, Event::Received { .. })))
    .then(|| crate::access::access_code_of(&teller.access_key, after.id));
    let code = after.code.as_str();
    let link = settings.lookup_link(code);
    let status = after.stage.national_status().label();
    let agency = tree.name_of(&after.receiving);
    let version = events.last().map_or(after.version, |e| e.version);
    let key = |channel: Channel| format!("status:{}:{version}:{}", after.id, channel.as_str());
    let mut out = Vec::new();
    if settings.email
        && let Some(email) = after.applicant.email()
    {
        let mut body = format!(
            "Kính gửi: {}\n\n{}\n\nMã hồ sơ: {code}\nThủ tục: {}\nTrạng thái: {status}\n",
            after.applicant.display_name(),
            n.headline,
            after.procedure.name,
        );
        if let Some(a) = &access {
            body.push_str(&format!(
                "Mã bảo mật: {a} (cùng mã hồ sơ, dùng để theo dõi, nộp bổ sung hồ sơ trên Cổng; không cung cấp cho người khác)\n"
            ));
        }
        if let Some(r) = &n.reason {
            body.push_str(&format!("Lý do: {r}\n"));
        }
        if !n.items.is_empty() {
            body.push_str("Giấy tờ cần bổ sung, hoàn thiện:\n");
            for i in &n.items {
                body.push_str(&format!("  - {i}\n"));
            }
        }
        if let Some(a) = n.appointment {
            body.push_str(&format!("Hẹn trả kết quả: {}\n", vn_time(a)));
        }
        body.push_str(&format!(
            "Tra cứu hồ sơ: {link}\n\n{agency}\n\
             (Thư được gửi tự động từ hệ thống Một Cửa, xin ông/bà không trả lời thư này.)\n"
        ));
        out.push(NewMessage {
            kind: STATUS_CHANGE.into(),
            channel: Channel::Email,
            recipient: email.as_str().to_string(),
            subject: n.subject.clone(),
            body,
            idempotency_key: key(Channel::Email),
            dossier: Some(after.id.0),
        });
    }
    if settings.sms
        && let Some(phone) = after.applicant.phone()
    {
        let mut text = format!("Hồ sơ {code}: {status}.");
        if let Some(a) = n.appointment {
            text.push_str(&format!(" Hẹn trả: {}.", vn_time(a)));
        }
        if let Some(a) = &access {
            text.push_str(&format!(" Mã bảo mật: {a}."));
        }
        text.push_str(&format!(" Tra cứu: {link}"));
        out.push(NewMessage {
            kind: STATUS_CHANGE.into(),
            channel: Channel::Sms,
            recipient: phone.as_str().to_string(),
            subject: n.subject,
            body: text,
            idempotency_key: key(Channel::Sms),
            dossier: Some(after.id.0),
        });
    }
    out
}

/// Kind of the message giving the payer their electronic receipt.
pub const RECEIPT: &str = "receipt";

/// The messages of a change's receipts: to the payer, the link to each receipt signed (by e-mail
/// and SMS, where the applicant left an address and the channel is configured); to the tax
/// authority, each receipt signed or withdrawn (when it is configured).
pub(crate) fn receipt_messages(
    teller: &Teller,
    tree: &AgencyTree,
    after: &Dossier,
    events: &[Recorded],
) -> Vec<NewMessage> {
    let settings = &teller.settings;
    let mut out = Vec::new();
    if settings.tax {
        out.extend(crate::receipts::tax_messages(after, events));
    }
    let code = after.code.as_str();
    let link = settings.my_dossier_link(code);
    for e in events {
        let Event::ReceiptSigned { receipt, .. } = &e.event else {
            continue;
        };
        let Some(r) = after.receipt(receipt).filter(|r| r.cancelled.is_none()) else {
            continue;
        };
        let amount = format!("{} đồng", vntext::money::figures(r.amount));
        let key = |channel: Channel| {
            format!(
                "receipt:{}:{}:{}:{}",
                after.id,
                r.series,
                r.number,
                channel.as_str()
            )
        };
        let subject = format!("Hồ sơ {code}: biên lai điện tử {receipt}");
        if settings.email
            && let Some(email) = after.applicant.email()
        {
            out.push(NewMessage {
                kind: RECEIPT.into(),
                channel: Channel::Email,
                recipient: email.as_str().to_string(),
                subject: subject.clone(),
                body: format!(
                    "Kính gửi: {}\n\n{} đã lập biên lai điện tử thu phí, lệ phí của hồ sơ.\n\n\
                     Mã hồ sơ: {code}\nBiên lai: ký hiệu mẫu {}, ký hiệu {}, số {:07}\n\
                     Số tiền: {amount} ({})\nNgười nộp: {}\n\n\
                     Xem và tải biên lai (PDF, XML có chữ ký số) trên trang hồ sơ của ông/bà: {link}\n\
                     (đăng nhập Cổng; hồ sơ nộp tại quầy: thêm hồ sơ vào tài khoản bằng mã hồ sơ và mã bảo mật trên Giấy tiếp nhận).\n\n{}\n\
                     (Thư được gửi tự động từ hệ thống Một Cửa, xin ông/bà không trả lời thư này.)\n",
                    after.applicant.display_name(),
                    r.organisation,
                    r.template,
                    r.series,
                    r.number,
                    vntext::money::words(r.amount),
                    r.payer,
                    tree.name_of(&after.receiving),
                ),
                idempotency_key: key(Channel::Email),
                dossier: Some(after.id.0),
            });
        }
        if settings.sms
            && let Some(phone) = after.applicant.phone()
        {
            out.push(NewMessage {
                kind: RECEIPT.into(),
                channel: Channel::Sms,
                recipient: phone.as_str().to_string(),
                subject,
                body: format!("Hồ sơ {code}: biên lai điện tử {receipt}, {amount}. Xem: {link}"),
                idempotency_key: key(Channel::Sms),
                dossier: Some(after.id.0),
            });
        }
    }
    out
}

/// A failed message as the administrator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FailedMessage {
    #[serde(flatten)]
    pub message: StoredMessage,
    /// Whether the channel is configured now (a message for a channel taken out of the
    /// configuration cannot succeed).
    pub channel_configured: bool,
}

/// The outbox at a glance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxStatus {
    pub counts: OutboxCounts,
    pub email: bool,
    pub sms: bool,
    pub webhooks: Vec<String>,
    pub digest_hour: u32,
    pub max_attempts: u32,
}

impl App {
    fn channel_configured(&self, m: &StoredMessage) -> bool {
        let s = &self.settings.notices;
        match m.channel {
            Channel::Email => s.email,
            Channel::Sms => s.sms,
            Channel::Webhook => s.webhooks.iter().any(|a| a.as_str() == m.recipient),
            Channel::Tax => s.tax,
            Channel::National => s.national,
        }
    }
}

impl<'a> Notices<'a> {
    /// The channels and retries configured.
    pub fn settings(self) -> &'a NoticeSettings {
        &self.app.settings.notices
    }

    /// Takes the messages due now for delivery (see [`store::Db::claim_messages`]).
    pub async fn claim_messages(self, limit: u32) -> Result<Vec<StoredMessage>, AppError> {
        let now = self.app.now();
        Ok(self
            .app
            .db
            .claim_messages(now, now + Duration::minutes(LEASE_MINUTES), limit)
            .await?)
    }

    pub async fn message_delivered(self, m: &StoredMessage) -> Result<(), AppError> {
        self.app.db.message_sent(m.id, self.app.now()).await?;
        tracing::info!(id = m.id, channel = m.channel.as_str(), kind = %m.kind, "message sent");
        Ok(())
    }

    /// Records an attempt the receiver refused for good (a payload it will never take): the
    /// message is dead at once, with the receiver's words, for an administrator to see.
    pub async fn message_rejected(self, m: &StoredMessage, error: &str) -> Result<(), AppError> {
        self.app.db.message_failed(m.id, error, None).await?;
        tracing::error!(
            id = m.id,
            channel = m.channel.as_str(),
            error,
            "message refused by its receiver"
        );
        Ok(())
    }

    /// Records a failed attempt: another after the backoff, or dead after the last one.
    pub async fn message_failed(self, m: &StoredMessage, error: &str) -> Result<(), AppError> {
        let failed = m.attempts + 1;
        let s = &self.app.settings.notices;
        let retry_at = (failed < s.max_attempts).then(|| self.app.now() + s.backoff_after(failed));
        self.app.db.message_failed(m.id, error, retry_at).await?;
        match retry_at {
            Some(at) => {
                tracing::warn!(id = m.id, channel = m.channel.as_str(), attempt = failed, error, retry_at = %at, "message not sent; will retry")
            }
            None => tracing::error!(
                id = m.id,
                channel = m.channel.as_str(),
                attempts = failed,
                error,
                "message dead after its last attempt"
            ),
        }
        Ok(())
    }

    /// Thư không gửi được — dead messages and those waiting for another attempt (administrators).
    pub async fn failed_messages(self, actor: &Actor) -> Result<Vec<FailedMessage>, AppError> {
        policy::authorize(actor, Action::ManageUsers, None, &self.app.agencies())?;
        Ok(self
            .app
            .db
            .failed_messages(500)
            .await?
            .into_iter()
            .map(|message| FailedMessage {
                channel_configured: self.app.channel_configured(&message),
                message,
            })
            .collect())
    }

    /// Outbox counts for the operator's metrics (`/metrics`, behind its own token).
    pub async fn outbox_counts(self) -> Result<store::OutboxCounts, AppError> {
        Ok(self.app.db.outbox_counts().await?)
    }

    /// The write path's counters since the start (for `/metrics`).
    pub fn write_stats(self) -> store::WriteStats {
        self.app.db.write_stats()
    }

    /// Counts and configured channels (administrators).
    pub async fn outbox_status(self, actor: &Actor) -> Result<OutboxStatus, AppError> {
        policy::authorize(actor, Action::ManageUsers, None, &self.app.agencies())?;
        let s = &self.app.settings.notices;
        Ok(OutboxStatus {
            counts: self.app.db.outbox_counts().await?,
            email: s.email,
            sms: s.sms,
            webhooks: s.webhooks.iter().map(|a| a.to_string()).collect(),
            digest_hour: s.digest_hour,
            max_attempts: s.max_attempts,
        })
    }

    /// Gửi lại: puts a failed message back in the queue now, with a fresh count of attempts,
    /// and logs it.
    pub async fn retry_message(self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let admin = self.app.admin_name(actor, Action::ManageUsers)?;
        let m = self.app.db.message(id).await?.ok_or_else(|| {
            AppError::not_found("message_not_found", "Không có thư này trong hộp thư đi.")
        })?;
        if !self.app.channel_configured(&m) {
            return Err(AppError::new(
                crate::ErrorKind::Rule,
                "channel_not_configured",
                format!(
                    "Kênh \"{}\" chưa được cấu hình cho người nhận này; cấu hình kênh rồi gửi lại.",
                    m.channel.label()
                ),
            ));
        }
        let detail = format!(
            "thư #{id} ({}, {}): {}",
            m.channel.label(),
            m.recipient,
            m.subject
        );
        let now = self.app.now();
        let entry = LogEntry {
            at_ms: now.timestamp_millis(),
            actor: &admin,
            action: "gửi lại thư",
            detail: &detail,
        };
        if !self.app.db.retry_message(id, now, &entry).await? {
            return Err(AppError::new(
                crate::ErrorKind::Rule,
                "message_not_failed",
                "Thư này không ở trạng thái gửi lỗi (đã gửi hoặc đang chờ gửi).",
            ));
        }
        Ok(())
    }
}
