//! `motcua` — the Một Cửa binary: `serve`, `migrate`, `demo`, `bench`, `move` and `calendar`.
//!
//! Exit codes: 0 success, 2 bad input (with a Vietnamese message saying what to fix),
//! 1 anything else.

mod agencies;
mod backup;
mod bench;
mod bench_documents;
mod bench_driver;
mod bench_queue;
mod bench_reports;
mod bench_search;
mod calendar;
mod init;
mod layers;
mod moving;
mod report;
mod server;
mod transfer;
mod units;
mod verify;

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Một Cửa — hệ thống một cửa điện tử cho chính quyền địa phương.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chạy máy chủ (API, tài liệu API) với cơ sở dữ liệu đã cấu hình.
    Serve(server::ConfigArgs),
    /// Sao lưu cơ sở dữ liệu đang chạy vào một tệp mới (kèm tệp kê khai mã băm), rồi đọc lại
    /// bản sao để kiểm tra.
    Backup(backup::BackupArgs),
    /// Khôi phục một bản sao lưu vào chỗ trống (tệp SQLite chưa có, CSDL PostgreSQL chưa có
    /// bảng), sau khi đối chiếu mã băm với tệp kê khai; rồi kiểm tra toàn vẹn như motcua verify.
    Restore(backup::RestoreArgs),
    /// Tạo hoặc cập nhật cấu trúc cơ sở dữ liệu rồi thoát.
    Migrate(server::ConfigArgs),
    /// Đồng bộ toàn bộ lên Cổng Dịch vụ công quốc gia: xếp vào hộp thư đi mọi hồ sơ Cổng chưa
    /// xác nhận ở phiên bản hiện tại (khi bật đồng bộ trên cơ sở dữ liệu đã có hồ sơ); máy chủ
    /// đang chạy sẽ gửi đi.
    NationalBackfill(server::ConfigArgs),
    /// Khởi tạo một tỉnh thật trên cơ sở dữ liệu trống: cơ quan từ danh mục đơn vị hành chính
    /// 2025, danh mục thủ tục, quản trị viên đầu tiên.
    Init(init::InitArgs),
    /// Tạo cơ sở dữ liệu trình diễn (tỉnh Lào Cai, dữ liệu mẫu) nếu chưa có, rồi chạy máy chủ.
    Demo(server::DemoArgs),
    /// Đo tải qua HTTP (tiếp nhận, tra cứu) trên một bản cơ sở dữ liệu trình diễn tạm.
    Bench(bench::BenchArgs),
    /// Cơ quan: danh sách, thêm, đổi tên, sáp nhập, giờ làm việc, nơi tiếp nhận thủ tục.
    #[command(subcommand)]
    Agencies(agencies::AgenciesCommand),
    /// Nạp dữ liệu vào cơ sở dữ liệu: đơn vị hành chính, danh mục thủ tục, cán bộ, mã định danh,
    /// hồ sơ từ hệ thống cũ.
    #[command(subcommand)]
    Import(transfer::ImportCommand),
    /// Xuất dữ liệu: danh mục thủ tục.
    #[command(subcommand)]
    Export(transfer::ExportCommand),
    /// Đơn vị hành chính: đổi địa chỉ cũ sang đơn vị hiện nay, tra mã.
    #[command(subcommand)]
    Units(units::UnitsCommand),
    /// Lịch làm việc: ngày nghỉ lễ, hạn giải quyết, âm lịch.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Mẫu giấy tờ (PDF): danh sách mẫu có sẵn, in một mẫu để tỉnh sửa, kiểm tra mẫu đã sửa.
    Forms(FormsArgs),
    /// Báo cáo: tính lại bộ đếm từ nhật ký sự kiện.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Chuyển cơ sở dữ liệu SQLite của một xã vào cơ sở dữ liệu PostgreSQL của tỉnh: hồ sơ, sự
    /// kiện, tệp, tài khoản, bộ đếm; kiểm tra mọi chuỗi băm và số dòng trước khi ghi, không ghi
    /// đè hồ sơ nào, chạy lại chỉ chép phần mới.
    Move(moving::MoveArgs),
    /// Kiểm tra toàn vẹn dữ liệu (không ghi gì): chuỗi băm sự kiện, trạng thái hồ sơ so với
    /// nhật ký sự kiện, mã hồ sơ (không trùng, không bỏ số), bộ đếm báo cáo, tệp theo mã băm.
    /// Mã thoát 0 khi mọi thứ khớp, 3 khi có chỗ không khớp.
    Verify(server::ConfigArgs),
}

