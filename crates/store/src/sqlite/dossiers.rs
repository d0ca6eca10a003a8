//! Hồ sơ on SQLite: the event log, the projection and what each change writes with it, in the
//! writer's transaction; reads of dossiers for the reports.

use std::any::Any;

use chrono::{DateTime, Utc};
use domain::dossier::{Dossier, DossierId, Event, Fact, Recorded};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use super::{DIALECT, Sql, Sqlite, Written, from_ms, insert_error, uuid};
use crate::dossiers::{
    ChainedEvent, CheckedEvents, EventsCheck, GENESIS, chain_hash, conflict, search_text,
};
use crate::sql::dossiers::{self, ROW_COLUMNS};
use crate::{
    BuildChange, BuildOpening, Change, DossierFilter, DossierPage, DossierRow, EndedDossier,
    GuidanceRecord, IdempotencyKey, IdempotentResult, NotOpened, PublicView, Readers, Result,
    StoreError, Totals, UnitSummary, due_sort, from_json, to_json,
};

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DossierRow> {
    let opt = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(from_ms))
    };
    Ok(DossierRow {
        id: r.get(0)?,
        code: r.get(1)?,
        version: r.get(2)?,
        procedure_code: r.get(3)?,
        procedure_name: r.get(4)?,
        channel: r.get(5)?,
        stage: r.get(6)?,
        national_status: r.get(7)?,
        receiving: r.get(8)?,
        competent: r.get(9)?,
        current_unit: r.get(10)?,
        assignee: r.get(11)?,
        applicant_name: r.get(12)?,
        received_at: opt(13)?,
        due: opt(14)?,
        appointment: opt(15)?,
        finished_at: opt(16)?,
        returned_at: opt(17)?,
    })
}

