//! What the app tests share: a database of their own in a temporary folder, a clock they move,
//! the demo province, its officers by user name, and a re-registration of birth to receive.

#![allow(dead_code)]

use app::App;
use app::intake::IntakeRequest;
use domain::applicant::{Address, Applicant};
use domain::dossier::ReturnMethod;
use domain::ids::{Cccd, PersonName, ProcedureCode};
use domain::officer::Actor;

pub use testsupport::{Harness as Fixture, PASSWORD, at, officer};

/// A migrated, empty database at `now` (Vietnamese time).
pub async fn empty(name: &str, now: &str) -> Fixture {
    testsupport::harness("app", name, now, |_| {}).await
}

/// The demo province, catalogue and officers (no dossiers) at `now`.
pub async fn seeded(name: &str, now: &str) -> Fixture {
    empty(name, now).await.seeded().await
}

/// Nguyễn Thị Hằng of Xã Bảo Thắng, the applicant of the tests.
pub fn applicant() -> Applicant {
    Applicant::Citizen {
        name: PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: Cccd::parse("010190012345").unwrap(),
        phone: None,
        email: None,
        address: Address::new("Tổ dân phố 3", Some("02905"), "Tổ dân phố 3, xã Bảo Thắng").unwrap(),
    }
}

/// A citizen's portal account acting (its id number is what it declared: it proves nothing).
pub fn citizen(name: &str, id_number: &str) -> Actor {
    Actor::Citizen {
        name: PersonName::parse(name).unwrap(),
        id_number: Some(Cccd::parse(id_number).unwrap()),
        access: domain::officer::CitizenAccess::Account,
    }
}

/// Opens the portal account of `who` (if needed) and adds the dossier to it with the code and
/// access code of its receipt, as the applicant would.
pub async fn own(app: &App, who: &Actor, dossier: &domain::dossier::Dossier) {
    let Actor::Citizen {
        name,
        id_number: Some(n),
        ..
    } = who
    else {
        panic!("not a citizen account");
    };
    let _ = app
        .citizens()
        .seed_account(&app::citizens::Registration {
            name: name.to_string(),
            id_number: n.as_str().to_string(),
            password: PASSWORD.into(),
            ..Default::default()
        })
        .await;
    app.citizens()
        .link_dossier(
            who,
            dossier.code.as_str(),
            &app.citizens().access_code(dossier.id),
            &app::Client::default(),
        )
        .await
        .unwrap();
}

/// Đăng ký lại khai sinh (5 working days), complete, at the counter of Xã Bảo Thắng.
pub fn reregister_birth() -> IntakeRequest {
    IntakeRequest {
        procedure: ProcedureCode::parse("1.004884").unwrap(),
        receiving: None,
        applicant: applicant(),
        components: vec![
            testsupport::kit::component("to-khai"),
            testsupport::kit::component("giay-to-khai-sinh"),
        ],
        return_method: ReturnMethod::Counter,
        fee_exemption: None,
        helped_at: None,
        idempotency: None,
        provenance: Default::default(),
    }
}
