//! Administration: accounts and roles, closures that stop the clock, catalogue import rights,
//! and the log of every change.

use crate::common::*;
use app::ErrorKind;
use app::admin::{AccountChange, NewOfficer};
use chrono::NaiveDate;
use domain::agency::AgencyId;
use domain::officer::{Actor, Role};

#[tokio::test]
async fn an_administrator_manages_accounts_closures_and_every_change_is_logged() {
    let f = seeded("admin", "2026-12-07 09:00").await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let chairman = officer(&f.db, "chutich.baothang").await;

    // Only an administrator.
    let n = NewOfficer {
        username: "giangsua.baothang".into(),
        full_name: "Giàng Thị Sua".into(),
        title: "Công chức Một cửa".into(),
        password: "mat-khau-moi-2026".into(),
        role: Some(Role::CounterOfficer),
        agency: "lao-cai.bao-thang.mot-cua".into(),
    };
    assert_eq!(
        app.admin()
            .create_officer(&chairman, &n)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    let o = app.admin().create_officer(&admin, &n).await.unwrap();
    assert!(
        app.accounts()
            .login(
                "giangsua.baothang",
                "mat-khau-moi-2026",
                None,
                &app::Client::default()
            )
            .await
            .is_ok()
    );
    assert_eq!(
        app.admin()
            .create_officer(&admin, &n)
            .await
            .unwrap_err()
            .code,
        "username_taken"
    );
    let bad = NewOfficer {
        username: "Có Dấu".into(),
        ..n.clone()
    };
    assert_eq!(
        app.admin()
            .create_officer(&admin, &bad)
            .await
            .unwrap_err()
            .code,
        "invalid_username"
    );

    // Roles, lock, password.
    let head = AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap();
    let o2 = app
        .admin()
        .change_account(
            &admin,
            o.id,
            AccountChange::Grant(Role::Specialist, head.clone()),
        )
        .await
        .unwrap();
    assert_eq!(o2.grants.len(), 2);
    let session = app
        .accounts()
        .login(
            "giangsua.baothang",
            "mat-khau-moi-2026",
            None,
            &app::Client::default(),
        )
        .await
        .unwrap();
    let session = session
        .session()
        .expect("no second factor asked of a specialist");
    app.admin()
        .change_account(&admin, o.id, AccountChange::Activate(false))
        .await
        .unwrap();
    assert!(
        app.accounts().actor(&session.token).await.is_err(),
        "locking ends the sessions"
    );
    assert!(
        app.accounts()
            .login(
                "giangsua.baothang",
                "mat-khau-moi-2026",
                None,
                &app::Client::default()
            )
            .await
            .is_err()
    );
    app.admin()
        .change_account(&admin, o.id, AccountChange::Activate(true))
        .await
        .unwrap();
    app.admin()
        .change_account(
            &admin,
            o.id,
            AccountChange::Password("mat-khau-khac-2026".into()),
        )
        .await
        .unwrap();
    assert!(
        app.accounts()
            .login(
                "giangsua.baothang",
                "mat-khau-khac-2026",
                None,
                &app::Client::default()
            )
            .await
            .is_ok()
    );
    let Actor::Officer(me) = &admin else {
        unreachable!()
    };
    assert_eq!(
        app.admin()
            .change_account(&admin, me.id, AccountChange::Activate(false))
            .await
            .unwrap_err()
            .code,
        "own_account"
    );

    // A typhoon closes Xã Bảo Thắng on 9–10 December: its centre's calendar skips them, the
    // province's does not.
    let centre = AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    assert!(app.calendar_of(&centre).is_working_day(d(12, 9)).unwrap());
    app.admin()
        .add_closure(
            &admin,
            "lao-cai.bao-thang",
            d(12, 9),
            d(12, 10),
            "Bão số 12",
            "Công điện 05/CĐ-UBND",
        )
        .await
        .unwrap();
    assert!(!app.calendar_of(&centre).is_working_day(d(12, 9)).unwrap());
    assert!(!app.calendar_of(&centre).is_working_day(d(12, 10)).unwrap());
    let province_centre = AgencyId::parse("lao-cai.ttpvhcc").unwrap();
    assert!(
        app.calendar_of(&province_centre)
            .is_working_day(d(12, 9))
            .unwrap()
    );
    assert_eq!(
        app.admin()
            .add_closure(&admin, "lao-cai.bao-thang", d(12, 10), d(12, 9), "x", "y")
            .await
            .unwrap_err()
            .code,
        "invalid_period"
    );
    let id = f.db.closures().await.unwrap()[0].id;
    app.admin().withdraw_closure(&admin, id).await.unwrap();
    assert!(app.calendar_of(&centre).is_working_day(d(12, 9)).unwrap());
    assert_eq!(
        app.admin()
            .withdraw_closure(&admin, id)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );

    // Every change is in the log, newest first.
    let log = f.db.admin_log_lines(50).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "hủy tạm ngừng làm việc",
            "tạm ngừng làm việc",
            "đặt lại mật khẩu",
            "sửa tài khoản",
            "sửa tài khoản",
            "sửa tài khoản",
            "tạo tài khoản",
        ]
    );
    assert!(log.iter().all(|l| l.actor == "Nguyễn Quản Trị"));
}
