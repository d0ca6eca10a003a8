//! Dossiers: the event log and its projection, optimistic concurrency, the daily numbers, what
//! an opening or a change writes with it (all or nothing), idempotency keys, guidance and the
//! reads the reports make.

use domain::dossier::*;
use store::{Db, IdempotencyKey, NotOpened, StoreError};
use testsupport::kit::*;

use super::*;

const CENTRE: &str = "lao-cai.bao-thang.mot-cua";
const DAY: &str = "2026-12-07";

/// Opens a dossier with the next number of Bảo Thắng's day, coded by it; returns the number.
async fn open_numbered(db: &Db) -> u32 {
    open_coded(db, CENTRE, DAY, code).await
}

/// Opens a dossier with the next number of a sequence's day, coded by `code_of` the number;
/// returns the number (read back from the code).
async fn open_coded(db: &Db, sequence: &str, day: &str, code_of: fn(u32) -> String) -> u32 {
    let d = db
        .open_dossier(sequence, day, t("2026-12-07 09:00"), None, move |n| {
            Ok::<_, ()>(opening(&with_code(&code_of(n))))
        })
        .await
        .unwrap()
        .unwrap();
    let code = d.code.to_string();
    code.rsplit('-').next().unwrap().parse().unwrap()
}

pub async fn migrations_apply_twice_without_harm(db: &Db) {
    db.migrate().await.unwrap();
    assert_eq!(db.agencies().await.unwrap().len(), tree().all().count());
    assert_eq!(
        db.totals().await.unwrap(),
        store::Totals {
            dossiers: 0,
            events: 0,
            guidance: 0
        }
    );
}

