//! Giám sát — what a province's IT team watches: every request runs in a `tracing` span with its
//! request id, route and the account acting (an officer's id, never a name or an id number), and
//! `/metrics` serves Prometheus counters (requests, latencies, write batches, the writer's queue,
//! the outbox) to whoever holds the configured token; without a token configured it does not
//! exist.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use app::App;
use axum::Extension;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::officer::Actor;
use tracing::Instrument;

/// The header carrying a request's id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BOUNDS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// (count, total seconds) by (method, status), for one route.
type RouteCounts = HashMap<(&'static str, u16), (u64, f64)>;

/// Requests counted since the server started (one set per router).
#[derive(Default)]
pub struct Metrics {
    /// By route template.
    requests: Mutex<HashMap<String, RouteCounts>>,
    /// Requests by latency bucket (not cumulative; the last one is "longer").
    latency: [AtomicU64; LATENCY_BOUNDS.len() + 1],
}

/// A request id the client sent, when it is a plausible one (short, plain characters); else
/// a new one. Never echoes anything long or strange back.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (8..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(new_request_id, str::to_string)
}

/// A new request id: 32 hex digits, a random prefix drawn once per process and a counter (no
/// clock or system call per request; unique within the process, unlikely to repeat across
/// restarts).
fn new_request_id() -> String {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::now_v7().as_u64_pair().1);
    format!("{prefix:016x}{:016x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The route a request matched (its template, e.g. `/api/v1/dossiers/{id}`): never the path
/// itself, which may hold a code or a query.
fn route_of(req: &Request) -> Option<MatchedPath> {
    req.extensions().get::<MatchedPath>().cloned()
}

/// The method's name, from the fixed set HTTP has (anything else is "OTHER").
fn method_name(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Runs a request in its span, counts it, and returns its id in `x-request-id`.
pub async fn observe(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let id = request_id(req.headers());
    let matched = route_of(&req);
    let route = matched.as_ref().map_or("(khác)", |m| m.as_str());
    let method = method_name(req.method());
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = method,
        route = route,
        user = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    span.record("status", status);
    if status >= 500 {
        span.in_scope(|| tracing::warn!(seconds, "request failed"));
    } else {
        span.in_scope(|| tracing::debug!(seconds, "request"));
    }
    let bucket = LATENCY_BOUNDS
        .iter()
        .position(|b| seconds <= *b)
        .unwrap_or(LATENCY_BOUNDS.len());
    m.latency[bucket].fetch_add(1, Ordering::Relaxed);
    {
        let mut requests = m.requests.lock().expect("metrics");
        let counts = match requests.get_mut(route) {
            Some(c) => c,
            None => requests.entry(route.to_string()).or_default(),
        };
        let entry = counts.entry((method, status)).or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += seconds;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// Records who is acting in the current request's span: an officer's id, "citizen" or
/// "system" — nothing that names a person.
pub fn record_actor(actor: &Actor) {
    let who = match actor {
        Actor::Officer(o) => format!("officer:{}", o.id),
        Actor::Citizen { .. } => "citizen".to_string(),
        Actor::System => "system".to_string(),
    };
    tracing::Span::current().record("user", who.as_str());
}

/// `GET /metrics`: Prometheus text, for the holder of `metrics_token`; a 404 to anyone else
/// (and to everyone when no token is configured).
pub async fn serve_metrics(
    State(app): State<App>,
    Extension(metrics): Extension<Arc<Metrics>>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = app.settings().metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !app::access::same_secret(given, token) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let outbox = app.notices().outbox_counts().await.ok();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        exposition(&metrics, &app.notices().write_stats(), outbox.as_ref()),
    )
        .into_response()
}

/// The text exposition format, version 0.0.4.
fn exposition(m: &Metrics, writes: &app::WriteStats, outbox: Option<&app::OutboxCounts>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    out.push_str("# HELP motcua_http_requests_total Requests answered, by method, route and status.\n# TYPE motcua_http_requests_total counter\n");
    let mut requests: Vec<(String, &'static str, u16, u64, f64)> = m
        .requests
        .lock()
        .expect("metrics")
        .iter()
        .flat_map(|(route, counts)| {
            counts
                .iter()
                .map(|((method, status), (n, s))| (route.clone(), *method, *status, *n, *s))
        })
        .collect();
    requests.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    for (route, method, status, n, _) in &requests {
        let _ = writeln!(
            out,
            "motcua_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
        );
    }
    out.push_str("# HELP motcua_http_request_seconds_sum Time spent answering, by method, route and status.\n# TYPE motcua_http_request_seconds_sum counter\n");
    for (route, method, status, _, s) in &requests {
        let _ = writeln!(
            out,
            "motcua_http_request_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {s:.6}"
        );
    }
    out.push_str("# HELP motcua_http_request_duration_seconds Latency of every request.\n# TYPE motcua_http_request_duration_seconds histogram\n");
    let mut cumulative = 0;
    for (i, bound) in LATENCY_BOUNDS.iter().enumerate() {
        cumulative += m.latency[i].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "motcua_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
        );
    }
    cumulative += m.latency[LATENCY_BOUNDS.len()].load(Ordering::Relaxed);
    let total_seconds: f64 = requests.iter().map(|r| r.4).sum();
    let _ = writeln!(
        out,
        "motcua_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}\nmotcua_http_request_duration_seconds_sum {total_seconds:.6}\nmotcua_http_request_duration_seconds_count {cumulative}"
    );
    out.push_str("# HELP motcua_write_batch_jobs Jobs per committed write transaction.\n# TYPE motcua_write_batch_jobs histogram\n");
    for (bound, n) in app::WriteStats::BATCH_BOUNDS
        .iter()
        .zip(writes.batches_at_most)
    {
        let _ = writeln!(out, "motcua_write_batch_jobs_bucket{{le=\"{bound}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "motcua_write_batch_jobs_bucket{{le=\"+Inf\"}} {}\nmotcua_write_batch_jobs_sum {}\nmotcua_write_batch_jobs_count {}",
        writes.batches, writes.jobs, writes.batches
    );
    let _ = writeln!(
        out,
        "# HELP motcua_write_queue_jobs Writes waiting for the database writer.\n# TYPE motcua_write_queue_jobs gauge\nmotcua_write_queue_jobs {}",
        writes.queued
    );
    if let Some(o) = outbox {
        out.push_str("# HELP motcua_outbox_messages Messages in the outbox, by state.\n# TYPE motcua_outbox_messages gauge\n");
        for (state, n) in [
            ("pending", o.pending),
            ("failing", o.failing),
            ("dead", o.dead),
            ("sent", o.sent),
        ] {
            let _ = writeln!(out, "motcua_outbox_messages{{state=\"{state}\"}} {n}");
        }
    }
    out
}

/// What `/healthz` and `/readyz` answer: `ok`, `degraded` (reads work, writes do not, or the
/// disk is nearly full) or `down`, and what is wrong, in Vietnamese.
#[derive(serde::Serialize)]
struct HealthBody {
    status: &'static str,
    reads: bool,
    writes: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

fn health_answer(h: &app::health::Health, ok: bool) -> Response {
    let body = HealthBody {
        status: if h.ready() {
            "ok"
        } else if h.live() {
            "degraded"
        } else {
            "down"
        },
        reads: h.reads.is_none(),
        writes: h.writes.is_none(),
        problem: h.problem(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(body),
    )
        .into_response()
}

/// `/healthz` — alive: 200 while the server can read its database (it still serves lookups,
/// lists and existing sessions when writes fail), 503 when it cannot.
pub async fn healthz(State(app): State<App>) -> Response {
    let h = app.health().await;
    health_answer(&h, h.live())
}

/// `/readyz` — ready for everything: 200 only when reads and writes work and the disk has room.
pub async fn readyz(State(app): State<App>) -> Response {
    let h = app.health().await;
    health_answer(&h, h.ready())
}

// The log. Set up here, not in the binary, so that the subscriber's generic code (called on
// every span and event of every request) is compiled with the libraries' optimisation: the
// `motcua` binary is built unoptimised (see the workspace's `Cargo.toml`).

/// Định dạng nhật ký.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines for a person to read.
    #[default]
    Text,
    /// One JSON object per line, with the request's span (id, route, account) in each.
    Json,
}

type FormatLayer =
    Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync + 'static>;

static LOG_FORMAT: std::sync::OnceLock<
    tracing_subscriber::reload::Handle<FormatLayer, tracing_subscriber::Registry>,
> = std::sync::OnceLock::new();

fn format_layer(format: LogFormat) -> FormatLayer {
    use tracing_subscriber::Layer;
    match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .with_writer(std::io::stderr)
            .boxed(),
    }
}

/// Logs to stderr as text, filtered by `MOTCUA_LOG` (a level, or levels by module:
/// `debug`, `warn,app=debug`) or `default`; the configuration may switch to JSON once it is
/// read ([`use_log_format`]). The filter names modules, not spans: this keeps a regular-expression
/// engine (tracing's `env-filter`) out of the build.
pub fn init_logging(default: &str) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let (layer, handle) = tracing_subscriber::reload::Layer::new(format_layer(LogFormat::Text));
    let asked = std::env::var("MOTCUA_LOG")
        .ok()
        .map(|v| v.parse::<Targets>());
    let filter = match &asked {
        Some(Ok(targets)) => targets.clone(),
        _ => default.parse::<Targets>().unwrap_or_default(),
    };
    if tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init()
        .is_ok()
    {
        let _ = LOG_FORMAT.set(handle);
    }
    if let Some(Err(_)) = asked {
        tracing::warn!(
            "MOTCUA_LOG không đúng dạng (ví dụ: info, hoặc warn,app=debug): dùng mức mặc định \"{default}\""
        );
    }
}

/// Writes the log in `format` from now on.
pub fn use_log_format(format: LogFormat) {
    if format != LogFormat::Text
        && let Some(handle) = LOG_FORMAT.get()
    {
        let _ = handle.reload(format_layer(format));
    }
}
