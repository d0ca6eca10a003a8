//! Giao dịch thanh toán trực tuyến on PostgreSQL.

use chrono::{DateTime, Utc};
use domain::dossier::{DossierId, Recorded};
use tokio_postgres::Row;

use super::{DIALECT, Postgres, col, db_error, execute, query};
use crate::sql::payments::{self, COLUMNS};
use crate::{
    AttemptState, MoneyEvent, PaymentAttempt, Result, StoreError, Visibility, from_json, from_ms,
};

/// An attempt from the columns of [`COLUMNS`] (the dossier's id is kept as text, as on
/// SQLite).
fn attempt_of(r: &Row) -> Result<PaymentAttempt> {
    let txn_ref: String = col(r, 0)?;
    let dossier: &str = col(r, 1)?;
    let dossier_id = uuid::Uuid::try_parse(dossier)
        .map_err(|_| StoreError::Corrupt(format!("mã hồ sơ của giao dịch {txn_ref}")))?;
    Ok(PaymentAttempt {
        dossier_id,
        amount: col(r, 2)?,
        created_ms: col(r, 3)?,
        expires_ms: col(r, 4)?,
        state: AttemptState::parse(col(r, 5)?)?,
        detail: col(r, 6)?,
        updated_ms: col(r, 7)?,
        txn_ref,
    })
}

#[async_trait::async_trait]
impl crate::PaymentStore for Postgres {
    /// A reference already kept is a duplicate (the insert skips it rather than failing).
    async fn put_payment_attempt(&self, attempt: &PaymentAttempt) -> Result<()> {
        let a = attempt;
        let c = self.client().await?;
        let done = execute(
            &c,
            &format!(
                "INSERT INTO payment_attempts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (txn_ref) DO NOTHING"
            ),
            &[
                &a.txn_ref,
                &a.dossier_id.to_string(),
                &a.amount,
                &a.created_ms,
                &a.expires_ms,
                &a.state.as_str(),
                &a.detail,
                &a.updated_ms,
            ],
        )
        .await?;
        if done == 0 {
            return Err(StoreError::Duplicate(format!("giao dịch {}", a.txn_ref)));
        }
        Ok(())
    }

    async fn payment_attempt(&self, txn_ref: &str) -> Result<Option<PaymentAttempt>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            &format!("SELECT {COLUMNS} FROM payment_attempts WHERE txn_ref = $1"),
            &[&txn_ref],
        )
        .await?;
        rows.first().map(attempt_of).transpose()
    }

    async fn settle_payment_attempt(
        &self,
        txn_ref: &str,
        state: AttemptState,
        detail: &str,
        now_ms: i64,
    ) -> Result<()> {
        let c = self.client().await?;
        execute(
            &c,
            "UPDATE payment_attempts SET state = $2, detail = $3, updated_ms = $4 \
             WHERE txn_ref = $1",
            &[&txn_ref, &state.as_str(), &detail, &now_ms],
        )
        .await?;
        Ok(())
    }

    async fn payment_attempts_in(
        &self,
        state: AttemptState,
        before_ms: i64,
        limit: u32,
    ) -> Result<Vec<PaymentAttempt>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            &format!(
                "SELECT {COLUMNS} FROM payment_attempts \
                 WHERE state = $1 AND created_ms < $2 ORDER BY created_ms LIMIT $3"
            ),
            &[&state.as_str(), &before_ms, &i64::from(limit)],
        )
        .await?;
        rows.iter().map(attempt_of).collect()
    }

    /// The state changes only from `unapplied` (the row lock of the update makes a concurrent
    /// refund wait, then find it refunded); the log line is written in the same transaction.
    async fn refund_payment_attempt(
        &self,
        txn_ref: &str,
        detail: &str,
        now_ms: i64,
        entry: &crate::LogEntry<'_>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let done = execute(
            &tx,
            "UPDATE payment_attempts SET state = 'refunded', detail = $2, updated_ms = $3 \
             WHERE txn_ref = $1 AND state = 'unapplied'",
            &[&txn_ref, &detail, &now_ms],
        )
        .await?;
        if done == 0 {
            return Ok(false);
        }
        super::log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn money_events(
        &self,
        visible: &Visibility,
        receiving: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MoneyEvent>> {
        let q = payments::money_events(DIALECT, visible, receiving, from, to, limit);
        let c = self.client().await?;
        let rows = q.query(&c).await?;
        rows.iter()
            .map(|r| {
                let version: i64 = col(r, 6)?;
                Ok(MoneyEvent {
                    dossier: DossierId(col(r, 0)?),
                    code: col(r, 1)?,
                    procedure_code: col(r, 2)?,
                    procedure_name: col(r, 3)?,
                    receiving: col(r, 4)?,
                    competent: col(r, 5)?,
                    recorded: Recorded {
                        version: u64::try_from(version)
                            .map_err(|_| StoreError::Corrupt(format!("phiên bản {version}")))?,
                        at: from_ms(col(r, 7)?),
                        actor: from_json(col(r, 8)?, "người thực hiện")?,
                        event: from_json(col(r, 9)?, "sự kiện")?,
                    },
                })
            })
            .collect()
    }
}
