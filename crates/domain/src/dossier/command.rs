//! Lệnh — what an officer, a citizen or the system asks to do with a dossier, and the context a
//! decision is taken in (clock, calendar, agencies, configurable legal parameters).

use chrono::{DateTime, Utc};
use lich::{Limit, WorkCalendar};
use serde::{Deserialize, Serialize};

use super::event::*;
use crate::agency::{AgencyId, AgencyTree};
use crate::applicant::Applicant;
use crate::ids::DossierCode;
use crate::officer::{Actor, Officer};
use crate::procedure::ProcedureVersion;

/// Chữ ký số cá nhân của người phê duyệt — how an approval is signed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ApprovalSignature {
    /// Not signed with the approval: the approver has no personal signing key configured, or
    /// the outcome is a refusal.
    #[default]
    None,
    /// To be signed, with this PIN (or key password), before the approval is decided.
    Pin(Secret),
    /// Signed: the result document as the approver signed it.
    Signed(ElectronicResult),
}

/// Mã PIN, mật khẩu khóa — used once to sign and never recorded, logged or shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A new dossier as the app assembled it: identifiers issued, procedure version resolved.
#[derive(Debug, Clone)]
pub struct NewDossier {
    pub id: DossierId,
    pub code: DossierCode,
    pub procedure: ProcedureVersion,
    pub applicant: Applicant,
    pub components: Vec<SubmittedComponent>,
    pub return_method: ReturnMethod,
    pub receiving: AgencyId,
    pub competent: AgencyId,
    pub helped_at: Option<AgencyId>,
    /// Miễn phí, lệ phí — the reason, when the applicant is exempt.
    pub fee_exemption: Option<String>,
    pub corrects: Option<CorrectionOf>,
    /// Where the applicant's details came from, as the server checked it.
    pub provenance: super::event::Provenance,
}

/// Khoản thu khi trả kết quả: how the applicant paid what was still owed at the hand-over (the
/// amount is all of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    pub method: super::fees::PaymentMethod,
    /// The transaction's reference (required unless cash).
    pub reference: Option<String>,
    /// Người nộp tiền (default: the applicant).
    pub payer: Option<String>,
}

