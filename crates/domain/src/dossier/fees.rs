//! Phí, lệ phí — the dossier's financial obligations and the money against them (ND 61/2018
//! Art. 22): the fees computed at opening from the procedure version, amounts another agency
//! notifies later (a tax notice), payments (cash at the counter, a transfer, online, through the
//! postal operator), waivers with their reason, and refunds when the dossier ends without a
//! result. Each is an event; the balance is derived from them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::allowed::CommandKind;
use super::command::*;
use super::decide::*;
use super::event::*;
use super::stage::Stage;
use super::state::*;
use crate::error::DomainError;
use crate::officer::ActorRef;

/// The largest amount one fee line or payment may carry (one hundred billion đồng): beyond any
/// administrative fee, and far from overflowing a sum.
pub const MAX_AMOUNT: i64 = 100_000_000_000;

/// Hình thức nộp phí, lệ phí (ND 61/2018 Art. 22(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentMethod {
    /// Tiền mặt tại Bộ phận Một cửa.
    Cash,
    /// Chuyển khoản vào tài khoản thu phí (e.g. by the VietQR code on the receipt).
    BankTransfer,
    /// Thanh toán trực tuyến qua chức năng thanh toán của hệ thống hoặc Cổng thanh toán.
    Online,
    /// Nộp qua doanh nghiệp bưu chính công ích.
    Postal,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [
        PaymentMethod::Cash,
        PaymentMethod::BankTransfer,
        PaymentMethod::Online,
        PaymentMethod::Postal,
    ];

    /// The name APIs and files use (its serde name): "cash", "bank-transfer", "online",
    /// "postal".
    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::BankTransfer => "bank-transfer",
            PaymentMethod::Online => "online",
            PaymentMethod::Postal => "postal",
        }
    }

    /// The method of a [`PaymentMethod::code`].
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "Tiền mặt tại Bộ phận Một cửa",
            PaymentMethod::BankTransfer => "Chuyển khoản",
            PaymentMethod::Online => "Thanh toán trực tuyến",
            PaymentMethod::Postal => "Qua bưu chính công ích",
        }
    }
}

/// Một lần nộp tiền.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub at: DateTime<Utc>,
    /// Who recorded it (the counter officer, or the system for a gateway's confirmation).
    pub by: ActorRef,
    pub amount: i64,
    pub method: PaymentMethod,
    /// The transaction's reference (bank, gateway, postal bill), when there is one.
    pub reference: Option<String>,
    /// Người nộp tiền.
    pub payer: String,
}

/// A waiver or a refund: an amount, why, and who recorded it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeAdjustment {
    pub at: DateTime<Utc>,
    pub by: ActorRef,
    pub amount: i64,
    pub reason: String,
}

impl Dossier {
    /// Tổng phí, lệ phí phải nộp: every fee line, those added while handling included.
    pub fn fees_due(&self) -> i64 {
        self.fees.iter().map(|f| f.amount).sum()
    }

    /// Paid so far, refunds not deducted.
    pub fn fees_paid(&self) -> i64 {
        self.payments.iter().map(|p| p.amount).sum()
    }

    pub fn fees_waived(&self) -> i64 {
        self.waivers.iter().map(|w| w.amount).sum()
    }

    pub fn fees_refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    /// Còn phải nộp: what is due less what was paid or waived (never below zero).
    pub fn fees_outstanding(&self) -> i64 {
        (self.fees_due() - self.fees_waived() - self.fees_paid()).max(0)
    }

    /// Paid and not refunded.
    pub fn fees_held(&self) -> i64 {
        self.fees_paid() - self.fees_refunded()
    }

    /// Whether what is still owed is collected as the result is handed over, in the same step
    /// (the procedure pays at return, something is owed, and the dossier still takes money).
    pub fn collects_at_return(&self) -> bool {
        self.fees_tracked
            && self.procedure.fees_at_return
            && self.fees_outstanding() > 0
            && self.takes_payments()
    }

    /// Whether some of the money was paid online (QĐ 766 indicator 3.6).
    pub fn paid_online(&self) -> bool {
        self.payments
            .iter()
            .any(|p| p.method == PaymentMethod::Online)
    }

    /// Whether the dossier ended without a result, so that what was paid is owed back: refused
    /// at intake or at decision, withdrawn, or stopped.
    fn ended_without_result(&self) -> bool {
        self.stage == Stage::RefusedAtIntake
            || self.stopped.is_some()
            || self
                .decision
                .as_ref()
                .is_some_and(|d| d.outcome == Outcome::Refused)
    }

    /// Whether the dossier still takes money: not ended without a result, not returned.
    fn takes_payments(&self) -> bool {
        !self.ended_without_result() && self.stage != Stage::Returned
    }
}

/// Whether the dossier allows a command of this phase now (see [`super::check`]).
pub(super) fn check(d: &Dossier, kind: CommandKind, _ctx: &Context<'_>) -> Result<(), DomainError> {
    use CommandKind::*;
    let action = kind.label();
    match kind {
        RecordPayment | WaiveFee => {
            if !d.takes_payments() {
                return Err(transition(d, action));
            }
            if d.fees_outstanding() == 0 {
                return Err(DomainError::rule(
                    "nothing_to_pay",
                    "Hồ sơ không còn khoản phí, lệ phí nào phải nộp.",
                ));
            }
            Ok(())
        }
        AddFee => expect_stage(
            d,
            &[
                Stage::Received,
                Stage::InProgress,
                Stage::AwaitingFinancialObligation,
            ],
            action,
        ),
        RefundFee => {
            if !d.ended_without_result() {
                return Err(DomainError::rule(
                    "refund_not_due",
                    "Chỉ hoàn trả phí, lệ phí khi hồ sơ bị từ chối, được rút hoặc dừng giải quyết.",
                ));
            }
            if d.fees_held() <= 0 {
                return Err(DomainError::rule(
                    "nothing_to_refund",
                    "Hồ sơ không có khoản tiền đã nộp nào chưa hoàn trả.",
                ));
            }
            Ok(())
        }
        other => unreachable!("{} is not checked in this phase", other.name()),
    }
}

