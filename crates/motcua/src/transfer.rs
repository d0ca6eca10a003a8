//! `motcua import …` and `motcua export …` — data in and out of the configured database:
//! administrative units and the procedure catalogue. Every import is validated whole and written
//! in one transaction, or not at all.

use std::path::PathBuf;

use anyhow::Result;
use app::units::UnitDataset;
use clap::Subcommand;

use crate::server::{ConfigArgs, open_db, services};
use crate::units::{print_unmatched, read_official, summary};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Nạp hoặc làm mới danh mục đơn vị hành chính (hai chế độ và bảng kế thừa).
    Units {
        /// Thư mục có units-2024.csv, units-2025.csv, units-old-to-new.csv (mặc định: bản kèm theo chương trình).
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

pub async fn import(cmd: ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Units { from, config } => {
            let (set, unmatched) = match &from {
                Some(dir) => read_official(dir)?,
                None => (UnitDataset::embedded(), Vec::new()),
            };
            let config = config.load()?;
            let app = services(open_db(&config).await?, &config).await?;
            app.import_units(&set).await?;
            app.db().close().await;
            println!(
                "Đã nạp đơn vị hành chính vào {}: {}.",
                config.database.url,
                summary(&set)
            );
            print_unmatched(&unmatched);
            Ok(())
        }
    }
}
