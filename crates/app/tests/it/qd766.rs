//! Reports and the QĐ 766 index checked against histories whose figures are known by
//! construction: every dossier is driven through the domain's commands at chosen instants, its
//! facts are summed into the counters (the same sums a rebuild writes; that the live counters
//! equal a rebuild is tested in `reports.rs`), and each report cell is compared with the count
//! the construction fixes.

use std::collections::BTreeMap;

use crate::common::*;
use app::qd766::{Period, Scope};
use chrono::NaiveDate;
use domain::agency::AgencyTree;
use domain::dossier::{Dossier, Fact};
use testsupport::kit::{self, Ending, agencies_with, drive};

fn working_days(cal: &lich::WorkCalendar, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        if cal.is_working_day(d).unwrap() {
            out.push(d);
        }
        d += chrono::Duration::days(1);
    }
    out
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Sums the facts of the dossiers into the counters, as a rebuild does.
async fn load(db: &store::Db, dossiers: &[Dossier]) {
    load_rated(db, dossiers, &[]).await;
}

/// [`load`], with the applicants' ratings: (index in `dossiers`, satisfied).
async fn load_rated(db: &store::Db, dossiers: &[Dossier], ratings: &[(usize, bool)]) {
    let cal = kit::calendar();
    let rules = domain::dossier::LegalRules::default();
    let mut sums: BTreeMap<Fact, i64> = BTreeMap::new();
    for d in dossiers {
        for f in d.facts(&cal, &rules).unwrap() {
            *sums.entry(f).or_default() += 1;
        }
    }
    for (i, satisfied) in ratings {
        for f in dossiers[*i].rating_facts(&cal, &rules, *satisfied).unwrap() {
            *sums.entry(f).or_default() += 1;
        }
    }
    let sums: Vec<(Fact, i64)> = sums.into_iter().collect();
    db.replace_counts(&sums).await.unwrap();
}

/// Bảo Thắng, third quarter of 2026: 3,985 received, 3,951 resolved (3,900 early, 40 on the
/// due day, 11 late), 34 still in progress at the end (30 received on the last day, within
/// their limit; 4 received on 1 July and never finished, past it). Sa Pa: 3,600 received and
/// every one resolved early.
fn quarter(tree: &AgencyTree) -> Vec<Dossier> {
    let cal = kit::calendar();
    let days = working_days(&cal, date("2026-07-01"), date("2026-09-16"));
    let mut out = Vec::new();
    for i in 0..3_951 {
        let end = match i {
            0..3_900 => Ending::After(2),
            3_900..3_940 => Ending::After(5),
            _ => Ending::After(7),
        };
        out.push(drive(tree, "bao-thang", days[i % days.len()], end));
    }
    for _ in 0..4 {
        out.push(drive(tree, "bao-thang", date("2026-07-01"), Ending::Open));
    }
    for _ in 0..30 {
        out.push(drive(tree, "bao-thang", date("2026-09-30"), Ending::Open));
    }
    for i in 0..3_600 {
        out.push(drive(tree, "sa-pa", days[i % days.len()], Ending::After(1)));
    }
    out
}

