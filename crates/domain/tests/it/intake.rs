//! Reception rules: vn-framework §1.6 steps 0–2, §1.8 and §6 (ND 61/2018 Art. 15–18,
//! QĐ 45/2016 Art. 7).

use domain::dossier::*;
use domain::procedure::OnlineKind;
use testsupport::kit::*;

#[test]
fn counter_intake_of_a_complete_dossier_issues_a_code_and_an_appointment() {
    let sim = Sim::received();
    let d = sim.d();
    assert_eq!(d.stage, Stage::Received);
    assert_eq!(d.stage.national_status().code(), 2);
    assert_eq!(d.code.as_str(), "000.22.22.H38-261207-0001");
    // Reception day not counted: 8, 9, 10, 11 and 14 December.
    assert_eq!(rfc(d.due), "2026-12-14T17:00:00+07:00");
    assert_eq!(d.appointment, d.due);
    assert_eq!(d.original_appointment, d.due);
    assert_eq!(d.fees[0].amount, 5_000);
    assert_eq!(
        d.current_step().unwrap().handler.as_ref().unwrap().name,
        "Lò Thị Mai"
    );
}

#[test]
fn an_incomplete_dossier_is_not_received_and_the_officer_gives_guidance() {
    let mut sim = Sim::new();
    let err = sim
        .run(
            "2026-12-07 09:00",
            &counter(),
            Command::ReceiveAtCounter {
                new: new_dossier(procedure(), &["to-khai"]),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "incomplete_dossier");
    assert!(
        err.message
            .contains("Bản sao giấy tờ có thông tin khai sinh"),
        "{}",
        err.message
    );
    assert!(sim.events.is_empty());
}

#[test]
fn a_component_replaceable_by_data_may_be_looked_up_instead() {
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.components[1].by_data = true;
    new.components[1].copies = 0;
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveAtCounter { new },
    );
    assert!(sim.d().components[1].by_data);
    // A component that is not replaceable cannot be.
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.components[0].by_data = true;
    let err = Sim::new()
        .run(
            "2026-12-07 09:00",
            &counter(),
            Command::ReceiveAtCounter { new },
        )
        .unwrap_err();
    assert_eq!(err.code, "not_replaceable");
}

#[test]
fn refusal_at_the_counter_has_status_3_and_a_reason() {
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::RefuseAtCounter {
            new: new_dossier(procedure(), &["to-khai"]),
            reason: "Yêu cầu không thuộc thẩm quyền của UBND xã".into(),
            legal_basis: "Luật Hộ tịch 2014, Điều 25".into(),
        },
    );
    let d = sim.d();
    assert_eq!(d.stage.national_status().code(), 3);
    assert!(d.due.is_none());
    assert_eq!(
        d.refusal.as_ref().unwrap().legal_basis,
        "Luật Hộ tịch 2014, Điều 25"
    );
    // A refusal without a reason is not a refusal.
    let err = Sim::new()
        .run(
            "2026-12-07 09:00",
            &counter(),
            Command::RefuseAtCounter {
                new: new_dossier(procedure(), &[]),
                reason: "  ".into(),
                legal_basis: "x".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "required");
}

#[test]
fn online_submission_waits_in_the_queue_with_status_1_and_no_clock() {
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-05 21:00",
        &citizen(),
        Command::SubmitOnline {
            new: online_dossier(procedure(), &["to-khai", "giay-to"]),
        },
    );
    assert_eq!(sim.d().stage.national_status().code(), 1);
    assert!(sim.d().due.is_none());
    assert!(sim.d().received_at.is_none());
}

#[test]
fn accepting_an_online_dossier_starts_the_clock_at_acceptance() {
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-05 21:00",
        &citizen(),
        Command::SubmitOnline {
            new: online_dossier(procedure(), &["to-khai", "giay-to"]),
        },
    )
    .ok("2026-12-07 08:30", &counter(), Command::AcceptOnline);
    let d = sim.d();
    assert_eq!(rfc(d.received_at), "2026-12-07T08:30:00+07:00");
    assert_eq!(rfc(d.due), "2026-12-14T17:00:00+07:00");
    // ND 61 Art. 18: online dossiers are transferred at once (within the configured grace).
    assert_eq!(
        rfc(d.current_step().unwrap().due),
        "2026-12-07T09:30:00+07:00"
    );
}

