//! `motcua` — the Một Cửa binary. Subcommands grow with the product; today: `calendar`.
//!
//! Exit codes: 0 success, 2 bad input (with a Vietnamese message saying what to fix),
//! 1 anything else.

mod calendar;

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand};

/// Một Cửa — hệ thống một cửa điện tử cho chính quyền địa phương.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lịch làm việc: ngày nghỉ lễ, hạn giải quyết, âm lịch.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
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

impl From<lich::CalendarError> for BadInput {
    fn from(e: lich::CalendarError) -> Self {
        BadInput(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("Lỗi: {}", usage_error_vi(&e));
            eprintln!("Xem hướng dẫn: motcua --help");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Calendar(cmd) => calendar::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<BadInput>() {
            Some(bad) => {
                eprintln!("Lỗi: {bad}");
                ExitCode::from(2)
            }
            None => {
                eprintln!("Lỗi hệ thống: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Says in Vietnamese what clap found wrong with the command line.
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
