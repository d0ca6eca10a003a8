//! `store::moving`: a commune's SQLite database moved into its province's PostgreSQL database
//! — the copy whole and verified, a second run that writes nothing, a run after the commune
//! kept working, the province's own catalogue and counters, and every refusal writing nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use domain::dossier::{Fact, Measure};
use store::moving::{MoveOptions, MoveReport, sqlite_to_postgres};
use store::{Db, DossierFilter, StoreError, Visibility};
use testsupport::kit::*;

use crate::contract::{self, change, code, opening, save, transfer, with_code};

/// A migrated SQLite database of its own holding the contract's agencies.
async fn commune(name: &str) -> (PathBuf, Db) {
    let dir = std::env::temp_dir().join(format!("motcua-move-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("xa.db");
    let db = Db::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    contract::prepare(&db).await;
    (path, db)
}

/// One received dossier at Bảo Thắng's counter, counted once.
fn counted(sim: &Sim, measure: Measure, from: u64) -> store::Change {
    let mut c = change(sim, from);
    c.counts = vec![(
        Fact {
            agency: sim.d().competent.to_string(),
            procedure: "1.004884".into(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            channel: 1,
            measure,
        },
        1,
    )];
    c
}

/// Writes `sims` as new dossiers, each counted as received.
async fn write(db: &Db, sims: &[&Sim]) {
    db.write_dossiers(
        sims.iter()
            .map(|s| counted(s, Measure::Received, 0))
            .collect(),
        t("2026-12-07 09:00"),
    )
    .await
    .unwrap();
}

/// Rows of every table of a PostgreSQL database.
async fn snapshot(url: &str) -> BTreeMap<String, i64> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = BTreeMap::new();
    for t in tables {
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM \"{t}\""), &[])
            .await
            .unwrap()
            .get(0);
        out.insert(t, n);
    }
    out
}

async fn run(path: &std::path::Path, url: &str) -> Result<MoveReport, StoreError> {
    sqlite_to_postgres(path, url, MoveOptions::default()).await
}

/// The move's refusal, having checked that it wrote nothing (every table's rows as before).
async fn refused(path: &std::path::Path, url: &str) -> StoreError {
    let before = snapshot(url).await;
    let err = run(path, url).await.unwrap_err();
    assert_eq!(snapshot(url).await, before, "{err}");
    err
}

fn table<'a>(r: &'a MoveReport, name: &str) -> &'a store::moving::TableReport {
    r.tables.iter().find(|t| t.table == name).unwrap()
}

