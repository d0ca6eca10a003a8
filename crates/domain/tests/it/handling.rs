//! Handling, decision and return: vn-framework §1.6 steps 3–4, §1.8 (clock), §1.9
//! (classification), ND 61/2018 Art. 19–21.

use domain::dossier::*;
use lich::Timeliness;
use testsupport::kit::*;

fn note(text: &str) -> Command {
    Command::AddNote { text: text.into() }
}

fn approve() -> Command {
    Command::Decide {
        outcome: Outcome::Approved,
        reason: String::new(),
        legal_basis: String::new(),
        signature: Default::default(),
    }
}

#[test]
fn assignment_needs_the_steps_role_in_the_unit_and_reassignment_needs_a_reason() {
    let mut sim = Sim::received();
    sim.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
    );
    let outsider = officer(
        "Đỗ Văn Tâm",
        domain::officer::Role::Specialist,
        "lao-cai.bao-thang.kt",
    );
    let err = sim
        .run(
            "2026-12-07 10:30",
            &unit_head(),
            Command::Assign {
                officer: officer_of(&outsider),
                reason: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "handler_not_in_unit");
    sim.ok(
        "2026-12-07 10:30",
        &unit_head(),
        Command::Assign {
            officer: officer_of(&specialist()),
            reason: None,
        },
    );
    let other = officer(
        "Vàng Thị Dung",
        domain::officer::Role::Specialist,
        "lao-cai.bao-thang.vhxh",
    );
    let err = sim
        .run(
            "2026-12-08 08:00",
            &unit_head(),
            Command::Assign {
                officer: officer_of(&other),
                reason: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "reason_required");
    sim.ok(
        "2026-12-08 08:00",
        &unit_head(),
        Command::Assign {
            officer: officer_of(&other),
            reason: Some("Cán bộ đi công tác".into()),
        },
    );
    assert_eq!(
        sim.d()
            .current_step()
            .unwrap()
            .handler
            .as_ref()
            .unwrap()
            .name,
        "Vàng Thị Dung"
    );
}

#[test]
fn verification_and_consultation_are_recorded_and_consultation_blocks_approval_until_answered() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::RecordVerification {
            verification: Verification {
                at: t("2026-12-08 08:00"),
                place: "Thôn Cốc Sâm".into(),
                participants: "Công chức tư pháp, trưởng thôn".into(),
                content: "Xác minh nơi sinh".into(),
            },
        },
    )
    .ok(
        "2026-12-08 09:30",
        &specialist(),
        Command::RequestConsultation {
            unit: id("lao-cai.bao-thang.cong-an"),
            content: "Đề nghị xác nhận thông tin cư trú".into(),
            limit: "2 ngày làm việc".parse().unwrap(),
        },
    );
    let c = &sim.d().consultations[0];
    assert_eq!(rfc(Some(c.due)), "2026-12-10T17:00:00+07:00");
    let err = sim
        .run(
            "2026-12-09 10:00",
            &specialist(),
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "consultation_pending");
    sim.ok(
        "2026-12-09 11:00",
        &officer(
            "Lý Văn Cường",
            domain::officer::Role::Specialist,
            "lao-cai.bao-thang.cong-an",
        ),
        Command::AnswerConsultation {
            id: 1,
            answer: "Thông tin cư trú chính xác".into(),
        },
    )
    .ok(
        "2026-12-09 14:00",
        &specialist(),
        Command::Forward {
            note: "Trình ký".into(),
            to_unit: None,
        },
    );
    assert_eq!(sim.d().verifications.len(), 1);
    assert_eq!(sim.d().current_step().unwrap().name, "Phê duyệt");
}

