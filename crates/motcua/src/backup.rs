//! Sao lưu và khôi phục — `motcua backup --to FILE` takes a consistent copy of the configured
//! database while the server runs (SQLite's `VACUUM INTO` reads one snapshot, files included, as
//! they live in the database; on PostgreSQL `pg_dump` in its custom format), reads it back, and
//! writes beside it a manifest (`FILE.manifest.json`) with its SHA-256, size and counts.
//! `motcua restore --from FILE` checks the copy against its manifest, puts it into an empty
//! place (a SQLite file that does not exist yet, a PostgreSQL database without tables) and runs
//! `motcua verify` on the result. `[backup]` in `motcua.toml` has the server take one every day
//! and keep the last few.

use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, NaiveTime, Utc};
use clap::Args;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use store::Db;

use crate::BadInput;
use crate::server::{ConfigArgs, create_parent, open_db, open_existing_db, services};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Tệp sao lưu mới (chưa có), ví dụ /srv/sao-luu/motcua-2026-12-04.db.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Tệp sao lưu (có tệp kê khai FILE.manifest.json bên cạnh).
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Nơi khôi phục vào (mặc định: cơ sở dữ liệu đã cấu hình): tệp SQLite chưa có, hoặc cơ sở
    /// dữ liệu PostgreSQL chưa có bảng nào.
    #[command(flatten)]
    config: ConfigArgs,
}

/// Bản kê khai — what a backup holds, written beside it and checked before it is restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `motcua-sao-luu/1`.
    pub format: String,
    /// `SQLite` or `PostgreSQL`: how the copy is restored.
    pub kind: String,
    /// The copy's file name (in the same folder as the manifest).
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub dossiers: i64,
    pub events: i64,
    /// Taken at, Vietnamese time (RFC 3339).
    pub taken_at: String,
    /// The database it was taken from, without its password.
    pub source: String,
    /// The version of Một Cửa that took it.
    pub version: String,
}

const FORMAT: &str = "motcua-sao-luu/1";

/// The manifest's path beside a backup file.
fn manifest_path(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.manifest.json", file.display()))
}

/// A file's SHA-256, read in pieces.
fn sha256_of(path: &Path) -> Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)
        .map_err(crate::os)
        .map_err(|e| BadInput(format!("không đọc được {}: {e}", path.display())))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), bytes))
}

/// Takes a backup into `to` (which must not exist) and writes its manifest.
pub async fn take(app: &app::App, source: &str, to: &Path, now: DateTime<Utc>) -> Result<Manifest> {
    if to.exists() {
        return Err(BadInput(format!(
            "tệp {} đã có: chọn tên khác, bản sao lưu không ghi đè.",
            to.display()
        ))
        .into());
    }
    create_parent(to)?;
    // Said before the copy starts, in the operator's words, rather than as the database's
    // refusal to open the file at the end.
    std::fs::File::create_new(to)
        .and_then(|_| std::fs::remove_file(to))
        .map_err(crate::os)
        .map_err(|e| BadInput(format!("không ghi được tệp sao lưu {}: {e}", to.display())))?;
    let kind = app.database_kind();
    let before = app
        .backup_to(to)
        .await
        .map_err(|e| BadInput(format!("không sao lưu được: {}", e.message)))?;
    // The counts: on SQLite, of the copy itself, read back; a PostgreSQL archive is listed.
    let totals = if kind == "PostgreSQL" {
        pg_archive_tables(to)?;
        before
    } else {
        let copy = Db::connect(&format!("sqlite:{}", to.display())).await?;
        let totals = copy.totals().await;
        copy.close().await;
        // Reading it back opened its log; closed and checkpointed, the log is empty: the
        // backup is the one file.
        for side in ["-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{side}", to.display()));
            if std::fs::metadata(&path).is_ok_and(|m| side == "-shm" || m.len() == 0) {
                let _ = std::fs::remove_file(&path);
            }
        }
        totals.map_err(|e| BadInput(format!("bản sao lưu không đọc được: {e}")))?
    };
    let (sha256, bytes) = sha256_of(to)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        kind: kind.into(),
        file: to
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        bytes,
        dossiers: totals.dossiers,
        events: totals.events,
        taken_at: lich::time::to_vn(&now).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        source: source.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let text = serde_json::to_string_pretty(&manifest)?;
    std::fs::write(manifest_path(to), text + "\n")
        .map_err(crate::os)
        .map_err(|e| {
            BadInput(format!(
                "không ghi được tệp kê khai {}: {e}",
                manifest_path(to).display()
            ))
        })?;
    Ok(manifest)
}

