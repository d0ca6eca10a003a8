//! Who may do what: every officer of another commune, whatever their role, can neither read nor
//! change a commune's dossier, its files, nor open a correction of it; a citizen sees and acts on
//! only a dossier they proved is theirs (submitted from their account, or added with the code
//! and access code of its receipt) — knowing the applicant's personal id number proves nothing.
//! The officers of the commune itself can (so the refusals are not a broken check refusing
//! everyone). A refusal says nothing of the dossier's state.

use crate::common::*;
use app::ErrorKind;
use app::queries::DossierQuery;
use domain::agency::AgencyId;
use domain::dossier::*;
use domain::officer::{Actor, CitizenAccess};
use domain::rating::Rating;

/// Every command that acts on an existing dossier (the openings have their own use cases).
fn every_command() -> Vec<Command> {
    let later = at("2026-12-20 17:00");
    let unit = AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap();
    let item = || SupplementItem {
        component: None,
        text: "x".into(),
    };
    let all = vec![
        Command::AcceptOnline,
        Command::RefuseOnline {
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::RequestIntakeSupplement {
            items: vec![item()],
            reason: "x".into(),
        },
        Command::SubmitSupplement {
            components: vec![testsupport::kit::component("to-khai")],
            note: String::new(),
        },
        Command::Transfer {
            to_unit: unit.clone(),
        },
        Command::Assign {
            officer: Box::new(testsupport::kit::specialist().officer().unwrap().clone()),
            reason: None,
        },
        Command::AddNote { text: "x".into() },
        Command::RecordVerification {
            verification: Verification {
                at: at("2026-12-07 08:00"),
                place: "x".into(),
                participants: "x".into(),
                content: "x".into(),
            },
        },
        Command::RequestConsultation {
            unit: unit.clone(),
            content: "x".into(),
            limit: lich::Limit::new(1, lich::Unit::WorkingDays).unwrap(),
        },
        Command::AnswerConsultation {
            id: 1,
            answer: "x".into(),
        },
        Command::StartInterconnection {
            mode: InterconnectionMode::Parallel,
            legs: vec![LegPlan {
                agency: unit.clone(),
                task: "x".into(),
                limit: lich::Limit::new(1, lich::Unit::WorkingDays).unwrap(),
                upper_level: false,
            }],
        },
        Command::CompleteLeg {
            index: 0,
            result: "x".into(),
        },
        Command::RequestSupplement {
            items: vec![item()],
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::RequestFinancialObligation {
            description: "x".into(),
            legal_basis: "x".into(),
        },
        Command::WaitForAgency {
            reason: "x".into(),
            legal_basis: "x".into(),
            stops_clock: true,
        },
        Command::EndPause { note: "x".into() },
        Command::Extend {
            amount: lich::Limit::new(1, lich::Unit::WorkingDays).unwrap(),
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
            signature: Default::default(),
        },
        Command::IssueResult {
            number: "1".into(),
            document: None,
        },
        Command::Apologize {
            reason: "x".into(),
            new_appointment: later,
        },
        Command::RequestWithdrawal { reason: "x".into() },
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
            collected: None,
        },
        Command::RecallTransfer { reason: "x".into() },
        Command::RecordCorrection {
            correction: DossierId(uuid::Uuid::nil()),
            code: domain::ids::DossierCode::parse("000.00.22.H38-261207-0009").unwrap(),
            reason: "x".into(),
        },
        Command::RevokeResult {
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::DraftResult {
            fields: [("noi_dung".to_string(), "x".to_string())].into(),
        },
        testsupport::kit::pay_cash(1),
        Command::AddFee {
            name: "x".into(),
            amount: 1,
            legal_basis: "x".into(),
        },
        Command::WaiveFee {
            amount: 1,
            reason: "x".into(),
        },
        Command::RefundFee {
            amount: 1,
            reason: "x".into(),
        },
        Command::ReplaceReceipt {
            receipt: domain::dossier::ReceiptKey {
                series: "BT-26E".into(),
                number: 1,
            },
            payer: None,
            reason: "x".into(),
        },
        Command::CancelReceipt {
            receipt: domain::dossier::ReceiptKey {
                series: "BT-26E".into(),
                number: 1,
            },
            reason: "x".into(),
        },
        Command::SignReceipt {
            receipt: domain::dossier::ReceiptKey {
                series: "BT-26E".into(),
                number: 1,
            },
            files: domain::dossier::ReceiptFiles {
                xml: testsupport::kit::file_ref("bien-lai.xml"),
                pdf: testsupport::kit::file_ref("bien-lai.pdf"),
            },
        },
    ];
    // Every kind of command on a dossier is here: one added to the domain fails here until it
    // joins the matrix.
    let seen: std::collections::BTreeSet<&str> = all
        .iter()
        .map(|c| c.kind().expect("openings are not in the matrix").name())
        .collect();
    let every: std::collections::BTreeSet<&str> = domain::dossier::CommandKind::ALL
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(seen, every, "each command once");
    all
}

fn rating() -> Rating {
    Rating {
        contacts: 2,
        agencies: 2,
        publication: 2,
        attitude: 2,
        extra_costs: false,
        satisfied: true,
    }
}

/// A PDF uploaded by `who`, returned as the reference a component carries.
async fn scan(app: &app::App, who: &Actor, text: &str) -> FileRef {
    let content = format!("%PDF-1.4\n% {text}\n%%EOF\n");
    app.intake()
        .store_file(who, "giay-to.pdf", content.as_bytes())
        .await
        .unwrap()
}

#[tokio::test]
async fn another_communes_officers_and_other_citizens_are_refused_everything() {
    let f = seeded("policy", "2026-12-07 09:00").await;
    let app = &f.app;
    let counter = officer(&f.db, "motcua.baothang").await;
    // The dossier carries a scan uploaded at Bảo Thắng's counter.
    let file = scan(app, &counter, "Bao Thang").await;
    let mut req = reregister_birth();
    req.components[0].files = vec![file.clone()];
    let d = app
        .intake()
        .receive_at_counter(&counter, req)
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
    let outsiders = f.db.officers_in(&within).await.unwrap();
    assert!(outsiders.len() >= 5, "{} officers", outsiders.len());
    let mut refusals = 0;
    for o in outsiders {
        let who = Actor::Officer(o.clone());
        let name = &o.username;
        let read = app.queries().dossier_detail(&who, d.id, None).await;
        assert_eq!(
            read.unwrap_err().kind,
            ErrorKind::Forbidden,
            "{name} read it"
        );
        let by_code = app.queries().dossier_by_code(&who, d.code.as_str()).await;
        assert_eq!(by_code.unwrap_err().kind, ErrorKind::Forbidden, "{name}");
        let listed = app
            .queries()
            .list_dossiers(
                &who,
                DossierQuery {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            listed.rows.iter().all(|r| r.id != d.id.0),
            "{name} lists it"
        );
        let found = app
            .queries()
            .search_dossiers(
                &who,
                d.code.as_str(),
                DossierQuery {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(found.rows.is_empty(), "{name} finds it");
        assert!(
            app.queries()
                .inbox(&who)
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != d.id.0)
        );
        // Its file, by the dossier.
        let e = app
            .queries()
            .dossier_file(&who, d.id, &file.sha256)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{name} downloaded the scan");
        // Every command, even with a stale version: refused for who they are, never with a
        // word about the dossier's stage or version.
        for c in every_command() {
            let command = c.name();
            let e = app
                .handling()
                .act(&who, d.id, Some(99), c)
                .await
                .unwrap_err();
            assert_eq!(
                (e.kind, e.code),
                (ErrorKind::Forbidden, "forbidden"),
                "{name} could {command}: {}",
                e.message
            );
            refusals += 1;
        }
        let e = app
            .handling()
            .assign(
                &who,
                d.id,
                None,
                domain::officer::OfficerId(uuid::Uuid::nil()),
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{name} assign: {}", e.message);
        // A correction of the dossier (ND 61 Art. 21), whatever its stage.
        let e = app
            .intake()
            .open_correction(&who, d.id, reregister_birth(), "Sai tên".into())
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Forbidden, "forbidden"),
            "{name} opened a correction: {}",
            e.message
        );
    }
    assert!(refusals > 100);

    // The file's hash gives nothing: a Cam Đường counter officer naming it in an intake of
    // their own is told it was never uploaded.
    let theirs = officer(&f.db, "motcua.camduong").await;
    let mut req = reregister_birth();
    req.receiving = None;
    req.components[0].files = vec![file.clone()];
    let e = app
        .intake()
        .receive_at_counter(&theirs, req)
        .await
        .unwrap_err();
    assert_eq!(e.code, "file_not_found", "{}", e.message);

    // Citizens: one who registered an account under the applicant's own id number (which
    // proves nothing), another person, and someone holding another dossier's receipt.
    let squatter = citizen("Nguyễn Thị Hằng", "010190012345");
    let other = citizen("Vàng Thị Dợ", "010190054321");
    let second = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    let receipt_of_another = Actor::Citizen {
        name: domain::ids::PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: None,
        access: CitizenAccess::Receipt(second.id),
    };
    let events_before = f.db.totals().await.unwrap().events;
    for who in [&squatter, &other, &receipt_of_another] {
        assert_eq!(
            app.queries()
                .dossier_detail(who, d.id, None)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        assert_eq!(
            app.queries()
                .dossier_by_code(who, d.code.as_str())
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        assert_eq!(
            app.queries()
                .dossier_file(who, d.id, &file.sha256)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        for c in every_command() {
            let command = c.name();
            let e = app.handling().act(who, d.id, None, c).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Forbidden, "{command}: {}", e.message);
        }
        assert_eq!(
            app.citizens()
                .rate(who, d.id, rating(), "")
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
    }
    for who in [&squatter, &other] {
        let _ = app
            .citizens()
            .seed_account(&app::citizens::Registration {
                name: who.to_ref().name,
                id_number: match who {
                    Actor::Citizen {
                        id_number: Some(n), ..
                    } => n.as_str().to_string(),
                    _ => unreachable!(),
                },
                password: PASSWORD.into(),
                ..Default::default()
            })
            .await;
        assert!(app.citizens().my_dossiers(who).await.unwrap().is_empty());
    }
    // A wrong access code links nothing.
    let e = app
        .citizens()
        .link_dossier(
            &squatter,
            d.code.as_str(),
            "0000-0000",
            &app::Client::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "wrong_access_code");

    // Nothing changed.
    let now = f.db.dossier(d.id).await.unwrap().unwrap();
    assert_eq!(now.version, d.version);
    assert_eq!(f.db.totals().await.unwrap().events, events_before);

    // The applicant, with the code and access code of her receipt, sees it; so do the
    // commune's own officers.
    own(app, &squatter, &d).await;
    assert!(
        app.queries()
            .dossier_detail(&squatter, d.id, None)
            .await
            .is_ok()
    );
    assert_eq!(
        app.citizens().my_dossiers(&squatter).await.unwrap().len(),
        1
    );
    assert!(
        app.queries()
            .dossier_file(&squatter, d.id, &file.sha256)
            .await
            .is_ok()
    );
    assert!(
        app.queries()
            .dossier_detail(&counter, d.id, None)
            .await
            .is_ok()
    );
    assert!(
        app.queries()
            .dossier_file(&counter, d.id, &file.sha256)
            .await
            .is_ok()
    );
    assert!(
        app.queries()
            .inbox(&counter)
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == d.id.0)
    );
    // And the commune's counter may open a correction (once the dossier is returned; here the
    // rules refuse it for its stage — which only an officer who may act is told).
    let e = app
        .intake()
        .open_correction(&counter, d.id, reregister_birth(), "Sai tên".into())
        .await
        .unwrap_err();
    assert_ne!(e.kind, ErrorKind::Forbidden, "{}", e.message);
}

#[tokio::test]
async fn guessing_access_codes_is_throttled_per_dossier() {
    let f = seeded("policy-guess", "2026-12-07 09:00").await;
    let app = &f.app;
    let counter = officer(&f.db, "motcua.baothang").await;
    let d = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    let guesser = app::Client::at("203.0.113.9".parse().unwrap());
    let mut refused = 0;
    for i in 0..10 {
        let e = app
            .citizens()
            .applicant_by_receipt(d.code.as_str(), &format!("0000-{i:04}"), &guesser)
            .await
            .unwrap_err();
        assert_eq!(e.code, "wrong_access_code");
        refused += 1;
    }
    // The next guess — even the right code, from anywhere — waits for the window to end.
    let right = app.citizens().access_code(d.id);
    let elsewhere = app::Client::at("198.51.100.7".parse().unwrap());
    let e = app
        .citizens()
        .applicant_by_receipt(d.code.as_str(), &right, &elsewhere)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooMany, "{}", e.message);
    assert_eq!(refused, 10);
    f.clock.set(at("2026-12-07 10:01"));
    let (who, id) = app
        .citizens()
        .applicant_by_receipt(d.code.as_str(), &right, &elsewhere)
        .await
        .unwrap();
    assert_eq!(id, d.id);
    // That proof is for this dossier alone.
    assert!(app.queries().dossier_detail(&who, d.id, None).await.is_ok());
}

#[tokio::test]
async fn the_technical_administrator_manages_accounts_but_reads_no_dossier() {
    let f = seeded("policy-admin", "2026-12-07 09:00").await;
    let app = &f.app;
    let counter = officer(&f.db, "motcua.baothang").await;
    let file = scan(app, &counter, "Bao Thang").await;
    let mut req = reregister_birth();
    req.components[0].files = vec![file.clone()];
    let d = app
        .intake()
        .receive_at_counter(&counter, req)
        .await
        .unwrap();
    // Quản trị hệ thống of the whole province: accounts and settings, yes.
    let admin = officer(&f.db, "quantri").await;
    assert!(app.admin().officer_accounts(&admin).await.is_ok());
    assert!(app.admin().admin_log_lines(&admin, 5).await.is_ok());
    // Dossiers, their files, lists, search, inbox, reports that name dossiers: no.
    let e = app
        .queries()
        .dossier_detail(&admin, d.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "{}", e.message);
    let e = app
        .queries()
        .dossier_by_code(&admin, d.code.as_str())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = app
        .queries()
        .dossier_file(&admin, d.id, &file.sha256)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let listed = app
        .queries()
        .list_dossiers(
            &admin,
            DossierQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .map(|p| p.rows.len());
    assert!(matches!(listed, Ok(0) | Err(_)), "{listed:?}");
    let found = app
        .queries()
        .search_dossiers(
            &admin,
            d.code.as_str(),
            DossierQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .map(|p| p.rows.len());
    assert!(matches!(found, Ok(0) | Err(_)), "{found:?}");
    assert!(app.queries().inbox(&admin).await.unwrap().is_empty());
    let period = domain::period::Period::parse("2026-12").unwrap();
    let e = app
        .reports()
        .index_766_costs(
            &admin,
            &AgencyId::parse("lao-cai.bao-thang").unwrap(),
            period,
            None,
            10,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    for c in every_command() {
        let command = c.name();
        let e = app.handling().act(&admin, d.id, None, c).await.unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::Forbidden,
            "the administrator could {command}"
        );
    }
    // The same person with an officer role as well reads what that role covers.
    let mut both = match &admin {
        Actor::Officer(o) => o.clone(),
        _ => unreachable!(),
    };
    both.grants.push(domain::officer::RoleGrant {
        role: domain::officer::Role::Leader,
        agency: AgencyId::parse("lao-cai.bao-thang").unwrap(),
    });
    assert!(
        app.queries()
            .dossier_detail(&Actor::Officer(both), d.id, None)
            .await
            .is_ok()
    );
}
