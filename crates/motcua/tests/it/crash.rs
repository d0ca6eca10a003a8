//! Nothing acknowledged is ever lost: intakes and payments are driven through the API of a real
//! `motcua serve` on SQLite while the server is killed (SIGKILL, no shutdown) at a random
//! moment, several rounds. After each restart, every dossier whose 201 or 200 reached a client
//! is there at its acknowledged version or later, with the payment it acknowledged; and at the
//! end `motcua verify` finds every hash chain, projection, counter and code sequence sound.

use std::time::Duration;

use serde_json::{Value, json};

use crate::serving::{Server, login, motcua, seed_demo};
use crate::two_servers::intake_body;

const CENTRE: &str = "lao-cai.bao-thang.mot-cua";
const PASSWORD: &str = "motcua@2026";
const ROUNDS: usize = 3;
const CLIENTS: usize = 6;

/// A dossier as a client last heard of it.
#[derive(Debug, Clone)]
struct Acknowledged {
    id: String,
    code: String,
    version: u64,
    paid: bool,
}

/// xorshift64*: the kill moments, from a seed printed so that a failing run can be replayed
/// (`MOTCUA_CRASH_SEED`).
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, from: u64, to: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        from + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (to - from)
    }
}

/// Sends a request: the answer's JSON when its status is `expected`; `None` when the server
/// went away before answering (killed); what came instead otherwise.
async fn answer(
    request: reqwest::RequestBuilder,
    expected: u16,
    what: &str,
) -> Result<Option<Value>, String> {
    let Ok(r) = request.send().await else {
        return Ok(None);
    };
    let status = r.status().as_u16();
    let Ok(body) = r.json::<Value>().await else {
        return Ok(None);
    };
    if status == expected {
        Ok(Some(body))
    } else {
        Err(format!("{what}: {status} {body}"))
    }
}

/// One client: receives dossiers and pays every second one's fee until the server goes away.
/// Returns what it was told was done, and any answer that was neither a success nor a lost
/// connection (there should be none).
async fn client(base: String, token: String) -> (Vec<Acknowledged>, Vec<String>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let (mut done, mut wrong) = (Vec::new(), Vec::new());
    for n in 0.. {
        let intake = http
            .post(format!("{base}/api/v1/dossiers"))
            .bearer_auth(&token)
            .json(&intake_body(CENTRE));
        let d = match answer(intake, 201, "tiếp nhận").await {
            Ok(Some(d)) => d,
            Ok(None) => break,
            Err(e) => {
                wrong.push(e);
                break;
            }
        };
        let mut ack = Acknowledged {
            id: d["id"].as_str().unwrap().to_string(),
            code: d["code"].as_str().unwrap().to_string(),
            version: d["version"].as_u64().unwrap(),
            paid: false,
        };
        done.push(ack.clone());
        if n % 2 == 1 {
            continue;
        }
        let payment = http
            .post(format!("{base}/api/v1/dossiers/{}/payments", ack.id))
            .bearer_auth(&token)
            .header("If-Match", format!("\"{}\"", ack.version))
            .json(&json!({"amount": 5000, "method": "cash"}));
        match answer(payment, 200, "thu phí").await {
            Ok(Some(d)) => {
                ack.version = d["version"].as_u64().unwrap();
                ack.paid = true;
                *done.last_mut().unwrap() = ack;
            }
            Ok(None) => break,
            Err(e) => {
                wrong.push(e);
                break;
            }
        }
    }
    (done, wrong)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_under_load_loses_nothing_it_acknowledged() {
    let dir = std::env::temp_dir().join(format!("motcua-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("motcua.db").display());
    seed_demo(&url, 2);
    let seed = std::env::var("MOTCUA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("MOTCUA_CRASH_SEED={seed}");
    let mut moments = Moments(seed);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    for round in 1..=ROUNDS {
        let mut server = Server::start(&url);
        let token = login(&http, &server, "motcua.baothang", PASSWORD).await;
        check(&http, &server, &token, &acknowledged).await;
        let mut wrong = Vec::new();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(client(server.base.clone(), token.clone())))
            .collect();
        let after = moments.next_ms(300, 2_500);
        tokio::time::sleep(Duration::from_millis(after)).await;
        server.crash();
        let mut this_round = 0;
        for t in tasks {
            let (done, errors) = t.await.unwrap();
            this_round += done.len();
            acknowledged.extend(done);
            wrong.extend(errors);
        }
        println!("vòng {round}: ngắt sau {after} ms, {this_round} hồ sơ đã báo nhận");
        assert!(wrong.is_empty(), "answers other than success: {wrong:?}");
    }
    assert!(!acknowledged.is_empty());
    let mut server = Server::start(&url);
    let token = login(&http, &server, "motcua.baothang", PASSWORD).await;
    check(&http, &server, &token, &acknowledged).await;
    server.stop();
    let verified = motcua(&["verify", "--database", &url]);
    let said = String::from_utf8_lossy(&verified.stdout);
    println!("{said}");
    assert!(
        verified.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(said.contains("đều khớp"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every acknowledged dossier is there, at its acknowledged version or later (a change may be
/// written and the server killed before its answer left), with its code, and paid if a payment
/// was acknowledged. (That no number of a day's code sequence is skipped is `motcua verify`'s
/// check, at the end.)
async fn check(http: &reqwest::Client, server: &Server, token: &str, acked: &[Acknowledged]) {
    let mut codes = std::collections::HashSet::new();
    for a in acked {
        assert!(codes.insert(a.code.clone()), "code given twice: {}", a.code);
        let r = http
            .get(server.url(&format!("/api/v1/dossiers/{}", a.id)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged dossier {} lost", a.code);
        let d: Value = r.json().await.unwrap();
        let stored = &d["dossier"];
        assert_eq!(stored["code"], a.code.as_str());
        assert!(
            stored["version"].as_u64().unwrap() >= a.version,
            "{}: version {} after a crash, {} acknowledged",
            a.code,
            stored["version"],
            a.version
        );
        if a.paid {
            assert_eq!(stored["fees"]["paid"], 5000, "{}: payment lost", a.code);
        }
    }
}
