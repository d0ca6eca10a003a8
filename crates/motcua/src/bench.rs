//! `motcua bench` — load over HTTP on loopback. Builds a fresh demo database in a temporary
//! folder (never the one in use), serves it on its own runtime, and drives it from a second
//! runtime with keep-alive connections: counter intakes (spread over the six communes' counters,
//! as a province's morning rush would be), then public lookups of random demo codes. Prints
//! requests per second and latency percentiles per phase.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Args;
use serde_json::{Value, json};

use crate::BadInput;
use crate::server::{Config, DatabaseConfig, open_db, services};

/// Options of `motcua bench`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: Option<BenchKind>,
    /// Số giây đo cho mỗi phần (tiếp nhận, tra cứu).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Số kết nối đồng thời.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Sinh lịch sử hồ sơ trình diễn từ ngày này (YYYY-MM-DD).
    #[arg(long, default_value = "2026-06-01")]
    since: String,
    /// Số luồng của máy chủ (mặc định: số nhân CPU).
    #[arg(long)]
    server_threads: Option<usize>,
    /// Số luồng của bên gửi tải.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Giữ lại thư mục cơ sở dữ liệu đo sau khi xong.
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, clap::Subcommand)]
enum BenchKind {
    /// Đo tìm kiếm thủ tục và hồ sơ (trong tiến trình, không qua HTTP) trên cơ sở dữ liệu lớn.
    Search(crate::bench_search::SearchArgs),
    /// Đo báo cáo, chỉ số 766 và trang biểu đồ trên bộ đếm của 5 triệu hồ sơ trong 3 năm.
    Reports(crate::bench_reports::ReportsArgs),
}

/// Latencies of one phase.
pub(crate) struct Phase {
    pub(crate) name: &'static str,
    pub(crate) ok: usize,
    pub(crate) failed: usize,
    pub(crate) first_failure: Option<String>,
    pub(crate) elapsed: Duration,
    pub(crate) latencies_us: Vec<u64>,
}

impl Phase {
    /// A phase of in-process calls, from their durations.
    pub(crate) fn of(name: &'static str, mut latencies: Vec<Duration>) -> Phase {
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

    /// Prints the latencies of in-process calls (no rate: they run one at a time).
    pub(crate) fn print_latencies(&self) {
        println!(
            "  {:<42} p50 {:>7.2} ms   p99 {:>7.2} ms   tối đa {:>7.2} ms   ({} lần)",
            self.name,
            self.percentile(0.50),
            self.percentile(0.99),
            self.percentile(1.0),
            self.ok
        );
    }

    pub(crate) fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }

    pub(crate) fn print(&self) {
        println!(
            "  {:<22} {:>9.0} yêu cầu/s   p50 {:>6.2} ms   p99 {:>6.2} ms   tối đa {:>7.2} ms   ({} thành công, {} lỗi, {:.1} s)",
            self.name,
            self.ok as f64 / self.elapsed.as_secs_f64(),
            self.percentile(0.50),
            self.percentile(0.99),
            self.percentile(1.0),
            self.ok,
            self.failed,
            self.elapsed.as_secs_f64()
        );
        if let Some(f) = &self.first_failure {
            println!("    lỗi đầu tiên: {f}");
        }
    }
}

/// The six demo communes (slug of the login, agency id).
const COMMUNES: [(&str, &str); 6] = [
    ("baothang", "lao-cai.bao-thang"),
    ("camduong", "lao-cai.cam-duong"),
    ("laocai", "lao-cai.lao-cai"),
    ("giaphu", "lao-cai.gia-phu"),
    ("sapa", "lao-cai.sa-pa"),
    ("batxat", "lao-cai.bat-xat"),
];

const PASSWORD: &str = "do-tai@2026";

