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
    let r = http
        .post(server.url("/api/v1/sessions"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}
