//! `motcua bench reports` — report speed at a province's size: the counters of 5,000,000
//! dossiers over three years across the demo province's units and as many more communes as a
//! merged province has (99), then the time to produce the periodic report for a quarter for all
//! units, the QĐ 766 index for all units for a quarter (with its previous quarter), and the
//! dashboard page over HTTP.
//!
//! How the dossiers are made: a few dozen dossiers are driven through the domain's commands
//! (reception, transfer, appraisal, supplement requests, approval, issuance) at each weekday of
//! a base week, each ending a different way; their facts, as offsets from the reception day,
//! are the patterns. Each generated dossier takes a pattern, a unit, a procedure, a channel and
//! a reception day with the same weekday, and adds the pattern's facts there. The counters hold
//! what those dossiers would have counted; no events or dossier rows are written (the reports
//! measured read only the counters; lists of individual dossiers are not part of this bench).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use app::qd766::{Period, Scope};
use app::{App, Settings, SystemClock, demo};
use chrono::{Datelike, NaiveDate};
use clap::Args;
use domain::agency::{Agency, AgencyId, AgencyKind};
use domain::dossier::{Fact, Measure};
use domain::officer::Actor;
use store::Db;

use crate::BadInput;
use crate::bench_driver::{Driver, Ending};
use loadgen::Phase;

#[derive(Debug, Args)]
pub struct ReportsArgs {
    /// Số hồ sơ sinh ra.
    #[arg(long, default_value_t = 5_000_000)]
    dossiers: u64,
    /// Số năm lịch sử (tính đến hôm nay).
    #[arg(long, default_value_t = 3)]
    years: u32,
    /// Số xã, phường của tỉnh (gồm 6 xã trình diễn).
    #[arg(long, default_value_t = 99)]
    communes: usize,
    /// Số lần đo mỗi báo cáo.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Đo lại trên cơ sở dữ liệu đã sinh (đường dẫn tệp .db) thay vì sinh mới.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// Giữ lại cơ sở dữ liệu đo sau khi xong.
    #[arg(long)]
    keep: bool,
    /// Đo trên PostgreSQL: một CSDL trống (sinh mới) hoặc đã sinh bởi lần đo trước (đo lại),
    /// ví dụ postgres://motcua@127.0.0.1:5432/baocao. Không xóa sau khi đo.
    #[arg(long, value_name = "URL", conflicts_with = "db")]
    database: Option<String>,
}

const PASSWORD: &str = "motcua@2026";

/// A small deterministic generator (xorshift), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A pattern: facts as (days after reception, measure).
type Pattern = Vec<(i64, Measure)>;

/// How each pattern ends, with its weight in a thousand dossiers.
const ENDINGS: [(Ending, u64); 7] = [
    (Ending::After(1), 420),
    (Ending::After(3), 380),
    (Ending::After(5), 100),
    (Ending::After(8), 40),
    (
        Ending::Supplemented {
            answered: 2,
            then: 3,
        },
        40,
    ),
    (Ending::TwiceSupplemented, 10),
    (Ending::Withdrawn, 10),
];

/// A dossier received on `day` driven through the domain, its facts as offsets from that day.
fn pattern(driver: &Driver, day: NaiveDate, ending: Ending) -> Result<Pattern> {
    let d = driver.drive(day, ending)?;
    Ok(d.facts(driver.calendar(), &Default::default())?
        .into_iter()
        .filter(|f| {
            !matches!(
                f.measure,
                Measure::Digitised | Measure::FeeBearing | Measure::ReusedData
            )
        })
        .map(|f| ((f.day - day).num_days(), f.measure))
        .collect())
}

/// Patterns for each weekday (Monday = 0) and ending, from the week of 7/12/2026.
fn patterns() -> Result<Vec<Vec<(Pattern, u64)>>> {
    let driver = Driver::new()?;
    let monday = NaiveDate::from_ymd_opt(2026, 12, 7).expect("valid date");
    let mut out = Vec::new();
    for w in 0..5 {
        let day = monday + chrono::Duration::days(w);
        let mut v = Vec::new();
        for (ending, weight) in ENDINGS {
            v.push((pattern(&driver, day, ending)?, weight));
        }
        v.push((pattern(&driver, day, Ending::Open)?, 0));
        out.push(v);
    }
    Ok(out)
}

/// The synthetic communes beyond the demo's six (named as such: a benchmark database only).
fn more_communes(n: usize) -> Result<Vec<Agency>> {
    let mut out = Vec::new();
    for k in 0..n {
        out.push(Agency {
            id: AgencyId::parse(&format!("lao-cai.do-{k:03}"))?,
            code: domain::ids::AgencyCode::parse(&format!("H38.{:02}", 10 + k % 89))?,
            code_verified: false,
            name: format!("UBND xã đo hiệu năng {k:03}"),
            kind: AgencyKind::CommuneCommittee,
            parent: Some(AgencyId::parse("lao-cai")?),
            unit: None,
            code_format: Default::default(),
            valid_from: None,
            valid_to: None,
            successor: None,
            note: Some("Đơn vị giả lập của cơ sở dữ liệu đo hiệu năng.".into()),
            office_hours: None,
            saturday_reception: None,
        });
    }
    Ok(out)
}

