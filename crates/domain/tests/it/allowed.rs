//! Lệnh khả dụng: what `available` offers is exactly what `decide` accepts. For dossiers in every
//! stage the lifecycle reaches (and at moments where the legal windows matter), each kind of
//! command is tried with well-formed parameters: an offered kind must be accepted, a hidden one
//! refused. A rule added to `decide` alone, or to the offer alone, breaks this.

use chrono::{DateTime, Duration, Utc};
use domain::dossier::*;
use domain::policy;
use testsupport::kit::*;

/// Named dossiers in the states the lifecycle reaches, each with the instant it is judged at.
fn states() -> Vec<(&'static str, Sim, DateTime<Utc>)> {
    let mut out: Vec<(&'static str, Sim, DateTime<Utc>)> = Vec::new();
    let mut push = |name: &'static str, sim: Sim| {
        let now = sim.events.last().unwrap().at + Duration::minutes(30);
        out.push((name, sim, now));
    };
    let online = || {
        let mut sim = Sim::new();
        sim.ok(
            "2026-12-05 21:00",
            &citizen(),
            Command::SubmitOnline {
                new: online_dossier(procedure(), &["to-khai", "giay-to"]),
            },
        );
        sim
    };
    push("submitted online", online());
    let mut s = online();
    s.ok(
        "2026-12-07 08:30",
        &counter(),
        Command::RequestIntakeSupplement {
            items: vec![SupplementItem {
                component: Some("giay-to".into()),
                text: "Bản sao không rõ".into(),
            }],
            reason: "Thiếu thông tin".into(),
        },
    );
    push("intake supplement", s);
    let mut s = online();
    s.ok(
        "2026-12-07 08:30",
        &counter(),
        Command::RefuseOnline {
            reason: "Không thuộc thẩm quyền".into(),
            legal_basis: "Điều 17".into(),
        },
    );
    push("refused online", s);
    push("received", Sim::received());
    let mut s = Sim::received();
    s.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.kt"),
        },
    );
    push("transferred, untouched", s);
    let mut s = Sim::received();
    s.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.kt"),
        },
    )
    .ok(
        "2026-12-07 10:20",
        &counter(),
        Command::RecallTransfer {
            reason: "Chuyển nhầm đơn vị".into(),
        },
    );
    push("recalled", s);
    push("in appraisal", Sim::in_appraisal());
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-07 11:00",
        &specialist(),
        Command::RequestConsultation {
            unit: id("lao-cai.bao-thang.cong-an"),
            content: "Xác nhận cư trú".into(),
            limit: "2 ngày làm việc".parse().unwrap(),
        },
    );
    push("consultation pending", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-07 11:00",
        &specialist(),
        Command::RequestConsultation {
            unit: id("lao-cai.bao-thang.cong-an"),
            content: "Xác nhận cư trú".into(),
            limit: "2 ngày làm việc".parse().unwrap(),
        },
    )
    .ok(
        "2026-12-08 09:00",
        &officer(
            "Công an",
            domain::officer::Role::Specialist,
            "lao-cai.bao-thang.cong-an",
        ),
        Command::AnswerConsultation {
            id: 1,
            answer: "Đúng nơi cư trú".into(),
        },
    );
    push("consultation answered", s);
    let mut s = Sim::in_appraisal();
    s.ok("2026-12-08 09:00", &specialist(), supplement("Bản sao mờ"));
    push("supplement requested", s);
    let mut s = Sim::in_appraisal();
    s.ok("2026-12-08 09:00", &specialist(), supplement("Bản sao mờ"))
        .ok("2026-12-09 09:00", &counter(), resubmit());
    push("supplement received", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::RequestFinancialObligation {
            description: "Nộp lệ phí trước bạ".into(),
            legal_basis: "Luật Phí và lệ phí".into(),
        },
    );
    push("financial obligation", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::WaitForAgency {
            reason: "Chờ kết quả xác minh".into(),
            legal_basis: "Điều 19".into(),
            stops_clock: true,
        },
    );
    push("waiting for an agency", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::StartInterconnection {
            mode: InterconnectionMode::Sequential,
            legs: vec![leg("lao-cai.bao-thang.cong-an"), leg("lao-cai.bhxh")],
        },
    );
    push("interconnection under way", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-08 09:00",
        &specialist(),
        Command::StartInterconnection {
            mode: InterconnectionMode::Parallel,
            legs: vec![leg("lao-cai.bao-thang.cong-an")],
        },
    )
    .ok(
        "2026-12-08 15:00",
        &officer(
            "Công an",
            domain::officer::Role::Specialist,
            "lao-cai.bao-thang.cong-an",
        ),
        Command::CompleteLeg {
            index: 0,
            result: "Đã đăng ký thường trú".into(),
        },
    );
    push("interconnection done", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-10 16:00",
        &leader(),
        Command::Apologize {
            reason: "Chờ xác minh".into(),
            new_appointment: t("2026-12-18 17:00"),
        },
    );
    push("apologised", s);
    push("in approval", Sim::in_approval());
    let mut s = Sim::in_approval();
    s.ok(
        "2026-12-10 09:00",
        &leader(),
        Command::Decide {
            outcome: Outcome::Approved,
            reason: String::new(),
            legal_basis: String::new(),
            signature: Default::default(),
        },
    );
    push("approved, to issue", s);
    push("result ready", Sim::result_ready());
    push(
        "result ready, fees collected at return",
        Sim::result_ready_unpaid(true),
    );
    push("result ready, fees unpaid", Sim::result_ready_unpaid(false));
    push("electronic result issued", Sim::electronic_result());
    let mut s = Sim::electronic_result();
    s.ok(
        "2026-12-10 11:00",
        &leader(),
        Command::RevokeResult {
            reason: "Cấp sai đối tượng".into(),
            legal_basis: "Điều 21 Nghị định 61/2018/NĐ-CP".into(),
        },
    );
    push("electronic result revoked", s);
    let mut s = Sim::result_ready();
    s.ok(
        "2026-12-10 11:00",
        &counter(),
        Command::NotifyEarlyReturn {
            channel: "SMS".into(),
        },
    );
    push("early notice given", s);
    let mut s = Sim::result_ready();
    s.ok(
        "2026-12-11 09:00",
        &counter(),
        Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec![],
            postal_bill: None,
            collected: None,
        },
    );
    push("returned", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-08 09:00",
        &counter(),
        Command::RequestWithdrawal {
            reason: "Không có nhu cầu".into(),
        },
    );
    push("withdrawal requested", s);
    let mut s = Sim::in_appraisal();
    s.ok(
        "2026-12-08 09:00",
        &leader(),
        Command::Stop {
            reason: "Người nộp qua đời".into(),
            legal_basis: "Điều 19".into(),
        },
    );
    push("stopped", s);
    // Fees: unpaid, paid in part, and a dossier refused after its fee was paid.
    push("received, fees unpaid", Sim::received_unpaid());
    let mut s = Sim::received_unpaid();
    s.ok("2026-12-07 09:05", &counter(), pay_cash(2_000));
    push("fees paid in part", s);
    // Receipts: issued and unsigned, signed, replaced (the new one unsigned), cancelled.
    let mut s = Sim::received_unpaid();
    s.issue_receipt(1);
    s.ok("2026-12-07 09:05", &counter(), pay_cash(5_000));
    push("receipt issued", s.clone());
    s.ok(
        "2026-12-07 09:06",
        &domain::officer::Actor::System,
        Command::SignReceipt {
            receipt: receipt_key(1),
            files: ReceiptFiles {
                xml: file_ref("bien-lai.xml"),
                pdf: file_ref("bien-lai.pdf"),
            },
        },
    );
    push("receipt signed", s.clone());
    let mut replaced = s.clone();
    replaced.issue_receipt(2);
    replaced.ok(
        "2026-12-07 09:10",
        &counter(),
        Command::ReplaceReceipt {
            receipt: receipt_key(1),
            payer: None,
            reason: "Sai tên".into(),
        },
    );
    push("receipt replaced", replaced);
    s.ok(
        "2026-12-07 09:10",
        &leader(),
        Command::CancelReceipt {
            receipt: receipt_key(1),
            reason: "Lập nhầm".into(),
        },
    );
    push("receipt cancelled", s);
    let mut s = Sim::in_approval();
    s.ok("2026-12-10 09:00", &leader(), refusal());
    push("refused after paying", s);
    // The same dossiers later on: past the supplement window, past the apology's deadline, on
    // the appointment day.
    let later: Vec<(&'static str, Sim, DateTime<Utc>)> = vec![
        (
            "in appraisal, 4 days on",
            Sim::in_appraisal(),
            t("2026-12-11 10:00"),
        ),
        (
            "in appraisal, due tomorrow",
            Sim::in_appraisal(),
            t("2026-12-13 10:00"),
        ),
        (
            "result ready, on the day",
            Sim::result_ready(),
            t("2026-12-14 10:00"),
        ),
    ];
    out.extend(later);
    out
}