async fn all_dossiers(db: &Db) -> usize {
    db.list_dossiers(&DossierFilter {
        visible: Visibility::All,
        limit: 100,
        ..Default::default()
    })
    .await
    .unwrap()
    .rows
    .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_moves_whole_and_a_second_run_writes_nothing() {
    let Some(url) = testsupport::pg::database("move_whole") else {
        return;
    };
    let (path, xa) = commune("whole").await;
    let mai = officer(
        "Lò Thị Mai",
        domain::officer::Role::CounterOfficer,
        "lao-cai.bao-thang.mot-cua",
    );
    let mai = mai.officer().unwrap().clone();
    xa.add_officer(
        &mai,
        "hash-mai",
        Some(&contract::entry("tạo tài khoản", "mai")),
    )
    .await
    .unwrap();
    let mut first = with_code(&code(1));
    let second = with_code(&code(2));
    write(&xa, &[&first, &second]).await;
    // A numbered opening, which takes the day's code sequence.
    xa.open_dossier(
        "lao-cai.bao-thang.mot-cua",
        "2026-12-07",
        t("2026-12-07 09:30"),
        None,
        |n| Ok::<_, ()>(opening(&with_code(&code(n + 10)))),
    )
    .await
    .unwrap()
    .unwrap();
    let citizen = store::CitizenAccount {
        id_number: "010090012345".into(),
        name: "Lù Văn Páo".into(),
        phone: None,
        email: None,
    };
    xa.add_citizen(&citizen, "hash-pao", 1).await.unwrap();
    xa.link_citizen_dossier(&citizen.id_number, first.d().id.0, "receipt", 2)
        .await
        .unwrap();
    let content = b"%PDF-1.7 to khai";
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(content))
    };
    xa.put_attachment(&sha, "application/pdf", content, "officer:mai", 3)
        .await
        .unwrap();
    xa.enqueue_messages(
        &[contract::message("k-1", store::Channel::Email)],
        t("2026-12-07 09:00"),
    )
    .await
    .unwrap();
    xa.close().await;

    // The target is a new, empty database: its schema is made in the move's transaction.
    let r = run(&path, &url).await.unwrap();
    assert!(r.written);
    assert_eq!(r.migrated, store::postgres::MIGRATIONS.len());
    assert_eq!(r.province, Some(("H38".into(), "UBND tỉnh Lào Cai".into())));
    assert_eq!((r.dossiers.new, r.dossiers.present), (3, 0));
    assert_eq!(r.chains_verified, 3);
    assert_eq!(r.events, r.events_verified);
    assert_eq!(r.files_verified, 1);
    for t in &r.tables {
        if t.not_copied.is_none() {
            assert_eq!(t.copied, t.source, "{t:?}");
        }
    }
    assert_eq!(table(&r, "officers").copied, 1);
    assert_eq!(table(&r, "dossier_code_seq").copied, 1);
    assert_eq!(table(&r, "outbox").copied, 1);
    assert_eq!(table(&r, "report_counts").copied, 1);

    // The province's server reads what the commune had.
    let xa = Db::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let tinh = Db::connect(&url).await.unwrap();
    assert_eq!(all_dossiers(&tinh).await, 3);
    assert!(tinh.public_view(&code(2)).await.unwrap().is_some());
    assert_eq!(
        tinh.verify_chain(first.d().id).await.unwrap(),
        first.events.len()
    );
    assert_eq!(
        tinh.all_counts().await.unwrap(),
        xa.all_counts().await.unwrap()
    );
    assert_eq!(tinh.rollup_mismatches().await.unwrap(), 0);
    assert!(
        tinh.officer_by_username(&mai.username)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        tinh.citizen_has_dossier(&citizen.id_number, first.d().id.0)
            .await
            .unwrap()
    );
    assert_eq!(
        tinh.attachment(&sha).await.unwrap().unwrap().content,
        content.to_vec()
    );
    assert_eq!(
        tinh.admin_log_lines(10).await.unwrap().len(),
        2,
        "the commune's line and the move's"
    );

    // Again: nothing is written.
    let before = snapshot(&url).await;
    let again = run(&path, &url).await.unwrap();
    assert!(!again.written);
    assert_eq!((again.dossiers.new, again.dossiers.present), (0, 3));
    assert!(
        again.tables.iter().all(|t| t.copied == 0),
        "{:?}",
        again.tables
    );
    assert_eq!(again.chains_verified, 3);
    assert_eq!(snapshot(&url).await, before);

    // The commune kept working: one dossier moves on, another is opened.
    let from = first.events.len() as u64;
    transfer(&mut first);
    xa.change_dossier(
        counted(&first, Measure::OpenDue, from),
        t("2026-12-07 10:00"),
    )
    .await
    .unwrap();
    let third = with_code(&code(3));
    write(&xa, &[&third]).await;
    xa.close().await;
    let later = run(&path, &url).await.unwrap();
    assert_eq!(
        (
            later.dossiers.new,
            later.dossiers.grown,
            later.dossiers.present
        ),
        (1, 1, 2)
    );
    assert_eq!(
        later.events,
        first.events.len() as u64 - from + third.events.len() as u64
    );
    let xa = Db::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    assert_eq!(all_dossiers(&tinh).await, 4);
    assert_eq!(
        tinh.dossier(first.d().id).await.unwrap().as_ref(),
        Some(first.d())
    );
    assert_eq!(
        tinh.verify_chain(first.d().id).await.unwrap(),
        first.events.len()
    );
    assert_eq!(
        tinh.all_counts().await.unwrap(),
        xa.all_counts().await.unwrap()
    );
    assert_eq!(later.counters.replaced, 1);
    xa.close().await;
    tinh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_keeps_its_catalogue_and_adds_the_communes_counts() {
    let Some(url) = testsupport::pg::database("move_province") else {
        return;
    };
    let (path, xa) = commune("province").await;
    let sims = [with_code(&code(1)), with_code(&code(2))];
    write(&xa, &sims.iter().collect::<Vec<_>>()).await;
    xa.close().await;
    // The province's database: the same agencies, one renamed; a dossier of its own for the
    // same commune, counted.
    let tinh = Db::connect(&url).await.unwrap();
    contract::prepare(&tinh).await;
    let mut renamed = contract::tree()
        .get(&id("lao-cai.bao-thang.vhxh"))
        .unwrap()
        .clone();
    renamed.name = "Phòng Văn hóa - Xã hội (tên mới)".into();
    tinh.put_agencies(&[renamed]).await.unwrap();
    let own = with_code("000.22.22.H38-261207-0099");
    write(&tinh, &[&own]).await;

    let r = run(&path, &url).await.unwrap();
    assert_eq!(r.dossiers.new, 2);
    let agencies = table(&r, "agencies");
    assert_eq!((agencies.copied, agencies.kept), (0, 1), "{agencies:?}");
    assert!(
        r.notes.iter().any(|n| n.contains("lao-cai.bao-thang.vhxh")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.counters.added, 1);
    let received: i64 = tinh
        .all_counts()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.measure == "received")
        .map(|c| c.n)
        .sum();
    assert_eq!(received, 3, "the province's dossier and the commune's two");
    assert_eq!(all_dossiers(&tinh).await, 3);

    let before = snapshot(&url).await;
    let again = run(&path, &url).await.unwrap();
    assert!(!again.written);
    assert_eq!(again.counters.unchanged, 1);
    assert_eq!(snapshot(&url).await, before);
    tinh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_the_province_holds_otherwise_refuses_the_move_and_writes_nothing() {
    let Some(url) = testsupport::pg::database("move_conflict") else {
        return;
    };
    let (path, xa) = commune("conflict").await;
    write(&xa, &[&with_code(&code(1)), &with_code(&code(2))]).await;
    xa.close().await;
    let tinh = Db::connect(&url).await.unwrap();
    contract::prepare(&tinh).await;
    // Another dossier with the commune's first code.
    save(&tinh, &with_code(&code(1))).await.unwrap();
    let err = refused(&path, &url).await;
    assert!(
        matches!(&err, StoreError::Duplicate(m) if m.contains(&code(1)) && !m.contains(&code(2))),
        "{err}"
    );
    tinh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_name_taken_by_another_account_refuses_the_move() {
    let Some(url) = testsupport::pg::database("move_officer") else {
        return;
    };
    let (path, xa) = commune("officer").await;
    let mai = counter().officer().unwrap().clone();
    xa.add_officer(&mai, "h", None).await.unwrap();
    xa.close().await;
    let tinh = Db::connect(&url).await.unwrap();
    contract::prepare(&tinh).await;
    let mut other = mai.clone();
    other.id = domain::officer::OfficerId(uuid::Uuid::now_v7());
    tinh.add_officer(&other, "h", None).await.unwrap();
    let err = refused(&path, &url).await;
    assert!(
        matches!(&err, StoreError::Duplicate(m) if m.contains(&mai.username)),
        "{err}"
    );
    tinh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_another_province_is_refused() {
    let Some(url) = testsupport::pg::database("move_other") else {
        return;
    };
    let (path, xa) = commune("other").await;
    write(&xa, &[&with_code(&code(1))]).await;
    xa.close().await;
    let tinh = Db::connect(&url).await.unwrap();
    tinh.migrate().await.unwrap();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "INSERT INTO motcua_province (code, name) VALUES ('H59', 'UBND tỉnh Yên Bái')",
            &[],
        )
        .await
        .unwrap();
    let err = refused(&path, &url).await;
    assert!(
        matches!(&err, StoreError::Config(m) if m.contains("Yên Bái") && m.contains("tỉnh khác")),
        "{err}"
    );
    tinh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_chain_rolls_everything_back_even_the_schema() {
    let Some(url) = testsupport::pg::database("move_broken") else {
        return;
    };
    let (path, xa) = commune("broken").await;
    write(&xa, &[&with_code(&code(1))]).await;
    xa.close().await;
    // Someone edited an event's payload behind the store's back.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER dossier_events_no_update; \
         UPDATE dossier_events SET payload = payload || ' ' WHERE version = 1",
    )
    .unwrap();
    drop(conn);
    let err = run(&path, &url).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt(m) if m.contains("chuỗi băm")),
        "{err}"
    );
    assert!(snapshot(&url).await.is_empty(), "not even the schema");
}

#[tokio::test]
async fn a_file_that_is_not_a_motcua_database_is_said_plainly() {
    let dir = std::env::temp_dir().join(format!("motcua-move-{}-notdb", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("ghi-chu.txt");
    std::fs::write(&text, "không phải cơ sở dữ liệu ".repeat(100)).unwrap();
    let other = dir.join("khac.db");
    let _ = std::fs::remove_file(&other);
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let unreachable = "postgres://motcua@127.0.0.1:1/khong_co";
    for (path, expected) in [
        (dir.join("khong-co.db"), "không có tệp"),
        (text, "không phải cơ sở dữ liệu SQLite"),
        (other, "không phải cơ sở dữ liệu Một Cửa"),
    ] {
        let err = run(&path, unreachable).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Config(m) if m.contains(expected)),
            "{}: {err}",
            path.display()
        );
    }
    let (path, xa) = commune("unreachable").await;
    xa.close().await;
    let err = run(&path, unreachable).await.unwrap_err();
    assert!(
        err.to_string().contains("không kết nối được PostgreSQL"),
        "{err}"
    );
}
