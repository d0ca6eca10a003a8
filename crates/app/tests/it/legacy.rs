//! Switching in from the incumbent system: 10,000 dossiers in the national synchronisation
//! format, with histories, supplements, late and withdrawn ones, keep their codes and give the
//! same QĐ 766 2.1 figure as the bundle says; an open one is then handled here to its return; a
//! broken bundle imports nothing and names its bad records; a second run imports nothing twice.

use crate::common::*;
use app::ErrorKind;
use chrono::{Duration, NaiveDate, NaiveTime};
use domain::dossier::{Command, DossierId, Outcome, Stage};
use serde_json::{Value, json};

/// What the generator knows about each record, to check the import against.
#[derive(Default)]
struct Expected {
    on_time_766: i64,
    late_766: i64,
    open: Vec<String>,
}

fn stamp(day: NaiveDate, h: u32, m: u32) -> String {
    day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn working_days_after(day: NaiveDate, n: i64) -> NaiveDate {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.format("%u").to_string().as_str(), "6" | "7") {
            left -= 1;
        }
    }
    d
}

/// `n` records of Đăng ký lại khai sinh received at Xã Bảo Thắng's centre in September and
/// October 2026 (no holidays there), the incumbent's codes in the TT 01/2018 layout.
fn bundle(n: usize) -> (Value, Expected) {
    let mut expected = Expected::default();
    let mut records = Vec::with_capacity(n);
    let first = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let mut day = first;
    let mut number = 0;
    for i in 0..n {
        // About 170 a working day.
        if i % 170 == 0 && i > 0 {
            day = working_days_after(day, 1);
            number = 0;
        }
        number += 1;
        let code = format!("000.01.61.H38-{}-{number:04}", day.format("%y%m%d"));
        let received = stamp(day, 8 + (i % 8) as u32, (i % 60) as u32);
        let appointment_day = working_days_after(day, 5);
        let appointment = stamp(appointment_day, 17, 0);
        // Kinds: 0–5 returned on time, 6 returned late, 7 supplement then on time, 8 withdrawn,
        // 9 ready, not yet returned.
        let kind = i % 10;
        let (status, ended, returned, mut history) = match kind {
            6 => {
                let end = working_days_after(appointment_day, 2);
                (10, Some(stamp(end, 10, 0)), Some(stamp(end, 15, 0)), vec![])
            }
            7 => {
                let asked = working_days_after(day, 1);
                let back = working_days_after(day, 3);
                let end = working_days_after(day, 4);
                (
                    10,
                    Some(stamp(end, 9, 0)),
                    Some(stamp(end, 14, 0)),
                    vec![
                        json!({"NguoiXuLy": "Nguyễn Văn Hùng", "ThoiDiemXuLy": stamp(asked, 9, 0), "PhongBanXuLy": "Văn phòng", "NoiDungXuLy": "Yêu cầu bổ sung tờ khai", "TrangThai": 5}),
                        json!({"NguoiXuLy": "Lò Thị Mai", "ThoiDiemXuLy": stamp(back, 9, 0), "PhongBanXuLy": "Một cửa", "NoiDungXuLy": "Nhận đủ bổ sung", "TrangThai": 4}),
                    ],
                )
            }
            8 => {
                let asked = working_days_after(day, 1);
                (
                    8,
                    Some(stamp(asked, 16, 0)),
                    None,
                    vec![
                        json!({"NguoiXuLy": "Lò Thị Mai", "ThoiDiemXuLy": stamp(asked, 10, 0), "PhongBanXuLy": "Một cửa", "NoiDungXuLy": "Công dân xin rút", "TrangThai": 7}),
                        json!({"NguoiXuLy": "Vũ Văn Chủ", "ThoiDiemXuLy": stamp(asked, 16, 0), "PhongBanXuLy": "Lãnh đạo", "NoiDungXuLy": "Dừng xử lý", "TrangThai": 8}),
                    ],
                )
            }
            9 => {
                let end = working_days_after(day, 3);
                (9, Some(stamp(end, 11, 0)), None, vec![])
            }
            _ => {
                let end = working_days_after(day, 2 + (i % 3) as i64);
                (
                    10,
                    Some(stamp(end, 10, 30)),
                    Some(stamp(end, 16, 0)),
                    vec![],
                )
            }
        };
        // QĐ 766 2.1 counts every dossier that ended in the period against its promised date
        // (a withdrawal ends it, here before the date), and an open one by whether its date
        // has passed at the end of the period.
        match kind {
            6 => expected.late_766 += 1,
            _ => expected.on_time_766 += 1,
        }
        history.insert(
            0,
            json!({"NguoiXuLy": "Lò Thị Mai", "ThoiDiemXuLy": received, "PhongBanXuLy": "Trung tâm Phục vụ hành chính công", "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": 2}),
        );
        records.push(record(
            &code,
            &received,
            &appointment,
            status,
            ended,
            returned,
            history,
            i,
        ));
    }
    // Still open on the incumbent on the day of switching: in handling at the commune office,
    // received today (their numbers continue here), and one waiting for a supplement.
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    for k in 1..=3 {
        let code = format!("000.01.61.H38-261207-{k:04}");
        let received = stamp(today, 7, 40 + k);
        let appointment = stamp(working_days_after(today, 5), 17, 0);
        let (status, history) = match k {
            3 => (
                5,
                vec![
                    json!({"NguoiXuLy": "Nguyễn Văn Hùng", "ThoiDiemXuLy": stamp(today, 8, 0), "PhongBanXuLy": "Văn phòng HĐND và UBND", "NoiDungXuLy": "Yêu cầu bổ sung", "TrangThai": 5}),
                ],
            ),
            _ => (
                4,
                vec![
                    json!({"NguoiXuLy": "Trần Thị Lan", "ThoiDiemXuLy": stamp(today, 7, 55), "PhongBanXuLy": "Văn phòng HĐND và UBND", "NoiDungXuLy": "Thẩm định", "TrangThai": 4}),
                ],
            ),
        };
        expected.open.push(code.clone());
        expected.on_time_766 += 1;
        records.push(record(
            &code,
            &received,
            &appointment,
            status,
            None,
            None,
            history,
            k as usize,
        ));
    }
    (
        json!({"NguonDuLieu": "Hệ thống một cửa điện tử của nhà cung cấp cũ", "HoSo": records}),
        expected,
    )
}

