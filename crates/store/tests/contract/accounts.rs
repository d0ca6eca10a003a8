//! Accounts: officers and their sessions, citizens and the dossiers they may see, ratings,
//! failed logins and locks, the server's secrets and the sweep — each administrative change
//! with its log line.

use domain::dossier::Measure;
use domain::officer::{Officer, Role};
use store::{CitizenAccount, Db, StoreError};
use testsupport::kit::*;

use super::*;

fn officer_at(name: &str, role: Role, at: &str) -> Officer {
    officer(name, role, at).officer().unwrap().clone()
}

const DAY_MS: i64 = 86_400_000;

pub async fn officers_sessions_and_their_log_lines(db: &Db) {
    let mai = officer_at(
        "Lò Thị Mai",
        Role::CounterOfficer,
        "lao-cai.bao-thang.mot-cua",
    );
    let hung = officer_at(
        "Nguyễn Văn Hùng",
        Role::Specialist,
        "lao-cai.bao-thang.vhxh",
    );
    db.add_officer(
        &mai,
        "hash-mai",
        Some(&entry("tạo tài khoản", "lò.thị.mai")),
    )
    .await
    .unwrap();
    db.add_officer(&hung, "hash-hung", None).await.unwrap();
    let mut twin = hung.clone();
    twin.id = domain::officer::OfficerId(uuid::Uuid::now_v7());
    let err = db.add_officer(&twin, "x", None).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert_eq!(db.officers().await.unwrap().len(), 2);

    let (found, hash) = db
        .officer_by_username(&mai.username)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, hash.as_str()), (mai.clone(), "hash-mai"));
    assert_eq!(db.officer(hung.id).await.unwrap(), Some(hung.clone()));
    assert!(db.officer_by_username("khong.co").await.unwrap().is_none());
    let in_unit = db
        .officers_in(&["lao-cai.bao-thang.vhxh".to_string()])
        .await
        .unwrap();
    assert_eq!(in_unit, std::slice::from_ref(&hung));
    assert!(db.officers_in(&[]).await.unwrap().is_empty());

    // E-mail addresses for the digest.
    assert!(
        db.set_officer_email(
            mai.id,
            Some("mai@baothang.gov.vn"),
            &entry("đặt thư", "mai")
        )
        .await
        .unwrap()
    );
    let ghost = domain::officer::OfficerId(uuid::Uuid::nil());
    assert!(
        !db.set_officer_email(ghost, Some("x@y.vn"), &entry("đặt thư", "?"))
            .await
            .unwrap()
    );
    let emails = db.officer_emails().await.unwrap();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[&mai.id], "mai@baothang.gov.vn");

    // Sessions live until they expire or are closed.
    let now = t("2026-12-07 08:00").timestamp_millis();
    db.open_session("tok-1", mai.id, now, now + DAY_MS)
        .await
        .unwrap();
    let times = |created_ms, expires_ms| store::SessionTimes {
        created_ms,
        expires_ms,
    };
    assert_eq!(
        db.session_officer("tok-1", now + 1).await.unwrap(),
        Some((mai.clone(), times(now, now + DAY_MS)))
    );
    assert!(
        db.session_officer("tok-1", now + DAY_MS)
            .await
            .unwrap()
            .is_none()
    );
    // A session's end moves later, never earlier, and not once it has ended.
    let of = store::SessionOf::Officer;
    db.extend_session(of, "tok-1", now + 1, now + 2 * DAY_MS)
        .await
        .unwrap();
    db.extend_session(of, "tok-1", now + 1, now + DAY_MS / 2)
        .await
        .unwrap();
    assert_eq!(
        db.session_officer("tok-1", now + DAY_MS).await.unwrap(),
        Some((mai.clone(), times(now, now + 2 * DAY_MS)))
    );
    db.extend_session(of, "tok-1", now + 3 * DAY_MS, now + 4 * DAY_MS)
        .await
        .unwrap();
    assert!(
        db.session_officer("tok-1", now + 3 * DAY_MS)
            .await
            .unwrap()
            .is_none(),
        "an ended session is not brought back"
    );
    assert!(db.session_officer("tok-x", now).await.unwrap().is_none());
    assert!(db.close_session("tok-1").await.unwrap());
    assert!(!db.close_session("tok-1").await.unwrap());
    assert!(
        db.session_officer("tok-1", now + 1)
            .await
            .unwrap()
            .is_none()
    );

    // A new password ends the sessions; so does making the officer inactive.
    db.open_session("tok-2", mai.id, now, now + DAY_MS)
        .await
        .unwrap();
    db.set_password(mai.id, "hash-moi", &entry("đổi mật khẩu", "mai"))
        .await
        .unwrap();
    assert!(
        db.session_officer("tok-2", now + 1)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        db.officer_by_username(&mai.username)
            .await
            .unwrap()
            .unwrap()
            .1,
        "hash-moi"
    );
    db.open_session("tok-3", hung.id, now, now + DAY_MS)
        .await
        .unwrap();
    let mut moved = hung.clone();
    moved.active = false;
    moved.title = Some("Chuyên viên".into());
    db.update_officer(&moved, &entry("khóa tài khoản", "hung"))
        .await
        .unwrap();
    assert!(
        db.session_officer("tok-3", now + 1)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.officer(hung.id).await.unwrap(), Some(moved));
    assert!(
        db.officers_in(&["lao-cai.bao-thang.vhxh".to_string()])
            .await
            .unwrap()
            .is_empty(),
        "an inactive officer is nobody's colleague"
    );
    let log = db.admin_log_lines(10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        ["khóa tài khoản", "đổi mật khẩu", "đặt thư", "tạo tài khoản"],
        "every change with its line, newest first; nothing for a change not made"
    );
}

