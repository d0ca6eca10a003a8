//! Giao dịch thanh toán trực tuyến — the attempts to pay a dossier's fees through the payment
//! gateway: what was asked, until when, and what the gateway last said. Recording the money is
//! the dossier's own event; an attempt is only followed here.

use chrono::{DateTime, Utc};
use domain::dossier::{DossierId, Recorded};

use crate::{Result, StoreError, Visibility};

/// Trạng thái giao dịch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Sent to the gateway; no final answer yet.
    Pending,
    /// Paid, and the payment recorded on the dossier.
    Paid,
    /// Cancelled by the payer, refused by the bank, or expired unpaid.
    Failed,
    /// Paid at the gateway but not recorded on the dossier (it no longer owed that much, or had
    /// ended): the money is to be given back by an officer.
    Unapplied,
    /// Unapplied, then given back outside the system (an officer recorded how).
    Refunded,
}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Pending => "pending",
            AttemptState::Paid => "paid",
            AttemptState::Failed => "failed",
            AttemptState::Unapplied => "unapplied",
            AttemptState::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(AttemptState::Pending),
            "paid" => Ok(AttemptState::Paid),
            "failed" => Ok(AttemptState::Failed),
            "unapplied" => Ok(AttemptState::Unapplied),
            "refunded" => Ok(AttemptState::Refunded),
            other => Err(StoreError::Corrupt(format!(
                "trạng thái giao dịch \"{other}\""
            ))),
        }
    }
}

/// Một giao dịch thanh toán trực tuyến.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentAttempt {
    /// Mã giao dịch (sent to the gateway as its transaction reference).
    pub txn_ref: String,
    pub dossier_id: uuid::Uuid,
    /// Số tiền (đồng).
    pub amount: i64,
    pub created_ms: i64,
    /// After this the gateway takes no payment for it.
    pub expires_ms: i64,
    pub state: AttemptState,
    /// The gateway's last word on it (a response code and its meaning).
    pub detail: String,
    pub updated_ms: i64,
}

/// The kinds of the money events ([`PaymentStore::money_events`]).
pub const MONEY_EVENT_KINDS: [&str; 5] = [
    "fee_paid",
    "fee_refunded",
    "fee_waived",
    "receipt_issued",
    "receipt_cancelled",
];

/// A money event of a dossier — paid, refunded, waived, receipt issued or cancelled — with what
/// the fee reports group it by.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyEvent {
    pub dossier: DossierId,
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    /// The receiving (collecting) unit and the deciding agency.
    pub receiving: String,
    pub competent: String,
    pub recorded: Recorded,
}

/// Online payment attempts, and the money events the fee reports read.
#[async_trait::async_trait]
pub trait PaymentStore: Send + Sync {
    /// Keeps a new attempt ([`StoreError::Duplicate`] if its reference exists).
    async fn put_payment_attempt(&self, attempt: &PaymentAttempt) -> Result<()>;

    /// An attempt by its reference.
    async fn payment_attempt(&self, txn_ref: &str) -> Result<Option<PaymentAttempt>>;

    /// Records what became of an attempt.
    async fn settle_payment_attempt(
        &self,
        txn_ref: &str,
        state: AttemptState,
        detail: &str,
        now_ms: i64,
    ) -> Result<()>;

    /// Attempts in `state` that were started before `before_ms`, oldest first (the pending ones
    /// for the status queries that recover lost callbacks; the unapplied ones for officers).
    async fn payment_attempts_in(
        &self,
        state: AttemptState,
        before_ms: i64,
        limit: u32,
    ) -> Result<Vec<PaymentAttempt>>;

    /// Records that an unapplied attempt's money was given back, with the log line, in one
    /// transaction; false (nothing written) when it is not unapplied.
    async fn refund_payment_attempt(
        &self,
        txn_ref: &str,
        detail: &str,
        now_ms: i64,
        entry: &crate::LogEntry<'_>,
    ) -> Result<bool>;

    /// The money events recorded between `from` (inclusive) and `to` (exclusive), by the
    /// event's time, of dossiers `visible` allows (and received by `receiving`, when given),
    /// oldest first; at most `limit` ([`StoreError::Invalid`]-free: the caller bounds the
    /// period and says how many it can show).
    async fn money_events(
        &self,
        visible: &Visibility,
        receiving: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MoneyEvent>>;
}