/// `motcua forms`: the built-in form templates.
#[derive(clap::Args, Debug)]
pub struct FormsArgs {
    /// In nội dung mẫu (TOML) có sẵn, ví dụ mau-01, để sao vào thư mục mẫu của tỉnh rồi sửa.
    #[arg(long, value_name = "MẪU")]
    print: Option<String>,
    /// Kiểm tra một tệp mẫu đã sửa (báo dòng sai, nếu có).
    #[arg(long, value_name = "TỆP")]
    check: Option<std::path::PathBuf>,
}

fn forms(args: FormsArgs) -> anyhow::Result<()> {
    if let Some(name) = args.print {
        let (_, text) = giayto::BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| BadInput(format!("không có mẫu \"{name}\"; xem `motcua forms`")))?;
        print!("{text}");
        return Ok(());
    }
    if let Some(path) = args.check {
        let text = std::fs::read_to_string(&path)
            .map_err(crate::os)
            .map_err(|e| BadInput(format!("không đọc được {}: {e}", path.display())))?;
        giayto::Template::parse(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
        println!("{}: mẫu hợp lệ.", path.display());
        return Ok(());
    }
    for (name, text) in giayto::BUILT_IN {
        let t = giayto::Template::parse(text).expect("the built-in templates are valid");
        println!("{name}  {}", t.name);
    }
    println!(
        "Sửa mẫu: motcua forms --print mau-01 > mau/mau-01.toml, sửa tệp, rồi đặt [documents] templates = \"mau\" trong motcua.toml."
    );
    Ok(())
}

/// An error the user can fix: printed in Vietnamese, exit code 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

impl From<app::AppError> for BadInput {
    fn from(e: app::AppError) -> Self {
        BadInput(e.to_string())
    }
}

impl From<lich::CalendarError> for BadInput {
    fn from(e: lich::CalendarError) -> Self {
        BadInput(e.to_string())
    }
}

/// An operating system's refusal (a file, a folder, a port), said in Vietnamese: its own text
/// ("No such file or directory (os error 2)") is English.
pub struct Os(std::io::Error);

pub fn os(e: std::io::Error) -> Os {
    Os(e)
}

impl std::fmt::Display for Os {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::io::ErrorKind as K;
        let said = match self.0.kind() {
            K::NotFound => "không có tệp hoặc thư mục này",
            K::PermissionDenied => "không có quyền (kiểm tra quyền của tài khoản chạy motcua)",
            K::AlreadyExists => "đã có tệp này",
            K::IsADirectory => "đây là thư mục, không phải tệp",
            K::NotADirectory => "một phần của đường dẫn không phải thư mục",
            K::DirectoryNotEmpty => "thư mục không trống",
            K::StorageFull => "ổ đĩa đã đầy",
            K::ReadOnlyFilesystem => "ổ đĩa chỉ cho đọc",
            K::InvalidData => "nội dung không phải văn bản UTF-8",
            K::AddrInUse => "cổng đang được một chương trình khác dùng",
            K::AddrNotAvailable => "máy này không có địa chỉ đó",
            K::TimedOut => "quá thời gian chờ",
            K::Interrupted => "bị ngắt giữa chừng",
            _ => {
                return match self.0.raw_os_error() {
                    Some(code) => write!(f, "lỗi hệ điều hành (mã {code})"),
                    None => f.write_str("lỗi hệ điều hành"),
                };
            }
        };
        f.write_str(said)
    }
}

