//! `motcua report` — the report counters: `rebuild` recomputes them from the events and says how
//! many kept counters differed (0 when the incremental counters were right); `national` rolls
//! the periodic report and the QĐ 766 index up over several provinces' databases.

use std::sync::Arc;

use anyhow::Result;
use app::qd766::Scope;
use app::{App, Settings, SystemClock};
use clap::{Args, Subcommand};
use domain::officer::{Actor, Officer, OfficerId, Role, RoleGrant};
use domain::period::Period;

use crate::{BadInput, server};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Tính lại toàn bộ bộ đếm báo cáo từ nhật ký sự kiện.
    Rebuild(server::ConfigArgs),
    /// Tổng hợp toàn quốc: báo cáo định kỳ và Chỉ số 766 của nhiều tỉnh, đọc qua postgres_fdw
    /// từ một CSDL quốc gia (mỗi tỉnh giữ dữ liệu trên máy chủ của mình).
    National(NationalArgs),
}

/// Options of `motcua report national`.
#[derive(Debug, Args)]
pub struct NationalArgs {
    /// CSDL PostgreSQL quốc gia, nơi tạo bảng ngoại của các tỉnh (cần quyền tạo postgres_fdw),
    /// ví dụ postgres://motcua@127.0.0.1:5432/quocgia.
    #[arg(long, value_name = "URL")]
    national: String,
    /// CSDL PostgreSQL của một tỉnh (nêu một lần cho mỗi tỉnh).
    #[arg(long = "province", value_name = "URL", required = true)]
    provinces: Vec<String>,
    /// Kỳ báo cáo: tháng 2026-11, quý 2026-Q4 hoặc năm 2026 (mặc định: quý đang diễn ra).
    #[arg(long)]
    period: Option<String>,
}

pub async fn run(cmd: ReportCommand) -> Result<()> {
    match cmd {
        ReportCommand::Rebuild(args) => {
            let config = args.load()?;
            let db = server::open_existing_db(&config).await?;
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
        ReportCommand::National(args) => national(args).await,
    }
}

/// One province's figures for the period, as its own leaders see them.
struct ProvinceFigures {
    name: String,
    report: app::reports::PeriodLine,
    /// Chỉ số 766 of the province as a whole: points of the computed indicators, and their most.
    points: f64,
    max: f64,
}

async fn national(args: NationalArgs) -> Result<()> {
    let period = match &args.period {
        Some(p) => Period::parse(p).map_err(|e| BadInput(e.message))?,
        None => Period::quarter_of(lich::time::to_vn(&chrono::Utc::now()).date_naive()),
    };
    let started = std::time::Instant::now();
    let provinces = store::postgres::federate(&args.national, &args.provinces)
        .await
        .map_err(|e| BadInput(e.to_string()))?;
    let mut figures = Vec::new();
    for p in &provinces {
        // The province's schema of foreign tables in the national database, read like a
        // province's own database.
        let db = store::Db::connect(&p.url).await?;
        let app = App::new(
            db,
            Arc::new(SystemClock),
            Arc::new(lich::Calendar::embedded()),
            Settings::default(),
        )
        .await?;
        // The province's top agency (UBND tỉnh), whose auditor reads all of it.
        let root = app
            .agencies()
            .all()
            .find(|a| a.parent.is_none())
            .map(|a| a.id.clone())
            .ok_or_else(|| BadInput(format!("CSDL của {} chưa có cơ quan nào", p.name)))?;
        let reader = national_reader(root)?;
        let scope = Scope::default();
        let report = app
            .reports()
            .period_report(&reader, period.first_day(), period.last_day(), &scope)
            .await?;
        let index = app
            .reports()
            .index_766_points(&reader, period, None, &scope)
            .await?;
        figures.push(ProvinceFigures {
            name: p.name.clone(),
            report: report.total,
            points: index.total.points,
            max: index.total.max,
        });
        app.close().await;
    }
    print_national(&period, &args.national, &figures);
    println!(
        "Đọc {} tỉnh qua postgres_fdw trong {:.1} s.",
        figures.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Who reads a province's figures for the nation: an inspector (thanh tra, read-only
/// oversight) of the whole province.
fn national_reader(province: domain::agency::AgencyId) -> Result<Actor> {
    Ok(Actor::Officer(Officer {
        id: OfficerId(uuid::Uuid::nil()),
        username: "tong-hop-quoc-gia".into(),
        full_name: domain::ids::PersonName::parse("Tổng hợp quốc gia")
            .map_err(|e| BadInput(e.message))?,
        title: None,
        grants: vec![RoleGrant {
            role: Role::Auditor,
            agency: province,
        }],
        active: true,
    }))
}

fn print_national(period: &Period, national: &str, figures: &[ProvinceFigures]) {
    let percent = |a: i64, b: i64| {
        if b == 0 {
            "—".to_string()
        } else {
            format!("{:.1} %", 100.0 * a as f64 / b as f64)
        }
    };
    println!(
        "Tổng hợp toàn quốc — {} — {} tỉnh, thành phố (CSDL quốc gia {})",
        period.label(),
        figures.len(),
        store::without_password(national)
    );
    println!(
        "{:<32} {:>9} {:>10} {:>22} {:>10} {:>28} {:>14} {:>9} {:>12} {:>5}",
        "Tỉnh, thành phố",
        "Kỳ trước",
        "Tiếp nhận",
        "trực tiếp/trực tuyến/BC",
        "Đã giải quyết",
        "trước hạn/đúng hạn/quá hạn",
        "Đang giải quyết",
        "quá hạn",
        "Chỉ số 766",
        "Hạng"
    );
    // Provinces ranked by their share of the points they could have had.
    let share = |f: &ProvinceFigures| if f.max > 0.0 { f.points / f.max } else { -1.0 };
    let mut order: Vec<usize> = (0..figures.len()).collect();
    order.sort_by(|&a, &b| share(&figures[b]).total_cmp(&share(&figures[a])));
    let mut total = app::reports::PeriodLine::default();
    let line = |name: &str, l: &app::reports::PeriodLine, index: String, rank: String| {
        println!(
            "{:<32} {:>9} {:>10} {:>22} {:>10} {:>28} {:>14} {:>9} {:>12} {:>5}",
            name,
            l.carried,
            l.received_total(),
            format!("{}/{}/{}", l.received[0], l.received[1], l.received[2]),
            l.resolved(),
            format!(
                "{}/{}/{}",
                l.resolved_early, l.resolved_on_time, l.resolved_late
            ),
            l.open_within + l.open_past,
            l.open_past,
            index,
            rank
        );
    };
    for (rank, &i) in order.iter().enumerate() {
        let f = &figures[i];
        let index = if f.max > 0.0 {
            format!("{:.2}/{:.0}", f.points, f.max)
        } else {
            "—".into()
        };
        line(&f.name, &f.report, index, (rank + 1).to_string());
        total.add(&f.report);
    }
    line("Toàn quốc", &total, String::new(), String::new());
    println!(
        "Toàn quốc: đúng và trước hạn {} số đã giải quyết; đúng hạn theo QĐ 766 {}.",
        percent(
            total.resolved_early + total.resolved_on_time,
            total.resolved()
        ),
        percent(total.on_time_766, total.on_time_766 + total.late_766)
    );
}
