//! The SQLite backend: the whole contract (`tests/contract`), then what only this backend has —
//! the file's append-only guards, online backups, the upgrade of a database made by an earlier
//! build, and the URLs it refuses. Each test has its own database file.

mod contract;

use std::path::PathBuf;

use store::{Db, DossierFilter, Visibility};
use testsupport::kit::*;

/// A prepared database in its own directory, removed afterwards.
struct TempDb {
    db: Db,
    dir: PathBuf,
}

impl std::ops::Deref for TempDb {
    type Target = Db;

    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("motcua-sqlite-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn fresh(name: &str) -> TempDb {
    let dir = temp_dir(name);
    let db = Db::connect(&format!("sqlite:{}", dir.join("test.db").display()))
        .await
        .unwrap();
    contract::prepare(&db).await;
    TempDb { db, dir }
}

contract_tests!(fresh);

#[tokio::test]
async fn the_event_log_is_append_only_and_tampering_breaks_the_chain() {
    let s = fresh("tamper").await;
    let sim = Sim::in_approval();
    contract::save(&s, &sim).await.unwrap();
    let id = sim.d().id;
    let raw = rusqlite::Connection::open(s.dir.join("test.db")).unwrap();
    let err = raw
        .execute(
            "UPDATE dossier_events SET payload = replace(payload, 'Đủ điều kiện', 'Không đủ') \
             WHERE version = 4",
            [],
        )
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(raw.execute("DELETE FROM dossier_events", []).is_err());
    // Someone with file access who drops the guard is still caught by the chain.
    raw.execute_batch("DROP TRIGGER dossier_events_no_update")
        .unwrap();
    raw.execute(
        "UPDATE dossier_events SET at_ms = at_ms - 3600000 WHERE version = 2",
        [],
    )
    .unwrap();
    let err = s.verify_chain(id).await.unwrap_err();
    assert!(err.to_string().contains("sự kiện 2"), "{err}");
}

#[tokio::test]
async fn an_online_backup_is_a_usable_database() {
    let s = fresh("backup").await;
    contract::save(&s, &contract::with_code(&contract::code(4)))
        .await
        .unwrap();
    let copy = s.dir.join("backup.db");
    s.backup(&copy).await.unwrap();
    let restored = Db::connect(&format!("sqlite:{}", copy.display()))
        .await
        .unwrap();
    restored.migrate().await.unwrap();
    assert_eq!(restored.totals().await.unwrap().dossiers, 1);
    restored.close().await;
}

#[tokio::test]
async fn settling_after_a_load_empties_the_log_and_keeps_every_write() {
    let s = fresh("settle").await;
    for n in 1..=20 {
        contract::save(&s, &contract::with_code(&contract::code(n)))
            .await
            .unwrap();
    }
    let log = s.dir.join("test.db-wal");
    assert!(std::fs::metadata(&log).unwrap().len() > 0);
    s.settle().await.unwrap();
    assert_eq!(std::fs::metadata(&log).unwrap().len(), 0);
    assert_eq!(s.totals().await.unwrap().dossiers, 20);
    // Writes go on after it.
    contract::save(&s, &contract::with_code(&contract::code(21)))
        .await
        .unwrap();
    assert_eq!(s.totals().await.unwrap().dossiers, 21);
}

#[tokio::test]
async fn urls_without_a_file_or_backend_are_refused_in_vietnamese() {
    for url in ["sqlite::memory:", "sqlite:", "mysql://localhost/motcua"] {
        let err = Db::connect(url).await.unwrap_err();
        assert!(
            matches!(err, store::StoreError::Config(_)),
            "{url}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("sqlite:") && !text.contains("Error"),
            "{url}: {text}"
        );
    }
}

#[tokio::test]
async fn a_write_after_close_is_refused_and_writes_nothing() {
    let s = fresh("closed").await;
    s.close().await;
    let err = contract::save(&s, &contract::with_code(&contract::code(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, store::StoreError::Unavailable(_)), "{err:?}");
    let again = Db::connect(&format!("sqlite:{}", s.dir.join("test.db").display()))
        .await
        .unwrap();
    assert_eq!(again.totals().await.unwrap().dossiers, 0);
}

/// A database made by the build before this one (sqlx kept its migrations in
/// `_sqlx_migrations`, and there was no work order or branch table) is taken up where it was:
/// the new migration runs once, and its dossiers are listed for the officers who see them.
#[tokio::test]
async fn a_database_of_the_previous_build_is_upgraded_in_place() {
    const OLD: &[&str] = &[
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/sqlite/0002_search.sql"),
        include_str!("../migrations/sqlite/0003_dossier_states.sql"),
        include_str!("../migrations/sqlite/0004_attachments.sql"),
        include_str!("../migrations/sqlite/0005_citizens.sql"),
        include_str!("../migrations/sqlite/0006_admin.sql"),
        include_str!("../migrations/sqlite/0007_report_counts.sql"),
        include_str!("../migrations/sqlite/0008_report_rollups.sql"),
        include_str!("../migrations/sqlite/0009_outbox.sql"),
        include_str!("../migrations/sqlite/0010_access.sql"),
    ];
    // Today's database with two dossiers, to copy rows from.
    let today = fresh("upgrade-source").await;
    let mut moved = contract::with_code(&contract::code(1));
    contract::transfer(&mut moved);
    contract::save(&today, &moved).await.unwrap();
    contract::save(&today, &contract::with_code(&contract::code(2)))
        .await
        .unwrap();
    today.close().await;

    let dir = temp_dir("upgrade");
    let old_path = dir.join("old.db");
    {
        let mut old = rusqlite::Connection::open(&old_path).unwrap();
        let tx = old.transaction().unwrap();
        for sql in OLD {
            tx.execute_batch(sql).unwrap();
        }
        tx.execute_batch(
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
             checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
        )
        .unwrap();
        for v in 1..=OLD.len() as i64 {
            tx.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (?1, 'cũ', 1, x'00', 0)",
                [v],
            )
            .unwrap();
        }
        tx.execute(
            "ATTACH DATABASE ?1 AS today",
            [today.dir.join("test.db").display().to_string()],
        )
        .unwrap();
        let columns = |table: &str| -> String {
            let mut stmt = tx
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap();
            let names: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            names.join(", ")
        };
        for table in ["agencies", "dossiers", "dossier_states", "dossier_events"] {
            let cols = columns(table);
            tx.execute(
                &format!("INSERT INTO main.{table} ({cols}) SELECT {cols} FROM today.{table}"),
                [],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        old.execute("DETACH DATABASE today", []).unwrap();
    }

    let db = Db::connect(&format!("sqlite:{}", old_path.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    let tree = contract::tree();
    let vhxh = DossierFilter {
        limit: 10,
        visible: Visibility::Within {
            agencies: vec!["lao-cai.bao-thang.vhxh".into()],
            branches: vec![tree.branch_of(&id("lao-cai.bao-thang.vhxh")).to_string()],
        },
        ..Default::default()
    };
    let page = db.list_dossiers(&vhxh).await.unwrap();
    assert_eq!(
        page.rows
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        [contract::code(1)],
        "the unit finds the dossier it holds through its branch"
    );
    // Both open, both due on 14/12 09:00: the work order is by due instant, then id.
    let all = db
        .list_dossiers(&DossierFilter {
            limit: 10,
            visible: Visibility::All,
            open_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 2);
    assert_eq!(
        db.verify_chain(moved.d().id).await.unwrap(),
        moved.events.len()
    );
    assert_eq!(db.rebuild_projections().await.unwrap(), 0);
    db.close().await;
    let raw = rusqlite::Connection::open(&old_path).unwrap();
    let versions: i64 = raw
        .query_row("SELECT COUNT(*) FROM motcua_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, store::sqlite::MIGRATIONS.len() as i64);
    let plan: String = raw
        .query_row(
            "EXPLAIN QUERY PLAN SELECT version FROM procedure_versions WHERE code = 'x' \
             AND effective_from <= '2026-01-01' ORDER BY effective_from DESC, version DESC LIMIT 1",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(
        plan.contains("COVERING INDEX procedure_versions_in_force"),
        "the version in force is read from its index: {plan}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The search index is written at the end of each batch of writes: after dossiers are opened,
/// given their code and rebuilt, FTS5's own check finds it equal to the dossiers' text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_index_matches_the_dossiers_after_batched_writes() {
    let s = fresh("fts-integrity").await;
    contract::lists::a_code_given_at_reception_is_found_by_search_at_once(&s).await;
    s.rebuild_projections().await.unwrap();
    let raw = rusqlite::Connection::open(s.dir.join("test.db")).unwrap();
    raw.execute(
        "INSERT INTO dossier_search (dossier_search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    let queued: i64 = raw
        .query_row("SELECT COUNT(*) FROM dossier_search_queue", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(queued, 0);
}
