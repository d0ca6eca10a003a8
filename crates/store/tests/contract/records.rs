//! The catalogue (procedure versions, units), files, closures and the administration log, the
//! outbox, and the report counters.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use domain::dossier::*;
use domain::unit::{AdminUnit, Regime, Succession, UnitLevel};
use store::{Db, StoreError};
use testsupport::kit::*;

use super::*;

fn on(d: &str) -> NaiveDate {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}

pub async fn procedure_versions_are_chosen_by_date_and_never_rewritten(db: &Db) {
    let v1 = procedure();
    let mut v2 = procedure();
    v2.version = 2;
    v2.effective_from = on("2027-01-01");
    v2.limit = "3 ngày làm việc".parse().unwrap();
    assert_eq!(
        db.import_procedures(&[v1.clone(), v2.clone()])
            .await
            .unwrap(),
        2
    );
    // The same content again: nothing new, no error.
    assert_eq!(
        db.import_procedures(std::slice::from_ref(&v1))
            .await
            .unwrap(),
        0
    );
    let code = v1.code.as_str();
    let in_force = |day: &'static str| async move {
        db.procedure_in_force(code, on(day))
            .await
            .unwrap()
            .map(|v| v.version)
    };
    assert_eq!(in_force("2026-12-31").await, Some(1));
    assert_eq!(in_force("2027-01-01").await, Some(2));
    assert_eq!(in_force("2025-06-30").await, None);
    assert_eq!(
        db.procedures_in_force(on("2027-02-01")).await.unwrap()[0].version,
        2
    );
    assert_eq!(
        db.procedure_versions(code)
            .await
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    // A changed version 1, even beside a valid new version 3, is refused and nothing is written.
    let mut changed = v1.clone();
    changed.limit = "10 ngày làm việc".parse().unwrap();
    let mut v3 = v2.clone();
    v3.version = 3;
    v3.effective_from = on("2028-01-01");
    assert!(matches!(
        db.import_procedures(&[v3, changed]).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(db.all_procedure_versions().await.unwrap().len(), 2);
    // Read again (a backend may keep what it read), each version is still the one stored.
    for _ in 0..2 {
        assert_eq!(
            db.procedure_in_force(code, on("2026-12-31")).await.unwrap(),
            Some(v1.clone())
        );
        assert_eq!(
            db.procedure_in_force(code, on("2027-06-01")).await.unwrap(),
            Some(v2.clone())
        );
    }
    // Versions are found by folded full-text search, with or without diacritics.
    let found = db.search_procedures("\"dang\" \"ky\"", 10).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        db.search_procedures("\"ket\" \"hon\"", 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Where a procedure is offered.
    let places = ["lao-cai.bao-thang".to_string(), "lao-cai.sa-pa".to_string()];
    db.set_procedure_agencies(code, &places, None)
        .await
        .unwrap();
    assert_eq!(db.procedure_agencies(code).await.unwrap(), places);
    db.set_procedure_agencies(code, &places[1..], None)
        .await
        .unwrap();
    assert_eq!(db.procedure_agencies(code).await.unwrap(), &places[1..]);
}

pub async fn units_are_replaced_whole(db: &Db) {
    let unit = |regime, code: &str, name: &str, level, parent: Option<&str>| AdminUnit {
        regime,
        code: code.into(),
        name: name.into(),
        level,
        kind: "xã".into(),
        parent: parent.map(str::to_string),
    };
    let units = vec![
        unit(
            Regime::ThreeLevel,
            "10",
            "Tỉnh Lào Cai",
            UnitLevel::Province,
            None,
        ),
        unit(
            Regime::ThreeLevel,
            "085",
            "Huyện Bảo Thắng",
            UnitLevel::District,
            Some("10"),
        ),
        unit(
            Regime::ThreeLevel,
            "02938",
            "Thị trấn Phố Lu",
            UnitLevel::Commune,
            Some("085"),
        ),
        unit(
            Regime::ThreeLevel,
            "02941",
            "Xã Sơn Hải",
            UnitLevel::Commune,
            Some("085"),
        ),
        unit(
            Regime::TwoLevel,
            "15",
            "Tỉnh Lào Cai",
            UnitLevel::Province,
            None,
        ),
        unit(
            Regime::TwoLevel,
            "02938",
            "Xã Bảo Thắng",
            UnitLevel::Commune,
            Some("15"),
        ),
    ];
    let successions = vec![Succession {
        old_code: "02941".into(),
        new_code: "02938".into(),
        effective: on("2025-07-01"),
        legal_basis: "Nghị quyết 1673/NQ-UBTVQH15".into(),
    }];
    for _ in 0..2 {
        db.replace_units(&units, &successions).await.unwrap();
    }
    assert_eq!(
        db.count_units(Regime::ThreeLevel, "commune").await.unwrap(),
        2
    );
    assert_eq!(
        db.count_units(Regime::TwoLevel, "commune").await.unwrap(),
        1
    );
    let (got, got_successions) = db.units().await.unwrap();
    assert_eq!(got.len(), units.len());
    assert!(got.contains(&units[3]));
    assert_eq!(got_successions, successions);
    // A set with a unit twice is refused whole: the units before stay.
    let mut twice = units.clone();
    twice.push(units[0].clone());
    assert!(matches!(
        db.replace_units(&twice, &[]).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(db.units().await.unwrap().1, successions);
}

pub async fn files_are_stored_once_and_owned_by_their_uploaders(db: &Db) {
    let content = b"%PDF-1.7 to khai";
    let hash = "a".repeat(64);
    db.put_attachment(&hash, "application/pdf", content, "officer:mai", 1)
        .await
        .unwrap();
    db.put_attachment(&hash, "application/pdf", content, "citizen:010090012345", 2)
        .await
        .unwrap();
    let stored = db.attachment(&hash).await.unwrap().unwrap();
    assert_eq!(
        (stored.media_type.as_str(), stored.content.as_slice()),
        ("application/pdf", &content[..])
    );
    assert!(db.attachment(&"b".repeat(64)).await.unwrap().is_none());
    db.put_attachment(&"9".repeat(64), "image/png", b"png", "officer:mai", 3)
        .await
        .unwrap();
    assert_eq!(
        db.attachment_hashes(None, 1).await.unwrap(),
        vec!["9".repeat(64)]
    );
    assert_eq!(
        db.attachment_hashes(Some(&"9".repeat(64)), 10)
            .await
            .unwrap(),
        vec![hash.clone()]
    );
    assert!(
        db.attachment_hashes(Some(&hash), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let asked = vec![hash.clone(), "c".repeat(64)];
    let mine = db.uploads_of("officer:mai", &asked).await.unwrap();
    assert_eq!(
        mine,
        [store::StoredFile {
            sha256: hash.clone(),
            media_type: "application/pdf".into(),
            size: content.len() as u64,
        }]
    );
    assert!(
        db.uploads_of("officer:lan", &asked)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.uploads_of("citizen:010090012345", &asked)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn closures_and_the_administration_log(db: &Db) {
    let closure = |day: &str| store::StoredClosure {
        id: uuid::Uuid::now_v7(),
        agency: "lao-cai.bao-thang".into(),
        from_day: day.into(),
        to_day: day.into(),
        reason: "Bão số 3".into(),
        basis: "Công văn 12/UBND".into(),
        active: true,
    };
    let first = closure("2026-12-08");
    let second = closure("2026-12-09");
    db.add_closure(&first, &entry("đóng cửa", "08/12"))
        .await
        .unwrap();
    db.add_closure(&second, &entry("đóng cửa", "09/12"))
        .await
        .unwrap();
    assert_eq!(
        db.closures().await.unwrap(),
        [second.clone(), first.clone()]
    );
    assert!(
        db.withdraw_closure(first.id, &entry("hủy đóng cửa", "08/12"))
            .await
            .unwrap()
    );
    assert!(
        !db.withdraw_closure(first.id, &entry("hủy đóng cửa", "08/12"))
            .await
            .unwrap()
    );
    assert!(
        !db.withdraw_closure(uuid::Uuid::nil(), &entry("hủy đóng cửa", "?"))
            .await
            .unwrap()
    );
    let kept = db.closures().await.unwrap();
    assert_eq!(kept.len(), 2, "a withdrawn closure is kept");
    assert!(!kept.iter().find(|c| c.id == first.id).unwrap().active);
    db.admin_log(&entry("nhập thủ tục", "3 phiên bản"))
        .await
        .unwrap();
    let lines = db.admin_log_lines(10).await.unwrap();
    let details: Vec<&str> = lines.iter().map(|l| l.detail.as_str()).collect();
    assert_eq!(details, ["3 phiên bản", "08/12", "09/12", "08/12"]);
    assert_eq!(lines[0].actor, "Quản trị hệ thống");
    assert_eq!(db.admin_log_lines(2).await.unwrap().len(), 2);
}

pub async fn reads_of_personal_data_are_kept_newest_first(db: &Db) {
    let (officer, dossier, other) = (
        uuid::Uuid::from_u128(7),
        uuid::Uuid::from_u128(8),
        uuid::Uuid::from_u128(9),
    );
    let read = |at: &str, d, file: Option<(&str, &str)>| store::PersonalDataRead {
        at_ms: t(at).timestamp_millis(),
        officer,
        officer_name: "motcua.baothang".into(),
        dossier: d,
        code: "000.01.61.H38-261207-0001".into(),
        file: file.map(|(s, n)| (s.to_string(), n.to_string())),
    };
    let first = read("2026-12-07 09:00", dossier, None);
    let second = read("2026-12-07 09:01", dossier, Some(("ab12", "to-khai.pdf")));
    // The same officer opening the same thing twice in a millisecond is two reads.
    for r in [
        &first,
        &second,
        &second,
        &read("2026-12-07 09:02", other, None),
    ] {
        db.record_read(r).await.unwrap();
    }
    assert_eq!(
        db.reads_of_dossier(dossier, 10).await.unwrap(),
        vec![second.clone(), second.clone(), first.clone()]
    );
    assert_eq!(db.reads_of_dossier(dossier, 1).await.unwrap().len(), 1);
    assert!(
        db.reads_of_dossier(uuid::Uuid::nil(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // One officer's reads across dossiers, in a time window (from included, until excluded).
    let third = read("2026-12-07 09:02", other, None);
    let another = store::PersonalDataRead {
        officer: uuid::Uuid::from_u128(10),
        officer_name: "chuyenvien.baothang".into(),
        ..read("2026-12-07 09:01", other, None)
    };
    db.record_read(&another).await.unwrap();
    let ms = |at: &str| t(at).timestamp_millis();
    assert_eq!(
        db.reads_by_officer(officer, ms("2026-12-07 00:00"), ms("2026-12-08 00:00"), 10)
            .await
            .unwrap(),
        vec![third.clone(), second.clone(), second.clone(), first.clone()]
    );
    assert_eq!(
        db.reads_by_officer(officer, ms("2026-12-07 09:01"), ms("2026-12-07 09:02"), 10)
            .await
            .unwrap(),
        vec![second.clone(), second.clone()]
    );
    assert_eq!(
        db.reads_by_officer(officer, ms("2026-12-07 00:00"), ms("2026-12-08 00:00"), 1)
            .await
            .unwrap(),
        vec![third]
    );
    assert_eq!(
        db.reads_by_officer(another.officer, 0, i64::MAX, 10)
            .await
            .unwrap(),
        vec![another]
    );
}

pub async fn national_messages_of_a_dossier_are_claimed_in_order_and_acks_kept(db: &Db) {
    let now = t("2026-12-07 07:00");
    let lease = t("2026-12-07 07:10");
    let (x, y) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
    let national = |key: &str, dossier| store::NewMessage {
        dossier: Some(dossier),
        ..message(key, store::Channel::National)
    };
    let batch = [
        national("x1", x),
        national("y1", y),
        national("x2", x),
        national("x3", x),
        message("mail", store::Channel::Email),
    ];
    assert_eq!(db.enqueue_messages(&batch, now).await.unwrap(), 5);
    let keys = |ms: &[store::StoredMessage]| {
        ms.iter()
            .map(|m| m.idempotency_key.clone())
            .collect::<Vec<_>>()
    };
    let first = db.claim_messages(now, lease, 10).await.unwrap();
    assert_eq!(
        keys(&first),
        ["x1", "y1", "mail"],
        "one message per dossier at a time; other channels are not held"
    );
    // x1 fails: x2 waits behind it, even once x1's retry is due and it is claimed again.
    db.message_failed(first[0].id, "503", Some(t("2026-12-07 07:01")))
        .await
        .unwrap();
    db.message_sent(first[1].id, now).await.unwrap();
    db.message_sent(first[2].id, now).await.unwrap();
    let at = t("2026-12-07 07:20");
    let second = db
        .claim_messages(at, t("2026-12-07 07:30"), 10)
        .await
        .unwrap();
    assert_eq!(keys(&second), ["x1"]);
    db.message_sent(second[0].id, at).await.unwrap();
    let third = db
        .claim_messages(at, t("2026-12-07 07:30"), 10)
        .await
        .unwrap();
    assert_eq!(keys(&third), ["x2"]);
    // A dead message holds the rest of its dossier.
    db.message_failed(third[0].id, "400", None).await.unwrap();
    assert!(
        db.claim_messages(at, t("2026-12-07 07:30"), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let ack = |version, status, received: &str| store::NationalAck {
        dossier: x,
        code: "000.00.04.H38-261207-0001".into(),
        receiving: "lao-cai.bao-thang.mot-cua".into(),
        agency: "lao-cai.bao-thang".into(),
        procedure: "1.004884".into(),
        received_at: Some(t(received)),
        version,
        status,
        first_at: at,
        last_at: at,
    };
    db.national_acknowledged(&ack(3, 4, "2026-12-07 07:00"))
        .await
        .unwrap();
    db.national_acknowledged(&ack(2, 2, "2026-12-07 07:00"))
        .await
        .unwrap();
    let kept = db.national_ack(x).await.unwrap().unwrap();
    assert_eq!(
        (kept.version, kept.status),
        (3, 4),
        "an older acknowledgement does not win"
    );
    assert_eq!(
        db.national_acks(t("2026-12-07 00:00"), t("2026-12-08 00:00"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        db.national_acks(t("2026-12-08 00:00"), t("2026-12-09 00:00"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(db.national_ack(y).await.unwrap().is_none());
}

pub async fn outbox_messages_are_enqueued_once_leased_retried_and_end_dead(db: &Db) {
    let now = t("2026-12-07 07:00");
    let batch = [
        message("a", store::Channel::Email),
        message("b", store::Channel::Sms),
    ];
    assert_eq!(db.enqueue_messages(&batch, now).await.unwrap(), 2);
    assert_eq!(
        db.enqueue_messages(&batch, now).await.unwrap(),
        0,
        "the same keys are not enqueued twice"
    );
    let lease = t("2026-12-07 07:10");
    let claimed = db.claim_messages(now, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(
        db.claim_messages(now, lease, 10).await.unwrap().is_empty(),
        "a leased message is not claimed again before the lease ends"
    );
    db.message_sent(claimed[0].id, now).await.unwrap();
    db.message_failed(
        claimed[1].id,
        "503 từ cổng SMS",
        Some(t("2026-12-07 07:01")),
    )
    .await
    .unwrap();
    let failing = db.failed_messages(10).await.unwrap();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].attempts, 1);
    assert_eq!(failing[0].last_error.as_deref(), Some("503 từ cổng SMS"));

    let again = db
        .claim_messages(t("2026-12-07 07:01"), lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    db.message_failed(again[0].id, "503 từ cổng SMS", None)
        .await
        .unwrap();
    let dead = db.message(again[0].id).await.unwrap().unwrap();
    assert_eq!(dead.state, store::MessageState::Dead);
    assert_eq!(dead.attempts, 2);
    assert!(
        db.claim_messages(t("2026-12-08 07:00"), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let entry = entry("gửi lại thư", "b");
    assert!(db.retry_message(dead.id, now, &entry).await.unwrap());
    assert!(
        !db.retry_message(claimed[0].id, now, &entry).await.unwrap(),
        "a sent message is not sent again"
    );
    let back = db.message(dead.id).await.unwrap().unwrap();
    assert_eq!(
        (back.state, back.attempts),
        (store::MessageState::Pending, 0)
    );
    assert_eq!(db.admin_log_lines(10).await.unwrap().len(), 1);
    assert_eq!(
        db.outbox_counts().await.unwrap(),
        store::OutboxCounts {
            pending: 1,
            sent: 1,
            dead: 0,
            failing: 0
        }
    );
    let of_kind = db.messages_of_kind("status-change", 10).await.unwrap();
    assert_eq!(
        of_kind
            .iter()
            .map(|m| m.idempotency_key.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(db.messages_of_kind("digest", 10).await.unwrap().is_empty());
}

/// The counter queries give the same sums whether the agency list goes into the query (a few
/// agencies) or is kept afterwards (a province's whole tree): both are checked against sums
/// taken here over the facts, across whole months and loose days.
pub async fn counter_sums_are_the_same_for_short_and_long_agency_lists(db: &Db) {
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let measures = [Measure::Received, Measure::ResolvedOnTime];
    let mut facts = Vec::new();
    for a in 0..80u32 {
        for (i, (m, d)) in [(6, 30), (7, 1), (7, 15), (8, 31), (9, 1), (9, 2)]
            .into_iter()
            .enumerate()
        {
            let fact = |measure, channel, procedure: u32| Fact {
                agency: format!("dv-{a:02}"),
                procedure: format!("1.{procedure:06}"),
                day: day(m, d),
                channel,
                measure,
            };
            let k = a as usize + i;
            facts.push((
                fact(measures[k % 2], 1 + (k % 3) as u8, (a + i as u32) % 7),
                1 + (k % 5) as i64,
            ));
            facts.push((fact(Measure::Received, 2, a % 4), 2));
        }
    }
    db.replace_counts(&facts).await.unwrap();
    assert_eq!(db.rollup_mismatches().await.unwrap(), 0);
    let (from, to) = (day(7, 1), day(9, 1));
    let all: Vec<String> = (0..80).map(|a| format!("dv-{a:02}")).collect();
    for agencies in [&all[..60], &all[10..15]] {
        let asked: BTreeSet<&String> = agencies.iter().collect();
        let within: Vec<&(Fact, i64)> = facts
            .iter()
            .filter(|(f, _)| asked.contains(&f.agency) && f.day >= from && f.day <= to)
            .collect();
        // Sums without the procedure.
        let mut expected: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
        for (f, n) in &within {
            *expected
                .entry((
                    f.agency.clone(),
                    format!("{:?}", f.measure),
                    f.channel as i64,
                ))
                .or_default() += n;
        }
        let got: BTreeMap<(String, String, i64), i64> = db
            .count_sums(agencies, Some(from), to, &measures)
            .await
            .unwrap()
            .into_iter()
            .map(|c| ((c.agency, format!("{:?}", c.measure), c.channel), c.n))
            .collect();
        assert_eq!(got, expected, "{} agencies", agencies.len());
        // Sums by procedure, for two procedures.
        let procedures = ["1.000001".to_string(), "1.000003".to_string()];
        let mut expected: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
        for (f, n) in within
            .iter()
            .filter(|(f, _)| f.measure == Measure::Received && procedures.contains(&f.procedure))
        {
            *expected
                .entry((f.agency.clone(), f.procedure.clone(), f.channel as i64))
                .or_default() += n;
        }
        let got: BTreeMap<(String, String, i64), i64> = db
            .count_sums_by_procedure(
                agencies,
                Some(&procedures),
                Some(from),
                to,
                &[Measure::Received],
            )
            .await
            .unwrap()
            .into_iter()
            .map(|c| ((c.agency, c.procedure, c.channel), c.n))
            .collect();
        assert_eq!(got, expected, "{} agencies, by procedure", agencies.len());
        // Which procedures each agency received online.
        let expected: BTreeSet<(String, String)> = within
            .iter()
            .filter(|(f, _)| f.measure == Measure::Received && f.channel == 2)
            .map(|(f, _)| (f.agency.clone(), f.procedure.clone()))
            .collect();
        let got: BTreeSet<(String, String)> = db
            .procedures_counted(agencies, None, from, to, Measure::Received, Some(2))
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            got,
            expected,
            "{} agencies, online procedures",
            agencies.len()
        );
        assert!(!got.is_empty());
        let online = got;
        // Which procedures each agency received at all, on any channel.
        let expected: BTreeSet<(String, String)> = within
            .iter()
            .filter(|(f, _)| f.measure == Measure::Received)
            .map(|(f, _)| (f.agency.clone(), f.procedure.clone()))
            .collect();
        let got: BTreeSet<(String, String)> = db
            .procedures_counted(agencies, None, from, to, Measure::Received, None)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(got, expected, "{} agencies, procedures", agencies.len());
        assert!(got.is_superset(&online) && got.len() > online.len());
    }
}

pub async fn rollups_follow_the_daily_counts(db: &Db) {
    let facts = vec![
        (
            fact("lao-cai.bao-thang", "2026-11-30", Measure::Received),
            3,
        ),
        (
            fact("lao-cai.bao-thang", "2026-12-01", Measure::Received),
            2,
        ),
        (
            fact("lao-cai.bao-thang", "2026-12-02", Measure::Received),
            5,
        ),
        (
            fact("lao-cai.bao-thang", "2026-12-02", Measure::ResolvedEarly),
            4,
        ),
        (fact("lao-cai.sa-pa", "2026-12-02", Measure::Received), 7),
    ];
    db.add_daily_counts(&facts).await.unwrap();
    db.finish_bulk_counts().await.unwrap();
    assert_eq!(db.rollup_mismatches().await.unwrap(), 0);
    assert_eq!(db.all_counts().await.unwrap().len(), facts.len());
    let periods: Vec<String> = ["2026-11", "2026-12", "2026-12-02", "2026"]
        .map(String::from)
        .to_vec();
    let got: BTreeSet<(String, Measure, i64)> = db
        .count_by_period(
            &["lao-cai.bao-thang".to_string()],
            &periods,
            &[Measure::Received],
        )
        .await
        .unwrap()
        .into_iter()
        .collect();
    let want: BTreeSet<(String, Measure, i64)> = [
        ("2026-11", 3),
        ("2026-12", 7),
        ("2026-12-02", 5),
        ("2026", 10),
    ]
    .into_iter()
    .map(|(p, n)| (p.to_string(), Measure::Received, n))
    .collect();
    assert_eq!(got, want);
    // A change's counts keep every grain in step; a rebuild replaces them all.
    let mut sim = with_code(&code(1));
    save(db, &sim).await.unwrap();
    let v = sim.d().version;
    transfer(&mut sim);
    let mut c = change(&sim, v);
    c.counts = vec![
        (
            fact("lao-cai.bao-thang", "2026-12-07", Measure::Received),
            1,
        ),
        (
            fact("lao-cai.bao-thang", "2026-12-02", Measure::Received),
            -5,
        ),
    ];
    db.change_dossier(c, t("2026-12-07 10:00")).await.unwrap();
    assert_eq!(db.rollup_mismatches().await.unwrap(), 0);
    let dec = db
        .count_by_period(
            &["lao-cai.bao-thang".to_string()],
            &periods[1..2],
            &[Measure::Received],
        )
        .await
        .unwrap();
    assert_eq!(dec, [("2026-12".to_string(), Measure::Received, 3)]);
    assert_eq!(
        db.all_counts().await.unwrap().len(),
        facts.len(),
        "a counter at zero is not listed; a new one is"
    );
    db.replace_counts(&facts[..1]).await.unwrap();
    assert_eq!(db.all_counts().await.unwrap().len(), 1);
    assert_eq!(db.rollup_mismatches().await.unwrap(), 0);
}

pub async fn a_province_is_created_only_on_an_empty_database(db: &Db) {
    let units = vec![AdminUnit {
        regime: Regime::TwoLevel,
        code: "15".into(),
        name: "Tỉnh Lào Cai".into(),
        level: UnitLevel::Province,
        kind: "tỉnh".into(),
        parent: None,
    }];
    let agencies: Vec<_> = tree().all().cloned().collect();
    let admin = officer_of(&officer("Quan Tri", domain::officer::Role::Admin, "lc"));
    let before = db.admin_log_lines(100).await.unwrap().len();
    // The database already holds the agencies of the tests: refused, nothing written.
    let e = db
        .create_province(&store::NewProvince {
            units: &units,
            successions: &[],
            agencies: &agencies,
            procedures: &[],
            admin: &admin,
            admin_password_hash: "x",
            log: entry("khởi tạo tỉnh", "Lào Cai"),
        })
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Duplicate(_)), "{e}");
    assert!(db.units().await.unwrap().0.is_empty());
    assert!(
        db.officer_by_username(&admin.username)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), before);
}

pub async fn a_one_time_link_is_used_once_and_expires(db: &Db) {
    let link = |hash: &str, expires_ms| store::DownloadLink {
        token_hash: hash.to_string(),
        dossier_id: "0190f7a8-0000-7000-8000-000000000001".into(),
        sha256: "d".repeat(64),
        created_by: "officer:mai".into(),
        created_ms: 1_000,
        expires_ms,
        used_ms: None,
    };
    db.put_download_link(&link("h1", 10_000)).await.unwrap();
    db.put_download_link(&link("h2", 10_000)).await.unwrap();
    assert!(
        db.use_download_link("khong-co", 2_000)
            .await
            .unwrap()
            .is_none()
    );
    // Used once: the second use gets nothing; the link is still known, marked used.
    let used = db.use_download_link("h1", 2_000).await.unwrap().unwrap();
    assert_eq!(used.used_ms, Some(2_000));
    assert!(db.use_download_link("h1", 2_001).await.unwrap().is_none());
    assert_eq!(
        db.download_link("h1").await.unwrap().unwrap().used_ms,
        Some(2_000)
    );
    // Expired: not used, however asked.
    assert!(db.use_download_link("h2", 10_000).await.unwrap().is_none());
    assert_eq!(db.download_link("h2").await.unwrap().unwrap().used_ms, None);
    // Racing for one link: exactly one wins.
    db.put_download_link(&link("h3", 10_000)).await.unwrap();
    let (a, b) = tokio::join!(
        db.use_download_link("h3", 3_000),
        db.use_download_link("h3", 3_000)
    );
    assert_eq!(
        [a.unwrap().is_some(), b.unwrap().is_some()]
            .iter()
            .filter(|x| **x)
            .count(),
        1
    );
}

pub async fn payment_attempts_are_kept_once_settled_and_listed_while_pending(db: &Db) {
    use store::{AttemptState, PaymentAttempt};
    let attempt = |txn: &str, created_ms: i64| PaymentAttempt {
        txn_ref: txn.into(),
        dossier_id: uuid::Uuid::from_u128(7),
        amount: 5_000,
        created_ms,
        expires_ms: created_ms + 900_000,
        state: AttemptState::Pending,
        detail: "Chờ thanh toán".into(),
        updated_ms: created_ms,
    };
    db.put_payment_attempt(&attempt("a", 1_000)).await.unwrap();
    db.put_payment_attempt(&attempt("b", 2_000)).await.unwrap();
    db.put_payment_attempt(&attempt("c", 3_000)).await.unwrap();
    // A reference is used once.
    assert!(matches!(
        db.put_payment_attempt(&attempt("a", 9_000)).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        db.payment_attempt("a").await.unwrap(),
        Some(attempt("a", 1_000))
    );
    assert_eq!(db.payment_attempt("z").await.unwrap(), None);
    db.settle_payment_attempt("b", AttemptState::Paid, "00", 5_000)
        .await
        .unwrap();
    let b = db.payment_attempt("b").await.unwrap().unwrap();
    assert_eq!(
        (b.state, b.detail.as_str(), b.updated_ms),
        (AttemptState::Paid, "00", 5_000)
    );
    // Pending ones started before the instant, oldest first, as many as asked.
    let refs = |v: Vec<PaymentAttempt>| v.into_iter().map(|a| a.txn_ref).collect::<Vec<_>>();
    assert_eq!(
        refs(
            db.payment_attempts_in(AttemptState::Pending, 10_000, 10)
                .await
                .unwrap()
        ),
        ["a", "c"]
    );
    assert_eq!(
        refs(
            db.payment_attempts_in(AttemptState::Pending, 2_500, 10)
                .await
                .unwrap()
        ),
        ["a"]
    );
    assert_eq!(
        refs(
            db.payment_attempts_in(AttemptState::Pending, 10_000, 1)
                .await
                .unwrap()
        ),
        ["a"]
    );
    // Paid at the gateway but not applied: listed for officers, then marked given back once,
    // with its log line.
    db.settle_payment_attempt("c", AttemptState::Unapplied, "Hồ sơ đã nộp đủ", 6_000)
        .await
        .unwrap();
    assert_eq!(
        refs(
            db.payment_attempts_in(AttemptState::Unapplied, 10_000, 10)
                .await
                .unwrap()
        ),
        ["c"]
    );
    let entry = store::LogEntry {
        at_ms: 7_000,
        actor: "motcua.baothang",
        action: "payment_refunded",
        detail: "Hoàn trả giao dịch c",
    };
    assert!(
        !db.refund_payment_attempt("a", "x", 7_000, &entry)
            .await
            .unwrap()
    );
    assert!(
        db.refund_payment_attempt("c", "Đã chuyển trả", 7_000, &entry)
            .await
            .unwrap()
    );
    assert!(
        !db.refund_payment_attempt("c", "Lần nữa", 8_000, &entry)
            .await
            .unwrap()
    );
    let c = db.payment_attempt("c").await.unwrap().unwrap();
    assert_eq!(
        (c.state, c.detail.as_str()),
        (AttemptState::Refunded, "Đã chuyển trả")
    );
    let logged = db.admin_log_lines(10).await.unwrap();
    assert_eq!(
        logged
            .iter()
            .filter(|l| l.action == "payment_refunded")
            .count(),
        1
    );
}

/// Fee reports read the money events of a period: only those kinds, by the event's time, of the
/// receiving unit asked for and of dossiers the reader may see, oldest first.
pub async fn money_events_are_read_by_time_receiver_and_visibility(db: &Db) {
    use domain::dossier::{Command, Event, PaymentMethod};
    use domain::officer::Role;
    let tree = super::tree();
    let mut paid = Vec::new();
    for (n, commune, at) in [
        (1, "bao-thang", "2026-12-07 11:00"),
        (2, "sa-pa", "2026-12-07 10:00"),
        (3, "bao-thang", "2026-12-08 09:30"),
    ] {
        let mut sim = testsupport::kit::drive_coded(
            &tree,
            commune,
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            testsupport::kit::Ending::Open,
            &super::code(n),
        );
        let counter = testsupport::kit::officer(
            "Lò Thị Mai",
            Role::CounterOfficer,
            &format!("lao-cai.{commune}.mot-cua"),
        );
        let owed = sim.d().fees_outstanding();
        assert!(owed > 0, "the test procedure charges a fee");
        sim.ok(
            at,
            &counter,
            Command::RecordPayment {
                amount: owed,
                method: PaymentMethod::Cash,
                reference: None,
                payer: None,
            },
        );
        super::save(db, &sim).await.unwrap();
        paid.push(sim.d().code.to_string());
    }
    let day = |d: u32| t(&format!("2026-12-{d:02} 00:00"));
    let codes = |events: Vec<store::MoneyEvent>| -> Vec<String> {
        assert!(
            events
                .iter()
                .all(|e| matches!(e.recorded.event, Event::FeePaid { .. })),
            "only money events"
        );
        events.into_iter().map(|e| e.code).collect()
    };
    let all = store::Visibility::All;
    // Oldest first: Sa Pa's at 10:00 before Bảo Thắng's at 11:00; the 8th is outside.
    let got = db
        .money_events(&all, None, day(7), day(8), 100)
        .await
        .unwrap();
    assert_eq!(codes(got.clone()), [paid[1].clone(), paid[0].clone()]);
    assert_eq!(got[1].receiving, "lao-cai.bao-thang.mot-cua");
    assert_eq!(got[1].procedure_code, got[0].procedure_code);
    assert_eq!(
        codes(
            db.money_events(&all, None, day(7), day(9), 100)
                .await
                .unwrap()
        ),
        [paid[1].clone(), paid[0].clone(), paid[2].clone()]
    );
    assert_eq!(
        codes(
            db.money_events(&all, None, day(7), day(9), 1)
                .await
                .unwrap()
        ),
        [paid[1].clone()]
    );
    assert_eq!(
        codes(
            db.money_events(&all, Some("lao-cai.sa-pa.mot-cua"), day(7), day(9), 100)
                .await
                .unwrap()
        ),
        [paid[1].clone()]
    );
    let bao_thang = store::Visibility::Within {
        agencies: vec!["lao-cai.bao-thang.mot-cua".into()],
        branches: vec!["lao-cai.bao-thang".into()],
    };
    assert_eq!(
        codes(
            db.money_events(&bao_thang, None, day(7), day(9), 100)
                .await
                .unwrap()
        ),
        [paid[0].clone(), paid[2].clone()]
    );
    let nobody = store::Visibility::Within {
        agencies: Vec::new(),
        branches: Vec::new(),
    };
    assert!(
        db.money_events(&nobody, None, day(7), day(9), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.money_events(&all, None, day(9), day(10), 100)
            .await
            .unwrap()
            .is_empty()
    );
}
