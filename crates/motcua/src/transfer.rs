//! `motcua import …` and `motcua export …` — data in and out of the configured database:
//! administrative units and the procedure catalogue. Every import is validated whole and written
//! in one transaction, or not at all.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use app::catalog::{self, CatalogErrors, Format};
use app::units::UnitDataset;
use clap::{Subcommand, ValueEnum};

use crate::BadInput;

use crate::server::{ConfigArgs, open_existing_db, services};
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
    /// Nạp danh mục thủ tục từ tệp JSON hoặc CSV (kiểm tra toàn bộ; có lỗi thì không nạp gì).
    Catalog {
        /// Tệp .json hoặc .csv (như `motcua export catalog` xuất ra).
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Tạo tài khoản cán bộ từ tệp CSV (ten_dang_nhap, ho_ten, chuc_danh, vai_tro, co_quan,
    /// thu_dien_tu, mat_khau); có lỗi thì không tạo tài khoản nào. Mật khẩu một lần (dòng bỏ
    /// trống mật khẩu) được in một lần.
    Officers {
        /// Tệp CSV UTF-8.
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Chuyển hồ sơ từ hệ thống một cửa cũ: tệp JSON theo khuôn dữ liệu đồng bộ với Cổng Dịch vụ
    /// công quốc gia ({"NguonDuLieu": "...", "HoSo": [{MaHoSo, MaTTHC, KenhThucHien,
    /// MaDonViTiepNhan, NgayNop, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTraKetQua,
    /// TrangThai, ThongTinNguoiNop, ThanhPhanHoSo, TienTrinh}]}). Giữ mã hồ sơ; có lỗi thì không
    /// chuyển gì; hồ sơ đã có thì bỏ qua.
    Dossiers {
        /// Tệp JSON UTF-8, hoặc thư mục có ho-so.json (hoặc ho-so.csv và tien-trinh.csv) và thư
        /// mục tep/ chứa các tệp đính kèm đặt tên theo mã băm SHA-256 (HashTepTin).
        file: PathBuf,
        /// Chỉ kiểm tra và báo cáo từng hồ sơ, không ghi gì.
        #[arg(long)]
        dry_run: bool,
        /// Tên hệ thống cũ, cho gói dạng CSV (gói JSON ghi ở NguonDuLieu).
        #[arg(long)]
        source: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Đặt mã định danh chính thức (QĐ 20/2020) cho các cơ quan từ tệp CSV hai cột: mã nội bộ,
    /// mã định danh; mã tạm của đơn vị trực thuộc đổi theo; có lỗi thì không đổi gì.
    AgencyCodes {
        /// Tệp CSV UTF-8.
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Xuất toàn bộ danh mục thủ tục (mọi phiên bản).
    Catalog {
        /// Định dạng.
        #[arg(long, value_enum, default_value_t = FileFormat::Json)]
        format: FileFormat,
        /// Ghi ra tệp (mặc định: in ra màn hình).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    Json,
    Csv,
}

impl From<FileFormat> for Format {
    fn from(f: FileFormat) -> Self {
        match f {
            FileFormat::Json => Format::Json,
            FileFormat::Csv => Format::Csv,
        }
    }
}

fn print_errors(e: &CatalogErrors) -> anyhow::Error {
    eprintln!("Tệp danh mục có {} lỗi, chưa nạp gì:", e.0.len());
    for row in &e.0 {
        eprintln!("  {row}");
    }
    BadInput("sửa các dòng trên rồi nạp lại.".into()).into()
}

pub async fn export(cmd: ExportCommand) -> Result<()> {
    let ExportCommand::Catalog {
        format,
        out,
        config,
    } = cmd;
    let config = config.load()?;
    let app = services(open_existing_db(&config).await?, &config).await?;
    let text = app.catalogue().export_catalog(format.into()).await?;
    app.close().await;
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .map_err(crate::os)
                .map_err(|e| BadInput(format!("không ghi được {}: {e}", path.display())))?;
            eprintln!("Đã xuất danh mục vào {}.", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

pub async fn import(cmd: ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Units { from, config } => {
            let (set, unmatched) = match &from {
                Some(dir) => read_official(dir)?,
                None => (UnitDataset::embedded(), Vec::new()),
            };
            let config = config.load()?;
            let app = services(open_existing_db(&config).await?, &config).await?;
            app.admin().import_units(&set).await?;
            app.close().await;
            println!(
                "Đã nạp đơn vị hành chính vào {}: {}.",
                store::without_password(&config.database.url),
                summary(&set)
            );
            print_unmatched(&unmatched);
            Ok(())
        }
        ImportCommand::Dossiers {
            file,
            dry_run,
            source,
            config,
        } => {
            // A file, or a folder with ho-so.json (or ho-so.csv and tien-trinh.csv) and the
            // files under tep/ named by SHA-256.
            let read = |path: &std::path::Path| {
                std::fs::read_to_string(path)
                    .map_err(crate::os)
                    .map_err(|e| BadInput(format!("không đọc được {}: {e}", path.display())))
            };
            let (text, dir) = if file.is_dir() && file.join("ho-so.csv").exists() {
                let steps = file.join("tien-trinh.csv");
                let steps = if steps.exists() {
                    Some(read(&steps)?)
                } else {
                    None
                };
                let source = source
                    .clone()
                    .unwrap_or_else(|| "hệ thống một cửa cũ".into());
                let json = app::legacy::bundle_from_csv(
                    &read(&file.join("ho-so.csv"))?,
                    steps.as_deref(),
                    &source,
                )
                .map_err(BadInput::from)?;
                (json, Some(file.join("tep")))
            } else if file.is_dir() {
                (read(&file.join("ho-so.json"))?, Some(file.join("tep")))
            } else {
                (read(&file)?, None)
            };
            let files = move |sha: &str| -> Option<Vec<u8>> {
                let dir = dir.as_ref()?;
                ["", ".pdf", ".jpg", ".jpeg", ".png"]
                    .iter()
                    .find_map(|ext| std::fs::read(dir.join(format!("{sha}{ext}"))).ok())
            };
            let config = config.load()?;
            let app = services(open_existing_db(&config).await?, &config).await?;
            let started = std::time::Instant::now();
            let done = app
                .admin()
                .import_dossiers(&domain::officer::Actor::System, &text, &files, dry_run)
                .await;
            app.close().await;
            let done = done.map_err(BadInput::from)?;
            // A dry run reports every record; a real run what needs a look. A reader that
            // stops reading (`| head`) ends the listing, not the program.
            let mut out = std::io::stdout().lock();
            for r in done.rows.iter().filter(|r| {
                dry_run || r.difference.is_some() || r.skipped.is_some() || !r.left_out.is_empty()
            }) {
                let mut what = match (&r.skipped, &r.difference) {
                    (Some(why), _) => why.clone(),
                    (None, Some(d)) => format!("chuyển; {d}"),
                    (None, None) => "chuyển".into(),
                };
                if !r.left_out.is_empty() {
                    what.push_str(&format!("; không chuyển: {}", r.left_out.join(", ")));
                }
                if writeln!(out, "  hồ sơ thứ {} {}: {what}", r.row, r.code).is_err() {
                    return Ok(());
                }
            }
            drop(out);
            println!(
                "{} {} hồ sơ, bỏ qua {} hồ sơ đã có — {:.1} s.",
                if dry_run {
                    "Kiểm tra xong (không ghi gì): sẽ chuyển"
                } else {
                    "Đã chuyển"
                },
                done.imported,
                done.skipped,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        ImportCommand::AgencyCodes { file, config } => {
            let text = std::fs::read_to_string(&file)
                .map_err(crate::os)
                .map_err(|e| BadInput(format!("không đọc được {}: {e}", file.display())))?;
            let config = config.load()?;
            let app = services(open_existing_db(&config).await?, &config).await?;
            let changed = app
                .admin()
                .import_agency_codes(&domain::officer::Actor::System, &text)
                .await;
            app.close().await;
            let changed = changed.map_err(BadInput::from)?;
            println!(
                "Đã cập nhật mã định danh của {changed} cơ quan từ {}.",
                file.display()
            );
            Ok(())
        }
        ImportCommand::Officers { file, config } => {
            let text = std::fs::read_to_string(&file)
                .map_err(crate::os)
                .map_err(|e| BadInput(format!("không đọc được {}: {e}", file.display())))?;
            let config = config.load()?;
            let app = services(open_existing_db(&config).await?, &config).await?;
            let created = app
                .admin()
                .import_officers(&domain::officer::Actor::System, &text)
                .await;
            app.close().await;
            let created = created.map_err(BadInput::from)?;
            println!(
                "Đã tạo {} tài khoản cán bộ từ {}.",
                created.len(),
                file.display()
            );
            let fresh: Vec<_> = created.iter().filter(|c| c.password.is_some()).collect();
            if !fresh.is_empty() {
                println!("Mật khẩu một lần (chỉ in lần này; mỗi người đổi khi nhận):");
                for c in fresh {
                    println!(
                        "  {:<28} {}  {}",
                        c.username,
                        c.password.as_deref().unwrap_or(""),
                        c.full_name
                    );
                }
            }
            Ok(())
        }
        ImportCommand::Catalog { file, config } => {
            let format = Format::of_path(&file).ok_or_else(|| {
                BadInput(format!(
                    "không biết định dạng của \"{}\": dùng tệp .json hoặc .csv.",
                    file.display()
                ))
            })?;
            let text = std::fs::read_to_string(&file)
                .map_err(crate::os)
                .map_err(|e| BadInput(format!("không đọc được {}: {e}", file.display())))?;
            let rows = match format {
                Format::Json => catalog::from_json(&text),
                Format::Csv => catalog::from_csv(&text),
            }
            .map_err(|e| print_errors(&e))?;
            let config = config.load()?;
            let app = services(open_existing_db(&config).await?, &config).await?;
            if let Err(e) = app.catalogue().check_catalog_rows(&rows).await {
                app.close().await;
                return Err(print_errors(&e));
            }
            let report = app.catalogue().import_catalog_rows(rows).await?;
            app.close().await;
            println!(
                "Đã nạp {}: {} phiên bản thủ tục, {} phiên bản mới (các phiên bản khác đã có, giống hệt).",
                file.display(),
                report.versions,
                report.added
            );
            Ok(())
        }
    }
}
