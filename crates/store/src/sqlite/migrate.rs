//! Cấu trúc cơ sở dữ liệu — the migrations, embedded, applied in order, each in its own
//! transaction, and what Rust computes after some of them (folded search text, the work order
//! and the branches of existing dossiers). A database made by an earlier build, which kept its
//! list in `_sqlx_migrations`, is taken up where it was.

use std::collections::HashSet;

use domain::agency::{Agency, AgencyTree};
use domain::dossier::Dossier;
use domain::procedure::ProcedureVersion;
use rusqlite::Connection;

use super::uuid;
use crate::{Result, from_json};

/// Version, description, SQL.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "search",
        include_str!("../../migrations/sqlite/0002_search.sql"),
    ),
    (
        3,
        "dossier states",
        include_str!("../../migrations/sqlite/0003_dossier_states.sql"),
    ),
    (
        4,
        "attachments",
        include_str!("../../migrations/sqlite/0004_attachments.sql"),
    ),
    (
        5,
        "citizens",
        include_str!("../../migrations/sqlite/0005_citizens.sql"),
    ),
    (
        6,
        "admin",
        include_str!("../../migrations/sqlite/0006_admin.sql"),
    ),
    (
        7,
        "report counts",
        include_str!("../../migrations/sqlite/0007_report_counts.sql"),
    ),
    (
        8,
        "report rollups",
        include_str!("../../migrations/sqlite/0008_report_rollups.sql"),
    ),
    (
        9,
        "outbox",
        include_str!("../../migrations/sqlite/0009_outbox.sql"),
    ),
    (
        10,
        "access",
        include_str!("../../migrations/sqlite/0010_access.sql"),
    ),
    (
        11,
        "keyset lists",
        include_str!("../../migrations/sqlite/0011_keyset_lists.sql"),
    ),
    (
        12,
        "search queue",
        include_str!("../../migrations/sqlite/0012_search_queue.sql"),
    ),
    (
        13,
        "versions in force",
        include_str!("../../migrations/sqlite/0013_versions_in_force.sql"),
    ),
    (
        14,
        "download links",
        include_str!("../../migrations/sqlite/0014_download_links.sql"),
    ),
    (
        15,
        "payment attempts",
        include_str!("../../migrations/sqlite/0015_payment_attempts.sql"),
    ),
    (
        16,
        "money events by time",
        include_str!("../../migrations/sqlite/0016_money_events.sql"),
    ),
    (
        17,
        "national portal sync",
        include_str!("../../migrations/sqlite/0017_national_sync.sql"),
    ),
    (
        18,
        "national identity sign-in, registrations confirmed by a code",
        include_str!("../../migrations/sqlite/0018_national_identity.sql"),
    ),
    (
        19,
        "population database lookups",
        include_str!("../../migrations/sqlite/0019_population_lookups.sql"),
    ),
    (
        20,
        "feedback and petitions",
        include_str!("../../migrations/sqlite/0020_feedback.sql"),
    ),
    (
        21,
        "feedback listed by its petitioner",
        include_str!("../../migrations/sqlite/0021_feedback_petitioner.sql"),
    ),
    (
        22,
        "satisfaction surveys",
        include_str!("../../migrations/sqlite/0022_surveys.sql"),
    ),
    (
        23,
        "anonymous feedback confirmed by a code, feedback from the national system",
        include_str!("../../migrations/sqlite/0023_feedback_pending.sql"),
    ),
    (
        24,
        "the queue: service areas, tickets and their changes, open counters",
        include_str!("../../migrations/sqlite/0024_queue.sql"),
    ),
    (
        25,
        "bookings of time slots at the counter, and each centre's booking rules",
        include_str!("../../migrations/sqlite/0025_bookings.sql"),
    ),
    (
        26,
        "the official form files attached to procedures",
        include_str!("../../migrations/sqlite/0026_procedure_forms.sql"),
    ),
    (
        27,
        "the state of a ticket as a column, to read only the tickets still in the queue",
        include_str!("../../migrations/sqlite/0027_ticket_state.sql"),
    ),
    (
        28,
        "the row the readiness check writes",
        include_str!("../../migrations/sqlite/0028_write_probe.sql"),
    ),
    (
        29,
        "the log of officers' reads of personal data",
        include_str!("../../migrations/sqlite/0029_personal_data_reads.sql"),
    ),
    (
        30,
        "officers' second factor (TOTP)",
        include_str!("../../migrations/sqlite/0030_second_factor.sql"),
    ),
    (
        31,
        "officers' recovery codes for the second factor",
        include_str!("../../migrations/sqlite/0031_recovery_codes.sql"),
    ),
];

