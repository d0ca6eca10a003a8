//! The procedure catalogue: the shipped entries are complete and coherent, files round-trip
//! through JSON and CSV, a broken file reports its bad rows and imports nothing, a new version
//! applies from its date, and search finds what people type, with or without diacritics.

use crate::common::*;
use app::App;
use app::catalog::{self, Format};
use app::search::{ProcedureQuery, fts_query};
use domain::procedure::{Competence, OnlineKind, ProcedureLevel};

/// The demo catalogue and province at 09:00 on Monday 7 December 2026.
async fn seeded_at_7_december(name: &str) -> Fixture {
    seeded(&format!("catalog-{name}"), "2026-12-07 09:00").await
}

#[test]
fn the_shipped_catalogue_is_complete() {
    let all = app::catalog::shipped().unwrap();
    assert!(all.len() >= 30, "{}", all.len());
    assert!(all.iter().any(|v| v.level == ProcedureLevel::Province));
    for v in &all {
        assert!(!v.legal_basis.is_empty(), "{} has no legal basis", v.code);
        assert!(!v.description.is_empty(), "{} has no description", v.code);
        assert!(
            !v.fees.is_empty(),
            "{} lists no fee (0 đồng is a fee line)",
            v.code
        );
    }
    // The two interconnected groups of ND 63/2024.
    let groups: Vec<&str> = all
        .iter()
        .filter(|v| !v.interconnected.is_empty())
        .map(|v| v.name.as_str())
        .collect();
    assert!(
        groups
            .iter()
            .any(|n| n.contains("khai sinh") && n.contains("bảo hiểm y tế"))
    );
    assert!(
        groups
            .iter()
            .any(|n| n.contains("khai tử") && n.contains("mai táng"))
    );
    // Birth registration on time is free (Luật Hộ tịch Art. 11).
    let birth = all.iter().find(|v| v.code.as_str() == "1.001193").unwrap();
    assert_eq!(birth.fees[0].amount, 0);
    assert!(birth.fees[0].exemption.is_some());
    // Local codes are used only where the national one is unknown, and say so.
    for v in all.iter().filter(|v| !v.code.is_national()) {
        assert!(
            v.uncertain.iter().any(|u| u.contains("Mã")),
            "{} has a local code without saying why",
            v.code
        );
    }
    assert!(all.iter().any(
        |v| matches!(&v.competence, Competence::Agency(a) if a.as_str() == "lao-cai.cong-an")
    ));
}

#[test]
fn the_catalogue_round_trips_through_json_and_csv() {
    let all = app::catalog::shipped().unwrap();
    let from_json: Vec<_> = catalog::from_json(&catalog::to_json(&all))
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(from_json, all);
    let csv = catalog::to_csv(&all);
    assert!(
        csv.starts_with('\u{feff}'),
        "a BOM for spreadsheet programs"
    );
    let rows = catalog::from_csv(&csv).unwrap();
    // Each version's line is its `thu-tuc` row.
    let line = rows[1].0;
    assert!(csv.lines().nth(line - 1).unwrap().starts_with("thu-tuc,"));
    let from_csv: Vec<_> = rows.into_iter().map(|(_, v)| v).collect();
    assert_eq!(from_csv, all);
    assert!(
        all.iter().any(|v| v.fees_at_return),
        "the moment of paying is carried"
    );
}

/// A sheet written before the moment of paying was a column (41 columns) still reads: its
/// procedures are paid on submission.
#[test]
fn a_sheet_without_the_moment_of_paying_still_reads() {
    let all: Vec<_> = app::catalog::shipped()
        .unwrap()
        .into_iter()
        .filter(|v| v.fees_at_return)
        .collect();
    let csv = catalog::to_csv(&all);
    let older: String = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            let cells: Vec<String> = r
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .take(41)
                .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                .collect();
            cells.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let read: Vec<_> = catalog::from_csv(&older)
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(read.len(), all.len());
    assert!(read.iter().all(|v| !v.fees_at_return));
}

