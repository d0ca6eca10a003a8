//! Tài khoản on SQLite: officers and their role rows, citizens and their dossiers, sessions,
//! ratings, failed logins, server keys.

use std::collections::HashSet;

use domain::dossier::Fact;
use domain::officer::{Officer, OfficerId};
use rusqlite::{Connection, OptionalExtension, params};

use super::admin::OwnedEntry;
use super::dossiers::row;
use super::{DIALECT, Sql, Sqlite, Written, insert_error, uuid};
use crate::sql::accounts;
use crate::{
    CitizenAccount, DossierRow, LockedAccount, LogEntry, NewAccount, PendingRegistration, Result,
    SecondFactor, SessionOf, SessionTimes, SignInState, StoredRating, from_json, key, to_json,
};

/// Writes an officer's role grants (the rows `officers_in` and the policy read).
fn write_roles(conn: &Connection, o: &Officer) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("INSERT INTO officer_roles (officer, role, agency) VALUES (?1, ?2, ?3)")?;
    for g in &o.grants {
        stmt.execute(params![uuid(o.id.0), key(&g.role), g.agency.as_str()])?;
    }
    Ok(())
}

/// Inserts an officer and their roles in the caller's transaction.
pub(super) fn insert_officer(conn: &Connection, o: &Officer, password_hash: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO officers (id, username, password_hash, active, body) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        uuid(o.id.0),
        o.username,
        password_hash,
        o.active,
        to_json(o)
    ])
    .map_err(|e| insert_error(e, &format!("tên đăng nhập {}", o.username)))?;
    write_roles(conn, o)
}

fn citizen_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CitizenAccount> {
    Ok(CitizenAccount {
        id_number: r.get(0)?,
        name: r.get(1)?,
        phone: r.get(2)?,
        email: r.get(3)?,
    })
}

fn officers_of(conn: &Connection, q: &Sql) -> Result<Vec<Officer>> {
    let bodies: Vec<String> = q.rows(conn, |r| Ok(r.get(0)?))?;
    bodies.iter().map(|b| from_json(b, "cán bộ")).collect()
}

#[async_trait::async_trait]
impl crate::AccountStore for Sqlite {
    async fn add_officer(
        &self,
        o: &Officer,
        password_hash: &str,
        log: Option<&LogEntry<'_>>,
    ) -> Result<()> {
        let (o, hash, entry) = (
            o.clone(),
            password_hash.to_string(),
            log.map(OwnedEntry::of),
        );
        self.write_all(move |c| {
            insert_officer(c, &o, &hash)?;
            if let Some(e) = &entry {
                e.write(c)?;
            }
            Ok(())
        })
        .await
    }

    async fn add_officers(&self, officers: &[NewAccount], log: &LogEntry<'_>) -> Result<()> {
        let (officers, entry) = (officers.to_vec(), OwnedEntry::of(log));
        self.write_all(move |c| {
            for a in &officers {
                insert_officer(c, &a.officer, &a.password_hash)?;
                if let Some(email) = &a.email {
                    c.prepare_cached("UPDATE officers SET email = ?2 WHERE id = ?1")?
                        .execute(params![uuid(a.officer.id.0), email])?;
                }
            }
            entry.write(c)
        })
        .await
    }

    async fn officer_by_username(&self, username: &str) -> Result<Option<(Officer, String)>> {
        self.read(|c| {
            let found: Option<(String, String)> = c
                .prepare_cached("SELECT body, password_hash FROM officers WHERE username = ?1")?
                .query_row([username], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            found
                .map(|(body, hash)| Ok((from_json(&body, "cán bộ")?, hash)))
                .transpose()
        })
    }

    async fn officer(&self, id: OfficerId) -> Result<Option<Officer>> {
        self.read(|c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM officers WHERE id = ?1")?
                .query_row([uuid(id.0)], |r| r.get(0))
                .optional()?;
            body.map(|b| from_json(&b, "cán bộ")).transpose()
        })
    }