#[test]
fn sequential_interconnection_passes_agencies_in_order_and_pauses_the_lead_step() {
    let mut sim = Sim::in_appraisal();
    let step_due_before = sim.d().current_step().unwrap().due;
    sim.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::StartInterconnection {
            mode: InterconnectionMode::Sequential,
            legs: vec![
                LegPlan {
                    agency: id("lao-cai.bao-thang.cong-an"),
                    task: "Đăng ký thường trú cho trẻ".into(),
                    limit: "2 ngày làm việc".parse().unwrap(),
                    upper_level: false,
                },
                LegPlan {
                    agency: id("lao-cai.bhxh"),
                    task: "Cấp thẻ bảo hiểm y tế trẻ em dưới 6 tuổi".into(),
                    limit: "1 ngày làm việc".parse().unwrap(),
                    upper_level: true,
                },
            ],
        },
    );
    let ic = sim.d().interconnection.clone().unwrap();
    assert!(ic.legs[0].started_at.is_some() && ic.legs[1].started_at.is_none());
    let err = sim
        .run(
            "2026-12-08 10:00",
            &specialist(),
            Command::CompleteLeg {
                index: 1,
                result: "x".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "leg_not_started");
    sim.ok(
        "2026-12-09 09:00",
        &specialist(),
        Command::CompleteLeg {
            index: 0,
            result: "Đã đăng ký thường trú".into(),
        },
    );
    assert!(
        sim.d().interconnection.as_ref().unwrap().legs[1]
            .started_at
            .is_some()
    );
    assert!(sim.d().open_pause().is_some(), "the lead waits");
    sim.ok(
        "2026-12-09 15:00",
        &specialist(),
        Command::CompleteLeg {
            index: 1,
            result: "Đã cấp thẻ BHYT".into(),
        },
    );
    assert!(sim.d().open_pause().is_none());
    // The lead step was paused 9:00 8/12 → 15:00 9/12: 7 + 6 = 13 working hours.
    let after = sim.d().current_step().unwrap().due.unwrap();
    let moved = sim
        .cal
        .working_seconds_between(
            lich::time::to_vn(&step_due_before.unwrap()),
            lich::time::to_vn(&after),
        )
        .unwrap();
    assert_eq!(moved, 13 * 3600);
    assert_eq!(sim.d().involved_units().len(), 4);
}

#[test]
fn parallel_interconnection_starts_every_agency_at_once() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::StartInterconnection {
            mode: InterconnectionMode::Parallel,
            legs: vec![
                LegPlan {
                    agency: id("lao-cai.bao-thang.cong-an"),
                    task: "Thường trú".into(),
                    limit: "2 ngày làm việc".parse().unwrap(),
                    upper_level: false,
                },
                LegPlan {
                    agency: id("lao-cai.bhxh"),
                    task: "Thẻ BHYT".into(),
                    limit: "1 ngày làm việc".parse().unwrap(),
                    upper_level: true,
                },
            ],
        },
    );
    assert!(
        sim.d()
            .interconnection
            .as_ref()
            .unwrap()
            .legs
            .iter()
            .all(|l| l.started_at.is_some())
    );
    let err = sim
        .run(
            "2026-12-08 10:00",
            &specialist(),
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "paused");
}

#[test]
fn a_supplement_at_appraisal_is_allowed_only_within_three_working_days_of_reception() {
    // Received Monday 7/12 09:00: the window ends Thursday 10/12 at the end of office hours.
    let mut late = Sim::in_appraisal();
    let err = late
        .run(
            "2026-12-11 08:30",
            &specialist(),
            supplement("Bản sao không rõ"),
        )
        .unwrap_err();
    assert_eq!(err.code, "supplement_window_passed");
    assert!(err.message.contains("Điều 19 khoản 4"), "{}", err.message);
    let mut in_time = Sim::in_appraisal();
    in_time.ok(
        "2026-12-10 16:00",
        &specialist(),
        supplement("Bản sao không rõ"),
    );
    assert_eq!(in_time.d().stage.national_status().code(), 5);
}

#[test]
fn a_supplement_at_appraisal_restarts_the_clock_when_the_complete_dossier_arrives() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-09 10:00",
        &specialist(),
        supplement("Bản sao không rõ"),
    )
    .ok("2026-12-16 10:00", &citizen(), resubmit());
    let d = sim.d();
    assert_eq!(d.stage, Stage::InProgress);
    assert_eq!(rfc(d.clock_start), "2026-12-16T10:00:00+07:00");
    // Five full working days again from 16/12: 17, 18, 21, 22, 23.
    assert_eq!(rfc(d.due), "2026-12-23T17:00:00+07:00");
    assert_eq!(
        d.appointment, d.due,
        "the applicant gets the new appointment"
    );
    assert_eq!(
        rfc(d.original_appointment),
        "2026-12-14T17:00:00+07:00",
        "the first promise is kept"
    );
    let s = &d.supplements[0];
    assert_eq!(
        (rfc(Some(s.requested_at)), rfc(s.completed_at)),
        (
            "2026-12-09T10:00:00+07:00".into(),
            "2026-12-16T10:00:00+07:00".into()
        )
    );
}