/// A small CSV with one good version, then bad rows of several kinds.
fn broken_csv() -> String {
    let one = app::catalog::shipped()
        .unwrap()
        .into_iter()
        .find(|v| v.code.as_str() == "1.004884")
        .unwrap();
    let mut text = catalog::to_csv(&[one]);
    let header = text.lines().next().unwrap().to_string();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 2 is the thu-tuc row: give it a limit nobody can read.
    lines[1] = lines[1].replace("5 ngày làm việc", "năm ngày");
    // A component row with a copy count of zero.
    lines[2] = lines[2].replacen(",1,có,", ",0,có,", 1);
    let blank = |kind: &str, code: &str, extra: &[(usize, &str)]| {
        let mut cells = vec![String::new(); catalog::CSV_COLUMNS.len()];
        cells[0] = kind.into();
        cells[1] = code.into();
        cells[2] = "1".into();
        for (i, v) in extra {
            cells[*i] = v.to_string();
        }
        cells.join(",")
    };
    lines.push(blank("phi", "1.999999", &[(3, "Lệ phí"), (31, "1000")]));
    lines.push(blank(
        "buoc",
        "1.004884",
        &[
            (3, "Bước lạ"),
            (35, "nghỉ ngơi"),
            (36, "counter"),
            (37, "clerk"),
        ],
    ));
    lines.push(blank("ket-luan", "1.004884", &[]));
    lines.push("thu-tuc,1.004884".into());
    text = std::iter::once(header)
        .chain(lines.into_iter().skip(1))
        .collect::<Vec<_>>()
        .join("\n");
    text
}

#[test]
fn a_broken_csv_reports_every_bad_row_with_its_line() {
    let err = catalog::from_csv(&broken_csv()).unwrap_err();
    let shown: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    let has = |line: usize, part: &str| {
        assert!(
            err.0
                .iter()
                .any(|e| e.line == line && e.message.contains(part)),
            "no error at line {line} mentioning {part:?}: {shown:#?}"
        )
    };
    has(2, "thời hạn \"năm ngày\" không hợp lệ");
    has(3, "số bản \"0\" không hợp lệ");
    has(
        err.0
            .iter()
            .find(|e| e.message.contains("1.999999"))
            .unwrap()
            .line,
        "chưa có dòng \"thu-tuc\"",
    );
    assert!(
        shown
            .iter()
            .any(|s| s.contains("loại bước \"nghỉ ngơi\" không hợp lệ")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s.contains("\"ket-luan\" không hợp lệ")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|s| s.contains("cột thay vì")),
        "{shown:#?}"
    );
    // A header that lacks columns is refused at line 1.
    let err = catalog::from_csv("loai,ma\nthu-tuc,1.001193\n").unwrap_err();
    assert_eq!(err.0[0].line, 1);
    assert!(
        err.0[0].message.contains("thiếu cột"),
        "{}",
        err.0[0].message
    );
}

#[tokio::test]
async fn a_broken_file_imports_nothing() {
    let f = seeded_at_7_december("broken").await;
    let before = f.db.all_procedure_versions().await.unwrap();
    let err = f
        .app
        .catalogue()
        .import_catalog_text(&broken_csv(), Format::Csv)
        .await
        .unwrap_err();
    assert_eq!(err.code, "invalid_catalog");
    assert!(err.message.contains("dòng 2: "), "{}", err.message);
    // JSON: a syntax error has its line; a bad item says which one.
    let err = f
        .app
        .catalogue()
        .import_catalog_text("[\n{\"code\": \"1.001193\",\n}", Format::Json)
        .await
        .unwrap_err();
    assert!(err.message.contains("dòng 3"), "{}", err.message);
    let mut versions = app::catalog::shipped().unwrap();
    versions[1].version = 9;
    versions[1].effective_from = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&catalog::to_json(&versions[..3])).unwrap();
    json[2]["limit"] = serde_json::json!("mười ngày");
    let err = f
        .app
        .catalogue()
        .import_catalog_text(&serde_json::to_string_pretty(&json).unwrap(), Format::Json)
        .await
        .unwrap_err();
    assert!(err.message.contains("thủ tục thứ 3"), "{}", err.message);
    // A changed issued version next to a valid new one: refused, and the new one not written.
    let mut changed = app::catalog::shipped().unwrap()[0].clone();
    changed.limit = "10 ngày làm việc".parse().unwrap();
    let err = f
        .app
        .catalogue()
        .import_catalog(&[versions[1].clone(), changed])
        .await
        .unwrap_err();
    assert!(
        err.message.contains("đã ban hành với nội dung khác"),
        "{}",
        err.message
    );
    assert_eq!(f.db.all_procedure_versions().await.unwrap(), before);
}