fn main() -> ExitCode {
    let parsed = command_line()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if e.kind() == ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelp => {
            print!("{}", help_vi(&e));
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", help_vi(&e));
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("Lỗi: {}", usage_error_vi(&e));
            let argv: Vec<String> = std::env::args().collect();
            eprintln!("Xem hướng dẫn: {} --help", command_path(&argv));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Calendar(cmd) => calendar::run(cmd),
        Command::Units(cmd) => units::run(cmd),
        Command::Report(cmd) => runtime().and_then(|rt| rt.block_on(report::run(cmd))),
        Command::Agencies(cmd) => runtime().and_then(|rt| rt.block_on(agencies::run(cmd))),
        Command::Import(cmd) => runtime().and_then(|rt| rt.block_on(transfer::import(cmd))),
        Command::Export(cmd) => runtime().and_then(|rt| rt.block_on(transfer::export(cmd))),
        Command::Serve(args) => runtime().and_then(|rt| {
            rt.block_on(async {
                let config = args.load()?;
                let db = server::open_db(&config).await?;
                server::serve(
                    server::services_with_channels(db, &config).await?,
                    &config,
                    web::UiOptions::default(),
                )
                .await
            })
        }),
        Command::Migrate(args) => runtime().and_then(|rt| {
            rt.block_on(async {
                let config = args.load()?;
                server::open_db(&config).await?.close().await;
                println!(
                    "Cơ sở dữ liệu {} đã ở phiên bản mới nhất.",
                    store::without_password(&config.database.url)
                );
                Ok(())
            })
        }),
        Command::NationalBackfill(args) => runtime().and_then(|rt| {
            rt.block_on(async {
                let config = args.load()?;
                let app = server::services(server::open_existing_db(&config).await?, &config).await?;
                let queued = app
                    .national_backfill()
                    .await
                    .map_err(|e| BadInput(e.message))?;
                app.close().await;
                println!(
                    "Đã xếp {queued} hồ sơ vào hộp thư đi để đồng bộ lên Cổng Dịch vụ công quốc gia."
                );
                Ok(())
            })
        }),
        Command::Forms(args) => forms(args),
        Command::Move(args) => runtime().and_then(|rt| rt.block_on(moving::run(args))),
        Command::Verify(args) => runtime().and_then(|rt| rt.block_on(verify::run(args))),
        Command::Backup(args) => runtime().and_then(|rt| rt.block_on(backup::run(args))),
        Command::Restore(args) => runtime().and_then(|rt| rt.block_on(backup::restore(args))),
        Command::Init(args) => runtime().and_then(|rt| rt.block_on(init::run(args))),
        Command::Demo(args) => runtime().and_then(|rt| rt.block_on(server::demo(args))),
        Command::Bench(args) => {
            web::observe::init_logging("warn");
            notify::install_tls_provider();
            bench::run(args)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<BadInput>() {
            Some(bad) => {
                eprintln!("Lỗi: {bad}");
                ExitCode::from(2)
            }
            None if e.downcast_ref::<verify::Unsound>().is_some() => {
                eprintln!("Lỗi: {e}");
                ExitCode::from(3)
            }
            None => {
                eprintln!("Lỗi hệ thống: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    web::observe::init_logging("warn,motcua=info,app=info,notify=info");
    notify::install_tls_provider();
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Says in Vietnamese what clap found wrong with the command line.
/// The command line, said in Vietnamese: clap's own words (its headings, "Usage", the help
/// and version flags, "[default: …]", the `help` subcommand) are English.
fn command_line() -> clap::Command {
    let version = clap::Arg::new("version")
        .short('V')
        .long("version")
        .action(clap::ArgAction::Version)
        .help("In phiên bản");
    vietnamese(Cli::command().disable_version_flag(true).arg(version))
}

fn vietnamese(cmd: clap::Command) -> clap::Command {
    let help = clap::Arg::new("help")
        .short('h')
        .long("help")
        .action(clap::ArgAction::Help)
        .help("In hướng dẫn này");
    let cmd = cmd
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(help)
        .subcommand_help_heading("Lệnh")
        .subcommand_value_name("LỆNH")
        .help_template("{about-with-newline}\nCách dùng: {usage}\n\n{all-args}{after-help}\n")
        .mut_args(vietnamese_arg);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    names
        .iter()
        .fold(cmd, |cmd, name| cmd.mut_subcommand(name, vietnamese))
}

/// An argument under a Vietnamese heading, with its default and its choices said in Vietnamese.
fn vietnamese_arg(arg: clap::Arg) -> clap::Arg {
    let heading = if arg.is_positional() {
        "Tham số"
    } else {
        "Tùy chọn"
    };
    let mut said = Vec::new();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if arg.get_action().takes_values() {
        if !defaults.is_empty() {
            said.push(format!("mặc định: {}", defaults.join(", ")));
        }
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !choices.is_empty() {
            said.push(format!("chọn: {}", choices.join(", ")));
        }
    }
    let arg = arg
        .help_heading(heading)
        .hide_default_value(true)
        .hide_possible_values(true);
    if said.is_empty() {
        return arg;
    }
    let said = format!(" [{}]", said.join("; "));
    let help = arg.get_help().map(|h| format!("{h}{said}"));
    let long = arg.get_long_help().map(|h| format!("{h}{said}"));
    let arg = match help {
        Some(h) => arg.help(h),
        None => arg.help(said.trim_start().to_string()),
    };
    match long {
        Some(h) => arg.long_help(h),
        None => arg,
    }
}

/// "motcua calendar due": the command a mistaken line was for, whose help to point to.
fn command_path(argv: &[String]) -> String {
    let mut cmd = command_line();
    let mut path = vec!["motcua"];
    for word in argv.iter().skip(1) {
        match cmd.find_subcommand(word) {
            Some(sub) => {
                path.push(word);
                cmd = sub.clone();
            }
            None => break,
        }
    }
    path.join(" ")
}

/// A help text with clap's one English placeholder left in the usage line translated.
fn help_vi(e: &clap::Error) -> String {
    e.render().to_string().replace("[OPTIONS]", "[TÙY CHỌN]")
}

fn usage_error_vi(e: &clap::Error) -> String {
    let ctx = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    match e.kind() {
        ErrorKind::UnknownArgument => {
            format!(
                "tham số \"{}\" không được hỗ trợ.",
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::InvalidSubcommand => {
            format!("không có lệnh \"{}\".", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::MissingRequiredArgument => {
            format!("thiếu tham số bắt buộc: {}.", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "giá trị \"{}\" không hợp lệ cho {}.",
            ctx(ContextKind::InvalidValue),
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::ArgumentConflict => {
            format!(
                "tham số \"{}\" không dùng chung được.",
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            "số giá trị của tham số không đúng.".to_string()
        }
        _ => "cú pháp lệnh không hợp lệ.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's help, from `motcua --help` down to `motcua agencies hours --help`.
    fn helps(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(String, String)>) {
        let mut argv = vec!["motcua".to_string()];
        argv.extend(path.iter().cloned());
        argv.push("--help".into());
        let e = command_line()
            .try_get_matches_from(&argv)
            .expect_err("--help stops the parse");
        assert_eq!(e.kind(), ErrorKind::DisplayHelp, "{argv:?}");
        out.push((argv.join(" "), help_vi(&e)));
        for sub in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            helps(sub, p, out);
        }
    }

    fn undescribed(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            if arg
                .get_help()
                .is_none_or(|h| h.to_string().trim().is_empty())
            {
                out.push(format!("{path} --{}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            undescribed(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn a_mistaken_line_points_to_its_own_commands_help() {
        let argv = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            command_path(&argv("motcua calendar due 2026-13-01 5")),
            "motcua calendar due"
        );
        assert_eq!(command_path(&argv("motcua --bogus")), "motcua");
        assert_eq!(command_path(&argv("motcua serve --bogus")), "motcua serve");
    }

    #[test]
    fn every_option_says_what_it_is_for() {
        let mut missing = Vec::new();
        undescribed(&command_line(), "motcua", &mut missing);
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn every_help_of_the_command_line_is_vietnamese() {
        let mut all = Vec::new();
        helps(&command_line(), Vec::new(), &mut all);
        assert!(all.len() >= 30, "{} commands", all.len());
        for (argv, help) in &all {
            for english in [
                "Usage",
                "Options:",
                "Commands:",
                "Arguments:",
                "Print help",
                "Print version",
                "[default",
                "possible values",
                "[OPTIONS]",
                "<COMMAND>",
                "electronic one-stop",
            ] {
                assert!(!help.contains(english), "{argv}: «{english}» in\n{help}");
            }
            assert!(help.contains("Cách dùng: motcua"), "{argv}:\n{help}");
            assert!(!help.contains("[mặc định: ]"), "{argv}:\n{help}");

            assert!(
                help.contains("-h, --help  In hướng dẫn này") || help.contains("--help"),
                "{argv}"
            );
        }
        let (_, root) = &all[0];
        assert!(root.contains("hệ thống một cửa điện tử"), "{root}");
        assert!(root.contains("Lệnh:") && root.contains("<LỆNH>"), "{root}");
        assert!(
            !root.contains("\n  help "),
            "the help subcommand is gone:\n{root}"
        );
        let bench = &all
            .iter()
            .find(|(a, _)| a == "motcua bench --help")
            .unwrap()
            .1;
        assert!(bench.contains("[mặc định: 10]"), "{bench}");
    }
}
