//! Phí, lệ phí: the dossier's obligations and the money recorded against them (ND 61/2018
//! Art. 22) — partial payments, waivers, fees added while handling, refunds, and the rule that
//! a result is handed over only once its fees are settled.

use domain::dossier::*;
use testsupport::kit::*;

fn code(sim: &mut Sim, at: &str, actor: &domain::officer::Actor, command: Command) -> String {
    sim.run(at, actor, command).unwrap_err().code.to_string()
}

fn ret() -> Command {
    Command::Return {
        received_by: "Lù Văn Páo".into(),
        originals_returned: vec![],
        postal_bill: None,
        collected: None,
    }
}

/// The result of `Sim::result_ready`, but with its fee never collected.
fn ready_unpaid() -> Sim {
    Sim::result_ready_unpaid(false)
}

#[test]
fn a_result_is_returned_only_once_its_fees_are_paid_or_waived() {
    let mut sim = ready_unpaid();
    let d = sim.dossier.as_ref().unwrap();
    assert_eq!((d.fees_due(), d.fees_outstanding()), (5_000, 5_000));
    assert_eq!(
        code(&mut sim, "2026-12-11 09:00", &counter(), ret()),
        "fees_unpaid"
    );
    // Part of it in cash, the rest waived by a leader with a reason.
    sim.ok("2026-12-11 09:01", &counter(), pay_cash(3_000));
    assert_eq!(sim.dossier.as_ref().unwrap().fees_outstanding(), 2_000);
    assert_eq!(
        code(&mut sim, "2026-12-11 09:02", &counter(), ret()),
        "fees_unpaid"
    );
    let waive = |reason: &str| Command::WaiveFee {
        amount: 2_000,
        reason: reason.into(),
    };
    assert_eq!(
        code(&mut sim, "2026-12-11 09:03", &leader(), waive("  ")),
        "required"
    );
    sim.ok(
        "2026-12-11 09:03",
        &leader(),
        waive("Hộ nghèo (Điều 11 Luật Hộ tịch)"),
    );
    let d = sim.dossier.as_ref().unwrap();
    assert_eq!(
        (d.fees_paid(), d.fees_waived(), d.fees_outstanding()),
        (3_000, 2_000, 0)
    );
    // Nothing is left to pay: neither a payment nor a waiver is offered any more.
    assert_eq!(
        code(&mut sim, "2026-12-11 09:04", &counter(), pay_cash(1)),
        "nothing_to_pay"
    );
    sim.ok("2026-12-11 09:05", &counter(), ret());
    assert_eq!(sim.dossier.as_ref().unwrap().stage, Stage::Returned);
}

#[test]
fn a_payment_is_at_least_one_dong_and_at_most_what_is_left() {
    let mut sim = Sim::received_unpaid();
    for (amount, expected) in [
        (0, "invalid_amount"),
        (-5_000, "invalid_amount"),
        (5_001, "amount_too_large"),
    ] {
        assert_eq!(
            code(&mut sim, "2026-12-07 09:05", &counter(), pay_cash(amount)),
            expected,
            "{amount}"
        );
    }
    // A transfer needs its reference; cash does not.
    let transfer = |reference: Option<&str>| Command::RecordPayment {
        amount: 5_000,
        method: PaymentMethod::BankTransfer,
        reference: reference.map(str::to_string),
        payer: Some("Lò Văn Páo".into()),
    };
    assert_eq!(
        code(&mut sim, "2026-12-07 09:05", &counter(), transfer(None)),
        "reference_required"
    );
    let before = sim.events.len();
    sim.ok(
        "2026-12-07 09:06",
        &counter(),
        transfer(Some("FT26341123456")),
    );
    assert_eq!(sim.events.len(), before + 1);
    let p = &sim.dossier.as_ref().unwrap().payments[0];
    assert_eq!(p.method, PaymentMethod::BankTransfer);
    assert_eq!(p.reference.as_deref(), Some("FT26341123456"));
    assert_eq!(p.payer, "Lò Văn Páo");
    assert_eq!(p.by.name, "Lò Thị Mai");
}

