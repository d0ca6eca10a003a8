//! Hồ sơ on PostgreSQL: the event log, the projection and what each change writes with it, in
//! one transaction per call; reads of dossiers for the reports.

use std::any::Any;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use domain::agency::{Agency, AgencyTree};
use domain::dossier::{Dossier, DossierId, Event, Fact, Recorded};
use tokio_postgres::types::ToSql;

use super::{DIALECT, Postgres, col, db_error, insert_error};
use crate::dossiers::{
    ChainedEvent, CheckedEvents, EventsCheck, GENESIS, chain_hash, conflict, search_text,
};
use crate::sql::dossiers::{self, ROW_COLUMNS};
use crate::{
    BuildChange, BuildOpening, Change, DossierFilter, DossierPage, DossierRow, EndedDossier,
    GuidanceRecord, IdempotencyKey, IdempotentResult, NotOpened, PublicView, Readers, Result,
    StoreError, Totals, UnitSummary, due_sort, from_json, from_ms, to_json,
};

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// An event from the columns `version, kind, at_ms, actor, payload, prev_hash, hash`, from
/// index `from`.
pub(crate) fn chained(r: &tokio_postgres::Row, from: usize) -> Result<ChainedEvent<'_>> {
    Ok(ChainedEvent {
        version: col(r, from)?,
        kind: col(r, from + 1)?,
        at_ms: col(r, from + 2)?,
        actor: col(r, from + 3)?,
        payload: col(r, from + 4)?,
        prev_hash: col(r, from + 5)?,
        hash: col(r, from + 6)?,
    })
}

/// A [`DossierRow`] from the columns of [`ROW_COLUMNS`], from index 0.
pub(super) fn row(r: &tokio_postgres::Row) -> Result<DossierRow> {
    let instant =
        |i: usize| -> Result<Option<DateTime<Utc>>> { Ok(col::<Option<i64>>(r, i)?.map(from_ms)) };
    Ok(DossierRow {
        id: col(r, 0)?,
        code: col(r, 1)?,
        version: col(r, 2)?,
        procedure_code: col(r, 3)?,
        procedure_name: col(r, 4)?,
        channel: col(r, 5)?,
        stage: col(r, 6)?,
        national_status: col(r, 7)?,
        receiving: col(r, 8)?,
        competent: col(r, 9)?,
        current_unit: col(r, 10)?,
        assignee: col(r, 11)?,
        applicant_name: col(r, 12)?,
        received_at: instant(13)?,
        due: instant(14)?,
        appointment: instant(15)?,
        finished_at: instant(16)?,
        returned_at: instant(17)?,
    })
}