#[tokio::test]
async fn a_new_version_applies_from_its_date_and_leaves_earlier_dossiers_on_the_old_one() {
    let f = seeded_at_7_december("versions").await;
    let mut v2 = f.app.catalogue().procedure("1.004884").await.unwrap();
    v2.version = 2;
    v2.effective_from = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    v2.limit = "3 ngày làm việc".parse().unwrap();
    v2.steps[1].allotted = Some("1,5 ngày làm việc".parse().unwrap());
    let csv = catalog::to_csv(&[v2.clone()]);
    let report = f
        .app
        .catalogue()
        .import_catalog_text(&csv, Format::Csv)
        .await
        .unwrap();
    assert_eq!((report.versions, report.added), (1, 1));
    assert_eq!(
        f.app
            .catalogue()
            .procedure("1.004884")
            .await
            .unwrap()
            .version,
        1
    );
    f.clock.set(
        lich::time::parse_instant("2027-01-04 09:00")
            .unwrap()
            .to_utc(),
    );
    assert_eq!(
        f.app
            .catalogue()
            .procedure("1.004884")
            .await
            .unwrap()
            .version,
        2
    );
    // Importing it again changes nothing.
    let again = f
        .app
        .catalogue()
        .import_catalog_text(&csv, Format::Csv)
        .await
        .unwrap();
    assert_eq!(again.added, 0);
    // A version that would apply before the one it follows is refused.
    let mut early = v2.clone();
    early.version = 3;
    early.effective_from = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let err = f
        .app
        .catalogue()
        .import_catalog(&[early])
        .await
        .unwrap_err();
    assert!(err.message.contains("sớm hơn phiên bản"), "{}", err.message);
}

async fn top(app: &App, text: &str) -> Vec<String> {
    app.catalogue()
        .search_procedures(&ProcedureQuery {
            text: text.into(),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|v| v.code.to_string())
        .collect()
}

#[tokio::test]
async fn search_finds_what_people_type_with_or_without_diacritics() {
    let f = seeded_at_7_december("search").await;
    for typed in [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "khai sinh",
        "dk khai sinh",
        "ĐK KHAI SINH",
        "dang ky khai si",
    ] {
        let found = top(&f.app, typed).await;
        assert_eq!(
            found.first().map(String::as_str),
            Some("1.001193"),
            "{typed}: {found:?}"
        );
    }
    for (typed, first) in [
        ("thuong tru", "1.004222"),
        ("chung thuc ban sao", "2.000815"),
        ("ket hon", "1.000894"),
        ("gcn qsdd", "DP.H38.0002"),
        ("ly lich tu phap", "DP.H38.0004"),
        ("1.004194", "1.004194"),
        ("con nuoi", "2.001263"),
    ] {
        let found = top(&f.app, typed).await;
        assert_eq!(
            found.first().map(String::as_str),
            Some(first),
            "{typed}: {found:?}"
        );
    }
    // The name outranks the description: "mai táng" is in one name and several descriptions.
    assert_eq!(top(&f.app, "mai tang").await[0], "2.002913");
    assert!(top(&f.app, "xyzzy khong co").await.is_empty());
    assert_eq!(fts_query("  "), None);
    assert_eq!(
        fts_query("dk ks").as_deref(),
        Some("\"dang\" \"ky\" \"ks\"*")
    );
}

#[tokio::test]
async fn search_filters_by_sector_level_agency_and_online_kind() {
    let f = seeded_at_7_december("filters").await;
    let q = |query: ProcedureQuery| {
        let app = f.app.clone();
        async move {
            app.catalogue()
                .search_procedures(&ProcedureQuery {
                    limit: 100,
                    ..query
                })
                .await
                .unwrap()
        }
    };
    let civil = q(ProcedureQuery {
        sector: Some("ho tich".into()),
        ..Default::default()
    })
    .await;
    assert!(civil.len() >= 10 && civil.iter().all(|v| v.sector == "Hộ tịch"));
    let province = q(ProcedureQuery {
        level: Some(ProcedureLevel::Province),
        ..Default::default()
    })
    .await;
    assert_eq!(province.len(), 2);
    let full = q(ProcedureQuery {
        text: "dang ky".into(),
        online: Some(OnlineKind::Full),
        ..Default::default()
    })
    .await;
    assert!(!full.is_empty() && full.iter().all(|v| v.online == OnlineKind::Full));
    // Công an xã Bảo Thắng decides the residence procedures; the commune's centre receives all
    // commune procedures; the provincial police decides the criminal-record certificate.
    let police = q(ProcedureQuery {
        agency: Some(domain::agency::AgencyId::parse("lao-cai.bao-thang.cong-an").unwrap()),
        ..Default::default()
    })
    .await;
    assert!(
        police.iter().all(|v| v.sector == "Đăng ký, quản lý cư trú"),
        "{police:?}"
    );
    assert!(police.len() >= 8);
    let centre = q(ProcedureQuery {
        agency: Some(domain::agency::AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap()),
        ..Default::default()
    })
    .await;
    assert!(centre.iter().all(|v| v.level == ProcedureLevel::Commune));
    let pa = q(ProcedureQuery {
        agency: Some(domain::agency::AgencyId::parse("lao-cai.cong-an").unwrap()),
        ..Default::default()
    })
    .await;
    assert_eq!(pa.len(), 1);
    assert_eq!(pa[0].code.as_str(), "DP.H38.0004");
}
