//! Quản trị on PostgreSQL: closures, the administration log (append-only: triggers refuse
//! UPDATE, DELETE and TRUNCATE), idempotency keys.

use super::{DIALECT, Postgres, col, db_error, log_on};
use crate::sql::reads;
use crate::{AdminLogLine, IdempotentResult, LogEntry, PersonalDataRead, Result, StoredClosure};

#[async_trait::async_trait]
impl crate::AdminStore for Postgres {
    async fn admin_log(&self, entry: &LogEntry<'_>) -> Result<()> {
        let c = self.client().await?;
        log_on(&c, entry).await
    }

    /// Newest first by the log's own sequence (an identity column), as SQLite orders by its
    /// autoincrement key.
    async fn admin_log_lines(&self, limit: i64) -> Result<Vec<AdminLogLine>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT at_ms, actor, action, detail FROM admin_log ORDER BY seq DESC LIMIT $1",
            )
            .await
            .map_err(db_error)?;
        // SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one.
        let limit = (limit >= 0).then_some(limit);
        c.query(&st, &[&limit])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| {
                Ok(AdminLogLine {
                    at_ms: col(r, 0)?,
                    actor: col(r, 1)?,
                    action: col(r, 2)?,
                    detail: col(r, 3)?,
                })
            })
            .collect()
    }

    async fn add_closure(&self, cl: &StoredClosure, entry: &LogEntry<'_>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let st = tx
            .prepare_cached(
                "INSERT INTO closures (id, agency, from_day, to_day, reason, basis, active) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(
            &st,
            &[
                &cl.id,
                &cl.agency,
                &cl.from_day,
                &cl.to_day,
                &cl.reason,
                &cl.basis,
                &i64::from(cl.active),
            ],
        )
        .await
        .map_err(db_error)?;
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Of two withdrawals racing, the second waits for the first's row lock, then finds the
    /// closure inactive: false, and no log line.
    async fn withdraw_closure(&self, id: uuid::Uuid, entry: &LogEntry<'_>) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let st = tx
            .prepare_cached("UPDATE closures SET active = 0 WHERE id = $1 AND active = 1")
            .await
            .map_err(db_error)?;
        if tx.execute(&st, &[&id]).await.map_err(db_error)? == 0 {
            return Ok(false);
        }
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn closures(&self) -> Result<Vec<StoredClosure>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT id, agency, from_day, to_day, reason, basis, active FROM closures \
                 ORDER BY from_day DESC",
            )
            .await
            .map_err(db_error)?;
        c.query(&st, &[])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| {
                Ok(StoredClosure {
                    id: col(r, 0)?,
                    agency: col(r, 1)?,
                    from_day: col(r, 2)?,
                    to_day: col(r, 3)?,
                    reason: col(r, 4)?,
                    basis: col(r, 5)?,
                    active: col::<i64>(r, 6)? != 0,
                })
            })
            .collect()
    }

    async fn record_read(&self, read: &PersonalDataRead) -> Result<()> {
        let c = self.client().await?;
        reads::insert(DIALECT, read).execute(&c).await.map(drop)
    }

    async fn reads_of_dossier(
        &self,
        dossier: uuid::Uuid,
        limit: i64,
    ) -> Result<Vec<PersonalDataRead>> {
        let c = self.client().await?;
        reads::of_dossier(DIALECT, dossier, limit)
            .query(&c)
            .await?
            .iter()
            .map(read_row)
            .collect()
    }

    async fn reads_by_officer(
        &self,
        officer: uuid::Uuid,
        from_ms: i64,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<PersonalDataRead>> {
        let c = self.client().await?;
        reads::of_officer(DIALECT, officer, from_ms, until_ms, limit)
            .query(&c)
            .await?
            .iter()
            .map(read_row)
            .collect()
    }

    async fn idempotent_result(&self, scope: &str, key: &str) -> Result<Option<IdempotentResult>> {
        let c = self.client().await?;
        super::dossiers::find_key(&c, scope, key).await
    }
}

/// A read of the access log from the columns of `reads::COLUMNS`.
fn read_row(r: &tokio_postgres::Row) -> Result<PersonalDataRead> {
    let sha: Option<String> = col(r, 5)?;
    let name: Option<String> = col(r, 6)?;
    Ok(PersonalDataRead {
        at_ms: col(r, 0)?,
        officer: col(r, 1)?,
        officer_name: col(r, 2)?,
        dossier: col(r, 3)?,
        code: col(r, 4)?,
        file: sha.zip(name),
    })
}
