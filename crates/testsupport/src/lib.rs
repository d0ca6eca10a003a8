//! Bộ dựng thử nghiệm — what the integration tests of `app`, `notify` and `web` share: the
//! application on a database of its own in a temporary folder (removed afterwards), with a clock
//! the test moves and settings it may tune, the demo province seeded on request, and its
//! officers by user name; and [`kit`], the domain's own fixtures (a commune, its officers, a
//! procedure, dossiers driven through `decide`). A dev-dependency only: nothing here reaches the
//! product.

pub mod api;
pub mod kit;
pub mod pg;
mod picture;

pub use picture::png;

use std::path::PathBuf;
use std::sync::Arc;

use app::{App, FixedClock, Settings, demo};
use chrono::{DateTime, Utc};
use domain::officer::Actor;
use store::Db;

/// The password of every demo account in the tests.
pub const PASSWORD: &str = "thu-nghiem@2026";

/// The anti-forgery token of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a form with its anti-forgery token")
        .to_string()
}

/// Vietnamese local time "YYYY-MM-DD HH:MM" as an instant.
pub fn at(text: &str) -> DateTime<Utc> {
    lich::time::parse_instant(text).unwrap().to_utc()
}

/// The application under test, its database and its clock.
pub struct Harness {
    pub app: App,
    /// The same database, for what the tests check beneath the services.
    pub db: Db,
    pub clock: Arc<FixedClock>,
    pub dir: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A migrated, empty database named after the test (`kind-name`, unique per process) at `now`
/// (Vietnamese time), with the settings `tune` changes (passwords hash with little memory).
/// The database is SQLite, or with `MOTCUA_TEST_DATABASE=postgres` a PostgreSQL database of
/// its own on the test cluster (see [`pg`]).
pub async fn harness(
    kind: &str,
    name: &str,
    now: &str,
    tune: impl FnOnce(&mut Settings),
) -> Harness {
    let dir = std::env::temp_dir().join(format!("motcua-{kind}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = match std::env::var("MOTCUA_TEST_DATABASE").as_deref() {
        Ok("postgres") => pg::database(&format!("{kind}_{name}")).unwrap_or_else(|| {
            panic!("MOTCUA_TEST_DATABASE=postgres, but this machine has no PostgreSQL")
        }),
        Ok("sqlite") | Err(_) => format!("sqlite:{}", dir.join("app.db").display()),
        Ok(other) => panic!("MOTCUA_TEST_DATABASE={other}: use sqlite or postgres"),
    };
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let clock = Arc::new(FixedClock::new(at(now)));
    let mut settings = Settings {
        password_memory_kib: 1024,
        ..Settings::default()
    };
    tune(&mut settings);
    let app = App::new(
        db.clone(),
        clock.clone(),
        Arc::new(lich::Calendar::embedded()),
        settings,
    )
    .await
    .unwrap();
    Harness {
        app,
        db,
        clock,
        dir,
    }
}

impl Harness {
    /// With the demo province, catalogue and officers (no dossiers), all with [`PASSWORD`].
    pub async fn seeded(self) -> Self {
        demo::seed_without_history(&self.app, PASSWORD)
            .await
            .unwrap();
        self
    }

    /// A demo officer as the actor.
    pub async fn officer(&self, username: &str) -> Actor {
        officer(&self.db, username).await
    }
}

/// A demo officer as the actor.
pub async fn officer(db: &Db, username: &str) -> Actor {
    Actor::Officer(
        db.officer_by_username(username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no officer {username}"))
            .0,
    )
}

/// The `i`-th of 384 different Vietnamese names.
fn name(i: usize) -> String {
    let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Lò"];
    let middle = ["Văn", "Thị", "Đức", "Minh"];
    let given = [
        "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Quân", "Sơn",
    ];
    format!(
        "{} {} {}",
        family[i % 8],
        middle[(i / 8) % 4],
        given[(i / 32) % 12]
    )
}

/// A table of `n` officer accounts (`canbo000`…, no passwords: one-time ones are made), for
/// `Admin::import_officers`: counter officers and specialists, alternately, at Bảo Thắng, Cam
/// Đường, Lào Cai and Sa Pa (in the demo and in a province made by `motcua init` alike).
pub fn roster(n: usize) -> String {
    let places = [
        "lao-cai.bao-thang",
        "lao-cai.cam-duong",
        "lao-cai.lao-cai",
        "lao-cai.sa-pa",
    ];
    let mut text =
        String::from("ten_dang_nhap,ho_ten,chuc_danh,vai_tro,co_quan,thu_dien_tu,mat_khau\n");
    for i in 0..n {
        let place = places[i % places.len()];
        let (role, unit) = if i % 2 == 0 {
            ("Cán bộ một cửa", format!("{place}.mot-cua"))
        } else {
            ("chuyen vien", format!("{place}.van-phong"))
        };
        text.push_str(&format!(
            "canbo{i:03},{},\"Công chức, {role}\",{role},{unit},canbo{i}@example.vn,\n",
            name(i)
        ));
    }
    text
}
