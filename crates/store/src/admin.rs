//! Quản trị — changes to accounts and roles, agency closures, and the append-only log of every
//! administrative change, each written with its log line in one transaction.

use domain::officer::{Officer, OfficerId};
use sqlx::Row;

use crate::{Db, Result, to_json};

/// A closure as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClosure {
    pub id: uuid::Uuid,
    pub agency: String,
    pub from_day: String,
    pub to_day: String,
    pub reason: String,
    pub basis: String,
    pub active: bool,
}

/// A line of the administration log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminLogLine {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Who did it, what, and in which words (for the log line written with the change).
pub struct LogEntry<'a> {
    pub at_ms: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
}

pub(crate) async fn log(conn: &mut sqlx::SqliteConnection, e: &LogEntry<'_>) -> Result<()> {
    sqlx::query("INSERT INTO admin_log (at_ms, actor, action, detail) VALUES ($1, $2, $3, $4)")
        .bind(e.at_ms)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.detail)
        .execute(conn)
        .await?;
    Ok(())
}

impl Db {
    /// Replaces an officer's record (name, title, active, roles); the user name stays.
    pub async fn update_officer(&self, o: &Officer, entry: &LogEntry<'_>) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("UPDATE officers SET active = $2, body = $3 WHERE id = $1")
            .bind(o.id.0)
            .bind(o.active)
            .bind(to_json(o))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM officer_roles WHERE officer = $1")
            .bind(o.id.0)
            .execute(&mut *tx)
            .await?;
        crate::accounts::write_roles(&mut tx, o).await?;
        if !o.active {
            sqlx::query("DELETE FROM sessions WHERE officer = $1")
                .bind(o.id.0)
                .execute(&mut *tx)
                .await?;
        }
        log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password hash and ends the officer's sessions.
    pub async fn set_password(
        &self,
        id: OfficerId,
        password_hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("UPDATE officers SET password_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE officer = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a line of the administration log alone (for changes logged elsewhere).
    pub async fn admin_log(&self, entry: &LogEntry<'_>) -> Result<()> {
        let mut conn = self.writer().acquire().await?;
        log(&mut conn, entry).await
    }

    pub async fn add_closure(&self, c: &StoredClosure, entry: &LogEntry<'_>) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO closures (id, agency, from_day, to_day, reason, basis, active) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(c.id)
        .bind(&c.agency)
        .bind(&c.from_day)
        .bind(&c.to_day)
        .bind(&c.reason)
        .bind(&c.basis)
        .bind(c.active)
        .execute(&mut *tx)
        .await?;
        log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws a closure (kept, marked inactive).
    pub async fn withdraw_closure(&self, id: uuid::Uuid, entry: &LogEntry<'_>) -> Result<bool> {
        let mut tx = self.writer().begin().await?;
        let done = sqlx::query("UPDATE closures SET active = 0 WHERE id = $1 AND active = 1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every closure, newest first.
    pub async fn closures(&self) -> Result<Vec<StoredClosure>> {
        let rows = sqlx::query(
            "SELECT id, agency, from_day, to_day, reason, basis, active FROM closures ORDER BY from_day DESC",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredClosure {
                id: r.get("id"),
                agency: r.get("agency"),
                from_day: r.get("from_day"),
                to_day: r.get("to_day"),
                reason: r.get("reason"),
                basis: r.get("basis"),
                active: r.get("active"),
            })
            .collect())
    }

    /// The latest lines of the administration log.
    pub async fn admin_log_lines(&self, limit: i64) -> Result<Vec<AdminLogLine>> {
        let rows = sqlx::query(
            "SELECT at_ms, actor, action, detail FROM admin_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AdminLogLine {
                at_ms: r.get("at_ms"),
                actor: r.get("actor"),
                action: r.get("action"),
                detail: r.get("detail"),
            })
            .collect())
    }
}
