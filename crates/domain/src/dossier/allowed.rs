//! Lệnh khả dụng — which commands a dossier allows now. [`check`] is the one statement of each
//! command's precondition on the dossier (its stage, its step, an open pause, what was already
//! done, the legal windows): `decide` calls it before anything else, and the dossier page and the
//! API offer what [`available`] (and, for a given person, [`allowed`]) returns. What `decide`
//! checks after it concerns the command's own parameters only.

use serde::{Deserialize, Serialize};

use super::command::{Command, Context};
use super::state::Dossier;
use crate::agency::AgencyTree;
use crate::error::DomainError;
use crate::policy;

/// Giai đoạn — the lifecycle phases, each a module holding its commands' preconditions,
/// decisions and state changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// `intake.rs`: opening, checking, refusing, guidance, transfer.
    Intake,
    /// `handling.rs`: assignment, appraisal, consultation, interconnection, approval, issuance.
    Handling,
    /// `pauses.rs`: supplements, financial obligations, waiting, extensions, apology.
    Pauses,
    /// `closing.rs`: return, withdrawal, stop, correction.
    Closing,
    /// `fees.rs`: payments, fees added later, waivers, refunds.
    Fees,
    /// `receipts.rs`: electronic receipts' signing, cancellation and replacement.
    Receipts,
}

/// Declares [`CommandKind`] from one table: each kind, its machine name and its label.
macro_rules! command_kinds {
    ($($kind:ident => $name:literal, $label:literal, $phase:ident;)*) => {
        /// Loại lệnh — a command on an existing dossier, without its parameters. The names are
        /// the API's (`allowed_actions` on a dossier) and the logs'.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum CommandKind {
            $($kind),*
        }

        impl CommandKind {
            /// Every kind, in the table's order (the order of the lifecycle).
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$kind),*];

            /// Short machine name (the serialised form).
            pub fn name(self) -> &'static str {
                match self {
                    $(CommandKind::$kind => $name),*
                }
            }

            /// What an officer reads on a button or in a refusal.
            pub fn label(self) -> &'static str {
                match self {
                    $(CommandKind::$kind => $label),*
                }
            }

            /// The lifecycle phase whose module checks, decides and applies it.
            pub(super) fn phase(self) -> Phase {
                match self {
                    $(CommandKind::$kind => Phase::$phase),*
                }
            }
        }
    };
}

command_kinds! {
    AcceptOnline => "accept_online", "tiếp nhận hồ sơ trực tuyến", Intake;
    RefuseOnline => "refuse_online", "từ chối tiếp nhận", Intake;
    RequestIntakeSupplement => "request_intake_supplement", "hướng dẫn bổ sung", Intake;
    SubmitSupplement => "submit_supplement", "nộp bổ sung", Pauses;
    Transfer => "transfer", "chuyển hồ sơ", Intake;
    RecallTransfer => "recall_transfer", "thu hồi hồ sơ chuyển nhầm", Intake;
    Assign => "assign", "phân công xử lý", Handling;
    AddNote => "add_note", "ghi ý kiến thẩm định", Handling;
    RecordVerification => "record_verification", "ghi kết quả xác minh", Handling;
    DraftResult => "draft_result", "soạn dự thảo kết quả", Handling;
    RequestConsultation => "request_consultation", "lấy ý kiến", Handling;
    AnswerConsultation => "answer_consultation", "trả lời xin ý kiến", Handling;
    StartInterconnection => "start_interconnection", "chuyển liên thông", Handling;
    CompleteLeg => "complete_leg", "ghi kết quả liên thông", Handling;
    RequestSupplement => "request_supplement", "yêu cầu bổ sung hồ sơ", Pauses;
    RequestFinancialObligation => "request_financial_obligation", "thông báo nghĩa vụ tài chính", Pauses;
    WaitForAgency => "wait_for_agency", "tạm dừng chờ cơ quan khác", Pauses;
    EndPause => "end_pause", "tiếp tục tính thời gian", Pauses;
    Extend => "extend", "gia hạn", Pauses;
    Forward => "forward", "chuyển bước xử lý", Handling;
    Decide => "decide", "phê duyệt", Handling;
    IssueResult => "issue_result", "phát hành kết quả", Handling;
    Apologize => "apologize", "xin lỗi và hẹn lại", Pauses;
    AddFee => "add_fee", "thêm nghĩa vụ tài chính", Fees;
    WaiveFee => "waive_fee", "miễn, giảm phí, lệ phí", Fees;
    RecordPayment => "record_payment", "thu phí, lệ phí", Fees;
    RefundFee => "refund_fee", "hoàn trả phí, lệ phí", Fees;
    SignReceipt => "sign_receipt", "ký số biên lai điện tử", Receipts;
    ReplaceReceipt => "replace_receipt", "thay thế biên lai", Receipts;
    CancelReceipt => "cancel_receipt", "hủy biên lai", Receipts;
    RequestWithdrawal => "request_withdrawal", "yêu cầu rút hồ sơ", Closing;
    Stop => "stop", "dừng giải quyết", Closing;
    NotifyEarlyReturn => "notify_early_return", "thông báo trả kết quả sớm", Closing;
    Return => "return", "trả kết quả", Closing;
    RecordCorrection => "record_correction", "mở hồ sơ đính chính", Closing;
    RevokeResult => "revoke_result", "thu hồi kết quả điện tử", Closing;
}

