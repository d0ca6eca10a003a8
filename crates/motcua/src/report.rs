//! `motcua report` — the report counters: `rebuild` recomputes them from the events and says how
//! many kept counters differed (0 when the incremental counters were right).

use anyhow::Result;
use clap::Subcommand;

use crate::server;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Tính lại toàn bộ bộ đếm báo cáo từ nhật ký sự kiện.
    Rebuild(server::ConfigArgs),
}

pub async fn run(cmd: ReportCommand) -> Result<()> {
    match cmd {
        ReportCommand::Rebuild(args) => {
            let config = args.load()?;
            let db = server::open_db(&config).await?;
            let app = server::services(db, &config).await?;
            let started = std::time::Instant::now();
            let r = app.reports().rebuild_counts().await?;
            println!(
                "Đã tính lại {} bộ đếm từ {} hồ sơ trong {:.1} s; {} bộ đếm khác với số đang lưu{}.",
                r.counters,
                r.dossiers,
                started.elapsed().as_secs_f64(),
                r.differing,
                if r.differing == 0 {
                    " (khớp)"
                } else {
                    " (đã sửa)"
                }
            );
            app.close().await;
            Ok(())
        }
    }
}