pub async fn the_projection_is_the_replay_of_the_events(db: &Db) {
    let mut sim = Sim::result_ready();
    save(db, &sim).await.unwrap();
    let before = sim.events.len() as u64;
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
    db.change_dossier(change(&sim, before), t("2026-12-11 08:30"))
        .await
        .unwrap();
    let id = sim.d().id;
    let stored = db.dossier(id).await.unwrap().unwrap();
    assert_eq!(&stored, sim.d());
    let events = db.events(id).await.unwrap();
    assert_eq!(events, sim.events);
    assert_eq!(Dossier::replay(&events).as_ref(), Some(&stored));
    assert_eq!(db.verify_chain(id).await.unwrap(), events.len());
    // Read once for `motcua verify`: the chain and the same events.
    assert_eq!(
        db.checked_events(id).await.unwrap(),
        store::CheckedEvents {
            chain: Ok(events.len()),
            events: Ok(events.clone()),
        }
    );
    assert_eq!(db.rebuild_projections().await.unwrap(), 0);
    let (row, state) = db.projection_of(id).await.unwrap().unwrap();
    assert_eq!((row.national_status, row.stage.as_str()), (10, "returned"));
    assert_eq!(row.version, events.len() as i64);
    assert!(state.contains("Lù Văn Páo"), "{state}");
    assert_eq!(
        db.dossier_id_by_code(sim.d().code.as_str()).await.unwrap(),
        Some(id)
    );
    assert_eq!(db.dossier_id_by_code(&code(9999)).await.unwrap(), None);
    assert_eq!(db.dossier_ids().await.unwrap(), [id]);
    // Several at once, in the order asked; unknown ids are left out.
    let other = with_code(&code(2));
    save(db, &other).await.unwrap();
    let asked = [other.d().id.0, uuid::Uuid::nil(), id.0];
    let got: Vec<_> = db
        .dossiers(&asked)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id.0)
        .collect();
    assert_eq!(got, [other.d().id.0, id.0]);
    let totals = db.totals().await.unwrap();
    assert_eq!(
        (totals.dossiers, totals.events),
        (2, (events.len() + other.events.len()) as i64)
    );
    assert!(
        db.dossier(DossierId(uuid::Uuid::nil()))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_stale_version_is_a_conflict_that_writes_nothing(db: &Db) {
    let mut sim = with_code(&code(1));
    save(db, &sim).await.unwrap();
    let v = sim.d().version;
    transfer(&mut sim);
    let with_effects = |sim: &Sim| {
        let mut c = change(sim, v);
        c.outbox = vec![message("status:transfer", store::Channel::Email)];
        c.counts = vec![(
            fact("lao-cai.bao-thang", "2026-12-07", Measure::Received),
            1,
        )];
        c
    };
    db.change_dossier(with_effects(&sim), t("2026-12-07 10:00"))
        .await
        .unwrap();
    let before = db.totals().await.unwrap();
    // A second writer that read version v writes again.
    let err = db
        .change_dossier(with_effects(&sim), t("2026-12-07 10:00"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(db.totals().await.unwrap(), before);
    assert_eq!(
        db.outbox_counts().await.unwrap().total(),
        1,
        "the message of the written change only"
    );
    let counted: i64 = db.all_counts().await.unwrap().iter().map(|c| c.n).sum();
    assert_eq!(counted, 1, "the counts of the written change only");
    assert_eq!(db.events(sim.d().id).await.unwrap(), sim.events);
    db.verify_chain(sim.d().id).await.unwrap();
    // A change to a dossier that is not there is a conflict too.
    let ghost = with_code(&code(5));
    let mut c = change(&ghost, 1);
    c.events.clear();
    let err = db
        .change_dossier(c, t("2026-12-07 10:00"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
}

pub async fn a_duplicate_code_writes_nothing(db: &Db) {
    save(db, &with_code(&code(1))).await.unwrap();
    let before = db.totals().await.unwrap();
    let err = save(db, &with_code(&code(1))).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert!(err.to_string().contains(&code(1)), "{err}");
    assert_eq!(db.totals().await.unwrap(), before);
}

pub async fn settling_after_a_bulk_write_keeps_it_and_writes_go_on(db: &Db) {
    let loaded: Vec<Sim> = (1..=5).map(|n| with_code(&code(n))).collect();
    db.write_dossiers(
        loaded.iter().map(|s| change(s, 0)).collect(),
        t("2026-12-15 00:00"),
    )
    .await
    .unwrap();
    db.settle().await.unwrap();
    assert_eq!(db.totals().await.unwrap().dossiers, 5);
    save(db, &with_code(&code(6))).await.unwrap();
    assert_eq!(db.totals().await.unwrap().dossiers, 6);
}

pub async fn a_bulk_write_is_all_or_nothing(db: &Db) {
    let good: Vec<Sim> = (1..=3).map(|n| with_code(&code(n))).collect();
    let clash = with_code(&code(2));
    let mut changes: Vec<_> = good.iter().map(|s| change(s, 0)).collect();
    changes.push(change(&clash, 0));
    let err = db
        .write_dossiers(changes, t("2026-12-15 00:00"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert_eq!(db.totals().await.unwrap().dossiers, 0);
    db.write_dossiers(
        good.iter().map(|s| change(s, 0)).collect(),
        t("2026-12-15 00:00"),
    )
    .await
    .unwrap();
    assert_eq!(db.totals().await.unwrap().dossiers, 3);
}

pub async fn code_numbers_run_per_sequence_per_day(db: &Db) {
    let mut numbers = Vec::new();
    for _ in 0..3 {
        numbers.push(open_numbered(db).await);
    }
    assert_eq!(numbers, [1, 2, 3]);
    // Another day and another sequence start at 1.
    assert_eq!(
        open_coded(db, CENTRE, "2026-12-08", |n| format!(
            "000.22.22.H38-261208-{n:04}"
        ))
        .await,
        1
    );
    assert_eq!(
        open_coded(db, "lao-cai.sa-pa.mot-cua", DAY, |n| format!(
            "000.23.22.H38-261207-{n:04}"
        ))
        .await,
        1
    );
    // A sequence raised after a bulk load continues after it, and is never lowered.
    db.raise_code_number(CENTRE, DAY, 9_999).await.unwrap();
    db.raise_code_number(CENTRE, DAY, 5).await.unwrap();
    assert_eq!(
        open_coded(db, CENTRE, DAY, |n| format!("H38.61.01-20261207-{n:07}")).await,
        10_000
    );
}

pub async fn concurrent_openings_get_consecutive_numbers(db: &Db) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let db = db.clone();
        tasks.spawn(async move { open_numbered(&db).await });
    }
    let mut numbers = tasks.join_all().await;
    numbers.sort();
    assert_eq!(numbers, (1..=100).collect::<Vec<u32>>());
    assert_eq!(db.totals().await.unwrap().dossiers, 100);
}

/// Many openings at once, some refused by their rules after their number was taken and some
/// failing on a code that exists: the others are written whole, with consecutive numbers, and
/// the refused and failed ones leave nothing.
pub async fn refusals_in_a_busy_batch_leave_the_others_whole(db: &Db) {
    save(db, &with_code("000.22.22.H38-261207-9000"))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..60u32 {
        let db = db.clone();
        tasks.spawn(async move {
            let result = db
                .open_dossier(CENTRE, DAY, t("2026-12-07 09:00"), None, move |n| {
                    match i % 6 {
                        // Refused by the rules (after the number was taken).
                        1 => Err(format!("từ chối {i}")),
                        // A code that exists: the insert fails.
                        4 => {
                            let mut o = opening(&with_code("000.22.22.H38-261207-9000"));
                            o.outbox = vec![message(&format!("dup:{i}"), store::Channel::Sms)];
                            o.counts = vec![(fact("lao-cai.bao-thang", DAY, Measure::Received), 1)];
                            Ok(o)
                        }
                        _ => {
                            let mut o = opening(&with_code(&code(n)));
                            o.outbox = vec![message(&format!("ok:{i}"), store::Channel::Sms)];
                            o.counts = vec![(fact("lao-cai.bao-thang", DAY, Measure::Received), 1)];
                            Ok(o)
                        }
                    }
                })
                .await;
            (i, result)
        });
    }
    let mut written = Vec::new();
    for (i, result) in tasks.join_all().await {
        match (i % 6, result) {
            (1, Ok(Err(NotOpened::Refused(why)))) => assert_eq!(why, format!("từ chối {i}")),
            (4, Err(StoreError::Duplicate(_))) => {}
            (0 | 2 | 3 | 5, Ok(Ok(d))) => written.push(d.code.to_string()),
            (_, other) => panic!("{i}: {:?}", other.map(|r| r.map(|d| d.code))),
        }
    }
    written.sort();
    assert_eq!(written, (1..=40).map(code).collect::<Vec<_>>());
    assert_eq!(db.totals().await.unwrap().dossiers, 41);
    assert_eq!(db.outbox_counts().await.unwrap().pending, 40);
    let counted: i64 = db.all_counts().await.unwrap().iter().map(|c| c.n).sum();
    assert_eq!(counted, 40);
    assert_eq!(db.rollup_mismatches().await.unwrap(), 0);
    assert_eq!(open_numbered(db).await, 41);
}

pub async fn a_refused_opening_writes_nothing_and_uses_no_number(db: &Db) {
    let refused = db
        .open_dossier(CENTRE, DAY, t("2026-12-07 09:00"), None, |n| {
            Err::<store::Opening, _>(format!("refused number {n}"))
        })
        .await
        .unwrap();
    assert!(
        matches!(refused, Err(NotOpened::Refused(ref m)) if m == "refused number 1"),
        "{refused:?}"
    );
    assert_eq!(db.totals().await.unwrap().dossiers, 0);
    assert_eq!(open_numbered(db).await, 1);
}

pub async fn a_failed_opening_is_rolled_back_whole(db: &Db) {
    save(db, &with_code(&code(1))).await.unwrap();
    let before = db.totals().await.unwrap();
    // The build reuses a code that exists: the projection insert fails after the number was
    // taken and the events written; none of it may stay, nor its message or counts.
    let err = db
        .open_dossier(CENTRE, DAY, t("2026-12-07 09:00"), None, |_| {
            let mut o = opening(&with_code(&code(1)));
            o.outbox = vec![message("status:dup", store::Channel::Sms)];
            o.counts = vec![(fact("lao-cai.bao-thang", DAY, Measure::Received), 1)];
            Ok::<_, ()>(o)
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert_eq!(db.totals().await.unwrap(), before);
    assert_eq!(db.outbox_counts().await.unwrap().total(), 0);
    assert!(db.all_counts().await.unwrap().is_empty());
    // The failed opening's number was not used: the next opening gets it (with code 0001
    // taken, its build codes it one higher: 0002 is number 1).
    assert_eq!(open_coded(db, CENTRE, DAY, |n| code(n + 1)).await, 2);
}

pub async fn an_idempotency_key_opens_once_and_replays_after(db: &Db) {
    let key = |scope: &str| IdempotencyKey {
        scope: scope.into(),
        key: "7f9c-quay-1".into(),
        request_hash: "h1".into(),
    };
    let first = db
        .open_dossier(
            CENTRE,
            DAY,
            t("2026-12-07 09:00"),
            Some(key("officer:mai")),
            |n| Ok::<_, ()>(opening(&with_code(&code(n)))),
        )
        .await
        .unwrap()
        .unwrap();
    let built = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let building = built.clone();
    let again = db
        .open_dossier(
            CENTRE,
            DAY,
            t("2026-12-07 09:01"),
            Some(key("officer:mai")),
            move |n| {
                building.store(true, std::sync::atomic::Ordering::Relaxed);
                Ok::<_, ()>(opening(&with_code(&code(n))))
            },
        )
        .await
        .unwrap();
    match again {
        Err(NotOpened::Replayed(r)) => {
            assert_eq!(r.dossier, Some(first.id.0));
            assert_eq!(r.request_hash, "h1");
        }
        other => panic!("a replay was opened again: {:?}", other.map(|d| d.code)),
    }
    assert!(
        !built.load(std::sync::atomic::Ordering::Relaxed),
        "a replayed key builds nothing"
    );
    assert_eq!(db.totals().await.unwrap().dossiers, 1);
    let kept = db
        .idempotent_result("officer:mai", "7f9c-quay-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.dossier, Some(first.id.0));
    // The same key from someone else is theirs: a new dossier, the next number.
    assert!(
        db.idempotent_result("officer:lan", "7f9c-quay-1")
            .await
            .unwrap()
            .is_none()
    );
    let theirs = db
        .open_dossier(
            CENTRE,
            DAY,
            t("2026-12-07 09:02"),
            Some(key("officer:lan")),
            |n| Ok::<_, ()>(opening(&with_code(&code(n)))),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(theirs.code.as_str(), code(2));
    // A refused opening keeps no key: the retry may open.
    let k = IdempotencyKey {
        key: "refused-once".into(),
        ..key("officer:mai")
    };
    let refused = db
        .open_dossier(CENTRE, DAY, t("2026-12-07 09:03"), Some(k.clone()), |_| {
            Err::<store::Opening, _>("no")
        })
        .await
        .unwrap();
    assert!(matches!(refused, Err(NotOpened::Refused("no"))));
    assert!(
        db.idempotent_result("officer:mai", "refused-once")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_correction_changes_its_original_in_the_same_transaction(db: &Db) {
    let mut original = with_code(&code(1));
    save(db, &original).await.unwrap();
    let v = original.d().version;
    transfer(&mut original);
    let open_with = |also: store::Change| {
        db.open_dossier(CENTRE, DAY, t("2026-12-07 10:00"), None, move |n| {
            let mut o = opening(&with_code(&code(n + 100)));
            o.also = Some(also.clone());
            Ok::<_, ()>(o)
        })
    };
    open_with(change(&original, v)).await.unwrap().unwrap();
    assert_eq!(
        db.dossier(original.d().id).await.unwrap().unwrap().version,
        original.d().version
    );
    assert_eq!(db.totals().await.unwrap().dossiers, 2);
    // The original changed meanwhile: neither the new dossier nor the change is written, and
    // the number is not used.
    let err = open_with(change(&original, v)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(db.totals().await.unwrap().dossiers, 2);
    assert_eq!(open_numbered(db).await, 2, "number 2 was given back");
}

pub async fn a_numbered_change_uses_its_number_only_when_written(db: &Db) {
    let mut sim = with_code(&code(1));
    save(db, &sim).await.unwrap();
    let v = sim.d().version;
    transfer(&mut sim);
    let numbered = |expected: u64, refuse: bool| {
        let c = change(&sim, expected);
        db.change_dossier_numbered("T:centre", DAY, t("2026-12-07 10:00"), move |n| {
            if refuse {
                Err(format!("refused {n}"))
            } else {
                Ok((c.clone(), n))
            }
        })
    };
    assert_eq!(
        numbered(v, true).await.unwrap(),
        Err("refused 1".to_string())
    );
    assert_eq!(db.events(sim.d().id).await.unwrap().len() as u64, v);
    let err = numbered(v + 7, false).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(numbered(v, false).await.unwrap(), Ok(1));
    assert_eq!(db.events(sim.d().id).await.unwrap(), sim.events);
}

pub async fn a_submitted_dossier_is_linked_to_its_citizen(db: &Db) {
    let citizen = store::CitizenAccount {
        id_number: "010090012345".into(),
        name: "Lù Văn Páo".into(),
        phone: None,
        email: None,
    };
    db.add_citizen(&citizen, "hash", 0).await.unwrap();
    let d = db
        .open_dossier(CENTRE, DAY, t("2026-12-07 09:00"), None, |n| {
            let mut o = opening(&with_code(&code(n)));
            o.submitted_by = Some("010090012345".into());
            Ok::<_, ()>(o)
        })
        .await
        .unwrap()
        .unwrap();
    assert!(
        db.citizen_has_dossier("010090012345", d.id.0)
            .await
            .unwrap()
    );
    let rows = db.citizen_dossier_rows("010090012345", 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].code, code(1));
    assert!(
        !db.citizen_has_dossier("001099000001", d.id.0)
            .await
            .unwrap()
    );
}

pub async fn the_public_view_shows_no_personal_data(db: &Db) {
    save(db, &with_code(&code(3))).await.unwrap();
    let view = db.public_view(&code(3)).await.unwrap().unwrap();
    let json = serde_json::to_string(&view).unwrap();
    assert!(
        !json.contains("Páo") && !json.contains("010090012345") && !json.contains("0912345678"),
        "{json}"
    );
    assert_eq!(view.national_status, 2);
    assert_eq!(view.procedure_name, "Đăng ký lại khai sinh");
    assert!(view.appointment.is_some());
    assert!(db.public_view(&code(9999)).await.unwrap().is_none());
}

pub async fn guidance_is_logged_once_per_key(db: &Db) {
    let record = |minute: u32, content: &str| store::GuidanceRecord {
        id: uuid::Uuid::now_v7(),
        agency: CENTRE.into(),
        at: t(&format!("2026-12-07 09:{minute:02}")),
        officer: None,
        officer_name: "Lò Thị Mai".into(),
        channel: "Tại quầy".into(),
        applicant_name: "Lù Văn Páo".into(),
        contact: None,
        procedure_code: Some("1.004884".into()),
        procedure_name: Some("Đăng ký lại khai sinh".into()),
        content: content.into(),
        missing: vec!["Giấy chứng sinh".into()],
    };
    let key = IdempotencyKey {
        scope: "officer:mai".into(),
        key: "huong-dan-1".into(),
        request_hash: "g1".into(),
    };
    let first = record(5, "Hướng dẫn bổ sung giấy chứng sinh");
    assert_eq!(db.add_guidance(&first, Some(&key)).await.unwrap(), Ok(()));
    let replay = db
        .add_guidance(&record(6, "lần gửi lại"), Some(&key))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(replay.request_hash, "g1");
    let kept: store::GuidanceRecord =
        serde_json::from_str(replay.result.as_deref().unwrap()).unwrap();
    assert_eq!(kept, first);
    db.add_guidance(&record(30, "Hướng dẫn thủ tục"), None)
        .await
        .unwrap()
        .unwrap();
    let listed = db
        .guidance(
            &[CENTRE.to_string()],
            t("2026-12-07 00:00"),
            t("2026-12-08 00:00"),
            10,
        )
        .await
        .unwrap();
    let contents: Vec<&str> = listed.iter().map(|g| g.content.as_str()).collect();
    assert_eq!(
        contents,
        ["Hướng dẫn thủ tục", "Hướng dẫn bổ sung giấy chứng sinh"]
    );
    assert!(
        db.guidance(
            &["lao-cai.sa-pa.mot-cua".to_string()],
            t("2026-12-07 00:00"),
            t("2026-12-08 00:00"),
            10
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert_eq!(db.totals().await.unwrap().guidance, 2);
    // One record by its id; a replayed key's record was never written.
    assert_eq!(db.guidance_record(first.id).await.unwrap(), Some(first));
    assert_eq!(
        db.guidance_record(uuid::Uuid::now_v7()).await.unwrap(),
        None
    );
}

pub async fn report_reads_find_ended_late_and_handled_dossiers(db: &Db) {
    let ended = Sim::result_ready();
    let open = with_code(&code(2));
    save(db, &ended).await.unwrap();
    save(db, &open).await.unwrap();
    let (ended_id, open_id) = (ended.d().id.0, open.d().id.0);
    let commune = vec!["lao-cai.bao-thang".to_string()];
    let (from, to) = (
        t("2026-12-01 00:00").timestamp_millis(),
        t("2027-01-01 00:00").timestamp_millis(),
    );
    let rating = domain::rating::Rating {
        contacts: 2,
        agencies: 2,
        publication: 2,
        attitude: 2,
        extra_costs: false,
        satisfied: true,
    };
    db.put_rating(
        &store::StoredRating {
            dossier: ended_id,
            receiving: CENTRE.into(),
            rated_ms: t("2026-12-12 09:00").timestamp_millis(),
            satisfied: true,
            answers: serde_json::to_string(&rating).unwrap(),
            comment: String::new(),
        },
        &[],
    )
    .await
    .unwrap();
    let found = db
        .ended_dossiers(&commune, from, to, to, None, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].dossier.id.0, ended_id);
    assert_eq!(found[0].rating, Some(rating));
    // A rating given after the instant asked is not there yet.
    let before_rating = t("2026-12-11 00:00").timestamp_millis();
    let found = db
        .ended_dossiers(&commune, from, to, before_rating, None, 10)
        .await
        .unwrap();
    assert_eq!(found[0].rating, None);
    assert!(
        db.ended_dossiers(&commune, from, to, to, Some(ended_id), 10)
            .await
            .unwrap()
            .is_empty(),
        "the page after the last is empty"
    );
    assert!(
        db.ended_dossiers(&[], from, to, to, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The open one is due on 14/12: overdue on the 20th.
    let now = t("2026-12-20 09:00").timestamp_millis();
    let summary = db.unit_summary(&commune, from, to, now).await.unwrap();
    assert_eq!(
        summary,
        [store::UnitSummary {
            agency: "lao-cai.bao-thang".into(),
            received: 2,
            resolved: 1,
            on_time: 1,
            open: 1,
            overdue: 1,
        }]
    );
    assert_eq!(
        db.late_dossier_ids(&commune, None, from, to, now, 10)
            .await
            .unwrap(),
        [open_id]
    );
    let on_the_10th = t("2026-12-10 12:00").timestamp_millis();
    assert!(
        db.late_dossier_ids(&commune, None, from, to, on_the_10th, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.late_dossier_ids(&commune, Some(&[]), from, to, now, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Handled in the second half of December: the one still open.
    let mid = t("2026-12-11 00:00").timestamp_millis();
    assert_eq!(
        db.dossiers_handled_between(&commune, mid, to)
            .await
            .unwrap(),
        [open_id]
    );
    let mut both = db
        .dossiers_handled_between(&commune, from, to)
        .await
        .unwrap();
    both.sort();
    let mut expected = vec![ended_id, open_id];
    expected.sort();
    assert_eq!(both, expected);
}

pub async fn a_rebuild_restores_a_damaged_projection(db: &Db) {
    let sim = Sim::in_appraisal();
    save(db, &sim).await.unwrap();
    // A projection written from a state that is not the replay (a bug, a restore gone wrong).
    let mut wrong = sim.d().clone();
    wrong.applicant = applicant();
    if let domain::applicant::Applicant::Citizen { name, .. } = &mut wrong.applicant {
        *name = domain::ids::PersonName::parse("Người Khác").unwrap();
    }
    let damaged = store::Change {
        dossier: wrong,
        expected_version: sim.d().version,
        events: Vec::new(),
        counts: Vec::new(),
        outbox: Vec::new(),
        readers: store::Readers::default(),
    };
    db.change_dossier(damaged, t("2026-12-08 00:00"))
        .await
        .unwrap();
    assert_ne!(
        db.dossier(sim.d().id).await.unwrap().as_ref(),
        Some(sim.d())
    );
    assert_eq!(db.rebuild_projections().await.unwrap(), 1);
    assert_eq!(
        db.dossier(sim.d().id).await.unwrap().as_ref(),
        Some(sim.d())
    );
    assert_eq!(db.rebuild_projections().await.unwrap(), 0);
}