#[test]
fn an_online_submission_waits_under_a_provisional_reference_and_gets_its_code_at_reception() {
    let mut new = online_dossier(procedure(), &["to-khai", "giay-to"]);
    new.code = domain::ids::DossierCode::parse("000.22.22.H38-261205-T000001").unwrap();
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-05 21:00",
        &citizen(),
        Command::SubmitOnline { new },
    );
    assert!(sim.d().code.is_provisional());
    // Without a code issued by the store, reception is refused and nothing changes.
    let err = sim
        .run("2026-12-07 08:30", &counter(), Command::AcceptOnline)
        .unwrap_err();
    assert_eq!(err.code, "code_not_issued");
    assert_eq!(sim.d().stage, Stage::Submitted);
    // TT 01/2018 Art. 19: the code carries the date of reception, not of submission.
    sim.issue_code("000.22.22.H38-261207-0003");
    sim.ok("2026-12-07 08:30", &counter(), Command::AcceptOnline);
    let d = sim.d();
    assert_eq!(d.code.as_str(), "000.22.22.H38-261207-0003");
    assert_eq!(
        d.provisional_code.as_ref().map(|c| c.as_str()),
        Some("000.22.22.H38-261205-T000001")
    );
    assert_eq!(d.stage.national_status().code(), 2);
    // The replay gives the same state.
    assert_eq!(Dossier::replay(&sim.events).as_ref(), Some(d));
}

#[test]
fn a_procedure_without_online_service_refuses_online_submission() {
    let mut p = procedure();
    p.online = OnlineKind::None;
    let err = Sim::new()
        .run(
            "2026-12-05 21:00",
            &citizen(),
            Command::SubmitOnline {
                new: online_dossier(p, &["to-khai"]),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "channel_not_offered");
}

#[test]
fn online_guidance_is_given_once_and_completely() {
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-05 21:00",
        &citizen(),
        Command::SubmitOnline {
            new: online_dossier(procedure(), &["to-khai", "giay-to"]),
        },
    )
    .ok(
        "2026-12-07 08:30",
        &counter(),
        Command::RequestIntakeSupplement {
            items: vec![SupplementItem {
                component: Some("to-khai".into()),
                text: "Tờ khai thiếu chữ ký".into(),
            }],
            reason: "Tờ khai chưa hợp lệ".into(),
        },
    );
    assert_eq!(sim.d().stage, Stage::IntakeSupplement);
    assert_eq!(sim.d().stage.national_status().code(), 5);
    assert!(sim.d().due.is_none(), "no clock before reception");
    sim.ok(
        "2026-12-07 20:00",
        &citizen(),
        Command::SubmitSupplement {
            components: vec![component("to-khai")],
            note: "Đã ký".into(),
        },
    );
    assert_eq!(sim.d().stage, Stage::Submitted);
    // A second round may not raise something new about a document not resubmitted.
    let err = sim
        .run(
            "2026-12-08 08:30",
            &counter(),
            Command::RequestIntakeSupplement {
                items: vec![SupplementItem {
                    component: Some("giay-to".into()),
                    text: "Bản sao mờ".into(),
                }],
                reason: "x".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "guidance_not_once");
    // …but it may about the document just resubmitted.
    sim.ok(
        "2026-12-08 08:30",
        &counter(),
        Command::RequestIntakeSupplement {
            items: vec![SupplementItem {
                component: Some("to-khai".into()),
                text: "Chữ ký không khớp với người khai".into(),
            }],
            reason: "Tờ khai nộp lại chưa hợp lệ".into(),
        },
    );
    assert_eq!(sim.d().supplements.len(), 2);
    assert!(sim.d().supplements.iter().all(|s| s.at_intake));
}

#[test]
fn postal_submission_time_is_the_handover_signature() {
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveByPost {
            new: new_dossier(procedure(), &["to-khai", "giay-to"]),
            postal: PostalIntake {
                bill_number: "EB123456789VN".into(),
                handover_record: "BB-0412".into(),
                handover_signed_at: t("2026-12-04 16:00"),
                postal_worker: "Nguyễn Văn Bưu".into(),
                fees_collected: 5_000,
            },
        },
    );
    let d = sim.d();
    assert_eq!(d.channel.national_code(), 3);
    assert_eq!(rfc(d.received_at), "2026-12-04T16:00:00+07:00");
    // Five working days from Friday 4/12: 7, 8, 9, 10, 11.
    assert_eq!(rfc(d.due), "2026-12-11T17:00:00+07:00");
    // Signed after 15:00: transferred at the start of the next working day.
    assert_eq!(
        rfc(d.current_step().unwrap().due),
        "2026-12-07T09:00:00+07:00"
    );
    assert_eq!(d.postal.as_ref().unwrap().bill_number, "EB123456789VN");
}