/// Whether the dossier allows a command of this kind now; the refusal names the rule. Each
/// phase states its own commands' preconditions.
pub fn check(d: &Dossier, kind: CommandKind, ctx: &Context<'_>) -> Result<(), DomainError> {
    match kind.phase() {
        Phase::Intake => super::intake::check(d, kind, ctx),
        Phase::Handling => super::handling::check(d, kind, ctx),
        Phase::Pauses => super::pauses::check(d, kind, ctx),
        Phase::Closing => super::closing::check(d, kind, ctx),
        Phase::Fees => super::fees::check(d, kind, ctx),
        Phase::Receipts => super::receipts::check(d, kind, ctx),
    }
}

/// The kinds of command the dossier allows now, whoever asks.
pub fn available(d: &Dossier, ctx: &Context<'_>) -> Vec<CommandKind> {
    CommandKind::ALL
        .iter()
        .copied()
        .filter(|k| check(d, *k, ctx).is_ok())
        .collect()
}

/// The kinds of command `ctx.actor` may give on the dossier now: what it allows and the actor's
/// roles cover. `applicant` says whether the actor is the dossier's applicant (known to the
/// app, which keeps the accounts); an officer at the receiving counter may record what the
/// applicant brings (ND 61 Art. 15).
pub fn allowed(
    d: &Dossier,
    ctx: &Context<'_>,
    tree: &AgencyTree,
    applicant: bool,
) -> Vec<CommandKind> {
    available(d, ctx)
        .into_iter()
        .filter(|k| policy::may_command(ctx.actor, d, *k, None, applicant, tree).is_ok())
        .collect()
}

impl Command {
    /// The kind of a command on an existing dossier (`None` for the commands that open one).
    pub fn kind(&self) -> Option<CommandKind> {
        use CommandKind as K;
        Some(match self {
            Command::ReceiveAtCounter { .. }
            | Command::RefuseAtCounter { .. }
            | Command::SubmitOnline { .. }
            | Command::ReceiveByPost { .. } => return None,
            Command::AcceptOnline => K::AcceptOnline,
            Command::RefuseOnline { .. } => K::RefuseOnline,
            Command::RequestIntakeSupplement { .. } => K::RequestIntakeSupplement,
            Command::SubmitSupplement { .. } => K::SubmitSupplement,
            Command::Transfer { .. } => K::Transfer,
            Command::RecallTransfer { .. } => K::RecallTransfer,
            Command::Assign { .. } => K::Assign,
            Command::AddNote { .. } => K::AddNote,
            Command::RecordVerification { .. } => K::RecordVerification,
            Command::DraftResult { .. } => K::DraftResult,
            Command::RequestConsultation { .. } => K::RequestConsultation,
            Command::AnswerConsultation { .. } => K::AnswerConsultation,
            Command::StartInterconnection { .. } => K::StartInterconnection,
            Command::CompleteLeg { .. } => K::CompleteLeg,
            Command::RequestSupplement { .. } => K::RequestSupplement,
            Command::RequestFinancialObligation { .. } => K::RequestFinancialObligation,
            Command::WaitForAgency { .. } => K::WaitForAgency,
            Command::EndPause { .. } => K::EndPause,
            Command::Extend { .. } => K::Extend,
            Command::Forward { .. } => K::Forward,
            Command::Decide { .. } => K::Decide,
            Command::IssueResult { .. } => K::IssueResult,
            Command::Apologize { .. } => K::Apologize,
            Command::RequestWithdrawal { .. } => K::RequestWithdrawal,
            Command::Stop { .. } => K::Stop,
            Command::RevokeResult { .. } => K::RevokeResult,
            Command::NotifyEarlyReturn { .. } => K::NotifyEarlyReturn,
            Command::Return { .. } => K::Return,
            Command::RecordCorrection { .. } => K::RecordCorrection,
            Command::RecordPayment { .. } => K::RecordPayment,
            Command::AddFee { .. } => K::AddFee,
            Command::WaiveFee { .. } => K::WaiveFee,
            Command::RefundFee { .. } => K::RefundFee,
            Command::SignReceipt { .. } => K::SignReceipt,
            Command::ReplaceReceipt { .. } => K::ReplaceReceipt,
            Command::CancelReceipt { .. } => K::CancelReceipt,
        })
    }
}
