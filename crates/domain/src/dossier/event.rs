//! Sự kiện hồ sơ — what happened to a dossier, append-only. Events carry every value computed
//! when they were decided (codes, due instants), so replaying them needs neither the catalogue nor
//! the calendar, and a rule changed later never changes a past dossier.

use chrono::{DateTime, Utc};
use lich::{DeadlineRules, Limit};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::agency::AgencyId;
use crate::applicant::Applicant;
use crate::ids::{DossierCode, ProcedureCode};
use crate::officer::{ActorRef, OfficerId};
use crate::procedure::{Channel, Component, DocForm, ProcessStep};

/// Mã định danh hồ sơ (internal, time-ordered UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DossierId(pub Uuid);

impl std::fmt::Display for DossierId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The parts of the procedure version a dossier is handled under, pinned at opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedurePin {
    pub code: ProcedureCode,
    pub version: u32,
    pub name: String,
    pub limit: Limit,
    pub deadline_rules: DeadlineRules,
    pub immediate: bool,
    pub steps: Vec<ProcessStep>,
    pub supplement_window: Limit,
    pub result_name: String,
    #[serde(default)]
    pub result_kind: crate::procedure::ResultKind,
    /// Mẫu kết quả the version names, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_template: Option<String>,
    /// The component checklist, to check supplements against.
    pub components: Vec<Component>,
    /// Nộp phí, lệ phí khi nhận kết quả (see [`crate::procedure::ProcedureVersion`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fees_at_return: bool,
}

/// Tệp đính kèm — a stored file (scan or upload), addressed by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub sha256: String,
    pub name: String,
    pub size: u64,
    pub media_type: String,
    /// Chữ ký số found in the file when it was named in the dossier (a signed PDF), read by the
    /// server from the stored bytes — never taken from what a client says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<FileSignature>,
}

/// The digital signature of an uploaded file, as read when the dossier named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSignature {
    /// The signer certificate's common name (of the last signature).
    pub signer: String,
    /// Every signature's signed bytes are unchanged and each verifies with its certificate.
    pub intact: bool,
    /// Nothing was added after the last signature.
    pub covers_whole_file: bool,
    /// Chuỗi chứng thư of the last signature, checked against the configured roots; `None`
    /// when no root was configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainTrust>,
}

/// Whether a signer's certificate leads to a trusted root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum ChainTrust {
    /// Dẫn đến chứng thư gốc được tin cậy.
    Trusted { root: String },
    /// Không dẫn được đến gốc tin cậy, and why.
    Untrusted { why: String },
}

/// Kết quả giải quyết điện tử — the signed result document issued with the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectronicResult {
    pub file: FileRef,
    /// Mã kết quả (MaKetQua): "{dossier code}.{n}", printed on the document with its QR code
    /// and the key of its public verification page (`/xac-thuc/{code}`).
    pub code: String,
    /// Who signed it (the certificate's common name) and when.
    pub signer: String,
    pub signed_at: DateTime<Utc>,
}

/// Thành phần hồ sơ đã nộp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedComponent {
    /// Key of the component in the procedure version.
    pub component: String,
    pub name: String,
    pub form: DocForm,
    pub copies: u8,
    /// Số trang of each copy, when a fee counts pages (certification of copies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u16>,
    /// Thay bằng dữ liệu — not submitted on paper, looked up in a national database instead.
    #[serde(default)]
    pub by_data: bool,
    #[serde(default)]
    pub files: Vec<FileRef>,
    /// Lấy từ kho dữ liệu — the file is one the applicant already gave or was issued in an
    /// earlier dossier, attached from their data store instead of a new scan (DuocLayTuKhoDMQG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused: Option<Reused>,
}

/// Where a component taken from the applicant's data store comes from (checked by the server:
/// the earlier dossier is the same applicant's and holds the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reused {
    pub dossier: DossierId,
    /// The earlier dossier's code.
    pub code: String,
    /// Mã kết quả, when the file is that dossier's electronic result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<String>,
}

/// Nguồn thông tin người nộp — where the applicant's details came from: the national identity
/// they signed in with, a lookup in the national population database, or an earlier dossier of
/// theirs. Checked by the server before it is recorded (QĐ 766 4.5, and the share of
/// information reused).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Tài khoản được xác thực với VNeID: submitted by a citizen signed in with the national
    /// identity (`TaiKhoanDuocXacThucVoiVNeID`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vneid: bool,
    /// Tra cứu CSDL quốc gia về dân cư: the lookup the details came from (`MaCSDL`); its id and
    /// time, not the record (ND 61/2018 Art. 25(7)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationLookup>,
    /// The applicant's details filled from data instead of typed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filled: Vec<Filled>,
}

