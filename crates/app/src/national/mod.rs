//! Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia — every change of a dossier is told to the
//! national portal (reference §3.3; QĐ 766 indicator 1.4 counts what it holds).
//!
//! A change writes one outbox message ([`Channel::National`]) in its own transaction, naming the
//! dossier and the event versions it added. The delivery worker (`notify`) asks [`App::national_batch`]
//! what those versions mean to the portal — the files to upload, then the dossier (created, or
//! sent again in full when its components changed), a processing step (`TienTrinh`) for each
//! event, and the state it ends in (`CapNhatTrangThai`) — built by replaying the dossier's events
//! up to the message's version, so a message delivered late says exactly what was true then.
//! The outbox hands a dossier's messages over in order, one at a time; after the portal took
//! every call, [`App::national_acknowledged`] records what it holds.

pub mod codes;
mod inbox;
pub mod wire;

pub use codes::{CodeSource, NationalCodes};
pub use inbox::PortalFile;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::agency::AgencyTree;
use domain::dossier::{Dossier, DossierId, Event, NationalStatus, PaymentMethod, Recorded};
use domain::procedure::DocForm;
use serde::{Deserialize, Serialize};
use store::{Channel, NationalAck, NewMessage};

use crate::{App, AppError, ErrorKind};

/// Kind of the outbox messages for the national portal.
pub const NATIONAL_SYNC: &str = "national-sync";

/// What a national message names: a dossier and the event versions its change added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncNotice {
    pub dossier: uuid::Uuid,
    pub from: u64,
    pub to: u64,
}

/// The message telling the portal of a change (none when the sync is not configured).
pub(crate) fn sync_messages(
    teller: &crate::notices::Teller,
    after: &Dossier,
    events: &[Recorded],
) -> Vec<NewMessage> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Vec::new();
    };
    if !teller.settings.national {
        return Vec::new();
    }
    let notice = SyncNotice {
        dossier: after.id.0,
        from: first.version,
        to: last.version,
    };
    vec![NewMessage {
        kind: NATIONAL_SYNC.into(),
        channel: Channel::National,
        recipient: after.receiving.to_string(),
        subject: format!("Hồ sơ {}: {}", after.code, last.event.label()),
        body: serde_json::to_string(&notice).expect("a notice serialises"),
        idempotency_key: format!("national:{}:{}", after.id, last.version),
        dossier: Some(after.id.0),
    }]
}

/// A file to upload before the calls that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUpload {
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One call of the portal's interface, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalCall {
    Create(Box<wire::CreateDossier>),
    Progress(wire::ProgressStep),
    Status(Box<wire::StatusUpdate>),
}

impl PortalCall {
    /// The interface's name of the call (its path).
    pub fn path(&self) -> &'static str {
        match self {
            PortalCall::Create(_) => "CreateDossier",
            PortalCall::Progress(_) => "CapNhatTienTrinh",
            PortalCall::Status(_) => "CapNhatTrangThai",
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        match self {
            PortalCall::Create(c) => serde_json::to_vec(c),
            PortalCall::Progress(p) => serde_json::to_vec(p),
            PortalCall::Status(s) => serde_json::to_vec(s),
        }
        .expect("a payload serialises")
    }

    /// Writes the portal's ids of the uploaded files into the attachments that name them.
    pub fn set_file_ids(&mut self, ids: &std::collections::HashMap<String, String>) {
        if let PortalCall::Create(c) = self {
            for f in c.components.iter_mut().flat_map(|c| c.files.iter_mut()) {
                if let Some(id) = ids.get(&f.hash) {
                    f.id.clone_from(id);
                }
            }
        }
    }
}

/// What one national message asks of the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncBatch {
    pub notice: SyncNotice,
    pub code: String,
    /// Uploaded first; their ids go into the attachments of a [`PortalCall::Create`].
    pub files: Vec<FileUpload>,
    pub calls: Vec<PortalCall>,
    ack: NationalAck,
}

/// "2026-12-03 14:05:00", Vietnamese time.
pub fn portal_time(t: DateTime<Utc>) -> String {
    lich::time::to_vn(&t).format(wire::TIME_FORMAT).to_string()
}

fn form_code(f: DocForm) -> u8 {
    match f {
        DocForm::Original => 1,
        DocForm::Copy => 2,
        DocForm::CertifiedCopy => 3,
        DocForm::OriginalToCheck => 4,
    }
}

/// "15", "0.5": a limit in hundredths written as the portal reads numbers.
fn limit_text(hundredths: u32) -> String {
    if hundredths.is_multiple_of(100) {
        (hundredths / 100).to_string()
    } else {
        let s = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        s.trim_end_matches('0').to_string()
    }
}

