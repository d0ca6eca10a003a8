//! Tài khoản on PostgreSQL: officers and their role rows, citizens and their dossiers, sessions,
//! ratings, failed logins, server keys.
//!
//! Every session is a row, so a token opened on one server is good on all of them. A write of
//! several statements is one transaction; the rest are single statements, atomic by
//! themselves. Flags (`officers.active`, `ratings.satisfied`) are `bigint` 0/1, as SQLite's
//! integers were.
//!
//! User names are ordered `COLLATE "C"`, by their bytes as SQLite's BINARY collation orders
//! them, whatever locale the database was created with.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::GenericClient;
use domain::dossier::Fact;
use domain::officer::{Officer, OfficerId};
use tokio_postgres::Row;

use super::dossiers::row;
use super::{DIALECT, Postgres, Sql, col, db_error, enqueue_on, insert_error, log_on, prepared};
use crate::sql::accounts::{self, CITIZEN_COLUMNS};
use crate::{
    CitizenAccount, DossierRow, LockedAccount, LogEntry, NewAccount, PendingRegistration,
    PopulationLookupRow, Result, SecondFactor, SessionOf, SessionTimes, SignInState, StoreError,
    StoredRating, from_json, from_ms, key, to_json,
};

/// A citizen's account from the columns of [`CITIZEN_COLUMNS`], from index 0.
fn citizen_row(r: &Row) -> Result<CitizenAccount> {
    Ok(CitizenAccount {
        id_number: col(r, 0)?,
        name: col(r, 1)?,
        phone: col(r, 2)?,
        email: col(r, 3)?,
    })
}

/// An officer from the JSON body in column 0.
fn officer_row(r: &Row) -> Result<Officer> {
    from_json(&col::<String>(r, 0)?, "cán bộ")
}

/// The name an account of this id number goes by in a duplicate's message.
fn citizen_account(id_number: &str) -> String {
    format!("tài khoản số định danh {id_number}")
}

