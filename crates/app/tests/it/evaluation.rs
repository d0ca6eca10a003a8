//! The TT 01/2018 evaluation of a quarter: a history at Xã Bảo Thắng whose every score is worked
//! out by hand below, checked cell by cell for the units and the officials.

use crate::common::*;
use app::evaluation::EvaluationReport;
use domain::agency::AgencyId;
use domain::dossier::*;
use domain::evaluation::Period;
use domain::officer::Actor;
use domain::rating::Rating;

fn rating(contacts: u8, agencies: u8, publication: u8, attitude: u8) -> Rating {
    Rating {
        contacts,
        agencies,
        publication,
        attitude,
        extra_costs: false,
        satisfied: true,
    }
}

/// Each line as its cells: name, dossiers, the scores (`-` without data), total, classification.
fn unit_cells(r: &EvaluationReport) -> Vec<String> {
    r.units
        .iter()
        .map(|u| {
            let c = &u.score.card;
            let scores: Vec<String> = c
                .scores
                .iter()
                .map(|s| s.score.map_or("-".into(), |p| p.to_string()))
                .collect();
            format!(
                "{}{} | {} | {} | {} | {}",
                "  ".repeat(u.depth),
                u.name,
                u.score.dossiers,
                scores.join(" "),
                c.total,
                c.classification.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn official_cells(r: &EvaluationReport) -> Vec<String> {
    r.officials
        .iter()
        .map(|o| {
            let c = &o.score.card;
            let scores: Vec<String> = c
                .scores
                .iter()
                .map(|s| s.score.map_or("-".into(), |p| p.to_string()))
                .collect();
            format!(
                "{} | {} | {} | {} | {} | {}",
                o.score.name,
                o.unit_name,
                o.score.dossiers,
                scores.join(" "),
                c.total,
                c.classification.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[tokio::test]
async fn a_quarter_is_scored_per_unit_and_per_official_as_tt01_says() {
    let f = seeded("evaluation", "2026-12-07 08:30").await;
    let (app, clock) = (&f.app, &f.clock);
    let counter = officer(&f.db, "motcua.baothang").await;
    let head = officer(&f.db, "chanhvanphong.baothang").await;
    let chairman = officer(&f.db, "chutich.baothang").await;
    let clerk = officer(&f.db, "vanthu.baothang").await;
    let id_of = |a: &Actor| match a {
        Actor::Officer(o) => o.id,
        _ => unreachable!(),
    };
    let hung = officer(&f.db, "tuphap.baothang").await;
    let thao = officer(&f.db, "tuphap2.baothang").await;
    let applicant = citizen("Nguyễn Thị Hằng", "010190012345");
    let office = AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap();
    let set = |t: &str| clock.set(at(t));
    let act = |who: &Actor, id: DossierId, c: Command| {
        let (who, app) = (who.clone(), app.clone());
        async move { app.handling().act(&who, id, None, c).await.unwrap() }
    };
    let transfer = || Command::Transfer {
        to_unit: office.clone(),
    };
    let forward = || Command::Forward {
        note: String::new(),
        to_unit: None,
    };
    let approve = || Command::Decide {
        outcome: Outcome::Approved,
        reason: String::new(),
        legal_basis: String::new(),
        signature: Default::default(),
    };
    let issue = |n: &str| Command::IssueResult {
        number: n.into(),
        document: None,
    };
    let give_back = || Command::Return {
        received_by: "Nguyễn Thị Hằng".into(),
        originals_returned: vec![],
        postal_bill: None,
        collected: None,
    };

    // The dossier is due Monday 14/12 17:00 (5 working days). Step dues: reception the same day
    // 17:00 (online: an hour after reception), handling 24 working hours, approval 8, issuance 4.
    //
    // D1 — early. Reception on time (transferred the same day), handling early (Tue, due Thu),
    // approval early (Tue, due Wed), issuance on time (same day); returned and rated.
    set("2026-12-07 09:00");
    let received = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    // The applicant adds it to her portal account with its receipt's access code, to rate it.
    own(app, &applicant, &received).await;
    let d1 = received.id;
    // D2 — late. Handling late (Fri, due Thu), approval on time (Mon 14 08:45, due 09:00),
    // issuance late (Tue 15); not rated.
    set("2026-12-07 09:30");
    let d2 = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap()
        .id;
    // D4 — stopped: ended, but with no result to score.
    let d4 = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap()
        .id;
    // D5 — still being handled at the end: not counted.
    app.intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    set("2026-12-07 10:00");
    for d in [d1, d2] {
        act(&counter, d, transfer()).await;
    }
    app.handling()
        .assign(&head, d1, None, id_of(&hung), None)
        .await
        .unwrap();
    app.handling()
        .assign(&head, d2, None, id_of(&thao), None)
        .await
        .unwrap();
    // D3 — online, on time overall. Submitted by the applicant, received at 14:00 (transfer due
    // 15:00), transferred 14:30 (on time); handling due Thu 14:30, forwarded Thu 09:00 (on time);
    // approval early; issuance late (Mon 14, due Thu 15:00); result on the due day: on time.
    let mut online = reregister_birth();
    online.receiving = Some(AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap());
    // Online, each component travels as the applicant's scan.
    for c in &mut online.components {
        let scan = format!("%PDF-1.4\n% {}\n%%EOF\n", c.component);
        c.files = vec![
            app.intake()
                .store_file(&applicant, "ban-quet.pdf", scan.as_bytes())
                .await
                .unwrap(),
        ];
    }
    let d3 = app
        .intake()
        .submit_online(&applicant, online, &app::Client::default())
        .await
        .unwrap()
        .id;
    set("2026-12-07 14:00");
    act(&counter, d3, Command::AcceptOnline).await;
    set("2026-12-07 14:30");
    act(&counter, d3, transfer()).await;
    app.handling()
        .assign(&head, d3, None, id_of(&hung), None)
        .await
        .unwrap();

    set("2026-12-08 09:00");
    act(&hung, d1, forward()).await;
    act(
        &chairman,
        d4,
        Command::Stop {
            reason: "Người nộp đề nghị dừng".into(),
            legal_basis: "Nghị định 61/2018/NĐ-CP".into(),
        },
    )
    .await;
    set("2026-12-08 10:00");
    act(&chairman, d1, approve()).await;
    set("2026-12-08 11:00");
    act(&clerk, d1, issue("1/GKS")).await;
    set("2026-12-09 09:00");
    act(&counter, d1, testsupport::kit::pay_cash(5_000)).await;
    act(&counter, d1, give_back()).await;
    app.citizens()
        .rate(&applicant, d1, rating(2, 2, 1, 2), "")
        .await
        .unwrap();

    set("2026-12-10 09:00");
    act(&hung, d3, forward()).await;
    set("2026-12-10 10:00");
    act(&chairman, d3, approve()).await;
    set("2026-12-11 09:00");
    act(&thao, d2, forward()).await;
    set("2026-12-14 08:45");
    act(&chairman, d2, approve()).await;
    set("2026-12-14 09:00");
    act(&clerk, d3, issue("2/GKS")).await;
    set("2026-12-14 10:00");
    act(&counter, d3, testsupport::kit::pay_cash(5_000)).await;
    act(&counter, d3, give_back()).await;
    app.citizens()
        .rate(&applicant, d3, rating(1, 0, 2, 1), "")
        .await
        .unwrap();
    set("2026-12-15 09:00");
    act(&clerk, d2, issue("3/GKS")).await;

    // The verdicts the scores rest on, as the dossiers record them.
    let cal = app.calendar_of(&AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap());
    for (d, total, steps) in [
        (d1, "early", ["on-time", "early", "early", "on-time"]),
        (d2, "late", ["on-time", "late", "on-time", "late"]),
        (d3, "on-time", ["on-time", "on-time", "early", "late"]),
    ] {
        let state = f.db.dossier(d).await.unwrap().unwrap();
        let t = state
            .timing(&cal, &app.settings().rules, app.now())
            .unwrap();
        let got: Vec<String> = t
            .steps
            .iter()
            .filter_map(|s| s.timeliness.map(|x| domain::wire_name(&x)))
            .collect();
        assert_eq!(
            t.tt01.map(|x| domain::wire_name(&x)).as_deref(),
            Some(total)
        );
        assert_eq!(got, steps, "{}", state.code);
    }

    set("2026-12-16 09:00");
    let q4 = Period::parse("2026-Q4").unwrap();
    let r = app.reports().evaluation(&chairman, q4, None).await.unwrap();
    assert_eq!(r.dossiers, 3, "D1–D3; D4 stopped, D5 open");
    assert_eq!(
        (r.from.to_string(), r.to.to_string()),
        ("2026-10-01".into(), "2026-12-31".into())
    );
    // Indices 1 to 9. Index 1 for every unit: (2 + 0 + 1) / 3. Index 2, the worst part within
    // the unit: the commune (on time, late, late) = 1/3; the counter (on time ×3); the office
    // (issuance on time; handling and issuance late; issuance late) = 1/3. Ratings of D1 and D3: contacts
    // (2+1)/2, agencies (2+0)/2, publication (1+2)/2, attitude (2+1)/2. Index 5 (commune): of 33
    // commune procedures 1 is handled entirely at the counter, all 33 are received and returned
    // there → 1. Index 8: no feedback in the quarter → 2. Index 9: 28 of 33 procedures online, 1 of 3 dossiers online
    // (≥ 30%), none late → 2. The counter and the office decide no procedure: no 5 or 9.
    assert_eq!(
        unit_cells(&r),
        [
            "UBND xã Bảo Thắng | 3 | 1.0 0.3 1.5 1.0 1.0 1.5 1.5 2.0 2.0 | 11.8 | Khá",
            "  Trung tâm Phục vụ hành chính công xã Bảo Thắng | 3 | 1.0 1.0 1.5 1.0 - 1.5 1.5 2.0 - | 9.5 | Khá",
            "  Văn phòng HĐND và UBND xã Bảo Thắng | 3 | 1.0 0.3 1.5 1.0 - 1.5 1.5 2.0 - | 8.8 | Trung bình",
        ]
    );
    let commune = &r.units[0].score.card;
    assert_eq!(commune.max.to_string(), "18.0", "every index counted");
    assert!(
        commune.scores[4].note.contains("1/33"),
        "{}",
        commune.scores[4].note
    );
    // Officials, indices 1, 2, 3, 4, 7, each on the dossiers where they handled a step (the
    // chairman on the approvals he decided: early, on time, early = 5/3 → 1.7, not 1.6; the
    // clerk was never assigned a step).
    assert_eq!(
        official_cells(&r),
        [
            "Hoàng Thị Thảo | Văn phòng HĐND và UBND xã Bảo Thắng | 1 | 0.0 0.0 - - - | 0.0 | Hoàn thành dưới 70% nhiệm vụ",
            "Hoàng Văn Sơn | UBND xã Bảo Thắng | 3 | 1.0 1.7 1.5 1.0 1.5 | 6.7 | Hoàn thành 100% nhiệm vụ",
            "Lò Thị Mai | Trung tâm Phục vụ hành chính công xã Bảo Thắng | 3 | 1.0 1.0 1.5 1.0 1.5 | 6.0 | Hoàn thành 100% nhiệm vụ",
            "Nguyễn Văn Hùng | Văn phòng HĐND và UBND xã Bảo Thắng | 2 | 1.5 1.5 1.5 1.0 1.5 | 7.0 | Hoàn thành 100% nhiệm vụ",
        ]
    );

    // The year gives the same; the quarter before has nothing.
    let year = app
        .reports()
        .evaluation(&chairman, Period::parse("2026").unwrap(), None)
        .await
        .unwrap();
    assert_eq!(unit_cells(&year), unit_cells(&r));
    let q3 = app
        .reports()
        .evaluation(&chairman, Period::parse("2026-Q3").unwrap(), None)
        .await
        .unwrap();
    assert_eq!((q3.dossiers, q3.units.len(), q3.officials.len()), (0, 0, 0));

    // As the figures stood on 8/12 evening: only D1 had ended, not yet returned nor rated.
    let then = app
        .reports()
        .evaluation(&chairman, q4, Some(at("2026-12-08 23:00")))
        .await
        .unwrap();
    assert_eq!(then.dossiers, 1);
    assert_eq!(
        unit_cells(&then)[0],
        "UBND xã Bảo Thắng | 1 | 2.0 1.0 - - 1.0 - - 2.0 0.0 | 6.0 | Trung bình"
    );

    // Another scheme, loaded from its file with no code change: three points, two indices.
    let scheme = domain::evaluation::Scheme::parse(
        r#"
        name = "Quy định thử"
        legal_basis = "Quyết định thử"
        [[index]]
        number = 1
        name = "Thời gian giải quyết"
        method = "total-time"
        points = [3, 2, 0]
        [[index]]
        number = 7
        name = "Thái độ"
        method = "rating-attitude"
        points = [3, 1, 0]
        [official]
        indices = [1, 7]
        bands = [{ from = 3.0, label = "Đạt" }, { from = 0, label = "Chưa đạt" }]
        [unit]
        indices = [1, 7]
        bands = [{ from = 4.0, label = "Đạt" }, { from = 0, label = "Chưa đạt" }]
        "#,
    )
    .unwrap();
    let other_app = app::App::new(
        f.db.clone(),
        f.clock.clone(),
        app.national_calendar().clone(),
        app::Settings {
            evaluation: std::sync::Arc::new(scheme),
            ..app.settings().clone()
        },
    )
    .await
    .unwrap();
    let r = other_app
        .reports()
        .evaluation(&chairman, q4, None)
        .await
        .unwrap();
    // 1: (3 + 0 + 2) / 3 = 1.7; 7: (3 + 1) / 2 = 2.0.
    assert_eq!(
        unit_cells(&r)[0],
        "UBND xã Bảo Thắng | 3 | 1.7 2.0 | 3.7 | Chưa đạt"
    );

    // Another commune's chairman sees none of it; a specialist has no evaluation; a quarter not
    // begun is refused.
    let other = app
        .reports()
        .evaluation(&officer(&f.db, "chutich.camduong").await, q4, None)
        .await
        .unwrap();
    assert_eq!((other.dossiers, other.units.len()), (0, 0));
    let e = app.reports().evaluation(&hung, q4, None).await.unwrap_err();
    assert_eq!(e.code, "forbidden");
    let e = app
        .reports()
        .evaluation(&chairman, Period::parse("2027-Q1").unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "period_not_started");

    // The two ratings are counted in the periodic report's satisfaction, as they were given and
    // as a rebuild from the events and the ratings finds them.
    let december = |app: &app::App, chairman| {
        let app = app.clone();
        async move {
            app.reports()
                .period_report(
                    &chairman,
                    chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                    &app::qd766::Scope::default(),
                )
                .await
                .unwrap()
                .total
        }
    };
    let live = december(app, chairman.clone()).await;
    assert_eq!((live.rated, live.disliked), (2, 0));
    assert_eq!(live.satisfaction_rate(), Some(1.0));
    assert_eq!(app.reports().rebuild_counts().await.unwrap().differing, 0);
    assert_eq!(december(app, chairman).await, live);
}