/// Records who finds a dossier in their lists (branches with its sort key, reading agencies),
/// in the caller's transaction. A reader once added stays: the units a dossier has been at may
/// read it ever after.
pub(super) async fn write_readers(
    tx: &impl GenericClient,
    id: DossierId,
    r: &Readers,
    key: i64,
) -> Result<()> {
    if !r.branches.is_empty() {
        let scope = tx
            .prepare_cached(
                "INSERT INTO dossier_scope (branch, dossier, due_sort) \
                 SELECT b, $2, $3 FROM unnest($1::text[]) AS b ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&scope, &[&r.branches, &id.0, &key])
            .await
            .map_err(db_error)?;
    }
    if !r.agencies.is_empty() {
        let readers = tx
            .prepare_cached(
                "INSERT INTO dossier_readers (dossier, agency) \
                 SELECT $1, a FROM unnest($2::text[]) AS a ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&readers, &[&id.0, &r.agencies])
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// What an idempotency key created, if it was used (in the caller's transaction, or on a
/// connection).
pub(super) async fn find_key(
    client: &impl GenericClient,
    scope: &str,
    key: &str,
) -> Result<Option<IdempotentResult>> {
    let stmt = client
        .prepare_cached(
            "SELECT request_hash, dossier, result FROM idempotency_keys \
             WHERE scope = $1 AND key = $2",
        )
        .await
        .map_err(db_error)?;
    let Some(r) = client
        .query_opt(&stmt, &[&scope, &key])
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    Ok(Some(IdempotentResult {
        request_hash: col(&r, 0)?,
        dossier: col(&r, 1)?,
        result: col(&r, 2)?,
    }))
}

/// Dossier states read at a time by the walks over every dossier.
const STATES_PER_READ: i64 = 2_000;

/// Recomputes every dossier's work order and readers from its state and the agency tree stored
/// (SQLite's `migrate::rescope`: after the tree was reorganised), in the caller's transaction.
pub(super) async fn rescope(tx: &impl GenericClient) -> Result<()> {
    let tree = agency_tree(tx).await?;
    tx.batch_execute("DELETE FROM dossier_scope; DELETE FROM dossier_readers;")
        .await
        .map_err(db_error)?;
    let read = tx
        .prepare_cached("SELECT id, state FROM dossier_states WHERE id > $1 ORDER BY id LIMIT $2")
        .await
        .map_err(db_error)?;
    // Each read's dossiers are written with three statements, whatever their number.
    let sort = tx
        .prepare_cached(
            "UPDATE dossiers d SET due_sort = k.key \
             FROM unnest($1::uuid[], $2::bigint[]) AS k (id, key) \
             WHERE d.id = k.id AND d.due_sort <> k.key",
        )
        .await
        .map_err(db_error)?;
    let scope = tx
        .prepare_cached(
            "INSERT INTO dossier_scope (branch, dossier, due_sort) \
             SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[]) ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(db_error)?;
    let readers = tx
        .prepare_cached(
            "INSERT INTO dossier_readers (dossier, agency) \
             SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(db_error)?;
    let mut after = uuid::Uuid::nil();
    loop {
        let rows = tx
            .query(&read, &[&after, &STATES_PER_READ])
            .await
            .map_err(db_error)?;
        let Some(last) = rows.last() else {
            break;
        };
        after = col(last, 0)?;
        let (mut ids, mut keys) = (Vec::new(), Vec::new());
        let (mut branches, mut branch_ids, mut branch_keys) = (Vec::new(), Vec::new(), Vec::new());
        let (mut reader_ids, mut reader_agencies) = (Vec::new(), Vec::new());
        for r in &rows {
            let d: Dossier = from_json(col::<&str>(r, 1)?, "hồ sơ")?;
            let key = crate::due_sort(&d);
            let of = Readers::of(&d, &tree);
            for b in of.branches {
                branches.push(b);
                branch_ids.push(d.id.0);
                branch_keys.push(key);
            }
            for a in of.agencies {
                reader_ids.push(d.id.0);
                reader_agencies.push(a);
            }
            ids.push(d.id.0);
            keys.push(key);
        }
        tx.execute(&sort, &[&ids, &keys]).await.map_err(db_error)?;
        tx.execute(&scope, &[&branches, &branch_ids, &branch_keys])
            .await
            .map_err(db_error)?;
        tx.execute(&readers, &[&reader_ids, &reader_agencies])
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// The agency tree stored (read as SQLite's `rescope` and `rebuild_projections` read it).
pub(crate) async fn agency_tree(client: &impl GenericClient) -> Result<AgencyTree> {
    let agencies: Vec<Agency> = client
        .query("SELECT body FROM agencies ORDER BY id", &[])
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| from_json(col::<&str>(r, 0)?, "cơ quan"))
        .collect::<Result<_>>()?;
    Ok(AgencyTree::new(agencies))
}

/// What a write did, with the value its caller gets: the transaction commits on `Yes` and rolls
/// back on `No` (a refusal, a replayed key: nothing is written, no number is used).
pub(crate) enum Written<T> {
    Yes(T),
    No(T),
}

/// Runs of one write: a transaction PostgreSQL undid to break a deadlock (or for a
/// serialization failure) wrote nothing, so it is run again whole — as SQLite's writer runs a
/// job again, which is why builds may be called more than once.
struct Attempts(u32);

impl Attempts {
    /// Runs of a write at most.
    const MOST: u32 = 5;

    fn new() -> Self {
        Attempts(1)
    }

    /// Whether the write that failed with `e` is run again: only a transaction the server
    /// undid ([`StoreError::Undone`]), a few times.
    fn again(&mut self, e: &StoreError) -> bool {
        if matches!(e, StoreError::Undone(_)) && self.0 < Self::MOST {
            self.0 += 1;
            return true;
        }
        false
    }
}

/// Ends a write's transaction: commits what was written, rolls back a refusal or a failure.
async fn settle<T>(tx: deadpool_postgres::Transaction<'_>, done: Result<Written<T>>) -> Result<T> {
    match done {
        Ok(Written::Yes(v)) => {
            tx.commit().await.map_err(db_error)?;
            Ok(v)
        }
        Ok(Written::No(v)) => {
            tx.rollback().await.map_err(db_error)?;
            Ok(v)
        }
        Err(e) => {
            // The failure is the answer; a rollback that fails too leaves nothing written
            // either (the server ends a transaction whose connection is gone).
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// The next number of a sequence's day (1 for the first). The row stays locked until the
/// transaction ends, so numbers are unique and gap-free however many servers write; a
/// transaction rolled back gives its number back.
async fn next_number(tx: &impl GenericClient, sequence: &str, day: &str) -> Result<u32> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO dossier_code_seq (agency, day, last) VALUES ($1, $2, 1) \
             ON CONFLICT (agency, day) DO UPDATE SET last = dossier_code_seq.last + 1 \
             RETURNING last",
        )
        .await
        .map_err(db_error)?;
    let r = tx
        .query_one(&stmt, &[&sequence, &day])
        .await
        .map_err(db_error)?;
    Ok(col::<i64>(&r, 0)? as u32)
}

/// Writes a change: its events, projection, visibility, then its messages; its counter changes
/// are added to `deltas`, applied once before the transaction commits. A change decided on an
/// old version is a conflict, found before anything is written.
async fn write_change(
    tx: &impl GenericClient,
    c: &Change,
    recorded_at: DateTime<Utc>,
    deltas: &mut Vec<(Fact, i64)>,
) -> Result<()> {
    append(
        tx,
        &c.dossier,
        c.expected_version,
        &c.events,
        &c.readers,
        recorded_at,
    )
    .await?;
    deltas.extend_from_slice(&c.counts);
    super::enqueue_on(tx, &c.outbox, recorded_at).await?;
    Ok(())
}

/// Adds the counter changes of a transaction, just before it commits.
async fn apply_deltas(tx: &impl GenericClient, deltas: &[(Fact, i64)]) -> Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    super::counts::apply_counts(tx, deltas).await
}

/// Writes events and the projection. For an existing dossier the projection is updated first,
/// on condition of the version read (which locks its row until the transaction ends), so a
/// conflict is found before anything is written.
async fn append(
    tx: &impl GenericClient,
    dossier: &Dossier,
    expected_version: u64,
    events: &[Recorded],
    readers: &Readers,
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    let key = due_sort(dossier);
    let prev: String = if expected_version == 0 {
        GENESIS.to_string()
    } else {
        write_projection(tx, dossier, Some(expected_version), key).await?;
        let stmt = tx
            .prepare_cached(
                "SELECT hash FROM dossier_events WHERE dossier_id = $1 AND version = $2",
            )
            .await
            .map_err(db_error)?;
        let found = tx
            .query_opt(&stmt, &[&dossier.id.0, &(expected_version as i64)])
            .await
            .map_err(db_error)?;
        match found {
            Some(r) => col(&r, 0)?,
            None => return Err(conflict(expected_version)),
        }
    };
    insert_events(tx, dossier.id, prev, events, recorded_at)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => conflict(expected_version),
            other => other,
        })?;
    if expected_version == 0 {
        write_projection(tx, dossier, Some(0), key).await?;
    } else {
        // An online submission received gets its code: it is found by it from now on (the
        // generated `search_words` follows `search_text`).
        let coded = events
            .iter()
            .any(|e| matches!(e.event, Event::Received { code: Some(_), .. }));
        if coded {
            let stmt = tx
                .prepare_cached("UPDATE dossiers SET search_text = $2 WHERE id = $1")
                .await
                .map_err(db_error)?;
            tx.execute(&stmt, &[&dossier.id.0, &search_text(dossier)])
                .await
                .map_err(db_error)?;
        }
        let stmt = tx
            .prepare_cached(
                "UPDATE dossier_scope SET due_sort = $2 WHERE dossier = $1 AND due_sort <> $2",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&stmt, &[&dossier.id.0, &key])
            .await
            .map_err(db_error)?;
    }
    write_readers(tx, dossier.id, readers, key).await
}

/// Inserts events, chaining each to the one before, in one statement. An event already there
/// (another writer appended the same version) is a duplicate.
async fn insert_events(
    tx: &impl GenericClient,
    id: DossierId,
    mut prev: String,
    events: &[Recorded],
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len();
    let (mut versions, mut kinds, mut ats) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut actors, mut payloads, mut prevs, mut hashes) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for e in events {
        let actor = to_json(&e.actor);
        let payload = to_json(&e.event);
        let kind = e.event.kind();
        let at = ms(e.at);
        let hash = chain_hash(&prev, id, e.version, at, kind, &actor, &payload);
        versions.push(e.version as i64);
        kinds.push(kind);
        ats.push(at);
        actors.push(actor);
        payloads.push(payload);
        prevs.push(std::mem::replace(&mut prev, hash.clone()));
        hashes.push(hash);
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO dossier_events \
             (dossier_id, version, kind, at_ms, recorded_ms, actor, payload, prev_hash, hash) \
             SELECT $1, e.version, e.kind, e.at_ms, $2, e.actor, e.payload, e.prev_hash, e.hash \
             FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], \
             $8::text[], $9::text[]) WITH ORDINALITY \
             AS e (version, kind, at_ms, actor, payload, prev_hash, hash, n) ORDER BY e.n",
        )
        .await
        .map_err(db_error)?;
    tx.execute(
        &stmt,
        &[
            &id.0,
            &ms(recorded_at),
            &versions,
            &kinds,
            &ats,
            &actors,
            &payloads,
            &prevs,
            &hashes,
        ],
    )
    .await
    .map_err(|e| insert_error(e, "sự kiện"))?;
    Ok(())
}

/// Writes a dossier's projection row and state: a new row when `expected_version` is 0, else an
/// update on condition that the stored version is `expected_version` (`None`: whatever is
/// stored, for rebuilding).
async fn write_projection(
    tx: &impl GenericClient,
    d: &Dossier,
    expected_version: Option<u64>,
    key: i64,
) -> Result<()> {
    let current = d.current_step();
    let id = d.id.0;
    let code = d.code.as_str();
    let version = d.version as i64;
    let procedure_code = d.procedure.code.as_str();
    let procedure_name = d.procedure.name.as_str();
    let channel = i64::from(d.channel.national_code());
    let stage = crate::key(&d.stage);
    let status = i64::from(d.stage.national_status().code());
    let receiving = d.receiving.as_str();
    let competent = d.competent.as_str();
    let unit: Option<String> = current.map(|s| s.unit.to_string());
    let assignee: Option<String> = current
        .and_then(|s| s.handler.as_ref())
        .map(|h| h.id.to_string());
    let applicant_name = d.applicant.display_name();
    let applicant_id = d.applicant.id_number();
    let opened = ms(d.opened_at);
    let received = d.received_at.map(ms);
    let due = d.due.map(ms);
    let appointment = d.appointment.map(ms);
    let finished = d.finished_at().map(ms);
    let returned = d.returned.as_ref().map(|r| ms(r.at));
    let provisional: Option<String> = d.provisional_code.as_ref().map(|c| c.to_string());
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![
        &id,
        &code,
        &version,
        &procedure_code,
        &procedure_name,
        &channel,
        &stage,
        &status,
        &receiving,
        &competent,
        &unit,
        &assignee,
        &applicant_name,
        &applicant_id,
        &opened,
        &received,
        &due,
        &appointment,
        &finished,
        &returned,
        &provisional,
        &key,
    ];
    let state = to_json(d);
    if expected_version == Some(0) {
        let text = search_text(d);
        params.push(&text);
        let stmt = tx
            .prepare_cached(
                "INSERT INTO dossiers (id, code, version, procedure_code, procedure_name, channel, \
                 stage, national_status, receiving, competent, current_unit, assignee, \
                 applicant_name, applicant_id, opened_ms, received_ms, due_ms, appointment_ms, \
                 finished_ms, returned_ms, provisional_code, due_sort, search_text) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22, $23)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&stmt, &params)
            .await
            .map_err(|e| insert_error(e, &format!("mã hồ sơ {}", d.code)))?;
        let stmt = tx
            .prepare_cached("INSERT INTO dossier_states (id, state) VALUES ($1, $2)")
            .await
            .map_err(db_error)?;
        tx.execute(&stmt, &[&id, &state]).await.map_err(db_error)?;
        return Ok(());
    }
    let expected = expected_version.map(|v| v as i64);
    params.push(&expected);
    let stmt = tx
        .prepare_cached(
            "UPDATE dossiers SET code = $2, version = $3, procedure_code = $4, \
             procedure_name = $5, channel = $6, stage = $7, national_status = $8, receiving = $9, \
             competent = $10, current_unit = $11, assignee = $12, applicant_name = $13, \
             applicant_id = $14, opened_ms = $15, received_ms = $16, due_ms = $17, \
             appointment_ms = $18, finished_ms = $19, returned_ms = $20, provisional_code = $21, \
             due_sort = $22 WHERE id = $1 AND ($23::bigint IS NULL OR version = $23)",
        )
        .await
        .map_err(db_error)?;
    // A code taken by another dossier is refused by the unique key, as on SQLite.
    let done = tx.execute(&stmt, &params).await.map_err(db_error)?;
    if done != 1 {
        return Err(conflict(expected_version.unwrap_or_default()));
    }
    let stmt = tx
        .prepare_cached("UPDATE dossier_states SET state = $2 WHERE id = $1")
        .await
        .map_err(db_error)?;
    tx.execute(&stmt, &[&id, &state]).await.map_err(db_error)?;
    Ok(())
}

/// Takes an idempotency key for this request in the caller's transaction, or answers what it
/// was first used for. A request holding the key keeps it locked until its transaction ends:
/// another request with the same key waits there, then replays what the first created (or takes
/// the key, if the first wrote nothing) — as SQLite's single writer orders them.
async fn claim_key(
    tx: &impl GenericClient,
    k: &IdempotencyKey,
    result: Option<&str>,
    now_ms: i64,
) -> Result<Option<IdempotentResult>> {
    let insert = tx
        .prepare_cached(
            "INSERT INTO idempotency_keys (scope, key, request_hash, dossier, result, created_ms) \
             VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT (scope, key) DO NOTHING",
        )
        .await
        .map_err(db_error)?;
    // A key found taken but gone when read (swept meanwhile) is tried again.
    for _ in 0..3 {
        let taken = tx
            .execute(
                &insert,
                &[&k.scope, &k.key, &k.request_hash, &result, &now_ms],
            )
            .await
            .map_err(|e| insert_error(e, "khóa Idempotency-Key"))?;
        if taken == 1 {
            return Ok(None);
        }
        if let Some(first) = find_key(tx, &k.scope, &k.key).await? {
            return Ok(Some(first));
        }
    }
    Err(StoreError::Duplicate("khóa Idempotency-Key".into()))
}

/// An opening in the caller's transaction (see [`crate::DossierStore::open_dossier_with`]).
async fn open_in(
    tx: &impl GenericClient,
    sequence: &str,
    day: &str,
    recorded_at: DateTime<Utc>,
    idempotency: Option<&IdempotencyKey>,
    build: &mut BuildOpening,
) -> Result<Written<std::result::Result<Dossier, NotOpened<Box<dyn Any + Send>>>>> {
    let now_ms = ms(recorded_at);
    if let Some(k) = idempotency
        && let Some(first) = claim_key(tx, k, None, now_ms).await?
    {
        return Ok(Written::No(Err(NotOpened::Replayed(first))));
    }
    let number = next_number(tx, sequence, day).await?;
    let opening = match build(number) {
        Ok(o) => o,
        Err(refusal) => return Ok(Written::No(Err(NotOpened::Refused(refusal)))),
    };
    let mut deltas = Vec::new();
    if let Some(other) = &opening.also {
        write_change(tx, other, recorded_at, &mut deltas).await?;
    }
    append(
        tx,
        &opening.dossier,
        0,
        &opening.events,
        &opening.readers,
        recorded_at,
    )
    .await?;
    deltas.extend_from_slice(&opening.counts);
    super::enqueue_on(tx, &opening.outbox, recorded_at).await?;
    if let Some(citizen) = &opening.submitted_by {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO citizen_dossiers (citizen, dossier, how, linked_ms) \
                 VALUES ($1, $2, 'submitted', $3)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&stmt, &[citizen, &opening.dossier.id.0, &now_ms])
            .await
            .map_err(db_error)?;
    }
    if let Some(k) = idempotency {
        let stmt = tx
            .prepare_cached(
                "UPDATE idempotency_keys SET dossier = $3 WHERE scope = $1 AND key = $2",
            )
            .await
            .map_err(db_error)?;
        tx.execute(&stmt, &[&k.scope, &k.key, &opening.dossier.id.0])
            .await
            .map_err(db_error)?;
    }
    apply_deltas(tx, &deltas).await?;
    Ok(Written::Yes(Ok(opening.dossier)))
}

/// A numbered change in the caller's transaction (see
/// [`crate::DossierStore::change_dossier_with`]).
async fn change_in(
    tx: &impl GenericClient,
    sequence: &str,
    day: &str,
    recorded_at: DateTime<Utc>,
    build: &mut BuildChange,
) -> Result<Written<std::result::Result<Box<dyn Any + Send>, Box<dyn Any + Send>>>> {
    let number = next_number(tx, sequence, day).await?;
    let (change, value) = match build(number) {
        Ok(built) => built,
        Err(refusal) => return Ok(Written::No(Err(refusal))),
    };
    let mut deltas = Vec::new();
    write_change(tx, &change, recorded_at, &mut deltas).await?;
    apply_deltas(tx, &deltas).await?;
    Ok(Written::Yes(Ok(value)))
}

/// Changes written together in the caller's transaction, all or nothing.
async fn changes_in(
    tx: &impl GenericClient,
    changes: &[Change],
    recorded_at: DateTime<Utc>,
) -> Result<Written<()>> {
    let mut deltas = Vec::new();
    for change in changes {
        write_change(tx, change, recorded_at, &mut deltas).await?;
    }
    apply_deltas(tx, &deltas).await?;
    Ok(Written::Yes(()))
}

/// A dossier's state, from its projection.
async fn read_dossier(client: &impl GenericClient, id: DossierId) -> Result<Option<Dossier>> {
    let stmt = client
        .prepare_cached("SELECT state FROM dossier_states WHERE id = $1")
        .await
        .map_err(db_error)?;
    client
        .query_opt(&stmt, &[&id.0])
        .await
        .map_err(db_error)?
        .map(|r| from_json(col::<&str>(&r, 0)?, "hồ sơ"))
        .transpose()
}

/// A dossier's events, in order.
async fn read_events(client: &impl GenericClient, id: DossierId) -> Result<Vec<Recorded>> {
    let stmt = client
        .prepare_cached(
            "SELECT version, at_ms, actor, payload FROM dossier_events WHERE dossier_id = $1 \
             ORDER BY version",
        )
        .await
        .map_err(db_error)?;
    let rows = client.query(&stmt, &[&id.0]).await.map_err(db_error)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(Recorded {
            version: col::<i64>(r, 0)? as u64,
            at: from_ms(col(r, 1)?),
            actor: from_json(col::<&str>(r, 2)?, "người thực hiện")?,
            event: from_json(col::<&str>(r, 3)?, "sự kiện")?,
        });
    }
    Ok(out)
}

/// The states of these dossiers, in the order asked (read 500 at a time, as on SQLite).
async fn states_of(client: &impl GenericClient, ids: &[uuid::Uuid]) -> Result<Vec<Dossier>> {
    let stmt = client
        .prepare_cached("SELECT id, state FROM dossier_states WHERE id = ANY($1)")
        .await
        .map_err(db_error)?;
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = client.query(&stmt, &[&chunk]).await.map_err(db_error)?;
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            found.insert(col::<uuid::Uuid>(r, 0)?, col::<String>(r, 1)?);
        }
        for id in chunk {
            if let Some(s) = found.remove(id) {
                out.push(from_json(&s, "hồ sơ")?);
            }
        }
    }
    Ok(out)
}

