//! Sổ sự kiện hồ sơ — the append-only, hash-chained event log of dossiers, the projection row
//! written in the same transaction, the daily code sequence, lists and the public lookup.

use chrono::{DateTime, Utc};
use domain::dossier::{Dossier, DossierId, Fact, Recorded};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use sqlx::SqliteConnection;
use tokio::sync::oneshot;

use crate::access::{IdempotencyKey, IdempotentResult};
use crate::writer::{Job, JobFuture, Written, conclude};
use crate::{Db, Result, StoreError, Tx, from_json, key, to_json};

/// Hash that starts every dossier's chain.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).expect("stored instants are valid")
}

/// Hash of one event, chained to the previous one.
fn chain_hash(
    prev: &str,
    id: DossierId,
    version: u64,
    at_ms: i64,
    kind: &str,
    actor: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &id.to_string(),
        &version.to_string(),
        &at_ms.to_string(),
        kind,
        actor,
        payload,
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// A dossier as lists show it (no events, no full state).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DossierRow {
    pub id: uuid::Uuid,
    pub code: String,
    pub version: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub channel: i64,
    pub stage: String,
    pub national_status: i64,
    pub receiving: String,
    pub competent: String,
    pub current_unit: Option<String>,
    pub assignee: Option<String>,
    pub applicant_name: String,
    pub received_at: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    pub appointment: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
}

/// Row counts of the dossier tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub dossiers: i64,
    pub events: i64,
    pub guidance: i64,
}

/// What anyone may see of a dossier by its code (TT 01/2018 Art. 16(2)(d)): no personal data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicView {
    pub code: String,
    pub procedure_name: String,
    pub national_status: i64,
    pub appointment: Option<DateTime<Utc>>,
}

/// Sort order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Soonest due first (officers' work lists).
    #[default]
    DueFirst,
    /// Most recently registered first (the order in which the system opened the dossiers).
    LatestFirst,
    /// In the order of reception (a log book).
    ReceivedFirst,
}

/// Filters of a dossier list. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    /// Only dossiers whose receiving, competent or current unit is one of these (the caller's
    /// visible agencies). `None` = no restriction (system use only).
    pub visible: Option<Vec<String>>,
    pub national_status: Vec<u8>,
    pub receiving: Option<String>,
    pub competent: Option<String>,
    pub current_unit: Option<String>,
    pub assignee: Option<String>,
    pub procedure_code: Option<String>,
    /// The applicant's personal id number or tax code (a citizen's own dossiers).
    pub applicant_id: Option<String>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Only dossiers still being handled (not finished, not refused, not stopped).
    pub open_only: bool,
    /// A full-text query (FTS5 syntax over folded text) on the code, the applicant's name and id
    /// number, and the procedure name.
    pub search: Option<String>,
    pub order: Order,
    pub limit: u32,
    pub offset: u32,
}

/// A page of a dossier list.
#[derive(Debug, Clone, Default)]
pub struct DossierPage {
    pub rows: Vec<DossierRow>,
    /// How many dossiers match. For a search, counting stops at [`SEARCH_COUNT_LIMIT`]: then
    /// `total_exact` is false and there are more than `total`.
    pub total: i64,
    pub total_exact: bool,
}

/// How far the matches of a search are counted. Someone typing needs "more than 1,000, type more"
/// rather than an exact figure that costs a pass over every match.
pub const SEARCH_COUNT_LIMIT: i64 = 1_000;

pub(crate) const ROW_COLUMNS: &str = "id, code, version, procedure_code, procedure_name, channel, stage, national_status, \
    receiving, competent, current_unit, assignee, applicant_name, received_ms, due_ms, appointment_ms, finished_ms, returned_ms";