/// Money and receipts are told by the state's fee fields, not as processing steps.
fn is_step(e: &Event) -> bool {
    !matches!(
        e,
        Event::FeeAdded { .. }
            | Event::FeePaid { .. }
            | Event::FeeWaived { .. }
            | Event::FeeRefunded { .. }
            | Event::ReceiptIssued(_)
            | Event::ReceiptSigned { .. }
            | Event::ReceiptCancelled { .. }
            | Event::Imported(_)
    )
}

/// What the builder needs beside the events.
struct Context<'a> {
    tree: &'a AgencyTree,
    units: &'a crate::units::UnitDirectory,
    result_url: &'a str,
    /// DuocThanhToanTrucTuyen of a payment made online: 1 national platform, 2 the province's.
    online_platform: u8,
}

impl Context<'_> {
    fn agency_code(&self, d: &Dossier) -> String {
        self.tree
            .get(&d.receiving)
            .map_or_else(|| d.receiving.to_string(), |a| a.code.to_string())
    }

    fn province_of(&self, commune: Option<&str>) -> Option<String> {
        let c = commune?;
        self.units
            .get(domain::unit::Regime::TwoLevel, c)
            .and_then(|u| u.parent.clone())
    }

    fn create(&self, d: &Dossier) -> wire::CreateDossier {
        let a = &d.applicant;
        let address = a.address();
        let commune = address.commune_code.clone();
        let province = self.province_of(commune.as_deref());
        let (kind, id) = match a {
            domain::applicant::Applicant::Citizen { id_number, .. } => (1, id_number.to_string()),
            domain::applicant::Applicant::Organisation { tax_code, .. } => {
                (2, tax_code.to_string())
            }
        };
        let components: Vec<wire::Component> = d
            .components
            .iter()
            .map(|c| wire::Component {
                code: c.component.clone(),
                name: c.name.clone(),
                copies: c.copies.max(1),
                form: form_code(c.form),
                digitised: u8::from(c.by_data || !c.files.is_empty()),
                from_data_store: u8::from(c.reused.is_some()),
                files: c
                    .files
                    .iter()
                    .map(|f| wire::Attached {
                        id: String::new(),
                        result_code: c.reused.as_ref().and_then(|r| r.result_code.clone()),
                        name: f.name.clone(),
                        hash: f.sha256.clone(),
                    })
                    .collect(),
            })
            .collect();
        wire::CreateDossier {
            id: d.id.0.to_string(),
            code: d.code.to_string(),
            procedure: d.procedure.code.to_string(),
            service: d.procedure.code.to_string(),
            procedure_name: d.procedure.name.clone(),
            owner: a.display_name().to_string(),
            subject_kind: kind,
            receiving: self.agency_code(d),
            submitted: portal_time(d.opened_at),
            received: d.received_at.map(portal_time),
            appointment: d.appointment.map(portal_time),
            channel: d.channel.national_code(),
            limit: limit_text(d.procedure.limit.hundredths()),
            limit_unit: d.procedure.limit.unit().label().to_string(),
            digitised: u8::from(components.iter().any(|c| c.digitised == 1)),
            components,
            submitter: wire::Submitter {
                kind,
                id: id.clone(),
                detail: wire::SubmitterDetail {
                    name: a.person().to_string(),
                    id_number: id.clone(),
                    phone: a.phone().map(|p| p.to_string()),
                    email: a.email().map(|e| e.to_string()),
                    province: province.clone(),
                    district: None,
                    commune: commune.clone(),
                    address: address.text.clone(),
                    owner_name: a.display_name().to_string(),
                    owner_id: id,
                    owner_province: province,
                    owner_commune: commune,
                    owner_address: address.text.clone(),
                },
            },
            fees: fees(d),
            vneid: u8::from(d.provenance.vneid),
            population_record: d
                .provenance
                .population
                .as_ref()
                .map(|l| l.reference.clone()),
        }
    }

    fn progress(&self, d: &Dossier, r: &Recorded) -> wire::ProgressStep {
        let step = d.steps.last();
        let unit = step.map_or(&d.receiving, |s| &s.unit);
        let started = step
            .map(|s| s.started_at)
            .or(d.received_at)
            .unwrap_or(d.opened_at);
        wire::ProgressStep {
            id: d.id.0.to_string(),
            code: d.code.to_string(),
            seq: r.version,
            handler: r.actor.name.clone(),
            at: portal_time(r.at),
            unit: self.tree.name_of(unit),
            action: r.event.label().to_string(),
            status: d.stage.national_status().code(),
            started: portal_time(started),
            due: step.and_then(|s| s.due).or(d.due).map(portal_time),
        }
    }

    fn status(
        &self,
        d: &Dossier,
        at: DateTime<Utc>,
        ended: Option<DateTime<Utc>>,
    ) -> wire::StatusUpdate {
        let result = d
            .electronic_result
            .as_ref()
            .filter(|_| d.result_revoked.is_none());
        let paid_online = d.payments.iter().any(|p| p.method == PaymentMethod::Online);
        wire::StatusUpdate {
            id: d.id.0.to_string(),
            code: d.code.to_string(),
            version: d.version,
            status: d.stage.national_status().code(),
            at: portal_time(at),
            received: d.received_at.map(portal_time),
            appointment: d.appointment.map(portal_time),
            ended: ended.map(portal_time),
            result_code: result.map(|r| r.code.clone()),
            result_link: result.map(|r| {
                format!(
                    "{}/xac-thuc/{}",
                    self.result_url.trim_end_matches('/'),
                    r.code
                )
            }),
            paid_online: if paid_online { self.online_platform } else { 0 },
            fees: fees(d),
        }
    }
}