pub async fn run(args: BackupArgs) -> Result<()> {
    let config = args.config.load()?;
    let app = services(open_existing_db(&config).await?, &config).await?;
    let started = std::time::Instant::now();
    let source = store::without_password(&config.database.url);
    let taken = take(&app, &source, &args.to, Utc::now()).await;
    app.close().await;
    let m = taken?;
    println!(
        "Đã sao lưu {source} vào {}{}: {} hồ sơ, {} sự kiện, {:.1} MB, SHA-256 {} — {:.1} s.",
        args.to.display(),
        if m.kind == "PostgreSQL" {
            " (pg_dump)"
        } else {
            ""
        },
        m.dossiers,
        m.events,
        m.bytes as f64 / 1_048_576.0,
        m.sha256,
        started.elapsed().as_secs_f64()
    );
    println!(
        "Tệp kê khai: {}. Khôi phục: motcua restore --from {} --database NƠI-MỚI",
        manifest_path(&args.to).display(),
        args.to.display()
    );
    Ok(())
}

/// `motcua restore`: the copy checked against its manifest, put into an empty place, verified.
pub async fn restore(args: RestoreArgs) -> Result<()> {
    let config = args.config.load()?;
    let manifest_file = manifest_path(&args.from);
    let text = std::fs::read_to_string(&manifest_file).map_err(crate::os).map_err(|e| {
        BadInput(format!(
            "không đọc được tệp kê khai {} ({e}): chỉ khôi phục bản sao lưu do motcua backup tạo.",
            manifest_file.display()
        ))
    })?;
    let m: Manifest = serde_json::from_str(&text)
        .ok()
        .filter(|m: &Manifest| m.format == FORMAT)
        .ok_or_else(|| {
            BadInput(format!(
                "tệp kê khai {} không đúng định dạng {FORMAT}.",
                manifest_file.display()
            ))
        })?;
    let (sha256, bytes) = sha256_of(&args.from)?;
    if sha256 != m.sha256 || bytes != m.bytes {
        return Err(BadInput(format!(
            "bản sao lưu {} đã bị thay đổi hoặc hỏng: SHA-256 {sha256} ({bytes} byte), tệp kê khai ghi {} ({} byte). Không khôi phục.",
            args.from.display(),
            m.sha256,
            m.bytes
        ))
        .into());
    }
    let url = config.database.url.clone();
    let target = store::without_password(&url);
    match (m.kind.as_str(), url.strip_prefix("sqlite:")) {
        ("SQLite", Some(path)) => {
            let path = Path::new(path.trim_start_matches("//"));
            for side in ["", "-wal", "-shm", "-journal"] {
                let p = PathBuf::from(format!("{}{side}", path.display()));
                if p.exists() {
                    return Err(BadInput(format!(
                        "{} đã có: khôi phục chỉ vào chỗ trống (chọn tệp khác, hoặc chuyển tệp cũ đi trước).",
                        p.display()
                    ))
                    .into());
                }
            }
            create_parent(path)?;
            // Copied under another name, then renamed: a cut copy is never taken for a database.
            let part = PathBuf::from(format!("{}.dang-chep", path.display()));
            std::fs::copy(&args.from, &part)
                .and_then(|_| std::fs::File::open(&part)?.sync_all())
                .and_then(|()| std::fs::rename(&part, path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&part);
                    BadInput(format!("không chép được vào {}: {e}", path.display()))
                })?;
        }
        ("PostgreSQL", None) if url.starts_with("postgres") => {
            // A database whose dossier table cannot be read holds no Một Cửa tables.
            let db = Db::connect(&url)
                .await
                .map_err(|e| BadInput(format!("không mở được {target}: {e}")))?;
            let held = db.totals().await;
            db.close().await;
            if held.is_ok() {
                return Err(BadInput(format!(
                    "{target} đã có bảng: khôi phục chỉ vào cơ sở dữ liệu trống (createdb TÊN-MỚI)."
                ))
                .into());
            }
            let out = std::process::Command::new("pg_restore")
                .args([
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    &url,
                ])
                .arg(&args.from)
                .output()
                .map_err(|e| BadInput(format!("không chạy được pg_restore ({e})")))?;
            if !out.status.success() {
                return Err(BadInput(format!(
                    "pg_restore không khôi phục được: {}",
                    domain::error::shorten(String::from_utf8_lossy(&out.stderr).trim())
                ))
                .into());
            }
        }
        (kind, _) => {
            return Err(BadInput(format!(
                "bản sao lưu là của {kind}, không khôi phục được vào {target}."
            ))
            .into());
        }
    }
    println!(
        "Đã khôi phục {} (sao lưu lúc {}, {} hồ sơ) vào {target}; đang kiểm tra…",
        args.from.display(),
        m.taken_at,
        m.dossiers
    );
    let db = open_db(&config).await?;
    let totals = db.totals().await;
    db.close().await;
    let totals = totals?;
    // A SQLite copy's counts are its own; a PostgreSQL archive holds at least those counted
    // before it began.
    let agrees = if m.kind == "SQLite" {
        (totals.dossiers, totals.events) == (m.dossiers, m.events)
    } else {
        totals.dossiers >= m.dossiers && totals.events >= m.events
    };
    if !agrees {
        return Err(
            anyhow::Error::new(crate::verify::Unsound(1)).context(format!(
                "bản khôi phục có {} hồ sơ, {} sự kiện; tệp kê khai ghi {} hồ sơ, {} sự kiện",
                totals.dossiers, totals.events, m.dossiers, m.events
            )),
        );
    }
    crate::verify::check(&config).await
}

