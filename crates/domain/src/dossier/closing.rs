//! Kết thúc — how a dossier leaves handling: the result returned (early notice first, when it
//! is ready before the appointment), withdrawn at the applicant's request, stopped, and later
//! corrected by a new dossier: ND 61/2018 Art. 20–21.

use super::allowed::CommandKind;
use super::command::*;
use super::decide::*;
use super::event::*;
use super::stage::Stage;
use super::state::*;
use crate::error::DomainError;

/// ND 61/2018 Art. 22: a result is handed over once its fees are paid (or waived). A refusal is
/// not held back, and dossiers opened before fees were collected here are not either.
fn fees_settled(d: &Dossier) -> Result<(), DomainError> {
    let approved = d
        .decision
        .as_ref()
        .is_some_and(|x| x.outcome == Outcome::Approved);
    let owed = d.fees_outstanding();
    if d.fees_tracked && approved && owed > 0 {
        return Err(DomainError::rule(
            "fees_unpaid",
            if d.procedure.fees_at_return {
                format!(
                    "Hồ sơ còn {} đồng phí, lệ phí nộp khi nhận kết quả: ghi khoản thu cùng lúc trả kết quả (Điều 22 NĐ 61/2018/NĐ-CP).",
                    vntext::money::figures(owed)
                )
            } else {
                format!(
                    "Hồ sơ còn {} đồng phí, lệ phí chưa nộp. Thu đủ (hoặc ghi miễn, giảm có lý do) trước khi trả kết quả (Điều 22 NĐ 61/2018/NĐ-CP).",
                    vntext::money::figures(owed)
                )
            },
        ));
    }
    Ok(())
}

/// Whether the dossier allows a command of this phase now (see [`super::check`]).
pub(super) fn check(d: &Dossier, kind: CommandKind, ctx: &Context<'_>) -> Result<(), DomainError> {
    use CommandKind::*;
    let action = kind.label();
    match kind {
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
            if let (Stage::Returned, Some(r)) = (d.stage, &d.returned) {
                return Err(DomainError::rule(
                    "already_returned",
                    format!(
                        "Hồ sơ đã được trả kết quả lúc {} cho {}; không trả lại lần nữa.",
                        lich::time::to_vn(&r.at).format("%H:%M %d/%m/%Y"),
                        r.received_by
                    ),
                ));
            }
            if d.stage == Stage::ResultReady {
                // Paying at return: the return itself collects what is owed.
                if d.collects_at_return() {
                    return Ok(());
                }
                fees_settled(d)
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
        RevokeResult => {
            if d.electronic_result.is_none() {
                Err(DomainError::rule(
                    "no_electronic_result",
                    "Hồ sơ không có kết quả điện tử để thu hồi.",
                ))
            } else if d.result_revoked.is_some() {
                Err(DomainError::rule(
                    "already_revoked",
                    "Kết quả điện tử của hồ sơ đã bị thu hồi.",
                ))
            } else {
                Ok(())
            }
        }
        other => unreachable!("{} is not checked in this phase", other.name()),
    }
}

/// Decides a command of this phase; `decide` checked first that the dossier allows it.
pub(super) fn decide(
    d: &Dossier,
    command: Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use Command::*;
    match command {
        RequestWithdrawal { reason } => Ok(vec![Event::WithdrawalRequested {
            reason: text("Lý do rút hồ sơ", &reason, 2000)?,
        }]),
        Stop {
            reason,
            legal_basis,
        } => Ok(vec![Event::Stopped {
            reason: text("Lý do dừng", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
        }]),
        NotifyEarlyReturn { channel } => Ok(vec![Event::EarlyReturnNotified {
            channel: text("Kênh thông báo", &channel, 100)?,
        }]),
        Return {
            received_by,
            originals_returned,
            postal_bill,
            collected,
        } => {
            if matches!(d.return_method, ReturnMethod::Post { .. }) && postal_bill.is_none() {
                return Err(DomainError::invalid(
                    "postal_bill_required",
                    "Trả kết quả qua bưu chính cần số hiệu bưu gửi.",
                ));
            }
            // What is owed is paid first, in the same change: both or neither.
            let mut events = match (collected, d.collects_at_return()) {
                (None, false) => Vec::new(),
                // Refused: the message asks for the collection.
                (None, true) => {
                    fees_settled(d)?;
                    Vec::new()
                }
                (Some(_), false) => {
                    return Err(DomainError::rule(
                        "nothing_to_collect",
                        "Thủ tục này không thu phí, lệ phí khi trả kết quả, hoặc hồ sơ không còn khoản phải nộp.",
                    ));
                }
                (Some(c), true) => super::fees::decide(
                    d,
                    Command::RecordPayment {
                        amount: d.fees_outstanding(),
                        method: c.method,
                        reference: c.reference,
                        payer: c.payer,
                    },
                    ctx,
                )?,
            };
            events.push(Event::Returned {
                method: d.return_method.clone(),
                received_by: text("Người nhận kết quả", &received_by, 200)?,
                originals_returned: originals_returned
                    .iter()
                    .map(|o| text("Bản chính trả lại", o, 300))
                    .collect::<Result<_, _>>()?,
                postal_bill: postal_bill
                    .map(|b| text("Số hiệu bưu gửi", &b, 50))
                    .transpose()?,
            });
            Ok(events)
        }
        RecordCorrection {
            correction,
            code,
            reason,
        } => Ok(vec![Event::CorrectionOpened {
            correction,
            code,
            reason: text("Lý do đính chính", &reason, 2000)?,
        }]),
        RevokeResult {
            reason,
            legal_basis,
        } => Ok(vec![Event::ResultRevoked {
            reason: text("Lý do thu hồi", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
        }]),
        other => unreachable!("{} is not decided in this phase", other.name()),
    }
}

impl Dossier {
    /// Applies an event of this phase.
    pub(super) fn apply_closing(&mut self, r: &Recorded) {
        let at = r.at;
        match &r.event {
            Event::WithdrawalRequested { reason } => {
                self.stage_before_withdrawal = Some(self.stage);
                self.stage = Stage::WithdrawalRequested;
                self.withdrawal = Some(Reasoned {
                    reason: reason.clone(),
                    legal_basis: String::new(),
                    at,
                });
            }
            Event::Stopped {
                reason,
                legal_basis,
            } => {
                self.stage = Stage::Stopped;
                self.close_pause(at);
                if let Some(step) = self.steps.last_mut() {
                    step.ended_at.get_or_insert(at);
                }
                self.stopped = Some(Reasoned {
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                });
            }
            Event::ResultRevoked {
                reason,
                legal_basis,
            } => {
                self.result_revoked = Some(Reasoned {
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                });
            }
            Event::EarlyReturnNotified { .. } => self.early_notice_at = Some(at),
            Event::Returned {
                method,
                received_by,
                originals_returned,
                postal_bill,
            } => {
                self.stage = Stage::Returned;
                if let Some(step) = self.steps.last_mut() {
                    step.ended_at.get_or_insert(at);
                }
                self.returned = Some(ReturnRecord {
                    at,
                    method: method.clone(),
                    received_by: received_by.clone(),
                    originals_returned: originals_returned.clone(),
                    postal_bill: postal_bill.clone(),
                });
            }
            Event::CorrectionOpened {
                correction, code, ..
            } => self.corrections.push((*correction, code.clone())),
            _ => {}
        }
    }
}
