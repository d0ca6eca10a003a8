//! The leaders' overview counts what happened: received, resolved on time, open, overdue, per
//! deciding agency, and lists the dossiers late or about to be.

use crate::common::*;
use chrono::NaiveDate;
use domain::agency::AgencyId;
use domain::dossier::*;
use domain::officer::Actor;

#[tokio::test]
async fn the_overview_counts_received_resolved_on_time_and_overdue() {
    let f = seeded("overview", "2026-12-07 09:00").await;
    let (app, clock) = (&f.app, &f.clock);

    let counter = officer(&f.db, "motcua.baothang").await;
    let head = officer(&f.db, "chanhvanphong.baothang").await;
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let chairman = officer(&f.db, "chutich.baothang").await;
    let clerk = officer(&f.db, "vanthu.baothang").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            app.intake()
                .receive_at_counter(&counter, reregister_birth())
                .await
                .unwrap()
                .id,
        );
    }
    // The first goes through to its result on 9 December, well before the 14th.
    let first = ids[0];
    let office = AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap();
    app.handling()
        .act(
            &counter,
            first,
            None,
            Command::Transfer {
                to_unit: office.clone(),
            },
        )
        .await
        .unwrap();
    let Actor::Officer(s) = &specialist else {
        unreachable!()
    };
    app.handling()
        .assign(&head, first, None, s.id, None)
        .await
        .unwrap();
    clock.set(at("2026-12-08 09:00"));
    app.handling()
        .act(
            &specialist,
            first,
            None,
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        )
        .await
        .unwrap();
    app.handling()
        .act(
            &chairman,
            first,
            None,
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                signature: Default::default(),
            },
        )
        .await
        .unwrap();
    clock.set(at("2026-12-09 10:00"));
    app.handling()
        .act(
            &clerk,
            first,
            None,
            Command::IssueResult {
                number: "15/GKS".into(),
                document: None,
            },
        )
        .await
        .unwrap();

    // On 15 December the other two are a day late.
    clock.set(at("2026-12-15 10:00"));
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let o = app
        .reports()
        .overview(&chairman, d(2026, 12, 1), d(2026, 12, 31))
        .await
        .unwrap();
    assert_eq!(
        (
            o.period.received,
            o.period.resolved,
            o.period.on_time,
            o.period.open,
            o.period.overdue
        ),
        (3, 1, 1, 2, 2),
        "{:?}",
        o.period
    );
    assert_eq!(o.on_time_rate, Some(1.0));
    assert_eq!(o.units.len(), 1);
    assert_eq!(o.units[0].name, "UBND xã Bảo Thắng");
    let late: Vec<_> = o
        .watch
        .iter()
        .filter(|w| w.overdue)
        .map(|w| w.row.id)
        .collect();
    assert_eq!(late.len(), 2);
    assert!(late.contains(&ids[1].0) && late.contains(&ids[2].0));
    assert!(o.watch.iter().all(|w| w.unit_name.contains("Bảo Thắng")));
    // Today's figures: nothing received or resolved on the 15th.
    assert_eq!((o.today.received, o.today.resolved), (0, 0));
    // A period before any of it counts nothing resolved.
    let o = app
        .reports()
        .overview(&chairman, d(2026, 11, 1), d(2026, 11, 30))
        .await
        .unwrap();
    assert_eq!((o.period.received, o.period.resolved), (0, 0));
    assert_eq!(o.on_time_rate, None);

    // Another commune's chairman sees none of it; a specialist has no overview.
    let other = officer(&f.db, "chutich.camduong").await;
    let o = app
        .reports()
        .overview(&other, d(2026, 12, 1), d(2026, 12, 31))
        .await
        .unwrap();
    assert_eq!(o.period.received, 0);
    assert!(o.watch.is_empty());
    assert!(
        app.reports()
            .overview(&specialist, d(2026, 12, 1), d(2026, 12, 31))
            .await
            .is_err()
    );
}