#[test]
fn an_amount_another_agency_notifies_is_added_while_handling_and_then_owed() {
    let mut sim = Sim::in_appraisal();
    let add = |amount: i64| Command::AddFee {
        name: "Lệ phí trước bạ".into(),
        amount,
        legal_basis: "Thông báo nộp lệ phí trước bạ số 12/TB-CCT".into(),
    };
    assert_eq!(
        code(&mut sim, "2026-12-08 09:00", &specialist(), add(0)),
        "invalid_amount"
    );
    sim.ok("2026-12-08 09:00", &specialist(), add(120_000));
    let d = sim.dossier.as_ref().unwrap();
    assert_eq!(d.fees.len(), 2);
    assert_eq!(
        (d.fees_due(), d.fees_paid(), d.fees_outstanding()),
        (125_000, 5_000, 120_000)
    );
    // The handler adds obligations, the counter collects, a leader waives — and not otherwise.
    use domain::policy::may_command;
    let d = sim.dossier.as_ref().unwrap();
    let may = |actor: &domain::officer::Actor, kind| {
        may_command(actor, d, kind, None, false, &sim.tree).is_ok()
    };
    assert!(may(&specialist(), CommandKind::AddFee) && !may(&counter(), CommandKind::AddFee));
    assert!(
        may(&counter(), CommandKind::RecordPayment)
            && !may(&specialist(), CommandKind::RecordPayment)
    );
    assert!(may(&leader(), CommandKind::WaiveFee) && !may(&counter(), CommandKind::WaiveFee));
}

#[test]
fn money_paid_on_a_refused_dossier_is_refunded_up_to_what_was_paid() {
    let mut sim = Sim::in_approval();
    let refund = |amount: i64| Command::RefundFee {
        amount,
        reason: "Từ chối giải quyết".into(),
    };
    // Not while the dossier may still end with a result.
    assert_eq!(
        code(&mut sim, "2026-12-09 11:00", &counter(), refund(5_000)),
        "refund_not_due"
    );
    sim.ok("2026-12-10 09:00", &leader(), refusal());
    assert_eq!(
        code(&mut sim, "2026-12-10 10:00", &counter(), refund(5_001)),
        "amount_too_large"
    );
    sim.ok("2026-12-10 10:00", &counter(), refund(5_000));
    let d = sim.dossier.as_ref().unwrap();
    assert_eq!((d.fees_held(), d.fees_refunded()), (0, 5_000));
    assert_eq!(
        code(&mut sim, "2026-12-10 10:05", &counter(), refund(1)),
        "nothing_to_refund"
    );
    // No payment is taken on a refused dossier.
    assert_eq!(
        code(&mut sim, "2026-12-10 10:06", &counter(), pay_cash(1)),
        "invalid_transition"
    );
}

#[test]
fn dossiers_opened_before_fees_were_collected_here_are_not_held_at_return() {
    let mut sim = ready_unpaid();
    // The same dossier, as a database from before this rule holds it.
    let mut events = sim.events.clone();
    let Event::Opened(o) = &mut events[0].event else {
        panic!()
    };
    o.fees_tracked = false;
    let json = serde_json::to_value(&events[0].event).unwrap();
    assert!(json.get("fees_tracked").is_some());
    let mut old = json.clone();
    old.as_object_mut().unwrap().remove("fees_tracked");
    events[0].event = serde_json::from_value(old).unwrap();
    sim.dossier = Dossier::replay(&events);
    sim.events = events;
    assert!(!sim.dossier.as_ref().unwrap().fees_tracked);
    sim.ok("2026-12-11 09:00", &counter(), ret());
}

#[test]
fn fees_the_postal_operator_collected_are_paid() {
    let mut sim = Sim::new();
    let new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    let postal = PostalIntake {
        bill_number: "EB123456789VN".into(),
        handover_record: "BB-01".into(),
        handover_signed_at: t("2026-12-07 08:00"),
        postal_worker: "Nguyễn Văn Bưu".into(),
        fees_collected: 5_000,
    };
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveByPost { new, postal },
    );
    let d = sim.dossier.as_ref().unwrap();
    assert_eq!(d.fees_outstanding(), 0);
    assert_eq!(d.payments[0].method, PaymentMethod::Postal);
    assert_eq!(d.payments[0].reference.as_deref(), Some("EB123456789VN"));
}