pub(crate) fn row(r: &SqliteRow) -> DossierRow {
    let opt = |name: &str| r.get::<Option<i64>, _>(name).map(from_ms);
    DossierRow {
        id: r.get("id"),
        code: r.get("code"),
        version: r.get("version"),
        procedure_code: r.get("procedure_code"),
        procedure_name: r.get("procedure_name"),
        channel: r.get("channel"),
        stage: r.get("stage"),
        national_status: r.get("national_status"),
        receiving: r.get("receiving"),
        competent: r.get("competent"),
        current_unit: r.get("current_unit"),
        assignee: r.get("assignee"),
        applicant_name: r.get("applicant_name"),
        received_at: opt("received_ms"),
        due: opt("due_ms"),
        appointment: opt("appointment_ms"),
        finished_at: opt("finished_ms"),
        returned_at: opt("returned_ms"),
    }
}

impl Db {
    /// The next number in the daily sequence of an agency (1 for the first dossier of the day).
    /// Runs in the caller's transaction, so a refused intake does not use a number and two
    /// intakes never get the same one.
    pub async fn next_code_number(tx: &mut Tx, agency: &str, day: &str) -> Result<u32> {
        let Tx::Sqlite(tx) = tx;
        next_number(tx, agency, day).await
    }

    /// Raises an agency's sequence of a day to at least `last`, in the caller's transaction
    /// (bulk loads that number their dossiers themselves).
    pub async fn raise_code_number(tx: &mut Tx, agency: &str, day: &str, last: u32) -> Result<()> {
        let Tx::Sqlite(tx) = tx;
        sqlx::query(
            "INSERT INTO dossier_code_seq (agency, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (agency, day) DO UPDATE SET last = MAX(last, excluded.last)",
        )
        .bind(agency)
        .bind(day)
        .bind(i64::from(last))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Appends events to a dossier's log and writes its projection, in the caller's transaction
    /// (bulk loads). `dossier` is the state after the events. Fails with
    /// [`StoreError::Conflict`] when another writer appended since `expected_version` was read.
    pub async fn append(
        tx: &mut Tx,
        dossier: &Dossier,
        expected_version: u64,
        events: &[Recorded],
        counts: &[(Fact, i64)],
        recorded_at: DateTime<Utc>,
    ) -> Result<()> {
        let Tx::Sqlite(tx) = tx;
        append_on(tx, dossier, expected_version, events, counts, recorded_at).await
    }

    /// Opens a dossier through the writer: takes the receiving agency's next number of the day,
    /// lets `build` make the dossier, its events and (for a correction) the change to another
    /// dossier with that number, and writes them in one transaction. When `build` refuses, or
    /// the other dossier changed meanwhile, nothing is written and the number is not used.
    ///
    /// With an idempotency key, a key used before makes the job write nothing and answer what
    /// the key first created; the key is recorded in the transaction that opens the dossier.
    pub async fn open_dossier<E: Send + 'static>(
        &self,
        agency: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        idempotency: Option<IdempotencyKey>,
        build: impl FnOnce(u32) -> std::result::Result<Opening, E> + Send + 'static,
    ) -> Result<std::result::Result<Dossier, NotOpened<E>>> {
        let (answer, rx) = oneshot::channel();
        let job = OpenJob {
            agency: agency.to_string(),
            day: day.to_string(),
            recorded_at,
            idempotency,
            build: Box::new(build),
            answer,
        };
        self.group_writer().submit(Box::new(job), rx).await
    }

    /// Appends a change to a dossier through the writer (see [`Db::append`]).
    pub async fn change_dossier(&self, change: Change, recorded_at: DateTime<Utc>) -> Result<()> {
        let (answer, rx) = oneshot::channel();
        let job = ChangeJob {
            number: None,
            build: Box::new(move |_| Ok::<_, ()>((change, ()))),
            recorded_at,
            answer,
        };
        match self.group_writer().submit(Box::new(job), rx).await? {
            Ok(()) => Ok(()),
            Err(()) => unreachable!("a prepared change is not refused"),
        }
    }

