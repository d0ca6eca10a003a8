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
use std::time::{Duration, Instant};

use anyhow::Result;
use app::qd766::{Period, Scope};
use app::{App, Settings, SystemClock, demo};
use chrono::{Datelike, NaiveDate};
use clap::Args;
use domain::agency::{Agency, AgencyId, AgencyKind};
use domain::dossier::{Command, Fact, Measure, Outcome};
use domain::officer::Actor;
use domain::testkit::{self, Sim};
use store::Db;

use crate::BadInput;
use crate::bench::Phase;

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
const ENDINGS: [(End, u64); 7] = [
    (End::After(1), 420),
    (End::After(3), 380),
    (End::After(5), 100),
    (End::After(8), 40),
    (End::Supplemented, 40),
    (End::TwiceSupplemented, 10),
    (End::Withdrawn, 10),
];

#[derive(Debug, Clone, Copy)]
enum End {
    After(u32),
    Supplemented,
    TwiceSupplemented,
    Withdrawn,
    Open,
}

fn at(d: NaiveDate, hm: &str) -> String {
    format!("{} {hm}", d.format("%Y-%m-%d"))
}

/// Drives one dossier received on `day` through the domain and returns its facts as offsets.
fn pattern(day: NaiveDate, end: End) -> Result<Pattern> {
    let mut sim = Sim::new();
    let cal = sim.cal.clone();
    let wd = |n: u32| cal.add_working_days(day, n);
    let supplement = |reason: &str| Command::RequestSupplement {
        items: vec![domain::dossier::SupplementItem {
            component: Some("giay-to".into()),
            text: "Bản sao không rõ số, ngày cấp".into(),
        }],
        reason: reason.into(),
        legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 19 khoản 4".into(),
    };
    let resubmit = || Command::SubmitSupplement {
        components: vec![testkit::component("giay-to")],
        note: String::new(),
    };
    let run = |sim: &mut Sim, when: String, actor: &Actor, c: Command| {
        sim.run(&when, actor, c)
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))
    };
    run(
        &mut sim,
        at(day, "09:00"),
        &testkit::counter(),
        Command::ReceiveAtCounter {
            new: testkit::new_dossier(testkit::procedure(), &["to-khai", "giay-to"]),
        },
    )?;
    run(
        &mut sim,
        at(day, "09:30"),
        &testkit::counter(),
        Command::Transfer {
            to_unit: testkit::id("lao-cai.bao-thang.vhxh"),
        },
    )?;
    run(
        &mut sim,
        at(day, "10:00"),
        &testkit::unit_head(),
        Command::Assign {
            officer: testkit::officer_of(&testkit::specialist()),
            reason: None,
        },
    )?;
    let finish = |sim: &mut Sim, d: NaiveDate| -> Result<()> {
        run(
            sim,
            at(d, "08:30"),
            &testkit::specialist(),
            Command::Forward {
                note: "Đủ điều kiện".into(),
                to_unit: None,
            },
        )?;
        run(
            sim,
            at(d, "09:00"),
            &testkit::leader(),
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
            },
        )?;
        run(
            sim,
            at(d, "10:00"),
            &testkit::clerk(),
            Command::IssueResult {
                number: "1/2026".into(),
            },
        )?;
        run(
            sim,
            at(d, "15:00"),
            &testkit::counter(),
            Command::Return {
                received_by: "Lù Văn Páo".into(),
                originals_returned: Vec::new(),
                postal_bill: None,
            },
        )
    };
    match end {
        End::After(n) => finish(&mut sim, wd(n)?)?,
        End::Supplemented => {
            run(
                &mut sim,
                at(wd(1)?, "10:00"),
                &testkit::specialist(),
                supplement("Lần 1"),
            )?;
            run(
                &mut sim,
                at(wd(3)?, "09:00"),
                &testkit::citizen(),
                resubmit(),
            )?;
            finish(&mut sim, wd(6)?)?;
        }
        End::TwiceSupplemented => {
            run(
                &mut sim,
                at(wd(1)?, "10:00"),
                &testkit::specialist(),
                supplement("Lần 1"),
            )?;
            run(
                &mut sim,
                at(wd(1)?, "15:00"),
                &testkit::citizen(),
                resubmit(),
            )?;
            run(
                &mut sim,
                at(wd(2)?, "10:00"),
                &testkit::specialist(),
                supplement("Lần 2"),
            )?;
            run(
                &mut sim,
                at(wd(2)?, "15:00"),
                &testkit::citizen(),
                resubmit(),
            )?;
            finish(&mut sim, wd(4)?)?;
        }
        End::Withdrawn => {
            run(
                &mut sim,
                at(wd(1)?, "10:00"),
                &testkit::citizen(),
                Command::RequestWithdrawal {
                    reason: "Người nộp xin rút hồ sơ".into(),
                },
            )?;
            run(
                &mut sim,
                at(wd(1)?, "14:00"),
                &testkit::leader(),
                Command::Stop {
                    reason: "Người nộp rút hồ sơ".into(),
                    legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 18".into(),
                },
            )?;
        }
        End::Open => {}
    }
    let d = sim
        .dossier
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no dossier"))?;
    Ok(d.facts(&sim.cal, &sim.rules)?
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
    let monday = NaiveDate::from_ymd_opt(2026, 12, 7).expect("valid date");
    let mut out = Vec::new();
    for w in 0..5 {
        let day = monday + chrono::Duration::days(w);
        let mut v = Vec::new();
        for (end, weight) in ENDINGS {
            v.push((pattern(day, end)?, weight));
        }
        v.push((pattern(day, End::Open)?, 0));
        out.push(v);
    }
    Ok(out)
}

