//! Truy cập — what guards the doors: server secrets, idempotency keys of creating requests, failed
//! logins and the locks they cause, and the sweeping of what has expired.

use sqlx::Row;

use crate::{Db, Result};

/// A key sent with a creating request (`Idempotency-Key`), with who sent it and a hash of the
/// request, so a retry is recognised and a reuse for another request refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Who sent it (`officer:<id>`, `citizen:<id number>`): keys of different senders never meet.
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// What a key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResult {
    pub request_hash: String,
    /// The dossier created.
    pub dossier: Option<uuid::Uuid>,
    /// The record created, as JSON (requests that create something else).
    pub result: Option<String>,
}

/// An account locked after failed logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedAccount {
    /// `officer:<username>` or `citizen:<id number>`.
    pub account: String,
    pub failures: i64,
    pub locked_until_ms: i64,
}

/// Records the key in the caller's transaction (see [`Db::idempotent_result`]).
pub(crate) async fn insert_key(
    conn: &mut sqlx::SqliteConnection,
    key: &IdempotencyKey,
    dossier: Option<uuid::Uuid>,
    result: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, request_hash, dossier, result, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.scope)
    .bind(&key.key)
    .bind(&key.request_hash)
    .bind(dossier)
    .bind(result)
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map_err(|e| crate::StoreError::from_insert(e, "khóa Idempotency-Key"))?;
    Ok(())
}

/// What a key was used for, read in the caller's transaction.
pub(crate) async fn find_key(
    conn: &mut sqlx::SqliteConnection,
    scope: &str,
    key: &str,
) -> Result<Option<IdempotentResult>> {
    let row = sqlx::query(
        "SELECT request_hash, dossier, result FROM idempotency_keys WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| IdempotentResult {
        request_hash: r.get(0),
        dossier: r.get(1),
        result: r.get(2),
    }))
}

impl Db {
    /// The secret named `name`, made from `candidate` the first time it is asked for (several
    /// servers on one database agree on the first one written).
    pub async fn server_key(&self, name: &str, candidate: &[u8], now_ms: i64) -> Result<Vec<u8>> {
        sqlx::query(
            "INSERT INTO server_keys (name, secret, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(
            sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
                .bind(name)
                .fetch_one(self.writer())
                .await?,
        )
    }

    /// What an idempotency key was first used for, if it was.
    pub async fn idempotent_result(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotentResult>> {
        let mut conn = self.reader().acquire().await?;
        find_key(&mut conn, scope, key).await
    }

    /// Counts a failed login of `account` (failures before `window_start_ms` are forgotten);
    /// at `threshold` consecutive failures the account is locked until `lock_until_ms`. Returns
    /// the lock, if the account is locked now.
    pub async fn login_failed(
        &self,
        account: &str,
        now_ms: i64,
        window_start_ms: i64,
        threshold: i64,
        lock_until_ms: i64,
    ) -> Result<Option<i64>> {
        let locked: Option<i64> = sqlx::query_scalar(
            "INSERT INTO login_failures (account, failures, last_ms, locked_until_ms) \
             VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $5 END) \
             ON CONFLICT (account) DO UPDATE SET \
             failures = CASE WHEN last_ms < $3 THEN 1 ELSE failures + 1 END, last_ms = $2, \
             locked_until_ms = CASE WHEN (CASE WHEN last_ms < $3 THEN 1 ELSE failures + 1 END) >= $4 \
             THEN $5 ELSE locked_until_ms END \
             RETURNING locked_until_ms",
        )
        .bind(account)
        .bind(now_ms)
        .bind(window_start_ms)
        .bind(threshold)
        .bind(lock_until_ms)
        .fetch_one(self.writer())
        .await?;
        Ok(locked.filter(|until| *until > now_ms))
    }

    /// Until when an account is locked (none when it is not locked now).
    pub async fn login_lock(&self, account: &str, now_ms: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT locked_until_ms FROM login_failures \
             WHERE account = $1 AND locked_until_ms > $2",
        )
        .bind(account)
        .bind(now_ms)
        .fetch_optional(self.reader())
        .await?)
    }

    /// A successful login clears the failures counted against the account.
    pub async fn login_succeeded(&self, account: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE account = $1")
            .bind(account)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Accounts locked now, the latest lock first.
    pub async fn locked_accounts(&self, now_ms: i64) -> Result<Vec<LockedAccount>> {
        let rows = sqlx::query(
            "SELECT account, failures, locked_until_ms FROM login_failures \
             WHERE locked_until_ms > $1 ORDER BY locked_until_ms DESC LIMIT 500",
        )
        .bind(now_ms)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| LockedAccount {
                account: r.get(0),
                failures: r.get(1),
                locked_until_ms: r.get(2),
            })
            .collect())
    }

    /// Lifts an account's lock, with its log line; false when it was not locked.
    pub async fn unlock_account(&self, account: &str, entry: &crate::LogEntry<'_>) -> Result<bool> {
        let mut tx = self.writer().begin().await?;
        let done = sqlx::query("DELETE FROM login_failures WHERE account = $1")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        crate::admin::log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sweeps what has expired: sessions past their end, idempotency keys older than
    /// `keys_before_ms`, failures of accounts neither locked nor failing since then. Returns the
    /// number of rows removed.
    pub async fn purge_expired(&self, now_ms: i64, keys_before_ms: i64) -> Result<u64> {
        let mut tx = self.writer().begin().await?;
        let mut removed = 0;
        for (sql, at) in [
            ("DELETE FROM sessions WHERE expires_ms <= $1", now_ms),
            (
                "DELETE FROM citizen_sessions WHERE expires_ms <= $1",
                now_ms,
            ),
            (
                "DELETE FROM idempotency_keys WHERE created_ms < $1",
                keys_before_ms,
            ),
            (
                "DELETE FROM login_failures WHERE last_ms < $1 \
                 AND (locked_until_ms IS NULL OR locked_until_ms <= $1)",
                keys_before_ms.min(now_ms),
            ),
        ] {
            removed += sqlx::query(sql)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }
}
