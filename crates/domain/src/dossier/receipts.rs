//! Biên lai điện tử — electronic receipts for fees and charges (ND 254/2026; vn-framework §8.2):
//! one issued with each payment when the collecting organisation keeps a receipt series (ký hiệu
//! mẫu, ký hiệu biên lai), numbered from 1 each year without gaps (the store gives the number in
//! the payment's own transaction), its content fixed in the event; the signed XML and PDF the
//! system makes from it afterwards; cancellation, and replacement by a new number, with their
//! reasons.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::allowed::CommandKind;
use super::command::*;
use super::decide::*;
use super::event::*;
use super::fees::PaymentMethod;
use super::state::*;
use crate::error::DomainError;
use crate::officer::ActorRef;

/// Quyển biên lai — the series a collecting organisation issues from this year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBook {
    /// Ký hiệu mẫu biên lai (e.g. "01BLP0-001").
    pub template: String,
    /// Ký hiệu biên lai, the year's two digits in it (e.g. "BT-26E").
    pub series: String,
    /// Tên tổ chức thu phí, lệ phí.
    pub organisation: String,
    /// Mã số thuế của tổ chức thu.
    pub tax_code: String,
}

/// The next number of a book, given by the store to the decision that issues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptNumber {
    pub book: ReceiptBook,
    pub number: u32,
}

/// The largest receipt number (ND 254/2026: at most 8 digits).
pub const MAX_RECEIPT_NUMBER: u32 = 99_999_999;

/// Which receipt: its series and number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReceiptKey {
    pub series: String,
    pub number: u32,
}

impl fmt::Display for ReceiptKey {
    /// "BT-26E số 0000012".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} số {:07}", self.series, self.number)
    }
}

/// Biên lai thu phí, lệ phí — what a receipt says, as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub template: String,
    pub series: String,
    pub number: u32,
    pub organisation: String,
    pub tax_code: String,
    /// Người nộp.
    pub payer: String,
    /// The fees it pays and how much of each (the payment spread over the dossier's fee lines in
    /// their order).
    pub items: Vec<FeeLine>,
    pub amount: i64,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// The receipt this one replaces.
    pub replaces: Option<ReceiptKey>,
    /// Set when it is cancelled (never in the issuing event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<ReceiptCancellation>,
    /// The signed documents, once made (never in the issuing event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<ReceiptFiles>,
}

impl Receipt {
    pub fn key(&self) -> ReceiptKey {
        ReceiptKey {
            series: self.series.clone(),
            number: self.number,
        }
    }

    /// Neither cancelled nor replaced.
    pub fn valid(&self) -> bool {
        self.cancelled.is_none()
    }
}

/// Hủy biên lai: when, by whom, why, and the receipt that replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptCancellation {
    pub at: DateTime<Utc>,
    pub by: ActorRef,
    pub reason: String,
    pub replaced_by: Option<ReceiptKey>,
}

/// A receipt's signed documents: the XML (the data, signed) and the PDF (signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFiles {
    pub xml: FileRef,
    pub pdf: FileRef,
}

impl Dossier {
    /// A receipt of the dossier by its key.
    pub fn receipt(&self, key: &ReceiptKey) -> Option<&Receipt> {
        self.receipts.iter().find(|r| r.key() == *key)
    }

    /// Receipts issued and not yet signed (the system signs them).
    pub fn unsigned_receipts(&self) -> impl Iterator<Item = &Receipt> {
        self.receipts.iter().filter(|r| r.files.is_none())
    }
}

/// The receipt a payment gets when the context carries a number: the payment spread over the
/// fee lines in their order, after what earlier payments covered.
pub(super) fn for_payment(
    d: &Dossier,
    issued: &ReceiptNumber,
    payment: &Event,
    now: DateTime<Utc>,
) -> Option<Event> {
    let Event::FeePaid {
        amount,
        method,
        reference,
        payer,
    } = payment
    else {
        return None;
    };
    let mut covered = d.fees_paid();
    let mut left = *amount;
    let mut items = Vec::new();
    for line in &d.fees {
        let here = (line.amount - covered.min(line.amount)).min(left);
        covered = (covered - line.amount).max(0);
        if here > 0 {
            items.push(FeeLine {
                name: line.name.clone(),
                amount: here,
            });
            left -= here;
        }
    }
    if left > 0 {
        items.push(FeeLine {
            name: "Phí, lệ phí".into(),
            amount: left,
        });
    }
    Some(Event::ReceiptIssued(Box::new(new_receipt(
        issued,
        payer.clone(),
        items,
        *amount,
        *method,
        reference.clone(),
        now,
        None,
    ))))
}

