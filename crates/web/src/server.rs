//! Máy chủ HTTP — accepting connections without letting idle ones take the server.
//!
//! `axum::serve` keeps every connection for as long as the client likes: 20,000 silent sockets
//! took every file descriptor and 2.35 GB. Here a connection that sends nothing is closed after
//! the header timeout (and holds no HTTP state until its first byte: a task waiting for a
//! readable socket); one whose headers do not arrive in time is closed by hyper's header-read
//! timeout; a keep-alive connection idle for the idle timeout is closed; and past the connection
//! cap the oldest idle connection is shed to make room (with none idle, the newcomer is turned
//! away). Each request carries the peer's address (`ConnectInfo`) for the per-address limits.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::Service;

/// Limits of the connections (`[server]` in `motcua.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetOptions {
    /// Time a client has to send a request's headers (and a new connection its first byte).
    pub header_timeout: Duration,
    /// A keep-alive connection with no request for this long is closed.
    pub idle_timeout: Duration,
    /// Most connections open at once; past it the oldest idle one is closed.
    pub max_connections: usize,
    /// Proxies whose `X-Forwarded-For` is believed (a load balancer, a reverse proxy).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for NetOptions {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: default_max_connections(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// A quarter of the open-file limit (leaving room for the database, files and outgoing
/// connections), between 256 and 4,096.
pub fn default_max_connections() -> usize {
    let nofile = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|soft| soft.parse::<usize>().ok())
        })
        .unwrap_or(1024);
    (nofile / 4).clamp(256, 4096)
}

/// One connection as the server tracks it.
struct Conn {
    /// Milliseconds since the server started, of the last request's end (or the accept).
    last_active: AtomicU64,
    in_flight: AtomicUsize,
    close: Notify,
}

/// The open connections, for shedding the oldest idle one.
#[derive(Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
}

impl Registry {
    fn add(&self, now: u64) -> (u64, Arc<Conn>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            last_active: AtomicU64::new(now),
            in_flight: AtomicUsize::new(0),
            close: Notify::new(),
        });
        self.conns
            .lock()
            .expect("registry lock")
            .insert(id, conn.clone());
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.conns.lock().expect("registry lock").remove(&id);
    }

    fn len(&self) -> usize {
        self.conns.lock().expect("registry lock").len()
    }

    /// Asks the oldest idle connection to close; false when every connection is busy.
    fn shed_oldest_idle(&self) -> bool {
        let conns = self.conns.lock().expect("registry lock");
        let oldest = conns
            .iter()
            .filter(|(_, c)| c.in_flight.load(Ordering::Acquire) == 0)
            .min_by_key(|(_, c)| c.last_active.load(Ordering::Relaxed));
        match oldest {
            Some((id, c)) => {
                tracing::debug!(
                    connection = id,
                    "connection cap reached: closing the oldest idle one"
                );
                c.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn close_all(&self) {
        for c in self.conns.lock().expect("registry lock").values() {
            c.close.notify_one();
        }
    }
}

/// Removes a connection from the registry when its task ends, however it ends.
struct Registered<'a>(&'a Registry, u64);

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.remove(self.1);
    }
}

/// Counts a connection's requests in flight, stamps its activity and gives each request the
/// peer's address.
#[derive(Clone)]
struct Tracked {
    router: Router,
    conn: Arc<Conn>,
    peer: SocketAddr,
    epoch: Instant,
}

impl Service<hyper::Request<Incoming>> for Tracked {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: hyper::Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        self.conn.in_flight.fetch_add(1, Ordering::AcqRel);
        let conn = self.conn.clone();
        let epoch = self.epoch;
        let mut router = self.router.clone();
        Box::pin(async move {
            let response = router.call(req.map(axum::body::Body::new)).await;
            conn.last_active
                .store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
            conn.in_flight.fetch_sub(1, Ordering::AcqRel);
            response
        })
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the requests in flight
/// finish (at most 30 s). Called through [`crate::serve_with`], which boxes its future here.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    net: NetOptions,
    mut shutdown: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry::default());
    let epoch = Instant::now();
    let net = Arc::new(net);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or memory: say so, wait a moment, go on.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while tasks.try_join_next().is_some() {}
        if registry.len() >= net.max_connections && !registry.shed_oldest_idle() {
            tracing::warn!(%peer, "connection cap reached and every connection busy: refused");
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let (id, conn) = registry.add(epoch.elapsed().as_millis() as u64);
        let service = Tracked {
            router: router.clone(),
            conn: conn.clone(),
            peer,
            epoch,
        };
        let registry = registry.clone();
        let net = net.clone();
        tasks.spawn(async move {
            let _registered = Registered(&registry, id);
            handle(stream, service, conn, &net, epoch).await;
        });
    }
    registry.close_all();
    let drained = tokio::time::timeout(Duration::from_secs(30), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("stopping with requests still in flight after 30 s");
    }
    Ok(())
}

async fn handle(
    stream: TcpStream,
    service: Tracked,
    conn: Arc<Conn>,
    net: &NetOptions,
    epoch: Instant,
) {
    // Until its first byte a connection costs only this task: no buffers, no HTTP state.
    // (`readable()` may wake spuriously; a peek waits for a byte, or the end.)
    let mut first = [0u8; 1];
    tokio::select! {
        peeked = tokio::time::timeout(net.header_timeout, stream.peek(&mut first)) => {
            if !matches!(peeked, Ok(Ok(1..))) {
                return;
            }
        }
        () = conn.close.notified() => return,
    }
    // The HTTP state lives on the heap from here on, so a connection still waiting for its
    // first byte costs only the small future above.
    Box::pin(serve_http(stream, service, conn, net, epoch)).await;
}

async fn serve_http(
    stream: TcpStream,
    service: Tracked,
    conn: Arc<Conn>,
    net: &NetOptions,
    epoch: Instant,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(net.header_timeout)
        .keep_alive(true);
    let connection = builder
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
        .with_upgrades();
    tokio::pin!(connection);
    let mut closing = false;
    loop {
        let idle_since = conn.last_active.load(Ordering::Relaxed);
        let deadline = epoch + Duration::from_millis(idle_since) + net.idle_timeout;
        tokio::select! {
            done = connection.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = conn.close.notified(), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(deadline), if !closing => {
                let idle = conn.in_flight.load(Ordering::Acquire) == 0
                    && conn.last_active.load(Ordering::Relaxed) == idle_since;
                if idle {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// The address of the client: the peer, or — when the peer is a trusted proxy — the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(
    peer: Option<SocketAddr>,
    forwarded: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut hops: Vec<IpAddr> = forwarded
        .unwrap_or_default()
        .split(',')
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    while let Some(hop) = hops.pop() {
        if !trusted.contains(&hop) {
            return Some(hop);
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let spoofed = Some("1.2.3.4, 203.0.113.7");
        assert_eq!(
            client_ip(Some(peer), spoofed, &[]),
            Some("10.0.0.5".parse().unwrap())
        );
        assert_eq!(
            client_ip(Some(peer), spoofed, &[proxy]),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(client_ip(Some(peer), None, &[proxy]), Some(proxy));
        assert_eq!(client_ip(None, spoofed, &[proxy]), None);
    }
}
