//! A real province on an empty database: every 2025 commune of it with its committee, one-stop
//! centre, office and units, the catalogue and the first administrator, in one transaction; a
//! second run, or a bad request, changes nothing.

use crate::common::*;
use app::ErrorKind;
use app::admin::NewOfficer;
use app::province::{ProvinceRequest, provinces};
use app::units::{UnitDataset, UnitDirectory};
use domain::agency::AgencyKind;
use domain::ids::CodeFormat;
use domain::officer::Role;
use domain::unit::Regime;

fn request() -> ProvinceRequest {
    ProvinceRequest {
        province: "15".into(),
        agency_code: "h38".into(),
        admin_username: "quantri.tinh".into(),
        admin_name: "Nguyễn Văn Quản".into(),
        admin_password: "mat-khau-quan-tri-2026".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_province_is_created_from_the_2025_units_and_its_counters_can_receive() {
    let f = empty("province", "2026-12-07 09:00").await;
    let app = &f.app;
    let dir = UnitDirectory::new(&UnitDataset::embedded());
    assert_eq!(provinces(&dir).len(), 34);
    let communes = dir.children(Regime::TwoLevel, Some("15")).len();
    assert!(
        communes > 90,
        "Lào Cai has 99 communes and wards: {communes}"
    );

    let mut req = request();
    req.codes
        .insert("lao-cai.bao-thang".into(), "H38.61".into());
    let s = app
        .admin()
        .create_province(&req, "motcua init")
        .await
        .unwrap();
    assert_eq!(s.province, "UBND tỉnh Lào Cai");
    assert_eq!(s.communes, communes);
    assert_eq!(s.agencies, 1 + 16 + communes * 6);
    // The province's level-1 code and Bảo Thắng's were entered; the others are provisional.
    assert_eq!(s.provisional_codes, s.agencies - 2);
    assert_eq!(s.procedures, app::catalog::shipped().unwrap().len());

    let tree = app.agencies();
    let id = |s: &str| domain::agency::AgencyId::parse(s).unwrap();
    let commune = tree.require(&id("lao-cai.bao-thang")).unwrap();
    assert_eq!(commune.name, "UBND xã Bảo Thắng");
    assert_eq!(commune.code.as_str(), "H38.61");
    assert!(commune.code_verified);
    assert_eq!(commune.unit, Some((Regime::TwoLevel, "02905".into())));
    assert!(
        commune
            .note
            .as_deref()
            .unwrap_or("")
            .contains("Thị trấn Phố Lu"),
        "{:?}",
        commune.note
    );
    let centre = tree.require(&id("lao-cai.bao-thang.mot-cua")).unwrap();
    assert_eq!(centre.kind, AgencyKind::ServiceCenter);
    assert_eq!(
        centre.name,
        "Trung tâm Phục vụ hành chính công xã Bảo Thắng"
    );
    assert_eq!(centre.code.as_str(), "H38.61.01");
    assert!(!centre.code_verified);
    // More than 99 units at level 2: three-digit groups, and the long layout of dossier codes.
    let province_centre = tree.require(&id("lao-cai.ttpvhcc")).unwrap();
    assert_eq!(province_centre.code.as_str(), "H38.001");
    assert_eq!(province_centre.code_format, CodeFormat::Long2025);
    assert_eq!(centre.code_format, CodeFormat::Tt01);
    let ward = tree.require(&id("lao-cai.cam-duong.kinh-te")).unwrap();
    assert_eq!(
        ward.name,
        "Phòng Kinh tế, Hạ tầng và Đô thị phường Cam Đường"
    );

    // The first administrator signs in, creates a counter officer of a commune, who receives.
    let admin_session = app
        .accounts()
        .login(
            "quantri.tinh",
            "mat-khau-quan-tri-2026",
            None,
            &app::Client::default(),
        )
        .await
        .unwrap()
        .session()
        .expect("no second factor asked here");
    let admin = app.accounts().actor(&admin_session.token).await.unwrap();
    let n = NewOfficer {
        username: "motcua.baothang".into(),
        full_name: "Lò Thị Mai".into(),
        title: "Công chức Một cửa".into(),
        password: "mat-khau-mot-cua-2026".into(),
        role: Some(Role::CounterOfficer),
        agency: "lao-cai.bao-thang.mot-cua".into(),
    };
    app.admin().create_officer(&admin, &n).await.unwrap();
    let counter = officer(&f.db, "motcua.baothang").await;
    let d = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    assert_eq!(d.code.as_str().split('-').next(), Some("000.01.61.H38"));
    assert!(
        app.admin()
            .admin_log_lines(&admin, 10)
            .await
            .unwrap()
            .iter()
            .any(|l| l.action == "khởi tạo tỉnh" && l.actor == "motcua init")
    );

    // A second run is refused and changes nothing.
    let before = f.db.agencies().await.unwrap().len();
    let e = app
        .admin()
        .create_province(&request(), "motcua init")
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Rule, "already_set_up"));
    assert_eq!(f.db.agencies().await.unwrap().len(), before);
}

#[tokio::test]
async fn a_bad_request_says_what_is_wrong_and_writes_nothing() {
    let f = empty("province-bad", "2026-12-07 09:00").await;
    let app = &f.app;
    let cases: Vec<(ProvinceRequest, &str)> = vec![
        (
            ProvinceRequest {
                province: "99".into(),
                ..request()
            },
            "unknown_province",
        ),
        (
            ProvinceRequest {
                agency_code: "H38.22".into(),
                ..request()
            },
            "invalid_agency_code",
        ),
        (
            ProvinceRequest {
                agency_code: "38H".into(),
                ..request()
            },
            "invalid_agency_code",
        ),
        (
            ProvinceRequest {
                admin_username: "Quản Trị".into(),
                ..request()
            },
            "invalid_username",
        ),
        (
            ProvinceRequest {
                admin_password: "ngan".into(),
                ..request()
            },
            "weak_password",
        ),
        (
            ProvinceRequest {
                codes: [("lao-cai.khong-co".to_string(), "H38.99".to_string())].into(),
                ..request()
            },
            "invalid_agency_codes",
        ),
        (
            ProvinceRequest {
                codes: [
                    ("lao-cai.bao-thang".to_string(), "H38.61".to_string()),
                    ("lao-cai.cam-duong".to_string(), "H38.61".to_string()),
                ]
                .into(),
                ..request()
            },
            "invalid_agency_codes",
        ),
        (
            ProvinceRequest {
                template: Some("[province]\ncommittee = \"UBND {tinh}\"\n[commune\n".into()),
                ..request()
            },
            "invalid_template",
        ),
    ];
    for (req, code) in cases {
        let e = app
            .admin()
            .create_province(&req, "motcua init")
            .await
            .unwrap_err();
        assert_eq!(e.code, code, "{}", e.message);
        assert!(!e.message.is_empty());
        assert!(
            app.is_empty().await.unwrap(),
            "{code} left something written"
        );
    }
    assert!(f.db.officers().await.unwrap().is_empty());
}
