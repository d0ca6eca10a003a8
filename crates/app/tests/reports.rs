//! The report counters kept with each change equal a rebuild from the events, after a generated
//! history and a long run of random commands through the real services (refused ones included).

use std::sync::Arc;

use app::intake::IntakeRequest;
use app::{App, FixedClock, Settings, demo};
use chrono::{Duration, NaiveDate};
use domain::agency::AgencyId;
use domain::applicant::{Address, Applicant};
use domain::dossier::*;
use domain::ids::{Cccd, PersonName, ProcedureCode};
use domain::officer::Actor;
use store::{Db, DossierFilter};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    lich::time::parse_instant(text).unwrap().to_utc()
}

fn citizen() -> Applicant {
    Applicant::Citizen {
        name: PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: Cccd::parse("010190012345").unwrap(),
        phone: None,
        email: None,
        address: Address::new("Tổ dân phố 3", Some("02905"), "Tổ dân phố 3, xã Bảo Thắng").unwrap(),
    }
}

#[tokio::test]
async fn counters_kept_with_each_change_equal_a_rebuild_from_the_events() {
    let dir = std::env::temp_dir().join(format!("motcua-reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&format!("sqlite:{}", dir.join("r.db").display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let clock = Arc::new(FixedClock::new(at("2026-11-20 09:00")));
    let settings = Settings {
        password_memory_kib: 1024,
        ..Settings::default()
    };
    let app = App::new(
        db,
        clock.clone(),
        Arc::new(lich::Calendar::embedded()),
        settings,
    )
    .await
    .unwrap();
    demo::seed(
        &app,
        "thu-nghiem@2026",
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
    )
    .await
    .unwrap();

    let names = [
        "motcua.baothang",
        "chanhvanphong.baothang",
        "tuphap.baothang",
        "chutich.baothang",
        "vanthu.baothang",
    ];
    let mut staff = Vec::new();
    for n in names {
        staff.push(Actor::Officer(
            app.db().officer_by_username(n).await.unwrap().unwrap().0,
        ));
    }
    let applicant = Actor::Citizen {
        name: PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: Some(Cccd::parse("010190012345").unwrap()),
    };
    let Actor::Officer(specialist) = staff[2].clone() else {
        unreachable!()
    };
    let mut rng = Lcg(2026);
    let mut now = at("2026-11-20 09:00");
    let (mut done, mut refused) = (0, 0);
    for step in 0..800 {
        now += Duration::minutes(rng.next(600) as i64);
        clock.set(now);
        if step % 7 == 0 {
            let req = IntakeRequest {
                procedure: ProcedureCode::parse("1.004884").unwrap(),
                receiving: None,
                applicant: citizen(),
                components: vec![
                    domain::testkit::component("to-khai"),
                    domain::testkit::component("giay-to-khai-sinh"),
                ],
                return_method: ReturnMethod::Counter,
                fee_exemption: None,
                helped_at: None,
            };
            app.receive_at_counter(&staff[0], req).await.unwrap();
        }
        let open = app
            .db()
            .list_dossiers(&DossierFilter {
                receiving: Some("lao-cai.bao-thang.mot-cua".into()),
                national_status: vec![2, 4, 5, 9],
                limit: 40,
                ..Default::default()
            })
            .await
            .unwrap()
            .rows;
        if open.is_empty() {
            continue;
        }
        let id = DossierId(open[rng.next(open.len())].id);
        let command = match rng.next(11) {
            0 => Command::Transfer {
                to_unit: AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap(),
            },
            1 => Command::Assign {
                officer: Box::new(specialist.clone()),
                reason: Some("Cân đối công việc".into()),
            },
            2 => Command::AddNote {
                text: "Đủ điều kiện.".into(),
            },
            3 => Command::RequestSupplement {
                items: vec![SupplementItem {
                    component: Some("to-khai".into()),
                    text: "Ký lại tờ khai".into(),
                }],
                reason: "Tờ khai chưa ký".into(),
                legal_basis: "Luật Hộ tịch 2014".into(),
            },
            4 => Command::SubmitSupplement {
                components: vec![domain::testkit::component("to-khai")],
                note: String::new(),
            },
            5 => Command::Forward {
                note: String::new(),
                to_unit: None,
            },
            6 => Command::Decide {
                outcome: if rng.next(5) == 0 {
                    Outcome::Refused
                } else {
                    Outcome::Approved
                },
                reason: "Không đủ điều kiện theo quy định".into(),
                legal_basis: "Luật Hộ tịch 2014".into(),
            },
            7 => Command::IssueResult {
                number: format!("{step}/GKS"),
            },
            8 => Command::Return {
                received_by: "Nguyễn Thị Hằng".into(),
                originals_returned: vec![],
                postal_bill: None,
            },
            9 => Command::Apologize {
                reason: "Cần xác minh thêm".into(),
                new_appointment: now + Duration::days(10),
            },
            _ => Command::Stop {
                reason: "Người nộp đề nghị dừng".into(),
                legal_basis: "NĐ 61/2018".into(),
            },
        };
        let actors: Vec<&Actor> = staff.iter().chain(std::iter::once(&applicant)).collect();
        let mut ok = false;
        for a in actors {
            if app.act(a, id, None, command.clone()).await.is_ok() {
                ok = true;
                break;
            }
        }
        if ok { done += 1 } else { refused += 1 }
    }
    assert!(
        done > 100 && refused > 20,
        "{done} commands ran, {refused} refused"
    );

    let kept = app.db().all_counts().await.unwrap();
    let total = |m: &str| {
        kept.iter()
            .filter(|r| r.measure == m)
            .map(|r| r.n)
            .sum::<i64>()
    };
    assert!(total("received") > 50, "{}", total("received"));
    assert!(
        total("returned") > 0
            && total("resolved-early") + total("resolved-on-time") + total("resolved-late") > 0
    );
    assert!(total("supplement-requested") > 0 && total("open-due") > 0);
    let report = app.rebuild_counts().await.unwrap();
    assert_eq!(report.differing, 0, "{report:?}");
    assert_eq!(
        app.db().all_counts().await.unwrap(),
        kept,
        "a rebuild gives the same counters"
    );
    let _ = std::fs::remove_dir_all(dir);
}