/// Applies what is not applied yet, with what Rust computes after them, in one transaction:
/// a migration that fails leaves the database as it was.
pub(super) fn run(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS motcua_migrations ( \
           version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_ms INTEGER NOT NULL)",
    )?;
    let from_sqlx: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = '_sqlx_migrations')",
        [],
        |r| r.get(0),
    )?;
    if from_sqlx {
        tx.execute_batch(
            "INSERT OR IGNORE INTO motcua_migrations (version, description, applied_ms) \
             SELECT version, description, 0 FROM _sqlx_migrations WHERE success",
        )?;
    }
    let applied: HashSet<i64> = {
        let mut stmt = tx.prepare("SELECT version FROM motcua_migrations")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?
    };
    let mut new = Vec::new();
    for (version, description, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO motcua_migrations (version, description, applied_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, description, chrono::Utc::now().timestamp_millis()],
        )?;
        new.push(*version);
    }
    if new.contains(&2) {
        backfill_search(&tx)?;
    }
    if new.contains(&11) {
        rescope(&tx)?;
    }
    tx.commit()?;
    for (version, description, _) in MIGRATIONS.iter().filter(|m| new.contains(&m.0)) {
        tracing::info!(version, description, "migration applied");
    }
    Ok(())
}

fn states(conn: &Connection) -> Result<Vec<Dossier>> {
    let mut stmt = conn.prepare("SELECT state FROM dossier_states")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    rows.iter().map(|s| from_json(s, "hồ sơ")).collect()
}

/// Indexes every procedure version and dossier for search (when the search tables are new).
fn backfill_search(tx: &Connection) -> Result<()> {
    let versions: Vec<ProcedureVersion> = {
        let mut stmt = tx.prepare("SELECT body FROM procedure_versions")?;
        let bodies: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        bodies
            .iter()
            .map(|b| from_json(b, "phiên bản thủ tục"))
            .collect::<Result<_>>()?
    };
    tx.execute("DELETE FROM procedure_search", [])?;
    for v in &versions {
        let (name, body) = crate::procedure_search_text(v);
        tx.execute(
            "INSERT INTO procedure_search (code, version, name, body) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![v.code.as_str(), i64::from(v.version), name, body],
        )?;
    }
    for d in states(tx)? {
        tx.execute(
            "UPDATE dossiers SET search_text = ?2 WHERE id = ?1",
            rusqlite::params![uuid(d.id.0), crate::dossiers::search_text(&d)],
        )?;
    }
    tx.execute(
        "INSERT INTO dossier_search (dossier_search) VALUES ('rebuild')",
        [],
    )?;
    // The rebuild indexed every dossier: nothing is left for the writer's queue.
    tx.execute("DELETE FROM dossier_search_queue", [])?;
    Ok(())
}

/// Recomputes the work order and the readers of every dossier from its state and the agency
/// tree stored (when the columns are new, or the tree was reorganised).
pub(super) fn rescope(c: &Connection) -> Result<()> {
    let agencies: Vec<Agency> = {
        let mut stmt = c.prepare("SELECT body FROM agencies")?;
        let bodies: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        bodies
            .iter()
            .map(|b| from_json(b, "cơ quan"))
            .collect::<Result<_>>()?
    };
    let tree = AgencyTree::new(agencies);
    c.execute_batch("DELETE FROM dossier_scope; DELETE FROM dossier_readers;")?;
    let mut sort = c.prepare("UPDATE dossiers SET due_sort = ?2 WHERE id = ?1")?;
    for d in states(c)? {
        let key = crate::due_sort(&d);
        sort.execute(rusqlite::params![uuid(d.id.0), key])?;
        super::dossiers::write_readers(c, d.id, &crate::Readers::of(&d, &tree), key)?;
    }
    Ok(())
}