    /// Appends a change that needs the agency's next number of the day (the code given to an
    /// online submission when it is received): `build` makes the change with that number, and
    /// a value the caller gets once it is written. When `build` refuses, or the dossier changed
    /// meanwhile, nothing is written and the number is given back.
    pub async fn change_dossier_numbered<T: Send + 'static, E: Send + 'static>(
        &self,
        agency: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        build: impl FnOnce(u32) -> std::result::Result<(Change, T), E> + Send + 'static,
    ) -> Result<std::result::Result<T, E>> {
        let (answer, rx) = oneshot::channel();
        let job = ChangeJob {
            number: Some((agency.to_string(), day.to_string())),
            build: Box::new(move |n| build(n.unwrap_or_default())),
            recorded_at,
            answer,
        };
        self.group_writer().submit(Box::new(job), rx).await
    }

    /// The current state of a dossier (from its projection).
    pub async fn dossier(&self, id: DossierId) -> Result<Option<Dossier>> {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM dossier_states WHERE id = $1")
                .bind(id.0)
                .fetch_optional(self.reader())
                .await?;
        state.map(|s| from_json(&s, "hồ sơ")).transpose()
    }

    /// The current states of these dossiers (from their projections), in the order asked;
    /// unknown ids are left out. Read a thousand at a time.
    pub async fn dossiers(&self, ids: &[uuid::Uuid]) -> Result<Vec<Dossier>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1_000) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "SELECT id, state FROM dossier_states WHERE id IN (",
            );
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            let mut found: std::collections::HashMap<uuid::Uuid, String> = q
                .build_query_as::<(uuid::Uuid, String)>()
                .fetch_all(self.reader())
                .await?
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

    /// The id of the dossier with this code (or this provisional reference).
    pub async fn dossier_id_by_code(&self, code: &str) -> Result<Option<DossierId>> {
        let id: Option<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM dossiers WHERE code = $1 \
             UNION ALL SELECT id FROM dossiers WHERE provisional_code = $1 LIMIT 1",
        )
        .bind(code)
        .fetch_optional(self.reader())
        .await?;
        Ok(id.map(DossierId))
    }

    /// Every event of a dossier, in order.
    pub async fn events(&self, id: DossierId) -> Result<Vec<Recorded>> {
        let rows = sqlx::query(
            "SELECT version, at_ms, actor, payload FROM dossier_events WHERE dossier_id = $1 ORDER BY version",
        )
        .bind(id.0)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Recorded {
                    version: r.get::<i64, _>(0) as u64,
                    at: from_ms(r.get(1)),
                    actor: from_json(r.get::<&str, _>(2), "người thực hiện")?,
                    event: from_json(r.get::<&str, _>(3), "sự kiện")?,
                })
            })
            .collect()
    }

    /// The public view of a dossier by code.
    pub async fn public_view(&self, code: &str) -> Result<Option<PublicView>> {
        let row = sqlx::query(
            "SELECT code, procedure_name, national_status, appointment_ms FROM dossiers WHERE code = $1 \
             UNION ALL SELECT code, procedure_name, national_status, appointment_ms FROM dossiers \
             WHERE provisional_code = $1 LIMIT 1",
        )
        .bind(code)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| PublicView {
            code: r.get(0),
            procedure_name: r.get(1),
            national_status: r.get(2),
            appointment: r.get::<Option<i64>, _>(3).map(from_ms),
        }))
    }

    /// A page of dossiers matching the filter, and how many match.
    ///
    /// A search is driven by the full-text index: its matches are read newest first and each is
    /// checked against the other conditions, so a page of the latest matches costs a few row
    /// reads however common the words are (and ordering by due date sorts only the matches).
    pub async fn list_dossiers(&self, f: &DossierFilter) -> Result<DossierPage> {
        let from = if f.search.is_some() {
            // CROSS JOIN keeps the full-text index as the outer loop.
            "FROM dossier_search CROSS JOIN dossiers ON dossiers.rowid = dossier_search.rowid \
             WHERE dossier_search MATCH "
        } else {
            "FROM dossiers WHERE 1 = 1"
        };
        let mut qb =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!("SELECT {ROW_COLUMNS} {from}"));
        let mut count = sqlx::QueryBuilder::<sqlx::Sqlite>::new(if f.search.is_some() {
            format!("SELECT COUNT(*) FROM (SELECT 1 {from}")
        } else {
            format!("SELECT COUNT(*) {from}")
        });
        for q in [&mut qb, &mut count] {
            if let Some(m) = &f.search {
                q.push_bind(m.clone());
            }
            if let Some(visible) = &f.visible {
                if visible.is_empty() {
                    q.push(" AND 0 = 1");
                } else {
                    for column in ["receiving", "competent", "current_unit"] {
                        let prefix = if column == "receiving" {
                            " AND ("
                        } else {
                            " OR "
                        };
                        q.push(prefix).push(column).push(" IN (");
                        let mut sep = q.separated(", ");
                        for a in visible {
                            sep.push_bind(a.clone());
                        }
                        q.push(")");
                    }
                    q.push(")");
                }
            }
            if !f.national_status.is_empty() {
                q.push(" AND national_status IN (");
                let mut sep = q.separated(", ");
                for s in &f.national_status {
                    sep.push_bind(i64::from(*s));
                }
                q.push(")");
            }
            for (column, value) in [
                ("receiving", &f.receiving),
                ("competent", &f.competent),
                ("current_unit", &f.current_unit),
                ("assignee", &f.assignee),
                ("procedure_code", &f.procedure_code),
                ("applicant_id", &f.applicant_id),
            ] {
                if let Some(v) = value {
                    q.push(" AND ")
                        .push(column)
                        .push(" = ")
                        .push_bind(v.clone());
                }
            }
            for (column, op, value) in [
                ("due_ms", " >= ", f.due_from),
                ("due_ms", " < ", f.due_to),
                ("received_ms", " >= ", f.received_from),
                ("received_ms", " < ", f.received_to),
            ] {
                if let Some(v) = value {
                    q.push(" AND ").push(column).push(op).push_bind(ms(v));
                }
            }
            if f.open_only {
                q.push(" AND national_status IN (1, 2, 4, 5, 6, 7)");
            }
        }
        let latest = if f.search.is_some() {
            " ORDER BY dossier_search.rowid DESC"
        } else {
            " ORDER BY dossiers.rowid DESC"
        };
        qb.push(match f.order {
            Order::DueFirst => " ORDER BY due_ms IS NULL, due_ms, code",
            Order::LatestFirst => latest,
            Order::ReceivedFirst => " ORDER BY received_ms, code",
        });
        qb.push(" LIMIT ")
            .push_bind(i64::from(f.limit.clamp(1, 500)))
            .push(" OFFSET ")
            .push_bind(i64::from(f.offset));
        if f.search.is_some() {
            count
                .push(" LIMIT ")
                .push_bind(SEARCH_COUNT_LIMIT + 1)
                .push(")");
        }
        let rows = qb.build().fetch_all(self.reader()).await?;
        let counted: i64 = count.build_query_scalar().fetch_one(self.reader()).await?;
        let total_exact = f.search.is_none() || counted <= SEARCH_COUNT_LIMIT;
        Ok(DossierPage {
            rows: rows.iter().map(row).collect(),
            total: if total_exact {
                counted
            } else {
                SEARCH_COUNT_LIMIT
            },
            total_exact,
        })
    }

    /// Ids of every dossier (for rebuilding and verification).
    pub async fn dossier_ids(&self) -> Result<Vec<DossierId>> {
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM dossiers ORDER BY id")
            .fetch_all(self.reader())
            .await?;
        Ok(ids.into_iter().map(DossierId).collect())
    }

    /// How many dossiers, events and guidance records are stored (for status pages and for
    /// checking that a refused request wrote nothing).
    pub async fn totals(&self) -> Result<Totals> {
        let (dossiers, events, guidance): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM dossiers), (SELECT COUNT(*) FROM dossier_events), \
             (SELECT COUNT(*) FROM guidance_log)",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(Totals {
            dossiers,
            events,
            guidance,
        })
    }

    /// The stored projection row of a dossier, for comparing with a rebuild.
    pub async fn projection_of(&self, id: DossierId) -> Result<Option<(DossierRow, String)>> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ROW_COLUMNS}, state FROM dossiers JOIN dossier_states USING (id) WHERE id = $1"
        )))
        .bind(id.0)
        .fetch_optional(self.reader())
        .await?;
        Ok(r.map(|r| (row(&r), r.get("state"))))
    }
}