/// The next number of a sequence's day (1 for the first).
fn next_number(conn: &Connection, sequence: &str, day: &str) -> Result<u32> {
    let n: i64 = conn
        .prepare_cached(
            "INSERT INTO dossier_code_seq (agency, day, last) VALUES (?1, ?2, 1) \
             ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row(params![sequence, day], |r| r.get(0))?;
    Ok(n as u32)
}

/// Writes a change: its events, projection, counters, visibility, then its messages. A change
/// decided on an old version is a conflict, found before anything is written.
pub(super) fn write_change(
    conn: &Connection,
    c: &Change,
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    append(
        conn,
        &c.dossier,
        c.expected_version,
        &c.events,
        &c.counts,
        &c.readers,
        recorded_at,
    )?;
    super::outbox::enqueue_on(conn, &c.outbox, recorded_at)?;
    Ok(())
}

/// Writes events and the projection. For an existing dossier the projection is updated first,
/// on condition of the version read, so a conflict is found before anything is written.
fn append(
    conn: &Connection,
    dossier: &Dossier,
    expected_version: u64,
    events: &[Recorded],
    counts: &[(Fact, i64)],
    readers: &Readers,
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    let key = due_sort(dossier);
    let prev: String = if expected_version == 0 {
        GENESIS.to_string()
    } else {
        write_projection(conn, dossier, Some(expected_version), key)?;
        conn.prepare_cached(
            "SELECT hash FROM dossier_events WHERE dossier_id = ?1 AND version = ?2",
        )?
        .query_row(params![uuid(dossier.id.0), expected_version as i64], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| conflict(expected_version))?
    };
    insert_events(conn, dossier.id, prev, events, recorded_at).map_err(|e| match e {
        StoreError::Duplicate(_) => conflict(expected_version),
        other => other,
    })?;
    if expected_version == 0 {
        write_projection(conn, dossier, Some(0), key)?;
    } else {
        // An online submission received gets its code: it is found by it from now on.
        let coded = events
            .iter()
            .any(|e| matches!(e.event, Event::Received { code: Some(_), .. }));
        if coded {
            conn.prepare_cached("UPDATE dossiers SET search_text = ?2 WHERE id = ?1")?
                .execute(params![uuid(dossier.id.0), search_text(dossier)])?;
        }
        conn.prepare_cached(
            "UPDATE dossier_scope SET due_sort = ?2 WHERE dossier = ?1 AND due_sort <> ?2",
        )?
        .execute(params![uuid(dossier.id.0), key])?;
    }
    write_readers(conn, dossier.id, readers, key)?;
    super::counts::add_counts(counts);
    Ok(())
}

/// Adds the readers of a dossier (a reader once added stays: the units a dossier has been at
/// may read it ever after).
pub(super) fn write_readers(conn: &Connection, id: DossierId, r: &Readers, key: i64) -> Result<()> {
    let mut scope = conn.prepare_cached(
        "INSERT OR IGNORE INTO dossier_scope (branch, dossier, due_sort) VALUES (?1, ?2, ?3)",
    )?;
    for b in &r.branches {
        scope.execute(params![b, uuid(id.0), key])?;
    }
    let mut readers = conn.prepare_cached(
        "INSERT OR IGNORE INTO dossier_readers (dossier, agency) VALUES (?1, ?2)",
    )?;
    for a in &r.agencies {
        readers.execute(params![uuid(id.0), a])?;
    }
    Ok(())
}

/// Inserts events, chaining each to the one before.
fn insert_events(
    conn: &Connection,
    id: DossierId,
    mut prev: String,
    events: &[Recorded],
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO dossier_events (dossier_id, version, kind, at_ms, recorded_ms, actor, payload, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for e in events {
        let actor = to_json(&e.actor);
        let payload = to_json(&e.event);
        let kind = e.event.kind();
        let at = ms(e.at);
        let hash = chain_hash(&prev, id, e.version, at, kind, &actor, &payload);
        stmt.execute(params![
            uuid(id.0),
            e.version as i64,
            kind,
            at,
            ms(recorded_at),
            actor,
            payload,
            prev,
            hash
        ])
        .map_err(|err| insert_error(err, "sự kiện"))?;
        prev = hash;
    }
    Ok(())
}

/// Writes a dossier's projection row and state: a new row when `expected_version` is 0, else an
/// update on condition that the stored version is `expected_version` (`None`: whatever is
/// stored, for rebuilding).
fn write_projection(
    conn: &Connection,
    d: &Dossier,
    expected_version: Option<u64>,
    key: i64,
) -> Result<()> {
    let current = d.current_step();
    let finished = d.finished_at();
    let text = |s: &str| Value::Text(s.to_string());
    let mut values: Vec<Value> = vec![
        uuid(d.id.0),
        text(d.code.as_str()),
        Value::Integer(d.version as i64),
        text(d.procedure.code.as_str()),
        text(&d.procedure.name),
        Value::Integer(i64::from(d.channel.national_code())),
        Value::Text(crate::key(&d.stage)),
        Value::Integer(i64::from(d.stage.national_status().code())),
        text(d.receiving.as_str()),
        text(d.competent.as_str()),
        current.map(|s| s.unit.to_string()).into(),
        current
            .and_then(|s| s.handler.as_ref())
            .map(|h| h.id.to_string())
            .into(),
        text(d.applicant.display_name()),
        text(d.applicant.id_number()),
        Value::Integer(ms(d.opened_at)),
        d.received_at.map(ms).into(),
        d.due.map(ms).into(),
        d.appointment.map(ms).into(),
        finished.map(ms).into(),
        d.returned.as_ref().map(|r| ms(r.at)).into(),
        d.provisional_code.as_ref().map(|c| c.to_string()).into(),
        Value::Integer(key),
    ];
    if expected_version == Some(0) {
        values.push(Value::Text(search_text(d)));
        conn.prepare_cached(
            "INSERT INTO dossiers (id, code, version, procedure_code, procedure_name, channel, stage, \
             national_status, receiving, competent, current_unit, assignee, applicant_name, applicant_id, \
             opened_ms, received_ms, due_ms, appointment_ms, finished_ms, returned_ms, provisional_code, \
             due_sort, search_text) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
             ?19, ?20, ?21, ?22, ?23)",
        )?
        .execute(rusqlite::params_from_iter(values.iter()))
        .map_err(|e| insert_error(e, &format!("mã hồ sơ {}", d.code)))?;
        conn.prepare_cached("INSERT INTO dossier_states (id, state) VALUES (?1, ?2)")?
            .execute(params![uuid(d.id.0), to_json(d)])?;
        return Ok(());
    }
    values.push(expected_version.map(|v| v as i64).into());
    let done = conn
        .prepare_cached(
            "UPDATE dossiers SET code = ?2, version = ?3, procedure_code = ?4, procedure_name = ?5, \
             channel = ?6, stage = ?7, national_status = ?8, receiving = ?9, competent = ?10, \
             current_unit = ?11, assignee = ?12, applicant_name = ?13, applicant_id = ?14, \
             opened_ms = ?15, received_ms = ?16, due_ms = ?17, appointment_ms = ?18, \
             finished_ms = ?19, returned_ms = ?20, provisional_code = ?21, due_sort = ?22 \
             WHERE id = ?1 AND (?23 IS NULL OR version = ?23)",
        )?
        .execute(rusqlite::params_from_iter(values.iter()))?;
    if done != 1 {
        return Err(conflict(expected_version.unwrap_or_default()));
    }
    conn.prepare_cached("UPDATE dossier_states SET state = ?2 WHERE id = ?1")?
        .execute(params![uuid(d.id.0), to_json(d)])?;
    Ok(())
}

/// Indexes the dossiers queued for search since the last commit (migration 0012), in the
/// batch's transaction, just before the writer commits it: once per batch rather than at every
/// savepoint.
pub(super) fn index_queued(conn: &Connection) -> Result<()> {
    let queued: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM dossier_search_queue)")?
        .query_row([], |r| r.get(0))?;
    if !queued {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO dossier_search (dossier_search, rowid, search_text) \
         SELECT 'delete', dossier_rowid, indexed_text FROM dossier_search_queue \
         WHERE indexed_text IS NOT NULL",
    )?
    .execute([])?;
    conn.prepare_cached(
        "INSERT INTO dossier_search (rowid, search_text) \
         SELECT d.rowid, d.search_text FROM dossier_search_queue q \
         JOIN dossiers d ON d.rowid = q.dossier_rowid",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM dossier_search_queue")?
        .execute([])?;
    Ok(())
}

/// What an idempotency key was used for, in the caller's transaction.
pub(super) fn find_key(
    conn: &Connection,
    scope: &str,
    key: &str,
) -> Result<Option<IdempotentResult>> {
    Ok(conn
        .prepare_cached(
            "SELECT request_hash, dossier, result FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
        )?
        .query_row(params![scope, key], |r| {
            Ok(IdempotentResult {
                request_hash: r.get(0)?,
                dossier: r.get(1)?,
                result: r.get(2)?,
            })
        })
        .optional()?)
}

/// Records an idempotency key in the caller's transaction.
fn insert_key(
    conn: &Connection,
    k: &IdempotencyKey,
    dossier: Option<uuid::Uuid>,
    result: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (scope, key, request_hash, dossier, result, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        k.scope,
        k.key,
        k.request_hash,
        dossier.map(uuid),
        result,
        now_ms
    ])
    .map_err(|e| insert_error(e, "khóa Idempotency-Key"))?;
    Ok(())
}

