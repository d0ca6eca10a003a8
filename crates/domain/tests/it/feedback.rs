//! Phản ánh, kiến nghị: the life of a feedback, its limits in working days (refuse ≤ 2, ask for
//! information ≤ 5, handle ≤ 15 from receipt or transfer with the wait for information not
//! charged, publish ≤ 2; vn-framework §5.2 group 5), and the period's figures — QĐ 766 5.1, 5.2,
//! 5.3 and TT 01/2018 index 8 — checked cell by cell on a history with known outcomes.

use domain::agency::AgencyId;
use domain::feedback::{
    Category, Feedback, FeedbackCounts, FeedbackEvent as E, FeedbackRules, FeedbackStage, Standing,
    count, index_8,
};
use testsupport::kit::*;

/// A feedback received at `at` by Bảo Thắng, then each step at its time.
fn life(at: &str, repeat_of: Option<uuid::Uuid>, steps: &[(&str, E)]) -> Feedback {
    let (mut f, first) = Feedback::receive(id("lao-cai.bao-thang"), t(at), repeat_of);
    f.apply(&first, t(at));
    for (when, e) in steps {
        let e = f
            .decide(e.clone())
            .unwrap_or_else(|err| panic!("{e:?}: {err}"));
        f.apply(&e, t(when));
    }
    f
}

fn answered(
    classify: Category,
    draft: &str,
    approve: &str,
    publish: &str,
) -> Vec<(&'static str, E)> {
    // The times are leaked: the tests' histories are few and short.
    let at = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    vec![
        (at(draft), E::Classified { category: classify }),
        (
            at(draft),
            E::AnswerDrafted {
                answer: "Trả lời: thủ tục được thực hiện đúng quy định.".into(),
            },
        ),
        (at(approve), E::Approved),
        (at(publish), E::Published),
    ]
}

fn december() -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    (t("2026-12-01 00:00"), t("2026-12-31 23:59"))
}

