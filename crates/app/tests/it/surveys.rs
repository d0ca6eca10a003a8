//! A satisfaction survey round on the demo province's history: the sampling frame is every
//! dossier returned in the period, stratified by sector, agency and channel; the sample is shared
//! in proportion; the links go out by SMS through the outbox; 50 people answer by link (each
//! once); the index per factor and overall is what their answers make.

use chrono::NaiveDate;
use domain::survey::{FACTORS, FactorAnswer, SurveyAnswer};
use store::{DossierFilter, Visibility};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The `i`-th respondent: factor k satisfied ("Rất hài lòng") for the first 10·(k+1) of them,
/// else "Không hài lòng"; satisfied overall every second one; expectation i mod 3; agreeing with
/// criterion j when i is a multiple of j+2.
fn respondent(i: usize) -> SurveyAnswer {
    SurveyAnswer {
        factors: FACTORS
            .iter()
            .enumerate()
            .map(|(k, f)| FactorAnswer {
                factor: *f,
                agrees: (0..f.criteria().len())
                    .map(|j| i.is_multiple_of(j + 2))
                    .collect(),
                satisfaction: if i < 10 * (k + 1) { 5 } else { 2 },
                expectation: f.expectations()[i % 3].0.into(),
            })
            .collect(),
        overall: if i.is_multiple_of(2) { 5 } else { 1 },
        comment: format!("Ý kiến số {i}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_on_the_demo_draws_its_frame_sends_links_and_computes_the_index() {
    let f = testsupport::harness("app", "survey-round", "2026-12-18 17:30", |s| {
        s.notices.sms = true;
    })
    .await;
    let app = &f.app;
    app::demo::seed(app, testsupport::PASSWORD, date("2026-11-30"))
        .await
        .unwrap();
    let leader = f.officer("lanhdao.tinh").await;
    let inspector = f.officer("thanhtra").await;
    let (from, to) = (date("2026-12-01"), date("2026-12-18"));

    // Who may open a round, and what is checked.
    let err = app
        .surveys()
        .create(&inspector, "Đợt 1", from, to, 60)
        .await
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    for (name, a, b, n, code) in [
        (" ", from, to, 60, "invalid_survey"),
        ("Đợt 1", to, from, 60, "invalid_period"),
        ("Đợt 1", from, to, 0, "invalid_sample"),
        (
            "Đợt 1",
            date("2026-01-01"),
            date("2026-01-31"),
            60,
            "empty_frame",
        ),
    ] {
        let err = app
            .surveys()
            .create(&leader, name, a, b, n)
            .await
            .unwrap_err();
        assert_eq!(err.code, code);
    }
    assert!(app.surveys().list(&leader).await.unwrap().is_empty());

    let round = app
        .surveys()
        .create(&leader, "Khảo sát tháng 12/2026", from, to, 60)
        .await
        .unwrap();
    // The frame, counted another way: returned dossiers whose handling ended in the period.
    let start = lich::time::vn_day_start(from);
    let end = lich::time::vn_day_start(date("2026-12-19"));
    let returned =
        f.db.list_dossiers(&DossierFilter {
            visible: Visibility::All,
            national_status: vec![10],
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .into_iter()
        .filter(|r| r.finished_at.is_some_and(|t| t >= start && t < end))
        .count() as i64;
    assert!(returned >= 60, "the demo returns {returned} dossiers");
    assert_eq!(round.survey.frame, returned);
    let strata = &round.survey.strata;
    assert_eq!(strata.iter().map(|s| s.frame).sum::<i64>(), returned);
    assert_eq!(strata.iter().map(|s| s.sample).sum::<i64>(), 60);
    assert!(strata.len() > 3, "{strata:?}");
    // Proportional: each stratum has its exact share rounded down or up.
    for s in strata {
        let exact = 60.0 * s.frame as f64 / returned as f64;
        assert!(
            s.sample as f64 >= exact.floor() && s.sample as f64 <= exact.ceil(),
            "{s:?} vs {exact}"
        );
    }
    assert_eq!(round.invited, 60);

    // The links went by SMS to those with a phone; each invited dossier is in its stratum.
    let invites = f.db.survey_invites(round.survey.id).await.unwrap();
    let sms = f.db.messages_of_kind("survey-invite", 1_000).await.unwrap();
    let with_phone = invites
        .iter()
        .filter(|i| i.sent.as_deref() == Some("sms"))
        .count();
    assert_eq!(sms.len(), with_phone);
    assert_eq!(round.sent, with_phone);
    assert!(with_phone > 0);
    for m in &sms {
        let token = invites
            .iter()
            .find(|i| m.body.contains(&i.token))
            .map(|i| i.token.clone());
        assert!(token.is_some(), "{}", m.body);
        assert!(m.body.contains("/khao-sat/"));
    }
    for i in &invites {
        let s = strata.iter().find(|s| s.stratum == i.stratum).unwrap();
        assert!(s.sample > 0);
    }

    // 50 answer by their link.
    for (n, i) in invites.iter().take(50).enumerate() {
        app.surveys().answer(&i.token, respondent(n)).await.unwrap();
    }
    // Once each; a wrong link and an incomplete answer are refused, and keep nothing.
    let err = app
        .surveys()
        .answer(&invites[0].token, respondent(0))
        .await
        .unwrap_err();
    assert_eq!(err.code, "survey_answered");
    let err = app
        .surveys()
        .answer(&"0".repeat(32), respondent(0))
        .await
        .unwrap_err();
    assert_eq!(err.code, "survey_link_not_found");
    let mut half = respondent(1);
    half.factors.truncate(2);
    let err = app
        .surveys()
        .answer(&invites[55].token, half)
        .await
        .unwrap_err();
    assert_eq!(err.code, "invalid_survey_answer");

    let round = app.surveys().round(&leader, round.survey.id).await.unwrap();
    assert_eq!((round.answered_by_link, round.answered_at_counter), (50, 0));
    let x = &round.index;
    assert_eq!(x.respondents, 50);
    let shares: Vec<Option<f64>> = x.factors.iter().map(|f| f.share).collect();
    assert_eq!(
        shares,
        [0.2, 0.4, 0.6, 0.8, 1.0].map(Some).to_vec(),
        "factor k satisfied for 10·(k+1) of 50"
    );
    assert_eq!((x.overall_satisfied, x.overall), (25, Some(0.5)));
    assert_eq!(x.mean_of_factors, Some(0.6));
    // Criteria: multiples of 2, 3, 4, 5 below 50.
    assert_eq!(x.factors[1].agree, vec![25, 17, 13, 10]);
    assert_eq!(x.factors[0].expected, vec![17, 17, 16]);
    assert_eq!(
        round.by_agency.values().map(|i| i.respondents).sum::<u32>(),
        50
    );

    // At a counter tablet: a counter officer of a commune the round covers.
    let counter = f.officer("motcua.baothang").await;
    app.surveys()
        .answer_at_counter(&counter, round.survey.id, respondent(0))
        .await
        .unwrap();
    let err = app
        .surveys()
        .answer_at_counter(&leader, round.survey.id, respondent(0))
        .await
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    let round = app.surveys().round(&leader, round.survey.id).await.unwrap();
    assert_eq!(
        (round.answered_at_counter, round.index.respondents),
        (1, 51)
    );

    // Contacts: the survey officer's, and the reading is logged; not the inspector's.
    assert_eq!(
        app.surveys()
            .contacts(&inspector, round.survey.id)
            .await
            .unwrap_err()
            .code,
        "forbidden"
    );
    let contacts = app
        .surveys()
        .contacts(&leader, round.survey.id)
        .await
        .unwrap();
    assert_eq!(contacts.len(), 60);
    let log = f.db.admin_log_lines(5).await.unwrap();
    assert!(log.iter().any(|l| l.action == "survey-contacts"), "{log:?}");
}