fn read_dossier(conn: &Connection, id: DossierId) -> Result<Option<Dossier>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM dossier_states WHERE id = ?1")?
        .query_row([uuid(id.0)], |r| r.get(0))
        .optional()?;
    state.map(|s| from_json(&s, "hồ sơ")).transpose()
}

fn read_events(conn: &Connection, id: DossierId) -> Result<Vec<Recorded>> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, at_ms, actor, payload FROM dossier_events WHERE dossier_id = ?1 ORDER BY version",
    )?;
    let rows = stmt.query_map([uuid(id.0)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (version, at, actor, payload) = r?;
        out.push(Recorded {
            version: version as u64,
            at: from_ms(at),
            actor: from_json(&actor, "người thực hiện")?,
            event: from_json(&payload, "sự kiện")?,
        });
    }
    Ok(out)
}

fn states_of(conn: &Connection, ids: &[uuid::Uuid]) -> Result<Vec<Dossier>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            DIALECT,
            "SELECT id, state FROM dossier_states WHERE id IN (",
        );
        q.list(chunk.iter().copied());
        let mut found: std::collections::HashMap<uuid::Uuid, String> = q
            .rows(conn, |r| Ok((r.get(0)?, r.get(1)?)))?
            .into_iter()
            .collect();
        for id in chunk {
            if let Some(s) = found.remove(id) {
                out.push(from_json(&s, "hồ sơ")?);
            }
        }
    }
    Ok(out)
}

