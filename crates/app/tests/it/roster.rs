//! Officer accounts from a CSV table: hundreds at once, every bad row named by its line, nothing
//! created when any row is bad.

use crate::common::*;
use app::ErrorKind;
use domain::officer::Role;
use testsupport::roster;

#[tokio::test]
async fn three_hundred_officers_come_from_one_table_and_a_bad_table_creates_none() {
    let f = seeded("roster", "2026-12-07 09:00").await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let before = f.db.officers().await.unwrap().len();

    // A table with mistakes: each named by its line, nothing created.
    let mut bad = roster(10);
    bad.push_str("sai.vaitro,Lê Thị Sai,,Giám đốc,lao-cai.bao-thang.mot-cua,,\n"); // line 12
    bad.push_str("sai.coquan,Lê Thị Sai,,Chuyên viên,lao-cai.khong-co,,\n"); // line 13
    bad.push_str("canbo001,Người Khác,,Chuyên viên,lao-cai.bao-thang.van-phong,,\n"); // line 14
    bad.push_str("motcua.baothang,Lò Thị Mai,,Chuyên viên,lao-cai.bao-thang.van-phong,,\n"); // line 15
    bad.push_str("ngan.matkhau,Lê Thị Sai,,Chuyên viên,H38.61.02,,ngan\n"); // line 16
    let e = app.admin().import_officers(&admin, &bad).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "invalid_roster"));
    for line in ["dòng 12:", "dòng 13:", "dòng 14:", "dòng 15:", "dòng 16:"] {
        assert!(
            e.message.contains(line),
            "{line} missing from: {}",
            e.message
        );
    }
    assert!(!e.message.contains("dòng 2:"), "{}", e.message);
    assert_eq!(f.db.officers().await.unwrap().len(), before);
    let e = app
        .admin()
        .import_officers(&admin, "ho_ten,co_quan\nA,B\n")
        .await
        .unwrap_err();
    assert!(
        e.message.contains("thiếu cột ten_dang_nhap, vai_tro"),
        "{}",
        e.message
    );

    // Only an administrator.
    let chairman = officer(&f.db, "chutich.baothang").await;
    let e = app
        .admin()
        .import_officers(&chairman, &roster(3))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);

    // Three hundred, and a second role for one of them on a later row.
    let mut text = roster(300);
    text.push_str(
        "canbo000,Nguyễn Văn An,,Trưởng đơn vị,lao-cai.bao-thang.van-phong,,mat-khau-rieng-2026\n",
    );
    let created = app.admin().import_officers(&admin, &text).await.unwrap();
    assert_eq!(created.len(), 300);
    assert_eq!(f.db.officers().await.unwrap().len(), before + 300);
    let first = &created[0];
    assert_eq!(first.grants.len(), 2);
    assert_eq!(first.grants[1].role, Role::UnitHead);
    let password = first.password.clone().expect("a one-time password");
    let o =
        f.db.officer_by_username("canbo001")
            .await
            .unwrap()
            .unwrap()
            .0;
    assert_eq!(o.title.as_deref(), Some("Công chức, chuyen vien"));
    assert_eq!(o.grants[0].role, Role::Specialist);
    assert!(
        app.accounts()
            .login("canbo000", &password, None, &app::Client::default())
            .await
            .is_ok()
    );
    assert!(
        app.admin()
            .admin_log_lines(&admin, 5)
            .await
            .unwrap()
            .iter()
            .any(|l| l.action == "nhập danh sách cán bộ" && l.detail == "300 tài khoản từ tệp")
    );
    // The same table again: every name is taken now.
    let e = app
        .admin()
        .import_officers(&admin, &text)
        .await
        .unwrap_err();
    assert!(
        e.message.contains("\"canbo000\" đã có tài khoản"),
        "{}",
        e.message
    );
}