/// Lệnh.
#[derive(Debug, Clone)]
pub enum Command {
    /// A complete dossier at the counter: receive it (and, for an immediate-result procedure,
    /// decide and return at once, ND 61 Art. 17(4)).
    ReceiveAtCounter {
        new: Box<NewDossier>,
    },
    /// Phiếu từ chối tiếp nhận at the counter.
    RefuseAtCounter {
        new: Box<NewDossier>,
        reason: String,
        legal_basis: String,
    },
    /// Nộp trực tuyến: waits in the online queue (national status 1).
    SubmitOnline {
        new: Box<NewDossier>,
    },
    /// Tiếp nhận qua bưu chính: the handover record's signature is the submission time.
    ReceiveByPost {
        new: Box<NewDossier>,
        postal: PostalIntake,
    },
    AcceptOnline,
    RefuseOnline {
        reason: String,
        legal_basis: String,
    },
    /// One-time complete guidance for an online dossier (not received).
    RequestIntakeSupplement {
        items: Vec<SupplementItem>,
        reason: String,
    },
    /// The applicant adds what was asked for.
    SubmitSupplement {
        components: Vec<SubmittedComponent>,
        note: String,
    },
    /// Chuyển hồ sơ to a unit of the competent agency.
    Transfer {
        to_unit: AgencyId,
    },
    /// Thu hồi hồ sơ chuyển nhầm: the service centre takes back a dossier sent to the wrong
    /// unit, before that unit did anything with it, to transfer it again.
    RecallTransfer {
        reason: String,
    },
    /// Phân công (or phân công lại, with a reason) the current step.
    Assign {
        officer: Box<Officer>,
        reason: Option<String>,
    },
    AddNote {
        text: String,
    },
    RecordVerification {
        verification: Verification,
    },
    /// Soạn dự thảo kết quả: what the handler enters in the result template's fields (each
    /// saving is a new revision; an empty value clears a field).
    DraftResult {
        fields: std::collections::BTreeMap<String, String>,
    },
    RequestConsultation {
        unit: AgencyId,
        content: String,
        limit: Limit,
    },
    AnswerConsultation {
        id: u32,
        answer: String,
    },
    StartInterconnection {
        mode: InterconnectionMode,
        legs: Vec<LegPlan>,
    },
    CompleteLeg {
        index: usize,
        result: String,
    },
    /// Yêu cầu bổ sung during appraisal (within the supplement window after reception).
    RequestSupplement {
        items: Vec<SupplementItem>,
        reason: String,
        legal_basis: String,
    },
    /// Thông báo nghĩa vụ tài chính: the clock stops until the applicant has paid.
    RequestFinancialObligation {
        description: String,
        legal_basis: String,
    },
    /// Thu phí, lệ phí: money received against the dossier's fees (partial payments allowed).
    RecordPayment {
        amount: i64,
        method: super::fees::PaymentMethod,
        /// The transaction's reference; required but for cash.
        reference: Option<String>,
        /// Người nộp tiền, when not the applicant.
        payer: Option<String>,
    },
    /// Thêm nghĩa vụ tài chính: an amount another agency notified (e.g. a tax notice for land).
    AddFee {
        name: String,
        amount: i64,
        legal_basis: String,
    },
    /// Miễn, giảm phí, lệ phí, with its reason.
    WaiveFee {
        amount: i64,
        reason: String,
    },
    /// Hoàn trả phí, lệ phí đã nộp, when the dossier ends without a result.
    RefundFee {
        amount: i64,
        reason: String,
    },
    /// The system's signed documents of an issued receipt (its XML and PDF).
    SignReceipt {
        receipt: super::receipts::ReceiptKey,
        files: super::receipts::ReceiptFiles,
    },
    /// Thay thế biên lai: cancels a receipt and issues a new one (a new number) for the same
    /// payment, the payer's name corrected if given.
    ReplaceReceipt {
        receipt: super::receipts::ReceiptKey,
        payer: Option<String>,
        reason: String,
    },
    /// Hủy biên lai, with its reason.
    CancelReceipt {
        receipt: super::receipts::ReceiptKey,
        reason: String,
    },
    /// Chờ cơ quan khác.
    WaitForAgency {
        reason: String,
        legal_basis: String,
        stops_clock: bool,
    },
    /// End the open pause (obligation fulfilled, the other agency answered).
    EndPause {
        note: String,
    },
    /// Gia hạn theo quy định của pháp luật chuyên ngành.
    Extend {
        amount: Limit,
        reason: String,
        legal_basis: String,
    },
    /// To the next step (e.g. trình ký), optionally to another unit for a handling step.
    Forward {
        note: String,
        to_unit: Option<AgencyId>,
    },
    /// Phê duyệt / từ chối giải quyết.
    Decide {
        outcome: Outcome,
        reason: String,
        legal_basis: String,
        /// The approver's personal signature on the result document, when they sign one.
        signature: ApprovalSignature,
    },
    IssueResult {
        number: String,
        /// The signed result document, rendered and signed before the command is given.
        document: Option<super::event::ElectronicResult>,
    },
    Apologize {
        reason: String,
        new_appointment: DateTime<Utc>,
    },
    RequestWithdrawal {
        reason: String,
    },
    Stop {
        reason: String,
        legal_basis: String,
    },
    NotifyEarlyReturn {
        channel: String,
    },
    Return {
        received_by: String,
        originals_returned: Vec<String>,
        postal_bill: Option<String>,
        /// Thu phí khi trả kết quả: what is still owed, paid as the result is handed over — only
        /// for a procedure that pays at return (see [`Dossier::collects_at_return`]).
        collected: Option<Collection>,
    },
    /// Thu hồi kết quả điện tử: the competent leader withdraws the signed electronic result
    /// (issued wrongly, or annulled); the public verification then says it is revoked.
    RevokeResult {
        reason: String,
        legal_basis: String,
    },
    /// Records on the original that a correction dossier was opened.
    RecordCorrection {
        correction: DossierId,
        code: DossierCode,
        reason: String,
    },
}

impl Command {
    /// Short machine name, for logs and API routing.
    pub fn name(&self) -> &'static str {
        match self {
            Command::ReceiveAtCounter { .. } => "receive_at_counter",
            Command::RefuseAtCounter { .. } => "refuse_at_counter",
            Command::SubmitOnline { .. } => "submit_online",
            Command::ReceiveByPost { .. } => "receive_by_post",
            other => other.kind().map_or("", |k| k.name()),
        }
    }
}

/// Configurable legal parameters. Defaults follow vn-framework; those tagged [M] there are
/// documented as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LegalRules {
    /// A paper dossier received after the cut-off is transferred "at the start of the next
    /// working day" (ND 61 Art. 18); the transfer is due this many working minutes after opening
    /// time. Online dossiers (transferred "at once") get the same grace from reception. [M]
    pub transfer_grace_minutes: u32,
    /// ND 61 Art. 19(9): the apology is issued at the latest this many days before the due date.
    pub apology_lead_days: u32,
    /// QĐ 766: whether an apology's new date replaces the promised date when classifying. The
    /// national rule is unconfirmed (vn-framework §15 q. 8); default: the original promise. [M]
    pub qd766_counts_apology: bool,
}

impl Default for LegalRules {
    fn default() -> Self {
        Self {
            transfer_grace_minutes: 60,
            apology_lead_days: 1,
            qd766_counts_apology: false,
        }
    }
}

/// What a decision is taken with.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub actor: &'a Actor,
    /// The receiving agency's working calendar.
    pub calendar: &'a WorkCalendar,
    pub agencies: &'a AgencyTree,
    pub rules: &'a LegalRules,
    /// The dossier code the store issued for this change: the next number of the receiving
    /// centre's day, when an online submission is received (its provisional reference is
    /// replaced). `None` for every other command.
    pub issued_code: Option<DossierCode>,
    /// The receipt number the store issued for this change, from the collecting organisation's
    /// series: a payment then issues its electronic receipt, a replacement takes it. `None`
    /// when no series is kept (receipts on paper) and for every other command.
    pub receipt: Option<super::receipts::ReceiptNumber>,
}