/// Sao lưu định kỳ (`[backup]`): where, when, how many to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Thư mục giữ các bản sao lưu; không đặt thì máy chủ không tự sao lưu.
    pub dir: Option<PathBuf>,
    /// Giờ sao lưu hằng ngày, giờ Việt Nam (HH:MM).
    pub at: String,
    /// Số bản giữ lại (bản cũ hơn bị xóa sau mỗi lần sao lưu thành công).
    pub keep: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            dir: None,
            at: "02:00".into(),
            keep: 14,
        }
    }
}

impl BackupConfig {
    /// The time of day, or what is wrong with it.
    pub fn time(&self) -> Result<NaiveTime, BadInput> {
        NaiveTime::parse_from_str(self.at.trim(), "%H:%M").map_err(|_| {
            BadInput(format!(
                "[backup] at = \"{}\" không hợp lệ: giờ sao lưu dạng HH:MM, ví dụ \"02:00\".",
                domain::error::shorten(&self.at)
            ))
        })
    }
}

/// The next moment at `time` (Vietnamese time) strictly after `now`.
pub fn next_run(now: DateTime<Utc>, time: NaiveTime) -> DateTime<Utc> {
    let local = lich::time::to_vn(&now);
    let today = local.date_naive().and_time(time);
    let at = if today > local.naive_local() {
        today
    } else {
        today + chrono::Days::new(1)
    };
    lich::time::vn_instant(at).with_timezone(&Utc)
}

/// The name of the scheduled backup taken at `now`: sorted by name is sorted by time.
fn scheduled_name(kind: &str, now: DateTime<Utc>) -> String {
    let ext = if kind == "PostgreSQL" { "dump" } else { "db" };
    format!(
        "motcua-{}.{ext}",
        lich::time::to_vn(&now).format("%Y%m%d-%H%M%S")
    )
}