fn leg(agency: &str) -> LegPlan {
    LegPlan {
        agency: id(agency),
        task: "Phối hợp".into(),
        limit: "2 ngày làm việc".parse().unwrap(),
        upper_level: false,
    }
}

/// A well-formed command of each kind for this dossier.
fn sample(kind: CommandKind, d: &Dossier, now: DateTime<Utc>) -> Command {
    use CommandKind as K;
    let reason = || "Lý do".to_string();
    match kind {
        K::AcceptOnline => Command::AcceptOnline,
        K::RefuseOnline => Command::RefuseOnline {
            reason: reason(),
            legal_basis: "Điều 17".into(),
        },
        K::RequestIntakeSupplement => Command::RequestIntakeSupplement {
            items: vec![SupplementItem {
                component: Some("giay-to".into()),
                text: "Bản sao rõ nét".into(),
            }],
            reason: reason(),
        },
        K::SubmitSupplement => resubmit(),
        K::Transfer => Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
        K::RecallTransfer => Command::RecallTransfer { reason: reason() },
        K::Assign => {
            let unit = d.current_unit().cloned().unwrap_or_else(|| id("lao-cai"));
            let role = d
                .current_step()
                .map(|s| d.procedure.steps[s.index].role)
                .unwrap_or(domain::officer::Role::Specialist);
            officer_assign(officer("Người được giao", role, unit.as_str()))
        }
        K::AddNote => Command::AddNote {
            text: "Ý kiến".into(),
        },
        K::DraftResult => Command::DraftResult {
            fields: [("noi_dung".to_string(), "Cấp giấy chứng nhận".to_string())].into(),
        },
        K::RecordVerification => Command::RecordVerification {
            verification: Verification {
                at: now - Duration::minutes(10),
                place: "Thôn Cốc Sâm".into(),
                participants: "Cán bộ tư pháp".into(),
                content: "Xác minh nơi cư trú".into(),
            },
        },
        K::RequestConsultation => Command::RequestConsultation {
            unit: id("lao-cai.so-tu-phap"),
            content: "Xin ý kiến".into(),
            limit: "2 ngày làm việc".parse().unwrap(),
        },
        K::AnswerConsultation => Command::AnswerConsultation {
            id: d
                .consultations
                .iter()
                .find(|c| c.answered_at.is_none())
                .map_or(1, |c| c.id),
            answer: "Đồng ý".into(),
        },
        K::StartInterconnection => Command::StartInterconnection {
            mode: InterconnectionMode::Parallel,
            legs: vec![leg("lao-cai.bhxh")],
        },
        K::CompleteLeg => Command::CompleteLeg {
            index: d
                .interconnection
                .as_ref()
                .and_then(|i| {
                    i.legs
                        .iter()
                        .position(|l| l.started_at.is_some() && l.completed_at.is_none())
                })
                .unwrap_or(0),
            result: "Xong".into(),
        },
        K::RequestSupplement => supplement("Bản sao mờ"),
        K::RequestFinancialObligation => Command::RequestFinancialObligation {
            description: "Nộp thuế".into(),
            legal_basis: "Luật Quản lý thuế".into(),
        },
        K::WaitForAgency => Command::WaitForAgency {
            reason: reason(),
            legal_basis: "Điều 19".into(),
            stops_clock: true,
        },
        K::EndPause => Command::EndPause {
            note: String::new(),
        },
        K::Extend => Command::Extend {
            amount: "2 ngày làm việc".parse().unwrap(),
            reason: reason(),
            legal_basis: "Luật chuyên ngành".into(),
        },
        K::Forward => Command::Forward {
            note: String::new(),
            to_unit: None,
        },
        K::Decide => Command::Decide {
            outcome: Outcome::Approved,
            reason: String::new(),
            legal_basis: String::new(),
            signature: Default::default(),
        },
        K::IssueResult => Command::IssueResult {
            number: "1/2026".into(),
            document: None,
        },
        K::Apologize => Command::Apologize {
            reason: reason(),
            new_appointment: t("2026-12-31 17:00"),
        },
        K::RequestWithdrawal => Command::RequestWithdrawal { reason: reason() },
        K::Stop => Command::Stop {
            reason: reason(),
            legal_basis: "Điều 19".into(),
        },
        K::NotifyEarlyReturn => Command::NotifyEarlyReturn {
            channel: "SMS".into(),
        },
        K::Return => Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec![],
            postal_bill: None,
            collected: d.collects_at_return().then_some(Collection {
                method: PaymentMethod::Cash,
                reference: None,
                payer: None,
            }),
        },
        K::RecordCorrection => Command::RecordCorrection {
            correction: DossierId(uuid::Uuid::from_u128(99)),
            code: domain::ids::DossierCode::parse("000.22.22.H38-261215-0002").unwrap(),
            reason: reason(),
        },
        K::RevokeResult => Command::RevokeResult {
            reason: reason(),
            legal_basis: "Điều 21 Nghị định 61/2018/NĐ-CP".into(),
        },
        K::RecordPayment => Command::RecordPayment {
            amount: d.fees_outstanding().max(1),
            method: PaymentMethod::Cash,
            reference: None,
            payer: None,
        },
        K::AddFee => Command::AddFee {
            name: "Lệ phí trước bạ".into(),
            amount: 120_000,
            legal_basis: "Thông báo nộp lệ phí số 12/TB-CCT".into(),
        },
        K::WaiveFee => Command::WaiveFee {
            amount: 1,
            reason: reason(),
        },
        K::RefundFee => Command::RefundFee {
            amount: d.fees_held().max(1),
            reason: reason(),
        },
        K::SignReceipt => Command::SignReceipt {
            receipt: d
                .unsigned_receipts()
                .next()
                .or(d.receipts.first())
                .map_or_else(|| receipt_key(1), Receipt::key),
            files: ReceiptFiles {
                xml: file_ref("bien-lai.xml"),
                pdf: file_ref("bien-lai.pdf"),
            },
        },
        K::ReplaceReceipt => Command::ReplaceReceipt {
            receipt: valid_receipt(d),
            payer: None,
            reason: reason(),
        },
        K::CancelReceipt => Command::CancelReceipt {
            receipt: valid_receipt(d),
            reason: reason(),
        },
    }
}