/// A dossier opened by [`Db::open_dossier`]: its state, its events, and possibly a change to
/// another dossier made in the same transaction.
pub struct Opening {
    pub dossier: Dossier,
    pub events: Vec<Recorded>,
    /// The dossier's facts, added to the report counters.
    pub counts: Vec<(Fact, i64)>,
    /// Messages telling the outside world (the applicant) about the opening.
    pub outbox: Vec<crate::NewMessage>,
    pub also: Option<Change>,
    /// The citizen's account that submitted it, which may then see and follow it.
    pub submitted_by: Option<String>,
}

/// Why [`Db::open_dossier`] opened nothing.
#[derive(Debug)]
pub enum NotOpened<E> {
    /// The caller's rules refused it (the number was given back).
    Refused(E),
    /// The idempotency key was used before: what it created then.
    Replayed(IdempotentResult),
}

/// New events of an existing dossier, the version they were decided on, and the state after.
pub struct Change {
    pub dossier: Dossier,
    pub expected_version: u64,
    pub events: Vec<Recorded>,
    /// What the change does to the report counters (`domain::dossier::fact_delta`).
    pub counts: Vec<(Fact, i64)>,
    /// Messages telling the outside world about the change (DESIGN principle 6), written in
    /// the same transaction as the events.
    pub outbox: Vec<crate::NewMessage>,
}

