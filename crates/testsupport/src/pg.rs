//! PostgreSQL for the tests — a throwaway cluster of the machine's own PostgreSQL, started once
//! per test process on a free port, one fresh database per test.
//!
//! `MOTCUA_TEST_PG=postgres://user@host:port/postgres` uses a server you already run instead
//! (the user needs CREATEDB). Otherwise the cluster is made with Debian's `postgresql` binaries
//! (`/usr/lib/postgresql/<version>/bin`) in a temporary folder, run as the `postgres` user
//! when the tests run as root (PostgreSQL refuses root), and stopped and removed when the test
//! process ends — however it ends, since the cluster's keeper waits on a pipe from it.
//! Without PostgreSQL a test fails when `CI=true`, and is skipped with the reason otherwise.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A PostgreSQL server the tests may create databases on.
pub struct Server {
    /// `postgres://user@host:port` (no database).
    base: String,
    /// The keeper of a cluster started here: when its stdin closes, it stops the cluster.
    _keeper: Option<std::sync::Mutex<Child>>,
}

static SERVER: OnceLock<Option<Server>> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A new, empty database for the test `name`: its URL, or `None` (after saying why) when this
/// machine has no PostgreSQL and this is not CI.
pub fn database(name: &str) -> Option<String> {
    let server = SERVER.get_or_init(start).as_ref()?;
    let db = format!(
        "t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .take(30)
            .collect::<String>()
    );
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(format!("{}/postgres", server.base))
        .arg("-c")
        .arg(format!(
            "CREATE DATABASE \"{db}\" ENCODING 'UTF8' TEMPLATE template0"
        ))
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "CREATE DATABASE {db}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(format!("{}/{db}", server.base))
}

fn start() -> Option<Server> {
    if let Ok(url) = std::env::var("MOTCUA_TEST_PG") {
        let base = url
            .trim_end_matches('/')
            .rsplit_once('/')
            .map_or(url.clone(), |(b, _)| b.to_string());
        return Some(Server {
            base,
            _keeper: None,
        });
    }
    let Some(bin) = binaries() else {
        missing("PostgreSQL is not installed (Debian: apt-get install postgresql)");
        return None;
    };
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("motcua-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if root {
        run(Command::new("chown").arg("postgres:").arg(&dir), "chown");
    }
    let as_owner = |program: &Path| {
        let mut c = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        c.current_dir(&dir);
        c
    };
    let data = dir.join("data");
    run(
        as_owner(&bin.join("initdb")).arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "motcua",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]),
        "initdb",
    );
    let port = free_port();
    // The keeper: runs the server, waits for its stdin (a pipe from this process) to close,
    // then stops the server and removes the cluster.
    let script = format!(
        "'{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 \
         > '{dir}/server.log' 2>&1 & pid=$!; cat > /dev/null; kill -INT $pid; wait $pid; rm -rf '{dir}'",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let keeper = as_owner(Path::new("sh"))
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("sh runs");
    let base = format!("postgres://motcua@127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the test PostgreSQL did not start: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut keeper = keeper;
    // Keep the pipe open for the life of the process.
    let _ = keeper.stdin.as_mut().map(|s| s.flush());
    Some(Server {
        base,
        _keeper: Some(std::sync::Mutex::new(keeper)),
    })
}

/// Where the newest installed PostgreSQL keeps `initdb` and `postgres`.
fn binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn missing(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{reason}; CI needs PostgreSQL (.ci/run installs it)");
    }
    eprintln!("bỏ qua các phép thử PostgreSQL: {reason}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn run(c: &mut Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