impl Provenance {
    pub fn is_empty(&self) -> bool {
        !self.vneid && self.population.is_none() && self.filled.is_empty()
    }
}

/// One lookup in the national population database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationLookup {
    /// The database's reference of the lookup.
    pub reference: String,
    pub at: DateTime<Utc>,
}

/// Một thông tin được điền từ dữ liệu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Filled {
    pub field: ApplicantField,
    pub source: DataSource,
}

/// Thông tin người nộp — one item of what the applicant declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicantField {
    /// Họ và tên (of the citizen, or of the organisation's representative).
    Name,
    /// Số định danh cá nhân.
    IdNumber,
    /// Tên tổ chức.
    OrganisationName,
    /// Mã số thuế.
    TaxCode,
    /// Địa chỉ.
    Address,
    Phone,
    Email,
}

impl ApplicantField {
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// Nguồn dữ liệu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataSource {
    /// The national identity the citizen signed in with (VNeID).
    Identity,
    /// CSDL quốc gia về dân cư.
    Population,
    /// An earlier dossier of the same applicant (their data store).
    EarlierDossier,
}

/// Hình thức nhận kết quả.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReturnMethod {
    /// Tại Bộ phận Một cửa.
    Counter,
    /// Qua bưu chính công ích, to an address.
    Post { address: String },
    /// Bản điện tử (tài khoản trên Cổng, thư điện tử).
    Electronic,
}

impl ReturnMethod {
    /// As printed on the receipt.
    pub fn label(&self) -> String {
        match self {
            ReturnMethod::Counter => "Nhận tại Bộ phận Một cửa".into(),
            ReturnMethod::Post { address } => format!("Qua bưu chính công ích, đến: {address}"),
            ReturnMethod::Electronic => "Bản điện tử".into(),
        }
    }
}

/// Thông tin tiếp nhận qua bưu chính (QĐ 45/2016 Art. 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalIntake {
    /// Số hiệu bưu gửi.
    pub bill_number: String,
    /// Số biên bản giao nhận hồ sơ.
    pub handover_record: String,
    /// Thời điểm ký biên bản giao nhận: the legal submission time.
    pub handover_signed_at: DateTime<Utc>,
    pub postal_worker: String,
    /// Phí, lệ phí bưu điện đã thu hộ (đồng).
    pub fees_collected: i64,
}

/// A fee line due on the dossier (đồng).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    pub name: String,
    pub amount: i64,
}

/// Link from a correction or re-issue to the dossier it corrects (ND 61 Art. 21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionOf {
    pub dossier: DossierId,
    pub code: DossierCode,
    pub reason: String,
}

/// Người xử lý.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handler {
    pub id: OfficerId,
    pub name: String,
}

/// Entering a step of the internal process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEntry {
    /// Index into the pinned process steps.
    pub index: usize,
    pub unit: AgencyId,
    pub handler: Option<Handler>,
    /// When the step's allotted time ends (none for the return step).
    pub due: Option<DateTime<Utc>>,
}

/// Một nội dung cần bổ sung, hoàn thiện.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementItem {
    /// The component concerned, if the item is about one.
    pub component: Option<String>,
    pub text: String,
}

/// Loại tạm dừng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PauseKind {
    /// Yêu cầu bổ sung khi thẩm định.
    Supplement,
    /// Chờ thực hiện nghĩa vụ tài chính.
    FinancialObligation,
    /// Chờ cơ quan khác (liên thông, xác minh).
    OtherAgency,
}

impl PauseKind {
    pub fn label(self) -> &'static str {
        match self {
            PauseKind::Supplement => "bổ sung hồ sơ",
            PauseKind::FinancialObligation => "nghĩa vụ tài chính",
            PauseKind::OtherAgency => "chờ cơ quan khác",
        }
    }
}

/// Xác minh, thẩm tra (ND 61 Art. 19(3)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub at: DateTime<Utc>,
    pub place: String,
    pub participants: String,
    pub content: String,
}

/// Cách phối hợp liên thông.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterconnectionMode {
    /// Paper dossier: agencies one after another in a set order.
    Sequential,
    /// Electronic dossier: sent to every agency at once.
    Parallel,
}

/// One agency's part in an interconnected procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegPlan {
    pub agency: AgencyId,
    pub task: String,
    pub limit: Limit,
    /// Liên thông không cùng cấp — the agency is at another level (commune → province).
    #[serde(default)]
    pub upper_level: bool,
}