#[test]
fn a_feedback_follows_its_life_and_refuses_what_its_stage_does_not_allow() {
    let mut f = life("2026-12-01 09:00", None, &[]);
    assert_eq!(f.stage, FeedbackStage::Received);
    // Nothing to approve yet.
    let err = f.decide(E::Approved).unwrap_err();
    assert_eq!(err.code, "not_allowed_now");
    assert!(err.message.contains("Mới tiếp nhận"), "{}", err.message);
    // A transfer to itself is not one.
    let err = f
        .decide(E::Transferred {
            to: id("lao-cai.bao-thang"),
            reason: "Không thuộc thẩm quyền".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, "same_agency");
    // An empty reason is refused.
    assert!(
        f.decide(E::Refused {
            reason: "  ".into()
        })
        .is_err()
    );
    let e = f
        .decide(E::Classified {
            category: Category::Conduct,
        })
        .unwrap();
    f.apply(&e, t("2026-12-01 10:00"));
    assert_eq!(f.stage, FeedbackStage::Handling);
    // Rated only once published.
    assert!(f.decide(E::Rated { satisfied: true }).is_err());
}

#[test]
fn the_wait_for_information_is_not_charged_and_a_transfer_starts_the_limit_again() {
    let cal = calendar();
    let rules = FeedbackRules::default();
    // Received Tuesday 1 December: 15 working days run to Tuesday 22 December.
    let waiting = life(
        "2026-12-01 09:00",
        None,
        &[
            (
                "2026-12-02 10:00",
                E::InformationRequested {
                    question: "Đề nghị cho biết mã hồ sơ.".into(),
                },
            ),
            (
                "2026-12-10 10:00",
                E::InformationGiven {
                    answer: "Mã hồ sơ 000.01.61.H38-261130-0007".into(),
                },
            ),
        ],
    );
    // Six working days waited: still within on 29 December.
    assert_eq!(
        waiting
            .standing(&cal, &rules, t("2026-12-29 17:00"))
            .unwrap(),
        Standing::Open { within: true }
    );
    let plain = life("2026-12-01 09:00", None, &[]);
    assert_eq!(
        plain.standing(&cal, &rules, t("2026-12-22 16:59")).unwrap(),
        Standing::Open { within: true }
    );
    assert_eq!(
        plain.standing(&cal, &rules, t("2026-12-23 08:00")).unwrap(),
        Standing::Open { within: false }
    );
    // Transferred on Friday 4 December: due 25 December.
    let moved = life(
        "2026-12-01 09:00",
        None,
        &[(
            "2026-12-04 09:00",
            E::Transferred {
                to: AgencyId::parse("lao-cai.so-tu-phap").unwrap(),
                reason: "Thuộc thẩm quyền Sở Tư pháp".into(),
            },
        )],
    );
    assert_eq!(moved.agency.as_str(), "lao-cai.so-tu-phap");
    assert_eq!(
        moved.standing(&cal, &rules, t("2026-12-24 17:00")).unwrap(),
        Standing::Open { within: true }
    );
    // A refusal on the third working day is late.
    let refused = life(
        "2026-12-01 09:00",
        None,
        &[(
            "2026-12-04 09:00",
            E::Refused {
                reason: "Nội dung không thuộc phạm vi phản ánh".into(),
            },
        )],
    );
    assert!(matches!(
        refused
            .standing(&cal, &rules, t("2026-12-31 17:00"))
            .unwrap(),
        Standing::Ended { on_time: false, .. }
    ));
}

#[test]
fn a_periods_figures_are_counted_cell_by_cell() {
    let cal = calendar();
    let rules = FeedbackRules::default();
    // A: answered and published on time, liked.
    let mut a = life(
        "2026-12-01 09:00",
        None,
        &answered(
            Category::Rules,
            "2026-12-09 09:00",
            "2026-12-10 09:00",
            "2026-12-11 09:00",
        ),
    );
    a.apply(&E::Rated { satisfied: true }, t("2026-12-12 09:00"));
    // B: received in November, approved after its 15 days (23 November): late, ended in the period.
    let b = life(
        "2026-11-02 09:00",
        None,
        &answered(
            Category::Rules,
            "2026-12-14 09:00",
            "2026-12-15 09:00",
            "2026-12-16 09:00",
        ),
    );
    // C: received on 21 December, open within its limit at the end.
    let c = life(
        "2026-12-21 09:00",
        None,
        &[(
            "2026-12-21 10:00",
            E::Classified {
                category: Category::Conduct,
            },
        )],
    );
    // D: refused on the next day (within 2), before it was classified.
    let d = life(
        "2026-12-02 09:00",
        None,
        &[(
            "2026-12-03 15:00",
            E::Refused {
                reason: "Phản ánh không có nội dung cụ thể".into(),
            },
        )],
    );
    // E: transferred, answered on time by the competent agency, then disliked two to one.
    let mut e_steps = vec![(
        "2026-12-04 09:00",
        E::Transferred {
            to: AgencyId::parse("lao-cai.so-tu-phap").unwrap(),
            reason: "Thuộc thẩm quyền Sở Tư pháp".into(),
        },
    )];
    e_steps.extend(answered(
        Category::Rules,
        "2026-12-21 09:00",
        "2026-12-22 09:00",
        "2026-12-23 09:00",
    ));
    let mut e = life("2026-12-01 09:00", None, &e_steps);
    for satisfied in [false, false, true] {
        e.apply(&E::Rated { satisfied }, t("2026-12-24 09:00"));
    }
    // G: answered on time, liked, but followed by a repeat complaint (F).
    let mut g = life(
        "2026-12-02 08:00",
        None,
        &answered(
            Category::Conduct,
            "2026-12-08 09:00",
            "2026-12-08 10:00",
            "2026-12-09 09:00",
        ),
    );
    g.apply(&E::Rated { satisfied: true }, t("2026-12-10 09:00"));
    // F: G's repeat, open within at the end.
    let f = life(
        "2026-12-14 09:00",
        Some(uuid::Uuid::nil()),
        &[(
            "2026-12-14 10:00",
            E::Classified {
                category: Category::Conduct,
            },
        )],
    );
    // H: nothing done; open past its 22 December limit at the end (kéo dài).
    let h = life(
        "2026-12-01 09:00",
        None,
        &[(
            "2026-12-01 10:00",
            E::Classified {
                category: Category::Rules,
            },
        )],
    );
    // I: waited six working days for information; approved on 28 December, in time thanks to
    // the wait.
    let mut i_steps = vec![
        (
            "2026-12-02 10:00",
            E::InformationRequested {
                question: "Đề nghị cho biết mã hồ sơ.".into(),
            },
        ),
        (
            "2026-12-10 10:00",
            E::InformationGiven {
                answer: "000.01.61.H38-261130-0007".into(),
            },
        ),
    ];
    i_steps.extend(answered(
        Category::Rules,
        "2026-12-28 09:00",
        "2026-12-28 10:00",
        "2026-12-29 09:00",
    ));
    let i = life("2026-12-01 09:00", None, &i_steps);

    let items = [
        (&a, false),
        (&b, false),
        (&c, false),
        (&d, false),
        (&e, false),
        (&g, true),
        (&f, false),
        (&h, false),
        (&i, false),
    ];
    let (from, to) = december();
    let got = count(&items, &cal, &rules, from, to).unwrap();
    assert_eq!(
        got,
        FeedbackCounts {
            // 5.1: A, E, H, I about rules; C, G, F about conduct; D never classified.
            rules: 4,
            conduct: 3,
            unclassified: 1,
            // 5.2: all nine (B handled in the period); on time A, C, D, E, G, F, I.
            handled: 9,
            on_time: 7,
            // 5.3: first received A, C, D, E, G, H, I; satisfied A, C, D, I (E disliked, G
            // repeated, H late).
            first_received: 7,
            satisfied: 4,
            prolonged: 1,
        }
    );
    // TT 01/2018 index 8: one prolonged → 0.
    assert_eq!(index_8(&got), 0);
    // Without H: 7 of 8 on time (87.5 %) → 0; without H and B: all on time → 2.
    let without_h: Vec<_> = items
        .iter()
        .copied()
        .filter(|(x, _)| !std::ptr::eq(*x, &h))
        .collect();
    let c8 = count(&without_h, &cal, &rules, from, to).unwrap();
    assert_eq!((c8.on_time, c8.handled, c8.prolonged), (7, 8, 0));
    assert_eq!(index_8(&c8), 0);
    let good: Vec<_> = without_h
        .iter()
        .copied()
        .filter(|(x, _)| !std::ptr::eq(*x, &b))
        .collect();
    assert_eq!(index_8(&count(&good, &cal, &rules, from, to).unwrap()), 2);
    // No feedback: 2; nine of ten on time and none prolonged: 1.
    assert_eq!(index_8(&FeedbackCounts::default()), 2);
    let ninety = FeedbackCounts {
        handled: 10,
        on_time: 9,
        ..Default::default()
    };
    assert_eq!(index_8(&ninety), 1);
    // November alone: B was open past its limit at the end of November.
    let nov = count(
        &items,
        &cal,
        &rules,
        t("2026-11-01 00:00"),
        t("2026-11-30 23:59"),
    )
    .unwrap();
    assert_eq!((nov.handled, nov.on_time, nov.prolonged), (1, 0, 1));
}

#[test]
fn the_limits_are_data_a_province_may_set_within_bounds() {
    let rules = FeedbackRules::default();
    assert_eq!(
        (rules.refuse, rules.ask, rules.handle, rules.publish),
        (2, 5, 15, 2)
    );
    assert!(rules.checked().is_ok());
    let set: FeedbackRules = serde_json::from_str(r#"{"handle": 10}"#).unwrap();
    assert_eq!(
        (set.handle, set.refuse),
        (10, 2),
        "the rest keep the default"
    );
    assert!(serde_json::from_str::<FeedbackRules>(r#"{"hanlde": 10}"#).is_err());
    let zero = FeedbackRules {
        publish: 0,
        ..FeedbackRules::default()
    };
    let e = zero.checked().unwrap_err();
    assert!(e.message.contains("feedback.publish = 0"), "{}", e.message);
    // A shorter limit makes the same history late: handled on the 12th working day.
    let f = life(
        "2026-12-07 09:00",
        None,
        &[
            (
                "2026-12-07 10:00",
                E::Classified {
                    category: Category::Rules,
                },
            ),
            (
                "2026-12-22 09:00",
                E::AnswerDrafted {
                    answer: "Trả lời".into(),
                },
            ),
            ("2026-12-22 10:00", E::Approved),
            ("2026-12-22 11:00", E::Published),
        ],
    );
    let cal = calendar();
    let at = t("2026-12-31 00:00");
    assert!(matches!(
        f.standing(&cal, &FeedbackRules::default(), at).unwrap(),
        Standing::Ended { on_time: true, .. }
    ));
    let ten = FeedbackRules {
        handle: 10,
        ..FeedbackRules::default()
    };
    assert!(matches!(
        f.standing(&cal, &ten, at).unwrap(),
        Standing::Ended { on_time: false, .. }
    ));
}
