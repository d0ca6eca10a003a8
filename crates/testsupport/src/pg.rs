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
    /// A cluster started here (kept for the life of the process: its keeper stops it when
    /// the process ends, however it ends, since it waits on a pipe from it).
    _cluster: Option<std::sync::Mutex<Cluster>>,
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
            _cluster: None,
        });
    }
    let cluster = Cluster::primary("shared")?;
    let base = cluster.base();
    Some(Server {
        base,
        _cluster: Some(std::sync::Mutex::new(cluster)),
    })
}

/// A PostgreSQL cluster of this test process on a port of its own, stopped (a fast shutdown,
/// which ends every connection to it) and removed when dropped — to test what happens when a
/// server goes away, a standby, a promotion.
pub struct Cluster {
    /// The port it listens on, at 127.0.0.1.
    pub port: u16,
    /// Its folder (the data folder inside).
    dir: PathBuf,
    bin: PathBuf,
    keeper: Child,
}

impl Cluster {
    /// A new primary cluster, or `None` (after saying why) when this machine has no
    /// PostgreSQL and this is not CI.
    pub fn primary(name: &str) -> Option<Cluster> {
        let Some(bin) = binaries() else {
            missing("PostgreSQL is not installed (Debian: apt-get install postgresql)");
            return None;
        };
        Some(Cluster::launch(bin, name, |bin, data, as_owner| {
            run(
                as_owner(&bin.join("initdb")).arg("-D").arg(data).args([
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
        }))
    }

    /// A hot standby of this cluster (`pg_basebackup --write-recovery-conf`): it follows the
    /// primary by streaming replication and takes only reads until promoted.
    pub fn standby(&self, name: &str) -> Cluster {
        let port = self.port;
        Cluster::launch(self.bin.clone(), name, |bin, data, as_owner| {
            run(
                as_owner(&bin.join("pg_basebackup"))
                    .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "motcua"])
                    .arg("-D")
                    .arg(data)
                    .args([
                        "--write-recovery-conf",
                        "--wal-method=stream",
                        "--checkpoint=fast",
                    ]),
                "pg_basebackup",
            );
        })
    }

    fn launch(
        bin: PathBuf,
        name: &str,
        make_data: impl FnOnce(&Path, &Path, &dyn Fn(&Path) -> Command),
    ) -> Cluster {
        let root = is_root();
        let dir = std::env::temp_dir().join(format!("motcua-pg-{}-{name}", std::process::id()));
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
        make_data(&bin, &data, &as_owner);
        let port = free_port();
        // The keeper: runs the server, waits for its stdin (a pipe from this process) to
        // close, then stops the server and removes the cluster.
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
        // Keep the pipe open until the cluster is dropped.
        let _ = keeper.stdin.as_mut().map(|s| s.flush());
        Cluster {
            port,
            dir,
            bin,
            keeper,
        }
    }

    /// `postgres://motcua@127.0.0.1:PORT` (no database).
    pub fn base(&self) -> String {
        format!("postgres://motcua@127.0.0.1:{}", self.port)
    }

    /// Runs SQL on database `db` of this cluster (psql, stopping at the first error); what it
    /// printed, unaligned and without headers.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(format!("{}/{db}", self.base()))
            .arg("-c")
            .arg(sql)
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Promotes a standby to primary, waiting until it takes writes.
    pub fn promote(&self) {
        assert_eq!(self.sql("postgres", "SELECT pg_promote(true, 60)"), "t");
    }

    /// What the server wrote to its log, to explain a failure.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The pipe closed, the keeper stops the server and removes the folder.
        drop(self.keeper.stdin.take());
        let _ = self.keeper.wait();
    }
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