/// Removes the oldest scheduled backups of `dir` beyond `keep` (a backup and its manifest;
/// files the job did not make are left alone). Returns the names removed.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<String>> {
    let mut ours: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| {
            n.starts_with("motcua-")
                && (n.ends_with(".db") || n.ends_with(".dump"))
                && dir.join(format!("{n}.manifest.json")).exists()
        })
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep.max(1));
    let gone: Vec<String> = ours.drain(..excess).collect();
    for n in &gone {
        std::fs::remove_file(dir.join(n))?;
        std::fs::remove_file(dir.join(format!("{n}.manifest.json")))?;
    }
    Ok(gone)
}

/// The lease of the scheduled backup, so that one server of a database takes it.
const BACKUP_LEASE: &str = "sao-luu-dinh-ky";

/// Takes a backup every day at the configured time while the server runs, and keeps the last
/// `keep`. Failures are logged as errors (the log collector alerts on them) and tried again the
/// next day.
pub async fn scheduled(
    app: app::App,
    config: BackupConfig,
    source: String,
    stop: impl std::future::Future<Output = ()>,
) {
    let (Some(dir), Ok(time)) = (config.dir.clone(), config.time()) else {
        return;
    };
    tokio::pin!(stop);
    loop {
        let now = app.now();
        let wait = (next_run(now, time) - now)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(60));
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(wait) => {}
        }
        match app
            .hold_lease(BACKUP_LEASE, std::time::Duration::from_secs(3600))
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e, "the backup's lease could not be read");
                continue;
            }
        }
        let now = app.now();
        let to = dir.join(scheduled_name(app.database_kind(), now));
        match take(&app, &source, &to, now).await {
            Ok(m) => {
                tracing::info!(file = %to.display(), dossiers = m.dossiers, bytes = m.bytes, "scheduled backup taken");
                match prune(&dir, config.keep) {
                    Ok(gone) if !gone.is_empty() => {
                        tracing::info!(removed = ?gone, "old backups removed");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "old backups could not be removed"),
                }
            }
            Err(e) => tracing::error!(file = %to.display(), error = %e, "scheduled backup failed"),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_backup_is_at_the_configured_vietnamese_time() {
        let time = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        // 2026-12-06 01:00 in Hà Nội is 2026-12-05 18:00 UTC: today at 02:00 is to come.
        let now = "2026-12-05T18:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            next_run(now, time).to_rfc3339(),
            "2026-12-05T19:00:00+00:00"
        );
        // At 02:00 exactly, the next is tomorrow's.
        let now = "2026-12-05T19:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            next_run(now, time).to_rfc3339(),
            "2026-12-06T19:00:00+00:00"
        );
    }

    #[test]
    fn old_scheduled_backups_beyond_the_kept_number_are_removed_with_their_manifests() {
        let dir = std::env::temp_dir().join(format!("motcua-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for day in 1..=5 {
            let n = format!("motcua-2026120{day}-020000.db");
            std::fs::write(dir.join(&n), b"x").unwrap();
            std::fs::write(dir.join(format!("{n}.manifest.json")), b"{}").unwrap();
        }
        // Not the job's: an operator's own copy, and a copy without a manifest.
        std::fs::write(dir.join("ban-sao-tay.db"), b"x").unwrap();
        std::fs::write(dir.join("motcua-20261101-020000.db"), b"x").unwrap();
        let gone = prune(&dir, 2).unwrap();
        assert_eq!(
            gone,
            [
                "motcua-20261201-020000.db",
                "motcua-20261202-020000.db",
                "motcua-20261203-020000.db"
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "ban-sao-tay.db",
                "motcua-20261101-020000.db",
                "motcua-20261204-020000.db",
                "motcua-20261204-020000.db.manifest.json",
                "motcua-20261205-020000.db",
                "motcua-20261205-020000.db.manifest.json"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_time_of_day_is_said_in_vietnamese() {
        let c = BackupConfig {
            at: "25:99".into(),
            ..BackupConfig::default()
        };
        assert!(c.time().unwrap_err().0.contains("HH:MM"));
    }
}
