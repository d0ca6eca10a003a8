//! `motcua move --from sqlite:PATH --to postgres://…` — a commune's SQLite database into its
//! province's PostgreSQL database, in one transaction, verified before the commit (see
//! `store::moving`); run again, it copies only what is new.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use store::StoreError;
use store::moving::{MoveOptions, MoveReport, TableReport};

use crate::BadInput;

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Cơ sở dữ liệu SQLite của xã: sqlite:ĐƯỜNG_DẪN, hoặc đường dẫn tệp.
    #[arg(long, value_name = "NGUỒN")]
    from: String,
    /// Cơ sở dữ liệu PostgreSQL của tỉnh: postgres://NGƯỜI_DÙNG@MÁY:CỔNG/TÊN_CSDL (đã tạo).
    #[arg(long, value_name = "ĐÍCH")]
    to: String,
    /// Chạy thử: chép và kiểm tra trong một giao dịch rồi hủy, không ghi gì.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: MoveArgs) -> Result<()> {
    let source = source_path(&args.from, &args.to)?;
    let target = args.to.trim();
    if !(target.starts_with("postgres://") || target.starts_with("postgresql://")) {
        return Err(BadInput(format!(
            "đích \"{}\" không phải PostgreSQL: dùng postgres://NGƯỜI_DÙNG@MÁY:CỔNG/TÊN_CSDL",
            domain::error::shorten(&store::without_password(target))
        ))
        .into());
    }
    println!(
        "Chuyển sqlite:{} → {}{}",
        domain::error::shorten(&source.display().to_string()),
        domain::error::shorten(&store::without_password(target)),
        if args.dry_run {
            " (chạy thử, không ghi)"
        } else {
            ""
        }
    );
    let started = std::time::Instant::now();
    let report = store::moving::sqlite_to_postgres(
        &source,
        target,
        MoveOptions {
            dry_run: args.dry_run,
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Config(m) => BadInput(m),
        StoreError::Duplicate(m) => BadInput(format!("không chuyển được: {m}")),
        other => BadInput(format!("không chuyển được, không ghi gì: {other}")),
    })?;
    print_report(&report, started.elapsed(), args.dry_run);
    Ok(())
}

/// The source's file, from `sqlite:PATH` or a plain path.
fn source_path(from: &str, to: &str) -> Result<PathBuf, BadInput> {
    let from = from.trim();
    if from == to.trim() {
        return Err(BadInput(
            "nguồn và đích là cùng một cơ sở dữ liệu: nguồn là tệp SQLite của xã, đích là cơ sở dữ liệu PostgreSQL của tỉnh"
                .into(),
        ));
    }
    if from.starts_with("postgres://") || from.starts_with("postgresql://") {
        return Err(BadInput(
            "nguồn phải là cơ sở dữ liệu SQLite (sqlite:ĐƯỜNG_DẪN); lệnh này chuyển từ SQLite sang PostgreSQL".into(),
        ));
    }
    let path = from
        .strip_prefix("sqlite:")
        .map_or(from, |p| p.trim_start_matches("//"));
    if path.is_empty() {
        return Err(BadInput(
            "thiếu đường dẫn tệp SQLite (ví dụ sqlite:data/motcua.db)".into(),
        ));
    }
    Ok(PathBuf::from(path))
}

fn print_report(r: &MoveReport, took: std::time::Duration, dry_run: bool) {
    if let Some((code, name)) = &r.province {
        print!("Tỉnh: {name} ({code}); ");
    }
    println!(
        "cấu trúc phiên bản {}{}.",
        r.version,
        if r.migrated > 0 {
            format!(" (đích vừa được tạo cấu trúc: {} bước)", r.migrated)
        } else {
            String::new()
        }
    );
    println!();
    let width = r
        .tables
        .iter()
        .map(|t| t.table.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    println!(
        "{:<width$}  {:>8}  {:>8}  {:>9}  {:>10}  {:>10}",
        "Bảng", "Nguồn", "Đã chép", "Đã có sẵn", "Khác, giữ", "Không chép"
    );
    for t in &r.tables {
        println!("{}", table_line(t, width));
    }
    println!();
    let d = &r.dossiers;
    println!(
        "Hồ sơ: {} mới, {} có thêm sự kiện từ lần chuyển trước, {} đã có sẵn; {} sự kiện chép.",
        d.new, d.grown, d.present, r.events
    );
    let c = &r.counters;
    println!(
        "Bộ đếm báo cáo theo cơ quan: {} lấy theo nguồn, {} cộng thêm vào số của tỉnh, {} không đổi, {} để nguyên.",
        c.replaced,
        c.added,
        c.unchanged,
        c.left.len()
    );
    println!(
        "Kiểm tra trước khi ghi: {} chuỗi băm ({} sự kiện) đọc lại từ PostgreSQL đều đúng và giống nguồn; {} tệp khớp mã băm; số dòng từng bảng khớp.",
        r.chains_verified, r.events_verified, r.files_verified
    );
    for note in &r.notes {
        println!("Lưu ý: {note}");
    }
    let secs = took.as_secs_f64();
    let moved = d.new + d.grown;
    if dry_run {
        println!(
            "Chạy thử: sẽ chuyển {moved} hồ sơ ({} sự kiện); không ghi gì — {secs:.1} s.",
            r.events
        );
    } else if r.written {
        println!(
            "Đã chuyển {moved} hồ sơ ({} sự kiện) trong {secs:.1} s; mọi chuỗi băm đã kiểm tra.",
            r.events
        );
    } else {
        println!(
            "Không ghi gì: đích đã có sẵn mọi dữ liệu của nguồn ({} hồ sơ); mọi chuỗi băm đã kiểm tra — {secs:.1} s.",
            d.present
        );
    }
}

fn table_line(t: &TableReport, width: usize) -> String {
    match t.not_copied {
        Some(reason) => format!(
            "{:<width$}  {:>8}  {:>8}  {:>9}  {:>10}  {:>10}  ({reason})",
            t.table, t.source, "–", "–", "–", t.skipped
        ),
        None => format!(
            "{:<width$}  {:>8}  {:>8}  {:>9}  {:>10}  {:>10}",
            t.table, t.source, t.copied, t.present, t.kept, t.skipped
        ),
    }
}