fn fees(d: &Dossier) -> Vec<wire::Fee> {
    d.fees
        .iter()
        .map(|f| wire::Fee {
            name: f.name.clone(),
            amount: f.amount,
        })
        .collect()
}

/// Đã kết thúc xử lý: the statuses that end the handling (the time the first was reached is
/// NgayKetThucXuLy).
fn ends_handling(s: NationalStatus) -> bool {
    matches!(
        s,
        NationalStatus::NotReceived
            | NationalStatus::Stopped
            | NationalStatus::Done
            | NationalStatus::Returned
    )
}

/// The calls of the change `notice` names, from the dossier's events up to its last version.
fn build(
    ctx: &Context<'_>,
    notice: SyncNotice,
    events: &[Recorded],
) -> Result<(SyncBatchPlan, Dossier), AppError> {
    let mut state: Option<Dossier> = None;
    let mut ended: Option<DateTime<Utc>> = None;
    let mut steps = Vec::new();
    let mut resend = notice.from == 1;
    let mut result_changed = false;
    for r in events.iter().take_while(|r| r.version <= notice.to) {
        match state.as_mut() {
            Some(d) => d.apply(r),
            None => state = Dossier::replay([r]),
        }
        let d = state.as_ref().expect("the first event opens the dossier");
        if ended.is_none() && ends_handling(d.stage.national_status()) {
            ended = Some(r.at);
        }
        if r.version < notice.from {
            continue;
        }
        // A supplement adds files to the components, and a reception gives an online
        // submission its code: the portal gets the dossier again, in full.
        if matches!(
            r.event,
            Event::SupplementSubmitted { .. }
                | Event::Received { .. }
                | Event::CorrectionOpened { .. }
        ) {
            resend = true;
        }
        if matches!(
            r.event,
            Event::ResultIssued { .. } | Event::Decided { .. } | Event::ResultRevoked { .. }
        ) {
            result_changed = true;
        }
        if is_step(&r.event) {
            steps.push(ctx.progress(d, r));
        }
    }
    let d = state.ok_or_else(|| {
        AppError::not_found("dossier_not_found", "Không tìm thấy sự kiện của hồ sơ.")
    })?;
    if d.version < notice.to {
        return Err(AppError::new(
            ErrorKind::Rule,
            "sync_version_missing",
            format!(
                "Hồ sơ {} chưa có phiên bản {} để đồng bộ.",
                d.code, notice.to
            ),
        ));
    }
    let mut files: Vec<&domain::dossier::FileRef> = Vec::new();
    let mut calls = Vec::new();
    if resend {
        files.extend(d.components.iter().flat_map(|c| c.files.iter()));
        calls.push(PortalCall::Create(Box::new(ctx.create(&d))));
    }
    if result_changed && let Some(r) = &d.electronic_result {
        files.push(&r.file);
    }
    let mut seen = HashSet::new();
    let files = files
        .into_iter()
        .filter(|f| seen.insert(f.sha256.clone()))
        .map(|f| (f.sha256.clone(), f.name.clone(), f.media_type.clone()))
        .collect();
    calls.extend(steps.into_iter().map(PortalCall::Progress));
    let at = events
        .iter()
        .find(|r| r.version == notice.to)
        .map_or(d.opened_at, |r| r.at);
    calls.push(PortalCall::Status(Box::new(ctx.status(&d, at, ended))));
    Ok((SyncBatchPlan { files, calls }, d))
}