/// Writes a change of an existing dossier: its events, projection and counters, then its
/// messages; a conflict is found before anything is written.
async fn write_change(
    conn: &mut SqliteConnection,
    c: &Change,
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    append_on(
        conn,
        &c.dossier,
        c.expected_version,
        &c.events,
        &c.counts,
        recorded_at,
    )
    .await?;
    crate::outbox::enqueue_on(conn, &c.outbox, recorded_at).await?;
    Ok(())
}

/// Writes events and the projection. For an existing dossier the projection is updated first,
/// on condition of the version read, so a conflict is found before anything is written.
async fn append_on(
    conn: &mut SqliteConnection,
    dossier: &Dossier,
    expected_version: u64,
    events: &[Recorded],
    counts: &[(Fact, i64)],
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    let prev: String = if expected_version == 0 {
        GENESIS.to_string()
    } else {
        write_projection(conn, dossier, Some(expected_version)).await?;
        sqlx::query_scalar("SELECT hash FROM dossier_events WHERE dossier_id = $1 AND version = $2")
            .bind(dossier.id.0)
            .bind(expected_version as i64)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::Conflict {
                expected: expected_version,
            })?
    };
    insert_events(conn, dossier.id, prev, events, recorded_at)
        .await
        .map_err(|err| match err {
            StoreError::Duplicate(_) => StoreError::Conflict {
                expected: expected_version,
            },
            other => other,
        })?;
    // An online submission received gets its code: it is found by it from now on.
    let coded = events.iter().any(|e| {
        matches!(
            e.event,
            domain::dossier::Event::Received { code: Some(_), .. }
        )
    });
    if expected_version > 0 && coded {
        sqlx::query("UPDATE dossiers SET search_text = $2 WHERE id = $1")
            .bind(dossier.id.0)
            .bind(search_text(dossier))
            .execute(&mut *conn)
            .await?;
    }
    if expected_version == 0 {
        write_projection(conn, dossier, Some(0)).await?;
    }
    crate::counts::apply_counts(conn, counts).await
}

