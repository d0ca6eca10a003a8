//! Tài khoản — the account queries both backends send.

use super::dossiers::ROW_COLUMNS;
use super::{Dialect, Sql};

/// Moves the end of a live session later (never earlier, and not once it has ended).
pub(crate) fn extend_session(
    dialect: Dialect,
    of: crate::SessionOf,
    token_hash: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Sql {
    let mut q = Sql::new(dialect, &format!("UPDATE {} SET expires_ms = ", of.table()));
    q.bind(expires_ms)
        .push(" WHERE token_hash = ")
        .bind(token_hash.to_string())
        .push(" AND expires_ms > ")
        .bind(now_ms)
        .push(" AND expires_ms < ")
        .bind(expires_ms);
    q
}

/// The columns of a citizen's account.
pub(crate) const CITIZEN_COLUMNS: &str = "id_number, name, phone, email";

/// The active officers with a role in one of `agencies`, each once, by user name (by bytes):
/// their bodies. None when no agency is given.
pub(crate) fn officers_in(dialect: Dialect, agencies: &[String]) -> Option<Sql> {
    if agencies.is_empty() {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT DISTINCT o.body, o.username");
    q.bytewise()
        .push(" FROM officers o JOIN officer_roles r ON r.officer = o.id WHERE ")
        .flag("o.active")
        .push(" AND r.agency IN (")
        .list(agencies.iter().cloned())
        .push(" ORDER BY o.username")
        .bytewise();
    Some(q)
}

/// Every officer's body, by user name (by bytes).
pub(crate) fn officers(dialect: Dialect) -> Sql {
    let mut q = Sql::new(dialect, "SELECT body FROM officers ORDER BY username");
    q.bytewise();
    q
}

/// The first citizen accounts made; on PostgreSQL, accounts made in the same millisecond come
/// by id number (SQLite gives those in the order they were written, which PostgreSQL does not
/// keep).
pub(crate) fn some_citizens(dialect: Dialect, limit: i64) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!("SELECT {CITIZEN_COLUMNS} FROM citizens ORDER BY created_ms"),
    );
    q.postgres(", id_number").push(" LIMIT ").bind(limit);
    q
}

/// The rows of a citizen's dossiers, most recent first (dossier ids are UUIDv7, ordered by
/// their bytes on both).
pub(crate) fn citizen_dossier_rows(dialect: Dialect, id_number: &str, limit: i64) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!(
            "SELECT {ROW_COLUMNS} FROM citizen_dossiers l JOIN dossiers d ON d.id = l.dossier \
             WHERE l.citizen = "
        ),
    );
    q.bind(id_number)
        .push(" ORDER BY d.id DESC LIMIT ")
        .bind(limit);
    q
}

/// The accounts locked at `now_ms`: (account, failures, locked until), the longest locked
/// first.
pub(crate) fn locked_accounts(dialect: Dialect, now_ms: i64) -> Sql {
    let mut q = Sql::new(
        dialect,
        "SELECT account, failures, locked_until_ms FROM login_failures WHERE locked_until_ms > ",
    );
    q.bind(now_ms)
        .push(" ORDER BY locked_until_ms DESC LIMIT 500");
    q
}

/// The deletions of what has expired, run together: officers' and citizens' sessions at
/// `now_ms`, idempotency keys made before `keys_before_ms`, and login failures idle since then
/// (or since now, whichever is earlier) and no longer locking their account.
pub(crate) fn purges(dialect: Dialect, now_ms: i64, keys_before_ms: i64) -> Vec<Sql> {
    let before = |text: &str, at: i64| {
        let mut q = Sql::new(dialect, text);
        q.bind(at);
        q
    };
    let idle = keys_before_ms.min(now_ms);
    let mut failures = before("DELETE FROM login_failures WHERE last_ms < ", idle);
    failures
        .push(" AND (locked_until_ms IS NULL OR locked_until_ms <= ")
        .bind(idle)
        .push(")");
    vec![
        before("DELETE FROM sessions WHERE expires_ms <= ", now_ms),
        before("DELETE FROM citizen_sessions WHERE expires_ms <= ", now_ms),
        before(
            "DELETE FROM idempotency_keys WHERE created_ms < ",
            keys_before_ms,
        ),
        failures,
    ]
}