/// Replays a chunk of dossiers and writes their projections, in the caller's transaction;
/// how many differed from what was stored. The dossiers' rows are locked first, so a change
/// made meanwhile is never overwritten by an older replay.
pub(crate) async fn rebuild_in(
    tx: &impl GenericClient,
    chunk: &[DossierId],
    tree: &AgencyTree,
) -> Result<Written<usize>> {
    let ids: Vec<uuid::Uuid> = chunk.iter().map(|id| id.0).collect();
    tx.query(
        "SELECT id FROM dossiers WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &[&ids],
    )
    .await
    .map_err(db_error)?;
    let search = tx
        .prepare_cached("UPDATE dossiers SET search_text = $2 WHERE id = $1 AND search_text <> $2")
        .await
        .map_err(db_error)?;
    let scope = tx
        .prepare_cached("UPDATE dossier_scope SET due_sort = $2 WHERE dossier = $1")
        .await
        .map_err(db_error)?;
    let mut differing = 0;
    for &id in chunk {
        let events = read_events(tx, id).await?;
        let d = Dossier::replay(&events)
            .ok_or_else(|| StoreError::Corrupt(format!("hồ sơ {id} không có sự kiện mở")))?;
        let stored = read_dossier(tx, id).await?;
        if stored.as_ref() != Some(&d) {
            differing += 1;
        }
        let key = due_sort(&d);
        write_projection(tx, &d, if stored.is_some() { None } else { Some(0) }, key).await?;
        tx.execute(&search, &[&d.id.0, &search_text(&d)])
            .await
            .map_err(db_error)?;
        tx.execute(&scope, &[&d.id.0, &key])
            .await
            .map_err(db_error)?;
        write_readers(tx, d.id, &Readers::of(&d, tree), key).await?;
    }
    Ok(Written::Yes(differing))
}

