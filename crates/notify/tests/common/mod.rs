//! What the outbox tests share: the demo province in a database of its own with a clock the test
//! moves, and local fake servers the real adapters talk to — an SMTP catcher speaking SMTP over a
//! TCP socket on port 0, and an HTTP receiver (webhook bridge, SMS gateway) on port 0 that
//! records each request and answers with the statuses it is told to.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use notify::{Channels, NotifyConfig, Scheduler, Worker};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub use testsupport::{at, officer};

/// The application with the outbox worker and the digest scheduler.
pub struct Fixture {
    pub worker: Worker,
    pub scheduler: Scheduler,
    harness: testsupport::Harness,
}

impl std::ops::Deref for Fixture {
    type Target = testsupport::Harness;

    fn deref(&self) -> &Self::Target {
        &self.harness
    }
}

/// The demo province (no dossier history) at `now`, with the channels of `config`.
pub async fn seeded(name: &str, now: &str, config: NotifyConfig) -> Fixture {
    seeded_with(name, now, config, |_, _| {}).await
}

/// As [`seeded`], with channels and settings `add` sets beside the configured ones (an adapter
/// whose secret the configuration would read from the environment).
pub async fn seeded_with(
    name: &str,
    now: &str,
    config: NotifyConfig,
    add: impl FnOnce(&mut app::Settings, &mut Channels),
) -> Fixture {
    let (notices, mut channels): (_, Channels) = config.build("http://motcua.test").unwrap();
    let mut settings = app::Settings {
        notices,
        ..app::Settings::default()
    };
    add(&mut settings, &mut channels);
    let harness = testsupport::harness("notify", name, now, |s| {
        s.notices = settings.notices;
        s.national_codes = settings.national_codes;
    })
    .await
    .seeded()
    .await;
    Fixture {
        worker: Worker::new(harness.app.clone(), channels),
        scheduler: Scheduler::new(harness.app.clone()),
        harness,
    }
}

/// A message as the SMTP catcher received it, headers decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// A local SMTP server that accepts every message and keeps it.
pub struct SmtpCatcher {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpCatcher {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let kept = kept.clone();
                tokio::spawn(async move {
                    if let Err(e) = smtp_session(socket, kept).await {
                        eprintln!("smtp catcher: {e}");
                    }
                });
            }
        });
        Self { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Forgets what was received so far.
    pub fn clear(&self) {
        self.mails.lock().unwrap().clear();
    }
}

/// One SMTP conversation (RFC 5321, the commands a client without AUTH or STARTTLS sends).
async fn smtp_session(
    socket: tokio::net::TcpStream,
    kept: Arc<Mutex<Vec<Mail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 catcher.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write
                .write_all(b"250-catcher.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = angle(&command);
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(angle(&command));
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if lines.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                // Dot-stuffing: a leading dot was doubled by the client.
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            let (subject, body) = parse_message(&data);
            kept.lock().unwrap().push(Mail {
                from: from.clone(),
                to: to.clone(),
                subject,
                body,
            });
            write.write_all(b"250 OK: queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else {
            write.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}

fn angle(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(addr, _)| addr.to_string())
        .unwrap_or_default()
}

/// The decoded subject and body of an RFC 5322 message (plain text, base64 or 7bit body).
fn parse_message(data: &str) -> (String, String) {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    // Unfold continued header lines.
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        unfolded
            .split("\r\n")
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let subject = decode_words(&header("Subject"));
    let body = if header("Content-Transfer-Encoding").eq_ignore_ascii_case("base64") {
        let compact: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body"),
        )
        .expect("UTF-8 body")
    } else {
        body.to_string()
    };
    (subject, body.replace("\r\n", "\n"))
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`); the space between two of them is dropped.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut last_was_word = false;
    for token in value.split(' ') {
        let lower = token.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && token.ends_with("?=") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&token[10..token.len() - 2])
                .expect("encoded word");
            if !last_was_word && !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&String::from_utf8(bytes).expect("UTF-8 word"));
            last_was_word = true;
        } else if lower.starts_with("=?utf-8?q?") && token.ends_with("?=") {
            if !last_was_word && !out.is_empty() {
                out.push(' ');
            }
            let text = &token[10..token.len() - 2];
            let mut bytes = Vec::new();
            let mut it = text.bytes();
            while let Some(b) = it.next() {
                match b {
                    b'_' => bytes.push(b' '),
                    b'=' => {
                        let hi = it.next().unwrap();
                        let lo = it.next().unwrap();
                        bytes.push(
                            u8::from_str_radix(&format!("{}{}", hi as char, lo as char), 16)
                                .unwrap(),
                        );
                    }
                    _ => bytes.push(b),
                }
            }
            out.push_str(&String::from_utf8(bytes).expect("UTF-8 word"));
            last_was_word = true;
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token);
            last_was_word = false;
        }
    }
    out
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

#[derive(Default)]
struct Log {
    requests: Vec<Received>,
    /// Statuses to answer, first first; 200 once empty unless `always` is set.
    statuses: VecDeque<u16>,
    always: Option<u16>,
}

/// A local HTTP receiver (webhook bridge or SMS gateway) on port 0.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Log>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let log = Arc::new(Mutex::new(Log::default()));
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url: format!("http://{addr}/hook"),
            log,
        }
    }

    /// Answers the next requests with these statuses, then 200.
    pub fn answer(&self, statuses: &[u16]) {
        self.log.lock().unwrap().statuses = statuses.iter().copied().collect();
    }

    /// Answers every request with this status (`None`: back to 200).
    pub fn always(&self, status: Option<u16>) {
        self.log.lock().unwrap().always = status;
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().requests.clone()
    }
}

async fn receive(
    State(log): State<Arc<Mutex<Log>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let mut log = log.lock().unwrap();
    log.requests.push(Received { headers, body });
    let status = log
        .always
        .or_else(|| log.statuses.pop_front())
        .unwrap_or(200);
    (
        StatusCode::from_u16(status).unwrap(),
        if status == 200 {
            "ok"
        } else {
            "lỗi thử nghiệm"
        },
    )
}
