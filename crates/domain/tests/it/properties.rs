//! Random command sequences against the lifecycle's invariants: replaying the events rebuilds the
//! same dossier, events survive a JSON round trip, at most one apology, a national status always,
//! due instants never before reception.

use chrono::Duration;
use domain::dossier::*;
use proptest::prelude::*;
use testsupport::kit::*;

#[derive(Debug, Clone)]
enum Intent {
    AcceptOnline,
    IntakeSupplement,
    Supplement,
    Resubmit,
    Transfer,
    Assign,
    Note,
    Consult,
    Answer,
    Interconnect(bool),
    CompleteLeg(usize),
    FinancialObligation,
    WaitForAgency(bool),
    EndPause,
    Extend(u32),
    Forward,
    Approve,
    Refuse,
    Issue,
    Apologize(u32),
    Withdraw,
    Stop,
    EarlyNotice,
    Return,
}

/// Progress is likelier than detours, and detours than the ends (withdrawal, stop), so that
/// sequences reach every stage, returned dossiers included.
fn intent() -> impl Strategy<Value = Intent> {
    prop_oneof![
        6 => Just(Intent::AcceptOnline),
        6 => Just(Intent::Transfer),
        6 => Just(Intent::Assign),
        6 => Just(Intent::Forward),
        6 => Just(Intent::Approve),
        6 => Just(Intent::Issue),
        6 => Just(Intent::Return),
        6 => Just(Intent::Resubmit),
        6 => Just(Intent::EndPause),
        4 => (0usize..3).prop_map(Intent::CompleteLeg),
        4 => Just(Intent::Answer),
        2 => Just(Intent::IntakeSupplement),
        2 => Just(Intent::Supplement),
        2 => Just(Intent::Note),
        2 => Just(Intent::Consult),
        2 => any::<bool>().prop_map(Intent::Interconnect),
        2 => Just(Intent::FinancialObligation),
        2 => any::<bool>().prop_map(Intent::WaitForAgency),
        2 => (1u32..4).prop_map(Intent::Extend),
        2 => Just(Intent::Refuse),
        2 => (1u32..10).prop_map(Intent::Apologize),
        2 => Just(Intent::EarlyNotice),
        1 => Just(Intent::Withdraw),
        1 => Just(Intent::Stop),
    ]
}