/// The command's decision, once [`check`] allowed it.
pub(super) fn decide(
    d: &Dossier,
    command: Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use Command::*;
    match command {
        RecordPayment {
            amount,
            method,
            reference,
            payer,
        } => {
            within("Số tiền nộp", amount, d.fees_outstanding(), "còn phải nộp")?;
            let reference = Some(optional_text(
                "Mã giao dịch",
                reference.as_deref().unwrap_or_default(),
                100,
            )?)
            .filter(|r| !r.is_empty());
            if method == PaymentMethod::Online
                && !matches!(ctx.actor, crate::officer::Actor::System)
            {
                return Err(DomainError::forbidden(
                    "Khoản thanh toán trực tuyến do cổng thanh toán xác nhận, không ghi bằng tay.",
                ));
            }
            if let Some(r) = &reference
                && d.payments
                    .iter()
                    .any(|p| p.method == method && p.reference.as_ref() == Some(r))
            {
                return Err(DomainError::rule(
                    "payment_recorded",
                    format!("Khoản nộp có mã giao dịch {r} đã được ghi nhận."),
                ));
            }
            if method != PaymentMethod::Cash && reference.is_none() {
                return Err(DomainError::invalid(
                    "reference_required",
                    format!(
                        "Cần nhập mã giao dịch hoặc số chứng từ của khoản nộp ({}).",
                        method.label().to_lowercase()
                    ),
                ));
            }
            let payer = payer_or(payer.as_deref(), d.applicant.display_name())?;
            let paid = Event::FeePaid {
                amount,
                method,
                reference,
                payer,
            };
            let receipt = ctx
                .receipt
                .as_ref()
                .and_then(|n| super::receipts::for_payment(d, n, &paid, ctx.now));
            Ok(std::iter::once(paid).chain(receipt).collect())
        }
        AddFee {
            name,
            amount,
            legal_basis,
        } => {
            within("Số tiền", amount, MAX_AMOUNT, "giới hạn một khoản")?;
            Ok(vec![Event::FeeAdded {
                line: FeeLine {
                    name: text("Tên khoản phải nộp", &name, 300)?,
                    amount,
                },
                legal_basis: text("Căn cứ (thông báo nộp)", &legal_basis, 500)?,
            }])
        }
        WaiveFee { amount, reason } => {
            within(
                "Số tiền miễn, giảm",
                amount,
                d.fees_outstanding(),
                "còn phải nộp",
            )?;
            Ok(vec![Event::FeeWaived {
                amount,
                reason: text("Lý do miễn, giảm", &reason, 1000)?,
            }])
        }
        RefundFee { amount, reason } => {
            within(
                "Số tiền hoàn trả",
                amount,
                d.fees_held(),
                "đã nộp chưa hoàn",
            )?;
            Ok(vec![Event::FeeRefunded {
                amount,
                reason: text("Lý do hoàn trả", &reason, 1000)?,
            }])
        }
        other => unreachable!("{:?} is not decided in this phase", other.kind()),
    }
}

/// Người nộp tiền as given, or `default` (the applicant, the receipt's payer) when left empty.
pub(super) fn payer_or(given: Option<&str>, default: &str) -> Result<String, DomainError> {
    Ok(
        match optional_text("Người nộp tiền", given.unwrap_or_default(), 200)? {
            p if p.is_empty() => default.to_string(),
            p => p,
        },
    )
}

/// An amount of at least 1 đồng and at most `limit` (what is left to pay, or held).
fn within(field: &str, amount: i64, limit: i64, what: &str) -> Result<(), DomainError> {
    if amount <= 0 {
        return Err(DomainError::invalid(
            "invalid_amount",
            format!("\"{field}\" phải lớn hơn 0 đồng."),
        ));
    }
    if amount > limit {
        return Err(DomainError::invalid(
            "amount_too_large",
            format!(
                "\"{field}\" ({} đồng) vượt số {what} ({} đồng).",
                vntext::money::figures(amount),
                vntext::money::figures(limit)
            ),
        ));
    }
    Ok(())
}

impl Dossier {
    /// Applies an event of this phase.
    pub(super) fn apply_fees(&mut self, r: &Recorded) {
        match &r.event {
            Event::FeeAdded { line, .. } => self.fees.push(line.clone()),
            Event::FeePaid {
                amount,
                method,
                reference,
                payer,
            } => self.payments.push(PaymentRecord {
                at: r.at,
                by: r.actor.clone(),
                amount: *amount,
                method: *method,
                reference: reference.clone(),
                payer: payer.clone(),
            }),
            Event::FeeWaived { amount, reason } => self.waivers.push(FeeAdjustment {
                at: r.at,
                by: r.actor.clone(),
                amount: *amount,
                reason: reason.clone(),
            }),
            Event::FeeRefunded { amount, reason } => self.refunds.push(FeeAdjustment {
                at: r.at,
                by: r.actor.clone(),
                amount: *amount,
                reason: reason.clone(),
            }),
            _ => unreachable!("{} is not applied in this phase", r.event.kind()),
        }
    }
}