fn receipt_key(number: u32) -> ReceiptKey {
    ReceiptKey {
        series: "BT-26E".into(),
        number,
    }
}

fn valid_receipt(d: &Dossier) -> ReceiptKey {
    d.receipts
        .iter()
        .find(|r| r.valid())
        .map_or_else(|| receipt_key(1), Receipt::key)
}

fn officer_assign(actor: domain::officer::Actor) -> Command {
    Command::Assign {
        officer: officer_of(&actor),
        reason: Some("Phân công lại".into()),
    }
}

#[test]
fn what_is_offered_is_exactly_what_decide_accepts() {
    let mut mismatches = Vec::new();
    let mut offered_total = 0;
    for (name, mut sim, now) in states() {
        sim.issue_code("000.22.22.H38-261207-0009");
        let d = sim.d().clone();
        let system = domain::officer::Actor::System;
        let ctx = Context {
            now,
            actor: &system,
            calendar: &sim.cal,
            agencies: &sim.tree,
            rules: &sim.rules,
            issued_code: domain::ids::DossierCode::parse("000.22.22.H38-261207-0009").ok(),
            receipt: Some(ReceiptNumber {
                book: receipt_book("BT-26E"),
                number: 99,
            }),
        };
        let offered = available(&d, &ctx);
        offered_total += offered.len();
        for &kind in CommandKind::ALL {
            let decided = decide(Some(&d), sample(kind, &d, now), &ctx);
            match (offered.contains(&kind), decided) {
                (true, Err(e)) => mismatches.push(format!(
                    "{name}: {} offered but refused: {} ({})",
                    kind.name(),
                    e.message,
                    e.code
                )),
                (false, Ok(_)) => {
                    mismatches.push(format!("{name}: {} hidden but accepted", kind.name()))
                }
                _ => {}
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Not a vacuous pass: dossiers in these states allow many things between them.
    assert!(offered_total > 60, "only {offered_total} offers");
}

#[test]
fn a_person_is_offered_what_the_dossier_allows_and_their_roles_cover() {
    fn ctx<'a>(sim: &'a Sim, actor: &'a domain::officer::Actor) -> Context<'a> {
        Context {
            now: t("2026-12-07 09:30"),
            actor,
            calendar: &sim.cal,
            agencies: &sim.tree,
            rules: &sim.rules,
            issued_code: None,
            receipt: None,
        }
    }
    let sim = Sim::received();
    let d = sim.d();
    let c = counter();
    assert!(allowed(d, &ctx(&sim, &c), &sim.tree, false).contains(&CommandKind::Transfer));
    let s = specialist();
    let for_specialist = allowed(d, &ctx(&sim, &s), &sim.tree, false);
    assert!(
        !for_specialist.contains(&CommandKind::Transfer),
        "{for_specialist:?}"
    );
    // Every kind offered to anyone passes the permission table for them.
    for actor in [
        counter(),
        specialist(),
        unit_head(),
        leader(),
        clerk(),
        citizen(),
    ] {
        for kind in allowed(d, &ctx(&sim, &actor), &sim.tree, true) {
            policy::may_command(&actor, d, kind, None, true, &sim.tree).unwrap();
        }
    }
    // A citizen who is not the applicant is offered nothing.
    assert!(allowed(d, &ctx(&sim, &citizen()), &sim.tree, false).is_empty());
}

#[test]
fn a_transfer_sent_to_the_wrong_unit_is_recalled_and_sent_again() {
    let mut sim = Sim::received();
    sim.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.kt"),
        },
    );
    // The wrong unit's head may not recall it; the counter may.
    for actor in [unit_head(), specialist(), leader()] {
        let refused = policy::may_command(
            &actor,
            sim.d(),
            CommandKind::RecallTransfer,
            None,
            false,
            &sim.tree,
        );
        assert!(refused.is_err(), "{actor:?}");
    }
    let err = sim
        .run(
            "2026-12-07 10:10",
            &counter(),
            Command::RecallTransfer {
                reason: "  ".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "required");
    sim.ok(
        "2026-12-07 10:15",
        &counter(),
        Command::RecallTransfer {
            reason: "Chuyển nhầm sang phòng Kinh tế".into(),
        },
    );
    let d = sim.d();
    assert_eq!(d.stage, Stage::Received);
    assert_eq!(d.current_unit(), Some(&id("lao-cai.bao-thang.mot-cua")));
    // The legal due is untouched: the recall is the centre's slip, not a pause.
    let due = d.due;
    sim.ok(
        "2026-12-07 10:20",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
    );
    assert_eq!(sim.d().due, due);
    assert_eq!(sim.d().current_unit(), Some(&id("lao-cai.bao-thang.vhxh")));
    // Replaying the events gives the same dossier.
    assert_eq!(Dossier::replay(&sim.events).as_ref(), Some(sim.d()));
    // Once the unit has acted, it can no longer be recalled.
    sim.ok(
        "2026-12-07 10:30",
        &unit_head(),
        Command::Assign {
            officer: officer_of(&specialist()),
            reason: None,
        },
    );
    let err = sim
        .run(
            "2026-12-07 10:40",
            &counter(),
            Command::RecallTransfer {
                reason: "Nhầm".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "recall_not_possible");
}