fn command(
    intent: &Intent,
    sim: &Sim,
    now: chrono::DateTime<chrono::Utc>,
) -> (domain::officer::Actor, Command) {
    use Intent::*;
    let item = || {
        vec![SupplementItem {
            component: Some("giay-to".into()),
            text: "Bổ sung bản sao".into(),
        }]
    };
    match intent {
        AcceptOnline => (counter(), Command::AcceptOnline),
        IntakeSupplement => (
            counter(),
            Command::RequestIntakeSupplement {
                items: item(),
                reason: "Thiếu".into(),
            },
        ),
        Supplement => (
            specialist(),
            Command::RequestSupplement {
                items: item(),
                reason: "Thiếu".into(),
                legal_basis: "Điều 19".into(),
            },
        ),
        Resubmit => (
            citizen(),
            Command::SubmitSupplement {
                components: vec![component("giay-to")],
                note: String::new(),
            },
        ),
        Transfer => (
            counter(),
            Command::Transfer {
                to_unit: id("lao-cai.bao-thang.vhxh"),
            },
        ),
        Assign => (
            unit_head(),
            Command::Assign {
                officer: officer_of(&specialist()),
                reason: Some("Phân công".into()),
            },
        ),
        Note => (
            specialist(),
            Command::AddNote {
                text: "Ý kiến".into(),
            },
        ),
        Consult => (
            specialist(),
            Command::RequestConsultation {
                unit: id("lao-cai.bao-thang.cong-an"),
                content: "Xin ý kiến".into(),
                limit: "1 ngày làm việc".parse().unwrap(),
            },
        ),
        Answer => {
            let id = sim
                .dossier
                .as_ref()
                .map_or(1, |d| d.consultations.len().max(1) as u32);
            (
                specialist(),
                Command::AnswerConsultation {
                    id,
                    answer: "Đồng ý".into(),
                },
            )
        }
        Interconnect(parallel) => (
            specialist(),
            Command::StartInterconnection {
                mode: if *parallel {
                    InterconnectionMode::Parallel
                } else {
                    InterconnectionMode::Sequential
                },
                legs: vec![
                    LegPlan {
                        agency: id("lao-cai.bao-thang.cong-an"),
                        task: "A".into(),
                        limit: "1 ngày làm việc".parse().unwrap(),
                        upper_level: false,
                    },
                    LegPlan {
                        agency: id("lao-cai.bhxh"),
                        task: "B".into(),
                        limit: "2 ngày làm việc".parse().unwrap(),
                        upper_level: true,
                    },
                ],
            },
        ),
        CompleteLeg(i) => (
            specialist(),
            Command::CompleteLeg {
                index: *i,
                result: "Xong".into(),
            },
        ),
        FinancialObligation => (
            specialist(),
            Command::RequestFinancialObligation {
                description: "Nộp phí".into(),
                legal_basis: "Luật Phí".into(),
            },
        ),
        WaitForAgency(stops) => (
            specialist(),
            Command::WaitForAgency {
                reason: "Chờ".into(),
                legal_basis: "Điều 19".into(),
                stops_clock: *stops,
            },
        ),
        EndPause => (
            specialist(),
            Command::EndPause {
                note: String::new(),
            },
        ),
        Extend(n) => (
            specialist(),
            Command::Extend {
                amount: format!("{n} ngày làm việc").parse().unwrap(),
                reason: "Gia hạn".into(),
                legal_basis: "Luật".into(),
            },
        ),
        Forward => (
            specialist(),
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        ),
        Approve => (
            leader(),
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                signature: Default::default(),
            },
        ),
        Refuse => (
            leader(),
            Command::Decide {
                outcome: Outcome::Refused,
                reason: "Không đủ điều kiện".into(),
                legal_basis: "Luật".into(),
                signature: Default::default(),
            },
        ),
        Issue => (
            clerk(),
            Command::IssueResult {
                number: "1/2026".into(),
                document: None,
            },
        ),
        Apologize(days) => (
            unit_head(),
            Command::Apologize {
                reason: "Chậm".into(),
                new_appointment: now + Duration::days(i64::from(*days)),
            },
        ),
        Withdraw => (
            citizen(),
            Command::RequestWithdrawal {
                reason: "Rút".into(),
            },
        ),
        Stop => (
            leader(),
            Command::Stop {
                reason: "Dừng".into(),
                legal_basis: "NĐ 118/2025".into(),
            },
        ),
        EarlyNotice => (
            counter(),
            Command::NotifyEarlyReturn {
                channel: "SMS".into(),
            },
        ),
        Return => (
            counter(),
            Command::Return {
                received_by: "Lù Văn Páo".into(),
                originals_returned: vec![],
                postal_bill: None,
                collected: None,
            },
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_command_sequences_keep_the_invariants(
        online in any::<bool>(),
        steps in prop::collection::vec((intent(), 0i64..(18 * 60)), 1..60),
    ) {
        let mut sim = Sim::new();
        let mut now = t("2026-12-07 08:15");
        let opening = if online {
            (citizen(), Command::SubmitOnline { new: online_dossier(procedure(), &["to-khai", "giay-to"]) })
        } else {
            (counter(), Command::ReceiveAtCounter { new: new_dossier(procedure(), &["to-khai", "giay-to"]) })
        };
        sim.run("2026-12-07 08:15", &opening.0, opening.1).unwrap();
        for (intent, minutes) in &steps {
            now += Duration::minutes(*minutes);
            let (actor, cmd) = command(intent, &sim, now);
            let before = sim.events.len();
            let at = lich::time::to_vn(&now).format("%Y-%m-%d %H:%M:%S").to_string();
            if sim.run(&at, &actor, cmd).is_err() {
                prop_assert_eq!(sim.events.len(), before, "a refused command records nothing");
            }
            let d = sim.d();
            // National status always defined and consistent with the stage.
            prop_assert!((1..=10).contains(&d.stage.national_status().code()));
            // Due instants never before reception.
            if let Some(received) = d.received_at {
                for due in [d.due, d.appointment, d.original_appointment].into_iter().flatten() {
                    prop_assert!(due >= received, "due {due} before reception {received}");
                }
                for s in &d.steps {
                    if let Some(due) = s.due {
                        prop_assert!(due >= s.started_at);
                    }
                }
            }
            // At most one apology event.
            let apologies = sim.events.iter().filter(|e| matches!(e.event, Event::Apologized { .. })).count();
            prop_assert!(apologies <= 1);
        }
        // Replaying the events rebuilds the same dossier, also after a JSON round trip.
        let json = serde_json::to_string(&sim.events).unwrap();
        let back: Vec<Recorded> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &sim.events);
        let replayed = Dossier::replay(&back);
        prop_assert_eq!(replayed.as_ref(), sim.dossier.as_ref());
        // Versions are consecutive.
        for (i, e) in sim.events.iter().enumerate() {
            prop_assert_eq!(e.version, i as u64 + 1);
        }
        // Timing can always be computed.
        let d = sim.d();
        let timing = d.timing(&sim.cal, &sim.rules, now).unwrap();
        prop_assert!(timing.overdue_seconds >= 0);
    }
}
