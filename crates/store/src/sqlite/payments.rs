//! Giao dịch thanh toán trực tuyến on SQLite.

use rusqlite::{OptionalExtension, params};

use chrono::{DateTime, Utc};
use domain::dossier::{DossierId, Recorded};

use super::{DIALECT, Sqlite, from_ms};
use crate::sql::payments::{self, COLUMNS};
use crate::{AttemptState, MoneyEvent, PaymentAttempt, Result, StoreError, Visibility, from_json};

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

    async fn payment_attempts_in(
        &self,
        state: AttemptState,
        before_ms: i64,
        limit: u32,
    ) -> Result<Vec<PaymentAttempt>> {
        self.read(|c| {
            let rows = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM payment_attempts \
                     WHERE state = ?1 AND created_ms < ?2 ORDER BY created_ms LIMIT ?3"
                ))?
                .query_map(params![state.as_str(), before_ms, limit], attempt_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(finish).collect()
        })
    }

    async fn refund_payment_attempt(
        &self,
        txn_ref: &str,
        detail: &str,
        now_ms: i64,
        entry: &crate::LogEntry<'_>,
    ) -> Result<bool> {
        let (txn_ref, detail) = (txn_ref.to_string(), detail.to_string());
        let entry = super::admin::OwnedEntry::of(entry);
        self.write(move |c| {
            let done = c
                .prepare_cached(
                    "UPDATE payment_attempts SET state = 'refunded', detail = ?2, updated_ms = ?3 \
                     WHERE txn_ref = ?1 AND state = 'unapplied'",
                )?
                .execute(params![txn_ref, detail, now_ms])?;
            if done == 0 {
                return Ok(super::Written::No(false));
            }
            entry.write(c)?;
            Ok(super::Written::Yes(true))
        })
        .await
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
        self.read_blocking(move |c| {
            q.rows(c, |r| {
                let id: Vec<u8> = r.get(0)?;
                let id = uuid::Uuid::from_slice(&id)
                    .map_err(|_| StoreError::Corrupt("mã hồ sơ của sự kiện".into()))?;
                let actor: String = r.get(8)?;
                let payload: String = r.get(9)?;
                Ok(MoneyEvent {
                    dossier: DossierId(id),
                    code: r.get(1)?,
                    procedure_code: r.get(2)?,
                    procedure_name: r.get(3)?,
                    receiving: r.get(4)?,
                    competent: r.get(5)?,
                    recorded: Recorded {
                        version: r.get::<_, i64>(6)? as u64,
                        at: from_ms(r.get(7)?),
                        actor: from_json(&actor, "người thực hiện")?,
                        event: from_json(&payload, "sự kiện")?,
                    },
                })
            })
        })
        .await
    }
}
