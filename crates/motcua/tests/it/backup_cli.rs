//! Backups an operator can trust: `motcua backup` while the server takes intakes, then
//! `motcua restore` into an empty place, verified; a copy changed after it was taken, or a
//! place already holding a database, is refused without writing anything.

use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::serving::{Server, login, motcua, seed_demo};
use crate::two_servers::intake_at;

const CENTRE: &str = "lao-cai.bao-thang.mot-cua";

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Seeds a short demo history into `url`, serves it, and takes a backup into `to` while
/// intakes run; returns the dossiers acknowledged before the backup began.
async fn backup_under_load(url: &str, to: &std::path::Path) -> Vec<String> {
    seed_demo(url, 2);
    let server = Server::start(url);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let token = login(&http, &server, "motcua.baothang", "motcua@2026").await;
    let mut before = Vec::new();
    for _ in 0..20 {
        let (status, d) = intake_at(&http, &server.base, &token, CENTRE).await;
        assert_eq!(status, 201, "{d}");
        before.push(d["code"].as_str().unwrap().to_string());
    }
    // Intakes go on during the backup.
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let load = {
        let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !*stop_rx.borrow_and_update() {
                let (status, d) = intake_at(&http, &base, &token, CENTRE).await;
                assert_eq!(status, 201, "{d}");
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let to_text = to.display().to_string();
    let taken = tokio::task::spawn_blocking({
        let (url, to) = (url.to_string(), to_text.clone());
        move || motcua(&["backup", "--database", &url, "--to", &to])
    })
    .await
    .unwrap();
    let _ = stop_tx.send(true);
    let during = load.await.unwrap();
    assert!(taken.status.success(), "{}", said(&taken));
    assert!(said(&taken).contains("Đã sao lưu"), "{}", said(&taken));
    assert!(during > 0, "the intakes went on while the backup was taken");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{to_text}.manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["format"], "motcua-sao-luu/1");
    assert_eq!(manifest["sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["dossiers"].as_i64().unwrap() >= before.len() as i64);
    drop(server);
    before
}

/// The restored database has every dossier acknowledged before the backup, and verifies.
fn restore_and_check(from: &std::path::Path, url: &str) {
    let restored = motcua(&[
        "restore",
        "--from",
        &from.display().to_string(),
        "--database",
        url,
    ]);
    let text = said(&restored);
    assert!(restored.status.success(), "{text}");
    assert!(text.contains("Đã khôi phục"), "{text}");
    assert!(text.contains("đều khớp"), "{text}");
    // Restoring again into the same place is refused, and leaves it as it is.
    let again = motcua(&[
        "restore",
        "--from",
        &from.display().to_string(),
        "--database",
        url,
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", said(&again));
    assert!(said(&again).contains("trống"), "{}", said(&again));
    let verified = motcua(&["verify", "--database", url]);
    assert!(verified.status.success(), "{}", said(&verified));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_serving_restores_and_verifies() {
    let dir = std::env::temp_dir().join(format!("motcua-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("motcua.db").display());
    let copy = dir.join("sao-luu").join("motcua-1.db");
    let before = backup_under_load(&url, &copy).await;

    // A backup never writes over a file.
    let over = motcua(&[
        "backup",
        "--database",
        &url,
        "--to",
        &copy.display().to_string(),
    ]);
    assert_eq!(over.status.code(), Some(2), "{}", said(&over));

    let target = dir.join("khoi-phuc").join("motcua.db");
    let target_url = format!("sqlite:{}", target.display());
    restore_and_check(&copy, &target_url);
    let restored = rusqlite::Connection::open(&target).unwrap();
    for code in &before {
        let n: i64 = restored
            .query_row(
                "SELECT COUNT(*) FROM dossiers WHERE code = ?1",
                [code],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{code} acknowledged before the backup, not in it");
    }
    drop(restored);

    // A copy changed after it was taken is refused, and nothing is written.
    let mut bytes = std::fs::read(&copy).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&copy, bytes).unwrap();
    let elsewhere = dir.join("khac").join("motcua.db");
    let refused = motcua(&[
        "restore",
        "--from",
        &copy.display().to_string(),
        "--database",
        &format!("sqlite:{}", elsewhere.display()),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    assert!(
        said(&refused).contains("bị thay đổi hoặc hỏng"),
        "{}",
        said(&refused)
    );
    assert!(!elsewhere.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_backup_restores_into_an_empty_database_and_verifies() {
    let Some(url) = testsupport::pg::database("backup_source") else {
        return;
    };
    let target = testsupport::pg::database("backup_target").unwrap();
    let dir = std::env::temp_dir().join(format!("motcua-pg-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("motcua-1.dump");
    let before = backup_under_load(&url, &copy).await;
    restore_and_check(&copy, &target);
    let (client, connection) = tokio_postgres::connect(&target, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for code in &before {
        let n: i64 = client
            .query_one("SELECT COUNT(*) FROM dossiers WHERE code = $1", &[code])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{code} acknowledged before the backup, not in it");
    }
    // Into a database that already holds one: refused by the check, nothing restored.
    let refused = motcua(&[
        "restore",
        "--from",
        &copy.display().to_string(),
        "--database",
        &url,
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
    let _ = std::fs::remove_dir_all(&dir);
}
