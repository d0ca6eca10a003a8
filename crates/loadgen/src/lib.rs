//! Tải đo — the load of `motcua bench`: workers on keep-alive connections sending one request
//! after another, the latencies of a phase and their percentiles, and the raw HTTP server whose
//! pace is the lookups' denominator. A library of its own so that this code, which shares the
//! machine with the server it measures, is compiled optimised like the server, while the
//! `motcua` binary that drives it is not (see the workspace's `Cargo.toml`).

use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latencies of one phase.
pub struct Phase {
    pub name: &'static str,
    pub ok: usize,
    pub failed: usize,
    pub first_failure: Option<String>,
    pub elapsed: Duration,
    /// In microseconds, sorted: 4 bytes each, since the load runs in the measured process and
    /// a phase of lookups holds half a million of them.
    pub latencies_us: Vec<u32>,
}

impl Phase {
    /// Requests answered per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// A phase with nothing counted yet.
    pub fn empty(name: &'static str) -> Phase {
        Phase {
            name,
            ok: 0,
            failed: 0,
            first_failure: None,
            elapsed: Duration::ZERO,
            latencies_us: Vec::new(),
        }
    }

    /// One phase from slices of the same load: their counts, times and latencies together.
    pub fn merge(slices: Vec<Phase>) -> Phase {
        let mut all = Phase::empty(slices.first().map_or("", |s| s.name));
        for s in slices {
            all.ok += s.ok;
            all.failed += s.failed;
            all.first_failure = all.first_failure.or(s.first_failure);
            all.elapsed += s.elapsed;
            all.latencies_us.extend(s.latencies_us);
        }
        all.latencies_us.sort_unstable();
        all
    }

    /// A phase of in-process calls, from their durations.
    pub fn of(name: &'static str, mut latencies: Vec<Duration>) -> Phase {
        let elapsed = latencies.iter().sum();
        latencies.sort_unstable();
        Phase {
            name,
            ok: latencies.len(),
            failed: 0,
            first_failure: None,
            elapsed,
            latencies_us: latencies.iter().map(|d| micros(*d)).collect(),
        }
    }

    /// Prints the latencies of in-process calls (no rate: they run one at a time).
    pub fn print_latencies(&self) {
        println!(
            "  {:<42} p50 {:>7.2} ms   p99 {:>7.2} ms   tối đa {:>7.2} ms   ({} lần)",
            self.name,
            self.percentile(0.50),
            self.percentile(0.99),
            self.percentile(1.0),
            self.ok
        );
    }

    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }

    pub fn print(&self) {
        println!(
            "  {:<22} {:>9.0} yêu cầu/s   p50 {:>6.2} ms   p99 {:>6.2} ms   tối đa {:>7.2} ms   ({} thành công, {} lỗi, {:.1} s)",
            self.name,
            self.rate(),
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

/// Builds the request a worker sends next, from the client, the worker's number and how many it
/// sent before.
pub type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `connections` workers, each sending one request after another, for `duration` after
/// `warm_up` (requests sent during the warm-up are not counted).
pub async fn load(
    warm_up: Duration,
    name: &'static str,
    http: &reqwest::Client,
    connections: usize,
    duration: Duration,
    make: MakeRequest,
    expected: u16,
) -> Phase {
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
                            latencies.push(micros(took));
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
    let mut phase = Phase::empty(name);
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
    phase.latencies_us.shrink_to_fit();
    phase
}

/// The raw HTTP server of `motcua bench`: the product's HTTP stack (axum on hyper) answering
/// every GET with the same bytes from memory — no middleware, no database.
pub async fn raw_http_server(answer: axum::body::Bytes) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let answer = answer.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    answer,
                )
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(addr)
}

/// A latency in whole microseconds (over 71 minutes counts as 71 minutes).
pub fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}