#[async_trait::async_trait]
impl crate::DossierStore for Sqlite {
    async fn open_dossier_with(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        idempotency: Option<IdempotencyKey>,
        mut build: BuildOpening,
    ) -> Result<std::result::Result<Dossier, NotOpened<Box<dyn Any + Send>>>> {
        let (sequence, day) = (sequence.to_string(), day.to_string());
        self.write(move |c| {
            if let Some(k) = &idempotency
                && let Some(first) = find_key(c, &k.scope, &k.key)?
            {
                return Ok(Written::No(Err(NotOpened::Replayed(first))));
            }
            let number = next_number(c, &sequence, &day)?;
            let opening = match build(number) {
                Ok(o) => o,
                Err(refusal) => return Ok(Written::No(Err(NotOpened::Refused(refusal)))),
            };
            if let Some(other) = &opening.also {
                write_change(c, other, recorded_at)?;
            }
            append(
                c,
                &opening.dossier,
                0,
                &opening.events,
                &opening.counts,
                &opening.readers,
                recorded_at,
            )?;
            super::outbox::enqueue_on(c, &opening.outbox, recorded_at)?;
            let now_ms = ms(recorded_at);
            if let Some(citizen) = &opening.submitted_by {
                c.prepare_cached(
                    "INSERT INTO citizen_dossiers (citizen, dossier, how, linked_ms) \
                     VALUES (?1, ?2, 'submitted', ?3)",
                )?
                .execute(params![citizen, uuid(opening.dossier.id.0), now_ms])?;
            }
            if let Some(k) = &idempotency {
                insert_key(c, k, Some(opening.dossier.id.0), None, now_ms)?;
            }
            Ok(Written::Yes(Ok(opening.dossier)))
        })
        .await
    }

    async fn change_dossier(&self, change: Change, recorded_at: DateTime<Utc>) -> Result<()> {
        self.write_all(move |c| write_change(c, &change, recorded_at))
            .await
    }

    async fn change_dossier_with(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        mut build: BuildChange,
    ) -> Result<std::result::Result<Box<dyn Any + Send>, Box<dyn Any + Send>>> {
        let (sequence, day) = (sequence.to_string(), day.to_string());
        self.write(move |c| {
            let number = next_number(c, &sequence, &day)?;
            let (change, value) = match build(number) {
                Ok(built) => built,
                Err(refusal) => return Ok(Written::No(Err(refusal))),
            };
            write_change(c, &change, recorded_at)?;
            Ok(Written::Yes(Ok(value)))
        })
        .await
    }

    async fn write_dossiers(&self, changes: Vec<Change>, recorded_at: DateTime<Utc>) -> Result<()> {
        self.write_all(move |c| {
            for change in &changes {
                write_change(c, change, recorded_at)?;
            }
            Ok(())
        })
        .await
    }