#[test]
fn every_supplement_request_is_kept_and_more_than_one_makes_the_dossier_late_for_qd_766() {
    let mut sim = Sim::in_appraisal();
    sim.ok("2026-12-08 10:00", &specialist(), supplement("Lần 1"))
        .ok("2026-12-08 15:00", &citizen(), resubmit())
        .ok("2026-12-09 10:00", &specialist(), supplement("Lần 2"))
        .ok("2026-12-09 15:00", &citizen(), resubmit())
        .ok(
            "2026-12-10 09:00",
            &specialist(),
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        )
        .ok("2026-12-10 10:00", &leader(), approve())
        .ok(
            "2026-12-10 11:00",
            &clerk(),
            Command::IssueResult {
                number: "7/2026".into(),
                document: None,
            },
        );
    let d = sim.d();
    assert_eq!(d.supplements.len(), 2);
    assert_eq!(
        d.pauses
            .iter()
            .filter(|p| p.kind == PauseKind::Supplement)
            .count(),
        2
    );
    let timing = d
        .timing(&sim.cal, &sim.rules, t("2026-12-10 11:00"))
        .unwrap();
    assert_eq!(timing.tt01, Some(Timeliness::Early));
    assert_eq!(timing.qd766, Some(Timeliness::Late));
}

#[test]
fn tt01_and_qd766_classify_a_supplemented_dossier_differently() {
    // TT 01/2018 compares with the restarted limit; QĐ 766 adds back only the supplement window.
    let mut sim = Sim::in_appraisal();
    sim.ok("2026-12-09 09:00", &specialist(), supplement("Bổ sung"))
        .ok("2026-12-10 09:00", &citizen(), resubmit())
        .ok(
            "2026-12-15 09:00",
            &specialist(),
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        )
        .ok("2026-12-16 09:00", &leader(), approve())
        .ok(
            "2026-12-16 10:00",
            &clerk(),
            Command::IssueResult {
                number: "8/2026".into(),
                document: None,
            },
        );
    let timing = sim
        .d()
        .timing(&sim.cal, &sim.rules, t("2026-12-16 10:00"))
        .unwrap();
    assert_eq!(rfc(timing.due), "2026-12-17T17:00:00+07:00");
    assert_eq!(rfc(timing.qd766_due), "2026-12-15T17:00:00+07:00");
    assert_eq!(timing.tt01, Some(Timeliness::Early));
    assert_eq!(timing.qd766, Some(Timeliness::Late));
}

#[test]
fn waiting_for_a_financial_obligation_moves_the_due_date_by_the_working_time_waited() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 10:00",
        &specialist(),
        Command::RequestFinancialObligation {
            description: "Nộp lệ phí trước bạ".into(),
            legal_basis: "Nghị định 10/2022/NĐ-CP".into(),
        },
    );
    assert_eq!(sim.d().stage.national_status().code(), 6);
    let err = sim
        .run("2026-12-09 10:00", &specialist(), note("x"))
        .unwrap_err();
    assert_eq!(err.code, "invalid_transition");
    sim.ok(
        "2026-12-10 10:00",
        &specialist(),
        Command::EndPause {
            note: "Đã nộp, biên lai 0012".into(),
        },
    );
    // Two working days waited (16 office hours): due 14/12 → 16/12.
    assert_eq!(rfc(sim.d().due), "2026-12-16T17:00:00+07:00");
    let pause = &sim.d().pauses[0];
    assert!(pause.stops_clock);
    assert_eq!(pause.kind, PauseKind::FinancialObligation);
}

