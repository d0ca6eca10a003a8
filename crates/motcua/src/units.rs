//! `motcua units …` — administrative units without a database: convert an old address to
//! today's units, look a unit up, and (for maintainers) make the compact copy shipped in the
//! binary from the official lists.

use std::path::{Path, PathBuf};

use anyhow::Result;
use app::units::{UnitDataset, UnitDirectory, Unmatched};
use clap::Subcommand;
use domain::unit::{Regime, UnitLevel};

use crate::BadInput;

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Đổi địa chỉ ghi theo đơn vị hành chính cũ sang đơn vị hiện nay.
    Convert {
        /// Địa chỉ, ví dụ "Tổ 3, thị trấn Phố Lu, huyện Bảo Thắng, tỉnh Lào Cai".
        address: String,
        /// In kết quả dạng JSON.
        #[arg(long)]
        json: bool,
    },
    /// Xem một đơn vị theo mã: cấp trên, đơn vị kế thừa hoặc các đơn vị hợp thành.
    Show {
        /// Mã đơn vị (2, 3 hoặc 5 chữ số).
        code: String,
        /// Dùng danh mục trước 01/7/2025 (ba cấp).
        #[arg(long)]
        old: bool,
    },
    /// (Người bảo trì) Tạo bản gọn từ ba tệp CSV chính thức.
    Compact {
        /// Thư mục có units-2024.csv, units-2025.csv, units-old-to-new.csv.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// Tệp kết quả, ví dụ crates/app/data/units.tsv.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Reads the three official CSV files of a folder.
pub fn read_official(dir: &Path) -> Result<(UnitDataset, Vec<Unmatched>)> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path)
            .map_err(crate::os)
            .map_err(|e| BadInput(format!("không đọc được {}: {e}", path.display())))
    };
    let set = UnitDataset::from_official(
        &read("units-2024.csv")?,
        &read("units-2025.csv")?,
        &read("units-old-to-new.csv")?,
    )
    .map_err(BadInput::from)?;
    Ok(set)
}

/// "34 tỉnh, 3.321 xã …" for a dataset.
pub fn summary(set: &UnitDataset) -> String {
    let n = |r, l| group(set.count(r, l));
    format!(
        "từ 01/7/2025: {} tỉnh, {} xã; đến 30/6/2025: {} tỉnh, {} huyện, {} xã; {} quan hệ kế thừa",
        n(Regime::TwoLevel, UnitLevel::Province),
        n(Regime::TwoLevel, UnitLevel::Commune),
        n(Regime::ThreeLevel, UnitLevel::Province),
        n(Regime::ThreeLevel, UnitLevel::District),
        n(Regime::ThreeLevel, UnitLevel::Commune),
        group(set.successions.len())
    )
}

/// 10051 → "10.051".
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

pub fn print_unmatched(unmatched: &[Unmatched]) {
    if unmatched.is_empty() {
        return;
    }
    println!(
        "{} dòng của bảng chuyển đổi không khớp đơn vị nào (không nạp):",
        unmatched.len()
    );
    for u in unmatched {
        println!("  dòng {}: {} — {}", u.line, u.row, u.reason);
    }
}

pub fn run(cmd: UnitsCommand) -> Result<()> {
    match cmd {
        UnitsCommand::Compact { from, out } => {
            let (set, unmatched) = read_official(&from)?;
            let mut text = set.to_compact();
            if !unmatched.is_empty() {
                text.insert_str(
                    0,
                    &format!(
                        "# {} dòng của bảng chuyển đổi cũ → mới không khớp đơn vị nào, không nạp:\n{}",
                        unmatched.len(),
                        unmatched
                            .iter()
                            .map(|u| format!("#   dòng {}: {} — {}\n", u.line, u.row, u.reason))
                            .collect::<String>()
                    ),
                );
            }
            std::fs::write(&out, text)
                .map_err(crate::os)
                .map_err(|e| BadInput(format!("không ghi được {}: {e}", out.display())))?;
            println!("Đã ghi {}: {}.", out.display(), summary(&set));
            print_unmatched(&unmatched);
            Ok(())
        }
        UnitsCommand::Convert { address, json } => {
            let dir = UnitDirectory::new(&UnitDataset::embedded());
            let c = dir.convert(&address).map_err(BadInput::from)?;
            if json {
                let unit = |u: &domain::unit::AdminUnit| serde_json::json!({"code": u.code, "name": u.name, "regime": domain::wire_name(&u.regime)});
                let value = serde_json::json!({
                    "address": vntext::clean(&address),
                    "found": c.found.iter().map(unit).collect::<Vec<_>>(),
                    "today": c.today.iter().map(|(commune, province)| serde_json::json!({
                        "commune": unit(commune), "province": unit(province)
                    })).collect::<Vec<_>>(),
                    "text": c.text(),
                    "unrecognised": c.unrecognised,
                });
                println!("{}", serde_json::to_string_pretty(&value)?);
                return Ok(());
            }
            let names: Vec<&str> = c.found.iter().map(|u| u.name.as_str()).collect();
            let when = match c.found.first().map(|u| u.regime) {
                Some(Regime::ThreeLevel) => "đơn vị trước 01/7/2025",
                _ => "đơn vị hiện nay",
            };
            println!("Địa chỉ ghi:   {} ({when})", names.join(", "));
            if let Some(part) = &c.unrecognised {
                println!("               không có \"{part}\" trong danh mục của huyện này");
            }
            match c.today.as_slice() {
                [] => println!("Hiện nay:      không có đơn vị kế thừa trong danh mục."),
                [_] => println!("Hiện nay:      {}", c.text().unwrap_or_default()),
                many => {
                    println!(
                        "Hiện nay:      địa bàn được chia cho {} xã/phường; xác định theo địa chỉ cụ thể:",
                        many.len()
                    );
                    for (commune, province) in many {
                        println!(
                            "               {} ({}), {}",
                            commune.name, commune.code, province.name
                        );
                    }
                }
            }
            Ok(())
        }
        UnitsCommand::Show { code, old } => {
            let regime = if old {
                Regime::ThreeLevel
            } else {
                Regime::TwoLevel
            };
            let dir = UnitDirectory::new(&UnitDataset::embedded());
            let chain = dir.chain(regime, code.trim());
            if chain.is_empty() {
                return Err(BadInput(format!(
                    "không có đơn vị mã \"{}\" trong danh mục {}.",
                    code.trim(),
                    if old {
                        "trước 01/7/2025"
                    } else {
                        "hiện nay"
                    }
                ))
                .into());
            }
            let names: Vec<&str> = chain.iter().map(|u| u.name.as_str()).collect();
            println!("{} — {}", chain[0].code, names.join(", "));
            if old {
                for u in dir.successors(&chain[0].code) {
                    println!("  từ 01/7/2025 thuộc: {} ({})", u.name, u.code);
                }
            } else {
                let before: Vec<String> = dir
                    .predecessors(&chain[0].code)
                    .iter()
                    .map(|u| {
                        let up = dir.chain(Regime::ThreeLevel, &u.code);
                        let names: Vec<&str> = up.iter().map(|x| x.name.as_str()).collect();
                        format!("{} ({})", names.join(", "), u.code)
                    })
                    .collect();
                if !before.is_empty() {
                    println!("  hình thành từ:");
                    for b in before {
                        println!("    {b}");
                    }
                }
            }
            Ok(())
        }
    }
}