#[allow(clippy::too_many_arguments)]
fn record(
    code: &str,
    received: &str,
    appointment: &str,
    status: u8,
    ended: Option<String>,
    returned: Option<String>,
    history: Vec<Value>,
    i: usize,
) -> Value {
    let mut r = json!({
        "MaHoSo": code,
        "MaTTHC": "1.004884",
        "KenhThucHien": 1 + (i % 2),
        "MaDonViTiepNhan": "H38.61.01",
        "NgayNop": received,
        "NgayTiepNhan": received,
        "NgayHenTra": appointment,
        "TrangThai": status,
        "ThongTinNguoiNop": {"ThongTinChiTiet": {
            "TenNguoiNop": "Nguyễn Thị Hằng",
            "SoDinhDanh": format!("0101900{:05}", i % 100_000),
            "SoDienThoai": "0912345678",
            "MaXa": "02905",
            "DiaChiChiTiet": "Tổ dân phố 3, xã Bảo Thắng"
        }},
        "ThanhPhanHoSo": [
            {"TenThanhPhanHoSo": "Tờ khai đăng ký lại khai sinh theo mẫu", "SoLuong": 1, "LoaiBan": "Bản chính"},
            {"TenThanhPhanHoSo": "Giấy tờ khác do hệ thống cũ ghi", "SoLuong": 1}
        ],
        "TienTrinh": history,
    });
    if let Some(e) = ended {
        r["NgayKetThucXuLy"] = json!(e);
    }
    if let Some(t) = returned {
        r["NgayTraKetQua"] = json!(t);
    }
    r
}