#[test]
fn waiting_for_another_agency_pauses_the_step_and_the_dossier_only_if_lawful() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 10:00",
        &specialist(),
        Command::WaitForAgency {
            reason: "Chờ xác minh của Công an xã".into(),
            legal_basis: "Điều 19 khoản 3".into(),
            stops_clock: false,
        },
    )
    .ok(
        "2026-12-09 10:00",
        &specialist(),
        Command::EndPause {
            note: String::new(),
        },
    );
    assert_eq!(
        rfc(sim.d().due),
        "2026-12-14T17:00:00+07:00",
        "not a lawful pause: the dossier's clock ran"
    );
}

#[test]
fn a_lawful_extension_moves_the_due_date() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 10:00",
        &specialist(),
        Command::Extend {
            amount: "5 ngày làm việc".parse().unwrap(),
            reason: "Cần xác minh tại địa phương khác".into(),
            legal_basis: "Luật Hộ tịch 2014, Điều 26 khoản 2".into(),
        },
    );
    assert_eq!(rfc(sim.d().due), "2026-12-21T17:00:00+07:00");
    assert_eq!(sim.d().extensions.len(), 1);
}

#[test]
fn approval_happens_only_in_the_approval_step_and_return_only_after_it() {
    let mut sim = Sim::in_appraisal();
    let err = sim
        .run("2026-12-08 10:00", &leader(), approve())
        .unwrap_err();
    assert_eq!(err.code, "wrong_step");
    let err = sim
        .run(
            "2026-12-08 10:00",
            &counter(),
            Command::Return {
                received_by: "Lù Văn Páo".into(),
                originals_returned: vec![],
                postal_bill: None,
                collected: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "result_not_ready");
    let mut sim = Sim::result_ready();
    assert_eq!(sim.d().stage.national_status().code(), 9);
    sim.ok(
        "2026-12-11 08:30",
        &counter(),
        Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec!["Giấy chứng sinh".into()],
            postal_bill: None,
            collected: None,
        },
    );
    assert_eq!(sim.d().stage.national_status().code(), 10);
    assert_eq!(
        sim.d().returned.as_ref().unwrap().originals_returned,
        ["Giấy chứng sinh"]
    );
}