/// Inserts events (one statement), chaining each to the one before.
async fn insert_events(
    conn: &mut SqliteConnection,
    id: DossierId,
    mut prev: String,
    events: &[Recorded],
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let actor = to_json(&e.actor);
        let payload = to_json(&e.event);
        let kind = e.event.kind();
        let at = ms(e.at);
        let hash = chain_hash(&prev, id, e.version, at, kind, &actor, &payload);
        rows.push((
            e.version as i64,
            kind,
            at,
            actor,
            payload,
            prev,
            hash.clone(),
        ));
        prev = hash;
    }
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "INSERT INTO dossier_events (dossier_id, version, kind, at_ms, recorded_ms, actor, payload, prev_hash, hash) ",
    );
    q.push_values(
        rows,
        |mut b, (version, kind, at, actor, payload, prev, hash)| {
            b.push_bind(id.0)
                .push_bind(version)
                .push_bind(kind)
                .push_bind(at)
                .push_bind(ms(recorded_at))
                .push_bind(actor)
                .push_bind(payload)
                .push_bind(prev)
                .push_bind(hash);
        },
    );
    q.build()
        .execute(&mut *conn)
        .await
        .map_err(|err| StoreError::from_insert(err, "sự kiện"))?;
    Ok(())
}

/// The next number of an agency's day (1 for the first dossier).
async fn next_number(conn: &mut SqliteConnection, agency: &str, day: &str) -> Result<u32> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO dossier_code_seq (agency, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
    )
    .bind(agency)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n as u32)
}

/// Gives a number back when the dossier it was taken for was not opened.
async fn return_number(conn: &mut SqliteConnection, agency: &str, day: &str, n: u32) -> Result<()> {
    sqlx::query(
        "UPDATE dossier_code_seq SET last = last - 1 WHERE agency = $1 AND day = $2 AND last = $3",
    )
    .bind(agency)
    .bind(day)
    .bind(i64::from(n))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

type Build<E> = Box<dyn FnOnce(u32) -> std::result::Result<Opening, E> + Send>;

struct OpenJob<E> {
    agency: String,
    day: String,
    recorded_at: DateTime<Utc>,
    idempotency: Option<IdempotencyKey>,
    build: Build<E>,
    answer: oneshot::Sender<Result<std::result::Result<Dossier, NotOpened<E>>>>,
}

impl<E: Send + 'static> OpenJob<E> {
    async fn write(
        &mut self,
        build: Build<E>,
        conn: &mut SqliteConnection,
    ) -> Result<Written<std::result::Result<Dossier, NotOpened<E>>>> {
        let (agency, day, recorded_at) = (&self.agency, &self.day, self.recorded_at);
        if let Some(k) = &self.idempotency
            && let Some(first) = crate::access::find_key(conn, &k.scope, &k.key).await?
        {
            return Ok(Written::No(Err(NotOpened::Replayed(first))));
        }
        let number = next_number(conn, agency, day).await?;
        let opening = match build(number) {
            Ok(o) => o,
            Err(refusal) => {
                return_number(conn, agency, day, number).await?;
                return Ok(Written::No(Err(NotOpened::Refused(refusal))));
            }
        };
        if let Some(c) = &opening.also {
            let changed = write_change(conn, c, recorded_at).await;
            if let Err(StoreError::Conflict { .. }) = changed {
                return_number(conn, agency, day, number).await?;
            }
            changed?;
        }
        append_on(
            conn,
            &opening.dossier,
            0,
            &opening.events,
            &opening.counts,
            recorded_at,
        )
        .await?;
        crate::outbox::enqueue_on(conn, &opening.outbox, recorded_at).await?;
        let now_ms = ms(recorded_at);
        if let Some(citizen) = &opening.submitted_by {
            sqlx::query(
                "INSERT INTO citizen_dossiers (citizen, dossier, how, linked_ms) \
                 VALUES ($1, $2, 'submitted', $3)",
            )
            .bind(citizen)
            .bind(opening.dossier.id.0)
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
        }
        if let Some(k) = &self.idempotency {
            crate::access::insert_key(conn, k, Some(opening.dossier.id.0), None, now_ms).await?;
        }
        Ok(Written::Yes(Ok(opening.dossier)))
    }
}

impl<E: Send + 'static> Job for OpenJob<E> {
    fn run(self: Box<Self>, conn: &mut SqliteConnection) -> JobFuture<'_> {
        Box::pin(async move {
            let mut job = *self;
            let build = std::mem::replace(
                &mut job.build,
                Box::new(|_| unreachable!("the build runs once")),
            );
            let outcome = job.write(build, conn).await;
            conclude(outcome, job.answer)
        })
    }

    fn abandon(self: Box<Self>, error: StoreError) {
        let _ = self.answer.send(Err(error));
    }
}

