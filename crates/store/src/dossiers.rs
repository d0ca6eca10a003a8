//! Hồ sơ — the append-only, hash-chained event log of dossiers and what is written with each
//! change in the same transaction (the projection, the counters, the outbox, the citizen's
//! link, the idempotency key); the daily code sequences; lists with keyset pages; the public
//! lookup; the guidance log; and the reads the reports make of dossiers.

use std::any::Any;

use chrono::{DateTime, Utc};
use domain::dossier::{Dossier, DossierId, Fact, Recorded};
use domain::rating::Rating;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{IdempotencyKey, IdempotentResult, NewMessage, Result, StoreError};

/// Hash that starts every dossier's chain.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Hash of one event, chained to the previous one.
pub(crate) fn chain_hash(
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

/// Walks a dossier's stored events in order, checking that each chains to the one before:
/// versions 1, 2, 3…, each `prev_hash` the hash before it, each hash recomputed by
/// [`chain_hash`] from the stored bytes.
pub(crate) struct ChainCheck {
    id: DossierId,
    prev: String,
    events: usize,
}

/// One stored event as the chain covers it.
pub(crate) struct ChainedEvent<'a> {
    pub version: i64,
    pub kind: &'a str,
    pub at_ms: i64,
    pub actor: &'a str,
    pub payload: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl ChainCheck {
    pub fn new(id: DossierId) -> Self {
        ChainCheck {
            id,
            prev: GENESIS.to_string(),
            events: 0,
        }
    }

    /// The next event; [`StoreError::Corrupt`] naming it when it does not chain.
    pub fn next(&mut self, e: &ChainedEvent<'_>) -> Result<()> {
        let version = e.version as u64;
        let expected = chain_hash(
            &self.prev, self.id, version, e.at_ms, e.kind, e.actor, e.payload,
        );
        if version != self.events as u64 + 1 || e.prev_hash != self.prev || e.hash != expected {
            return Err(StoreError::Corrupt(format!(
                "chuỗi băm của hồ sơ {} sai ở sự kiện {version}",
                self.id
            )));
        }
        self.prev = expected;
        self.events += 1;
        Ok(())
    }

    /// How many events chained.
    pub fn events(&self) -> usize {
        self.events
    }
}

/// A dossier's events read once, for `motcua verify`: whether their hash chain holds, and the
/// events themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedEvents {
    /// How many events chain, or where the chain breaks.
    pub chain: std::result::Result<usize, String>,
    /// The events in order, or why one does not read.
    pub events: std::result::Result<Vec<domain::dossier::Recorded>, String>,
}

/// Builds [`CheckedEvents`] from the stored events in version order: the chain checked to its
/// first break, the events read to the first that does not.
pub(crate) struct EventsCheck {
    chain: ChainCheck,
    broken: Option<String>,
    events: std::result::Result<Vec<domain::dossier::Recorded>, String>,
}

impl EventsCheck {
    pub fn new(id: DossierId) -> Self {
        EventsCheck {
            chain: ChainCheck::new(id),
            broken: None,
            events: Ok(Vec::new()),
        }
    }

    pub fn next(&mut self, e: &ChainedEvent<'_>) {
        if self.broken.is_none()
            && let Err(err) = self.chain.next(e)
        {
            self.broken = Some(corrupt_text(err));
        }
        if let Ok(events) = &mut self.events {
            let read = crate::from_json(e.actor, "người thực hiện").and_then(|actor| {
                Ok(domain::dossier::Recorded {
                    version: e.version as u64,
                    at: crate::from_ms(e.at_ms),
                    actor,
                    event: crate::from_json(e.payload, "sự kiện")?,
                })
            });
            match read {
                Ok(r) => events.push(r),
                Err(err) => self.events = Err(corrupt_text(err)),
            }
        }
    }

    pub fn finish(self) -> CheckedEvents {
        CheckedEvents {
            chain: match self.broken {
                Some(why) => Err(why),
                None => Ok(self.chain.events()),
            },
            events: self.events,
        }
    }
}

