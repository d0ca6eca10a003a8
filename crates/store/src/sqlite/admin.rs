//! Quản trị on SQLite: closures, the administration log (append-only: triggers refuse UPDATE
//! and DELETE), idempotency keys.

use rusqlite::{Connection, params};

use super::{DIALECT, Sql, Sqlite, Written, uuid};
use crate::sql::reads;
use crate::{AdminLogLine, IdempotentResult, LogEntry, PersonalDataRead, Result, StoredClosure};

/// A log line owned, to travel to the writer with its change.
pub(super) struct OwnedEntry {
    at_ms: i64,
    actor: String,
    action: String,
    detail: String,
}

impl OwnedEntry {
    pub(super) fn of(e: &LogEntry<'_>) -> Self {
        Self {
            at_ms: e.at_ms,
            actor: e.actor.to_string(),
            action: e.action.to_string(),
            detail: e.detail.to_string(),
        }
    }

    /// Writes the line in the caller's transaction.
    pub(super) fn write(&self, conn: &Connection) -> Result<()> {
        conn.prepare_cached(
            "INSERT INTO admin_log (at_ms, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![self.at_ms, self.actor, self.action, self.detail])?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::AdminStore for Sqlite {
    async fn admin_log(&self, entry: &LogEntry<'_>) -> Result<()> {
        let entry = OwnedEntry::of(entry);
        self.write_all(move |c| entry.write(c)).await
    }

    async fn admin_log_lines(&self, limit: i64) -> Result<Vec<AdminLogLine>> {
        self.read(|c| {
            let mut q = Sql::new(
                DIALECT,
                "SELECT at_ms, actor, action, detail FROM admin_log ORDER BY seq DESC LIMIT ",
            );
            q.bind(limit);
            q.rows(c, |r| {
                Ok(AdminLogLine {
                    at_ms: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                })
            })
        })
    }

    async fn add_closure(&self, cl: &StoredClosure, entry: &LogEntry<'_>) -> Result<()> {
        let (cl, entry) = (cl.clone(), OwnedEntry::of(entry));
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO closures (id, agency, from_day, to_day, reason, basis, active) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                uuid(cl.id),
                cl.agency,
                cl.from_day,
                cl.to_day,
                cl.reason,
                cl.basis,
                cl.active
            ])?;
            entry.write(c)
        })
        .await
    }

    async fn withdraw_closure(&self, id: uuid::Uuid, entry: &LogEntry<'_>) -> Result<bool> {
        let entry = OwnedEntry::of(entry);
        self.write(move |c| {
            let done = c
                .prepare_cached("UPDATE closures SET active = 0 WHERE id = ?1 AND active = 1")?
                .execute([uuid(id)])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn closures(&self) -> Result<Vec<StoredClosure>> {
        self.read(|c| {
            Sql::new(
                DIALECT,
                "SELECT id, agency, from_day, to_day, reason, basis, active FROM closures \
                 ORDER BY from_day DESC",
            )
            .rows(c, |r| {
                Ok(StoredClosure {
                    id: r.get(0)?,
                    agency: r.get(1)?,
                    from_day: r.get(2)?,
                    to_day: r.get(3)?,
                    reason: r.get(4)?,
                    basis: r.get(5)?,
                    active: r.get(6)?,
                })
            })
        })
    }

    async fn record_read(&self, read: &PersonalDataRead) -> Result<()> {
        let q = reads::insert(DIALECT, read);
        self.write_all(move |c| q.run(c).map(drop)).await
    }

    async fn reads_of_dossier(
        &self,
        dossier: uuid::Uuid,
        limit: i64,
    ) -> Result<Vec<PersonalDataRead>> {
        self.read(|c| reads::of_dossier(DIALECT, dossier, limit).rows(c, read_row))
    }

    async fn reads_by_officer(
        &self,
        officer: uuid::Uuid,
        from_ms: i64,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<PersonalDataRead>> {
        self.read(|c| {
            reads::of_officer(DIALECT, officer, from_ms, until_ms, limit).rows(c, read_row)
        })
    }

    async fn idempotent_result(&self, scope: &str, key: &str) -> Result<Option<IdempotentResult>> {
        self.read(|c| super::dossiers::find_key(c, scope, key))
    }
}

/// A read of the access log from the columns of `reads::COLUMNS`.
fn read_row(r: &rusqlite::Row<'_>) -> Result<PersonalDataRead> {
    let id = |i: usize| -> Result<uuid::Uuid> {
        let bytes: Vec<u8> = r.get(i)?;
        uuid::Uuid::from_slice(&bytes)
            .map_err(|_| crate::StoreError::Corrupt("nhật ký truy cập".into()))
    };
    let sha: Option<String> = r.get(5)?;
    let name: Option<String> = r.get(6)?;
    Ok(PersonalDataRead {
        at_ms: r.get(0)?,
        officer: id(1)?,
        officer_name: r.get(2)?,
        dossier: id(3)?,
        code: r.get(4)?,
        file: sha.zip(name),
    })
}