#[tokio::test]
async fn ten_thousand_dossiers_switch_in_with_their_codes_and_their_766_figure() {
    let f = seeded("legacy", "2026-12-07 09:00").await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let (mut bundle, expected) = bundle(10_000);
    // The first dossier carries its scan: stored by hash and served from the dossier.
    let scan =
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&scan))
    };
    bundle["HoSo"][0]["ThanhPhanHoSo"][0]["GiayToDinhKem"] =
        json!([{"TenGiayTo": "to-khai.pdf", "HashTepTin": sha}]);
    let text = bundle.to_string();
    let no_files = |_: &str| None;
    let files = |h: &str| (h == sha).then(|| scan.clone());

    // Not an administrator's officer of a commune.
    let counter = officer(&f.db, "motcua.baothang").await;
    let e = app
        .admin()
        .import_dossiers(&counter, &text, &no_files, true)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);

    // A broken bundle: nothing written, the bad records named.
    let mut broken = bundle.clone();
    broken["HoSo"][4]["MaTTHC"] = json!("9.999999");
    broken["HoSo"][9]["NgayTiepNhan"] = json!("hôm qua");
    broken["HoSo"][12]["MaDonViTiepNhan"] = json!("H99.01");
    let e = app
        .admin()
        .import_dossiers(&admin, &broken.to_string(), &no_files, false)
        .await
        .unwrap_err();
    assert_eq!(e.code, "invalid_bundle", "{}", e.message);
    for row in ["(thứ 5)", "(thứ 10)", "(thứ 13)"] {
        assert!(e.message.contains(row), "{row} missing: {}", e.message);
    }
    assert_eq!(f.db.totals().await.unwrap().dossiers, 0);

    // A dry run says what would happen and writes nothing.
    let dry = app
        .admin()
        .import_dossiers(&admin, &text, &no_files, true)
        .await
        .unwrap();
    assert_eq!((dry.imported, dry.skipped), (10_003, 0));
    assert_eq!(f.db.totals().await.unwrap().dossiers, 0);

    let done = app
        .admin()
        .import_dossiers(&admin, &text, &files, false)
        .await
        .unwrap();
    assert_eq!(done.imported, 10_003);
    // Every code kept.
    for r in bundle["HoSo"].as_array().unwrap().iter().step_by(97) {
        let code = r["MaHoSo"].as_str().unwrap();
        assert!(
            f.db.dossier_id_by_code(code).await.unwrap().is_some(),
            "{code}"
        );
    }
    // The same QĐ 766 2.1 figure as the bundle: ended (or, open, at the day asked) on time
    // against the promised date, supplement windows added back.
    let index = app
        .reports()
        .index_766(
            &officer(&f.db, "lanhdao.tinh").await,
            domain::period::Period::parse("2026").unwrap(),
            Some(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()),
            &Default::default(),
        )
        .await
        .unwrap();
    let i21 = index
        .total
        .indicators
        .iter()
        .find(|i| i.id == "2.1")
        .unwrap();
    assert_eq!(
        (i21.numerator, i21.denominator),
        (
            Some(expected.on_time_766),
            Some(expected.on_time_766 + expected.late_766)
        ),
        "{i21:?}"
    );

    // The periodic report says how much of September to November came from the old system.
    let report = app
        .reports()
        .period_report(
            &officer(&f.db, "lanhdao.tinh").await,
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (report.total.imported, report.total.received_total()),
        (10_000, 10_000)
    );

    // A second run imports nothing twice.
    let again = app
        .admin()
        .import_dossiers(&admin, &text, &files, false)
        .await
        .unwrap();
    assert_eq!((again.imported, again.skipped), (0, 10_003));

    // Today's numbers continue after the imported ones.
    let d = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    assert_eq!(d.code.as_str(), "000.01.61.H38-261207-0004");

    // An open dossier continues here to its return.
    let id: DossierId =
        f.db.dossier_id_by_code(&expected.open[0])
            .await
            .unwrap()
            .unwrap();
    let detail = app
        .queries()
        .dossier_detail(&counter, id, None)
        .await
        .unwrap();
    assert_eq!(detail.dossier.stage, Stage::InProgress);
    assert_eq!(
        detail.dossier.current_unit().map(|u| u.as_str()),
        Some("lao-cai.bao-thang.van-phong")
    );
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let leader = officer(&f.db, "chutich.baothang").await;
    let clerk = officer(&f.db, "vanthu.baothang").await;
    let steps: [(&domain::officer::Actor, Command); 5] = [
        (
            &specialist,
            Command::Forward {
                note: "Đủ điều kiện".into(),
                to_unit: None,
            },
        ),
        (
            &leader,
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                signature: Default::default(),
            },
        ),
        (
            &clerk,
            Command::IssueResult {
                number: "15/2026".into(),
                document: None,
            },
        ),
        (&counter, testsupport::kit::pay_cash(5_000)),
        (
            &counter,
            Command::Return {
                received_by: "Nguyễn Thị Hằng".into(),
                originals_returned: Vec::new(),
                postal_bill: None,
                collected: None,
            },
        ),
    ];
    for (who, command) in steps {
        let name = command.name();
        app.handling()
            .act(who, id, None, command)
            .await
            .unwrap_or_else(|e| panic!("{name}: {}", e.message));
    }
    let returned = app
        .queries()
        .dossier_detail(&counter, id, None)
        .await
        .unwrap();
    assert_eq!(returned.dossier.stage, Stage::Returned);
    assert_eq!(returned.events[1].event.kind(), "imported");
}

