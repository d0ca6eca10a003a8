//! An administrator's changes to agencies: official identifiers in bulk, a new unit, a new
//! name, and a commune merged into another as in 2025 — its dossiers go with it to the
//! successor, and it receives no new ones.

use crate::common::*;
use app::ErrorKind;
use app::agencies::NewAgency;
use chrono::NaiveDate;
use domain::agency::{AgencyId, AgencyKind};

fn id(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

#[tokio::test]
async fn an_administrator_sets_codes_adds_renames_and_merges_agencies() {
    let f = seeded("agencies", "2026-12-07 09:00").await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let chairman = officer(&f.db, "chutich.baothang").await;

    // Official identifiers: the units below follow a changed commune's; a clash changes nothing.
    let e = app
        .admin()
        .import_agency_codes(&chairman, "lao-cai.cam-duong,H38.77\n")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let before = app
        .agencies()
        .require(&id("lao-cai.cam-duong.mot-cua"))
        .unwrap()
        .code
        .clone();
    let e = app
        .admin()
        .import_agency_codes(&admin, "lao-cai.cam-duong,H38.61\n")
        .await
        .unwrap_err();
    assert_eq!(e.code, "invalid_agency_codes", "{}", e.message);
    assert!(e.message.contains("H38.61"), "{}", e.message);
    assert_eq!(
        app.agencies()
            .require(&id("lao-cai.cam-duong.mot-cua"))
            .unwrap()
            .code,
        before
    );
    let changed = app
        .admin()
        .import_agency_codes(&admin, "ma_noi_bo,ma_dinh_danh\nlao-cai.cam-duong,H38.77\n")
        .await
        .unwrap();
    let tree = app.agencies();
    let commune = tree.require(&id("lao-cai.cam-duong")).unwrap();
    assert_eq!(
        (commune.code.as_str(), commune.code_verified),
        ("H38.77", true)
    );
    let centre = tree.require(&id("lao-cai.cam-duong.mot-cua")).unwrap();
    assert_eq!(centre.code.as_str(), "H38.77.01");
    assert!(!centre.code_verified);
    assert!(changed >= 6, "{changed}");

    // A new unit, with a provisional identifier under its parent's; then a new name.
    let unit = app
        .admin()
        .create_agency(
            &admin,
            &NewAgency {
                parent: "lao-cai.bao-thang".into(),
                word: "tu-phap".into(),
                name: "Bộ phận Tư pháp - Hộ tịch xã Bảo Thắng".into(),
                kind: Some(AgencyKind::Department),
                code: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(unit.id.as_str(), "lao-cai.bao-thang.tu-phap");
    assert!(unit.code.as_str().starts_with("H38.61."), "{}", unit.code);
    assert!(app.agencies().get(&unit.id).is_some());
    let renamed = app
        .admin()
        .rename_agency(
            &admin,
            "lao-cai.bao-thang.tu-phap",
            "Tổ Tư pháp xã Bảo Thắng",
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Tổ Tư pháp xã Bảo Thắng");
    let e = app
        .admin()
        .rename_agency(&admin, "lao-cai.khong-co", "Tên")
        .await
        .unwrap_err();
    assert_eq!(e.code, "agency_not_found");

    // Bảo Thắng's centre keeps shorter hours: a deadline ends when its office day ends.
    let e = app
        .admin()
        .set_office_hours(&admin, "lao-cai.bao-thang.mot-cua", "11:00-07:00", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{}", e.message);
    app.admin()
        .set_office_hours(
            &admin,
            "lao-cai.bao-thang.mot-cua",
            "07:00-11:00, 13:00-16:00",
            "07:30-11:30",
        )
        .await
        .unwrap();
    let bao_thang = officer(&f.db, "motcua.baothang").await;
    let received = app
        .intake()
        .receive_at_counter(&bao_thang, reregister_birth())
        .await
        .unwrap();
    assert_eq!(
        lich::time::to_vn(&received.due.unwrap())
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        "2026-12-14 16:00"
    );

    // Where a procedure is received: only the committees chosen (none: all of its level).
    let e = app
        .admin()
        .set_procedure_agencies(&admin, "1.004884", &["lao-cai.bao-thang.van-phong".into()])
        .await
        .unwrap_err();
    assert_eq!(e.code, "invalid_agency", "{}", e.message);
    app.admin()
        .set_procedure_agencies(&admin, "1.004884", &["lao-cai.cam-duong".into()])
        .await
        .unwrap();
    let e = app
        .intake()
        .receive_at_counter(&bao_thang, reregister_birth())
        .await
        .unwrap_err();
    assert_eq!(e.code, "procedure_not_offered", "{}", e.message);
    assert!(
        app.admin()
            .set_procedure_agencies(&admin, "1.004884", &[])
            .await
            .unwrap()
            .is_empty()
    );
    app.intake()
        .receive_at_counter(&bao_thang, reregister_birth())
        .await
        .unwrap();

    // Cam Đường has a dossier in hand when it is merged into Bảo Thắng.
    let counter = officer(&f.db, "motcua.camduong").await;
    let mut req = reregister_birth();
    req.receiving = None;
    let d = app
        .intake()
        .receive_at_counter(&counter, req.clone())
        .await
        .unwrap();
    assert!(
        app.queries()
            .dossier_detail(&chairman, d.id, None)
            .await
            .is_err(),
        "Bảo Thắng reads Cam Đường's dossier before the merger"
    );
    let e = app
        .admin()
        .close_agency(
            &admin,
            "lao-cai.cam-duong",
            "lao-cai.cam-duong.mot-cua",
            day("2026-12-07"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "invalid_successor");
    app.admin()
        .close_agency(
            &admin,
            "lao-cai.cam-duong",
            "lao-cai.bao-thang",
            day("2026-12-07"),
        )
        .await
        .unwrap();
    // Bảo Thắng's leaders now have it; Cam Đường's counter receives nothing new.
    assert!(
        app.queries()
            .dossier_detail(&chairman, d.id, None)
            .await
            .is_ok()
    );
    let e = app
        .intake()
        .receive_at_counter(&counter, req)
        .await
        .unwrap_err();
    assert_eq!(e.code, "agency_closed", "{}", e.message);
    assert!(e.message.contains("UBND xã Bảo Thắng"), "{}", e.message);
    let e = app
        .admin()
        .close_agency(
            &admin,
            "lao-cai.cam-duong",
            "lao-cai.bao-thang",
            day("2026-12-08"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "agency_closed");
    let log = app.admin().admin_log_lines(&admin, 10).await.unwrap();
    for action in [
        "nhập mã định danh",
        "thêm cơ quan",
        "đổi tên cơ quan",
        "sáp nhập cơ quan",
    ] {
        assert!(
            log.iter().any(|l| l.action == action),
            "{action} not logged"
        );
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