/// What a [`StoreError::Corrupt`] says (any other error as it prints).
fn corrupt_text(e: StoreError) -> String {
    match e {
        StoreError::Corrupt(what) => what,
        other => other.to_string(),
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Order {
    /// Work order (officers' lists): dossiers being handled by their due instant, soonest
    /// first; then those waiting without one (online submissions to check), oldest first; then
    /// the ended ones by their due instant ([`due_sort`]).
    #[default]
    DueFirst,
    /// Most recently registered first.
    LatestFirst,
    /// In the order of reception (a log book).
    ReceivedFirst,
}

impl Order {
    fn letter(self) -> char {
        match self {
            Order::DueFirst => 'd',
            Order::LatestFirst => 'l',
            Order::ReceivedFirst => 'r',
        }
    }
}

/// The key of a dossier in the work order: open dossiers by due instant (ms); open ones without
/// a due instant after them, by registration; ended ones last, by due instant.
pub fn due_sort(d: &Dossier) -> i64 {
    const WAITING: i64 = 4_000_000_000_000_000;
    const ENDED: i64 = 8_000_000_000_000_000;
    let open = matches!(d.stage.national_status().code(), 1 | 2 | 4 | 5 | 6 | 7);
    match (open, d.due) {
        (true, Some(due)) => due.timestamp_millis(),
        (true, None) => WAITING + d.opened_at.timestamp_millis(),
        (false, due) => ENDED + due.map_or(0, |t| t.timestamp_millis()),
    }
}

/// Below this [`due_sort`] a dossier is being handled.
pub(crate) const OPEN_BELOW: i64 = 8_000_000_000_000_000;

/// Where a list may look: every dossier (a province-wide reader, or the system), or the
/// dossiers one of `agencies` may read (`domain::policy::read_agencies`) — found through the
/// `branches` they belong to (`domain::policy::read_branches`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    Within {
        agencies: Vec<String>,
        branches: Vec<String>,
    },
}

impl Default for Visibility {
    /// Nothing: a list says whom it is for.
    fn default() -> Self {
        Visibility::Within {
            agencies: Vec::new(),
            branches: Vec::new(),
        }
    }
}

/// Where a page ends: the sort key of its last row, for the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub order: Order,
    /// The sort key: [`due_sort`], the reception instant, or (latest first) 0.
    pub key: i64,
    pub id: uuid::Uuid,
}

impl Cursor {
    /// The cursor as a URL-safe text: `d1765000000000.0193…` (order, key, id).
    pub fn encode(&self) -> String {
        format!("{}{}.{}", self.order.letter(), self.key, self.id.simple())
    }

    /// Reads a cursor written by [`Cursor::encode`].
    pub fn parse(text: &str) -> Option<Cursor> {
        let mut chars = text.chars();
        let order = match chars.next()? {
            'd' => Order::DueFirst,
            'l' => Order::LatestFirst,
            'r' => Order::ReceivedFirst,
            _ => return None,
        };
        let (key, id) = chars.as_str().split_once('.')?;
        Some(Cursor {
            order,
            key: key.parse().ok()?,
            id: uuid::Uuid::try_parse(id).ok()?,
        })
    }
}

/// Filters of a dossier list. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    /// Whose list it is: what they may see.
    pub visible: Visibility,
    pub national_status: Vec<u8>,
    pub receiving: Option<String>,
    pub competent: Option<String>,
    pub current_unit: Option<String>,
    pub assignee: Option<String>,
    pub procedure_code: Option<String>,
    /// The applicant's personal id number or tax code.
    pub applicant_id: Option<String>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Only dossiers still being handled (not finished, not refused, not stopped).
    pub open_only: bool,
    /// Words to find (folded) in the code, the applicant's name and id number, the procedure.
    pub search: Option<String>,
    pub order: Order,
    pub limit: u32,
    /// The page after this one's end (none: the first page).
    pub after: Option<Cursor>,
}

