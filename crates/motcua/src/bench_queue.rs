//! `motcua bench queue` — the queue under load over HTTP on loopback: display boards connected
//! to one centre's live feed (server-sent events) while counters call numbers, each call a
//! real desk action (call the next number, read the desk, mark it served). Prints the time from
//! an officer's call leaving the counter to each board receiving it (p50, p99, most), the
//! calls made, and the process's CPU time and memory (the load runs in the same process).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use domain::officer::{Officer, OfficerId, Role, RoleGrant};

use crate::BadInput;
use crate::bench::{PASSWORD, login, memory};
use crate::server::{open_db, services};
use loadgen::Phase;

/// Options of `motcua bench queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Số bảng hiển thị kết nối.
    #[arg(long, default_value_t = 50)]
    boards: usize,
    /// Số quầy gọi số.
    #[arg(long, default_value_t = 10)]
    counters: usize,
    /// Số giây đo.
    #[arg(long, default_value_t = 300)]
    seconds: u64,
    /// Mỗi quầy gọi một số sau mỗi chừng ấy mili giây.
    #[arg(long, default_value_t = 1000)]
    every_ms: u64,
}

const CENTRE: &str = "lao-cai.bao-thang.mot-cua";

pub fn run(args: QueueArgs) -> Result<()> {
    if args.boards == 0 || args.counters == 0 || args.seconds == 0 || args.counters > 99 {
        bail!(BadInput(
            "số bảng, số quầy (1–99) và số giây phải lớn hơn 0.".into()
        ));
    }
    let (dir, config) = crate::bench::scratch("motcua-bench-queue")?;
    let server = tokio::runtime::Builder::new_multi_thread()
        .thread_name("motcua-server")
        .enable_all()
        .build()?;
    let calls = args.counters as u64 * (args.seconds * 1000 / args.every_ms.max(1) + 2);
    let (addr, centre_id) = server.block_on(async {
        let db = open_db(&config).await?;
        let app = services(db.clone(), &config).await?;
        app::demo::seed_without_history(&app, PASSWORD).await?;
        // The counter officers, one per counter.
        let hash = app.accounts().hash_officer_password(PASSWORD, "").await?;
        let centre = domain::agency::AgencyId::parse(CENTRE).map_err(|e| anyhow::anyhow!("{e}"))?;
        const NAMES: [&str; 10] = [
            "Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười",
        ];
        for i in 1..=args.counters {
            let o = Officer {
                id: OfficerId(uuid::Uuid::now_v7()),
                username: format!("quay{i:02}"),
                full_name: domain::ids::PersonName::parse(&format!(
                    "Cán bộ Quầy {}",
                    NAMES[(i - 1) % NAMES.len()]
                ))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
                title: None,
                grants: vec![RoleGrant {
                    role: Role::CounterOfficer,
                    agency: centre.clone(),
                }],
                active: true,
            };
            db.add_officer(&o, &hash, None).await?;
        }
        // The people waiting: enough numbers for every call of the run.
        let today = lich::time::to_vn(&app.now()).date_naive();
        for _ in 0..calls {
            let t = domain::queue::Ticket::waiting(CENTRE, today, "ho-tich", None, app.now());
            let e = store::TicketEvent {
                at_ms: app.now().timestamp_millis(),
                by: "kiosk".into(),
                change: domain::queue::TicketChange::Issued,
            };
            db.issue_ticket(&t, &e).await?;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            web::serve(
                listener,
                app,
                web::UiOptions::default(),
                std::future::pending(),
            )
            .await
        });
        anyhow::Ok((addr, centre))
    })?;
    let base = format!("http://{addr}");
    println!(
        "Hàng đợi: {} bảng hiển thị, {} quầy gọi số mỗi {} ms, {} s, qua {base} ({} số đã phát sẵn)",
        args.boards, args.counters, args.every_ms, args.seconds, calls
    );
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("motcua-load")
        .enable_all()
        .build()?;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let result = client.block_on(drive(&args, &base, centre_id.as_str()))?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    result.0.print_latencies();
    println!(
        "  số lần gọi: {} ({} lỗi); tin nhận ở các bảng: {} (thiếu {})",
        result.1, result.2, result.3, result.4
    );
    if let Some(cpu) = cpu {
        println!(
            "  CPU của tiến trình (máy chủ và bên gửi tải): {cpu:.1} s trong {wall:.0} s = {:.1} % một nhân",
            100.0 * cpu / wall
        );
    }
    if let Some((rss, peak)) = memory() {
        println!("  Bộ nhớ: {rss:.0} MB, cao nhất {peak:.0} MB");
    }
    drop(client);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// When each number's call left its counter.
