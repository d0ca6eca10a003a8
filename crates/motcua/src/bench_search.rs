//! `motcua bench search` — search latency as an officer or a citizen would feel it while typing:
//! every prefix of common queries over the procedure catalogue (the shipped one, then enlarged to
//! the size of the national catalogue with synthetic versions, said so), and dossier search by
//! name, id number and code over a large generated database, as a commune officer and as the
//! province's inspector. Runs in-process (no HTTP), on a temporary database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use app::queries::{DossierQuery, Order};
use app::search::ProcedureQuery;
use app::{App, Settings, SystemClock, demo};
use chrono::NaiveDate;
use clap::Args;
use domain::ids::ProcedureCode;
use domain::officer::Actor;
use store::Db;

use crate::BadInput;
use loadgen::Phase;

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Lịch sử hồ sơ từ ngày này (YYYY-MM-DD).
    #[arg(long, default_value = "2025-07-01")]
    since: String,
    /// Mật độ hồ sơ so với dữ liệu trình diễn (6 ≈ 100.000 hồ sơ từ 01/7/2025).
    #[arg(long, default_value_t = 6)]
    scale: u32,
    /// Số lần lặp mỗi truy vấn.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Số thủ tục của danh mục mở rộng (bằng CSDL quốc gia năm 2026: 5.741).
    #[arg(long, default_value_t = 5_741)]
    catalog_size: usize,
    /// Giữ lại cơ sở dữ liệu đo sau khi xong.
    #[arg(long)]
    keep: bool,
    /// Đo lại trên cơ sở dữ liệu đã giữ (--keep) thay vì sinh mới.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
}

/// What people type, checked at every prefix (as-you-type).
const TYPED: [&str; 10] = [
    "dang ky khai sinh",
    "Đăng ký kết hôn",
    "dk thuong tru",
    "chung thuc ban sao",
    "ho kinh doanh",
    "giay phep xay dung",
    "ly lich tu phap",
    "xoa dang ky tam tru",
    "gcn qsdd",
    "con nuoi",
];

fn prefixes(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    (2..=chars.len())
        .map(|n| chars[..n].iter().collect())
        .collect()
}

/// Latencies of every prefix, and of prefixes of 4 characters or more (what a search box that
/// waits for a few letters sends).
async fn catalog_phase(app: &App, name: &'static str, rounds: usize) -> Result<(Phase, Phase)> {
    let mut latencies = Vec::new();
    let mut longer = Vec::new();
    for _ in 0..rounds {
        for typed in TYPED {
            for text in prefixes(typed) {
                let typed_chars = text.chars().count();
                let started = Instant::now();
                let found = app
                    .catalogue()
                    .search_procedures(&ProcedureQuery {
                        text,
                        limit: 20,
                        ..Default::default()
                    })
                    .await?;
                let took = started.elapsed();
                latencies.push(took);
                if typed_chars >= 4 {
                    longer.push(took);
                }
                std::hint::black_box(found);
            }
        }
    }
    Ok((
        Phase::of(name, latencies),
        Phase::of("  từ 4 ký tự trở lên", longer),
    ))
}

async fn dossier_phase(
    app: &App,
    name: &'static str,
    actor: &Actor,
    queries: &[String],
    rounds: usize,
) -> Result<(Phase, usize)> {
    let mut latencies = Vec::new();
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for q in queries {
            let query = DossierQuery {
                limit: 20,
                order: Order::LatestFirst,
                ..DossierQuery::default()
            };
            let started = Instant::now();
            let page = app.queries().search_dossiers(actor, q, query).await?;
            let took = started.elapsed();
            latencies.push(took);
            slowest.push((took, q));
            hits += usize::from(!page.rows.is_empty());
        }
    }
    // Each query once, at its slowest.
    slowest.sort_unstable_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)));
    slowest.dedup_by(|a, b| a.1 == b.1);
    slowest.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
    let slowest: Vec<String> = slowest
        .iter()
        .take(3)
        .map(|(d, q)| format!("\"{q}\" {:.1} ms", d.as_secs_f64() * 1e3))
        .collect();
    println!("    chậm nhất: {}", slowest.join(", "));
    Ok((Phase::of(name, latencies), hits))
}

