//! Lệnh khả dụng — which commands a dossier allows now. [`check`] is the one statement of each
//! command's precondition on the dossier (its stage, its step, an open pause, what was already
//! done, the legal windows): `decide` calls it before anything else, and the dossier page and the
//! API offer what [`available`] (and, for a given person, [`allowed`]) returns. What `decide`
//! checks after it concerns the command's own parameters only.

use serde::{Deserialize, Serialize};

use super::command::{Command, Context};
use super::decide::{
    due_after, expect_handling, expect_stage, expect_step, local_day, no_open_pause, spoken,
    transition, whole_days,
};
use super::event::PauseKind;
use super::stage::Stage;
use super::state::Dossier;
use crate::agency::AgencyTree;
use crate::error::DomainError;
use crate::policy;
use crate::procedure::StepKind;

/// Declares [`CommandKind`] from one table: each kind, its machine name and its label.
macro_rules! command_kinds {
    ($($kind:ident => $name:literal, $label:literal;)*) => {
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
        }
    };
}

command_kinds! {
    AcceptOnline => "accept_online", "tiếp nhận hồ sơ trực tuyến";
    RefuseOnline => "refuse_online", "từ chối tiếp nhận";
    RequestIntakeSupplement => "request_intake_supplement", "hướng dẫn bổ sung";
    SubmitSupplement => "submit_supplement", "nộp bổ sung";
    Transfer => "transfer", "chuyển hồ sơ";
    RecallTransfer => "recall_transfer", "thu hồi hồ sơ chuyển nhầm";
    Assign => "assign", "phân công xử lý";
    AddNote => "add_note", "ghi ý kiến thẩm định";
    RecordVerification => "record_verification", "ghi kết quả xác minh";
    RequestConsultation => "request_consultation", "lấy ý kiến";
    AnswerConsultation => "answer_consultation", "trả lời xin ý kiến";
    StartInterconnection => "start_interconnection", "chuyển liên thông";
    CompleteLeg => "complete_leg", "ghi kết quả liên thông";
    RequestSupplement => "request_supplement", "yêu cầu bổ sung hồ sơ";
    RequestFinancialObligation => "request_financial_obligation", "thông báo nghĩa vụ tài chính";
    WaitForAgency => "wait_for_agency", "tạm dừng chờ cơ quan khác";
    EndPause => "end_pause", "tiếp tục tính thời gian";
    Extend => "extend", "gia hạn";
    Forward => "forward", "chuyển bước xử lý";
    Decide => "decide", "phê duyệt";
    IssueResult => "issue_result", "phát hành kết quả";
    Apologize => "apologize", "xin lỗi và hẹn lại";
    RequestWithdrawal => "request_withdrawal", "yêu cầu rút hồ sơ";
    Stop => "stop", "dừng giải quyết";
    NotifyEarlyReturn => "notify_early_return", "thông báo trả kết quả sớm";
    Return => "return", "trả kết quả";
    RecordCorrection => "record_correction", "mở hồ sơ đính chính";
}