/// Logs guidance in the caller's transaction (with its key, if given and not used before).
async fn guidance_in(
    tx: &impl GenericClient,
    g: &GuidanceRecord,
    idempotency: Option<&IdempotencyKey>,
) -> Result<Written<std::result::Result<(), IdempotentResult>>> {
    let body = to_json(g);
    if let Some(k) = idempotency
        && let Some(first) = claim_key(tx, k, Some(&body), ms(g.at)).await?
    {
        return Ok(Written::No(Err(first)));
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO guidance_log (id, agency, at_ms, officer, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .await
        .map_err(db_error)?;
    tx.execute(&stmt, &[&g.id, &g.agency, &ms(g.at), &g.officer, &body])
        .await
        .map_err(db_error)?;
    Ok(Written::Yes(Ok(())))
}

#[async_trait::async_trait]
impl crate::DossierStore for Postgres {
    async fn open_dossier_with(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        idempotency: Option<IdempotencyKey>,
        mut build: BuildOpening,
    ) -> Result<std::result::Result<Dossier, NotOpened<Box<dyn Any + Send>>>> {
        let mut attempts = Attempts::new();
        loop {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db_error)?;
            let done = open_in(
                &tx,
                sequence,
                day,
                recorded_at,
                idempotency.as_ref(),
                &mut build,
            )
            .await;
            match settle(tx, done).await {
                Err(e) if attempts.again(&e) => continue,
                other => return other,
            }
        }
    }

    async fn change_dossier(&self, change: Change, recorded_at: DateTime<Utc>) -> Result<()> {
        self.write_dossiers(vec![change], recorded_at).await
    }

    async fn change_dossier_with(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        mut build: BuildChange,
    ) -> Result<std::result::Result<Box<dyn Any + Send>, Box<dyn Any + Send>>> {
        let mut attempts = Attempts::new();
        loop {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db_error)?;
            let done = change_in(&tx, sequence, day, recorded_at, &mut build).await;
            match settle(tx, done).await {
                Err(e) if attempts.again(&e) => continue,
                other => return other,
            }
        }
    }

    async fn write_dossiers(&self, changes: Vec<Change>, recorded_at: DateTime<Utc>) -> Result<()> {
        let mut attempts = Attempts::new();
        loop {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db_error)?;
            let done = changes_in(&tx, &changes, recorded_at).await;
            match settle(tx, done).await {
                Err(e) if attempts.again(&e) => continue,
                other => return other,
            }
        }
    }

    async fn raise_code_number(&self, sequence: &str, day: &str, last: u32) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO dossier_code_seq (agency, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (agency, day) DO UPDATE \
             SET last = GREATEST(dossier_code_seq.last, excluded.last)",
            &[&sequence, &day, &i64::from(last)],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn dossier(&self, id: DossierId) -> Result<Option<Dossier>> {
        let c = self.client().await?;
        read_dossier(&c, id).await
    }

    async fn dossiers(&self, ids: &[uuid::Uuid]) -> Result<Vec<Dossier>> {
        let c = self.client().await?;
        states_of(&c, ids).await
    }

    async fn dossier_id_by_code(&self, code: &str) -> Result<Option<DossierId>> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT id FROM (SELECT id, 0 AS o FROM dossiers WHERE code = $1 \
                 UNION ALL SELECT id, 1 FROM dossiers WHERE provisional_code = $1) AS f \
                 ORDER BY o LIMIT 1",
            )
            .await
            .map_err(db_error)?;
        c.query_opt(&stmt, &[&code])
            .await
            .map_err(db_error)?
            .map(|r| Ok(DossierId(col(&r, 0)?)))
            .transpose()
    }

    async fn events(&self, id: DossierId) -> Result<Vec<Recorded>> {
        let c = self.client().await?;
        read_events(&c, id).await
    }

    async fn public_view(&self, code: &str) -> Result<Option<PublicView>> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT code, procedure_name, national_status, appointment_ms FROM ( \
                 SELECT code, procedure_name, national_status, appointment_ms, 0 AS o \
                 FROM dossiers WHERE code = $1 \
                 UNION ALL SELECT code, procedure_name, national_status, appointment_ms, 1 \
                 FROM dossiers WHERE provisional_code = $1) AS f ORDER BY o LIMIT 1",
            )
            .await
            .map_err(db_error)?;
        c.query_opt(&stmt, &[&code])
            .await
            .map_err(db_error)?
            .map(|r| {
                Ok(PublicView {
                    code: col(&r, 0)?,
                    procedure_name: col(&r, 1)?,
                    national_status: col(&r, 2)?,
                    appointment: col::<Option<i64>>(&r, 3)?.map(from_ms),
                })
            })
            .transpose()
    }

    async fn list_dossiers(&self, f: &DossierFilter) -> Result<DossierPage> {
        let c = self.client().await?;
        super::list::list(&c, f).await
    }

    async fn count_dossiers(&self, f: &DossierFilter) -> Result<i64> {
        let c = self.client().await?;
        super::list::count(&c, f).await
    }

    async fn dossier_ids(&self) -> Result<Vec<DossierId>> {
        let c = self.client().await?;
        c.query("SELECT id FROM dossiers ORDER BY id", &[])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| Ok(DossierId(col(r, 0)?)))
            .collect()
    }

    async fn totals(&self) -> Result<Totals> {
        let c = self.client().await?;
        let r = c
            .query_one(
                "SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM dossier_events), \
                 (SELECT count(*) FROM guidance_log)",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(Totals {
            dossiers: col(&r, 0)?,
            events: col(&r, 1)?,
            guidance: col(&r, 2)?,
        })
    }

    async fn projection_of(&self, id: DossierId) -> Result<Option<(DossierRow, String)>> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS}, s.state FROM dossiers d JOIN dossier_states s ON s.id = d.id \
                 WHERE d.id = $1"
            ))
            .await
            .map_err(db_error)?;
        c.query_opt(&stmt, &[&id.0])
            .await
            .map_err(db_error)?
            .map(|r| Ok((row(&r)?, col(&r, 19)?)))
            .transpose()
    }

    async fn checked_events(&self, id: DossierId) -> Result<CheckedEvents> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT version, kind, at_ms, actor, payload, prev_hash, hash FROM dossier_events \
                 WHERE dossier_id = $1 ORDER BY version",
            )
            .await
            .map_err(db_error)?;
        let rows = c.query(&stmt, &[&id.0]).await.map_err(db_error)?;
        let mut check = EventsCheck::new(id);
        for r in &rows {
            check.next(&chained(r, 0)?);
        }
        Ok(check.finish())
    }

    async fn rebuild_projections(&self) -> Result<usize> {
        let ids = self.dossier_ids().await?;
        let tree = {
            let c = self.client().await?;
            agency_tree(&c).await?
        };
        let mut differing = 0;
        // Each chunk is replayed and written in one transaction.
        for chunk in ids.chunks(200) {
            let mut attempts = Attempts::new();
            differing += loop {
                let mut c = self.client().await?;
                let tx = c.transaction().await.map_err(db_error)?;
                let done = rebuild_in(&tx, chunk, &tree).await;
                match settle(tx, done).await {
                    Err(e) if attempts.again(&e) => continue,
                    other => break other?,
                }
            };
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
        let c = self.client().await?;
        q.query(&c)
            .await?
            .iter()
            .map(|r| {
                Ok(EndedDossier {
                    dossier: from_json(col::<&str>(r, 0)?, "hồ sơ")?,
                    rating: col::<Option<&str>>(r, 1)?
                        .map(|a| from_json(a, "đánh giá"))
                        .transpose()?,
                })
            })
            .collect()
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
        let c = self.client().await?;
        q.query(&c)
            .await?
            .iter()
            .map(|r| {
                Ok(UnitSummary {
                    agency: col(r, 0)?,
                    received: col(r, 1)?,
                    resolved: col(r, 2)?,
                    on_time: col(r, 3)?,
                    open: col(r, 4)?,
                    overdue: col(r, 5)?,
                })
            })
            .collect()
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
        let c = self.client().await?;
        q.query(&c).await?.iter().map(|r| col(r, 0)).collect()
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
        let c = self.client().await?;
        q.query(&c).await?.iter().map(|r| col(r, 0)).collect()
    }

    async fn add_guidance(
        &self,
        g: &GuidanceRecord,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<std::result::Result<(), IdempotentResult>> {
        let mut attempts = Attempts::new();
        loop {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db_error)?;
            let done = guidance_in(&tx, g, idempotency).await;
            match settle(tx, done).await {
                Err(e) if attempts.again(&e) => continue,
                other => return other,
            }
        }
    }

    async fn guidance_record(&self, id: uuid::Uuid) -> Result<Option<GuidanceRecord>> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached("SELECT body FROM guidance_log WHERE id = $1")
            .await
            .map_err(db_error)?;
        c.query_opt(&stmt, &[&id])
            .await
            .map_err(db_error)?
            .map(|r| from_json(col::<&str>(&r, 0)?, "hướng dẫn"))
            .transpose()
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
        let c = self.client().await?;
        q.query(&c)
            .await?
            .iter()
            .map(|r| from_json(col::<&str>(r, 0)?, "hướng dẫn"))
            .collect()
    }
}
