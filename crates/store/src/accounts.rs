//! Tài khoản — officers with their role grants, and login sessions (only a hash of each token is
//! kept, so a stolen database does not give working tokens).

use domain::officer::{Officer, OfficerId};
use sqlx::Row;

use crate::{Db, Result, StoreError, from_json, key, to_json};

/// Writes an officer's role grants (the rows `officers_in` and the policy read).
pub(crate) async fn write_roles(conn: &mut sqlx::SqliteConnection, o: &Officer) -> Result<()> {
    for g in &o.grants {
        sqlx::query("INSERT INTO officer_roles (officer, role, agency) VALUES ($1, $2, $3)")
            .bind(o.id.0)
            .bind(key(&g.role))
            .bind(g.agency.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Creates an officer with a password hash (argon2, computed by the caller).
    pub async fn add_officer(
        &self,
        o: &Officer,
        password_hash: &str,
        log: Option<&crate::LogEntry<'_>>,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO officers (id, username, password_hash, active, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(o.id.0)
        .bind(&o.username)
        .bind(password_hash)
        .bind(o.active)
        .bind(to_json(o))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_insert(e, &format!("tên đăng nhập {}", o.username)))?;
        write_roles(&mut tx, o).await?;
        if let Some(entry) = log {
            crate::admin::log(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// An officer and the password hash, by user name.
    pub async fn officer_by_username(&self, username: &str) -> Result<Option<(Officer, String)>> {
        let row = sqlx::query("SELECT body, password_hash FROM officers WHERE username = $1")
            .bind(username)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| {
            Ok((
                from_json(r.get::<&str, _>(0), "cán bộ")?,
                r.get::<String, _>(1),
            ))
        })
        .transpose()
    }

    pub async fn officer(&self, id: OfficerId) -> Result<Option<Officer>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM officers WHERE id = $1")
            .bind(id.0)
            .fetch_optional(self.reader())
            .await?;
        body.map(|b| from_json(&b, "cán bộ")).transpose()
    }

    /// Officers holding a role in one of the agencies, by name.
    pub async fn officers_in(&self, agencies: &[String]) -> Result<Vec<Officer>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT DISTINCT o.body FROM officers o JOIN officer_roles r ON r.officer = o.id WHERE o.active AND r.agency IN (",
        );
        let mut sep = qb.separated(", ");
        for a in agencies {
            sep.push_bind(a.clone());
        }
        qb.push(")");
        let rows = qb.build().fetch_all(self.reader()).await?;
        let mut officers: Vec<Officer> = rows
            .iter()
            .map(|r| from_json(r.get::<&str, _>(0), "cán bộ"))
            .collect::<Result<_>>()?;
        officers.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(officers)
    }

    /// Every officer, by user name.
    pub async fn officers(&self) -> Result<Vec<Officer>> {
        let rows = sqlx::query("SELECT body FROM officers ORDER BY username")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0), "cán bộ"))
            .collect()
    }

    /// The e-mail addresses officers have (for the daily digest), by officer.
    pub async fn officer_emails(&self) -> Result<std::collections::HashMap<OfficerId, String>> {
        let rows: Vec<(uuid::Uuid, String)> =
            sqlx::query_as("SELECT id, email FROM officers WHERE email IS NOT NULL")
                .fetch_all(self.reader())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, email)| (OfficerId(id), email))
            .collect())
    }

    /// Sets or clears an officer's e-mail (checked by the caller), with its log line. False when
    /// there is no such officer.
    pub async fn set_officer_email(
        &self,
        id: OfficerId,
        email: Option<&str>,
        entry: &crate::LogEntry<'_>,
    ) -> Result<bool> {
        let mut tx = self.writer().begin().await?;
        let done = sqlx::query("UPDATE officers SET email = $2 WHERE id = $1")
            .bind(id.0)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        crate::admin::log(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Opens a session for an officer until `expires_ms`.
    pub async fn open_session(
        &self,
        token_hash: &str,
        officer: OfficerId,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, officer, created_ms, expires_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(officer.0)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The officer of a live session.
    pub async fn session_officer(&self, token_hash: &str, now_ms: i64) -> Result<Option<Officer>> {
        let body: Option<String> = sqlx::query_scalar(
            "SELECT o.body FROM sessions s JOIN officers o ON o.id = s.officer \
             WHERE s.token_hash = $1 AND s.expires_ms > $2 AND o.active",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.reader())
        .await?;
        body.map(|b| from_json(&b, "cán bộ")).transpose()
    }

    /// Ends a session; true if there was one.
    pub async fn close_session(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
