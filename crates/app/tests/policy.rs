//! Who may do what: every officer of another commune, whatever their role, can neither read nor
//! change a commune's dossier; a citizen sees and acts on only their own. The officers of the
//! commune itself can (so the refusals are not a broken check refusing everyone).

mod common;

use app::ErrorKind;
use common::*;
use domain::agency::AgencyId;
use domain::dossier::*;
use domain::officer::Actor;
use domain::rating::Rating;
use store::DossierFilter;

/// Every command an officer can give on a dossier being handled.
fn commands() -> Vec<Command> {
    let later = at("2026-12-20 17:00");
    vec![
        Command::Transfer {
            to_unit: AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap(),
        },
        Command::Assign {
            officer: Box::new(domain::testkit::specialist().officer().unwrap().clone()),
            reason: None,
        },
        Command::AddNote { text: "x".into() },
        Command::RequestSupplement {
            items: vec![SupplementItem {
                component: None,
                text: "x".into(),
            }],
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::Forward {
            note: String::new(),
            to_unit: None,
        },
        Command::Decide {
            outcome: Outcome::Approved,
            reason: String::new(),
            legal_basis: String::new(),
        },
        Command::IssueResult { number: "1".into() },
        Command::Apologize {
            reason: "x".into(),
            new_appointment: later,
        },
        Command::Stop {
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::NotifyEarlyReturn {
            channel: "sms".into(),
        },
        Command::Return {
            received_by: "x".into(),
            originals_returned: vec![],
            postal_bill: None,
        },
    ]
}

#[tokio::test]
async fn another_communes_officers_and_other_citizens_are_refused_everything() {
    let f = seeded("policy", "2026-12-07 09:00").await;
    let app = &f.app;
    let counter = officer(app, "motcua.baothang").await;
    let owner = citizen("Nguyễn Thị Hằng", "010190012345");
    let d = app
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();

    // Every officer of Xã Cam Đường, every role.
    let tree = app.agencies();
    let cam_duong = AgencyId::parse("lao-cai.cam-duong").unwrap();
    let within: Vec<String> = tree
        .all()
        .filter(|a| tree.is_within(&a.id, &cam_duong))
        .map(|a| a.id.to_string())
        .collect();
    let outsiders = app.db().officers_in(&within).await.unwrap();
    assert!(outsiders.len() >= 5, "{} officers", outsiders.len());
    let mut refusals = 0;
    for o in outsiders {
        let who = Actor::Officer(o.clone());
        let read = app.dossier_detail(&who, d.id, None).await;
        assert_eq!(
            read.unwrap_err().kind,
            ErrorKind::Forbidden,
            "{} read it",
            o.username
        );
        let listed = app
            .list_dossiers(
                &who,
                DossierFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            listed.rows.iter().all(|r| r.id != d.id.0),
            "{} lists it",
            o.username
        );
        let found = app
            .search_dossiers(
                &who,
                d.code.as_str(),
                DossierFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(found.rows.is_empty(), "{} finds it", o.username);
        assert!(
            app.inbox(&who)
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != d.id.0)
        );
        for c in commands() {
            let name = c.name();
            let e = app.act(&who, d.id, None, c).await.unwrap_err();
            assert_eq!(
                e.kind,
                ErrorKind::Forbidden,
                "{} could {name}: {}",
                o.username,
                e.message
            );
            refusals += 1;
        }
    }
    assert!(refusals > 50);

    // Another citizen: no reading, no supplement, no rating, not in their list.
    let other = citizen("Vàng Thị Dợ", "010190054321");
    assert_eq!(
        app.dossier_detail(&other, d.id, None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        app.dossier_by_code(&other, d.code.as_str())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert!(app.my_dossiers(&other).await.unwrap().is_empty());
    let e = app
        .act(
            &other,
            d.id,
            None,
            Command::SubmitSupplement {
                components: vec![domain::testkit::component("to-khai")],
                note: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "{}", e.message);
    let rating = Rating {
        contacts: 2,
        agencies: 2,
        publication: 2,
        attitude: 2,
        extra_costs: false,
        satisfied: true,
    };
    assert_eq!(
        app.rate(&other, d.id, rating, "").await.unwrap_err().kind,
        ErrorKind::Forbidden
    );

    // Nothing changed, and the owner and the commune's own officers do see it.
    let now = app.db().dossier(d.id).await.unwrap().unwrap();
    assert_eq!(now.version, d.version);
    assert!(app.dossier_detail(&owner, d.id, None).await.is_ok());
    assert_eq!(app.my_dossiers(&owner).await.unwrap().len(), 1);
    assert!(app.dossier_detail(&counter, d.id, None).await.is_ok());
    assert!(
        app.inbox(&counter)
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == d.id.0)
    );
}