#[tokio::test]
async fn a_quarter_known_by_construction_gives_every_report_cell_and_the_766_figures() {
    let f = seeded("qd766-quarter", "2026-11-23 10:00").await;
    let app = &f.app;
    let tree = agencies_with(&["sa-pa"]);
    let dossiers = quarter(&tree);
    assert_eq!(dossiers.len(), 3_985 + 3_600);
    load(&f.db, &dossiers).await;
    let inspector = officer(&f.db, "thanhtra").await;

    // Periodic report for the quarter.
    let r = app
        .reports()
        .period_report(
            &inspector,
            date("2026-07-01"),
            date("2026-09-30"),
            &Scope::default(),
        )
        .await
        .unwrap();
    let line = |id: &str| r.lines.iter().find(|l| l.agency == id).unwrap().clone();
    let bt = line("lao-cai.bao-thang");
    assert_eq!(bt.carried, 0);
    assert_eq!(bt.received, [3_985, 0, 0]);
    assert_eq!(
        (bt.resolved_early, bt.resolved_on_time, bt.resolved_late),
        (3_900, 40, 11)
    );
    assert_eq!(bt.resolved(), 3_951);
    assert_eq!((bt.open_within, bt.open_past), (30, 4));
    assert_eq!((bt.withdrawn, bt.stopped, bt.refused), (0, 0, 0));
    assert_eq!((bt.on_time_766, bt.late_766), (3_940, 11));
    let sp = line("lao-cai.sa-pa");
    assert_eq!(sp.received_total(), 3_600);
    assert_eq!(sp.resolved_early, 3_600);
    assert_eq!((sp.resolved_late, sp.open_within, sp.open_past), (0, 0, 0));
    assert_eq!(sp.on_time_rate(), Some(1.0));
    assert_eq!(r.total.received_total(), 7_585);
    assert_eq!(r.total.resolved(), 7_551);

    // The next quarter carries the 34 over.
    let q4 = app
        .reports()
        .period_report(
            &inspector,
            date("2026-10-01"),
            date("2026-12-31"),
            &Scope::default(),
        )
        .await
        .unwrap();
    let bt4 = q4
        .lines
        .iter()
        .find(|l| l.agency == "lao-cai.bao-thang")
        .unwrap();
    assert_eq!(bt4.carried, 34);
    assert_eq!(bt4.received_total(), 0);
    // Still open today (23/11): all 34 are past their limit now.
    assert_eq!((bt4.open_within, bt4.open_past), (0, 34));

    // QĐ 766 for the quarter, every commune ranked.
    let x = app
        .reports()
        .index_766(
            &inspector,
            Period::parse("2026-Q3").unwrap(),
            None,
            &Scope::default(),
        )
        .await
        .unwrap();
    let unit = |id: &str| x.units.iter().find(|u| u.agency == id).unwrap();
    let ind = |u: &app::qd766::UnitIndex, id: &str| {
        u.indicators.iter().find(|i| i.id == id).unwrap().clone()
    };
    let b = unit("lao-cai.bao-thang");
    let two_one = ind(b, "2.1");
    assert_eq!(
        (two_one.numerator, two_one.denominator),
        (Some(3_940 + 30), Some(3_985))
    );
    assert!((two_one.points.unwrap() - 20.0 * 3_970.0 / 3_985.0).abs() < 1e-9);
    let s = unit("lao-cai.sa-pa");
    assert_eq!(ind(s, "2.1").points, Some(20.0));
    assert_eq!(
        (ind(s, "2.1").numerator, ind(s, "2.1").denominator),
        (Some(3_600), Some(3_600))
    );
    // 3.3: no dossier came online.
    assert_eq!(
        (
            ind(b, "3.3").numerator,
            ind(b, "3.3").denominator,
            ind(b, "3.3").points
        ),
        (Some(0), Some(3_985), Some(0.0))
    );
    // 5.4 without ratings equals 2.1's ratio scaled to 6 with the 90 % threshold.
    assert_eq!(ind(s, "5.4").points, Some(6.0));
    assert_eq!(s.rank, Some(1), "all on time ranks first");
    assert_eq!(b.rank, Some(2));
    // The previous quarter had no dossiers: nothing to rank or compare with.
    assert_eq!((b.previous_points, b.previous_rank), (None, None));
    // A commune with no dossier scores 0 on 2.1, as the national portal does, but is not
    // ranked: it has no data to rank on (walk-through fault 9).
    let gp = unit("lao-cai.gia-phu");
    assert_eq!(ind(gp, "2.1").points, Some(0.0));
    assert_eq!(gp.max, b.max, "every unit is scored on the same indicators");
    assert_eq!(gp.rank, None);

    // As of 31/08 — what the index showed then: received by then, and open at its end.
    let asof = app
        .reports()
        .index_766(
            &inspector,
            Period::parse("2026-Q3").unwrap(),
            Some(date("2026-08-31")),
            &Scope::default(),
        )
        .await
        .unwrap();
    let cut = date("2026-08-31");
    let cal = kit::calendar();
    let (mut handled, mut on_time) = (0, 0);
    for d in dossiers
        .iter()
        .filter(|d| d.competent.as_str() == "lao-cai.bao-thang")
    {
        let day = |t: chrono::DateTime<chrono::Utc>| lich::time::to_vn(&t).date_naive();
        if day(d.received_at.unwrap()) > cut {
            continue;
        }
        handled += 1;
        let t = d
            .timing(&cal, &Default::default(), d.received_at.unwrap())
            .unwrap();
        match d.finished_at().map(day) {
            Some(end) if end <= cut => {
                on_time += i64::from(t.qd766 != Some(lich::Timeliness::Late))
            }
            // Open at the end of 31/08: within its limit when due after that day.
            _ => on_time += i64::from(day(t.qd766_due.unwrap()) > cut),
        }
    }
    let b = asof
        .units
        .iter()
        .find(|u| u.agency == "lao-cai.bao-thang")
        .unwrap();
    assert_eq!(b.inputs.handled, handled);
    assert_eq!(b.inputs.on_time, on_time);
    assert!(handled < 3_985 && on_time < handled, "{on_time}/{handled}");

    // The dossiers that cost Bảo Thắng points: the 11 late and the 4 open past their date.
    let costs = app
        .reports()
        .index_766_costs(
            &inspector,
            &domain::agency::AgencyId::parse("lao-cai.bao-thang").unwrap(),
            Period::parse("2026-Q3").unwrap(),
            None,
            100,
        )
        .await
        .unwrap();
    // The counters were loaded without dossier rows: the list reads the dossiers, so it is
    // empty here; it is checked against stored dossiers in `the_edge_rules...` below.
    assert!(costs.is_empty());

    // The shares: 600 of Sa Pa's applicants rate the service, 100 of them not satisfied.
    let sa_pa = 3_985..7_585;
    let ratings: Vec<(usize, bool)> = sa_pa
        .clone()
        .take(600)
        .map(|i| (i, i < 3_985 + 500))
        .collect();
    // And 250 of Bảo Thắng's dossiers had every component taken from data (digitised).
    let mut dossiers = dossiers;
    for d in &mut dossiers[..250] {
        for c in &mut d.components {
            c.by_data = true;
        }
    }
    // 150 more were of a procedure offered fully online, 60 of them submitted online.
    let full = app
        .catalogue()
        .procedures()
        .await
        .unwrap()
        .iter()
        .find(|v| v.online == domain::procedure::OnlineKind::Full)
        .expect("a full-online procedure in the catalogue")
        .code
        .clone();
    for (i, d) in dossiers[250..400].iter_mut().enumerate() {
        d.procedure.code = full.clone();
        if i < 60 {
            d.channel = domain::procedure::Channel::Online;
        }
    }
    load_rated(&f.db, &dossiers, &ratings).await;
    let r = app
        .reports()
        .period_report(
            &inspector,
            date("2026-07-01"),
            date("2026-09-30"),
            &Scope::default(),
        )
        .await
        .unwrap();
    let line = |id: &str| r.lines.iter().find(|l| l.agency == id).unwrap().clone();
    let (bt, sp) = (line("lao-cai.bao-thang"), line("lao-cai.sa-pa"));
    assert_eq!((sp.rated, sp.disliked), (600, 100));
    assert_eq!(sp.satisfaction_rate(), Some(500.0 / 600.0));
    assert_eq!((bt.rated, bt.satisfaction_rate()), (0, None));
    assert_eq!((bt.full_online_eligible, bt.full_online), (150, 60));
    assert_eq!(bt.full_online_rate(), Some(0.4));
    assert_eq!(bt.received, [3_985 - 60, 60, 0]);
    let digitised = dossiers[..3_985]
        .iter()
        .filter(|d| {
            d.components
                .iter()
                .all(|c| c.by_data || !c.files.is_empty())
        })
        .count() as i64;
    assert_eq!((bt.digitised, digitised), (250, 250));
    assert_eq!(bt.digitised_rate(), Some(digitised as f64 / 3_985.0));
    assert_eq!((r.total.rated, r.total.disliked), (600, 100));
}