struct SyncBatchPlan {
    /// (sha256, name, media type)
    files: Vec<(String, String, String)>,
    calls: Vec<PortalCall>,
}

impl App {
    /// What the national message `body` asks of the portal (see the module's documentation).
    pub async fn national_batch(&self, body: &str) -> Result<SyncBatch, AppError> {
        let notice: SyncNotice = serde_json::from_str(body).map_err(|_| {
            AppError::invalid(
                "invalid_message",
                "Nội dung thư đồng bộ Cổng Dịch vụ công quốc gia không đọc được.",
            )
        })?;
        let events = self.db.events(DossierId(notice.dossier)).await?;
        let tree = self.agencies();
        let units = self.unit_directory().await?;
        let online_platform = match self.settings.gateway.as_deref().map(|g| g.platform) {
            Some(crate::gateway::Platform::National) => 1,
            _ => 2,
        };
        let ctx = Context {
            tree: &tree,
            units: &units,
            result_url: &self.settings.results.public_url,
            online_platform,
        };
        let (plan, d) = build(&ctx, notice, &events)?;
        if let Some(a) = tree.get(&d.receiving)
            && !a.code_verified
        {
            return Err(AppError::new(
                ErrorKind::Rule,
                "agency_code_unverified",
                format!(
                    "Mã định danh {} của {} chưa được xác nhận với Danh mục dùng chung; xác nhận mã (Quản trị › Cơ quan) rồi gửi lại.",
                    a.code, a.name
                ),
            ));
        }
        let mut files = Vec::with_capacity(plan.files.len());
        for (sha256, name, media_type) in plan.files {
            let content = self
                .db
                .attachment(&sha256)
                .await?
                .ok_or_else(|| {
                    AppError::not_found(
                        "file_not_found",
                        format!("Không tìm thấy tệp \"{name}\" của hồ sơ {}.", d.code),
                    )
                })?
                .content;
            files.push(FileUpload {
                sha256,
                name,
                media_type,
                content,
            });
        }
        let now = self.now();
        Ok(SyncBatch {
            notice,
            code: d.code.to_string(),
            files,
            calls: plan.calls,
            ack: NationalAck {
                dossier: d.id.0,
                code: d.code.to_string(),
                receiving: d.receiving.to_string(),
                agency: d.competent.to_string(),
                procedure: d.procedure.code.to_string(),
                received_at: d.received_at,
                version: notice.to,
                status: d.stage.national_status().code(),
                first_at: now,
                last_at: now,
            },
        })
    }

    /// Records that the portal took every call of `batch`.
    pub async fn national_acknowledged(&self, batch: &SyncBatch) -> Result<(), AppError> {
        let now = self.now();
        let ack = NationalAck {
            first_at: now,
            last_at: now,
            ..batch.ack.clone()
        };
        self.db.national_acknowledged(&ack).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_written_as_numbers() {
        assert_eq!(limit_text(1500), "15");
        assert_eq!(limit_text(50), "0.5");
        assert_eq!(limit_text(125), "1.25");
        assert_eq!(limit_text(0), "0");
    }
}

/// Một chênh lệch đối soát — a dossier the portal does not hold as we last saw it acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub dossier: uuid::Uuid,
    pub code: String,
    /// The version and status the portal acknowledged to us.
    pub acknowledged: (u64, u8),
    /// What the portal lists now (none: it lost the dossier).
    pub listed: Option<(u64, u8)>,
}

impl Difference {
    /// What is wrong, for the administration log.
    pub fn label(&self) -> String {
        match self.listed {
            None => format!("{}: Cổng không còn hồ sơ", self.code),
            Some((v, s)) => format!(
                "{}: Cổng ghi phiên bản {v}, trạng thái {s}; đã xác nhận phiên bản {}, trạng thái {}",
                self.code, self.acknowledged.0, self.acknowledged.1
            ),
        }
    }
}

/// Kết quả đối soát của một ngày.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub day: chrono::NaiveDate,
    /// Dossiers received that day that the portal acknowledged.
    pub acknowledged: usize,
    /// Dossiers the portal lists for that day.
    pub listed: usize,
    /// Those it lost or holds behind what it acknowledged; each is sent again in full.
    pub differences: Vec<Difference>,
}