/// Kết quả phê duyệt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Giải quyết: the result is issued.
    Approved,
    /// Từ chối giải quyết (Phiếu từ chối giải quyết hồ sơ), within the time limit.
    Refused,
}

/// Hồ sơ được lập: everything known when the dossier enters the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    pub id: DossierId,
    pub code: DossierCode,
    pub procedure: ProcedurePin,
    pub channel: Channel,
    pub applicant: Applicant,
    pub components: Vec<SubmittedComponent>,
    pub return_method: ReturnMethod,
    pub receiving: AgencyId,
    pub competent: AgencyId,
    pub helped_at: Option<AgencyId>,
    pub postal: Option<PostalIntake>,
    pub fees: Vec<FeeLine>,
    pub corrects: Option<CorrectionOf>,
    /// Whether the fees are collected through this system (payments recorded as events, the
    /// result returned only once they are paid). False for dossiers opened before it was.
    #[serde(default)]
    pub fees_tracked: bool,
    /// Where the applicant's details came from.
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
}

/// Sự kiện.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The dossier exists: submitted online, brought to the counter, or delivered by post.
    Opened(Box<Opened>),
    /// Tiếp nhận: complete and valid; the clock starts at `received_at`.
    Received {
        received_at: DateTime<Utc>,
        due: DateTime<Utc>,
        step: StepEntry,
        /// Mã hồ sơ issued at reception, for an online submission that had only its provisional
        /// reference ([`DossierCode::is_provisional`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<DossierCode>,
    },
    /// Thêm nghĩa vụ tài chính.
    FeeAdded {
        line: FeeLine,
        legal_basis: String,
    },
    /// Đã nộp phí, lệ phí.
    FeePaid {
        amount: i64,
        method: super::fees::PaymentMethod,
        reference: Option<String>,
        payer: String,
    },
    /// Miễn, giảm phí, lệ phí.
    FeeWaived {
        amount: i64,
        reason: String,
    },
    /// Hoàn trả phí, lệ phí đã nộp.
    FeeRefunded {
        amount: i64,
        reason: String,
    },
    /// Lập biên lai điện tử (with a payment, or replacing a cancelled one).
    ReceiptIssued(Box<super::receipts::Receipt>),
    /// Ký số biên lai: its signed XML and PDF.
    ReceiptSigned {
        receipt: super::receipts::ReceiptKey,
        files: Box<super::receipts::ReceiptFiles>,
    },
    /// Hủy biên lai (replaced, or cancelled alone).
    ReceiptCancelled {
        receipt: super::receipts::ReceiptKey,
        reason: String,
        replaced_by: Option<super::receipts::ReceiptKey>,
    },
    /// Từ chối tiếp nhận.
    RefusedAtIntake {
        reason: String,
        legal_basis: String,
    },
    /// Online dossier incomplete: one-time complete guidance, not received.
    IntakeSupplementRequested {
        items: Vec<SupplementItem>,
        reason: String,
    },
    /// Documents added by the applicant. At appraisal the limit restarts from zero
    /// (ND 61/2018 Art. 19(4)); `restart` carries the new due instants.
    SupplementSubmitted {
        components: Vec<SubmittedComponent>,
        note: String,
        restart: Option<Restart>,
    },
    /// Chuyển hồ sơ from the service centre to the unit that handles it.
    Transferred {
        step: StepEntry,
    },
    /// Thu hồi hồ sơ chuyển nhầm: back at the service centre's reception step (`step`), to be
    /// transferred again.
    TransferRecalled {
        reason: String,
        step: StepEntry,
    },
    /// Phân công (or phân công lại) a handler for the current step.
    Assigned {
        handler: Handler,
        reason: Option<String>,
    },
    /// Ý kiến thẩm định.
    NoteAdded {
        text: String,
    },
    VerificationRecorded {
        verification: Verification,
    },
    /// Dự thảo kết quả: the handler's entries for the result template (the whole set, each
    /// time: a new revision replaces the last as the current draft; every revision stays in
    /// the history).
    ResultDrafted {
        fields: std::collections::BTreeMap<String, String>,
    },
    /// Lấy ý kiến an agency, with a deadline.
    ConsultationRequested {
        id: u32,
        unit: AgencyId,
        content: String,
        due: DateTime<Utc>,
    },
    ConsultationAnswered {
        id: u32,
        answer: String,
    },
    /// Liên thông: the legs start (all at once, or the first of a sequence).
    InterconnectionStarted {
        mode: InterconnectionMode,
        legs: Vec<LegPlan>,
        /// Due instants of the legs started now (index, due).
        started: Vec<(usize, DateTime<Utc>)>,
    },
    /// One agency's part done; in a sequence the next leg starts.
    LegCompleted {
        index: usize,
        result: String,
        next: Option<(usize, DateTime<Utc>)>,
        /// When the last leg is done, the lead unit's step resumes with this due.
        step_due: Option<DateTime<Utc>>,
    },
    /// Yêu cầu bổ sung, hoàn thiện hồ sơ during appraisal.
    SupplementRequested {
        items: Vec<SupplementItem>,
        reason: String,
        legal_basis: String,
    },
    /// The clock waits for another agency or for fees and taxes.
    PauseStarted {
        kind: PauseKind,
        reason: String,
        legal_basis: String,
        /// Whether the dossier's own limit stops (a lawful pause); otherwise only the step's.
        stops_clock: bool,
    },
    /// The pause is over; the due instants are recomputed from the paused working time.
    PauseEnded {
        note: String,
        due: Option<DateTime<Utc>>,
        step_due: Option<DateTime<Utc>>,
    },
    /// Gia hạn theo quy định: a lawful extension of the limit.
    Extended {
        amount: Limit,
        reason: String,
        legal_basis: String,
        due: DateTime<Utc>,
    },
    /// Chuyển bước: to the next step of the internal process (e.g. trình ký).
    Forwarded {
        note: String,
        step: StepEntry,
    },
    /// Phê duyệt hoặc từ chối giải quyết. `ready` when no issuance step follows.
    Decided {
        outcome: Outcome,
        reason: String,
        legal_basis: String,
        step: StepEntry,
        ready: bool,
        /// The result document as the approver signed it with the approval (their personal
        /// signature); the clerk numbers it and adds the organisation's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signed: Option<ElectronicResult>,
    },
    /// Văn thư vào số, phát hành kết quả; the result is ready to return.
    ResultIssued {
        number: String,
        step: StepEntry,
        /// The signed electronic result, when the province signs results.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<ElectronicResult>,
    },
    /// Phiếu xin lỗi và hẹn lại ngày trả kết quả (once only).
    Apologized {
        reason: String,
        new_appointment: DateTime<Utc>,
    },
    WithdrawalRequested {
        reason: String,
    },
    /// Dừng giải quyết.
    Stopped {
        reason: String,
        legal_basis: String,
    },
    /// Thu hồi kết quả điện tử: the signed electronic result no longer stands.
    ResultRevoked {
        reason: String,
        legal_basis: String,
    },
    /// The applicant was told the result is ready before the appointment.
    EarlyReturnNotified {
        channel: String,
    },
    /// Trả kết quả.
    Returned {
        method: ReturnMethod,
        received_by: String,
        originals_returned: Vec<String>,
        postal_bill: Option<String>,
    },
    /// A correction or re-issue of this dossier's result was opened as another dossier.
    CorrectionOpened {
        correction: DossierId,
        code: DossierCode,
        reason: String,
    },
    /// Chuyển từ hệ thống cũ: the dossier as the incumbent system had it (right after its
    /// opening; see [`super::Imported`]).
    Imported(Box<super::Imported>),
}

