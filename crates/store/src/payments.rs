//! Giao dịch thanh toán trực tuyến — the attempts to pay a dossier's fees through the payment
//! gateway: what was asked, until when, and what the gateway last said. Recording the money is
//! the dossier's own event; an attempt is only followed here.

use crate::{Result, StoreError};

/// Trạng thái giao dịch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Sent to the gateway; no final answer yet.
    Pending,
    /// Paid, and the payment recorded on the dossier.
    Paid,
    /// Cancelled by the payer, refused by the bank, or expired unpaid.
    Failed,
}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Pending => "pending",
            AttemptState::Paid => "paid",
            AttemptState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(AttemptState::Pending),
            "paid" => Ok(AttemptState::Paid),
            "failed" => Ok(AttemptState::Failed),
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

/// Online payment attempts.
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

    /// Attempts still pending that were started before `before_ms`, oldest first (for the
    /// status queries that recover lost callbacks).
    async fn pending_payment_attempts(
        &self,
        before_ms: i64,
        limit: u32,
    ) -> Result<Vec<PaymentAttempt>>;
}
