//! `motcua report national`: three provinces, each on its own PostgreSQL database, rolled up
//! from a national database through postgres_fdw — each province's line is the figure its own
//! leaders see, the national line their sum, and the national database holds no copy.

use std::process::Command;
use std::sync::Arc;

use crate::serving::{Server, login};
use crate::two_servers::intake_at;

const PASSWORD: &str = "Motcua@2026x";

fn motcua(args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "motcua {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A province made with `motcua init`, one counter officer, and `n` dossiers received at the
/// counter of `centre` through `motcua serve`.
async fn province(url: &str, code: &str, agency_code: &str, centre: &str, n: usize) {
    motcua(
        &[
            "init",
            "--province",
            code,
            "--agency-code",
            agency_code,
            "--admin-name",
            "Nguyễn Văn Quản",
            "--password-stdin",
            "--database",
            url,
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    let csv =
        std::env::temp_dir().join(format!("motcua-national-{}-{code}.csv", std::process::id()));
    std::fs::write(
        &csv,
        format!(
            "ten_dang_nhap,ho_ten,chuc_danh,vai_tro,co_quan,thu_dien_tu,mat_khau\n\
             motcua.thu,Lê Thị Lan,Công chức một cửa,counter-officer,{centre},,{PASSWORD}\n"
        ),
    )
    .unwrap();
    motcua(
        &[
            "import",
            "officers",
            csv.to_str().unwrap(),
            "--database",
            url,
        ],
        None,
    );
    let server = Server::start(url);
    let http = reqwest::Client::new();
    let token = login(&http, &server, "motcua.thu", PASSWORD).await;
    for _ in 0..n {
        let (status, d) = intake_at(&http, &server.url(""), &token, centre).await;
        assert_eq!(status, 201, "{d}");
    }
}

/// What a province's own leaders see for the quarter: received, resolved, open.
async fn own_figures(url: &str, root: &str) -> (i64, i64, i64) {
    let db = store::Db::connect(url).await.unwrap();
    let app = app::App::new(
        db,
        Arc::new(app::SystemClock),
        Arc::new(lich::Calendar::embedded()),
        app::Settings::default(),
    )
    .await
    .unwrap();
    let auditor = domain::officer::Actor::Officer(domain::officer::Officer {
        id: domain::officer::OfficerId(uuid::Uuid::nil()),
        username: "thanhtra".into(),
        full_name: domain::ids::PersonName::parse("Thanh Tra").unwrap(),
        title: None,
        grants: vec![domain::officer::RoleGrant {
            role: domain::officer::Role::Auditor,
            agency: domain::agency::AgencyId::parse(root).unwrap(),
        }],
        active: true,
    });
    let quarter =
        domain::period::Period::quarter_of(lich::time::to_vn(&chrono::Utc::now()).date_naive());
    let r = app
        .reports()
        .period_report(
            &auditor,
            quarter.first_day(),
            quarter.last_day(),
            &app::qd766::Scope::default(),
        )
        .await
        .unwrap();
    app.close().await;
    let t = r.total;
    (
        t.received_total(),
        t.resolved(),
        t.open_within + t.open_past,
    )
}

/// The numbers of a line of the national table: carried, received, resolved, open.
fn numbers(out: &str, name: &str) -> (i64, i64, i64) {
    let line = out
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no line for {name}:\n{out}"));
    let n: Vec<i64> = line[name.len()..]
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (n[1], n[2], n[3])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_provinces_are_rolled_up_from_their_own_databases() {
    let (Some(ha_noi), Some(lao_cai), Some(hcm), Some(national)) = (
        testsupport::pg::database("national_hn"),
        testsupport::pg::database("national_lc"),
        testsupport::pg::database("national_hcm"),
        testsupport::pg::database("national"),
    ) else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    province(&ha_noi, "01", "H26", "ha-noi.ba-dinh.mot-cua", 3).await;
    province(&lao_cai, "15", "H38", "lao-cai.bao-thang.mot-cua", 2).await;
    province(&hcm, "79", "H29", "ho-chi-minh.an-dong.mot-cua", 1).await;

    let out = motcua(
        &[
            "report",
            "national",
            "--national",
            &national,
            "--province",
            &ha_noi,
            "--province",
            &lao_cai,
            "--province",
            &hcm,
        ],
        None,
    );
    let mut sum = (0, 0, 0);
    for (url, root, name) in [
        (&ha_noi, "ha-noi", "UBND thành phố Hà Nội"),
        (&lao_cai, "lao-cai", "UBND tỉnh Lào Cai"),
        (&hcm, "ho-chi-minh", "UBND thành phố Hồ Chí Minh"),
    ] {
        let own = own_figures(url, root).await;
        assert_eq!(numbers(&out, name), own, "{name}:\n{out}");
        sum = (sum.0 + own.0, sum.1 + own.1, sum.2 + own.2);
    }
    assert_eq!(sum.0, 6, "{out}");
    assert_eq!(numbers(&out, "Toàn quốc "), sum, "{out}");

    // The national database holds foreign tables only: the data stays in the provinces.
    let (client, connection) = tokio_postgres::connect(&national, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let kinds = client
        .query(
            "SELECT c.relkind::text, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname LIKE 'tinh_%' AND c.relkind IN ('r', 'f') GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let kinds: Vec<(String, i64)> = kinds.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(kinds.len(), 1, "{kinds:?}");
    assert_eq!(kinds[0].0, "f");

    // Run again, it reads the same (the foreign tables are made afresh).
    let again = motcua(
        &[
            "report",
            "national",
            "--national",
            &national,
            "--province",
            &ha_noi,
            "--province",
            &lao_cai,
            "--province",
            &hcm,
        ],
        None,
    );
    assert_eq!(numbers(&again, "Toàn quốc "), sum);
}