/// Whether the dossier allows a command of this kind now; the refusal names the rule.
pub fn check(d: &Dossier, kind: CommandKind, ctx: &Context<'_>) -> Result<(), DomainError> {
    use CommandKind::*;
    let action = kind.label();
    match kind {
        AcceptOnline | RefuseOnline | RequestIntakeSupplement => {
            expect_stage(d, &[Stage::Submitted], action)
        }
        SubmitSupplement => expect_stage(
            d,
            &[Stage::IntakeSupplement, Stage::SupplementRequested],
            action,
        ),
        Transfer => expect_stage(d, &[Stage::Received], action),
        RecallTransfer => recall_possible(d),
        Assign => {
            expect_stage(d, &[Stage::InProgress], action)?;
            super::decide::current(d).map(|_| ())
        }
        AddNote | RecordVerification | RequestConsultation => expect_handling(d, action),
        AnswerConsultation => {
            if d.consultations.iter().any(|c| c.answered_at.is_none()) {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "no_consultation_pending",
                    "Hồ sơ không có yêu cầu xin ý kiến nào đang chờ trả lời.",
                ))
            }
        }
        StartInterconnection => {
            expect_handling(d, action)?;
            no_open_pause(d)?;
            if d.interconnection.as_ref().is_some_and(|i| !i.is_complete()) {
                return Err(DomainError::rule(
                    "interconnection_open",
                    "Hồ sơ đang chờ các cơ quan liên thông.",
                ));
            }
            Ok(())
        }
        CompleteLeg => {
            let ic = d.interconnection.as_ref().ok_or_else(|| {
                DomainError::rule("no_interconnection", "Hồ sơ không có phần liên thông nào.")
            })?;
            if ic
                .legs
                .iter()
                .any(|l| l.started_at.is_some() && l.completed_at.is_none())
            {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "no_leg_open",
                    "Không có cơ quan liên thông nào đang xử lý phần việc của mình.",
                ))
            }
        }
        RequestSupplement => {
            expect_handling(d, action)?;
            no_open_pause(d)?;
            supplement_window_open(d, ctx)
        }
        RequestFinancialObligation | WaitForAgency => {
            expect_handling(d, action)?;
            no_open_pause(d)
        }
        EndPause => pause_may_end(d),
        Extend => expect_stage(
            d,
            &[
                Stage::InProgress,
                Stage::AwaitingFinancialObligation,
                Stage::SupplementRequested,
            ],
            action,
        ),
        Forward => {
            expect_stage(d, &[Stage::InProgress], action)?;
            expect_step(d, StepKind::Handling, action)?;
            no_open_pause(d)?;
            forward_possible(d)
        }
        Decide => {
            expect_stage(d, &[Stage::InProgress], action)?;
            expect_step(d, StepKind::Approval, action)?;
            no_open_pause(d)
        }
        IssueResult => {
            expect_stage(d, &[Stage::InProgress], action)?;
            expect_step(d, StepKind::Issuance, action)
        }
        Apologize => apology_possible(d, ctx),
        RequestWithdrawal => expect_stage(
            d,
            &[
                Stage::Submitted,
                Stage::IntakeSupplement,
                Stage::Received,
                Stage::InProgress,
                Stage::SupplementRequested,
                Stage::AwaitingFinancialObligation,
            ],
            action,
        ),
        Stop => {
            if d.stage.is_terminal() || d.stage == Stage::Returned {
                Err(transition(d, action))
            } else {
                Ok(())
            }
        }
        NotifyEarlyReturn => {
            expect_stage(d, &[Stage::ResultReady], action)?;
            let appointment = d.appointment.expect("a decided dossier has an appointment");
            if local_day(ctx.now) >= local_day(appointment) {
                return Err(DomainError::rule(
                    "not_early",
                    "Đã đến ngày hẹn trả; không phải trả kết quả sớm.",
                ));
            }
            if d.early_notice_at.is_some() {
                return Err(DomainError::rule(
                    "already_notified",
                    "Đã thông báo trả kết quả sớm cho người nộp.",
                ));
            }
            Ok(())
        }
        Return => {
            if d.stage == Stage::ResultReady {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "result_not_ready",
                    format!(
                        "Chưa thể trả kết quả: hồ sơ chưa được phê duyệt và phát hành (trạng thái hiện tại: {}).",
                        d.stage.label()
                    ),
                ))
            }
        }
        RecordCorrection => expect_stage(d, &[Stage::ResultReady, Stage::Returned], action),
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
            Command::NotifyEarlyReturn { .. } => K::NotifyEarlyReturn,
            Command::Return { .. } => K::Return,
            Command::RecordCorrection { .. } => K::RecordCorrection,
        })
    }
}

/// Thu hồi hồ sơ chuyển nhầm (ND 61 Art. 18): the service centre takes back a dossier it sent
/// to a unit, as long as nothing was done there yet — no handler, no opinion, no pause.
fn recall_possible(d: &Dossier) -> Result<(), DomainError> {
    let action = CommandKind::RecallTransfer.label();
    expect_stage(d, &[Stage::InProgress], action)?;
    let step = super::decide::current(d)?;
    let from_reception = d
        .steps
        .len()
        .checked_sub(2)
        .and_then(|i| d.steps.get(i))
        .is_some_and(|s| s.index == 0);
    let touched = step.handler.is_some()
        || d.notes.iter().any(|(at, ..)| *at >= step.started_at)
        || d.consultations
            .iter()
            .any(|c| c.requested_at >= step.started_at)
        || d.verifications.iter().any(|v| v.at >= step.started_at)
        || d.pauses.iter().any(|p| p.from >= step.started_at)
        || d.interconnection.is_some()
        || d.extensions.iter().any(|e| e.at >= step.started_at);
    if !from_reception || touched {
        return Err(DomainError::rule(
            "recall_not_possible",
            "Chỉ thu hồi được hồ sơ vừa chuyển từ Bộ phận Một cửa khi đơn vị nhận chưa phân công, chưa xử lý.",
        ));
    }
    Ok(())
}