/// Writes an officer's role grants (the rows `officers_in` and the policy read).
async fn write_roles(tx: &impl GenericClient, o: &Officer) -> Result<()> {
    let insert = prepared(
        tx,
        "INSERT INTO officer_roles (officer, role, agency) VALUES ($1, $2, $3)",
    )
    .await?;
    for g in &o.grants {
        tx.execute(&insert, &[&o.id.0, &key(&g.role), &g.agency.as_str()])
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Inserts an officer and their roles in the caller's transaction (a taken user name is a
/// duplicate).
pub(super) async fn insert_officer(
    tx: &impl GenericClient,
    o: &Officer,
    password_hash: &str,
) -> Result<()> {
    let insert = prepared(
        tx,
        "INSERT INTO officers (id, username, password_hash, active, body) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .await?;
    tx.execute(
        &insert,
        &[
            &o.id.0,
            &o.username,
            &password_hash,
            &i64::from(o.active),
            &to_json(o),
        ],
    )
    .await
    .map_err(|e| insert_error(e, &format!("tên đăng nhập {}", o.username)))?;
    write_roles(tx, o).await
}

#[async_trait::async_trait]
impl crate::AccountStore for Postgres {
    async fn add_officer(
        &self,
        o: &Officer,
        password_hash: &str,
        log: Option<&LogEntry<'_>>,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        insert_officer(&tx, o, password_hash).await?;
        if let Some(entry) = log {
            log_on(&tx, entry).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn add_officers(&self, officers: &[NewAccount], log: &LogEntry<'_>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        for a in officers {
            insert_officer(&tx, &a.officer, &a.password_hash).await?;
            if let Some(email) = &a.email {
                let set = prepared(&tx, "UPDATE officers SET email = $2 WHERE id = $1").await?;
                tx.execute(&set, &[&a.officer.id.0, email])
                    .await
                    .map_err(db_error)?;
            }
        }
        log_on(&tx, log).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn officer_by_username(&self, username: &str) -> Result<Option<(Officer, String)>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            "SELECT body, password_hash FROM officers WHERE username = $1",
        )
        .await?;
        c.query_opt(&select, &[&username])
            .await
            .map_err(db_error)?
            .map(|r| Ok((officer_row(&r)?, col(&r, 1)?)))
            .transpose()
    }

    async fn officer(&self, id: OfficerId) -> Result<Option<Officer>> {
        let c = self.client().await?;
        let select = prepared(&c, "SELECT body FROM officers WHERE id = $1").await?;
        c.query_opt(&select, &[&id.0])
            .await
            .map_err(db_error)?
            .map(|r| officer_row(&r))
            .transpose()
    }

    async fn officers_in(&self, agencies: &[String]) -> Result<Vec<Officer>> {
        let Some(q) = accounts::officers_in(DIALECT, agencies) else {
            return Ok(Vec::new());
        };
        let c = self.client().await?;
        q.query(&c).await?.iter().map(officer_row).collect()
    }

    async fn officers(&self) -> Result<Vec<Officer>> {
        let c = self.client().await?;
        accounts::officers(DIALECT)
            .query(&c)
            .await?
            .iter()
            .map(officer_row)
            .collect()
    }

    async fn officer_emails(&self) -> Result<HashMap<OfficerId, String>> {
        let c = self.client().await?;
        Sql::new(
            DIALECT,
            "SELECT id, email FROM officers WHERE email IS NOT NULL",
        )
        .query(&c)
        .await?
        .iter()
        .map(|r| Ok((OfficerId(col(r, 0)?), col(r, 1)?)))
        .collect()
    }

    async fn set_officer_email(
        &self,
        id: OfficerId,
        email: Option<&str>,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let set = prepared(&tx, "UPDATE officers SET email = $2 WHERE id = $1").await?;
        let done = tx.execute(&set, &[&id.0, &email]).await.map_err(db_error)?;
        if done == 0 {
            // No such officer: nothing written (the transaction is dropped, rolled back).
            return Ok(false);
        }
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn second_factor(&self, id: OfficerId) -> Result<Option<SecondFactor>> {
        let c = self.client().await?;
        let get = prepared(
            &c,
            "SELECT totp_secret, totp_confirmed_ms, totp_last_step, \
             (SELECT count(*) FROM recovery_codes WHERE officer = $1) FROM officers \
             WHERE id = $1 AND totp_secret IS NOT NULL",
        )
        .await?;
        c.query_opt(&get, &[&id.0])
            .await
            .map_err(db_error)?
            .map(|r| {
                let left: i64 = col(&r, 3)?;
                Ok(SecondFactor {
                    secret: col(&r, 0)?,
                    confirmed_ms: col(&r, 1)?,
                    last_step: col(&r, 2)?,
                    recovery_left: u32::try_from(left).unwrap_or(u32::MAX),
                })
            })
            .transpose()
    }

    async fn officers_with_second_factor(&self) -> Result<HashSet<OfficerId>> {
        let c = self.client().await?;
        Sql::new(
            DIALECT,
            "SELECT id FROM officers WHERE totp_confirmed_ms IS NOT NULL",
        )
        .query(&c)
        .await?
        .iter()
        .map(|r| Ok(OfficerId(col(r, 0)?)))
        .collect()
    }

    async fn set_up_second_factor(&self, id: OfficerId, secret: &str) -> Result<bool> {
        let c = self.client().await?;
        let set = prepared(
            &c,
            "UPDATE officers SET totp_secret = $2, totp_last_step = 0 \
             WHERE id = $1 AND totp_confirmed_ms IS NULL",
        )
        .await?;
        Ok(c.execute(&set, &[&id.0, &secret]).await.map_err(db_error)? > 0)
    }

    async fn confirm_second_factor(
        &self,
        id: OfficerId,
        secret: &str,
        step: i64,
        now_ms: i64,
        recovery: &[String],
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let confirm = prepared(
            &tx,
            "UPDATE officers SET totp_confirmed_ms = $3, totp_last_step = $4 \
             WHERE id = $1 AND totp_secret = $2 AND totp_confirmed_ms IS NULL",
        )
        .await?;
        let done = tx
            .execute(&confirm, &[&id.0, &secret, &now_ms, &step])
            .await
            .map_err(db_error)?;
        if done == 0 {
            return Ok(false);
        }
        write_recovery_codes(&tx, id, recovery).await?;
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn replace_recovery_codes(
        &self,
        id: OfficerId,
        recovery: &[String],
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        // The officer's row locked: a factor turned off meanwhile waits, or is seen off.
        let on = prepared(
            &tx,
            "SELECT 1 FROM officers WHERE id = $1 AND totp_confirmed_ms IS NOT NULL FOR UPDATE",
        )
        .await?;
        if tx
            .query_opt(&on, &[&id.0])
            .await
            .map_err(db_error)?
            .is_none()
        {
            return Ok(false);
        }
        write_recovery_codes(&tx, id, recovery).await?;
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn take_recovery_code(
        &self,
        id: OfficerId,
        hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        // One statement: of two logins with the same code at once, one deletes the row and
        // the other finds it gone.
        let take = prepared(
            &tx,
            "DELETE FROM recovery_codes WHERE officer = $1 AND code_hash = $2",
        )
        .await?;
        if tx.execute(&take, &[&id.0, &hash]).await.map_err(db_error)? == 0 {
            return Ok(false);
        }
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn take_second_factor_step(&self, id: OfficerId, step: i64) -> Result<bool> {
        let c = self.client().await?;
        // One statement: of two logins with the same code at once, the row's lock lets one
        // through and the other finds the step taken.
        let take = prepared(
            &c,
            "UPDATE officers SET totp_last_step = $2 \
             WHERE id = $1 AND totp_confirmed_ms IS NOT NULL AND totp_last_step < $2",
        )
        .await?;
        Ok(c.execute(&take, &[&id.0, &step]).await.map_err(db_error)? > 0)
    }

    async fn remove_second_factor(&self, id: OfficerId, entry: &LogEntry<'_>) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let remove = prepared(
            &tx,
            "UPDATE officers SET totp_secret = NULL, totp_confirmed_ms = NULL, \
             totp_last_step = 0 WHERE id = $1 AND totp_secret IS NOT NULL",
        )
        .await?;
        if tx.execute(&remove, &[&id.0]).await.map_err(db_error)? == 0 {
            return Ok(false);
        }
        write_recovery_codes(&tx, id, &[]).await?;
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn update_officer(&self, o: &Officer, entry: &LogEntry<'_>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        // The officer's row is locked by this update first, so two updates of one officer
        // replace the roles one after the other.
        let update = prepared(
            &tx,
            "UPDATE officers SET active = $2, body = $3 WHERE id = $1",
        )
        .await?;
        tx.execute(&update, &[&o.id.0, &i64::from(o.active), &to_json(o)])
            .await
            .map_err(db_error)?;
        let clear = prepared(&tx, "DELETE FROM officer_roles WHERE officer = $1").await?;
        tx.execute(&clear, &[&o.id.0]).await.map_err(db_error)?;
        write_roles(&tx, o).await?;
        if !o.active {
            let end = prepared(&tx, "DELETE FROM sessions WHERE officer = $1").await?;
            tx.execute(&end, &[&o.id.0]).await.map_err(db_error)?;
        }
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn set_password(
        &self,
        id: OfficerId,
        password_hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let set = prepared(&tx, "UPDATE officers SET password_hash = $2 WHERE id = $1").await?;
        tx.execute(&set, &[&id.0, &password_hash])
            .await
            .map_err(db_error)?;
        let end = prepared(&tx, "DELETE FROM sessions WHERE officer = $1").await?;
        tx.execute(&end, &[&id.0]).await.map_err(db_error)?;
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn open_session(
        &self,
        token_hash: &str,
        officer: OfficerId,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let c = self.client().await?;
        let insert = prepared(
            &c,
            "INSERT INTO sessions (token_hash, officer, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4)",
        )
        .await?;
        c.execute(&insert, &[&token_hash, &officer.0, &now_ms, &expires_ms])
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn session_officer(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Officer, SessionTimes)>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            "SELECT o.body, s.created_ms, s.expires_ms \
             FROM sessions s JOIN officers o ON o.id = s.officer \
             WHERE s.token_hash = $1 AND s.expires_ms > $2 AND o.active <> 0",
        )
        .await?;
        c.query_opt(&select, &[&token_hash, &now_ms])
            .await
            .map_err(db_error)?
            .map(|r| {
                let times = SessionTimes {
                    created_ms: col(&r, 1)?,
                    expires_ms: col(&r, 2)?,
                };
                Ok((officer_row(&r)?, times))
            })
            .transpose()
    }

    async fn extend_session(
        &self,
        of: SessionOf,
        token_hash: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let c = self.client().await?;
        accounts::extend_session(DIALECT, of, token_hash, now_ms, expires_ms)
            .execute(&c)
            .await
            .map(drop)
    }

    async fn close_session(&self, token_hash: &str) -> Result<bool> {
        let c = self.client().await?;
        let delete = prepared(&c, "DELETE FROM sessions WHERE token_hash = $1").await?;
        Ok(c.execute(&delete, &[&token_hash]).await.map_err(db_error)? > 0)
    }

    async fn add_citizen(
        &self,
        a: &CitizenAccount,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<()> {
        let c = self.client().await?;
        let insert = prepared(
            &c,
            "INSERT INTO citizens (id_number, name, phone, email, password_hash, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
        c.execute(
            &insert,
            &[
                &a.id_number,
                &a.name,
                &a.phone,
                &a.email,
                &password_hash,
                &now_ms,
            ],
        )
        .await
        .map_err(|e| insert_error(e, &citizen_account(&a.id_number)))?;
        Ok(())
    }

    async fn citizen(&self, id_number: &str) -> Result<Option<(CitizenAccount, String)>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            &format!("SELECT {CITIZEN_COLUMNS}, password_hash FROM citizens WHERE id_number = $1"),
        )
        .await?;
        c.query_opt(&select, &[&id_number])
            .await
            .map_err(db_error)?
            .map(|r| Ok((citizen_row(&r)?, col(&r, 4)?)))
            .transpose()
    }

    async fn some_citizens(&self, limit: i64) -> Result<Vec<CitizenAccount>> {
        let c = self.client().await?;
        accounts::some_citizens(DIALECT, limit)
            .query(&c)
            .await?
            .iter()
            .map(citizen_row)
            .collect()
    }

    async fn open_citizen_session(
        &self,
        token_hash: &str,
        id_number: &str,
        now_ms: i64,
        expires_ms: i64,
        identity: Option<&str>,
    ) -> Result<()> {
        let c = self.client().await?;
        let insert = prepared(
            &c,
            "INSERT INTO citizen_sessions (token_hash, citizen, created_ms, expires_ms, \
             identity) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
        c.execute(
            &insert,
            &[&token_hash, &id_number, &now_ms, &expires_ms, &identity],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn session_citizen(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(CitizenAccount, Option<String>, SessionTimes)>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            "SELECT c.id_number, c.name, c.phone, c.email, s.identity, s.created_ms, \
             s.expires_ms FROM citizen_sessions s JOIN citizens c ON c.id_number = s.citizen \
             WHERE s.token_hash = $1 AND s.expires_ms > $2",
        )
        .await?;
        c.query_opt(&select, &[&token_hash, &now_ms])
            .await
            .map_err(db_error)?
            .map(|r| {
                let times = SessionTimes {
                    created_ms: col(&r, 5)?,
                    expires_ms: col(&r, 6)?,
                };
                Ok((citizen_row(&r)?, col(&r, 4)?, times))
            })
            .transpose()
    }

    async fn start_registration(
        &self,
        r: &PendingRegistration,
        message: &crate::NewMessage,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let exists = prepared(
            &tx,
            "SELECT EXISTS (SELECT 1 FROM citizens WHERE id_number = $1)",
        )
        .await?;
        let taken: bool = col(
            &tx.query_one(&exists, &[&r.account.id_number])
                .await
                .map_err(db_error)?,
            0,
        )?;
        if taken {
            return Err(StoreError::Duplicate(citizen_account(&r.account.id_number)));
        }
        let upsert = prepared(
            &tx,
            "INSERT INTO citizen_registrations (id_number, name, phone, email, password_hash, \
             code_hash, channel, created_ms, expires_ms, attempts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0) \
             ON CONFLICT (id_number) DO UPDATE SET name = excluded.name, \
             phone = excluded.phone, email = excluded.email, \
             password_hash = excluded.password_hash, code_hash = excluded.code_hash, \
             channel = excluded.channel, created_ms = excluded.created_ms, \
             expires_ms = excluded.expires_ms, attempts = 0",
        )
        .await?;
        tx.execute(
            &upsert,
            &[
                &r.account.id_number,
                &r.account.name,
                &r.account.phone,
                &r.account.email,
                &r.password_hash,
                &r.code_hash,
                &r.channel,
                &r.created_ms,
                &r.expires_ms,
            ],
        )
        .await
        .map_err(db_error)?;
        enqueue_on(&tx, std::slice::from_ref(message), from_ms(r.created_ms)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn registration(&self, id_number: &str) -> Result<Option<PendingRegistration>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            &format!(
                "SELECT {CITIZEN_COLUMNS}, password_hash, code_hash, channel, created_ms, \
                 expires_ms, attempts FROM citizen_registrations WHERE id_number = $1"
            ),
        )
        .await?;
        c.query_opt(&select, &[&id_number])
            .await
            .map_err(db_error)?
            .map(|r| {
                Ok(PendingRegistration {
                    account: citizen_row(&r)?,
                    password_hash: col(&r, 4)?,
                    code_hash: col(&r, 5)?,
                    channel: col(&r, 6)?,
                    created_ms: col(&r, 7)?,
                    expires_ms: col(&r, 8)?,
                    attempts: col::<i64>(&r, 9)? as u32,
                })
            })
            .transpose()
    }

    async fn registration_failed(&self, id_number: &str) -> Result<u32> {
        let c = self.client().await?;
        let update = prepared(
            &c,
            "UPDATE citizen_registrations SET attempts = attempts + 1 WHERE id_number = $1 \
             RETURNING attempts",
        )
        .await?;
        let attempts = match c
            .query_opt(&update, &[&id_number])
            .await
            .map_err(db_error)?
        {
            Some(r) => col::<i64>(&r, 0)?,
            None => 0,
        };
        Ok(attempts as u32)
    }

    async fn drop_registration(&self, id_number: &str) -> Result<()> {
        let c = self.client().await?;
        let delete = prepared(&c, "DELETE FROM citizen_registrations WHERE id_number = $1").await?;
        c.execute(&delete, &[&id_number]).await.map_err(db_error)?;
        Ok(())
    }

    async fn finish_registration(&self, id_number: &str, now_ms: i64) -> Result<CitizenAccount> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        // Two confirmations at once: the second finds the account there (a duplicate), as
        // it would after the first.
        let insert = prepared(
            &tx,
            &format!(
                "INSERT INTO citizens (id_number, name, phone, email, password_hash, created_ms) \
                 SELECT id_number, name, phone, email, password_hash, $2 \
                 FROM citizen_registrations WHERE id_number = $1 RETURNING {CITIZEN_COLUMNS}"
            ),
        )
        .await?;
        let moved = tx
            .query_opt(&insert, &[&id_number, &now_ms])
            .await
            .map_err(|e| insert_error(e, &citizen_account(id_number)))?;
        let Some(moved) = moved else {
            return Err(StoreError::Corrupt(format!(
                "không có đăng ký chờ xác nhận của {id_number}"
            )));
        };
        let account = citizen_row(&moved)?;
        let delete = prepared(
            &tx,
            "DELETE FROM citizen_registrations WHERE id_number = $1",
        )
        .await?;
        tx.execute(&delete, &[&id_number]).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(account)
    }

    /// A reference recorded before is refused with the database's error, as on SQLite.
    async fn record_population_lookup(&self, l: &PopulationLookupRow) -> Result<()> {
        let c = self.client().await?;
        let insert = prepared(
            &c,
            "INSERT INTO population_lookups \
             (reference, id_number, officer, at_ms, name_digest, address_digest) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
        c.execute(
            &insert,
            &[
                &l.reference,
                &l.id_number,
                &l.officer,
                &l.at_ms,
                &l.name_digest,
                &l.address_digest,
            ],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn population_lookup(&self, reference: &str) -> Result<Option<PopulationLookupRow>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            "SELECT reference, id_number, officer, at_ms, name_digest, address_digest \
             FROM population_lookups WHERE reference = $1",
        )
        .await?;
        c.query_opt(&select, &[&reference])
            .await
            .map_err(db_error)?
            .map(|r| {
                Ok(PopulationLookupRow {
                    reference: col(&r, 0)?,
                    id_number: col(&r, 1)?,
                    officer: col(&r, 2)?,
                    at_ms: col(&r, 3)?,
                    name_digest: col(&r, 4)?,
                    address_digest: col(&r, 5)?,
                })
            })
            .transpose()
    }

    async fn put_sign_in_state(&self, s: &SignInState) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        // Sign-ins left unfinished for a day are dropped as new ones come.
        let sweep = prepared(&tx, "DELETE FROM sign_in_states WHERE created_ms < $1").await?;
        tx.execute(&sweep, &[&(s.created_ms - 86_400_000)])
            .await
            .map_err(db_error)?;
        let insert = prepared(
            &tx,
            "INSERT INTO sign_in_states (state_hash, nonce, verifier, created_ms) \
             VALUES ($1, $2, $3, $4)",
        )
        .await?;
        tx.execute(
            &insert,
            &[&s.state_hash, &s.nonce, &s.verifier, &s.created_ms],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    /// One statement: of two servers taking the same state at once, one gets it.
    async fn take_sign_in_state(
        &self,
        state_hash: &str,
        not_before_ms: i64,
    ) -> Result<Option<SignInState>> {
        let c = self.client().await?;
        let take = prepared(
            &c,
            "DELETE FROM sign_in_states WHERE state_hash = $1 AND created_ms >= $2 \
             RETURNING state_hash, nonce, verifier, created_ms",
        )
        .await?;
        c.query_opt(&take, &[&state_hash, &not_before_ms])
            .await
            .map_err(db_error)?
            .map(|r| {
                Ok(SignInState {
                    state_hash: col(&r, 0)?,
                    nonce: col(&r, 1)?,
                    verifier: col(&r, 2)?,
                    created_ms: col(&r, 3)?,
                })
            })
            .transpose()
    }

    async fn close_citizen_session(&self, token_hash: &str) -> Result<bool> {
        let c = self.client().await?;
        let delete = prepared(&c, "DELETE FROM citizen_sessions WHERE token_hash = $1").await?;
        Ok(c.execute(&delete, &[&token_hash]).await.map_err(db_error)? > 0)
    }

    async fn link_citizen_dossier(
        &self,
        id_number: &str,
        dossier: uuid::Uuid,
        how: &str,
        now_ms: i64,
    ) -> Result<()> {
        let c = self.client().await?;
        let insert = prepared(
            &c,
            "INSERT INTO citizen_dossiers (citizen, dossier, how, linked_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (citizen, dossier) DO NOTHING",
        )
        .await?;
        c.execute(&insert, &[&id_number, &dossier, &how, &now_ms])
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn citizen_has_dossier(&self, id_number: &str, dossier: uuid::Uuid) -> Result<bool> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            "SELECT 1 FROM citizen_dossiers WHERE citizen = $1 AND dossier = $2",
        )
        .await?;
        Ok(c.query_opt(&select, &[&id_number, &dossier])
            .await
            .map_err(db_error)?
            .is_some())
    }

    async fn citizen_dossier_rows(&self, id_number: &str, limit: i64) -> Result<Vec<DossierRow>> {
        let c = self.client().await?;
        accounts::citizen_dossier_rows(DIALECT, id_number, limit)
            .query(&c)
            .await?
            .iter()
            .map(row)
            .collect()
    }

    async fn put_rating(&self, r: &StoredRating, counts: &[(Fact, i64)]) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let insert = prepared(
            &tx,
            "INSERT INTO ratings (dossier, receiving, rated_ms, satisfied, answers, comment) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
        tx.execute(
            &insert,
            &[
                &r.dossier,
                &r.receiving,
                &r.rated_ms,
                &i64::from(r.satisfied),
                &r.answers,
                &r.comment,
            ],
        )
        .await
        .map_err(|e| insert_error(e, "đánh giá của hồ sơ này"))?;
        super::counts::apply_counts(&tx, counts).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn ratings_by_dossier(&self) -> Result<Vec<(uuid::Uuid, bool)>> {
        let c = self.client().await?;
        Sql::new(DIALECT, "SELECT dossier, satisfied FROM ratings")
            .query(&c)
            .await?
            .iter()
            .map(|r| Ok((col(r, 0)?, col::<i64>(r, 1)? != 0)))
            .collect()
    }

    async fn rating_of(&self, dossier: uuid::Uuid) -> Result<Option<bool>> {
        let c = self.client().await?;
        let select = prepared(&c, "SELECT satisfied FROM ratings WHERE dossier = $1").await?;
        c.query_opt(&select, &[&dossier])
            .await
            .map_err(db_error)?
            .map(|r| Ok(col::<i64>(&r, 0)? != 0))
            .transpose()
    }

    /// One upsert: the row lock it takes orders two failures of one account counted at once.
    async fn login_failed(
        &self,
        account: &str,
        now_ms: i64,
        window_start_ms: i64,
        threshold: i64,
        lock_until_ms: i64,
    ) -> Result<Option<i64>> {
        let c = self.client().await?;
        let count = prepared(
            &c,
            "INSERT INTO login_failures AS f (account, failures, last_ms, locked_until_ms) \
             VALUES ($1, 1, $2, CASE WHEN 1 >= $4::bigint THEN $5::bigint END) \
             ON CONFLICT (account) DO UPDATE SET \
             failures = CASE WHEN f.last_ms < $3 THEN 1 ELSE f.failures + 1 END, \
             last_ms = $2, \
             locked_until_ms = CASE \
             WHEN (CASE WHEN f.last_ms < $3 THEN 1 ELSE f.failures + 1 END) >= $4 THEN $5 \
             ELSE f.locked_until_ms END \
             RETURNING locked_until_ms",
        )
        .await?;
        let locked: Option<i64> = col(
            &c.query_one(
                &count,
                &[
                    &account,
                    &now_ms,
                    &window_start_ms,
                    &threshold,
                    &lock_until_ms,
                ],
            )
            .await
            .map_err(db_error)?,
            0,
        )?;
        Ok(locked.filter(|until| *until > now_ms))
    }

    async fn login_lock(&self, account: &str, now_ms: i64) -> Result<Option<i64>> {
        let c = self.client().await?;
        let select = prepared(
            &c,
            "SELECT locked_until_ms FROM login_failures \
             WHERE account = $1 AND locked_until_ms > $2",
        )
        .await?;
        c.query_opt(&select, &[&account, &now_ms])
            .await
            .map_err(db_error)?
            .map(|r| col(&r, 0))
            .transpose()
    }

    /// A delete that finds nothing (the usual case) writes nothing on PostgreSQL, so there is
    /// no read before it as on SQLite.
    async fn login_succeeded(&self, account: &str) -> Result<()> {
        let c = self.client().await?;
        let delete = prepared(&c, "DELETE FROM login_failures WHERE account = $1").await?;
        c.execute(&delete, &[&account]).await.map_err(db_error)?;
        Ok(())
    }

    async fn locked_accounts(&self, now_ms: i64) -> Result<Vec<LockedAccount>> {
        let c = self.client().await?;
        accounts::locked_accounts(DIALECT, now_ms)
            .query(&c)
            .await?
            .iter()
            .map(|r| {
                Ok(LockedAccount {
                    account: col(r, 0)?,
                    failures: col(r, 1)?,
                    locked_until_ms: col(r, 2)?,
                })
            })
            .collect()
    }

    async fn unlock_account(&self, account: &str, entry: &LogEntry<'_>) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let delete = prepared(&tx, "DELETE FROM login_failures WHERE account = $1").await?;
        if tx.execute(&delete, &[&account]).await.map_err(db_error)? == 0 {
            // Not locked: nothing written (the transaction is dropped, rolled back).
            return Ok(false);
        }
        log_on(&tx, entry).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    /// Two statements, each with its own snapshot: when another server writes the key first,
    /// the insert waits for it and does nothing, and the select then reads its secret.
    async fn server_key(&self, name: &str, candidate: &[u8], now_ms: i64) -> Result<Vec<u8>> {
        let c = self.client().await?;
        // Read first: once made, a key is only read (a national reader sees the province's
        // tables through postgres_fdw, where an upsert has no key to go by).
        let select = prepared(&c, "SELECT secret FROM server_keys WHERE name = $1").await?;
        if let Some(row) = c.query_opt(&select, &[&name]).await.map_err(db_error)? {
            return col(&row, 0);
        }
        let insert = prepared(
            &c,
            "INSERT INTO server_keys (name, secret, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .await?;
        c.execute(&insert, &[&name, &candidate, &now_ms])
            .await
            .map_err(db_error)?;
        col(&c.query_one(&select, &[&name]).await.map_err(db_error)?, 0)
    }

    async fn purge_expired(&self, now_ms: i64, keys_before_ms: i64) -> Result<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let mut removed = 0;
        for q in accounts::purges(DIALECT, now_ms, keys_before_ms) {
            removed += q.execute(&tx).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(removed)
    }
}

/// Replaces an officer's recovery codes with `hashes` (none: removes them).
async fn write_recovery_codes(
    tx: &impl GenericClient,
    id: OfficerId,
    hashes: &[String],
) -> Result<()> {
    let clear = prepared(tx, "DELETE FROM recovery_codes WHERE officer = $1").await?;
    tx.execute(&clear, &[&id.0]).await.map_err(db_error)?;
    let insert = prepared(
        tx,
        "INSERT INTO recovery_codes (officer, code_hash) SELECT $1, unnest($2::text[])",
    )
    .await?;
    tx.execute(&insert, &[&id.0, &hashes])
        .await
        .map_err(db_error)?;
    Ok(())
}