pub fn run(args: SearchArgs) -> Result<()> {
    let since = NaiveDate::parse_from_str(args.since.trim(), "%Y-%m-%d").map_err(|_| {
        BadInput(format!(
            "ngày \"{}\" không hợp lệ (YYYY-MM-DD).",
            args.since
        ))
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let reuse = args.db.clone();
        let dir = match &reuse {
            Some(path) => path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .to_path_buf(),
            None => {
                std::env::temp_dir().join(format!("motcua-bench-search-{}", std::process::id()))
            }
        };
        std::fs::create_dir_all(&dir)?;
        let file = reuse.clone().unwrap_or_else(|| dir.join("search.db"));
        let db = Db::connect(&format!("sqlite:{}", file.display())).await?;
        db.migrate().await?;
        let app = App::new(
            db.clone(),
            Arc::new(SystemClock),
            Arc::new(lich::Calendar::embedded()),
            Settings::default(),
        )
        .await?;
        if reuse.is_some() {
            let totals = db.totals().await?;
            println!(
                "Cơ sở dữ liệu đo (dùng lại {}): {} hồ sơ ({} sự kiện).",
                file.display(),
                totals.dossiers,
                totals.events
            );
        } else {
            demo::seed_without_history(&app, "do-tim-kiem@2026").await?;
            let started = Instant::now();
            let history = demo::add_history(&app, since, args.scale).await?;
            println!(
                "Cơ sở dữ liệu đo: {} hồ sơ ({} sự kiện), sinh trong {:.0} s.",
                history.dossiers,
                history.events,
                started.elapsed().as_secs_f64()
            );
        }
        println!(
            "Tìm thủ tục (mọi tiền tố khi gõ của {} truy vấn, {} lượt):",
            TYPED.len(),
            args.rounds
        );
        // A reused database already holds the enlarged catalogue: only that one can be measured.
        if reuse.is_none() {
            let size = app.catalogue().procedures().await?.len();
            let label: &'static str =
                Box::leak(format!("danh mục thật ({size} thủ tục)").into_boxed_str());
            let (real, real4) = catalog_phase(&app, label, args.rounds).await?;
            Phase::print_latencies(&real);
            Phase::print_latencies(&real4);
        }
        // Enlarge the catalogue to the national size with synthetic copies of the real entries.
        let base = app::catalog::shipped()?;
        let extra = args.catalog_size.saturating_sub(base.len()).min(9_999);
        let synthetic: Vec<_> = (0..extra)
            .map(|i| {
                let mut v = base[i % base.len()].clone();
                v.code = ProcedureCode::parse(&format!("DP.H38.{:04}", i + 1)).expect("valid code");
                v.name = format!("{} (bản tổng hợp số {})", v.name, i + 1);
                v
            })
            .filter(|v| !base.iter().any(|b| b.code == v.code))
            .collect();
        if reuse.is_none() {
            app.catalogue().import_catalog(&synthetic).await?;
        }
        let size = app.catalogue().procedures().await?.len();
        let label: &'static str =
            Box::leak(format!("danh mục mở rộng ({size} thủ tục, tổng hợp)").into_boxed_str());
        let (large, large4) = catalog_phase(&app, label, args.rounds.div_ceil(4)).await?;
        Phase::print_latencies(&large);
        Phase::print_latencies(&large4);

        // Dossier search queries taken from the data: names as typed (folded, partial), id
        // numbers, code fragments.
        let rows = db
            .list_dossiers(&store::DossierFilter {
                visible: store::Visibility::All,
                limit: 200,
                order: store::Order::LatestFirst,
                ..store::DossierFilter::default()
            })
            .await?
            .rows;
        let mut queries = Vec::new();
        for (i, r) in rows.iter().enumerate().take(60) {
            let folded = vntext::fold(&r.applicant_name);
            let words: Vec<&str> = folded.split(' ').collect();
            queries.push(match i % 3 {
                0 => format!("{} {}", words[0], words.last().copied().unwrap_or_default()),
                1 => folded
                    .chars()
                    .take(folded.chars().count().saturating_sub(2))
                    .collect(),
                _ => {
                    // "000.01.61.H38-261120-0003" → "261120-0003", as read off a receipt.
                    let parts: Vec<&str> = r.code.split('-').collect();
                    parts[1..].join("-")
                }
            });
        }
        println!(
            "Tìm hồ sơ ({} truy vấn: tên đầy đủ hoặc đang gõ, mã; {} lượt):",
            queries.len(),
            args.rounds
        );
        for (username, label) in [
            ("motcua.baothang", "cán bộ một cửa xã Bảo Thắng"),
            ("thanhtra", "thanh tra tỉnh (toàn tỉnh)"),
        ] {
            let actor = crate::bench::demo_officer(&db, username).await?;
            let (p, hits) = dossier_phase(&app, label, &actor, &queries, args.rounds).await?;
            Phase::print_latencies(&p);
            println!(
                "    ({:.0}% truy vấn có kết quả trong phạm vi được xem)",
                100.0 * hits as f64 / p.ok as f64
            );
        }
        app.close().await;
        if args.keep || reuse.is_some() {
            println!("Giữ lại {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&dir);
        }
        anyhow::Ok(())
    })
}
