//! Giao dịch thanh toán trực tuyến on SQLite.

use rusqlite::{OptionalExtension, params};

use super::Sqlite;
use crate::{AttemptState, PaymentAttempt, Result, StoreError};

const COLUMNS: &str =
    "txn_ref, dossier_id, amount, created_ms, expires_ms, state, detail, updated_ms";

fn attempt_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<(PaymentAttempt, String, String)> {
    Ok((
        PaymentAttempt {
            txn_ref: r.get(0)?,
            dossier_id: uuid::Uuid::nil(),
            amount: r.get(2)?,
            created_ms: r.get(3)?,
            expires_ms: r.get(4)?,
            state: AttemptState::Pending,
            detail: r.get(6)?,
            updated_ms: r.get(7)?,
        },
        r.get(1)?,
        r.get(5)?,
    ))
}

fn finish((mut a, dossier, state): (PaymentAttempt, String, String)) -> Result<PaymentAttempt> {
    a.dossier_id = uuid::Uuid::try_parse(&dossier)
        .map_err(|_| StoreError::Corrupt(format!("mã hồ sơ của giao dịch {}", a.txn_ref)))?;
    a.state = AttemptState::parse(&state)?;
    Ok(a)
}

#[async_trait::async_trait]
impl crate::PaymentStore for Sqlite {
    async fn put_payment_attempt(&self, attempt: &PaymentAttempt) -> Result<()> {
        let a = attempt.clone();
        self.write_all(move |c| {
            let done = c
                .prepare_cached(&format!(
                    "INSERT INTO payment_attempts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (txn_ref) DO NOTHING"
                ))?
                .execute(params![
                    a.txn_ref,
                    a.dossier_id.to_string(),
                    a.amount,
                    a.created_ms,
                    a.expires_ms,
                    a.state.as_str(),
                    a.detail,
                    a.updated_ms
                ])?;
            if done == 0 {
                return Err(StoreError::Duplicate(format!("giao dịch {}", a.txn_ref)));
            }
            Ok(())
        })
        .await
    }

    async fn payment_attempt(&self, txn_ref: &str) -> Result<Option<PaymentAttempt>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM payment_attempts WHERE txn_ref = ?1"
            ))?
            .query_row([txn_ref], attempt_of)
            .optional()?
            .map(finish)
            .transpose()
        })
    }

    async fn settle_payment_attempt(
        &self,
        txn_ref: &str,
        state: AttemptState,
        detail: &str,
        now_ms: i64,
    ) -> Result<()> {
        let (txn_ref, detail) = (txn_ref.to_string(), detail.to_string());
        self.write_all(move |c| {
            c.prepare_cached(
                "UPDATE payment_attempts SET state = ?2, detail = ?3, updated_ms = ?4 \
                 WHERE txn_ref = ?1",
            )?
            .execute(params![txn_ref, state.as_str(), detail, now_ms])?;
            Ok(())
        })
        .await
    }

    async fn pending_payment_attempts(
        &self,
        before_ms: i64,
        limit: u32,
    ) -> Result<Vec<PaymentAttempt>> {
        self.read(|c| {
            let rows = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM payment_attempts \
                     WHERE state = 'pending' AND created_ms < ?1 ORDER BY created_ms LIMIT ?2"
                ))?
                .query_map(params![before_ms, limit], attempt_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(finish).collect()
        })
    }
}
