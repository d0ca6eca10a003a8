//! `motcua agencies …` — the administration of agencies from the command line, as on the
//! administration page and through the API: add, rename, merge into a successor, office hours,
//! and which committees receive a procedure. Each change is logged as the system's.

use anyhow::Result;
use app::agencies::NewAgency;
use clap::Subcommand;
use domain::officer::Actor;

use crate::BadInput;
use crate::server::{ConfigArgs, open_existing_db, services};

#[derive(Debug, Subcommand)]
pub enum AgenciesCommand {
    /// In danh sách cơ quan: mã nội bộ, mã định danh, tên.
    List {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Thêm cơ quan, đơn vị dưới một cơ quan.
    Add {
        /// Mã nội bộ của cơ quan cấp trên, ví dụ lao-cai.bao-thang.
        #[arg(long)]
        parent: String,
        /// Từ cuối của mã nội bộ, ví dụ tu-phap.
        #[arg(long)]
        word: String,
        /// Tên cơ quan, ví dụ "Phòng Văn hóa - Xã hội xã Bảo Thắng".
        #[arg(long)]
        name: String,
        /// Loại: department (sở, phòng chuyên môn), service-center (Bộ phận Một cửa, Trung tâm
        /// Phục vụ hành chính công), office (văn phòng), police (công an), commune-committee
        /// (UBND xã, phường).
        #[arg(long)]
        kind: String,
        /// Mã định danh (bỏ trống: mã tạm dưới mã của cấp trên).
        #[arg(long, default_value = "")]
        code: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Đổi tên cơ quan.
    Rename {
        /// Mã nội bộ của cơ quan, ví dụ lao-cai.bao-thang.tu-phap.
        id: String,
        /// Tên mới.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Sáp nhập cơ quan vào cơ quan tiếp nhận từ một ngày (hồ sơ chuyển theo).
    Merge {
        /// Mã nội bộ của cơ quan bị sáp nhập.
        id: String,
        /// Mã nội bộ của cơ quan tiếp nhận.
        #[arg(long)]
        into: String,
        /// Từ ngày, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Đặt giờ làm việc và giờ tiếp nhận sáng thứ Bảy (bỏ trống: theo chuẩn; không).
    Hours {
        /// Mã nội bộ của cơ quan.
        id: String,
        /// Giờ làm việc các ngày trong tuần, ví dụ "07:30-11:30, 13:30-17:00" (bỏ trống: theo
        /// giờ chuẩn).
        #[arg(long, default_value = "")]
        office_hours: String,
        /// Giờ tiếp nhận sáng thứ Bảy, ví dụ "07:30-11:30" (bỏ trống: không tiếp nhận).
        #[arg(long, default_value = "")]
        saturday: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Đặt các UBND tiếp nhận một thủ tục (không ghi nơi nào: mọi UBND cùng cấp).
    Places {
        /// Mã thủ tục.
        procedure: String,
        /// Mã nội bộ các UBND.
        agencies: Vec<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

impl AgenciesCommand {
    fn config(&self) -> &ConfigArgs {
        match self {
            Self::List { config }
            | Self::Add { config, .. }
            | Self::Rename { config, .. }
            | Self::Merge { config, .. }
            | Self::Hours { config, .. }
            | Self::Places { config, .. } => config,
        }
    }
}

pub async fn run(cmd: AgenciesCommand) -> Result<()> {
    let config = cmd.config().load()?;
    let app = services(open_existing_db(&config).await?, &config).await?;
    let done = change(&app, &cmd).await;
    app.close().await;
    println!("{}", done.map_err(BadInput::from)?);
    Ok(())
}

async fn change(app: &app::App, cmd: &AgenciesCommand) -> Result<String, app::AppError> {
    let system = Actor::System;
    let admin = app.admin();
    Ok(match cmd {
        AgenciesCommand::List { .. } => {
            let mut lines: Vec<String> = app
                .agencies()
                .all()
                .map(|a| {
                    let closed = a
                        .valid_to
                        .map(|d| format!("  (thôi hoạt động từ {})", d.format("%d/%m/%Y")))
                        .unwrap_or_default();
                    let verified = if a.code_verified { "" } else { " (mã tạm)" };
                    format!("{}\t{}{verified}\t{}{closed}", a.id, a.code, a.name)
                })
                .collect();
            lines.sort();
            lines.join("\n")
        }
        AgenciesCommand::Add {
            parent,
            word,
            name,
            kind,
            code,
            ..
        } => {
            let kind = domain::from_wire_name(kind.trim()).ok_or_else(|| {
                app::AppError::invalid(
                    "invalid_kind",
                    "Loại cơ quan là department, service-center, office, police hoặc commune-committee.",
                )
            })?;
            let n = NewAgency {
                parent: parent.clone(),
                word: word.clone(),
                name: name.clone(),
                kind: Some(kind),
                code: code.clone(),
            };
            let a = admin.create_agency(&system, &n).await?;
            format!("Đã thêm {} ({}, mã {}).", a.name, a.id, a.code)
        }
        AgenciesCommand::Rename { id, name, .. } => {
            let a = admin.rename_agency(&system, id, name).await?;
            format!("Đã đổi tên {}: {}.", a.id, a.name)
        }
        AgenciesCommand::Merge { id, into, on, .. } => {
            let on = chrono::NaiveDate::parse_from_str(on.trim(), "%Y-%m-%d").map_err(|_| {
                app::AppError::invalid("invalid_date", "Ngày sáp nhập có dạng YYYY-MM-DD.")
            })?;
            let a = admin.close_agency(&system, id, into, on).await?;
            format!(
                "{} sáp nhập vào {} từ {}.",
                a.name,
                into,
                on.format("%d/%m/%Y")
            )
        }
        AgenciesCommand::Hours {
            id,
            office_hours,
            saturday,
            ..
        } => {
            let a = admin
                .set_office_hours(&system, id, office_hours, saturday)
                .await?;
            format!(
                "{}: giờ làm việc {}; tiếp nhận thứ Bảy {}.",
                a.name,
                a.office_hours.as_deref().unwrap_or("theo chuẩn"),
                a.saturday_reception.as_deref().unwrap_or("không")
            )
        }
        AgenciesCommand::Places {
            procedure,
            agencies,
            ..
        } => {
            let set = admin
                .set_procedure_agencies(&system, procedure, agencies)
                .await?;
            if set.is_empty() {
                format!("Thủ tục {procedure}: mọi UBND cùng cấp tiếp nhận.")
            } else {
                format!("Thủ tục {procedure}: {}.", set.join(", "))
            }
        }
    })
}