    async fn raise_code_number(&self, sequence: &str, day: &str, last: u32) -> Result<()> {
        let (sequence, day) = (sequence.to_string(), day.to_string());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO dossier_code_seq (agency, day, last) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (agency, day) DO UPDATE SET last = MAX(last, excluded.last)",
            )?
            .execute(params![sequence, day, i64::from(last)])?;
            Ok(())
        })
        .await
    }

    async fn dossier(&self, id: DossierId) -> Result<Option<Dossier>> {
        self.read(|c| read_dossier(c, id))
    }

    async fn dossiers(&self, ids: &[uuid::Uuid]) -> Result<Vec<Dossier>> {
        if ids.len() <= 100 {
            return self.read(|c| states_of(c, ids));
        }
        let ids = ids.to_vec();
        self.read_blocking(move |c| states_of(c, &ids)).await
    }

    async fn dossier_id_by_code(&self, code: &str) -> Result<Option<DossierId>> {
        self.read(|c| {
            let id: Option<uuid::Uuid> = c
                .prepare_cached(
                    "SELECT id FROM dossiers WHERE code = ?1 \
                     UNION ALL SELECT id FROM dossiers WHERE provisional_code = ?1 LIMIT 1",
                )?
                .query_row([code], |r| r.get(0))
                .optional()?;
            Ok(id.map(DossierId))
        })
    }

    async fn events(&self, id: DossierId) -> Result<Vec<Recorded>> {
        self.read(|c| read_events(c, id))
    }

    async fn public_view(&self, code: &str) -> Result<Option<PublicView>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT code, procedure_name, national_status, appointment_ms FROM dossiers WHERE code = ?1 \
                 UNION ALL SELECT code, procedure_name, national_status, appointment_ms FROM dossiers \
                 WHERE provisional_code = ?1 LIMIT 1",
            )?
            .query_row([code], |r| {
                Ok(PublicView {
                    code: r.get(0)?,
                    procedure_name: r.get(1)?,
                    national_status: r.get(2)?,
                    appointment: r.get::<_, Option<i64>>(3)?.map(from_ms),
                })
            })
            .optional()?)
        })
    }

    async fn list_dossiers(&self, f: &DossierFilter) -> Result<DossierPage> {
        if f.search.is_some() {
            // A search reads what matches its words (sorted, when asked by due date).
            let f = f.clone();
            return self.read_blocking(move |c| super::list::list(c, &f)).await;
        }
        self.read(|c| super::list::list(c, f))
    }

    async fn count_dossiers(&self, f: &DossierFilter) -> Result<i64> {
        let f = f.clone();
        self.read_blocking(move |c| super::list::count(c, &f)).await
    }

    async fn dossier_ids(&self) -> Result<Vec<DossierId>> {
        self.read_blocking(|c| {
            let ids = Sql::new(DIALECT, "SELECT id FROM dossiers ORDER BY id")
                .rows(c, |r| Ok(DossierId(r.get(0)?)))?;
            Ok(ids)
        })
        .await
    }

    async fn totals(&self) -> Result<Totals> {
        self.read_blocking(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COUNT(*) FROM dossiers), (SELECT COUNT(*) FROM dossier_events), \
                 (SELECT COUNT(*) FROM guidance_log)",
                [],
                |r| {
                    Ok(Totals {
                        dossiers: r.get(0)?,
                        events: r.get(1)?,
                        guidance: r.get(2)?,
                    })
                },
            )?)
        })
        .await
    }

    async fn projection_of(&self, id: DossierId) -> Result<Option<(DossierRow, String)>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {ROW_COLUMNS}, s.state FROM dossiers d JOIN dossier_states s ON s.id = d.id \
                 WHERE d.id = ?1"
            ))?
            .query_row([uuid(id.0)], |r| Ok((row(r)?, r.get(19)?)))
            .optional()?)
        })
    }

    async fn checked_events(&self, id: DossierId) -> Result<CheckedEvents> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT version, kind, at_ms, actor, payload, prev_hash, hash FROM dossier_events \
                 WHERE dossier_id = ?1 ORDER BY version",
            )?;
            let mut rows = stmt.query([uuid(id.0)])?;
            let mut check = EventsCheck::new(id);
            while let Some(r) = rows.next()? {
                // Borrowed from the row: no copy of the texts.
                let text = |i| r.get_ref(i)?.as_str().map_err(rusqlite::Error::from);
                check.next(&ChainedEvent {
                    version: r.get(0)?,
                    kind: text(1)?,
                    at_ms: r.get(2)?,
                    actor: text(3)?,
                    payload: text(4)?,
                    prev_hash: text(5)?,
                    hash: text(6)?,
                });
            }
            Ok(check.finish())
        })
    }

    async fn rebuild_projections(&self) -> Result<usize> {
        let ids = self.dossier_ids().await?;
        let tree = {
            let agencies = crate::CatalogStore::agencies(self).await?;
            std::sync::Arc::new(domain::agency::AgencyTree::new(agencies))
        };
        let mut differing = 0;
        // Each chunk is replayed and written in one write, so a change made meanwhile is never
        // overwritten by an older replay.
        for chunk in ids.chunks(200) {
            let chunk: Vec<DossierId> = chunk.to_vec();
            let tree = tree.clone();
            differing += self
                .write_all(move |c| {
                    let mut differing = 0;
                    for &id in &chunk {
                        let events = read_events(c, id)?;
                        let d = Dossier::replay(&events).ok_or_else(|| {
                            StoreError::Corrupt(format!("hồ sơ {id} không có sự kiện mở"))
                        })?;
                        let stored = read_dossier(c, id)?;
                        if stored.as_ref() != Some(&d) {
                            differing += 1;
                        }
                        let key = due_sort(&d);
                        write_projection(c, &d, if stored.is_some() { None } else { Some(0) }, key)?;
                        c.prepare_cached(
                            "UPDATE dossiers SET search_text = ?2 WHERE id = ?1 AND search_text <> ?2",
                        )?
                        .execute(params![uuid(d.id.0), search_text(&d)])?;
                        c.prepare_cached("UPDATE dossier_scope SET due_sort = ?2 WHERE dossier = ?1")?
                            .execute(params![uuid(d.id.0), key])?;
                        write_readers(c, d.id, &Readers::of(&d, &tree), key)?;
                    }
                    Ok(differing)
                })
                .await?;
        }
        Ok(differing)
    }

    async fn ended_dossiers(
        &self,
        agencies: &[String],
        from_ms: i64,
        to_ms: i64,
        rated_by_ms: i64,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<EndedDossier>> {
        let Some(q) = dossiers::ended(DIALECT, agencies, from_ms, to_ms, rated_by_ms, after, limit)
        else {
            return Ok(Vec::new());
        };
        self.read_blocking(move |c| {
            let rows: Vec<(String, Option<String>)> = q.rows(c, |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.into_iter()
                .map(|(state, answers)| {
                    Ok(EndedDossier {
                        dossier: from_json(&state, "hồ sơ")?,
                        rating: answers.map(|a| from_json(&a, "đánh giá")).transpose()?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn unit_summary(
        &self,
        visible: &[String],
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<UnitSummary>> {
        let Some(q) = dossiers::unit_summary(DIALECT, visible, from_ms, to_ms, now_ms) else {
            return Ok(Vec::new());
        };
        self.read_blocking(move |c| {
            q.rows(c, |r| {
                Ok(UnitSummary {
                    agency: r.get(0)?,
                    received: r.get(1)?,
                    resolved: r.get(2)?,
                    on_time: r.get(3)?,
                    open: r.get(4)?,
                    overdue: r.get(5)?,
                })
            })
        })
        .await
    }

    async fn late_dossier_ids(
        &self,
        visible: &[String],
        procedures: Option<&[String]>,
        from_ms: i64,
        to_ms: i64,
        cut_ms: i64,
        limit: i64,
    ) -> Result<Vec<uuid::Uuid>> {
        let Some(q) =
            dossiers::late_ids(DIALECT, visible, procedures, from_ms, to_ms, cut_ms, limit)
        else {
            return Ok(Vec::new());
        };
        self.read_blocking(move |c| q.rows(c, |r| Ok(r.get(0)?)))
            .await
    }

    async fn dossiers_handled_between(
        &self,
        competent: &[String],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<uuid::Uuid>> {
        let Some(q) = dossiers::handled_between(DIALECT, competent, from_ms, to_ms) else {
            return Ok(Vec::new());
        };
        self.read_blocking(move |c| q.rows(c, |r| Ok(r.get(0)?)))
            .await
    }

    async fn add_guidance(
        &self,
        g: &GuidanceRecord,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<std::result::Result<(), IdempotentResult>> {
        let g = g.clone();
        let k = idempotency.cloned();
        self.write(move |c| {
            if let Some(k) = &k {
                if let Some(first) = find_key(c, &k.scope, &k.key)? {
                    return Ok(Written::No(Err(first)));
                }
                insert_key(c, k, None, Some(&to_json(&g)), ms(g.at))?;
            }
            c.prepare_cached(
                "INSERT INTO guidance_log (id, agency, at_ms, officer, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                uuid(g.id),
                g.agency,
                ms(g.at),
                g.officer.map(uuid),
                to_json(&g)
            ])?;
            Ok(Written::Yes(Ok(())))
        })
        .await
    }

    async fn guidance_record(&self, id: uuid::Uuid) -> Result<Option<GuidanceRecord>> {
        self.read(move |c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM guidance_log WHERE id = ?1")?
                .query_row(params![uuid(id)], |r| r.get(0))
                .optional()?;
            body.map(|b| from_json(&b, "hướng dẫn")).transpose()
        })
    }

    async fn guidance(
        &self,
        agencies: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<GuidanceRecord>> {
        let Some(q) = dossiers::guidance(DIALECT, agencies, ms(from), ms(to), limit) else {
            return Ok(Vec::new());
        };
        self.read(|c| {
            let bodies: Vec<String> = q.rows(c, |r| Ok(r.get(0)?))?;
            bodies.iter().map(|b| from_json(b, "hướng dẫn")).collect()
        })
    }
}