pub fn run(args: BenchArgs) -> Result<()> {
    match args.what {
        Some(BenchKind::Search(search)) => return crate::bench_search::run(search),
        Some(BenchKind::Reports(reports)) => return crate::bench_reports::run(reports),
        None => {}
    }
    if args.seconds == 0 || args.connections == 0 || args.client_threads == 0 {
        bail!(BadInput(
            "số giây, số kết nối và số luồng phải lớn hơn 0.".into()
        ));
    }
    let since = NaiveDate::parse_from_str(args.since.trim(), "%Y-%m-%d").map_err(|_| {
        BadInput(format!(
            "ngày \"{}\" không hợp lệ (YYYY-MM-DD).",
            args.since
        ))
    })?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server_threads = args.server_threads.unwrap_or(cores).max(1);
    let dir = std::env::temp_dir().join(format!("motcua-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("tạo thư mục {}", dir.display()))?;
    let config = Config {
        database: DatabaseConfig {
            url: format!("sqlite:{}", dir.join("bench.db").display()),
        },
        ..Config::default()
    };

    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(server_threads)
        .thread_name("motcua-server")
        .enable_all()
        .build()?;
    let (app, db, addr) = server.block_on(async {
        let db = open_db(&config).await?;
        let app = services(db.clone(), &config).await?;
        let started = Instant::now();
        let s = app::demo::seed(&app, PASSWORD, since).await?;
        println!(
            "Cơ sở dữ liệu đo: {} ({} hồ sơ, {} sự kiện, nạp trong {:.1} s)",
            config.database.url,
            s.history.dossiers,
            s.history.events,
            started.elapsed().as_secs_f64()
        );
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
        anyhow::Ok((app, db, addr))
    })?;
    let codes = server.block_on(sample_codes(&db, 5_000))?;

    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads)
        .thread_name("motcua-load")
        .enable_all()
        .build()?;
    let base = format!("http://{addr}");
    println!(
        "Máy: {cores} nhân; máy chủ {server_threads} luồng, bên gửi tải {} luồng, {} kết nối, {} s mỗi phần, qua {base}",
        args.client_threads, args.connections, args.seconds
    );
    let result = client.block_on(async {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(args.connections)
            .build()?;
        let mut tokens = Vec::new();
        for (slug, _) in COMMUNES {
            tokens.push(login(&http, &base, &format!("motcua.{slug}")).await?);
        }
        let duration = Duration::from_secs(args.seconds);
        let intake = load(
            "Tiếp nhận tại quầy",
            &http,
            args.connections,
            duration,
            Arc::new(move |http: &reqwest::Client, worker: usize, _n: u64| {
                let (_, commune) = COMMUNES[worker % COMMUNES.len()];
                http.post(format!("{base}/api/v1/dossiers"))
                    .bearer_auth(&tokens[worker % COMMUNES.len()])
                    .json(&intake_body(commune))
            }),
            201,
        )
        .await;
        let base = format!("http://{addr}");
        let codes = Arc::new(codes);
        let lookup = load(
            "Tra cứu công khai",
            &http,
            args.connections,
            duration,
            Arc::new(move |http: &reqwest::Client, worker: usize, n: u64| {
                let i = (n as usize)
                    .wrapping_mul(7919)
                    .wrapping_add(worker * 104_729)
                    % codes.len();
                http.get(format!("{base}/api/v1/public/lookup/{}", codes[i]))
            }),
            200,
        )
        .await;
        anyhow::Ok((intake, lookup))
    });
    let (intake, lookup) = result?;
    println!("Kết quả:");
    intake.print();
    lookup.print();
    server.block_on(app.close());
    drop(client);
    server.shutdown_timeout(Duration::from_secs(2));
    if args.keep {
        println!("Giữ lại {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Codes of up to `n` demo dossiers that were received (the ones a citizen can look up).
async fn sample_codes(db: &store::Db, n: usize) -> Result<Vec<String>> {
    let mut codes = Vec::new();
    for id in db.dossier_ids().await?.into_iter().take(n) {
        if let Some(d) = db.dossier(id).await? {
            codes.push(d.code.to_string());
        }
    }
    if codes.is_empty() {
        bail!("cơ sở dữ liệu đo không có hồ sơ nào để tra cứu");
    }
    Ok(codes)
}

async fn login(http: &reqwest::Client, base: &str, username: &str) -> Result<String> {
    let resp = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await?;
    let status = resp.status();
    let body: Value = resp.json().await?;
    match body["token"].as_str() {
        Some(t) if status.is_success() => Ok(t.to_string()),
        _ => bail!("đăng nhập {username} không được: {body}"),
    }
}

/// A complete re-registration of birth (Đăng ký lại khai sinh) at a commune's counter.
fn intake_body(commune: &str) -> Value {
    json!({
        "procedure_code": "1.004884",
        "receiving": format!("{commune}.mot-cua"),
        "applicant": {
            "kind": "citizen",
            "name": "Nguyễn Thị Hằng",
            "id_number": "010190012345",
            "phone": "0912345678",
            "address_line": "Tổ dân phố 3",
            "address": "Tổ dân phố 3, tỉnh Lào Cai"
        },
        "components": [{"component": "to-khai"}, {"component": "giay-to-khai-sinh", "form": "copy"}],
        "return_method": {"kind": "counter"}
    })
}

type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `connections` workers, each sending one request after another, for `duration` (after a
/// short warm-up that is not counted).
async fn load(
    name: &'static str,
    http: &reqwest::Client,
    connections: usize,
    duration: Duration,
    make: MakeRequest,
    expected: u16,
) -> Phase {
    let warm_up = Duration::from_millis(500);
    let measure_from = Instant::now() + warm_up;
    let end = measure_from + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..connections {
        let http = http.clone();
        let make = make.clone();
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let (mut ok, mut failed, mut first_failure) = (0usize, 0usize, None);
            let mut n = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let outcome = make(&http, worker, n).send().await;
                n += 1;
                let took = sent.elapsed();
                let counted = sent >= measure_from;
                match outcome {
                    Ok(resp) if resp.status().as_u16() == expected => {
                        let _ = resp.bytes().await;
                        if counted {
                            ok += 1;
                            latencies.push(took.as_micros() as u64);
                        }
                    }
                    Ok(resp) => {
                        let status = resp.status();
                        let body = resp.text().await.unwrap_or_default();
                        if counted {
                            failed += 1;
                            first_failure.get_or_insert(format!("{status}: {body}"));
                        }
                    }
                    Err(e) => {
                        if counted {
                            failed += 1;
                            first_failure.get_or_insert(e.to_string());
                        }
                    }
                }
            }
            (latencies, ok, failed, first_failure)
        });
    }
    let mut phase = Phase {
        name,
        ok: 0,
        failed: 0,
        first_failure: None,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    while let Some(joined) = workers.join_next().await {
        if let Ok((latencies, ok, failed, first)) = joined {
            phase.latencies_us.extend(latencies);
            phase.ok += ok;
            phase.failed += failed;
            if phase.first_failure.is_none() {
                phase.first_failure = first;
            }
        }
    }
    phase.elapsed = duration;
    phase.latencies_us.sort_unstable();
    phase
}

/// A demo officer as the actor (benchmarks run on demo databases).
pub(crate) async fn demo_officer(db: &store::Db, username: &str) -> Result<domain::officer::Actor> {
    let (o, _) = db
        .officer_by_username(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo officer {username}"))?;
    Ok(domain::officer::Actor::Officer(o))
}