    async fn officers_in(&self, agencies: &[String]) -> Result<Vec<Officer>> {
        let Some(q) = accounts::officers_in(DIALECT, agencies) else {
            return Ok(Vec::new());
        };
        self.read(|c| officers_of(c, &q))
    }

    async fn officers(&self) -> Result<Vec<Officer>> {
        self.read(|c| officers_of(c, &accounts::officers(DIALECT)))
    }

    async fn officer_emails(&self) -> Result<std::collections::HashMap<OfficerId, String>> {
        self.read(|c| {
            let rows: Vec<(uuid::Uuid, String)> = Sql::new(
                DIALECT,
                "SELECT id, email FROM officers WHERE email IS NOT NULL",
            )
            .rows(c, |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows
                .into_iter()
                .map(|(id, email)| (OfficerId(id), email))
                .collect())
        })
    }

    async fn set_officer_email(
        &self,
        id: OfficerId,
        email: Option<&str>,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let (email, entry) = (email.map(str::to_string), OwnedEntry::of(entry));
        self.write(move |c| {
            let done = c
                .prepare_cached("UPDATE officers SET email = ?2 WHERE id = ?1")?
                .execute(params![uuid(id.0), email])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn second_factor(&self, id: OfficerId) -> Result<Option<SecondFactor>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT totp_secret, totp_confirmed_ms, totp_last_step, \
                 (SELECT count(*) FROM recovery_codes WHERE officer = ?1) FROM officers \
                 WHERE id = ?1 AND totp_secret IS NOT NULL",
            )?
            .query_row([uuid(id.0)], |r| {
                Ok(SecondFactor {
                    secret: r.get(0)?,
                    confirmed_ms: r.get(1)?,
                    last_step: r.get(2)?,
                    recovery_left: r.get(3)?,
                })
            })
            .optional()?)
        })
    }

    async fn officers_with_second_factor(&self) -> Result<HashSet<OfficerId>> {
        self.read(|c| {
            let ids: Vec<uuid::Uuid> = Sql::new(
                DIALECT,
                "SELECT id FROM officers WHERE totp_confirmed_ms IS NOT NULL",
            )
            .rows(c, |r| Ok(r.get(0)?))?;
            Ok(ids.into_iter().map(OfficerId).collect())
        })
    }

    async fn set_up_second_factor(&self, id: OfficerId, secret: &str) -> Result<bool> {
        let secret = secret.to_string();
        self.write(move |c| {
            let done = c
                .prepare_cached(
                    "UPDATE officers SET totp_secret = ?2, totp_last_step = 0 \
                     WHERE id = ?1 AND totp_confirmed_ms IS NULL",
                )?
                .execute(params![uuid(id.0), secret])?;
            Ok(if done == 0 {
                Written::No(false)
            } else {
                Written::Yes(true)
            })
        })
        .await
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
        let (secret, entry) = (secret.to_string(), OwnedEntry::of(entry));
        let recovery = recovery.to_vec();
        self.write(move |c| {
            let done = c
                .prepare_cached(
                    "UPDATE officers SET totp_confirmed_ms = ?3, totp_last_step = ?4 \
                     WHERE id = ?1 AND totp_secret = ?2 AND totp_confirmed_ms IS NULL",
                )?
                .execute(params![uuid(id.0), secret, now_ms, step])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            write_recovery_codes(c, id, &recovery)?;
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn replace_recovery_codes(
        &self,
        id: OfficerId,
        recovery: &[String],
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let (recovery, entry) = (recovery.to_vec(), OwnedEntry::of(entry));
        self.write(move |c| {
            let on: bool = c
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM officers \
                     WHERE id = ?1 AND totp_confirmed_ms IS NOT NULL)",
                )?
                .query_row([uuid(id.0)], |r| r.get(0))?;
            if !on {
                return Ok(Written::No(false));
            }
            write_recovery_codes(c, id, &recovery)?;
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn take_recovery_code(
        &self,
        id: OfficerId,
        hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<bool> {
        let (hash, entry) = (hash.to_string(), OwnedEntry::of(entry));
        self.write(move |c| {
            let done = c
                .prepare_cached("DELETE FROM recovery_codes WHERE officer = ?1 AND code_hash = ?2")?
                .execute(params![uuid(id.0), hash])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn take_second_factor_step(&self, id: OfficerId, step: i64) -> Result<bool> {
        self.write(move |c| {
            let done = c
                .prepare_cached(
                    "UPDATE officers SET totp_last_step = ?2 \
                     WHERE id = ?1 AND totp_confirmed_ms IS NOT NULL AND totp_last_step < ?2",
                )?
                .execute(params![uuid(id.0), step])?;
            Ok(if done == 0 {
                Written::No(false)
            } else {
                Written::Yes(true)
            })
        })
        .await
    }

    async fn remove_second_factor(&self, id: OfficerId, entry: &LogEntry<'_>) -> Result<bool> {
        let entry = OwnedEntry::of(entry);
        self.write(move |c| {
            let done = c
                .prepare_cached(
                    "UPDATE officers SET totp_secret = NULL, totp_confirmed_ms = NULL, \
                     totp_last_step = 0 WHERE id = ?1 AND totp_secret IS NOT NULL",
                )?
                .execute([uuid(id.0)])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            write_recovery_codes(c, id, &[])?;
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn update_officer(&self, o: &Officer, entry: &LogEntry<'_>) -> Result<()> {
        let (o, entry) = (o.clone(), OwnedEntry::of(entry));
        self.write_all(move |c| {
            c.prepare_cached("UPDATE officers SET active = ?2, body = ?3 WHERE id = ?1")?
                .execute(params![uuid(o.id.0), o.active, to_json(&o)])?;
            c.prepare_cached("DELETE FROM officer_roles WHERE officer = ?1")?
                .execute([uuid(o.id.0)])?;
            write_roles(c, &o)?;
            if !o.active {
                c.prepare_cached("DELETE FROM sessions WHERE officer = ?1")?
                    .execute([uuid(o.id.0)])?;
            }
            entry.write(c)
        })
        .await
    }

    async fn set_password(
        &self,
        id: OfficerId,
        password_hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<()> {
        let (hash, entry) = (password_hash.to_string(), OwnedEntry::of(entry));
        self.write_all(move |c| {
            c.prepare_cached("UPDATE officers SET password_hash = ?2 WHERE id = ?1")?
                .execute(params![uuid(id.0), hash])?;
            c.prepare_cached("DELETE FROM sessions WHERE officer = ?1")?
                .execute([uuid(id.0)])?;
            entry.write(c)
        })
        .await
    }

    async fn open_session(
        &self,
        token_hash: &str,
        officer: OfficerId,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO sessions (token_hash, officer, created_ms, expires_ms) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![token_hash, uuid(officer.0), now_ms, expires_ms])?;
            Ok(())
        })
        .await
    }

    async fn session_officer(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Officer, SessionTimes)>> {
        self.read(|c| {
            let row: Option<(String, i64, i64)> = c
                .prepare_cached(
                    "SELECT o.body, s.created_ms, s.expires_ms \
                     FROM sessions s JOIN officers o ON o.id = s.officer \
                     WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND o.active",
                )?
                .query_row(params![token_hash, now_ms], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            row.map(|(b, created_ms, expires_ms)| {
                let times = SessionTimes {
                    created_ms,
                    expires_ms,
                };
                Ok((from_json(&b, "cán bộ")?, times))
            })
            .transpose()
        })
    }

    async fn extend_session(
        &self,
        of: SessionOf,
        token_hash: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let q = accounts::extend_session(DIALECT, of, token_hash, now_ms, expires_ms);
        self.write_all(move |c| q.run(c).map(drop)).await
    }

    async fn close_session(&self, token_hash: &str) -> Result<bool> {
        let token_hash = token_hash.to_string();
        self.write_all(move |c| {
            Ok(
                c.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
                    .execute([&token_hash])?
                    > 0,
            )
        })
        .await
    }

    async fn add_citizen(
        &self,
        a: &CitizenAccount,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<()> {
        let (a, hash) = (a.clone(), password_hash.to_string());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO citizens (id_number, name, phone, email, password_hash, created_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![a.id_number, a.name, a.phone, a.email, hash, now_ms])
            .map_err(|e| insert_error(e, &format!("tài khoản số định danh {}", a.id_number)))?;
            Ok(())
        })
        .await
    }

    async fn citizen(&self, id_number: &str) -> Result<Option<(CitizenAccount, String)>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT id_number, name, phone, email, password_hash FROM citizens WHERE id_number = ?1",
            )?
            .query_row([id_number], |r| Ok((citizen_row(r)?, r.get(4)?)))
            .optional()?)
        })
    }

    async fn some_citizens(&self, limit: i64) -> Result<Vec<CitizenAccount>> {
        self.read(|c| accounts::some_citizens(DIALECT, limit).rows(c, |r| Ok(citizen_row(r)?)))
    }

    async fn open_citizen_session(
        &self,
        token_hash: &str,
        id_number: &str,
        now_ms: i64,
        expires_ms: i64,
        identity: Option<&str>,
    ) -> Result<()> {
        let (token_hash, id_number) = (token_hash.to_string(), id_number.to_string());
        let identity = identity.map(str::to_string);
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO citizen_sessions (token_hash, citizen, created_ms, expires_ms, \
                 identity) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![token_hash, id_number, now_ms, expires_ms, identity])?;
            Ok(())
        })
        .await
    }

    async fn session_citizen(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(CitizenAccount, Option<String>, SessionTimes)>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT c.id_number, c.name, c.phone, c.email, s.identity, s.created_ms, \
                 s.expires_ms FROM citizen_sessions s JOIN citizens c ON c.id_number = s.citizen \
                 WHERE s.token_hash = ?1 AND s.expires_ms > ?2",
            )?
            .query_row(params![token_hash, now_ms], |r| {
                let times = SessionTimes {
                    created_ms: r.get(5)?,
                    expires_ms: r.get(6)?,
                };
                Ok((citizen_row(r)?, r.get::<_, Option<String>>(4)?, times))
            })
            .optional()?)
        })
    }

    async fn start_registration(
        &self,
        r: &PendingRegistration,
        message: &crate::NewMessage,
    ) -> Result<()> {
        let (r, m) = (r.clone(), message.clone());
        self.write_all(move |c| {
            let exists: bool = c
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM citizens WHERE id_number = ?1)")?
                .query_row([&r.account.id_number], |row| row.get(0))?;
            if exists {
                return Err(crate::StoreError::Duplicate(format!(
                    "tài khoản số định danh {}",
                    r.account.id_number
                )));
            }
            c.prepare_cached(
                "INSERT INTO citizen_registrations (id_number, name, phone, email, password_hash, \
                 code_hash, channel, created_ms, expires_ms, attempts) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0) \
                 ON CONFLICT (id_number) DO UPDATE SET name = excluded.name, \
                 phone = excluded.phone, email = excluded.email, \
                 password_hash = excluded.password_hash, code_hash = excluded.code_hash, \
                 channel = excluded.channel, created_ms = excluded.created_ms, \
                 expires_ms = excluded.expires_ms, attempts = 0",
            )?
            .execute(params![
                r.account.id_number,
                r.account.name,
                r.account.phone,
                r.account.email,
                r.password_hash,
                r.code_hash,
                r.channel,
                r.created_ms,
                r.expires_ms
            ])?;
            super::outbox::enqueue_on(c, std::slice::from_ref(&m), super::from_ms(r.created_ms))?;
            Ok(())
        })
        .await
    }

    async fn registration(&self, id_number: &str) -> Result<Option<PendingRegistration>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT id_number, name, phone, email, password_hash, code_hash, channel, \
                 created_ms, expires_ms, attempts FROM citizen_registrations WHERE id_number = ?1",
            )?
            .query_row([id_number], |r| {
                Ok(PendingRegistration {
                    account: citizen_row(r)?,
                    password_hash: r.get(4)?,
                    code_hash: r.get(5)?,
                    channel: r.get(6)?,
                    created_ms: r.get(7)?,
                    expires_ms: r.get(8)?,
                    attempts: r.get::<_, i64>(9)? as u32,
                })
            })
            .optional()?)
        })
    }

    async fn registration_failed(&self, id_number: &str) -> Result<u32> {
        let id_number = id_number.to_string();
        self.write_all(move |c| {
            Ok(c.prepare_cached(
                "UPDATE citizen_registrations SET attempts = attempts + 1 WHERE id_number = ?1 \
                 RETURNING attempts",
            )?
            .query_row([&id_number], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(0) as u32)
        })
        .await
    }

    async fn record_population_lookup(&self, l: &crate::PopulationLookupRow) -> Result<()> {
        let l = l.clone();
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO population_lookups \
                 (reference, id_number, officer, at_ms, name_digest, address_digest) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![
                l.reference,
                l.id_number,
                l.officer,
                l.at_ms,
                l.name_digest,
                l.address_digest
            ])?;
            Ok(())
        })
        .await
    }

    async fn population_lookup(
        &self,
        reference: &str,
    ) -> Result<Option<crate::PopulationLookupRow>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT reference, id_number, officer, at_ms, name_digest, address_digest \
                 FROM population_lookups WHERE reference = ?1",
            )?
            .query_row([reference], |r| {
                Ok(crate::PopulationLookupRow {
                    reference: r.get(0)?,
                    id_number: r.get(1)?,
                    officer: r.get(2)?,
                    at_ms: r.get(3)?,
                    name_digest: r.get(4)?,
                    address_digest: r.get(5)?,
                })
            })
            .optional()?)
        })
    }

    async fn drop_registration(&self, id_number: &str) -> Result<()> {
        let id_number = id_number.to_string();
        self.write_all(move |c| {
            c.prepare_cached("DELETE FROM citizen_registrations WHERE id_number = ?1")?
                .execute([&id_number])?;
            Ok(())
        })
        .await
    }

    async fn finish_registration(&self, id_number: &str, now_ms: i64) -> Result<CitizenAccount> {
        let id_number = id_number.to_string();
        self.write(move |c| {
            let moved = c
                .prepare_cached(
                    "INSERT INTO citizens (id_number, name, phone, email, password_hash, created_ms) \
                     SELECT id_number, name, phone, email, password_hash, ?2 \
                     FROM citizen_registrations WHERE id_number = ?1",
                )?
                .execute(params![id_number, now_ms])
                .map_err(|e| insert_error(e, &format!("tài khoản số định danh {id_number}")))?;
            if moved == 0 {
                return Err(crate::StoreError::Corrupt(format!(
                    "không có đăng ký chờ xác nhận của {id_number}"
                )));
            }
            c.prepare_cached("DELETE FROM citizen_registrations WHERE id_number = ?1")?
                .execute([&id_number])?;
            let account = c
                .prepare_cached(
                    "SELECT id_number, name, phone, email FROM citizens WHERE id_number = ?1",
                )?
                .query_row([&id_number], citizen_row)?;
            Ok(Written::Yes(account))
        })
        .await
    }

    async fn put_sign_in_state(&self, s: &SignInState) -> Result<()> {
        let s = s.clone();
        self.write_all(move |c| {
            // Sign-ins left unfinished for a day are dropped as new ones come.
            c.prepare_cached("DELETE FROM sign_in_states WHERE created_ms < ?1")?
                .execute([s.created_ms - 86_400_000])?;
            c.prepare_cached(
                "INSERT INTO sign_in_states (state_hash, nonce, verifier, created_ms) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![s.state_hash, s.nonce, s.verifier, s.created_ms])?;
            Ok(())
        })
        .await
    }

    async fn take_sign_in_state(
        &self,
        state_hash: &str,
        not_before_ms: i64,
    ) -> Result<Option<SignInState>> {
        let state_hash = state_hash.to_string();
        self.write_all(move |c| {
            Ok(c.prepare_cached(
                "DELETE FROM sign_in_states WHERE state_hash = ?1 AND created_ms >= ?2 \
                 RETURNING state_hash, nonce, verifier, created_ms",
            )?
            .query_row(params![state_hash, not_before_ms], |r| {
                Ok(SignInState {
                    state_hash: r.get(0)?,
                    nonce: r.get(1)?,
                    verifier: r.get(2)?,
                    created_ms: r.get(3)?,
                })
            })
            .optional()?)
        })
        .await
    }

    async fn close_citizen_session(&self, token_hash: &str) -> Result<bool> {
        let token_hash = token_hash.to_string();
        self.write_all(move |c| {
            Ok(
                c.prepare_cached("DELETE FROM citizen_sessions WHERE token_hash = ?1")?
                    .execute([&token_hash])?
                    > 0,
            )
        })
        .await
    }

    async fn link_citizen_dossier(
        &self,
        id_number: &str,
        dossier: uuid::Uuid,
        how: &str,
        now_ms: i64,
    ) -> Result<()> {
        let (id_number, how) = (id_number.to_string(), how.to_string());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO citizen_dossiers (citizen, dossier, how, linked_ms) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (citizen, dossier) DO NOTHING",
            )?
            .execute(params![id_number, uuid(dossier), how, now_ms])?;
            Ok(())
        })
        .await
    }

    async fn citizen_has_dossier(&self, id_number: &str, dossier: uuid::Uuid) -> Result<bool> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT 1 FROM citizen_dossiers WHERE citizen = ?1 AND dossier = ?2",
            )?
            .query_row(params![id_number, uuid(dossier)], |_| Ok(()))
            .optional()?
            .is_some())
        })
    }

    async fn citizen_dossier_rows(&self, id_number: &str, limit: i64) -> Result<Vec<DossierRow>> {
        self.read(|c| {
            accounts::citizen_dossier_rows(DIALECT, id_number, limit).rows(c, |r| Ok(row(r)?))
        })
    }

    async fn put_rating(&self, r: &StoredRating, counts: &[(Fact, i64)]) -> Result<()> {
        let (r, counts) = (r.clone(), counts.to_vec());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO ratings (dossier, receiving, rated_ms, satisfied, answers, comment) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                uuid(r.dossier),
                r.receiving,
                r.rated_ms,
                r.satisfied,
                r.answers,
                r.comment
            ])
            .map_err(|e| insert_error(e, "đánh giá của hồ sơ này"))?;
            super::counts::add_counts(&counts);
            Ok(())
        })
        .await
    }

    async fn ratings_by_dossier(&self) -> Result<Vec<(uuid::Uuid, bool)>> {
        self.read_blocking(|c| {
            Sql::new(DIALECT, "SELECT dossier, satisfied FROM ratings")
                .rows(c, |r| Ok((r.get(0)?, r.get(1)?)))
        })
        .await
    }

    async fn rating_of(&self, dossier: uuid::Uuid) -> Result<Option<bool>> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT satisfied FROM ratings WHERE dossier = ?1")?
                    .query_row([uuid(dossier)], |r| r.get::<_, bool>(0))
                    .optional()?,
            )
        })
    }

    async fn login_failed(
        &self,
        account: &str,
        now_ms: i64,
        window_start_ms: i64,
        threshold: i64,
        lock_until_ms: i64,
    ) -> Result<Option<i64>> {
        let account = account.to_string();
        self.write_all(move |c| {
            let locked: Option<i64> = c
                .prepare_cached(
                    "INSERT INTO login_failures (account, failures, last_ms, locked_until_ms) \
                     VALUES (?1, 1, ?2, CASE WHEN 1 >= ?4 THEN ?5 END) \
                     ON CONFLICT (account) DO UPDATE SET \
                     failures = CASE WHEN last_ms < ?3 THEN 1 ELSE failures + 1 END, last_ms = ?2, \
                     locked_until_ms = CASE WHEN (CASE WHEN last_ms < ?3 THEN 1 ELSE failures + 1 END) >= ?4 \
                     THEN ?5 ELSE locked_until_ms END \
                     RETURNING locked_until_ms",
                )?
                .query_row(
                    params![account, now_ms, window_start_ms, threshold, lock_until_ms],
                    |r| r.get(0),
                )?;
            Ok(locked.filter(|until| *until > now_ms))
        })
        .await
    }

    async fn login_lock(&self, account: &str, now_ms: i64) -> Result<Option<i64>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT locked_until_ms FROM login_failures WHERE account = ?1 AND locked_until_ms > ?2",
            )?
            .query_row(params![account, now_ms], |r| r.get(0))
            .optional()?)
        })
    }

    async fn login_succeeded(&self, account: &str) -> Result<()> {
        // Nothing to clear (the usual case) costs no write.
        let failed = self.read(|c| {
            Ok(
                c.prepare_cached("SELECT 1 FROM login_failures WHERE account = ?1")?
                    .query_row([account], |_| Ok(()))
                    .optional()?
                    .is_some(),
            )
        })?;
        if !failed {
            return Ok(());
        }
        let account = account.to_string();
        self.write_all(move |c| {
            c.prepare_cached("DELETE FROM login_failures WHERE account = ?1")?
                .execute([&account])?;
            Ok(())
        })
        .await
    }

    async fn locked_accounts(&self, now_ms: i64) -> Result<Vec<LockedAccount>> {
        self.read(|c| {
            accounts::locked_accounts(DIALECT, now_ms).rows(c, |r| {
                Ok(LockedAccount {
                    account: r.get(0)?,
                    failures: r.get(1)?,
                    locked_until_ms: r.get(2)?,
                })
            })
        })
    }

    async fn unlock_account(&self, account: &str, entry: &LogEntry<'_>) -> Result<bool> {
        let (account, entry) = (account.to_string(), OwnedEntry::of(entry));
        self.write(move |c| {
            let done = c
                .prepare_cached("DELETE FROM login_failures WHERE account = ?1")?
                .execute([&account])?;
            if done == 0 {
                return Ok(Written::No(false));
            }
            entry.write(c)?;
            Ok(Written::Yes(true))
        })
        .await
    }

    async fn server_key(&self, name: &str, candidate: &[u8], now_ms: i64) -> Result<Vec<u8>> {
        // Read first: once made, a key is only read (and a server started on files it may not
        // write still starts, to serve what reads).
        let kept = self.read(|c| {
            Ok(
                c.prepare_cached("SELECT secret FROM server_keys WHERE name = ?1")?
                    .query_row([name], |r| r.get(0))
                    .optional()?,
            )
        })?;
        if let Some(secret) = kept {
            return Ok(secret);
        }
        let (name, candidate) = (name.to_string(), candidate.to_vec());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO server_keys (name, secret, created_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (name) DO NOTHING",
            )?
            .execute(params![name, candidate, now_ms])?;
            Ok(
                c.prepare_cached("SELECT secret FROM server_keys WHERE name = ?1")?
                    .query_row([&name], |r| r.get(0))?,
            )
        })
        .await
    }

    async fn purge_expired(&self, now_ms: i64, keys_before_ms: i64) -> Result<u64> {
        self.write_all(move |c| {
            let mut removed = 0;
            for q in accounts::purges(DIALECT, now_ms, keys_before_ms) {
                removed += q.run(c)?;
            }
            Ok(removed)
        })
        .await
    }
}

/// Replaces an officer's recovery codes with `hashes` (none: removes them).
fn write_recovery_codes(c: &Connection, id: OfficerId, hashes: &[String]) -> Result<()> {
    c.prepare_cached("DELETE FROM recovery_codes WHERE officer = ?1")?
        .execute([uuid(id.0)])?;
    let mut insert =
        c.prepare_cached("INSERT INTO recovery_codes (officer, code_hash) VALUES (?1, ?2)")?;
    for hash in hashes {
        insert.execute(params![uuid(id.0), hash])?;
    }
    Ok(())
}
