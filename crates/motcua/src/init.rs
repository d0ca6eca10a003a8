//! `motcua init` — creates a real province on an empty database (see `app::province`): its
//! agencies from the embedded 2025 units, the catalogue, and the first administrator, whose
//! password is printed once or read from standard input.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, Result};
use app::province::{ProvinceRequest, one_time_password, parse_codes, provinces};
use app::units::{UnitDataset, UnitDirectory};
use clap::Args;

use crate::BadInput;
use crate::server::{ConfigArgs, open_db, services};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Mã tỉnh, thành phố trong danh mục 2025 (hai chữ số, ví dụ 15 là Lào Cai); xem --list.
    #[arg(long, required_unless_present = "list")]
    province: Option<String>,
    /// Mã định danh cấp 1 của UBND tỉnh theo QĐ 20/2020/QĐ-TTg (ví dụ H38).
    #[arg(long, value_name = "MÃ", required_unless_present = "list")]
    agency_code: Option<String>,
    /// Bảng mã định danh chính thức đã có: hai cột, mã nội bộ và mã định danh (CSV).
    #[arg(long, value_name = "FILE")]
    codes: Option<PathBuf>,
    /// Cơ cấu tỉnh đã sửa (TOML, như `motcua init --print-template`).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// Tên đăng nhập của quản trị viên đầu tiên.
    #[arg(long, default_value = "quantri")]
    admin: String,
    /// Họ và tên quản trị viên đầu tiên.
    #[arg(long, value_name = "HỌ TÊN", required_unless_present = "list")]
    admin_name: Option<String>,
    /// Đọc mật khẩu quản trị viên từ dòng đầu của đầu vào chuẩn thay vì tạo mật khẩu một lần.
    #[arg(long)]
    password_stdin: bool,
    /// Chỉ in danh sách 34 tỉnh, thành phố và mã của chúng.
    #[arg(long)]
    list: bool,
    /// Chỉ in cơ cấu tỉnh chuẩn (để chép ra tệp và sửa).
    #[arg(long)]
    print_template: bool,
    #[command(flatten)]
    config: ConfigArgs,
}

/// A refusal the operator can act on is printed as such (exit code 2); a failure of the
/// machine as a system error.
fn refusal(e: app::AppError) -> anyhow::Error {
    match e.kind {
        app::ErrorKind::Internal | app::ErrorKind::Busy => anyhow::Error::new(e),
        _ => BadInput::from(e).into(),
    }
}

fn read(path: &PathBuf, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(crate::os)
        .map_err(|e| BadInput(format!("không đọc được {what} \"{}\": {e}", path.display())).into())
}

pub async fn run(args: InitArgs) -> Result<()> {
    if args.print_template {
        print!("{}", app::province::TEMPLATE);
        return Ok(());
    }
    if args.list {
        let dir = UnitDirectory::new(&UnitDataset::embedded());
        for p in provinces(&dir) {
            println!("{}  {}", p.code, p.name);
        }
        return Ok(());
    }
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("không đọc được mật khẩu từ đầu vào chuẩn")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        one_time_password()?
    };
    let request = ProvinceRequest {
        province: args.province.unwrap_or_default(),
        agency_code: args.agency_code.unwrap_or_default(),
        codes: match &args.codes {
            Some(path) => parse_codes(&read(path, "bảng mã định danh")?).map_err(refusal)?,
            None => Default::default(),
        },
        template: match &args.template {
            Some(path) => Some(read(path, "tệp cơ cấu tỉnh")?),
            None => None,
        },
        admin_username: args.admin.clone(),
        admin_name: args.admin_name.unwrap_or_default(),
        admin_password: password.clone(),
    };
    let config = args.config.load()?;
    let db = open_db(&config).await?;
    let app = services(db, &config).await?;
    let started = std::time::Instant::now();
    let created = app.admin().create_province(&request, "motcua init").await;
    app.close().await;
    let s = created.map_err(refusal)?;
    println!(
        "Đã khởi tạo {} trong {}: {} cơ quan ({} xã, phường, đặc khu), {} thủ tục — {:.1} s.",
        s.province,
        store::without_password(&config.database.url),
        s.agencies,
        s.communes,
        s.procedures,
        started.elapsed().as_secs_f64()
    );
    if s.provisional_codes > 0 {
        println!(
            "{} cơ quan mang mã định danh tạm (đánh số theo mã cấp 1): thay bằng mã chính thức \
             trước khi đồng bộ với Cổng Dịch vụ công quốc gia (--codes, hoặc trang quản trị).",
            s.provisional_codes
        );
    }
    if args.password_stdin {
        println!("Quản trị viên: {} (mật khẩu đã nhập).", s.admin);
    } else {
        println!(
            "Quản trị viên: {}, mật khẩu một lần: {password}\n\
             Mật khẩu này chỉ in lần này: đăng nhập tại /dang-nhap rồi đặt mật khẩu mới ở trang \
             Quản trị → Tài khoản, vai trò.",
            s.admin
        );
    }
    Ok(())
}
