//! Biên lai điện tử (ND 254/2026): a payment issues its receipt when the store gives a number
//! from the collecting organisation's series, the payment spread over the fee lines; a receipt
//! is replaced by a new number or cancelled, with a reason; only the system records its signed
//! documents.

use domain::dossier::*;
use domain::officer::Actor;
use testsupport::kit::*;

fn code(sim: &mut Sim, at: &str, actor: &Actor, command: Command) -> String {
    sim.run(at, actor, command).unwrap_err().code.to_string()
}

fn key(number: u32) -> ReceiptKey {
    ReceiptKey {
        series: "BT-26E".into(),
        number,
    }
}

#[test]
fn a_payment_issues_a_receipt_only_with_a_number_and_spreads_over_the_fee_lines() {
    // No series (receipts on paper): the payment alone.
    let sim = Sim::received();
    assert!(sim.d().receipts.is_empty());

    // Paid 5.000 at the counter (no receipt then), then two more obligations.
    let mut sim = Sim::in_appraisal();
    for (name, amount) in [("Lệ phí trước bạ", 20_000), ("Phí thẩm định", 10_000)] {
        sim.ok(
            "2026-12-08 09:00",
            &specialist(),
            Command::AddFee {
                name: name.into(),
                amount,
                legal_basis: "Thông báo số 12/TB-CCT".into(),
            },
        );
    }
    sim.issue_receipt(1);
    sim.ok("2026-12-08 10:00", &counter(), pay_cash(25_000));
    sim.issue_receipt(2);
    sim.ok(
        "2026-12-08 11:00",
        &counter(),
        Command::RecordPayment {
            amount: 5_000,
            method: PaymentMethod::BankTransfer,
            reference: Some("FT26342123456".into()),
            payer: Some("Lù Thị Mai".into()),
        },
    );
    let d = sim.d();
    assert_eq!(d.receipts.len(), 2);
    let (first, second) = (&d.receipts[0], &d.receipts[1]);
    assert_eq!((first.series.as_str(), first.number), ("BT-26E", 1));
    assert_eq!(first.template, "01BLP0-001");
    assert_eq!(first.tax_code, "5300236214");
    assert_eq!(first.amount, 25_000);
    let lines = |r: &Receipt| -> Vec<(String, i64)> {
        r.items.iter().map(|i| (i.name.clone(), i.amount)).collect()
    };
    assert_eq!(
        lines(first),
        vec![
            ("Lệ phí trước bạ".into(), 20_000),
            ("Phí thẩm định".into(), 5_000)
        ]
    );
    assert_eq!(lines(second), vec![("Phí thẩm định".into(), 5_000)]);
    assert_eq!(first.payer, d.applicant.display_name());
    assert_eq!(second.payer, "Lù Thị Mai");
    assert_eq!(second.reference.as_deref(), Some("FT26342123456"));
    assert!(first.valid() && first.files.is_none());
    assert_eq!(d.unsigned_receipts().count(), 2);
    // A refused payment takes no number: the next one gets it.
    sim.issue_receipt(3);
    assert_eq!(
        code(&mut sim, "2026-12-08 12:00", &counter(), pay_cash(1)),
        "nothing_to_pay"
    );
    assert_eq!(sim.d().receipts.len(), 2);
}

#[test]
fn a_receipt_is_replaced_by_a_new_number_or_cancelled_with_a_reason_and_only_once() {
    let mut sim = Sim::received_unpaid();
    sim.issue_receipt(7);
    sim.ok("2026-12-07 09:05", &counter(), pay_cash(5_000));
    let replace = |number: u32, reason: &str| Command::ReplaceReceipt {
        receipt: key(number),
        payer: Some("Lò Văn Páo".into()),
        reason: reason.into(),
    };
    // A replacement needs a reason and a new number.
    sim.issue_receipt(8);
    assert_eq!(
        code(&mut sim, "2026-12-07 09:10", &counter(), replace(7, " ")),
        "required"
    );
    assert_eq!(
        code(
            &mut sim,
            "2026-12-07 09:10",
            &counter(),
            replace(7, "Sai tên")
        ),
        "no_receipt_book"
    );
    assert_eq!(
        code(
            &mut sim,
            "2026-12-07 09:10",
            &counter(),
            replace(99, "Sai tên")
        ),
        "receipt_not_found"
    );
    sim.issue_receipt(8);
    sim.ok(
        "2026-12-07 09:10",
        &counter(),
        replace(7, "Ghi sai tên người nộp"),
    );
    let d = sim.d();
    let (old, new) = (&d.receipts[0], &d.receipts[1]);
    let c = old.cancelled.as_ref().unwrap();
    assert_eq!(c.replaced_by, Some(key(8)));
    assert_eq!(c.reason, "Ghi sai tên người nộp");
    assert_eq!(new.replaces, Some(key(7)));
    assert_eq!((new.payer.as_str(), new.amount), ("Lò Văn Páo", 5_000));
    assert_eq!(new.items, old.items);
    // The money is still paid once.
    assert_eq!((d.fees_paid(), d.fees_outstanding()), (5_000, 0));
    sim.issue_receipt(9);
    assert_eq!(
        code(
            &mut sim,
            "2026-12-07 09:20",
            &counter(),
            replace(7, "Lần nữa")
        ),
        "receipt_cancelled"
    );
    let cancel = Command::CancelReceipt {
        receipt: key(8),
        reason: "Lập nhầm".into(),
    };
    sim.ok("2026-12-07 09:30", &leader(), cancel.clone());
    assert!(!sim.d().receipts[1].valid());
    assert_eq!(
        code(&mut sim, "2026-12-07 09:40", &leader(), cancel),
        "no_valid_receipt"
    );
}

#[test]
fn only_the_system_records_a_receipts_signed_documents_and_only_once() {
    let mut sim = Sim::received_unpaid();
    sim.issue_receipt(1);
    sim.ok("2026-12-07 09:05", &counter(), pay_cash(5_000));
    use domain::policy::may_command;
    let d = sim.d().clone();
    let may = |actor: &Actor, kind| may_command(actor, &d, kind, None, false, &sim.tree).is_ok();
    assert!(may(&Actor::System, CommandKind::SignReceipt));
    for officer in [counter(), leader(), clerk()] {
        assert!(!may(&officer, CommandKind::SignReceipt));
    }
    assert!(
        may(&counter(), CommandKind::ReplaceReceipt)
            && !may(&counter(), CommandKind::CancelReceipt)
    );
    assert!(may(&leader(), CommandKind::CancelReceipt));

    let sign = Command::SignReceipt {
        receipt: key(1),
        files: ReceiptFiles {
            xml: file_ref("bien-lai.xml"),
            pdf: file_ref("bien-lai.pdf"),
        },
    };
    sim.ok("2026-12-07 09:06", &Actor::System, sign.clone());
    assert_eq!(
        sim.d().receipts[0].files.as_ref().unwrap().pdf.name,
        "bien-lai.pdf"
    );
    assert_eq!(sim.d().unsigned_receipts().count(), 0);
    assert_eq!(
        code(&mut sim, "2026-12-07 09:07", &Actor::System, sign),
        "nothing_to_sign"
    );
}