pub fn run(args: ReportsArgs) -> Result<()> {
    if args.dossiers == 0 || args.years == 0 || args.rounds == 0 || args.communes < 6 {
        anyhow::bail!(BadInput(
            "số hồ sơ, số năm, số lần đo phải lớn hơn 0; số xã ít nhất 6.".into()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let dir = match &args.db {
            Some(p) => p
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .to_path_buf(),
            None => {
                std::env::temp_dir().join(format!("motcua-bench-reports-{}", std::process::id()))
            }
        };
        let file = args.db.clone().unwrap_or_else(|| dir.join("reports.db"));
        let url = match &args.database {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&dir)?;
                format!("sqlite:{}", file.display())
            }
        };
        let db = Db::connect(&url).await.map_err(|e| {
            BadInput(format!(
                "không mở được cơ sở dữ liệu {}: {e}",
                store::without_password(&url)
            ))
        })?;
        db.migrate().await?;
        // Fresh when nothing was generated in it yet.
        let fresh = db.agencies().await?.is_empty();
        let app = App::new(
            db.clone(),
            Arc::new(SystemClock),
            Arc::new(lich::Calendar::embedded()),
            Settings::default(),
        )
        .await?;
        if fresh {
            generate(&app, &db, &args).await?;
        } else {
            println!("Đo lại trên {}", store::without_password(&url));
        }
        measure(&app, &db, &args).await?;
        app.close().await;
        if args.database.is_some() {
            println!(
                "Cơ sở dữ liệu đo giữ lại: {}",
                store::without_password(&url)
            );
        } else if args.db.is_none() && !args.keep {
            std::fs::remove_dir_all(&dir)?;
        } else {
            println!("Cơ sở dữ liệu đo giữ lại: {}", file.display());
        }
        Ok(())
    })
}