#[test]
fn a_procedure_not_offered_by_post_refuses_postal_intake() {
    let mut p = procedure();
    p.postal = false;
    let err = Sim::new()
        .run(
            "2026-12-07 09:00",
            &counter(),
            Command::ReceiveByPost {
                new: new_dossier(p, &["to-khai", "giay-to"]),
                postal: PostalIntake {
                    bill_number: "EB1".into(),
                    handover_record: "BB1".into(),
                    handover_signed_at: t("2026-12-07 08:00"),
                    postal_worker: "A".into(),
                    fees_collected: 0,
                },
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "channel_not_offered");
}

#[test]
fn an_immediate_result_procedure_is_received_decided_and_returned_at_once() {
    let mut p = procedure();
    p.immediate = true;
    p.limit = "trong ngày".parse().unwrap();
    p.steps.retain(|s| {
        matches!(
            s.kind,
            domain::procedure::StepKind::Reception | domain::procedure::StepKind::Return
        )
    });
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveAtCounter {
            new: new_dossier(p, &["to-khai", "giay-to"]),
        },
    );
    let d = sim.d();
    assert_eq!(sim.events.len(), 4);
    assert_eq!(d.stage, Stage::Returned);
    assert_eq!(d.stage.national_status().code(), 10);
    assert_eq!(
        d.code.as_str(),
        "000.22.22.H38-261207-0001",
        "still recorded with a code"
    );
    let timing = d
        .timing(&sim.cal, &sim.rules, t("2026-12-07 09:00"))
        .unwrap();
    assert_eq!(timing.tt01, Some(lich::Timeliness::OnTime));
}

#[test]
fn transfer_is_due_the_same_day_or_next_morning_after_the_cutoff() {
    let at = |time: &str| {
        let mut sim = Sim::new();
        sim.ok(
            time,
            &counter(),
            Command::ReceiveAtCounter {
                new: new_dossier(procedure(), &["to-khai", "giay-to"]),
            },
        );
        rfc(sim.d().current_step().unwrap().due)
    };
    assert_eq!(at("2026-12-07 14:59"), "2026-12-07T17:00:00+07:00");
    assert_eq!(at("2026-12-07 15:01"), "2026-12-08T09:00:00+07:00");
    // Friday after the cut-off: Monday morning.
    assert_eq!(at("2026-12-11 16:30"), "2026-12-14T09:00:00+07:00");
}

#[test]
fn a_transfer_goes_to_a_specialised_unit_of_the_competent_agency() {
    let mut sim = Sim::received();
    for (unit, code) in [
        ("lao-cai.so-tu-phap", "invalid_unit"),
        ("lao-cai.bao-thang.mot-cua", "invalid_unit"),
        ("lao-cai.khong-co", "agency_not_found"),
    ] {
        let err = sim
            .run(
                "2026-12-07 10:00",
                &counter(),
                Command::Transfer { to_unit: id(unit) },
            )
            .unwrap_err();
        assert_eq!(err.code, code, "{unit}");
    }
    sim.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
    );
    let step = sim.d().current_step().unwrap();
    assert_eq!(step.unit, id("lao-cai.bao-thang.vhxh"));
    // Appraisal has 3 working days (24 office hours) from the transfer.
    assert_eq!(rfc(step.due), "2026-12-10T10:00:00+07:00");
    assert_eq!(sim.d().stage.national_status().code(), 4);
}