#[tokio::test]
async fn a_csv_bundle_with_its_steps_switches_in_like_the_json_one() {
    let f = seeded("legacy-csv", "2026-12-07 09:00").await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let head = app::legacy::CSV_DOSSIER_COLUMNS.join(",");
    let dossiers = format!(
        "{head}\n\
         000.01.61.H38-261103-0001,1.004884,1,H38.61.01,2026-11-03 08:00:00,2026-11-03 08:05:00,2026-11-10 17:00:00,2026-11-09 10:00:00,2026-11-09 15:00:00,10,Nguyễn Thị Hằng,010190012345,0912345678,,02905,\"Tổ dân phố 3, xã Bảo Thắng\",Tờ khai đăng ký lại khai sinh theo mẫu\n\
         000.01.61.H38-261103-0002,1.004884,2,H38.61.01,2026-11-03 09:00:00,2026-11-03 09:00:00,2026-11-10 17:00:00,,,5,Lò Văn Sáng,010190054321,,,02905,Bản Phố Lu,Tờ khai đăng ký lại khai sinh theo mẫu | Giấy tờ khác\n"
    );
    let steps = "MaHoSo,ThoiDiemXuLy,NguoiXuLy,PhongBanXuLy,NoiDungXuLy,TrangThai\n\
                 000.01.61.H38-261103-0002,2026-11-04 09:00:00,Nguyễn Văn Hùng,Văn phòng,Yêu cầu bổ sung,5\n";
    let json = app::legacy::bundle_from_csv(&dossiers, Some(steps), "Hệ thống cũ").unwrap();
    let done = app
        .admin()
        .import_dossiers(&admin, &json, &|_: &str| None, false)
        .await
        .unwrap();
    assert_eq!(done.imported, 2);
    assert!(
        done.rows[1]
            .left_out
            .iter()
            .any(|l| l.contains("Giấy tờ khác"))
    );
    let id =
        f.db.dossier_id_by_code("000.01.61.H38-261103-0002")
            .await
            .unwrap()
            .unwrap();
    let d = app
        .queries()
        .dossier_detail(&admin_reader(&f).await, id, None)
        .await
        .unwrap();
    assert_eq!(d.dossier.stage, Stage::SupplementRequested);
    assert_eq!(d.dossier.supplements.len(), 1);

    // Steps of a dossier the table does not have, and a status that is not a number.
    let orphan = format!("{steps}000.01.61.H38-261103-0009,2026-11-04 09:00:00,A,B,C,4\n");
    let e = app::legacy::bundle_from_csv(&dossiers, Some(&orphan), "x").unwrap_err();
    assert!(
        e.message.contains("000.01.61.H38-261103-0009"),
        "{}",
        e.message
    );
    let bad = dossiers.replace(",10,Nguyễn", ",mười,Nguyễn");
    let e = app::legacy::bundle_from_csv(&bad, None, "x").unwrap_err();
    assert!(
        e.message.contains("ho-so.csv, dòng 2: TrangThai"),
        "{}",
        e.message
    );

    // Found by fuzzing: a row shorter than the header (its last cells left out, as
    // spreadsheets save them) stopped the conversion with a panic; its cells are empty now, and
    // a required one is named.
    let short = format!("{head}\n000.01.61.H38-261103-0003,1.004884,1,H38.61.01\n");
    let e = app::legacy::bundle_from_csv(&short, None, "x").unwrap_err();
    assert!(
        e.message
            .contains("ho-so.csv, dòng 2: TrangThai \"\" phải là một số"),
        "{}",
        e.message
    );
}

/// Bảo Thắng's chairman, who reads its dossiers.
async fn admin_reader(f: &crate::common::Fixture) -> domain::officer::Actor {
    officer(&f.db, "chutich.baothang").await
}
