//! A `motcua serve` process as the tests start it, an officer's login to it, and the other
//! commands they run (`motcua(…)`, a short demo history).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

/// Runs `motcua` with these arguments to the end.
pub(crate) fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Seeds the demo province into `url` with a history of the last `days` days (short: the
/// seeding is not what the tests test).
pub(crate) fn seed_demo(url: &str, days: u64) {
    let since = (chrono::Utc::now().date_naive() - chrono::Days::new(days)).to_string();
    let out = motcua(&["demo", "--no-serve", "--database", url, "--since", &since]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server process and its address; stopped (SIGTERM, then killed) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    /// What it printed on its standard output.
    printed: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start(url: &str) -> Server {
        Self::start_with(Command::new(env!("CARGO_BIN_EXE_motcua")), url)
    }

    /// As [`Server::start`], as another user (`uid`, through `setpriv`) when the tests run as
    /// root: root may write any file, whatever its permissions say.
    pub(crate) fn start_as(uid: Option<u32>, url: &str) -> Server {
        let Some(uid) = uid else {
            return Self::start(url);
        };
        let mut cmd = Command::new("setpriv");
        cmd.args([
            format!("--reuid={uid}"),
            format!("--regid={uid}"),
            "--clear-groups".into(),
            env!("CARGO_BIN_EXE_motcua").into(),
        ]);
        Self::start_with(cmd, url)
    }

    fn start_with(mut cmd: Command, url: &str) -> Server {
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
            // The scheduled jobs look every second, so that a server taking over is seen soon.
            .env("MOTCUA_NOTIFY__SCHEDULER_SECONDS", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let base = loop {
            let line = lines
                .next()
                .expect("the server says where it listens")
                .unwrap();
            printed.lock().unwrap().push(line.clone());
            if let Some(rest) = line.strip_prefix("Một Cửa đang chạy tại ") {
                break rest.split('/').take(3).collect::<Vec<_>>().join("/");
            }
        };
        // The rest of its output is read, so that the server never blocks on a full pipe.
        let kept = printed.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            base,
            printed,
        }
    }

    /// What the server printed so far.
    pub(crate) fn printed(&self) -> String {
        self.printed.lock().unwrap().join("\n")
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server as a power cut or the OOM killer would (SIGKILL: no shutdown at all).
    pub(crate) fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the server to stop as an operator's Ctrl-C does, and waits for it.
    pub(crate) fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn login(
    http: &reqwest::Client,
    server: &Server,
    username: &str,
    password: &str,
) -> String {
    token(
        http,
        server,
        json!({"username": username, "password": password}),
    )
    .await
}

/// The token of an API login with this body (201 expected).
async fn token(http: &reqwest::Client, server: &Server, body: Value) -> String {
    let r = http
        .post(server.url("/api/v1/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Logs in an officer whose role requires a second factor (a leader, an administrator) as a
/// real server asks by default: the password on server `a` answers with the setup of the factor
/// (its key and a ticket) instead of a session; the first code, sent with the ticket to server
/// `b` (any server of the database takes a ticket of another), confirms it; then an API login
/// with the password and a later code gives the token.
pub(crate) async fn login_with_second_factor(
    a: &Server,
    b: &Server,
    username: &str,
    password: &str,
) -> String {
    use app::second_factor::{code_at, decode, step_of};
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Without the code, the API says to set the factor up on the web first.
    let r = http
        .post(a.url("/api/v1/sessions"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "second_factor_setup_required"
    );
    let page = http.get(a.url("/dang-nhap")).send().await.unwrap();
    let csrf = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("mc_csrf="))
        .and_then(|v| v.split(';').next())
        .expect("an anti-forgery cookie")
        .to_string();
    let setup = http
        .post(a.url("/dang-nhap"))
        .header("Cookie", format!("mc_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let field = |start: &str, end: &str| {
        let from = setup
            .find(start)
            .unwrap_or_else(|| panic!("{start} in {setup}"))
            + start.len();
        setup[from..from + setup[from..].find(end).unwrap()].to_string()
    };
    let secret = decode(&field("<code class=\"secret\">", "</code>")).unwrap();
    let ticket = field("name=\"ticket\" value=\"", "\"");
    let now = step_of(chrono::Utc::now());
    let confirmed = http
        .post(b.url("/dang-nhap/ma-xac-thuc"))
        .header("Cookie", format!("mc_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("ticket", ticket.as_str()),
            ("code", &format!("{:06}", code_at(&secret, now))),
        ])
        .send()
        .await
        .unwrap();
    // The first code confirms the factor and logs in, showing the recovery codes once.
    assert_eq!(
        confirmed.status(),
        200,
        "the first code confirms the factor"
    );
    assert!(
        confirmed
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("mc_phien="))),
        "a session"
    );
    assert!(confirmed.text().await.unwrap().contains("Mã dự phòng"));
    // The code of the next step: the server takes the step before and after its own (a phone's
    // clock a little off), and never a step already taken.
    token(
        &http,
        a,
        json!({
            "username": username,
            "password": password,
            "totp": format!("{:06}", code_at(&secret, now + 1)),
        }),
    )
    .await
}