#[test]
fn a_dossier_cannot_be_opened_twice() {
    let mut sim = Sim::received();
    let err = sim
        .run(
            "2026-12-07 09:05",
            &counter(),
            Command::ReceiveAtCounter {
                new: new_dossier(procedure(), &["to-khai", "giay-to"]),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "dossier_exists");
}

#[test]
fn details_from_data_need_their_source_and_count_in_the_information_reused() {
    use domain::dossier::{ApplicantField as F, DataSource as S};
    let filled = |fields: &[(F, S)]| -> Vec<Filled> {
        fields
            .iter()
            .map(|&(field, source)| Filled { field, source })
            .collect()
    };
    // A population field without the lookup, an identity field without VNeID: refused.
    for (vneid, source) in [(false, S::Population), (false, S::Identity)] {
        let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
        new.provenance = Provenance {
            vneid,
            population: None,
            filled: filled(&[(F::Name, source)]),
        };
        let err = Sim::new()
            .run(
                "2026-12-07 09:00",
                &counter(),
                Command::ReceiveAtCounter { new },
            )
            .unwrap_err();
        assert_eq!(err.code, "invalid_provenance", "{source:?}");
    }
    // A field the applicant does not have (an organisation's tax code): refused.
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.provenance.filled = filled(&[(F::TaxCode, S::EarlierDossier)]);
    assert!(
        Sim::new()
            .run(
                "2026-12-07 09:00",
                &counter(),
                Command::ReceiveAtCounter { new },
            )
            .is_err()
    );

    // Name, number and address from the lookup (named twice, counted once), a component
    // replaced by data.
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.components[1].by_data = true;
    new.components[1].copies = 0;
    new.provenance = Provenance {
        vneid: false,
        population: Some(PopulationLookup {
            reference: "CSDLDC-00000001".into(),
            at: t("2026-12-07 08:55"),
        }),
        filled: filled(&[
            (F::Address, S::Population),
            (F::Name, S::Population),
            (F::IdNumber, S::Population),
            (F::Name, S::Population),
        ]),
    };
    let mut sim = Sim::new();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveAtCounter { new },
    );
    let d = sim.d();
    assert_eq!(d.provenance.filled.len(), 3);
    let fields = d.applicant.fields().len() as u32;
    assert_eq!(
        d.information(),
        Information {
            asked: fields + 2,
            from_data: 4
        }
    );
    let facts = d.facts(&calendar(), &Default::default()).unwrap();
    let count = |m: Measure| facts.iter().filter(|f| f.measure == m).count() as u32;
    assert_eq!(count(Measure::InformationAsked), fields + 2);
    assert_eq!(count(Measure::InformationFromData), 4);
    assert_eq!(count(Measure::PopulationData), 1);
    assert_eq!(count(Measure::DataStoreLinked), 0);
}

/// Walk-through fault 3: an online dossier with nothing attached, a component without its
/// file, or a required component missing was accepted and given a code.
#[test]
fn an_online_dossier_needs_its_required_components_each_with_its_file() {
    let refused = |new| {
        Sim::new()
            .run(
                "2026-12-05 21:00",
                &citizen(),
                Command::SubmitOnline { new },
            )
            .unwrap_err()
    };
    let err = refused(new_dossier(procedure(), &[]));
    assert_eq!(err.code, "incomplete_dossier");
    assert!(
        err.message.contains("chưa đính kèm thành phần nào"),
        "{}",
        err.message
    );
    let err = refused(new_dossier(procedure(), &["to-khai", "giay-to"]));
    assert_eq!(err.code, "missing_file");
    assert!(
        err.message.contains("chưa đính kèm bản điện tử"),
        "{}",
        err.message
    );
    let err = refused(online_dossier(procedure(), &["to-khai"]));
    assert_eq!(err.code, "incomplete_dossier");
    // Looked up from data instead of a file: accepted where the procedure allows it.
    let mut p = procedure();
    p.components[1].replaceable_by_data = true;
    let mut new = online_dossier(p, &["to-khai", "giay-to"]);
    new.components[1].files.clear();
    new.components[1].by_data = true;
    new.components[1].copies = 0;
    Sim::new().ok(
        "2026-12-05 21:00",
        &citizen(),
        Command::SubmitOnline { new },
    );
}