/// A page of a dossier list.
#[derive(Debug, Clone, Default)]
pub struct DossierPage {
    pub rows: Vec<DossierRow>,
    /// How many dossiers match, counted up to [`SEARCH_COUNT_LIMIT`]: past it `total_exact` is
    /// false and there are more than `total`.
    pub total: i64,
    pub total_exact: bool,
    /// The cursor of the next page, when there is one.
    pub next: Option<Cursor>,
}

/// How far the matches of a list are counted. Someone reading a list needs "more than 1,000,
/// narrow it" rather than an exact figure that costs a pass over every match.
pub const SEARCH_COUNT_LIMIT: i64 = 1_000;

/// A dossier opened by [`crate::Db::open_dossier`]: its state, its events, and what is written
/// with it in the same transaction.
#[derive(Clone)]
pub struct Opening {
    pub dossier: Dossier,
    pub events: Vec<Recorded>,
    /// The dossier's facts, added to the report counters.
    pub counts: Vec<(Fact, i64)>,
    /// Messages telling the outside world (the applicant) about the opening.
    pub outbox: Vec<NewMessage>,
    /// A change of another dossier made with it (a correction records itself on the original).
    pub also: Option<Change>,
    /// The citizen's account that submitted it, which may then see and follow it.
    pub submitted_by: Option<String>,
    /// Who may find it in their lists.
    pub readers: Readers,
}

/// New events of an existing dossier (or of a new one, from version 0, in a bulk load), the
/// version they were decided on, and the state after.
#[derive(Clone)]
pub struct Change {
    pub dossier: Dossier,
    pub expected_version: u64,
    pub events: Vec<Recorded>,
    /// What the change does to the report counters (`domain::dossier::fact_delta`).
    pub counts: Vec<(Fact, i64)>,
    /// Messages telling the outside world about the change, written in the same transaction.
    pub outbox: Vec<NewMessage>,
    /// Who may find it in their lists after the change.
    pub readers: Readers,
}

/// Who may find a dossier in their lists: the agencies that may read it, and the branches of the
/// agency tree those lie in (a list walks a branch, then checks the agencies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readers {
    pub agencies: Vec<String>,
    pub branches: Vec<String>,
}

impl Readers {
    /// The readers of a dossier in this agency tree.
    pub fn of(d: &Dossier, tree: &domain::agency::AgencyTree) -> Readers {
        let strings =
            |v: Vec<domain::agency::AgencyId>| v.iter().map(ToString::to_string).collect();
        Readers {
            agencies: strings(domain::policy::read_agencies(d)),
            branches: strings(domain::policy::read_branches(d, tree)),
        }
    }
}

/// Why an opening wrote nothing.
#[derive(Debug)]
pub enum NotOpened<E> {
    /// The caller's rules refused it (the number was not used).
    Refused(E),
    /// The idempotency key was used before: what it created then.
    Replayed(IdempotentResult),
}

/// Builds an opening with the number it was given; a refusal is the caller's own value. It may
/// be called more than once (a backend may run a write again), each time for the same result.
pub type BuildOpening =
    Box<dyn FnMut(u32) -> std::result::Result<Opening, Box<dyn Any + Send>> + Send>;

/// Builds a change with the number it was given, and the value its caller gets (called as
/// [`BuildOpening`] is).
pub type BuildChange = Box<
    dyn FnMut(u32) -> std::result::Result<(Change, Box<dyn Any + Send>), Box<dyn Any + Send>>
        + Send,
>;

/// A dossier that ended, and its rating if one was given by the instant asked.
#[derive(Debug, Clone)]
pub struct EndedDossier {
    pub dossier: Dossier,
    pub rating: Option<Rating>,
}

/// One agency's figures, live from the projection (the leaders' overview).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitSummary {
    /// The deciding agency (cơ quan có thẩm quyền).
    pub agency: String,
    pub received: i64,
    pub resolved: i64,
    pub on_time: i64,
    pub open: i64,
    pub overdue: i64,
}