#[test]
fn a_transaction_is_recorded_once_and_online_money_only_by_the_gateways_confirmation() {
    let mut sim = Sim::received_unpaid();
    let transfer = |amount: i64, reference: &str| Command::RecordPayment {
        amount,
        method: PaymentMethod::BankTransfer,
        reference: Some(reference.into()),
        payer: None,
    };
    sim.ok("2026-12-07 09:05", &counter(), transfer(2_000, "FT001"));
    // The same bank transaction again (a statement imported twice, a double click).
    assert_eq!(
        code(
            &mut sim,
            "2026-12-07 09:06",
            &counter(),
            transfer(3_000, "FT001")
        ),
        "payment_recorded"
    );
    sim.ok("2026-12-07 09:07", &counter(), transfer(1_000, "FT002"));
    let online = |reference: &str| Command::RecordPayment {
        amount: 2_000,
        method: PaymentMethod::Online,
        reference: Some(reference.into()),
        payer: None,
    };
    // An officer cannot say money came online; the gateway's confirmation (the system) does.
    assert_eq!(
        code(&mut sim, "2026-12-07 09:08", &counter(), online("a1")),
        "forbidden"
    );
    sim.ok(
        "2026-12-07 09:09",
        &domain::officer::Actor::System,
        online("a1"),
    );
    let d = sim.dossier.as_ref().unwrap();
    assert_eq!(
        (d.fees_paid(), d.fees_outstanding(), d.payments.len()),
        (5_000, 0, 3)
    );
    assert!(d.paid_online());
}

#[test]
fn a_payment_method_code_is_its_serde_name_and_parses_back() {
    for m in PaymentMethod::ALL {
        assert_eq!(serde_json::to_value(m).unwrap(), m.code());
        assert_eq!(PaymentMethod::parse(m.code()), Some(m));
    }
    assert_eq!(PaymentMethod::parse("Cash"), None);
    assert_eq!(PaymentMethod::parse(""), None);
}

/// A procedure that collects its fees at return: the return itself records the payment (and its
/// receipt) in the same decision, or is refused saying so; nothing is collected for a procedure
/// paid on submission, or once a dossier owes nothing.
#[test]
fn fees_paid_at_return_are_collected_by_the_return_itself() {
    let mut sim = Sim::result_ready_unpaid(true);
    assert!(sim.d().collects_at_return());
    let refused = sim.run("2026-12-11 09:00", &counter(), ret()).unwrap_err();
    assert_eq!(refused.code, "fees_unpaid");
    assert!(
        refused.message.contains("nộp khi nhận kết quả"),
        "{}",
        refused.message
    );
    let collecting = |method: PaymentMethod, reference: Option<&str>| Command::Return {
        received_by: "Lù Văn Páo".into(),
        originals_returned: vec![],
        postal_bill: None,
        collected: Some(Collection {
            method,
            reference: reference.map(String::from),
            payer: None,
        }),
    };
    // A transfer needs its reference: nothing is written.
    let before = sim.events.len();
    assert_eq!(
        code(
            &mut sim,
            "2026-12-11 09:01",
            &counter(),
            collecting(PaymentMethod::BankTransfer, None)
        ),
        "reference_required"
    );
    assert_eq!(sim.events.len(), before);
    // Only the gateway records an online payment.
    assert_eq!(
        code(
            &mut sim,
            "2026-12-11 09:01",
            &counter(),
            collecting(PaymentMethod::Online, Some("1234"))
        ),
        "forbidden"
    );
    sim.issue_receipt(7);
    sim.ok(
        "2026-12-11 09:02",
        &counter(),
        collecting(PaymentMethod::Cash, None),
    );
    let kinds: Vec<&str> = sim.events[before..]
        .iter()
        .map(|e| e.event.kind())
        .collect();
    assert_eq!(kinds, ["fee_paid", "receipt_issued", "returned"]);
    let d = sim.d();
    assert_eq!((d.fees_paid(), d.fees_outstanding()), (5_000, 0));
    assert_eq!(d.stage, Stage::Returned);
    assert_eq!(d.receipts[0].number, 7);
    assert_eq!(d.payments[0].payer, d.applicant.display_name());
    assert!(!d.collects_at_return());
    assert_eq!(
        Dossier::replay(&sim.events).as_ref(),
        Some(d),
        "the events say it all"
    );

    // Paid on submission: the return collects nothing, and is refused while fees are owed.
    let mut sim = ready_unpaid();
    assert!(!sim.d().collects_at_return());
    assert_eq!(
        code(
            &mut sim,
            "2026-12-11 09:00",
            &counter(),
            collecting(PaymentMethod::Cash, None)
        ),
        "fees_unpaid"
    );
    // Paid at return but already paid: nothing to collect.
    let mut sim = Sim::result_ready_unpaid(true);
    sim.ok("2026-12-11 08:00", &counter(), pay_cash(5_000));
    assert_eq!(
        code(
            &mut sim,
            "2026-12-11 09:00",
            &counter(),
            collecting(PaymentMethod::Cash, None)
        ),
        "nothing_to_collect"
    );
    sim.ok("2026-12-11 09:00", &counter(), ret());
}