#[tokio::test]
async fn the_edge_rules_of_2_1_hold_in_the_counters() {
    let f = seeded("qd766-edges", "2026-11-23 10:00").await;
    let app = &f.app;
    let tree = agencies_with(&["cam-duong"]);
    let oct = date("2026-10-05");
    let dossiers = vec![
        // Supplement time is subtracted: answered 4 working days later, finished 3 days after
        // that — past the first appointment, within it once the wait is added back.
        drive(
            &tree,
            "cam-duong",
            oct,
            Ending::Supplemented {
                answered: 4,
                then: 3,
            },
        ),
        // More than one supplement request: late, however quick.
        drive(&tree, "cam-duong", oct, Ending::TwiceSupplemented),
        // Waiting for a supplement at the end of the month: ended at the request, on time.
        drive(
            &tree,
            "cam-duong",
            date("2026-10-28"),
            Ending::WaitingSupplement,
        ),
        // Open at the end of the month within its limit.
        drive(&tree, "cam-duong", date("2026-10-30"), Ending::Open),
        // Open past its limit at the end of the month.
        drive(&tree, "cam-duong", oct, Ending::Open),
    ];
    let cal = kit::calendar();
    let rules = domain::dossier::LegalRules::default();
    let t0 = dossiers[0]
        .timing(&cal, &rules, dossiers[0].finished_at().unwrap())
        .unwrap();
    assert!(
        dossiers[0].finished_at().unwrap() > dossiers[0].original_appointment.unwrap(),
        "the first finishes after its first appointment"
    );
    assert_ne!(t0.qd766, Some(lich::Timeliness::Late));
    load(&f.db, &dossiers).await;
    let inspector = officer(&f.db, "thanhtra").await;
    let x = app
        .reports()
        .index_766(
            &inspector,
            Period::parse("2026-10").unwrap(),
            None,
            &Scope::default(),
        )
        .await
        .unwrap();
    let u = x
        .units
        .iter()
        .find(|u| u.agency == "lao-cai.cam-duong")
        .unwrap();
    let two_one = u.indicators.iter().find(|i| i.id == "2.1").unwrap();
    // On time: the supplemented one, the one waiting, the one within its limit.
    assert_eq!((two_one.numerator, two_one.denominator), (Some(3), Some(5)));
    assert!((two_one.points.unwrap() - 12.0).abs() < 1e-9);
    let r = app
        .reports()
        .period_report(
            &inspector,
            date("2026-10-01"),
            date("2026-10-31"),
            &Scope::default(),
        )
        .await
        .unwrap();
    let l = r
        .lines
        .iter()
        .find(|l| l.agency == "lao-cai.cam-duong")
        .unwrap();
    assert_eq!((l.on_time_766, l.late_766), (2, 1));
    // TT 01 counts the waiting one as still open (the clock is paused, not ended).
    assert_eq!(l.resolved(), 2);
    assert_eq!(l.open_within + l.open_past, 3);
    assert_eq!(l.open_past, 1);
    // A sector filter that matches none of these procedures empties the line.
    let none = app
        .reports()
        .period_report(
            &inspector,
            date("2026-10-01"),
            date("2026-10-31"),
            &Scope {
                sector: Some("Đất đai".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(none.lines.iter().all(|l| l.received_total() == 0));
}

/// Group 4 (online payment): 3.6 counts the fee-bearing dossiers received in the period and,
/// of them, those paid online; 3.5(b) the fee-charging procedures under the unit's authority
/// and, of them, those with a dossier paid online. Both add up over a unit's members.
#[tokio::test]
async fn group_4_counts_dossiers_and_procedures_paid_online() {
    use domain::dossier::{FeeLine, PaymentMethod, PaymentRecord};
    use domain::officer::{ActorKind, ActorRef};
    let f = seeded("qd766-group-4", "2026-11-23 10:00").await;
    let app = &f.app;
    let tree = agencies_with(&["sa-pa"]);
    let cal = kit::calendar();
    let days = working_days(&cal, date("2026-07-01"), date("2026-09-16"));
    let catalogue = app.catalogue().procedures().await.unwrap();
    let charging: Vec<String> = catalogue
        .iter()
        .filter(|p| p.fees.iter().any(|f| f.amount > 0))
        .map(|p| p.code.to_string())
        .collect();
    assert!(charging.len() >= 2, "the catalogue charges fees");
    // 40 dossiers of Bảo Thắng and 20 of Sa Pa with a 5.000 đ fee, of two charging
    // procedures; 12 of Bảo Thắng's and 5 of Sa Pa's paid online (all of the first
    // procedure), the others in cash; and 10 more without a fee.
    let mut dossiers = Vec::new();
    for (commune, n, online) in [("bao-thang", 40, 12), ("sa-pa", 20, 5)] {
        for i in 0..n {
            let mut d = drive(&tree, commune, days[i % days.len()], Ending::After(2));
            d.procedure.code = charging[usize::from(i >= online)].parse().unwrap();
            d.fees = vec![FeeLine {
                name: "Lệ phí".into(),
                amount: 5_000,
            }];
            d.payments.push(PaymentRecord {
                at: d.received_at.unwrap(),
                by: ActorRef {
                    kind: ActorKind::System,
                    id: None,
                    name: "Hệ thống".into(),
                },
                amount: 5_000,
                method: if i < online {
                    PaymentMethod::Online
                } else {
                    PaymentMethod::Cash
                },
                reference: Some(format!("GD{commune}{i}")),
                payer: "Nguyễn Thị Hằng".into(),
            });
            dossiers.push(d);
        }
    }
    for day in &days[..10] {
        let mut d = drive(&tree, "bao-thang", *day, Ending::After(2));
        d.fees.clear();
        dossiers.push(d);
    }
    load(&f.db, &dossiers).await;
    let inspector = officer(&f.db, "thanhtra").await;
    let x = app
        .reports()
        .index_766(
            &inspector,
            Period::parse("2026-Q3").unwrap(),
            None,
            &Scope::default(),
        )
        .await
        .unwrap();
    let ind = |u: &app::qd766::UnitIndex, id: &str| {
        let i = u.indicators.iter().find(|i| i.id == id).unwrap().clone();
        (i.numerator, i.denominator, i.points)
    };
    let b = x
        .units
        .iter()
        .find(|u| u.agency == "lao-cai.bao-thang")
        .unwrap();
    let (paid, fee_bearing, points) = ind(b, "3.6");
    assert_eq!((paid, fee_bearing), (Some(12), Some(40)));
    assert!((points.unwrap() - 6.0 * 12.0 / 40.0).abs() < 1e-9);
    let (paid, fee_procedures, points) = ind(b, "3.5b");
    assert_eq!(paid, Some(1));
    let fee_procedures = fee_procedures.unwrap();
    assert!(fee_procedures >= 2);
    let expected = (2.0 * (1.0 / fee_procedures as f64) / 0.8).min(2.0);
    assert!((points.unwrap() - expected).abs() < 1e-9);
    // 3.5(a) needs what was synchronised to the national portal: not computed.
    assert_eq!(ind(b, "3.5a").2, None);
    // The whole province: both communes' dossiers, one procedure paid online.
    assert_eq!(ind(&x.total, "3.6").0, Some(17));
    assert_eq!(ind(&x.total, "3.6").1, Some(60));
    assert_eq!(ind(&x.total, "3.5b").0, Some(1));
}