/// Một lần hướng dẫn — guidance given (ND 61/2018 Art. 15: its content is kept at the one-stop
/// unit), including the supplement slips of dossiers that were not received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidanceRecord {
    pub id: uuid::Uuid,
    pub agency: String,
    pub at: DateTime<Utc>,
    pub officer: Option<uuid::Uuid>,
    pub officer_name: String,
    /// Tại quầy, điện thoại, trực tuyến, bưu chính.
    pub channel: String,
    pub applicant_name: String,
    pub contact: Option<String>,
    pub procedure_code: Option<String>,
    pub procedure_name: Option<String>,
    pub content: String,
    /// Items to supplement when the dossier was not received (Phiếu yêu cầu bổ sung).
    pub missing: Vec<String>,
}

/// What a dossier is found by: its code (and provisional reference), the applicant's name and
/// id number, the procedure — folded.
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

/// Dossiers, their events, lists and the guidance log.
#[async_trait::async_trait]
pub trait DossierStore: Send + Sync {
    /// See [`crate::Db::open_dossier`]; the refusal is type-erased here.
    async fn open_dossier_with(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        idempotency: Option<IdempotencyKey>,
        build: BuildOpening,
    ) -> Result<std::result::Result<Dossier, NotOpened<Box<dyn Any + Send>>>>;

    /// Appends a change to a dossier, written only if the dossier is still at the version the
    /// change was decided on (else [`StoreError::Conflict`], nothing written).
    async fn change_dossier(&self, change: Change, recorded_at: DateTime<Utc>) -> Result<()>;

    /// See [`crate::Db::change_dossier_numbered`]; values are type-erased here.
    async fn change_dossier_with(
        &self,
        sequence: &str,
        day: &str,
        recorded_at: DateTime<Utc>,
        build: BuildChange,
    ) -> Result<std::result::Result<Box<dyn Any + Send>, Box<dyn Any + Send>>>;

    /// Writes many changes in one transaction, all or nothing (bulk loads: a generated history,
    /// an import). A change from version 0 opens its dossier.
    async fn write_dossiers(&self, changes: Vec<Change>, recorded_at: DateTime<Utc>) -> Result<()>;

    /// Raises a sequence's day to at least `last` (after a bulk load that numbered its own
    /// dossiers, or an import that keeps its codes).
    async fn raise_code_number(&self, sequence: &str, day: &str, last: u32) -> Result<()>;

    /// The current state of a dossier (from its projection).
    async fn dossier(&self, id: DossierId) -> Result<Option<Dossier>>;

    /// The current states of these dossiers, in the order asked; unknown ids are left out.
    async fn dossiers(&self, ids: &[uuid::Uuid]) -> Result<Vec<Dossier>>;

    /// The id of the dossier with this code (or this provisional reference).
    async fn dossier_id_by_code(&self, code: &str) -> Result<Option<DossierId>>;

    /// Every event of a dossier, in order.
    async fn events(&self, id: DossierId) -> Result<Vec<Recorded>>;

    /// The public view of a dossier by code (or provisional reference).
    async fn public_view(&self, code: &str) -> Result<Option<PublicView>>;

    /// A page of dossiers matching the filter, in the filter's order after its cursor, and how
    /// many match (counted up to [`SEARCH_COUNT_LIMIT`]). Costs the page, not the matches.
    async fn list_dossiers(&self, f: &DossierFilter) -> Result<DossierPage>;

    /// How many dossiers match the filter, every one counted (its cursor, order and limit are
    /// not used): for reports over a bounded period, not for open-ended lists.
    async fn count_dossiers(&self, f: &DossierFilter) -> Result<i64>;

    /// Ids of every dossier (for rebuilding and verification), in id order.
    async fn dossier_ids(&self) -> Result<Vec<DossierId>>;

    /// How many dossiers, events and guidance records are stored.
    async fn totals(&self) -> Result<Totals>;

    /// The stored projection row and state (JSON) of a dossier, for comparing with a rebuild.
    async fn projection_of(&self, id: DossierId) -> Result<Option<(DossierRow, String)>>;