/// ND 61/2018 Art. 19(4): a supplement is asked for no later than 3 working days after reception.
fn supplement_window_open(d: &Dossier, ctx: &Context<'_>) -> Result<(), DomainError> {
    let received = d.received_at.expect("a dossier in progress was received");
    let window_end = due_after(ctx, received, d.procedure.supplement_window, whole_days(d))?;
    if ctx.now > window_end {
        return Err(DomainError::rule(
            "supplement_window_passed",
            format!(
                "Đã quá thời hạn yêu cầu bổ sung ({} kể từ ngày tiếp nhận, hết lúc {}; Điều 19 khoản 4 NĐ 61/2018/NĐ-CP). Hồ sơ phải được giải quyết hoặc từ chối giải quyết.",
                d.procedure.supplement_window,
                spoken(window_end)
            ),
        ));
    }
    Ok(())
}

fn pause_may_end(d: &Dossier) -> Result<(), DomainError> {
    let pause = d
        .open_pause()
        .ok_or_else(|| DomainError::rule("no_open_pause", "Hồ sơ không đang tạm dừng."))?;
    match pause.kind {
        PauseKind::Supplement => Err(DomainError::rule(
            "supplement_pending",
            "Hồ sơ đang chờ công dân bổ sung; thời gian chỉ tính lại khi nhận đủ hồ sơ bổ sung.",
        )),
        PauseKind::OtherAgency if d.interconnection.as_ref().is_some_and(|i| !i.is_complete()) => {
            Err(DomainError::rule(
                "interconnection_open",
                "Hồ sơ đang chờ các cơ quan liên thông; ghi nhận kết quả của từng cơ quan.",
            ))
        }
        _ => Ok(()),
    }
}

/// Before approval, every opinion asked for and every interconnected agency's part are in.
fn forward_possible(d: &Dossier) -> Result<(), DomainError> {
    let current = super::decide::current(d)?;
    let next = d.procedure.steps.get(current.index + 1);
    if next.is_some_and(|s| s.kind == StepKind::Approval) {
        if let Some(c) = d.consultations.iter().find(|c| c.answered_at.is_none()) {
            return Err(DomainError::rule(
                "consultation_pending",
                format!(
                    "Chưa nhận được ý kiến của {} (yêu cầu số {}).",
                    c.unit, c.id
                ),
            ));
        }
        if d.interconnection.as_ref().is_some_and(|i| !i.is_complete()) {
            return Err(DomainError::rule(
                "interconnection_open",
                "Chưa nhận đủ kết quả của các cơ quan liên thông.",
            ));
        }
    }
    Ok(())
}

/// ND 61/2018 Art. 19(9): once only, at the latest some days before the due date.
fn apology_possible(d: &Dossier, ctx: &Context<'_>) -> Result<(), DomainError> {
    expect_stage(
        d,
        &[
            Stage::Received,
            Stage::InProgress,
            Stage::AwaitingFinancialObligation,
            Stage::SupplementRequested,
        ],
        CommandKind::Apologize.label(),
    )?;
    if d.apology.is_some() {
        return Err(DomainError::rule(
            "apology_once",
            "Chỉ được hẹn lại ngày trả kết quả một lần (Điều 19 khoản 9 NĐ 61/2018/NĐ-CP); hồ sơ đã có phiếu xin lỗi.",
        ));
    }
    let due = d
        .appointment
        .expect("a received dossier has an appointment");
    let latest = local_day(due) - chrono::Days::new(u64::from(ctx.rules.apology_lead_days));
    if local_day(ctx.now) > latest {
        return Err(DomainError::rule(
            "apology_too_late",
            format!(
                "Phiếu xin lỗi và hẹn lại phải gửi chậm nhất {} ngày trước ngày hết hạn ({}), tức là trước hết ngày {} (Điều 19 khoản 9 NĐ 61/2018/NĐ-CP).",
                ctx.rules.apology_lead_days,
                local_day(due).format("%d/%m/%Y"),
                latest.format("%d/%m/%Y")
            ),
        ));
    }
    Ok(())
}
