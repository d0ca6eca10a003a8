//! The SQLite store: migrations, catalogue versions, the hash-chained event log with optimistic
//! concurrency, projections that equal a replay, the daily code sequence, lists and the public
//! lookup. Each test has its own database file.

use std::path::PathBuf;

use chrono::NaiveDate;
use domain::dossier::*;
use domain::ids::DossierCode;
use domain::testkit::*;
use store::{Db, DossierFilter, StoreError};

struct TempDb {
    db: Db,
    dir: PathBuf,
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn temp_db(name: &str) -> TempDb {
    let dir = std::env::temp_dir().join(format!("motcua-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&format!("sqlite:{}", dir.join("tess.db").display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.put_agencies(&agencies().all().cloned().collect::<Vec<_>>())
        .await
        .unwrap();
    TempDb { db, dir }
}

/// Persists everything a simulator recorded, in one transaction per command batch.
async fn save(db: &Db, sim: &Sim, from_version: u64) -> Result<(), StoreError> {
    let events: Vec<Recorded> = sim
        .events
        .iter()
        .filter(|e| e.version > from_version)
        .cloned()
        .collect();
    let mut tx = db.begin().await?;
    Db::append(
        &mut tx,
        sim.d(),
        from_version,
        &events,
        &[],
        t("2026-12-15 00:00"),
    )
    .await?;
    tx.commit().await
}

fn with_code(code: &str) -> Sim {
    let mut sim = Sim::new();
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.code = DossierCode::parse(code).unwrap();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveAtCounter { new },
    );
    sim
}

#[tokio::test]
async fn migrations_apply_twice_without_harm() {
    let s = temp_db("migrate").await;
    s.db.migrate().await.unwrap();
    assert_eq!(
        s.db.agencies().await.unwrap().len(),
        agencies().all().count()
    );
}

#[tokio::test]
async fn procedure_versions_are_chosen_by_date_and_never_rewritten() {
    let s = temp_db("versions").await;
    let v1 = procedure();
    let mut v2 = procedure();
    v2.version = 2;
    v2.effective_from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    v2.limit = "3 ngày làm việc".parse().unwrap();
    assert_eq!(
        s.db.import_procedures(&[v1.clone(), v2.clone()])
            .await
            .unwrap(),
        2
    );
    // The same content again: nothing new, no error.
    assert_eq!(
        s.db.import_procedures(std::slice::from_ref(&v1))
            .await
            .unwrap(),
        0
    );
    let on = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let code = v1.code.as_str();
    assert_eq!(
        s.db.procedure_in_force(code, on("2026-12-31"))
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    assert_eq!(
        s.db.procedure_in_force(code, on("2027-01-01"))
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert!(
        s.db.procedure_in_force(code, on("2025-06-30"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        s.db.procedures_in_force(on("2027-02-01")).await.unwrap()[0].version,
        2
    );
    // A changed version 1, even beside a valid new version 3, is refused and nothing is written.
    let mut changed = v1.clone();
    changed.limit = "10 ngày làm việc".parse().unwrap();
    let mut v3 = v2.clone();
    v3.version = 3;
    v3.effective_from = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
    assert!(matches!(
        s.db.import_procedures(&[v3, changed]).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(s.db.all_procedure_versions().await.unwrap().len(), 2);
    // Versions are found by folded full-text search.
    let found = s.db.search_procedures("\"dang\" \"ky\"", 10).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
}

#[tokio::test]
async fn the_projection_is_the_replay_of_the_events() {
    let s = temp_db("replay").await;
    let mut sim = Sim::result_ready();
    save(&s.db, &sim, 0).await.unwrap();
    let before = sim.events.len() as u64;
    sim.ok(
        "2026-12-11 08:30",
        &counter(),
        Command::Return {
            received_by: "Lù Văn Páo".into(),
            originals_returned: vec![],
            postal_bill: None,
        },
    );
    save(&s.db, &sim, before).await.unwrap();
    let id = sim.d().id;
    let stored = s.db.dossier(id).await.unwrap().unwrap();
    assert_eq!(&stored, sim.d());
    let events = s.db.events(id).await.unwrap();
    assert_eq!(events, sim.events);
    assert_eq!(Dossier::replay(&events).as_ref(), Some(&stored));
    assert_eq!(store::verify_chain(&s.db, id).await.unwrap(), events.len());
    assert_eq!(store::rebuild_all(&s.db).await.unwrap(), 0);
    let (row, _) = s.db.projection_of(id).await.unwrap().unwrap();
    assert_eq!(row.national_status, 10);
    assert_eq!(row.stage, "returned");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_writes_nothing() {
    let s = temp_db("conflict").await;
    let mut sim = Sim::received();
    save(&s.db, &sim, 0).await.unwrap();
    let v = sim.events.len() as u64;
    sim.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
    );
    save(&s.db, &sim, v).await.unwrap();
    // A second writer that read version v appends again.
    let err = save(&s.db, &sim, v).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(
        s.db.events(sim.d().id).await.unwrap().len(),
        sim.events.len()
    );
}

#[tokio::test]
async fn the_event_log_is_append_only_and_tampering_breaks_the_chain() {
    let s = temp_db("tamper").await;
    let sim = Sim::in_approval();
    save(&s.db, &sim, 0).await.unwrap();
    let id = sim.d().id;
    let path = s.dir.join("tess.db");
    let url = format!("sqlite://{}", path.display());
    let mut raw = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let update = "UPDATE dossier_events SET payload = replace(payload, 'Đủ điều kiện', 'Không đủ') WHERE version = 4";
    let err = sqlx::query(update).execute(&mut raw).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(
        sqlx::query("DELETE FROM dossier_events")
            .execute(&mut raw)
            .await
            .is_err()
    );
    // Someone with file access who drops the guard is still caught by the chain.
    sqlx::query("DROP TRIGGER dossier_events_no_update")
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("UPDATE dossier_events SET at_ms = at_ms - 3600000 WHERE version = 2")
        .execute(&mut raw)
        .await
        .unwrap();
    let err = store::verify_chain(&s.db, id).await.unwrap_err();
    assert!(err.to_string().contains("sự kiện 2"), "{err}");
}

#[tokio::test]
async fn code_numbers_run_per_agency_per_day_and_a_rolled_back_intake_uses_none() {
    let s = temp_db("codes").await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let mut tx = s.db.begin().await.unwrap();
        numbers.push(
            Db::next_code_number(&mut tx, "lao-cai.bao-thang.mot-cua", "2026-12-07")
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    let mut tx = s.db.begin().await.unwrap();
    Db::next_code_number(&mut tx, "lao-cai.bao-thang.mot-cua", "2026-12-07")
        .await
        .unwrap();
    drop(tx); // rolled back
    let mut tx = s.db.begin().await.unwrap();
    numbers.push(
        Db::next_code_number(&mut tx, "lao-cai.bao-thang.mot-cua", "2026-12-07")
            .await
            .unwrap(),
    );
    numbers.push(
        Db::next_code_number(&mut tx, "lao-cai.bao-thang.mot-cua", "2026-12-08")
            .await
            .unwrap(),
    );
    numbers.push(
        Db::next_code_number(&mut tx, "lao-cai.so-tu-phap", "2026-12-07")
            .await
            .unwrap(),
    );
    tx.commit().await.unwrap();
    assert_eq!(numbers, [1, 2, 3, 4, 1, 1]);
}

#[tokio::test]
async fn a_duplicate_code_is_refused() {
    let s = temp_db("dupcode").await;
    save(&s.db, &with_code("000.22.22.H38-261207-0001"), 0)
        .await
        .unwrap();
    let err = save(&s.db, &with_code("000.22.22.H38-261207-0001"), 0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
}

#[tokio::test]
async fn lists_filter_by_status_unit_assignee_and_due_window_and_respect_visibility() {
    let s = temp_db("lists").await;
    let mut a = with_code("000.22.22.H38-261207-0001");
    a.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
    )
    .ok(
        "2026-12-07 10:30",
        &unit_head(),
        Command::Assign {
            officer: officer_of(&specialist()),
            reason: None,
        },
    );
    save(&s.db, &a, 0).await.unwrap();
    save(&s.db, &with_code("000.22.22.H38-261207-0002"), 0)
        .await
        .unwrap();
    let db = &s.db;
    let all = |f: DossierFilter| async move {
        let page = db
            .list_dossiers(&DossierFilter { limit: 50, ..f })
            .await
            .unwrap();
        (page.rows, page.total)
    };
    let (rows, total) = all(DossierFilter::default()).await;
    assert_eq!((rows.len(), total), (2, 2));
    let (rows, _) = all(DossierFilter {
        national_status: vec![4],
        ..Default::default()
    })
    .await;
    assert_eq!(rows[0].code, "000.22.22.H38-261207-0001");
    let specialist_id = specialist().officer().unwrap().id.to_string();
    let (rows, _) = all(DossierFilter {
        assignee: Some(specialist_id),
        ..Default::default()
    })
    .await;
    assert_eq!(rows.len(), 1);
    let (rows, _) = all(DossierFilter {
        due_from: Some(t("2026-12-14 00:00")),
        due_to: Some(t("2026-12-15 00:00")),
        ..Default::default()
    })
    .await;
    assert_eq!(rows.len(), 2);
    let (rows, total) = all(DossierFilter {
        visible: Some(vec!["lao-cai.so-tu-phap".into()]),
        ..Default::default()
    })
    .await;
    assert_eq!((rows.len(), total), (0, 0));
    let (rows, _) = all(DossierFilter {
        visible: Some(vec!["lao-cai.bao-thang.vhxh".into()]),
        ..Default::default()
    })
    .await;
    assert_eq!(rows.len(), 1, "the unit sees what it holds");
}

#[tokio::test]
async fn the_public_view_shows_no_personal_data() {
    let s = temp_db("public").await;
    let sim = with_code("000.22.22.H38-261207-0003");
    save(&s.db, &sim, 0).await.unwrap();
    let view =
        s.db.public_view("000.22.22.H38-261207-0003")
            .await
            .unwrap()
            .unwrap();
    let json = serde_json::to_string(&view).unwrap();
    assert!(
        !json.contains("Páo") && !json.contains("010090012345") && !json.contains("0912345678"),
        "{json}"
    );
    assert_eq!(view.national_status, 2);
    assert!(
        s.db.public_view("000.22.22.H38-261207-9999")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_online_backup_is_a_usable_database() {
    let s = temp_db("backup").await;
    save(&s.db, &with_code("000.22.22.H38-261207-0004"), 0)
        .await
        .unwrap();
    let copy = s.dir.join("backup.db");
    s.db.backup(&copy).await.unwrap();
    let restored = Db::connect(&format!("sqlite:{}", copy.display()))
        .await
        .unwrap();
    assert_eq!(restored.totals().await.unwrap().dossiers, 1);
}

/// An opening built by the writer with the number it was given.
fn opening_with(number: u32) -> store::Opening {
    let sim = with_code(&format!("000.22.22.H38-261207-{number:04}"));
    store::Opening {
        counts: Vec::new(),
        outbox: Vec::new(),
        dossier: sim.d().clone(),
        events: sim.events.clone(),
        also: None,
        submitted_by: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_gives_concurrent_openings_consecutive_numbers() {
    let s = temp_db("writer-numbers").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let db = s.db.clone();
        tasks.spawn(async move {
            db.open_dossier(
                "lao-cai.bao-thang.mot-cua",
                "2026-12-07",
                t("2026-12-07 09:00"),
                None,
                |n| Ok::<_, ()>(opening_with(n)),
            )
            .await
            .unwrap()
            .unwrap()
            .code
            .to_string()
        });
    }
    let mut codes = tasks.join_all().await;
    codes.sort();
    let expected: Vec<String> = (1..=100)
        .map(|n| format!("000.22.22.H38-261207-{n:04}"))
        .collect();
    assert_eq!(codes, expected);
    assert_eq!(s.db.totals().await.unwrap().dossiers, 100);
}

#[tokio::test]
async fn a_refused_opening_writes_nothing_and_gives_its_number_back() {
    let s = temp_db("writer-refusal").await;
    let refused =
        s.db.open_dossier(
            "lao-cai.bao-thang.mot-cua",
            "2026-12-07",
            t("2026-12-07 09:00"),
            None,
            |n| Err::<store::Opening, _>(format!("refused number {n}")),
        )
        .await
        .unwrap();
    assert!(
        matches!(refused, Err(store::NotOpened::Refused(ref m)) if m == "refused number 1"),
        "{refused:?}"
    );
    assert_eq!(s.db.totals().await.unwrap().dossiers, 0);
    let d =
        s.db.open_dossier(
            "lao-cai.bao-thang.mot-cua",
            "2026-12-07",
            t("2026-12-07 09:00"),
            None,
            |n| Ok::<_, ()>(opening_with(n)),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.code.as_str(), "000.22.22.H38-261207-0001");
}

#[tokio::test]
async fn a_failed_write_is_rolled_back_whole() {
    let s = temp_db("writer-failure").await;
    save(&s.db, &with_code("000.22.22.H38-261207-0001"), 0)
        .await
        .unwrap();
    let before = s.db.totals().await.unwrap();
    // The build reuses a code that exists: the projection insert fails after the number was
    // taken and the events written; none of it may stay.
    let err =
        s.db.open_dossier(
            "lao-cai.bao-thang.mot-cua",
            "2026-12-07",
            t("2026-12-07 09:00"),
            None,
            |_| Ok::<_, ()>(opening_with(1)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert_eq!(s.db.totals().await.unwrap(), before);
    let mut tx = s.db.begin().await.unwrap();
    let next = Db::next_code_number(&mut tx, "lao-cai.bao-thang.mot-cua", "2026-12-07")
        .await
        .unwrap();
    assert_eq!(next, 1, "the failed opening's number was rolled back");
}

#[tokio::test]
async fn a_change_on_a_stale_version_is_a_conflict_that_writes_nothing() {
    let s = temp_db("writer-conflict").await;
    let mut sim = with_code("000.22.22.H38-261207-0001");
    save(&s.db, &sim, 0).await.unwrap();
    let v = sim.d().version;
    sim.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: id("lao-cai.bao-thang.vhxh"),
        },
    );
    let change = |sim: &Sim| store::Change {
        counts: Vec::new(),
        outbox: vec![message("status:transfer", store::Channel::Email)],
        dossier: sim.d().clone(),
        expected_version: v,
        events: sim
            .events
            .iter()
            .filter(|e| e.version > v)
            .cloned()
            .collect(),
    };
    s.db.change_dossier(change(&sim), t("2026-12-07 10:00"))
        .await
        .unwrap();
    let before = s.db.totals().await.unwrap();
    let err =
        s.db.change_dossier(change(&sim), t("2026-12-07 10:00"))
            .await
            .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(s.db.totals().await.unwrap(), before);
    assert_eq!(
        s.db.outbox_counts().await.unwrap().total(),
        1,
        "the message of the committed change only"
    );
    store::verify_chain(&s.db, sim.d().id).await.unwrap();
}

fn message(key: &str, channel: store::Channel) -> store::NewMessage {
    store::NewMessage {
        kind: "status-change".into(),
        channel,
        recipient: "hang@example.vn".into(),
        subject: "Hồ sơ đã được tiếp nhận".into(),
        body: "Nội dung".into(),
        idempotency_key: key.into(),
        dossier: None,
    }
}

#[tokio::test]
async fn outbox_messages_are_enqueued_once_leased_retried_and_end_dead() {
    let s = temp_db("outbox").await;
    let now = t("2026-12-07 07:00");
    let batch = [
        message("a", store::Channel::Email),
        message("b", store::Channel::Sms),
    ];
    assert_eq!(s.db.enqueue_messages(&batch, now).await.unwrap(), 2);
    assert_eq!(
        s.db.enqueue_messages(&batch, now).await.unwrap(),
        0,
        "the same keys are not enqueued twice"
    );

    let lease = t("2026-12-07 07:10");
    let claimed = s.db.claim_messages(now, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(
        s.db.claim_messages(now, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a leased message is not claimed again before the lease ends"
    );
    s.db.message_sent(claimed[0].id, now).await.unwrap();
    s.db.message_failed(
        claimed[1].id,
        "503 từ cổng SMS",
        Some(t("2026-12-07 07:01")),
    )
    .await
    .unwrap();
    let failing = s.db.failed_messages(10).await.unwrap();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].attempts, 1);
    assert_eq!(failing[0].last_error.as_deref(), Some("503 từ cổng SMS"));

    let again =
        s.db.claim_messages(t("2026-12-07 07:01"), lease, 10)
            .await
            .unwrap();
    assert_eq!(again.len(), 1);
    s.db.message_failed(again[0].id, "503 từ cổng SMS", None)
        .await
        .unwrap();
    let dead = s.db.message(again[0].id).await.unwrap().unwrap();
    assert_eq!(dead.state, store::MessageState::Dead);
    assert_eq!(dead.attempts, 2);
    assert!(
        s.db.claim_messages(t("2026-12-08 07:00"), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let entry = store::LogEntry {
        at_ms: now.timestamp_millis(),
        actor: "Quản trị",
        action: "gửi lại thư",
        detail: "b",
    };
    assert!(s.db.retry_message(dead.id, now, &entry).await.unwrap());
    assert!(
        !s.db
            .retry_message(claimed[0].id, now, &entry)
            .await
            .unwrap(),
        "a sent message is not sent again"
    );
    let back = s.db.message(dead.id).await.unwrap().unwrap();
    assert_eq!(
        (back.state, back.attempts),
        (store::MessageState::Pending, 0)
    );
    assert_eq!(s.db.admin_log_lines(10).await.unwrap().len(), 1);
    assert_eq!(
        s.db.outbox_counts().await.unwrap(),
        store::OutboxCounts {
            pending: 1,
            sent: 1,
            dead: 0,
            failing: 0
        }
    );
}

#[tokio::test]
async fn a_search_reads_newest_registrations_first_and_stops_counting_at_the_cap() {
    let s = temp_db("search-cap").await;
    let many = store::SEARCH_COUNT_LIMIT as usize + 2;
    for n in 1..=many {
        save(
            &s.db,
            &with_code(&format!("000.22.22.H38-261207-{n:04}")),
            0,
        )
        .await
        .unwrap();
    }
    let search = |text: &str| DossierFilter {
        search: Some(text.to_string()),
        order: store::Order::LatestFirst,
        limit: 3,
        ..DossierFilter::default()
    };
    let codes = |rows: &[store::DossierRow]| -> Vec<String> {
        rows.iter().map(|r| r.code.clone()).collect()
    };
    let page = s.db.list_dossiers(&search("\"pao\"")).await.unwrap();
    assert_eq!(
        codes(&page.rows),
        [
            format!("000.22.22.H38-261207-{many:04}"),
            format!("000.22.22.H38-261207-{:04}", many - 1),
            format!("000.22.22.H38-261207-{:04}", many - 2),
        ]
    );
    assert_eq!(
        (page.total, page.total_exact),
        (store::SEARCH_COUNT_LIMIT, false),
        "more than the cap: the count says so rather than counting on"
    );
    // A narrow search is counted exactly.
    let page = s.db.list_dossiers(&search("\"0007\"")).await.unwrap();
    assert_eq!((page.total, page.total_exact), (1, true));
    assert_eq!(codes(&page.rows), ["000.22.22.H38-261207-0007"]);
    // Rebuilding the projections keeps each dossier in its place.
    let before = s.db.list_dossiers(&search("\"pao\"")).await.unwrap();
    store::rebuild_all(&s.db).await.unwrap();
    let after = s.db.list_dossiers(&search("\"pao\"")).await.unwrap();
    assert_eq!(codes(&before.rows), codes(&after.rows));
}

/// The counter queries give the same sums whether the agency list goes into the query (a few
/// agencies) or is kept afterwards (a province's whole tree): both are checked against sums
/// taken here over the facts, across whole months and loose days.
#[tokio::test]
async fn counter_sums_are_the_same_for_short_and_long_agency_lists() {
    use std::collections::{BTreeMap, BTreeSet};
    let s = temp_db("count-lists").await;
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
    s.db.replace_counts(&facts).await.unwrap();
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
        let got: BTreeMap<(String, String, i64), i64> =
            s.db.count_sums(agencies, Some(from), to, &measures)
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
        let got: BTreeMap<(String, String, i64), i64> =
            s.db.count_sums_by_procedure(
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
        let got: BTreeSet<(String, String)> =
            s.db.procedures_counted(agencies, None, from, to, Measure::Received, 2)
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
    }
}