    /// Checks a dossier's hash chain; returns the number of events verified, or
    /// [`StoreError::Corrupt`] naming the first event that does not chain.
    async fn verify_chain(&self, id: DossierId) -> Result<usize> {
        self.checked_events(id)
            .await?
            .chain
            .map_err(StoreError::Corrupt)
    }

    /// Reads a dossier's events once, checking their hash chain and reading each (see
    /// [`CheckedEvents`]).
    async fn checked_events(&self, id: DossierId) -> Result<CheckedEvents>;

    /// Rebuilds every projection from the events; returns how many dossiers differed from
    /// what was stored (0 when projections and events agree).
    async fn rebuild_projections(&self) -> Result<usize>;

    /// Dossiers received or decided by one of `agencies` whose handling ended (result ready,
    /// or stopped) in `[from_ms, to_ms)`, with the rating given by `rated_by_ms`. A page of at
    /// most `limit`, in id order after `after`.
    async fn ended_dossiers(
        &self,
        agencies: &[String],
        from_ms: i64,
        to_ms: i64,
        rated_by_ms: i64,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<EndedDossier>>;

    /// Figures per deciding agency among `visible` agencies, for dossiers received or resolved
    /// in `[from_ms, to_ms)`, and open ones as at `now_ms`.
    async fn unit_summary(
        &self,
        visible: &[String],
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<UnitSummary>>;

    /// Dossiers late in a period, among those decided by `visible` agencies (of `procedures`,
    /// when given): ended in `[from_ms, to_ms)` after their due instant, or still being handled
    /// at `cut_ms` past it. At most `limit`, soonest due first.
    async fn late_dossier_ids(
        &self,
        visible: &[String],
        procedures: Option<&[String]>,
        from_ms: i64,
        to_ms: i64,
        cut_ms: i64,
        limit: i64,
    ) -> Result<Vec<uuid::Uuid>>;

    /// Dossiers of these deciding agencies received before `to_ms` and not ended before
    /// `from_ms` (what a period's index judges), earliest due first, at most 20,000.
    async fn dossiers_handled_between(
        &self,
        competent: &[String],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<uuid::Uuid>>;

    /// Logs guidance given. With an idempotency key, a key used before logs nothing and
    /// answers what it was first used for.
    async fn add_guidance(
        &self,
        g: &GuidanceRecord,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<std::result::Result<(), IdempotentResult>>;

    /// One guidance record by its id.
    async fn guidance_record(&self, id: uuid::Uuid) -> Result<Option<GuidanceRecord>>;

    /// Guidance given by agencies in `[from, to)`, newest first.
    async fn guidance(
        &self,
        agencies: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<GuidanceRecord>>;
}

/// The conflict of a change decided on an old version.
pub(crate) fn conflict(expected: u64) -> StoreError {
    StoreError::Conflict { expected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_refuse_nonsense() {
        let c = Cursor {
            order: Order::DueFirst,
            key: 1_765_000_000_000,
            id: uuid::Uuid::from_u128(7),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for bad in ["", "x1.00", "d.", "dabc.0193", "d1.nope"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    /// The hash of an event is that of its parts in text, a line each: stored chains depend on
    /// it never changing.
    #[test]
    fn an_events_hash_is_that_of_its_parts_a_line_each() {
        let id = DossierId(uuid::Uuid::from_u128(
            0x0193_0000_0000_7000_8000_0000_0000_00ff,
        ));
        let hash = chain_hash(
            GENESIS,
            id,
            12,
            -1_765_000_000_123,
            "opened",
            "{}",
            "{\"a\":1}",
        );
        let text = format!(
            "{GENESIS}\n01930000-0000-7000-8000-0000000000ff\n12\n-1765000000123\nopened\n{{}}\n{{\"a\":1}}\n"
        );
        assert_eq!(hash, hex::encode(Sha256::digest(text.as_bytes())));
        assert_eq!(hash.len(), 64);
    }
}
