//! `motcua backup --to FILE` — a consistent copy of the configured database, taken while the
//! server runs (SQLite's `VACUUM INTO` reads one snapshot; on PostgreSQL `pg_dump` in its
//! custom format, restored with `pg_restore`), then read back so the operator knows the copy
//! reads: a SQLite copy is opened and counted, a PostgreSQL archive listed by `pg_restore`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use store::Db;

use crate::BadInput;
use crate::server::{ConfigArgs, open_db};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Tệp sao lưu mới (chưa có), ví dụ /srv/sao-luu/motcua-2026-12-04.db.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
}

pub async fn run(args: BackupArgs) -> Result<()> {
    if args.to.exists() {
        return Err(BadInput(format!(
            "tệp {} đã có: chọn tên khác, bản sao lưu không ghi đè.",
            args.to.display()
        ))
        .into());
    }
    if let Some(dir) = args.to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| BadInput(format!("không tạo được thư mục {}: {e}", dir.display())))?;
    }
    let config = args.config.load()?;
    let db = open_db(&config).await?;
    let started = std::time::Instant::now();
    if db.kind() == "PostgreSQL" {
        let totals = db.totals().await;
        let copied = db.backup(&args.to).await;
        db.close().await;
        copied.map_err(|e| BadInput(format!("không sao lưu được: {e}")))?;
        let totals = totals.map_err(|e| BadInput(format!("không đếm được hồ sơ: {e}")))?;
        let tables = pg_archive_tables(&args.to)?;
        let size = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
        println!(
            "Đã sao lưu {} vào {} (pg_dump, khôi phục bằng pg_restore): {} bảng; lúc sao lưu có {} hồ sơ, {} sự kiện; {:.1} MB — {:.1} s.",
            store::without_password(&config.database.url),
            args.to.display(),
            tables,
            totals.dossiers,
            totals.events,
            size as f64 / 1_048_576.0,
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let copied = db.backup(&args.to).await;
    db.close().await;
    copied.map_err(|e| BadInput(format!("không sao lưu được: {e}")))?;
    // The copy is read back before it is called a backup.
    let copy = Db::connect(&format!("sqlite:{}", args.to.display())).await?;
    let totals = copy.totals().await;
    copy.close().await;
    // Reading it back opened its log; closed and checkpointed, the log is empty: the backup is
    // the one file.
    for side in ["-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{side}", args.to.display()));
        if std::fs::metadata(&path).is_ok_and(|m| side == "-shm" || m.len() == 0) {
            let _ = std::fs::remove_file(&path);
        }
    }
    let totals = totals.map_err(|e| BadInput(format!("bản sao lưu không đọc được: {e}")))?;
    let size = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
    println!(
        "Đã sao lưu {} vào {}: {} hồ sơ, {} sự kiện, {:.1} MB — {:.1} s.",
        store::without_password(&config.database.url),
        args.to.display(),
        totals.dossiers,
        totals.events,
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The tables whose data a `pg_dump` archive holds, as `pg_restore --list` reads them: the
/// archive must read, and hold the event log.
fn pg_archive_tables(archive: &std::path::Path) -> Result<usize> {
    let out = std::process::Command::new("pg_restore")
        .arg("--list")
        .arg(archive)
        .output()
        .map_err(|e| {
            BadInput(format!(
                "không chạy được pg_restore để đọc lại bản sao lưu ({e})"
            ))
        })?;
    let list = String::from_utf8_lossy(&out.stdout);
    let tables: Vec<&str> = list
        .lines()
        .filter(|l| l.contains(" TABLE DATA "))
        .collect();
    if !out.status.success() || !tables.iter().any(|l| l.contains(" dossier_events ")) {
        return Err(BadInput(format!(
            "bản sao lưu {} không đọc được: {}",
            archive.display(),
            domain::error::shorten(String::from_utf8_lossy(&out.stderr).trim())
        ))
        .into());
    }
    Ok(tables.len())
}