#[test]
fn refusal_after_appraisal_must_come_within_the_limit() {
    let refuse = || Command::Decide {
        outcome: Outcome::Refused,
        reason: "Người yêu cầu không thuộc trường hợp đăng ký lại".into(),
        legal_basis: "Luật Hộ tịch 2014, Điều 24".into(),
        signature: Default::default(),
    };
    let mut sim = Sim::in_approval();
    let err = sim
        .run("2026-12-15 09:00", &leader(), refuse())
        .unwrap_err();
    assert_eq!(err.code, "refusal_after_due");
    sim.ok("2026-12-14 16:00", &leader(), refuse());
    assert!(sim.d().refused_after_appraisal());
    // Without a reason it is not a refusal.
    let mut sim = Sim::in_approval();
    let err = sim
        .run(
            "2026-12-10 09:00",
            &leader(),
            Command::Decide {
                outcome: Outcome::Refused,
                reason: String::new(),
                legal_basis: "x".into(),
                signature: Default::default(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "required");
}

#[test]
fn an_apology_is_issued_at_the_latest_one_day_before_the_due_date_and_only_once() {
    let apology = |when: &str| Command::Apologize {
        reason: "Chờ kết quả xác minh".into(),
        new_appointment: t(when),
    };
    // Due 14/12: the last day to apologise is 13/12 (a Sunday, so in practice Friday 11/12).
    let mut sim = Sim::in_appraisal();
    let err = sim
        .run(
            "2026-12-14 08:00",
            &unit_head(),
            apology("2026-12-18 17:00"),
        )
        .unwrap_err();
    assert_eq!(err.code, "apology_too_late");
    let err = sim
        .run(
            "2026-12-11 10:00",
            &unit_head(),
            apology("2026-12-19 17:00"),
        )
        .unwrap_err();
    assert_eq!(err.code, "invalid_appointment", "a Saturday");
    sim.ok(
        "2026-12-11 10:00",
        &unit_head(),
        apology("2026-12-18 17:00"),
    );
    let d = sim.d();
    assert_eq!(rfc(d.appointment), "2026-12-18T17:00:00+07:00");
    assert_eq!(
        rfc(d.due),
        "2026-12-14T17:00:00+07:00",
        "the legal due does not move"
    );
    let err = sim
        .run(
            "2026-12-11 11:00",
            &unit_head(),
            apology("2026-12-21 17:00"),
        )
        .unwrap_err();
    assert_eq!(err.code, "apology_once");
}

#[test]
fn an_apology_after_the_due_date_is_refused() {
    let mut sim = Sim::in_appraisal();
    let err = sim
        .run(
            "2026-12-15 08:00",
            &unit_head(),
            Command::Apologize {
                reason: "Muộn".into(),
                new_appointment: t("2026-12-18 17:00"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "apology_too_late");
}

#[test]
fn withdrawal_then_stop() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 10:00",
        &citizen(),
        Command::RequestWithdrawal {
            reason: "Không còn nhu cầu".into(),
        },
    );
    assert_eq!(sim.d().stage.national_status().code(), 7);
    sim.ok(
        "2026-12-08 14:00",
        &leader(),
        Command::Stop {
            reason: "Theo đề nghị rút hồ sơ của công dân".into(),
            legal_basis: "Nghị định 118/2025/NĐ-CP".into(),
        },
    );
    assert_eq!(sim.d().stage.national_status().code(), 8);
    let err = sim
        .run("2026-12-08 15:00", &specialist(), note("x"))
        .unwrap_err();
    assert_eq!(err.code, "invalid_transition");
    let timing = sim
        .d()
        .timing(&sim.cal, &sim.rules, t("2026-12-20 00:00"))
        .unwrap();
    assert_eq!(rfc(timing.finished_at), "2026-12-08T14:00:00+07:00");
}

#[test]
fn early_return_is_announced_only_before_the_appointment_day() {
    let mut sim = Sim::result_ready();
    sim.ok(
        "2026-12-10 10:30",
        &counter(),
        Command::NotifyEarlyReturn {
            channel: "SMS".into(),
        },
    );
    let err = sim
        .run(
            "2026-12-10 10:40",
            &counter(),
            Command::NotifyEarlyReturn {
                channel: "SMS".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "already_notified");
    let mut sim = Sim::result_ready();
    let err = sim
        .run(
            "2026-12-14 08:00",
            &counter(),
            Command::NotifyEarlyReturn {
                channel: "SMS".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "not_early");
}

#[test]
fn return_by_post_needs_a_postal_bill() {
    let mut sim = Sim::new();
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.return_method = ReturnMethod::Post {
        address: "Thôn Cốc Sâm, xã Bảo Thắng".into(),
    };
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveAtCounter { new },
    );
    sim.ok("2026-12-07 09:00", &counter(), pay_cash(5_000))
        .ok(
            "2026-12-07 10:00",
            &counter(),
            Command::Transfer {
                to_unit: id("lao-cai.bao-thang.vhxh"),
            },
        )
        .ok(
            "2026-12-08 10:00",
            &specialist(),
            Command::Forward {
                note: String::new(),
                to_unit: None,
            },
        )
        .ok("2026-12-09 10:00", &leader(), approve())
        .ok(
            "2026-12-09 11:00",
            &clerk(),
            Command::IssueResult {
                number: "9/2026".into(),
                document: None,
            },
        );
    let ret = |bill: Option<&str>| Command::Return {
        received_by: "Bưu điện xã".into(),
        originals_returned: vec![],
        postal_bill: bill.map(str::to_string),
        collected: None,
    };
    assert_eq!(
        sim.run("2026-12-09 14:00", &counter(), ret(None))
            .unwrap_err()
            .code,
        "postal_bill_required"
    );
    sim.ok("2026-12-09 14:00", &counter(), ret(Some("RR987654321VN")));
    assert!(matches!(
        sim.d().returned.as_ref().unwrap().method,
        ReturnMethod::Post { .. }
    ));
}

#[test]
fn a_correction_is_recorded_on_the_original_and_links_the_new_dossier() {
    let mut original = Sim::result_ready();
    original.ok(
        "2026-12-11 08:30",
        &counter(),
        Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec![],
            postal_bill: None,
            collected: None,
        },
    );
    let mut correction = Sim::new();
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.code = domain::ids::DossierCode::parse("000.22.22.H38-261215-0001").unwrap();
    new.corrects = Some(CorrectionOf {
        dossier: original.d().id,
        code: original.d().code.clone(),
        reason: "Sai năm sinh của mẹ do cơ quan ghi nhầm".into(),
    });
    let new_id = new.id;
    correction.ok(
        "2026-12-15 09:00",
        &counter(),
        Command::ReceiveAtCounter { new },
    );
    original.ok(
        "2026-12-15 09:00",
        &counter(),
        Command::RecordCorrection {
            correction: new_id,
            code: correction.d().code.clone(),
            reason: "Sai năm sinh của mẹ do cơ quan ghi nhầm".into(),
        },
    );
    assert_eq!(
        correction.d().corrects.as_ref().unwrap().dossier,
        original.d().id
    );
    assert_eq!(original.d().corrections[0].0, new_id);
}

#[test]
fn each_step_has_its_own_due_and_is_classified() {
    let mut sim = Sim::in_approval();
    sim.ok("2026-12-11 09:00", &leader(), approve()).ok(
        "2026-12-11 14:00",
        &clerk(),
        Command::IssueResult {
            number: "1/2026".into(),
            document: None,
        },
    );
    let timing = sim
        .d()
        .timing(&sim.cal, &sim.rules, t("2026-12-11 14:00"))
        .unwrap();
    let by_name = |n: &str| timing.steps.iter().find(|s| s.name == n).unwrap().clone();
    // Reception: received 09:00, transferred 10:00, due 17:00 the same day.
    assert_eq!(
        by_name("Tiếp nhận hồ sơ").timeliness,
        Some(Timeliness::OnTime)
    );
    // Appraisal: 3 working days from 10:00 Monday = 10:00 Thursday; forwarded Wednesday.
    assert_eq!(
        by_name("Thẩm định hồ sơ").timeliness,
        Some(Timeliness::Early)
    );
    // Approval: 1 working day from 10:00 Wednesday = 10:00 Thursday; signed Friday: late by
    // Thursday 10–17 (6 h) and Friday 8–9 (1 h).
    let approval = by_name("Phê duyệt");
    assert_eq!(approval.timeliness, Some(Timeliness::Late));
    assert_eq!(approval.late_seconds, 7 * 3600);
    assert_eq!(timing.tt01, Some(Timeliness::Early));
}

#[test]
fn late_working_hours_are_charged_to_the_step_and_unit_that_held_the_dossier() {
    let mut sim = Sim::in_approval();
    // The leader signs on Tuesday 15/12 at 10:00, a day after the due date (14/12 17:00).
    sim.ok("2026-12-15 10:00", &leader(), approve()).ok(
        "2026-12-15 11:00",
        &clerk(),
        Command::IssueResult {
            number: "2/2026".into(),
            document: None,
        },
    );
    let timing = sim
        .d()
        .timing(&sim.cal, &sim.rules, t("2026-12-15 11:00"))
        .unwrap();
    assert_eq!(timing.tt01, Some(Timeliness::Late));
    assert_eq!(timing.overdue_seconds, 3 * 3600);
    let charged: Vec<(String, i64)> = timing
        .steps
        .iter()
        .filter(|s| s.charged_overdue_seconds > 0)
        .map(|s| (s.unit.to_string(), s.charged_overdue_seconds))
        .collect();
    assert_eq!(
        charged,
        [
            ("lao-cai.bao-thang".to_string(), 2 * 3600),
            ("lao-cai.bao-thang.vp".to_string(), 3600)
        ]
    );
}

#[test]
fn a_dossier_can_be_shown_as_it_stood_at_a_past_instant() {
    let mut sim = Sim::result_ready();
    sim.ok(
        "2026-12-11 08:30",
        &counter(),
        Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec![],
            postal_bill: None,
            collected: None,
        },
    );
    let then = Dossier::as_of(&sim.events, t("2026-12-08 12:00")).unwrap();
    assert_eq!(then.stage, Stage::InProgress);
    assert_eq!(then.current_step().unwrap().name, "Thẩm định hồ sơ");
    assert!(then.decision.is_none());
    let before = Dossier::as_of(&sim.events, t("2026-12-07 08:00"));
    assert!(before.is_none(), "it did not exist yet");
    assert_eq!(Dossier::replay(&sim.events).unwrap(), *sim.d());
}

#[test]
fn the_control_slip_has_a_row_per_handover_with_the_step_result() {
    let mut sim = Sim::result_ready();
    sim.ok(
        "2026-12-11 08:30",
        &counter(),
        Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec![],
            postal_bill: None,
            collected: None,
        },
    );
    let d = sim.d();
    let timing = d
        .timing(&sim.cal, &sim.rules, t("2026-12-11 08:30"))
        .unwrap();
    let names =
        |a: &domain::agency::AgencyId| sim.tree.get(a).map(|x| x.name.clone()).unwrap_or_default();
    let slip = control_slip(&sim.events, d, &timing, &names);
    let lines: Vec<String> = slip
        .iter()
        .map(|r| format!("{} → {}", r.from, r.to))
        .collect();
    assert_eq!(
        lines[0],
        "Tổ chức, cá nhân: Lù Văn Páo → Trung tâm Phục vụ hành chính công xã Bảo Thắng"
    );
    assert_eq!(
        lines[1],
        "Trung tâm Phục vụ hành chính công xã Bảo Thắng (Lò Thị Mai) → Phòng Văn hóa - Xã hội"
    );
    assert_eq!(lines[2], "Phòng Văn hóa - Xã hội → Nguyễn Văn Hùng");
    assert_eq!(
        lines[3],
        "Phòng Văn hóa - Xã hội (Nguyễn Văn Hùng) → UBND xã Bảo Thắng"
    );
    assert_eq!(lines[4], "UBND xã Bảo Thắng → Văn phòng HĐND và UBND");
    assert_eq!(
        lines[5],
        "Văn phòng HĐND và UBND → Trung tâm Phục vụ hành chính công xã Bảo Thắng"
    );
    assert!(lines[6].starts_with(
        "Trung tâm Phục vụ hành chính công xã Bảo Thắng → Tổ chức, cá nhân: Lù Văn Páo"
    ));
    assert_eq!(slip[1].result, Some(Timeliness::OnTime));
    assert_eq!(slip[6].result, Some(Timeliness::Early));
}

