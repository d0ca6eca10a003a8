//! Hộp thư đi — the outbox queries both backends send.

use chrono::{DateTime, Utc};

use super::{Dialect, Sql};

/// The columns of a stored message.
pub(crate) const COLUMNS: &str = "id, kind, channel, recipient, subject, body, idempotency_key, \
    dossier_id, attempts, next_attempt_ms, last_error, state, created_ms, sent_ms";

/// The columns of a national acknowledgement.
pub(crate) const ACK_COLUMNS: &str = "dossier_id, code, receiving, agency, procedure, received_ms, \
    version, status, first_ms, last_ms";

/// The messages that failed (given up, or pending after a failure), newest first.
pub(crate) fn failed(dialect: Dialect, limit: u32) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!(
            "SELECT {COLUMNS} FROM outbox \
             WHERE state = 'dead' OR (state = 'pending' AND attempts > 0) \
             ORDER BY id DESC LIMIT "
        ),
    );
    q.bind(i64::from(limit));
    q
}

/// The messages of one kind, oldest first.
pub(crate) fn of_kind(dialect: Dialect, kind: &str, limit: u32) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!("SELECT {COLUMNS} FROM outbox WHERE kind = "),
    );
    q.bind(kind)
        .push(" ORDER BY id LIMIT ")
        .bind(i64::from(limit));
    q
}

/// The acknowledgements of dossiers received in `[from, to)`, in the order of reception.
pub(crate) fn acks(dialect: Dialect, from: DateTime<Utc>, to: DateTime<Utc>) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!("SELECT {ACK_COLUMNS} FROM national_sync WHERE received_ms >= "),
    );
    q.bind(from.timestamp_millis())
        .push(" AND received_ms < ")
        .bind(to.timestamp_millis())
        .push(" ORDER BY received_ms");
    q
}
