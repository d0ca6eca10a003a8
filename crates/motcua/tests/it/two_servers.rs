//! Two `motcua serve` on one PostgreSQL database, as a province runs them behind a load
//! balancer: intakes through both at once get distinct codes, a dossier changed through one
//! is current on the other, a login on one is valid on the other, a board on one shows a
//! ticket taken on the other, an agency renamed on one is renamed on the other, and the
//! scheduled jobs run on one server, then on the other when it stops.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::serving::{Server, login, login_with_second_factor, seed_demo};

const CENTRE: &str = "lao-cai.bao-thang.mot-cua";
const PASSWORD: &str = "motcua@2026";

/// Receives a re-registration of birth at Xã Bảo Thắng's counter: status and dossier view.
async fn intake(http: &reqwest::Client, base: &str, token: &str) -> (u16, Value) {
    intake_at(http, base, token, CENTRE).await
}

/// Receives a re-registration of birth at a centre's counter: status and dossier view.
pub(crate) async fn intake_at(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    centre: &str,
) -> (u16, Value) {
    let r = http
        .post(format!("{base}/api/v1/dossiers"))
        .bearer_auth(token)
        .json(&intake_body(centre))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// A re-registration of birth received at a centre's counter, as the API takes it.
pub(crate) fn intake_body(centre: &str) -> Value {
    testsupport::api::counter_intake("1.004884", centre, &["to-khai", "giay-to-khai-sinh"])
}

/// The holder of the scheduled jobs' lease, and until when.
async fn lease(url: &str) -> Option<(String, i64)> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_opt(
            "SELECT holder, until_ms FROM leases WHERE name = 'lich-viec-dinh-ky'",
            &[],
        )
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1)))
}