impl App {
    /// Đối soát với Cổng: compares what the portal lists for `day` (dossiers received that day)
    /// with what it acknowledged to us; each dossier it lost, or holds at an older state, is
    /// queued to be sent again in full, and the comparison is written to the administration log.
    pub async fn national_reconcile(
        &self,
        day: chrono::NaiveDate,
        listed: &[wire::Listed],
    ) -> Result<Reconciliation, AppError> {
        let from = lich::time::vn_day_start(day);
        let to = lich::time::vn_day_start(day.succ_opt().unwrap_or(day));
        let acks = self.db.national_acks(from, to).await?;
        let by_id: std::collections::HashMap<&str, &wire::Listed> =
            listed.iter().map(|l| (l.id.as_str(), l)).collect();
        let mut differences = Vec::new();
        for a in &acks {
            let id = a.dossier.to_string();
            let portal = by_id.get(id.as_str()).map(|l| (l.version, l.status));
            if portal.is_none_or(|(v, s)| v < a.version || (v == a.version && s != a.status)) {
                differences.push(Difference {
                    dossier: a.dossier,
                    code: a.code.clone(),
                    acknowledged: (a.version, a.status),
                    listed: portal,
                });
            }
        }
        let now = self.now();
        let messages: Vec<NewMessage> = differences
            .iter()
            .map(|d| {
                let notice = SyncNotice {
                    dossier: d.dossier,
                    from: 1,
                    to: d.acknowledged.0,
                };
                NewMessage {
                    kind: NATIONAL_SYNC.into(),
                    channel: Channel::National,
                    recipient: d.code.clone(),
                    subject: format!(
                        "Hồ sơ {}: gửi lại sau đối soát ngày {}",
                        d.code,
                        day.format("%d/%m/%Y")
                    ),
                    body: serde_json::to_string(&notice).expect("a notice serialises"),
                    idempotency_key: format!(
                        "national:{}:{}:doi-soat:{}:{}",
                        d.dossier,
                        d.acknowledged.0,
                        day,
                        now.timestamp_millis()
                    ),
                    dossier: Some(d.dossier),
                }
            })
            .collect();
        self.db.enqueue_messages(&messages, now).await?;
        let mut detail = format!(
            "ngày {}: Cổng liệt kê {} hồ sơ, đã xác nhận {}; {} hồ sơ lệch",
            day.format("%d/%m/%Y"),
            listed.len(),
            acks.len(),
            differences.len()
        );
        for d in differences.iter().take(50) {
            detail.push_str("; ");
            detail.push_str(&d.label());
        }
        self.db
            .admin_log(&store::LogEntry {
                at_ms: now.timestamp_millis(),
                actor: "Hệ thống (đối soát tự động)",
                action: "đối soát Cổng DVCQG",
                detail: &detail,
            })
            .await?;
        Ok(Reconciliation {
            day,
            acknowledged: acks.len(),
            listed: listed.len(),
            differences,
        })
    }
}

impl App {
    /// Đồng bộ toàn bộ: queues a full sync of every dossier the portal has not acknowledged at
    /// its current version — for a province turning the sync on over an existing database, or
    /// the demo with its own fake portal. Returns how many were queued.
    pub async fn national_backfill(&self) -> Result<usize, AppError> {
        if !self.settings.notices.national {
            return Err(AppError::new(
                ErrorKind::Rule,
                "national_not_configured",
                "Chưa cấu hình đồng bộ Cổng Dịch vụ công quốc gia ([notify.national]).",
            ));
        }
        let ids = self.db.dossier_ids().await?;
        let now = self.now();
        let mut queued = 0;
        for chunk in ids.chunks(500) {
            let wanted: Vec<uuid::Uuid> = chunk.iter().map(|i| i.0).collect();
            let mut batch = Vec::with_capacity(wanted.len());
            for d in self.db.dossiers(&wanted).await? {
                let acked = self.db.national_ack(d.id.0).await?.map(|a| a.version);
                if acked.is_some_and(|v| v >= d.version) {
                    continue;
                }
                let notice = SyncNotice {
                    dossier: d.id.0,
                    from: 1,
                    to: d.version,
                };
                batch.push(NewMessage {
                    kind: NATIONAL_SYNC.into(),
                    channel: Channel::National,
                    recipient: d.receiving.to_string(),
                    subject: format!("Hồ sơ {}: đồng bộ toàn bộ", d.code),
                    body: serde_json::to_string(&notice).expect("a notice serialises"),
                    idempotency_key: format!("national:{}:{}:toan-bo", d.id, d.version),
                    dossier: Some(d.id.0),
                });
            }
            queued += self.db.enqueue_messages(&batch, now).await?;
        }
        Ok(queued)
    }
}