#[allow(clippy::too_many_arguments)]
fn new_receipt(
    issued: &ReceiptNumber,
    payer: String,
    items: Vec<FeeLine>,
    amount: i64,
    method: PaymentMethod,
    reference: Option<String>,
    now: DateTime<Utc>,
    replaces: Option<ReceiptKey>,
) -> Receipt {
    Receipt {
        template: issued.book.template.clone(),
        series: issued.book.series.clone(),
        number: issued.number,
        organisation: issued.book.organisation.clone(),
        tax_code: issued.book.tax_code.clone(),
        payer,
        items,
        amount,
        method,
        reference,
        issued_at: now,
        replaces,
        cancelled: None,
        files: None,
    }
}

/// Whether the dossier allows a command of this phase now (see [`super::check`]).
pub(super) fn check(d: &Dossier, kind: CommandKind, _ctx: &Context<'_>) -> Result<(), DomainError> {
    match kind {
        CommandKind::CancelReceipt | CommandKind::ReplaceReceipt => {
            if d.receipts.iter().any(Receipt::valid) {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "no_valid_receipt",
                    "Hồ sơ không có biên lai điện tử nào còn hiệu lực.",
                ))
            }
        }
        CommandKind::SignReceipt => {
            if d.unsigned_receipts().next().is_some() {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "nothing_to_sign",
                    "Mọi biên lai của hồ sơ đã được ký số.",
                ))
            }
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
    match command {
        Command::CancelReceipt { receipt, reason } => {
            valid_receipt(d, &receipt)?;
            Ok(vec![Event::ReceiptCancelled {
                receipt,
                reason: text("Lý do hủy biên lai", &reason, 1000)?,
                replaced_by: None,
            }])
        }
        Command::ReplaceReceipt {
            receipt,
            payer,
            reason,
        } => {
            let old = valid_receipt(d, &receipt)?;
            let reason = text("Lý do thay thế biên lai", &reason, 1000)?;
            let payer = super::fees::payer_or(payer.as_deref(), &old.payer)?;
            let issued = ctx.receipt.as_ref().ok_or_else(no_book)?;
            let new = new_receipt(
                issued,
                payer,
                old.items.clone(),
                old.amount,
                old.method,
                old.reference.clone(),
                ctx.now,
                Some(old.key()),
            );
            Ok(vec![
                Event::ReceiptCancelled {
                    receipt: old.key(),
                    reason,
                    replaced_by: Some(new.key()),
                },
                Event::ReceiptIssued(Box::new(new)),
            ])
        }
        Command::SignReceipt { receipt, files } => {
            let r = d.receipt(&receipt).ok_or_else(|| unknown(&receipt))?;
            if r.files.is_some() {
                return Err(DomainError::rule(
                    "receipt_signed",
                    format!("Biên lai {receipt} đã được ký số."),
                ));
            }
            Ok(vec![Event::ReceiptSigned {
                receipt,
                files: Box::new(files),
            }])
        }
        other => unreachable!("{:?} is not decided in this phase", other.kind()),
    }
}

fn valid_receipt<'a>(d: &'a Dossier, key: &ReceiptKey) -> Result<&'a Receipt, DomainError> {
    let r = d.receipt(key).ok_or_else(|| unknown(key))?;
    if let Some(c) = &r.cancelled {
        return Err(DomainError::rule(
            "receipt_cancelled",
            match &c.replaced_by {
                Some(by) => format!("Biên lai {key} đã được thay thế bằng biên lai {by}."),
                None => format!("Biên lai {key} đã bị hủy."),
            },
        ));
    }
    Ok(r)
}

/// The series named may be anything a client sent: it is shortened, never echoed whole.
fn unknown(key: &ReceiptKey) -> DomainError {
    DomainError::not_found(
        "receipt_not_found",
        format!(
            "Hồ sơ không có biên lai ký hiệu \"{}\" số {}.",
            crate::error::shorten(&key.series),
            key.number
        ),
    )
}

/// No receipt series for the collecting organisation: a replacement has no number to take.
pub fn no_book() -> DomainError {
    DomainError::rule(
        "no_receipt_book",
        "Đơn vị thu chưa được cấu hình ký hiệu biên lai điện tử, nên không lập được biên lai mới.",
    )
}

impl Dossier {
    /// Applies an event of this phase.
    pub(super) fn apply_receipts(&mut self, r: &Recorded) {
        match &r.event {
            Event::ReceiptIssued(receipt) => self.receipts.push((**receipt).clone()),
            Event::ReceiptCancelled {
                receipt,
                reason,
                replaced_by,
            } => {
                if let Some(x) = self.receipts.iter_mut().find(|x| x.key() == *receipt) {
                    x.cancelled = Some(ReceiptCancellation {
                        at: r.at,
                        by: r.actor.clone(),
                        reason: reason.clone(),
                        replaced_by: replaced_by.clone(),
                    });
                }
            }
            Event::ReceiptSigned { receipt, files } => {
                if let Some(x) = self.receipts.iter_mut().find(|x| x.key() == *receipt) {
                    x.files = Some((**files).clone());
                }
            }
            _ => unreachable!("{} is not applied in this phase", r.event.kind()),
        }
    }
}