pub async fn citizens_their_sessions_and_dossiers(db: &Db) {
    let pao = CitizenAccount {
        id_number: "010090012345".into(),
        name: "Lù Văn Páo".into(),
        phone: Some("0912345678".into()),
        email: None,
    };
    db.add_citizen(&pao, "hash-pao", 0).await.unwrap();
    let err = db.add_citizen(&pao, "hash-2", 0).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert_eq!(
        db.citizen("010090012345").await.unwrap(),
        Some((pao.clone(), "hash-pao".to_string()))
    );
    assert!(db.citizen("001099000001").await.unwrap().is_none());
    assert_eq!(
        db.some_citizens(5).await.unwrap(),
        std::slice::from_ref(&pao)
    );

    let now = t("2026-12-07 08:00").timestamp_millis();
    db.open_citizen_session("c-tok", &pao.id_number, now, now + DAY_MS, None)
        .await
        .unwrap();
    let times = store::SessionTimes {
        created_ms: now,
        expires_ms: now + DAY_MS,
    };
    assert_eq!(
        db.session_citizen("c-tok", now + 1).await.unwrap(),
        Some((pao.clone(), None, times))
    );
    db.open_citizen_session("v-tok", &pao.id_number, now, now + DAY_MS, Some("VNeID"))
        .await
        .unwrap();
    assert_eq!(
        db.session_citizen("v-tok", now + 1).await.unwrap(),
        Some((pao.clone(), Some("VNeID".into()), times)),
        "a session says which provider proved the citizen's identity"
    );

    // A sign-in under way is taken once, and not when too old.
    let state = store::SignInState {
        state_hash: "s1".into(),
        nonce: "n1".into(),
        verifier: "v1".into(),
        created_ms: now,
    };
    db.put_sign_in_state(&state).await.unwrap();
    assert!(
        db.take_sign_in_state("s1", now + 1)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        db.take_sign_in_state("s1", now - 1).await.unwrap(),
        Some(state.clone())
    );
    assert!(
        db.take_sign_in_state("s1", now - 1)
            .await
            .unwrap()
            .is_none(),
        "used once"
    );
    assert!(
        db.session_citizen("c-tok", now + DAY_MS)
            .await
            .unwrap()
            .is_none()
    );
    db.extend_session(
        store::SessionOf::Citizen,
        "v-tok",
        now + 1,
        now + 2 * DAY_MS,
    )
    .await
    .unwrap();
    assert!(
        db.session_citizen("v-tok", now + DAY_MS)
            .await
            .unwrap()
            .is_some()
    );
    assert!(db.close_citizen_session("c-tok").await.unwrap());
    assert!(
        db.session_citizen("c-tok", now + 1)
            .await
            .unwrap()
            .is_none()
    );

    // A dossier shown by its receipt is linked once, however many times it is linked.
    let sim = with_code(&code(1));
    save(db, &sim).await.unwrap();
    let id = sim.d().id.0;
    assert!(!db.citizen_has_dossier(&pao.id_number, id).await.unwrap());
    for _ in 0..2 {
        db.link_citizen_dossier(&pao.id_number, id, "receipt", now)
            .await
            .unwrap();
    }
    assert!(db.citizen_has_dossier(&pao.id_number, id).await.unwrap());
    let rows = db.citizen_dossier_rows(&pao.id_number, 10).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert!(
        db.citizen_dossier_rows("001099000001", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn failed_logins_lock_and_an_unlock_is_logged(db: &Db) {
    let start = t("2026-12-07 08:00").timestamp_millis();
    let minute = 60_000;
    let lock_until = start + 15 * minute;
    let fail = |at: i64| db.login_failed("officer:mai", at, at - 15 * minute, 3, lock_until);
    assert_eq!(fail(start).await.unwrap(), None);
    assert_eq!(fail(start + minute).await.unwrap(), None);
    assert_eq!(fail(start + 2 * minute).await.unwrap(), Some(lock_until));
    assert_eq!(
        db.login_lock("officer:mai", start + 3 * minute)
            .await
            .unwrap(),
        Some(lock_until)
    );
    assert_eq!(
        db.login_lock("officer:mai", lock_until).await.unwrap(),
        None
    );
    let locked = db.locked_accounts(start + 3 * minute).await.unwrap();
    assert_eq!(locked.len(), 1);
    assert_eq!(
        (locked[0].account.as_str(), locked[0].failures),
        ("officer:mai", 3)
    );
    assert!(
        db.unlock_account("officer:mai", &entry("mở khóa", "officer:mai"))
            .await
            .unwrap()
    );
    assert!(
        !db.unlock_account("officer:mai", &entry("mở khóa", "officer:mai"))
            .await
            .unwrap()
    );
    assert_eq!(
        db.login_lock("officer:mai", start + 3 * minute)
            .await
            .unwrap(),
        None
    );
    assert_eq!(db.admin_log_lines(10).await.unwrap().len(), 1);

    // A success clears the count; failures older than the window are forgotten.
    let other = |at: i64| db.login_failed("citizen:1", at, at - 15 * minute, 3, at + minute);
    other(start).await.unwrap();
    other(start + 1).await.unwrap();
    db.login_succeeded("citizen:1").await.unwrap();
    assert_eq!(other(start + 2).await.unwrap(), None);
    assert_eq!(other(start + 3).await.unwrap(), None);
    assert_eq!(
        other(start + 30 * minute).await.unwrap(),
        None,
        "window passed"
    );
    assert!(other(start + 30 * minute + 1).await.unwrap().is_none());
    assert!(other(start + 30 * minute + 2).await.unwrap().is_some());
}

pub async fn ratings_are_kept_once_with_their_counts(db: &Db) {
    let sim = with_code(&code(1));
    save(db, &sim).await.unwrap();
    let id = sim.d().id.0;
    let rating = store::StoredRating {
        dossier: id,
        receiving: "lao-cai.bao-thang.mot-cua".into(),
        rated_ms: t("2026-12-12 09:00").timestamp_millis(),
        satisfied: false,
        answers: "{}".into(),
        comment: "Phải đi lại hai lần".into(),
    };
    let counts = [(
        fact("lao-cai.bao-thang", "2026-12-12", Measure::Received),
        1,
    )];
    assert_eq!(db.rating_of(id).await.unwrap(), None);
    db.put_rating(&rating, &counts).await.unwrap();
    let err = db.put_rating(&rating, &counts).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    assert_eq!(db.rating_of(id).await.unwrap(), Some(false));
    assert_eq!(db.ratings_by_dossier().await.unwrap(), [(id, false)]);
    let counted: i64 = db.all_counts().await.unwrap().iter().map(|c| c.n).sum();
    assert_eq!(counted, 1, "the refused second rating added nothing");
}

pub async fn server_keys_and_the_sweep(db: &Db) {
    let first = db.server_key("receipt", b"first", 0).await.unwrap();
    assert_eq!(first, b"first");
    assert_eq!(
        db.server_key("receipt", b"second", 1).await.unwrap(),
        b"first",
        "servers on one database agree on the first key written"
    );
    assert_eq!(db.server_key("other", b"x", 1).await.unwrap(), b"x");

    let mai = officer_at(
        "Lò Thị Mai",
        Role::CounterOfficer,
        "lao-cai.bao-thang.mot-cua",
    );
    db.add_officer(&mai, "h", None).await.unwrap();
    let now = t("2026-12-07 08:00").timestamp_millis();
    db.open_session("old", mai.id, now - DAY_MS, now - 1)
        .await
        .unwrap();
    db.open_session("live", mai.id, now, now + DAY_MS)
        .await
        .unwrap();
    let key = store::IdempotencyKey {
        scope: "officer:mai".into(),
        key: "k".into(),
        request_hash: "h".into(),
    };
    db.add_guidance(
        &store::GuidanceRecord {
            id: uuid::Uuid::now_v7(),
            agency: "lao-cai.bao-thang.mot-cua".into(),
            at: t("2026-12-06 08:00"),
            officer: None,
            officer_name: "Lò Thị Mai".into(),
            channel: "Tại quầy".into(),
            applicant_name: "Lù Văn Páo".into(),
            contact: None,
            procedure_code: None,
            procedure_name: None,
            content: "Hướng dẫn".into(),
            missing: vec![],
        },
        Some(&key),
    )
    .await
    .unwrap()
    .unwrap();
    let removed = db.purge_expired(now, now - 1).await.unwrap();
    assert_eq!(removed, 2, "the expired session and the old key");
    assert!(db.session_officer("live", now).await.unwrap().is_some());
    assert!(
        db.idempotent_result("officer:mai", "k")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.purge_expired(now, now - 1).await.unwrap(), 0);
}

pub async fn a_second_factor_is_set_up_confirmed_taken_once_and_removed(db: &Db) {
    let lan = officer_at("Hoàng Thị Lan", Role::Leader, "lao-cai.bao-thang.mot-cua");
    db.add_officer(&lan, "hash-lan", None).await.unwrap();
    let ghost = domain::officer::OfficerId(uuid::Uuid::nil());
    assert_eq!(db.second_factor(lan.id).await.unwrap(), None);
    assert!(!db.set_up_second_factor(ghost, "AAAA").await.unwrap());
    assert!(!db.take_second_factor_step(lan.id, 5).await.unwrap());

    // Set up, then set up again (a new QR code): the later secret waits.
    assert!(
        db.set_up_second_factor(lan.id, "FIRSTSECRET")
            .await
            .unwrap()
    );
    assert!(
        db.set_up_second_factor(lan.id, "SECONDSECRET")
            .await
            .unwrap()
    );
    let waiting = db.second_factor(lan.id).await.unwrap().unwrap();
    assert_eq!(
        waiting,
        store::SecondFactor {
            secret: "SECONDSECRET".into(),
            confirmed_ms: None,
            last_step: 0,
            recovery_left: 0,
        }
    );
    // Not confirmed: no code is taken, nobody is listed.
    assert!(!db.take_second_factor_step(lan.id, 5).await.unwrap());
    assert!(db.officers_with_second_factor().await.unwrap().is_empty());
    // A confirmation of the replaced secret writes nothing, not even its log line.
    let lines = db.admin_log_lines(100).await.unwrap().len();
    assert!(
        !db.confirm_second_factor(lan.id, "FIRSTSECRET", 10, 1_000, &[], &entry("bật", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), lines);
    assert!(
        db.confirm_second_factor(lan.id, "SECONDSECRET", 10, 1_000, &[], &entry("bật", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), lines + 1);
    assert_eq!(
        db.officers_with_second_factor()
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![lan.id]
    );
    // Confirmed: it cannot be set up over, nor confirmed twice.
    assert!(!db.set_up_second_factor(lan.id, "THIRD").await.unwrap());
    assert!(
        !db.confirm_second_factor(lan.id, "SECONDSECRET", 11, 2_000, &[], &entry("bật", "lan"))
            .await
            .unwrap()
    );
    // The confirming code's step is taken; each later step once.
    assert!(!db.take_second_factor_step(lan.id, 10).await.unwrap());
    assert!(db.take_second_factor_step(lan.id, 11).await.unwrap());
    assert!(!db.take_second_factor_step(lan.id, 11).await.unwrap());
    assert!(!db.take_second_factor_step(lan.id, 9).await.unwrap());
    assert!(db.take_second_factor_step(lan.id, 13).await.unwrap());
    let sf = db.second_factor(lan.id).await.unwrap().unwrap();
    assert_eq!((sf.confirmed_ms, sf.last_step), (Some(1_000), 13));

    // Two logins with the same code at once: one takes it.
    let (a, b) = tokio::join!(
        db.take_second_factor_step(lan.id, 20),
        db.take_second_factor_step(lan.id, 20)
    );
    assert!(a.unwrap() ^ b.unwrap());

    // Removed (a lost phone), logged; removing nothing writes nothing.
    assert!(
        db.remove_second_factor(lan.id, &entry("đặt lại", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(db.second_factor(lan.id).await.unwrap(), None);
    assert!(db.officers_with_second_factor().await.unwrap().is_empty());
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), lines + 2);
    assert!(
        !db.remove_second_factor(lan.id, &entry("đặt lại", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), lines + 2);
    // The officer's record is untouched by all of it.
    assert_eq!(db.officer(lan.id).await.unwrap(), Some(lan));
}

async fn recovery_left(db: &Db, id: domain::officer::OfficerId) -> u32 {
    db.second_factor(id).await.unwrap().unwrap().recovery_left
}

pub async fn recovery_codes_come_with_the_factor_are_taken_once_and_go_with_it(db: &Db) {
    let lan = officer_at("Hoàng Thị Lan", Role::Leader, "lao-cai.bao-thang.mot-cua");
    db.add_officer(&lan, "hash-lan", None).await.unwrap();
    let codes = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let lines = db.admin_log_lines(100).await.unwrap().len();
    // No confirmed factor: nothing to replace, nothing to take.
    assert!(
        !db.replace_recovery_codes(lan.id, &codes(&["a"]), &entry("mã", "lan"))
            .await
            .unwrap()
    );
    assert!(db.set_up_second_factor(lan.id, "SECRET").await.unwrap());
    assert!(
        !db.replace_recovery_codes(lan.id, &codes(&["a"]), &entry("mã", "lan"))
            .await
            .unwrap()
    );
    assert!(
        !db.take_recovery_code(lan.id, "a", &entry("dùng", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), lines);

    // Confirmed with three codes.
    assert!(
        db.confirm_second_factor(
            lan.id,
            "SECRET",
            10,
            1_000,
            &codes(&["a", "b", "c"]),
            &entry("bật", "lan")
        )
        .await
        .unwrap()
    );
    assert_eq!(recovery_left(db, lan.id).await, 3);
    // Each is taken once, with its log line; an unknown one is not.
    assert!(
        db.take_recovery_code(lan.id, "b", &entry("dùng", "lan"))
            .await
            .unwrap()
    );
    assert!(
        !db.take_recovery_code(lan.id, "b", &entry("dùng", "lan"))
            .await
            .unwrap()
    );
    assert!(
        !db.take_recovery_code(lan.id, "z", &entry("dùng", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(recovery_left(db, lan.id).await, 2);
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), lines + 2);
    // Two logins with the same code at once: one takes it.
    let used = entry("dùng", "lan");
    let (x, y) = tokio::join!(
        db.take_recovery_code(lan.id, "a", &used),
        db.take_recovery_code(lan.id, "a", &used)
    );
    assert!(x.unwrap() ^ y.unwrap());
    assert_eq!(recovery_left(db, lan.id).await, 1);

    // Replaced whole: the old ones are gone.
    assert!(
        db.replace_recovery_codes(lan.id, &codes(&["d", "e"]), &entry("mã mới", "lan"))
            .await
            .unwrap()
    );
    assert_eq!(recovery_left(db, lan.id).await, 2);
    assert!(
        !db.take_recovery_code(lan.id, "c", &entry("dùng", "lan"))
            .await
            .unwrap()
    );
    // Another officer's code is not this one's.
    let an = officer_at("Lê Văn An", Role::Leader, "lao-cai.bao-thang.mot-cua");
    db.add_officer(&an, "hash-an", None).await.unwrap();
    assert!(
        !db.take_recovery_code(an.id, "d", &entry("dùng", "an"))
            .await
            .unwrap()
    );

    // The factor removed takes its codes with it: set up again, none are left over.
    assert!(
        db.remove_second_factor(lan.id, &entry("đặt lại", "lan"))
            .await
            .unwrap()
    );
    assert!(
        !db.take_recovery_code(lan.id, "d", &entry("dùng", "lan"))
            .await
            .unwrap()
    );
    assert!(db.set_up_second_factor(lan.id, "NEW").await.unwrap());
    assert_eq!(recovery_left(db, lan.id).await, 0);
}