async fn generate(app: &App, db: &Db, args: &ReportsArgs) -> Result<()> {
    let started = Instant::now();
    demo::seed_without_history(app, PASSWORD).await?;
    db.put_agencies(&more_communes(args.communes.saturating_sub(6))?)
        .await?;
    app.admin().reload_agencies().await?;
    let patterns = patterns()?;
    let tree = app.agencies();
    // Units that decide dossiers: every commune and its police, the departments.
    let mut units: Vec<(String, u64)> = Vec::new();
    for a in tree.all() {
        let weight = match a.kind {
            AgencyKind::CommuneCommittee => 10,
            AgencyKind::Police => 2,
            AgencyKind::Department => 6,
            _ => 0,
        };
        if weight > 0 {
            units.push((a.id.to_string(), weight));
        }
    }
    units.sort();
    let weight_sum: u64 = units.iter().map(|u| u.1).sum();
    let procedures: Vec<String> = app
        .catalogue()
        .procedures()
        .await?
        .into_iter()
        .map(|p| p.code.to_string())
        .collect();
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = today - chrono::Months::new(12 * args.years);
    let cal = app.calendar_of(&AgencyId::parse("lao-cai.bao-thang")?);
    let mut days = Vec::new();
    let mut d = first;
    while d <= today {
        if cal.is_working_day(d)? && d.weekday().num_days_from_monday() < 5 {
            days.push(d);
        }
        d += chrono::Duration::days(1);
    }
    let total_weight: u64 = ENDINGS.iter().map(|e| e.1).sum();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut made = 0u64;
    let mut rows = 0usize;
    for (i, (unit, w)) in units.iter().enumerate() {
        let share = if i + 1 == units.len() {
            args.dossiers - made
        } else {
            args.dossiers * w / weight_sum
        };
        made += share;
        let mut sums: HashMap<(u16, NaiveDate, u8, Measure), i64> = HashMap::new();
        for _ in 0..share {
            let day = days[rng.below(days.len() as u64) as usize];
            let weekday = day.weekday().num_days_from_monday() as usize;
            let procedure = rng.below(procedures.len() as u64) as u16;
            let channel = match rng.below(100) {
                0..55 => 1,
                55..95 => 2,
                _ => 3,
            };
            // Dossiers of the last two weeks are mostly still being handled.
            let recent = (today - day).num_days() < 14;
            let pattern = if recent && rng.below(3) > 0 {
                &patterns[weekday].last().expect("open pattern").0
            } else {
                let mut pick = rng.below(total_weight);
                let mut chosen = &patterns[weekday][0].0;
                for (p, weight) in &patterns[weekday] {
                    if pick < *weight {
                        chosen = p;
                        break;
                    }
                    pick -= weight;
                }
                chosen
            };
            for (offset, m) in pattern {
                let day = day + chrono::Duration::days(*offset);
                if day > today
                    && !matches!(
                        m,
                        Measure::DueDay
                            | Measure::Due766Day
                            | Measure::OpenDue
                            | Measure::Open766Due
                    )
                {
                    continue;
                }
                *sums.entry((procedure, day, channel, *m)).or_default() += 1;
            }
            for (m, per_hundred) in [
                (Measure::Digitised, 70),
                (Measure::FeeBearing, 30),
                (Measure::ReusedData, 10),
            ] {
                if rng.below(100) < per_hundred {
                    *sums.entry((procedure, day, channel, m)).or_default() += 1;
                }
            }
        }
        let facts: Vec<(Fact, i64)> = sums
            .into_iter()
            .map(|((p, day, channel, measure), n)| {
                (
                    Fact {
                        agency: unit.clone(),
                        procedure: procedures[p as usize].clone(),
                        day,
                        channel,
                        measure,
                    },
                    n,
                )
            })
            .collect();
        rows += facts.len();
        db.add_daily_counts(&facts).await?;
    }
    db.finish_bulk_counts().await?;
    println!(
        "Sinh {} hồ sơ ({} năm, {} đơn vị giải quyết, {} thủ tục) thành {} dòng bộ đếm theo ngày trong {:.0} s",
        args.dossiers,
        args.years,
        units.len(),
        procedures.len(),
        rows,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn measure(app: &App, db: &Db, args: &ReportsArgs) -> Result<()> {
    let leader = crate::bench::demo_officer(db, "lanhdao.tinh").await?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    // The last full quarter.
    let quarter = Period::quarter_of(today).previous();
    let scope = Scope::default();

    let report = app
        .reports()
        .period_report(&leader, quarter.first_day(), quarter.last_day(), &scope)
        .await?;
    println!(
        "{}: {} cơ quan; tiếp nhận {}, giải quyết {}, đang giải quyết cuối kỳ {} (quá hạn {})",
        quarter.label(),
        report.lines.len(),
        report.total.received_total(),
        report.total.resolved(),
        report.total.open_within + report.total.open_past,
        report.total.open_past
    );
    let index = app
        .reports()
        .index_766(&leader, quarter, None, &scope)
        .await?;
    println!(
        "Chỉ số 766 {}: {} đơn vị xếp hạng; toàn tỉnh 2.1 = {}/{}",
        quarter.label(),
        index.units.len(),
        index.total.inputs.on_time,
        index.total.inputs.handled
    );

    let mut periodic = Vec::new();
    let mut qd766 = Vec::new();
    for _ in 0..args.rounds {
        let t = Instant::now();
        app.reports()
            .period_report(&leader, quarter.first_day(), quarter.last_day(), &scope)
            .await?;
        periodic.push(t.elapsed());
        let t = Instant::now();
        app.reports()
            .index_766(&leader, quarter, None, &scope)
            .await?;
        qd766.push(t.elapsed());
    }

    // The dashboard page over HTTP, logged in as the leader.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let served = app.clone();
    tokio::spawn(async move {
        web::serve(
            listener,
            served,
            web::UiOptions::default(),
            std::future::pending(),
        )
        .await
    });
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let username = match &leader {
        Actor::Officer(o) => o.username.clone(),
        _ => unreachable!("an officer"),
    };
    let body: serde_json::Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = body["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("login refused: {body}"))?
        .to_string();
    let url = format!("{base}/lanh-dao/bieu-do?ky={quarter}");
    let mut page = Vec::new();
    let mut bytes = 0;
    for _ in 0..args.rounds {
        let t = Instant::now();
        let resp = http
            .get(&url)
            .header("Cookie", format!("mc_phien={token}"))
            .send()
            .await?;
        let status = resp.status();
        let text = resp.text().await?;
        page.push(t.elapsed());
        if !status.is_success() || !text.contains("Hồ sơ tiếp nhận theo kênh") {
            anyhow::bail!("dashboard page failed: {status}");
        }
        bytes = text.len();
    }
    println!(
        "Thời gian ({} lần mỗi loại, {} nhân):",
        args.rounds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for p in [
        Phase::of("báo cáo định kỳ quý, mọi cơ quan", periodic),
        Phase::of("chỉ số 766 quý, mọi đơn vị (+ kỳ trước)", qd766),
        Phase::of("trang biểu đồ qua HTTP", page),
    ] {
        p.print_latencies();
    }
    println!("  (trang biểu đồ: {} KB)", bytes / 1024);
    Ok(())
}
