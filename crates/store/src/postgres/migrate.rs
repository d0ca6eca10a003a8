//! Cấu trúc cơ sở dữ liệu (PostgreSQL) — the migrations, embedded, applied in order in one
//! transaction each, under an advisory lock so that servers started together apply them once.
//!
//! PostgreSQL joined at SQLite's version 27: its first migration is the whole schema as
//! SQLite's 1–27 leave it. From 28 on, every version exists for both backends (see the test
//! in `tests/postgres.rs` that holds the lists and the resulting tables in step).

use deadpool_postgres::GenericClient;

use crate::{Result, StoreError};

use super::db_error;

/// Version, description, SQL.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        27,
        "schema",
        include_str!("../../migrations/postgres/0027_schema.sql"),
    ),
    (
        28,
        "the row the readiness check writes",
        include_str!("../../migrations/postgres/0028_write_probe.sql"),
    ),
    (
        29,
        "the log of officers' reads of personal data",
        include_str!("../../migrations/postgres/0029_personal_data_reads.sql"),
    ),
    (
        30,
        "officers' second factor (TOTP)",
        include_str!("../../migrations/postgres/0030_second_factor.sql"),
    ),
    (
        31,
        "officers' recovery codes for the second factor",
        include_str!("../../migrations/postgres/0031_recovery_codes.sql"),
    ),
];

/// SQLite's own machinery, which PostgreSQL does without: its full-text tables (PostgreSQL
/// indexes a generated tsvector instead), the queue that indexes them after a commit, and
/// SQLite's autoincrement bookkeeping.
pub const SQLITE_ONLY_TABLES: &[&str] =
    &["dossier_search", "dossier_search_queue", "sqlite_sequence"];

/// What only PostgreSQL has: tables, and columns as `table.column`.
pub const POSTGRES_ONLY: &[&str] = &[
    "motcua_province",
    "leases",
    "dossiers.search_words",
    "procedure_search.words",
];

/// Any key will do as long as every server uses the same one.
const MIGRATION_LOCK: i64 = 0x6d6f_7463_7561;

pub(super) async fn run(client: &mut deadpool_postgres::Object) -> Result<()> {
    for migration in MIGRATIONS {
        let tx = client.transaction().await.map_err(db_error)?;
        apply(&tx, migration).await?;
        tx.commit().await.map_err(db_error)?;
    }
    Ok(())
}

/// Applies every migration not yet applied in the caller's transaction (the move of a SQLite
/// database migrates its target in the transaction that fills it); returns how many it
/// applied, and the versions the database had that this build does not know (a newer build
/// migrated it).
pub(crate) async fn run_in(tx: &impl GenericClient) -> Result<(usize, Vec<i64>)> {
    let mut applied = 0;
    for migration in MIGRATIONS {
        if apply(tx, migration).await? {
            applied += 1;
        }
    }
    let known: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
    let mut unknown = Vec::new();
    for r in tx
        .query(
            "SELECT version FROM motcua_migrations ORDER BY version",
            &[],
        )
        .await
        .map_err(db_error)?
    {
        let version: i64 = r.try_get(0).map_err(db_error)?;
        if !known.contains(&version) {
            unknown.push(version);
        }
    }
    Ok((applied, unknown))
}

/// Applies one migration unless it is recorded, under the lock; whether it applied it.
async fn apply(
    tx: &impl GenericClient,
    (version, description, sql): &(i64, &str, &str),
) -> Result<bool> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db_error)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS motcua_migrations ( \
            version bigint PRIMARY KEY, description text NOT NULL, applied_ms bigint NOT NULL)",
    )
    .await
    .map_err(db_error)?;
    let done = tx
        .query_opt(
            "SELECT 1 FROM motcua_migrations WHERE version = $1",
            &[version],
        )
        .await
        .map_err(db_error)?;
    if done.is_some() {
        return Ok(false);
    }
    tx.batch_execute(sql).await.map_err(|e| {
        StoreError::Db(format!(
            "bước cập nhật cấu trúc {version} ({description}): {}",
            super::describe(&e)
        ))
    })?;
    tx.execute(
        "INSERT INTO motcua_migrations (version, description, applied_ms) VALUES ($1, $2, $3)",
        &[version, description, &chrono::Utc::now().timestamp_millis()],
    )
    .await
    .map_err(db_error)?;
    Ok(true)
}