type Sent = Arc<Mutex<HashMap<String, Instant>>>;

/// Runs the boards and the counters; the latencies, calls made, failed, received, missing.
async fn drive(args: &QueueArgs, base: &str, centre: &str) -> Result<(Phase, u64, u64, u64, u64)> {
    let sent: Sent = Arc::default();
    let stop = Instant::now() + Duration::from_secs(args.seconds);
    let mut boards = Vec::new();
    for _ in 0..args.boards {
        let url = format!("{base}/bang/{centre}/su-kien");
        boards.push(tokio::spawn(async move { board(&url, stop).await }));
    }
    // Let every board connect before the first call.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut counters = Vec::new();
    for i in 1..=args.counters {
        let token = login(&http, base, &format!("quay{i:02}")).await?;
        let (http, base, sent) = (http.clone(), base.to_string(), sent.clone());
        let every = Duration::from_millis(args.every_ms);
        counters.push(tokio::spawn(async move {
            counter(&http, &base, &token, i as u16, every, sent, stop).await
        }));
    }
    let (mut called, mut failed) = (0, 0);
    for c in counters {
        let (ok, bad) = c.await??;
        called += ok;
        failed += bad;
    }
    let sent = std::mem::take(&mut *sent.lock().expect("sent"));
    let mut latencies = Vec::new();
    for b in boards {
        for (ticket, at) in b.await?? {
            if let Some(left) = sent.get(&ticket) {
                latencies.push(at.saturating_duration_since(*left));
            }
        }
    }
    let received = latencies.len() as u64;
    let expected = called * args.boards as u64;
    Ok((
        Phase::of("Gọi số → hiện trên bảng", latencies),
        called,
        failed,
        received,
        expected.saturating_sub(received),
    ))
}

/// One board: reads the feed and notes when each call it announces arrived.
async fn board(url: &str, stop: Instant) -> Result<Vec<(String, Instant)>> {
    let http = reqwest::Client::new();
    let mut resp = http.get(url).send().await?;
    let mut buf = String::new();
    let mut received = Vec::new();
    let grace = stop + Duration::from_secs(3);
    loop {
        let left = grace.saturating_duration_since(Instant::now());
        let Ok(chunk) = tokio::time::timeout(left, resp.chunk()).await else {
            break;
        };
        let Some(chunk) = chunk? else { break };
        let now = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(data)?;
            if let Some(ticket) = v["call"]["ticket"].as_str() {
                received.push((ticket.to_string(), now));
            }
        }
    }
    Ok(received)
}

/// One counter: opens, then calls a number, reads its desk and marks the number served, every
/// `every`; the calls made and failed.
async fn counter(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    number: u16,
    every: Duration,
    sent: Sent,
    stop: Instant,
) -> Result<(u64, u64)> {
    let desk = format!("{base}/can-bo/quay");
    let page = http
        .get(&desk)
        .header("Cookie", format!("mc_phien={token}"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").context("no csrf on the desk")?;
    let cookie = format!("mc_phien={token}; mc_csrf={csrf}");
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(fields);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        http.post(&desk)
            .header("Cookie", &cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    post(vec![
        ("do", "mo-quay".into()),
        ("quay", number.to_string()),
        ("khu_vuc", "ho-tich".into()),
    ])
    .await?;
    let (mut ok, mut bad) = (0, 0);
    let mut tick = tokio::time::interval(every);
    while Instant::now() < stop {
        tick.tick().await;
        // The number it will call is not known before: the time is taken when the call
        // leaves, and filed under the number the desk then shows.
        let leaving = Instant::now();
        let r = post(vec![("do", "goi".into())]).await?;
        if r.status().as_u16() != 303 {
            bad += 1;
            continue;
        }
        let page = http
            .get(&desk)
            .header("Cookie", &cookie)
            .send()
            .await?
            .text()
            .await?;
        let (Some(label), Some(id)) = (
            between(&page, "class=\"ticket-no\">", "<"),
            between(&page, "name=\"ve\" value=\"", "\""),
        ) else {
            bad += 1;
            continue;
        };
        sent.lock().expect("sent").insert(label, leaving);
        ok += 1;
        post(vec![("do", "xong".into()), ("ve", id)]).await?;
    }
    Ok((ok, bad))
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let rest = text.split(start).nth(1)?;
    Some(rest.split(end).next()?.to_string())
}

/// CPU time this process used so far (user + system), in seconds.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