fn officer(app: &App, username: &str) -> impl std::future::Future<Output = Result<Actor>> {
    let app = app.clone();
    let username = username.to_string();
    async move {
        let (o, _) = app
            .db()
            .officer_by_username(&username)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo officer {username}"))?;
        Ok(Actor::Officer(o))
    }
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
        std::fs::create_dir_all(&dir)?;
        let file = args.db.clone().unwrap_or_else(|| dir.join("reports.db"));
        let fresh = !file.exists();
        let db = Db::connect(&format!("sqlite:{}", file.display())).await?;
        db.migrate().await?;
        let app = App::new(
            db.clone(),
            Arc::new(SystemClock),
            Arc::new(lich::Calendar::embedded()),
            Settings::default(),
        )
        .await?;
        if fresh {
            generate(&app, &args).await?;
        } else {
            println!("Đo lại trên {}", file.display());
        }
        measure(&app, &args).await?;
        app.db().close().await;
        if args.db.is_none() && !args.keep {
            std::fs::remove_dir_all(&dir)?;
        } else {
            println!("Cơ sở dữ liệu đo giữ lại: {}", file.display());
        }
        Ok(())
    })
}

async fn generate(app: &App, args: &ReportsArgs) -> Result<()> {
    let started = Instant::now();
    demo::seed_without_history(app, PASSWORD).await?;
    app.db()
        .put_agencies(&more_communes(args.communes.saturating_sub(6))?)
        .await?;
    app.reload_agencies().await?;
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
        app.db().add_daily_counts(&facts).await?;
    }
    app.db().finish_bulk_counts().await?;
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

fn summary(name: &'static str, mut latencies: Vec<Duration>) -> Phase {
    let elapsed = latencies.iter().sum();
    latencies.sort_unstable();
    Phase {
        name,
        ok: latencies.len(),
        failed: 0,
        first_failure: None,
        elapsed,
        latencies_us: latencies.iter().map(|d| d.as_micros() as u64).collect(),
    }
}

async fn measure(app: &App, args: &ReportsArgs) -> Result<()> {
    let leader = officer(app, "lanhdao.tinh").await?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    // The last full quarter.
    let q = (today.month() - 1) / 3 + 1;
    let this = Period::parse(&format!("{}-Q{q}", today.year()))?;
    let quarter = this.previous();
    let scope = Scope::default();

    let report = app
        .period_report(&leader, quarter.from, quarter.to, &scope)
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
    let index = app.index_766(&leader, quarter, None, &scope).await?;
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
        app.period_report(&leader, quarter.from, quarter.to, &scope)
            .await?;
        periodic.push(t.elapsed());
        let t = Instant::now();
        app.index_766(&leader, quarter, None, &scope).await?;
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
    let url = format!("{base}/lanh-dao/bieu-do?ky={}", quarter.key());
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
        summary("báo cáo định kỳ quý, mọi cơ quan", periodic),
        summary("chỉ số 766 quý, mọi đơn vị (+ kỳ trước)", qd766),
        summary("trang biểu đồ qua HTTP", page),
    ] {
        let pct = |q: f64| {
            let i = ((p.latencies_us.len() as f64 - 1.0) * q).round() as usize;
            p.latencies_us[i] as f64 / 1000.0
        };
        println!(
            "  {:<42} p50 {:>7.1} ms   p99 {:>7.1} ms   tối đa {:>7.1} ms",
            p.name,
            pct(0.5),
            pct(0.99),
            pct(1.0)
        );
    }
    println!("  (trang biểu đồ: {} KB)", bytes / 1024);
    Ok(())
}