type BuildChange<T, E> = Box<dyn FnOnce(Option<u32>) -> std::result::Result<(Change, T), E> + Send>;

/// A change of an existing dossier, possibly with a number of the day (`number`: agency, day).
struct ChangeJob<T, E> {
    number: Option<(String, String)>,
    build: BuildChange<T, E>,
    recorded_at: DateTime<Utc>,
    answer: oneshot::Sender<Result<std::result::Result<T, E>>>,
}

impl<T: Send + 'static, E: Send + 'static> ChangeJob<T, E> {
    async fn write(
        number: Option<(String, String)>,
        build: BuildChange<T, E>,
        recorded_at: DateTime<Utc>,
        conn: &mut SqliteConnection,
    ) -> Result<Written<std::result::Result<T, E>>> {
        let taken = match &number {
            Some((agency, day)) => Some(next_number(conn, agency, day).await?),
            None => None,
        };
        let give_back = async |conn: &mut SqliteConnection| -> Result<()> {
            if let (Some((agency, day)), Some(n)) = (&number, taken) {
                return_number(conn, agency, day, n).await?;
            }
            Ok(())
        };
        let (c, value) = match build(taken) {
            Ok(built) => built,
            Err(refusal) => {
                give_back(conn).await?;
                return Ok(Written::No(Err(refusal)));
            }
        };
        let changed = write_change(conn, &c, recorded_at).await;
        if let Err(StoreError::Conflict { .. }) = changed {
            give_back(conn).await?;
        }
        changed?;
        Ok(Written::Yes(Ok(value)))
    }
}

impl<T: Send + 'static, E: Send + 'static> Job for ChangeJob<T, E> {
    fn run(self: Box<Self>, conn: &mut SqliteConnection) -> JobFuture<'_> {
        Box::pin(async move {
            let ChangeJob {
                number,
                build,
                recorded_at,
                answer,
            } = *self;
            let outcome = Self::write(number, build, recorded_at, conn).await;
            conclude(outcome, answer)
        })
    }

    fn abandon(self: Box<Self>, error: StoreError) {
        let _ = self.answer.send(Err(error));
    }
}

/// What a dossier is found by: its code, the applicant's name and id number, the procedure —
/// folded, for `dossier_search` (see migration 0002).
pub(crate) fn search_text(d: &Dossier) -> String {
    vntext::fold(&format!(
        "{} {}{} {} {}",
        d.code,
        d.provisional_code
            .as_ref()
            .map(|c| format!("{c} "))
            .unwrap_or_default(),
        d.applicant.display_name(),
        d.applicant.id_number(),
        d.procedure.name
    ))
}