/// New due instants after the limit restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    pub at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub step_due: Option<DateTime<Utc>>,
}

impl Event {
    /// Short machine name, stored in its own column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Opened(_) => "opened",
            Event::Received { .. } => "received",
            Event::RefusedAtIntake { .. } => "refused_at_intake",
            Event::IntakeSupplementRequested { .. } => "intake_supplement_requested",
            Event::SupplementSubmitted { .. } => "supplement_submitted",
            Event::Transferred { .. } => "transferred",
            Event::TransferRecalled { .. } => "transfer_recalled",
            Event::Assigned { .. } => "assigned",
            Event::NoteAdded { .. } => "note_added",
            Event::VerificationRecorded { .. } => "verification_recorded",
            Event::ResultDrafted { .. } => "result_drafted",
            Event::ConsultationRequested { .. } => "consultation_requested",
            Event::ConsultationAnswered { .. } => "consultation_answered",
            Event::InterconnectionStarted { .. } => "interconnection_started",
            Event::LegCompleted { .. } => "leg_completed",
            Event::SupplementRequested { .. } => "supplement_requested",
            Event::PauseStarted { .. } => "pause_started",
            Event::PauseEnded { .. } => "pause_ended",
            Event::Extended { .. } => "extended",
            Event::Forwarded { .. } => "forwarded",
            Event::Decided { .. } => "decided",
            Event::ResultIssued { .. } => "result_issued",
            Event::Apologized { .. } => "apologized",
            Event::WithdrawalRequested { .. } => "withdrawal_requested",
            Event::Stopped { .. } => "stopped",
            Event::ResultRevoked { .. } => "result_revoked",
            Event::EarlyReturnNotified { .. } => "early_return_notified",
            Event::Returned { .. } => "returned",
            Event::CorrectionOpened { .. } => "correction_opened",
            Event::FeeAdded { .. } => "fee_added",
            Event::FeePaid { .. } => "fee_paid",
            Event::FeeWaived { .. } => "fee_waived",
            Event::FeeRefunded { .. } => "fee_refunded",
            Event::ReceiptIssued(_) => "receipt_issued",
            Event::ReceiptSigned { .. } => "receipt_signed",
            Event::ReceiptCancelled { .. } => "receipt_cancelled",
            Event::Imported(_) => "imported",
        }
    }

    /// The files this event brought in (scans at opening, or sent with a supplement), or made
    /// (a signed result, a signed receipt).
    pub fn files(&self) -> Vec<&FileRef> {
        match self {
            Event::Opened(o) => o.components.iter().flat_map(|c| &c.files).collect(),
            Event::SupplementSubmitted { components, .. } => {
                components.iter().flat_map(|c| &c.files).collect()
            }
            Event::ResultIssued {
                document: Some(doc),
                ..
            }
            | Event::Decided {
                signed: Some(doc), ..
            } => vec![&doc.file],
            Event::ReceiptSigned { files, .. } => vec![&files.xml, &files.pdf],
            _ => Vec::new(),
        }
    }

    /// What an officer reads in the timeline.
    pub fn label(&self) -> &'static str {
        match self {
            Event::Opened(_) => "Nộp hồ sơ",
            Event::Received { .. } => "Tiếp nhận hồ sơ",
            Event::RefusedAtIntake { .. } => "Từ chối tiếp nhận",
            Event::IntakeSupplementRequested { .. } => "Hướng dẫn bổ sung trước khi tiếp nhận",
            Event::SupplementSubmitted { .. } => "Nộp bổ sung hồ sơ",
            Event::Transferred { .. } => "Chuyển hồ sơ đến đơn vị xử lý",
            Event::TransferRecalled { .. } => "Thu hồi hồ sơ chuyển nhầm",
            Event::Assigned { .. } => "Phân công xử lý",
            Event::NoteAdded { .. } => "Ý kiến thẩm định",
            Event::VerificationRecorded { .. } => "Xác minh, thẩm tra",
            Event::ResultDrafted { .. } => "Soạn dự thảo kết quả",
            Event::ConsultationRequested { .. } => "Lấy ý kiến",
            Event::ConsultationAnswered { .. } => "Trả lời ý kiến",
            Event::InterconnectionStarted { .. } => "Chuyển liên thông",
            Event::LegCompleted { .. } => "Cơ quan liên thông xử lý xong",
            Event::SupplementRequested { .. } => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            Event::PauseStarted { .. } => "Tạm dừng tính thời gian",
            Event::PauseEnded { .. } => "Tiếp tục tính thời gian",
            Event::Extended { .. } => "Gia hạn theo quy định",
            Event::Forwarded { .. } => "Chuyển bước xử lý",
            Event::Decided { .. } => "Phê duyệt",
            Event::ResultIssued { .. } => "Phát hành kết quả",
            Event::Apologized { .. } => "Xin lỗi và hẹn lại ngày trả kết quả",
            Event::WithdrawalRequested { .. } => "Công dân yêu cầu rút hồ sơ",
            Event::Stopped { .. } => "Dừng giải quyết",
            Event::ResultRevoked { .. } => "Thu hồi kết quả điện tử",
            Event::EarlyReturnNotified { .. } => "Thông báo trả kết quả sớm",
            Event::Returned { .. } => "Trả kết quả",
            Event::CorrectionOpened { .. } => "Mở hồ sơ đính chính, cấp lại",
            Event::FeeAdded { .. } => "Thêm nghĩa vụ tài chính",
            Event::FeePaid { .. } => "Nộp phí, lệ phí",
            Event::FeeWaived { .. } => "Miễn, giảm phí, lệ phí",
            Event::FeeRefunded { .. } => "Hoàn trả phí, lệ phí",
            Event::ReceiptIssued(_) => "Lập biên lai điện tử",
            Event::ReceiptSigned { .. } => "Ký số biên lai điện tử",
            Event::ReceiptCancelled { .. } => "Hủy biên lai điện tử",
            Event::Imported(_) => "Chuyển từ hệ thống cũ",
        }
    }
}

/// An event as stored: its position in the dossier's stream, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// 1 for the first event of a dossier.
    pub version: u64,
    pub at: DateTime<Utc>,
    pub actor: ActorRef,
    pub event: Event,
}