/// Waits (a minute at most) for `what` to hold; what it saw last when it never did.
async fn eventually<T, F, Fut>(what: &str, mut look: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = look().await {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A board's feed of server-sent events, cut into events as they arrive.
#[derive(Default)]
struct Feed {
    buffer: String,
}

impl Feed {
    /// The next board event (keep-alive comments skipped).
    async fn next(&mut self, board: &mut reqwest::Response) -> String {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if event.contains("event: board") {
                    return event;
                }
                continue;
            }
            let chunk = board.chunk().await.unwrap().expect("the feed stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

/// The people waiting at the centre, as a board event says.
fn waiting(event: &str) -> u64 {
    let data = event
        .lines()
        .find_map(|l| l.strip_prefix("data:"))
        .unwrap_or("{}");
    let state: Value = serde_json::from_str(data.trim()).unwrap_or(Value::Null);
    state["state"]["waiting"]
        .as_array()
        .map(|areas| areas.iter().map(|a| a[1].as_u64().unwrap_or(0)).sum())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgresql_database_work_as_one() {
    let Some(url) = testsupport::pg::database("two_servers") else {
        return;
    };
    seed_demo(&url, 2);
    let (mut a, b) = (Server::start(&url), Server::start(&url));
    // reqwest's rustls needs a provider; ring is the one the binary installs too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();

    // A login on one server is valid on the other.
    let counter = login(&http, &a, "motcua.baothang", PASSWORD).await;
    let r = http
        .get(b.url("/api/v1/dossiers?limit=1"))
        .bearer_auth(&counter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // A board on server B, following the centre.
    let mut board = http
        .get(b.url(&format!("/bang/{CENTRE}/su-kien")))
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), 200);
    let mut feed = Feed::default();
    let before = waiting(&feed.next(&mut board).await);

    // Intakes through both servers at once: every one written, every code its own.
    let mut tasks = Vec::new();
    for n in 0..40 {
        let (http, token) = (http.clone(), counter.clone());
        let server = if n % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        tasks.push(tokio::spawn(
            async move { intake(&http, &server, &token).await },
        ));
    }
    let mut codes = std::collections::BTreeSet::new();
    let mut ids = Vec::new();
    for t in tasks {
        let (status, d) = t.await.unwrap();
        assert_eq!(status, 201, "{d}");
        codes.insert(d["code"].as_str().unwrap().to_string());
        ids.push(d["id"].as_str().unwrap().to_string());
    }
    assert_eq!(codes.len(), 40, "codes repeated: {codes:?}");

    // Each dossier written through one server is read through the other, at the same version.
    for (n, id) in ids.iter().enumerate() {
        let (one, other) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let mine = http
            .get(one.url(&format!("/api/v1/dossiers/{id}")))
            .bearer_auth(&counter)
            .send()
            .await
            .unwrap();
        let theirs = http
            .get(other.url(&format!("/api/v1/dossiers/{id}")))
            .bearer_auth(&counter)
            .send()
            .await
            .unwrap();
        assert_eq!(theirs.status(), 200);
        assert_eq!(mine.headers()["etag"], theirs.headers()["etag"]);
    }

    // The same change sent through both servers from the same version: one is written, the
    // other refused as stale — never both.
    let id = &ids[0];
    let etag = http
        .get(a.url(&format!("/api/v1/dossiers/{id}")))
        .bearer_auth(&counter)
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let pay = |s: &Server| {
        http.post(s.url(&format!("/api/v1/dossiers/{id}/payments")))
            .bearer_auth(&counter)
            .header("If-Match", etag.clone())
            .json(&json!({"amount": 5000, "method": "cash"}))
            .send()
    };
    let (ra, rb) = tokio::join!(pay(&a), pay(&b));
    let mut statuses = [ra.unwrap().status().as_u16(), rb.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let detail = http
        .get(b.url(&format!("/api/v1/dossiers/{id}")))
        .bearer_auth(&counter)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let paid = detail["dossier"]["fees"]["paid"].as_i64().unwrap();
    assert_eq!(paid, 5000, "paid once: {}", detail["dossier"]["fees"]);

    // A number taken at server A's kiosk shows on the board connected to server B.
    let kiosk = http
        .get(a.url(&format!("/xep-hang/{CENTRE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = testsupport::csrf_of(&kiosk);
    let taken = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(a.url(&format!("/xep-hang/{CENTRE}")))
        .header("Cookie", format!("mc_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("khu_vuc", "ho-tich"),
            ("uu_tien", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 303);
    let shown = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let n = waiting(&feed.next(&mut board).await);
            if n != before {
                return n;
            }
        }
    })
    .await
    .expect("the board on the other server is told");
    assert_eq!(shown, before + 1);

    // An agency renamed through server A: server B's agency tree (kept in memory) follows.
    // An administrator gives a second factor (a real server asks it of them by default), set
    // up through one server and confirmed through the other.
    let admin = login_with_second_factor(&a, &b, "quantri", PASSWORD).await;
    let renamed = http
        .post(a.url("/api/v1/admin/agencies/lao-cai.bao-thang/rename"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Ủy ban nhân dân xã Bảo Thắng (đổi tên thử)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    eventually("server B lists the agency by its new name", || async {
        let list = http
            .get(b.url("/api/v1/agencies"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        list.contains("(đổi tên thử)").then_some(())
    })
    .await;

    // The scheduled jobs: one server holds them; stopped, it gives them up to the other.
    let (holder, _) = eventually("a server holds the scheduled jobs", || async {
        lease(&url).await
    })
    .await;
    let (a_pid, b_pid) = (a.pid(), b.pid());
    let holder_pid = |h: &str| -> u32 { h.rsplit('-').nth(1).unwrap().parse().unwrap() };
    assert!([a_pid, b_pid].contains(&holder_pid(&holder)), "{holder}");
    if holder_pid(&holder) == a_pid {
        a.stop();
        let (next, _) = eventually("server B takes the scheduled jobs over", || async {
            lease(&url).await.filter(|(h, _)| holder_pid(h) == b_pid)
        })
        .await;
        assert_ne!(next, holder);
    } else {
        drop(b);
        // B died without giving the lease up: A takes it once it lapses (three looks).
        let (next, _) = eventually("server A takes the scheduled jobs over", || async {
            lease(&url).await.filter(|(h, _)| holder_pid(h) == a_pid)
        })
        .await;
        assert_ne!(next, holder);
    }
}