/// Writes a dossier's projection row and state: a new row when `expected_version` is 0, else an
/// update on condition that the stored version is `expected_version` (`None`: whatever is stored,
/// for rebuilding). An update keeps the row's place (its rowid, the order of registration).
async fn write_projection(
    conn: &mut SqliteConnection,
    d: &Dossier,
    expected_version: Option<u64>,
) -> Result<()> {
    let current = d.current_step();
    let finished = d.finished_at();
    let values = |q: sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>| {
        q.bind(d.id.0)
            .bind(d.code.as_str().to_string())
            .bind(d.version as i64)
            .bind(d.procedure.code.as_str().to_string())
            .bind(d.procedure.name.clone())
            .bind(i64::from(d.channel.national_code()))
            .bind(key(&d.stage))
            .bind(i64::from(d.stage.national_status().code()))
            .bind(d.receiving.as_str().to_string())
            .bind(d.competent.as_str().to_string())
            .bind(current.map(|s| s.unit.as_str().to_string()))
            .bind(
                current
                    .and_then(|s| s.handler.as_ref())
                    .map(|h| h.id.to_string()),
            )
            .bind(d.applicant.display_name().to_string())
            .bind(d.applicant.id_number().to_string())
            .bind(ms(d.opened_at))
            .bind(d.received_at.map(ms))
            .bind(d.due.map(ms))
            .bind(d.appointment.map(ms))
            .bind(finished.map(ms))
            .bind(d.returned.as_ref().map(|r| ms(r.at)))
            .bind(d.provisional_code.as_ref().map(|c| c.as_str().to_string()))
    };
    if expected_version == Some(0) {
        values(sqlx::query(
            "INSERT INTO dossiers (id, code, version, procedure_code, procedure_name, channel, stage, national_status, \
             receiving, competent, current_unit, assignee, applicant_name, applicant_id, opened_ms, received_ms, due_ms, \
             appointment_ms, finished_ms, returned_ms, provisional_code, search_text) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
        ))
        .bind(search_text(d))
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::from_insert(e, &format!("mã hồ sơ {}", d.code)))?;
        sqlx::query("INSERT INTO dossier_states (id, state) VALUES ($1, $2)")
            .bind(d.id.0)
            .bind(to_json(d))
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let done = values(sqlx::query(
        "UPDATE dossiers SET code = $2, version = $3, procedure_code = $4, procedure_name = $5, channel = $6, \
         stage = $7, national_status = $8, receiving = $9, competent = $10, current_unit = $11, assignee = $12, \
         applicant_name = $13, applicant_id = $14, opened_ms = $15, received_ms = $16, due_ms = $17, \
         appointment_ms = $18, finished_ms = $19, returned_ms = $20, provisional_code = $21 \
         WHERE id = $1 AND ($22 IS NULL OR version = $22)",
    ))
    .bind(expected_version.map(|v| v as i64))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            expected: expected_version.unwrap_or_default(),
        });
    }
    sqlx::query("UPDATE dossier_states SET state = $2 WHERE id = $1")
        .bind(d.id.0)
        .bind(to_json(d))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Checks a dossier's hash chain; returns the number of events verified.
pub async fn verify_chain(db: &Db, id: DossierId) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT version, kind, at_ms, actor, payload, prev_hash, hash FROM dossier_events \
         WHERE dossier_id = $1 ORDER BY version",
    )
    .bind(id.0)
    .fetch_all(db.reader())
    .await?;
    let mut prev = GENESIS.to_string();
    for (i, r) in rows.iter().enumerate() {
        let version = r.get::<i64, _>(0) as u64;
        let stored_prev: String = r.get(5);
        let expected = chain_hash(
            &prev,
            id,
            version,
            r.get(2),
            r.get::<&str, _>(1),
            r.get::<&str, _>(3),
            r.get::<&str, _>(4),
        );
        if version != i as u64 + 1 || stored_prev != prev || r.get::<String, _>(6) != expected {
            return Err(StoreError::Corrupt(format!(
                "chuỗi băm của hồ sơ {id} sai ở sự kiện {version}"
            )));
        }
        prev = expected;
    }
    Ok(rows.len())
}

/// Rebuilds every projection row from the events; returns how many dossiers differed from what
/// was stored (0 when projections and events agree).
pub async fn rebuild_all(db: &Db) -> Result<usize> {
    let mut differing = 0;
    for id in db.dossier_ids().await? {
        let events = db.events(id).await?;
        let rebuilt = Dossier::replay(&events)
            .ok_or_else(|| StoreError::Corrupt(format!("hồ sơ {id} không có sự kiện mở")))?;
        let stored = db.dossier(id).await?;
        if stored.as_ref() != Some(&rebuilt) {
            differing += 1;
        }
        let mut tx = db.begin().await?;
        let Tx::Sqlite(inner) = &mut tx;
        write_projection(
            inner,
            &rebuilt,
            if stored.is_some() { None } else { Some(0) },
        )
        .await?;
        sqlx::query("UPDATE dossiers SET search_text = $2 WHERE id = $1 AND search_text <> $2")
            .bind(id.0)
            .bind(search_text(&rebuilt))
            .execute(&mut **inner)
            .await?;
        tx.commit().await?;
    }
    Ok(differing)
}