fn draft(fields: &[(&str, &str)]) -> Command {
    Command::DraftResult {
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn the_result_draft_is_saved_in_revisions_during_appraisal_only() {
    let mut sim = Sim::in_appraisal();
    sim.ok(
        "2026-12-08 09:00",
        &specialist(),
        draft(&[("ten_ho_kinh_doanh", " Hộ  kinh doanh A\u{0323}n Phú ")]),
    );
    let d = sim.d();
    let saved = d.result_draft.as_ref().unwrap();
    assert_eq!(saved.revision, 1);
    // Cleaned and NFC: one space between words, "ạ" as one character.
    assert_eq!(
        saved.fields["ten_ho_kinh_doanh"],
        "Hộ kinh doanh \u{1EA0}n Phú"
    );
    assert_eq!(saved.actor.name, "Nguyễn Văn Hùng");
    sim.ok(
        "2026-12-08 09:30",
        &specialist(),
        draft(&[("nganh_nghe", "Bán lẻ\r\n\r\n  đồ uống ")]),
    );
    let saved = sim.d().result_draft.clone().unwrap();
    assert_eq!(saved.revision, 2);
    assert_eq!(saved.fields["nganh_nghe"], "Bán lẻ\nđồ uống");
    for (fields, code) in [
        (vec![], "draft_fields"),
        (vec![("Tên", "x")], "draft_field_name"),
        (vec![("a b", "x")], "draft_field_name"),
    ] {
        let err = sim
            .run("2026-12-08 10:00", &specialist(), draft(&fields))
            .unwrap_err();
        assert_eq!(err.code, code);
    }
    let long = "x".repeat(20_001);
    let err = sim
        .run("2026-12-08 10:00", &specialist(), draft(&[("a", &long)]))
        .unwrap_err();
    assert_eq!(err.code, "too_long");
    assert_eq!(sim.d().result_draft.as_ref().unwrap().revision, 2);
    // Once submitted for approval, the draft is the leader's to judge, not to rewrite.
    let mut sim = Sim::in_approval();
    let err = sim
        .run("2026-12-10 08:00", &specialist(), draft(&[("a", "b")]))
        .unwrap_err();
    assert_eq!(err.code, "wrong_step");
}
