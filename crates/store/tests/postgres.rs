//! The PostgreSQL backend, against a real server (a throwaway cluster, see `testsupport::pg`):
//! its schema in step with SQLite's, migrations applied once however many servers start
//! together, and the logs that must only grow.

use std::collections::BTreeSet;

use store::postgres::{self, Postgres};

/// Tables and `table.column`s of a migrated SQLite database.
async fn sqlite_schema() -> BTreeSet<String> {
    let dir = std::env::temp_dir().join(format!("motcua-pg-parity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("parity.db");
    let db = store::Db::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.close().await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = BTreeSet::new();
    for table in tables {
        // FTS5 keeps shadow tables beside each index (dossier_search_data, …); the index of
        // procedures is a plain table on PostgreSQL, compared like the others.
        if postgres::SQLITE_ONLY_TABLES
            .iter()
            .any(|t| table == *t || table.starts_with(&format!("{t}_")))
            || table.starts_with("procedure_search_")
        {
            continue;
        }
        let mut stmt = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap();
        for column in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            out.insert(format!("{table}.{}", column.unwrap()));
        }
        out.insert(table);
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

async fn postgres_schema(url: &str) -> BTreeSet<String> {
    let client = raw(url).await;
    let rows = client
        .query(
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t USING (table_schema, table_name) \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
            &[],
        )
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for r in rows {
        let (table, column): (String, String) = (r.get(0), r.get(1));
        out.insert(format!("{table}.{column}"));
        out.insert(table);
    }
    out
}

#[tokio::test]
async fn the_schema_has_the_tables_and_columns_of_sqlites() {
    let Some(url) = testsupport::pg::database("parity") else {
        return;
    };
    let pg = Postgres::open(&url).await.unwrap();
    pg.migrate().await.unwrap();
    let mut on_postgres = postgres_schema(&url).await;
    for only in postgres::POSTGRES_ONLY {
        assert!(on_postgres.remove(*only), "{only} is not in the schema");
        on_postgres.retain(|c| !c.starts_with(&format!("{only}.")));
    }
    let on_sqlite = sqlite_schema().await;
    let missing: Vec<_> = on_sqlite.difference(&on_postgres).collect();
    let extra: Vec<_> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not on PostgreSQL: {missing:?}\nonly on PostgreSQL: {extra:?}"
    );
}

#[test]
fn every_sqlite_migration_from_27_has_its_postgres_twin() {
    let first = postgres::MIGRATIONS[0].0;
    assert_eq!(first, 27);
    let sqlite: Vec<i64> = store::sqlite::MIGRATIONS
        .iter()
        .map(|m| m.0)
        .filter(|v| *v >= first)
        .collect();
    let pg: Vec<i64> = postgres::MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(sqlite, pg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_started_together_migrate_once() {
    let Some(url) = testsupport::pg::database("together") else {
        return;
    };
    let (a, b) = (
        Postgres::open(&url).await.unwrap(),
        Postgres::open(&url).await.unwrap(),
    );
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    a.migrate().await.unwrap();
    let client = raw(&url).await;
    let applied: i64 = client
        .query_one("SELECT count(*) FROM motcua_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, postgres::MIGRATIONS.len() as i64);
}

#[tokio::test]
async fn the_event_log_and_the_administration_log_only_grow() {
    let Some(url) = testsupport::pg::database("append") else {
        return;
    };
    let pg = Postgres::open(&url).await.unwrap();
    pg.migrate().await.unwrap();
    let client = raw(&url).await;
    client
        .batch_execute(
            "INSERT INTO admin_log (at_ms, actor, action, detail) VALUES (1, 'quantri', 'thử', 'một'); \
             INSERT INTO dossier_events VALUES \
             ('01938e5a-0000-7000-8000-000000000001', 1, 'received', 1, 1, '{}', '{}', '', 'h1')",
        )
        .await
        .unwrap();
    for sql in [
        "UPDATE admin_log SET detail = 'hai'",
        "DELETE FROM admin_log",
        "TRUNCATE admin_log",
        "UPDATE dossier_events SET payload = '{\"x\":1}'",
        "DELETE FROM dossier_events",
        "TRUNCATE dossier_events",
    ] {
        let err = client.batch_execute(sql).await.unwrap_err();
        let message = err.as_db_error().map(|e| e.message().to_string());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.ends_with("is append-only")),
            "{sql}: {err}"
        );
    }
    let rows: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM admin_log) + (SELECT count(*) FROM dossier_events)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_held_by_one_server_until_it_lapses_or_is_given_up() {
    use store::ClusterStore;
    let Some(url) = testsupport::pg::database("lease") else {
        return;
    };
    let (a, b) = (
        Postgres::open(&url).await.unwrap(),
        Postgres::open(&url).await.unwrap(),
    );
    a.migrate().await.unwrap();
    // Asked at once by two servers: one holds it.
    let (ra, rb) = tokio::join!(
        a.hold_lease("jobs", "a", 1_000, 4_000),
        b.hold_lease("jobs", "b", 1_000, 4_000)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra ^ rb, "a: {ra}, b: {rb}");
    let (holder, other) = if ra { (&a, "b") } else { (&b, "a") };
    let holder_name = if ra { "a" } else { "b" };
    // Renewed by its holder, refused to the other while it runs.
    assert!(
        holder
            .hold_lease("jobs", holder_name, 3_000, 6_000)
            .await
            .unwrap()
    );
    assert!(!a.hold_lease("jobs", other, 5_999, 9_000).await.unwrap());
    // Lapsed: the other takes it, and the first no longer holds it.
    assert!(a.hold_lease("jobs", other, 6_001, 9_000).await.unwrap());
    assert!(
        !b.hold_lease("jobs", holder_name, 6_002, 9_000)
            .await
            .unwrap()
    );
    // Given up: taken at once; giving up a lease one does not hold changes nothing.
    a.release_lease("jobs", holder_name).await.unwrap();
    assert!(
        !a.hold_lease("jobs", holder_name, 6_003, 9_000)
            .await
            .unwrap()
    );
    a.release_lease("jobs", other).await.unwrap();
    assert!(
        a.hold_lease("jobs", holder_name, 6_004, 9_000)
            .await
            .unwrap()
    );
    // Leases of other jobs are apart.
    assert!(b.hold_lease("other", other, 6_004, 9_000).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_reaches_every_server_listening() {
    use store::ClusterStore;
    let Some(url) = testsupport::pg::database("signal") else {
        return;
    };
    let (a, b) = (
        Postgres::open(&url).await.unwrap(),
        Postgres::open(&url).await.unwrap(),
    );
    a.migrate().await.unwrap();
    let mut heard_a = a.signals().await.unwrap().unwrap();
    let mut heard_b = b.signals().await.unwrap().unwrap();
    a.signal("{\"kind\":\"agencies\",\"from\":\"a\"}")
        .await
        .unwrap();
    b.signal("Mời số 0007 đến quầy số 3").await.unwrap();
    for heard in [&mut heard_a, &mut heard_b] {
        assert_eq!(
            heard.recv().await.unwrap(),
            "{\"kind\":\"agencies\",\"from\":\"a\"}"
        );
        assert_eq!(heard.recv().await.unwrap(), "Mời số 0007 đến quầy số 3");
    }
    // Too long for NOTIFY: refused whole, nothing sent.
    let long = "x".repeat(store::SIGNAL_LIMIT + 1);
    assert!(a.signal(&long).await.is_err());
    a.signal("sau").await.unwrap();
    assert_eq!(heard_b.recv().await.unwrap(), "sau");
}

#[test]
fn a_url_is_printed_without_its_password() {
    assert_eq!(
        store::without_password("postgres://motcua:bi-mat@db.laocai.gov.vn:5432/motcua"),
        "postgres://motcua:***@db.laocai.gov.vn:5432/motcua"
    );
    assert_eq!(
        store::without_password("postgres://motcua@127.0.0.1/x"),
        "postgres://motcua@127.0.0.1/x"
    );
    assert_eq!(
        store::without_password("sqlite:data/motcua.db"),
        "sqlite:data/motcua.db"
    );
    // A primary and its standby; a password given as a parameter.
    assert_eq!(
        store::without_password(
            "postgres://motcua:bi-mat@db1:5432,db2:5432/motcua?target_session_attrs=read-write"
        ),
        "postgres://motcua:***@db1:5432,db2:5432/motcua?target_session_attrs=read-write"
    );
    assert_eq!(
        store::without_password(
            "postgres://motcua@db1,db2/motcua?password=bi-mat&target_session_attrs=read-write"
        ),
        "postgres://motcua@db1,db2/motcua?password=***&target_session_attrs=read-write"
    );
}

#[tokio::test]
async fn a_bad_url_or_an_absent_server_is_said_plainly() {
    let err = Postgres::open("postgres://motcua@127.0.0.1:cong/x")
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("không hợp lệ"), "{err}");
    let err = Postgres::open("postgres://motcua@127.0.0.1:1/khong_co")
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("không kết nối được PostgreSQL: máy chủ từ chối kết nối"),
        "{err}"
    );
    // A server that is there, without the database.
    let Some(url) = testsupport::pg::database("absent") else {
        return;
    };
    let (server, _) = url.rsplit_once('/').unwrap();
    let err = Postgres::open(&format!("{server}/chua_tao"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("cơ sở dữ liệu chưa có"), "{err}");
}

// ---- The whole contract, on a fresh database each. ----

mod contract;
mod moving;

/// A migrated database of its own on the test cluster, holding the contract's agencies.
async fn fresh(name: &str) -> Option<store::Db> {
    let url = testsupport::pg::database(name)?;
    let db = store::Db::connect(&url).await.unwrap();
    contract::prepare(&db).await;
    Some(db)
}

contract_tests!(optional fresh);

/// Một máy chính, một máy dự phòng: with both servers in the URL and
/// `target_session_attrs=read-write`, the store connects to whichever takes writes — passing
/// over a hot standby listed first, and, when the primary goes away and the standby is
/// promoted, reconnecting to it by itself (its pooled connections to the old primary are
/// dropped as closed; the listener reconnects), with no restart of the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_go_to_the_primary_and_follow_a_promoted_standby() {
    use store::{Backend, ClusterStore, StoreError};
    let Some(primary) = testsupport::pg::Cluster::primary("failover-primary") else {
        return;
    };
    primary.sql("postgres", "CREATE DATABASE motcua");
    let only_primary = format!("{}/motcua", primary.base());
    let first = Postgres::open(&only_primary).await.unwrap();
    first.migrate().await.unwrap();
    first.close().await;
    let standby = primary.standby("failover-standby");
    // The standby follows: the schema is there, and it takes no writes.
    assert_eq!(standby.sql("motcua", "SELECT pg_is_in_recovery()"), "t");
    let on_standby_alone = Postgres::open(&format!("{}/motcua", standby.base()))
        .await
        .unwrap();
    assert!(matches!(
        on_standby_alone.probe_write(1).await,
        Err(StoreError::Unwritable(_))
    ));
    on_standby_alone.close().await;

    // Both listed, the standby first: the store goes to the primary.
    let both = format!(
        "postgres://motcua@127.0.0.1:{},127.0.0.1:{}/motcua?target_session_attrs=read-write",
        standby.port, primary.port
    );
    let db = Postgres::open(&both).await.unwrap();
    db.probe_write(1_000).await.unwrap();
    let probe = "SELECT max(at_ms) FROM write_probe";
    assert_eq!(primary.sql("motcua", probe), "1000");
    let mut heard = db.signals().await.unwrap().unwrap();
    db.signal("trước").await.unwrap();
    assert_eq!(heard.recv().await.unwrap(), "trước");

    // The primary goes away (every connection to it ends); the standby is promoted.
    drop(primary);
    standby.promote();
    // The same store writes on: a request caught in the switch may be refused as the database
    // being unreachable or read-only (503 to a client, nothing written), never anything else.
    let mut refused = 0;
    loop {
        match db.probe_write(2_000).await {
            Ok(()) => break,
            Err(StoreError::Unavailable(_) | StoreError::Unwritable(_)) if refused < 300 => {
                refused += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("after {refused} refusals: {e}\n{}", standby.log()),
        }
    }
    assert_eq!(standby.sql("motcua", probe), "2000");
    assert_eq!(standby.sql("motcua", "SELECT pg_is_in_recovery()"), "f");
    // The servers hear each other again: the listener reconnected to the new primary.
    let mut said = 0;
    let heard_again = loop {
        db.signal("sau").await.unwrap();
        said += 1;
        match tokio::time::timeout(std::time::Duration::from_millis(500), heard.recv()).await {
            Ok(Some(text)) => break text,
            Ok(None) => panic!("the listener gave up"),
            Err(_) if said < 60 => {}
            Err(_) => panic!("nothing heard after {said} signals\n{}", standby.log()),
        }
    };
    assert_eq!(heard_again, "sau");
    db.close().await;
}
