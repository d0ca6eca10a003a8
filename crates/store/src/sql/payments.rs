//! Thanh toán — the payment queries both backends send.

use chrono::{DateTime, Utc};

use super::list::push_readable;
use super::{Dialect, Sql};
use crate::{MONEY_EVENT_KINDS, Visibility};

/// The columns of a payment attempt.
pub(crate) const COLUMNS: &str =
    "txn_ref, dossier_id, amount, created_ms, expires_ms, state, detail, updated_ms";

/// The money events recorded in `[from, to)` of dossiers `visible` allows (and received by
/// `receiving`, when given), oldest first, at most `limit`: the dossier's id, code, procedure
/// code and name, receiving and competent agencies, then the event's version, instant, actor
/// and payload.
///
/// Walked by time on the partial index `dossier_events_money` (its list of kinds repeated here,
/// so that PostgreSQL's planner can use it too; SQLite is told), whatever the other filters: a
/// unit's dossiers are many, a period's money events few.
pub(crate) fn money_events(
    dialect: Dialect,
    visible: &Visibility,
    receiving: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u32,
) -> Sql {
    let mut q = Sql::new(
        dialect,
        "SELECT d.id, d.code, d.procedure_code, d.procedure_name, d.receiving, d.competent, \
         e.version, e.at_ms, e.actor, e.payload FROM dossier_events e",
    );
    q.indexed_by("dossier_events_money")
        .push(" JOIN dossiers d ON d.id = e.dossier_id WHERE e.kind IN (")
        .push(&MONEY_EVENT_KINDS.map(|k| format!("'{k}'")).join(", "))
        .push(") AND e.at_ms >= ")
        .bind(from.timestamp_millis())
        .push(" AND e.at_ms < ")
        .bind(to.timestamp_millis());
    if let Some(r) = receiving {
        q.push(" AND d.receiving = ").bind(r);
    }
    if let Visibility::Within { agencies, .. } = visible {
        push_readable(&mut q, agencies);
    }
    // Ids compare as their 16 bytes on both (SQLite's blobs, PostgreSQL's uuids).
    q.push(" ORDER BY e.at_ms, d.id, e.version LIMIT ")
        .bind(i64::from(limit));
    q
}
