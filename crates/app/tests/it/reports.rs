//! The report counters kept with each change equal a rebuild from the events, after a generated
//! history and a long run of random commands through the real services (refused ones included).

use crate::common::*;
use app::demo;
use chrono::{Duration, NaiveDate};
use domain::agency::AgencyId;
use domain::dossier::*;
use domain::officer::Actor;
use store::DossierFilter;

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

#[tokio::test]
async fn counters_kept_with_each_change_equal_a_rebuild_from_the_events() {
    let f = empty("reports", "2026-11-20 09:00").await;
    let (app, clock) = (&f.app, &f.clock);
    demo::seed(app, PASSWORD, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap())
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
        staff.push(officer(&f.db, n).await);
    }
    let applicant = citizen("Nguyễn Thị Hằng", "010190012345");
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
            let req = reregister_birth();
            app.intake()
                .receive_at_counter(&staff[0], req)
                .await
                .unwrap();
        }
        let open =
            f.db.list_dossiers(&DossierFilter {
                visible: store::Visibility::All,
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
        let command = match rng.next(12) {
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
                components: vec![testsupport::kit::component("to-khai")],
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
                signature: Default::default(),
            },
            7 => Command::IssueResult {
                number: format!("{step}/GKS"),
                document: None,
            },
            8 => Command::Return {
                received_by: "Nguyễn Thị Hằng".into(),
                originals_returned: vec![],
                postal_bill: None,
                collected: None,
            },
            9 => Command::Apologize {
                reason: "Cần xác minh thêm".into(),
                new_appointment: now + Duration::days(10),
            },
            10 => testsupport::kit::pay_cash(5_000),
            _ => Command::Stop {
                reason: "Người nộp đề nghị dừng".into(),
                legal_basis: "NĐ 61/2018".into(),
            },
        };
        let actors: Vec<&Actor> = staff.iter().chain(std::iter::once(&applicant)).collect();
        let mut ok = false;
        for a in actors {
            if app
                .handling()
                .act(a, id, None, command.clone())
                .await
                .is_ok()
            {
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

    let kept = f.db.all_counts().await.unwrap();
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
    assert_eq!(
        f.db.rollup_mismatches().await.unwrap(),
        0,
        "the month and total rows are the sums of the daily rows"
    );
    let report = app.reports().rebuild_counts().await.unwrap();
    assert_eq!(report.differing, 0, "{report:?}");
    assert_eq!(f.db.rollup_mismatches().await.unwrap(), 0);
    assert_eq!(
        f.db.all_counts().await.unwrap(),
        kept,
        "a rebuild gives the same counters"
    );

    // The periodic report read from the counters equals a count over the dossiers themselves.
    let inspector = officer(&f.db, "thanhtra").await;
    let mut states = Vec::new();
    for id in f.db.dossier_ids().await.unwrap() {
        states.push(f.db.dossier(id).await.unwrap().unwrap());
    }
    let day = |t: chrono::DateTime<chrono::Utc>| lich::time::to_vn(&t).date_naive();
    let today = day(app.now());
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    for (from, to) in [
        (d(2026, 11, 2), d(2026, 11, 30)),
        (d(2026, 11, 20), d(2026, 11, 27)),
        (d(2026, 12, 1), d(2026, 12, 20)),
        (d(2026, 11, 25), d(2027, 1, 31)),
    ] {
        assert!(to < today, "periods already over");
        let r = app
            .reports()
            .period_report(&inspector, from, to, &app::qd766::Scope::default())
            .await
            .unwrap();
        let (mut carried, mut received, mut ended, mut within, mut past) = (0, 0, 0, 0, 0);
        for s in &states {
            let Some(rec) = s.received_at.map(day) else {
                continue;
            };
            let end = s.finished_at().map(day);
            carried += i64::from(rec < from && end.is_none_or(|e| e >= from));
            received += i64::from(rec >= from && rec <= to);
            ended += i64::from(end.is_some_and(|e| e >= from && e <= to));
            if rec <= to && end.is_none_or(|e| e > to) {
                if s.due.is_some_and(|due| day(due) <= to) {
                    past += 1
                } else {
                    within += 1
                }
            }
        }
        let t = &r.total;
        assert_eq!(
            (
                t.carried,
                t.received_total(),
                t.resolved() + t.withdrawn + t.stopped,
                t.open_within,
                t.open_past
            ),
            (carried, received, ended, within, past),
            "{from}–{to}"
        );
        assert!(received > 0 && ended > 0, "{from}–{to} has dossiers");

        // QĐ 766 indicator 2.1 from the counters equals a count over the dossiers, and the list
        // of dossiers that cost points (read from the dossiers) has the missing count.
        let (mut handled, mut on_time) = (0, 0);
        for s in &states {
            let Some(rec) = s.received_at.map(day) else {
                continue;
            };
            let end = s.ended_766().map(day);
            if rec > to || end.is_some_and(|e| e < from) {
                continue;
            }
            handled += 1;
            let t = s
                .timing(
                    &app.calendar_of(&s.receiving),
                    &Default::default(),
                    app.now(),
                )
                .unwrap();
            on_time += i64::from(match end {
                Some(e) if e <= to => t.qd766 != Some(lich::Timeliness::Late),
                _ => t.qd766_due.is_none_or(|due| day(due) > to),
            });
        }
        let x = app
            .reports()
            .index_766(
                &inspector,
                app::qd766::Period::days(from, to).unwrap(),
                None,
                &app::qd766::Scope::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            (x.total.inputs.handled, x.total.inputs.on_time),
            (handled, on_time),
            "766 {from}–{to}"
        );
        let costs = app
            .reports()
            .index_766_costs(
                &inspector,
                &domain::agency::AgencyId::parse("lao-cai").unwrap(),
                app::qd766::Period::days(from, to).unwrap(),
                None,
                100_000,
            )
            .await
            .unwrap();
        assert_eq!(costs.len() as i64, handled - on_time, "costs {from}–{to}");
    }
}
