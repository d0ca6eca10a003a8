//! `motcua verify` — reads a whole database and says what does not agree: hash chains, stored
//! states and list rows against a replay of the events, dossier codes against their daily
//! sequences, report counters against a recount, files against their hashes. Writes nothing.
//! Exit code 0 when all agrees, 3 when something differs (listed), 1 or 2 when it could not read.

use anyhow::Result;

use crate::server::{self, Config, ConfigArgs};

/// What differed: the exit code says so to a script (see [`crate::main`]).
#[derive(Debug)]
pub struct Unsound(pub usize);

impl std::fmt::Display for Unsound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dữ liệu có {} chỗ không khớp (liệt kê ở trên).", self.0)
    }
}

impl std::error::Error for Unsound {}

pub async fn run(args: ConfigArgs) -> Result<()> {
    check(&args.load()?).await
}

/// Verifies the configured database and prints what it found.
pub async fn check(config: &Config) -> Result<()> {
    let db = server::open_existing_db(config).await?;
    let app = server::services(db, config).await?;
    let started = std::time::Instant::now();
    let v = app
        .admin()
        .verify(&|n| eprintln!("… đã đọc {n} hồ sơ"))
        .await;
    app.close().await;
    let v = v?;
    println!(
        "Đã kiểm tra {} hồ sơ ({} sự kiện), {} bộ đếm, {} tệp của {} trong {:.1} s.",
        v.dossiers,
        v.events,
        v.counters,
        v.files,
        store::without_password(&config.database.url),
        started.elapsed().as_secs_f64()
    );
    if v.sound() {
        println!("Mọi chuỗi băm, trạng thái, mã hồ sơ, bộ đếm và tệp đều khớp.");
        return Ok(());
    }
    for f in &v.findings {
        println!("- [{}] {}: {}", f.check, f.subject, f.detail);
    }
    if v.found > v.findings.len() {
        println!("… và {} chỗ khác.", v.found - v.findings.len());
    }
    if v.findings.iter().any(|f| f.check == "bộ đếm") {
        println!(
            "Bộ đếm báo cáo lệch có thể tính lại từ sự kiện: motcua report rebuild (khi đã đổi lịch nghỉ, số đếm lại theo lịch mới)."
        );
    }
    Err(Unsound(v.found).into())
}
