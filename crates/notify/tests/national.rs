//! Đồng bộ Cổng Dịch vụ công quốc gia end to end: each change of a dossier goes through the
//! outbox and the real HTTP adapter to the local fake portal (`fakeportal`), which checks every
//! payload against the interface's field rules. A dossier's whole life arrives in order; an
//! outage delays but loses nothing; a payload the portal refuses is dead at once with the
//! portal's words, holds the dossier's later changes, and goes again when an administrator says.

mod common;

use std::sync::Arc;

use app::intake::IntakeRequest;
use common::*;
use domain::agency::AgencyId;
use domain::applicant::{Address, Applicant};
use domain::dossier::{Command, DossierId, Outcome, ReturnMethod, SupplementItem};
use domain::ids::{Cccd, Email, PersonName, PhoneNumber, ProcedureCode};
use domain::officer::Actor;
use fakeportal::FakePortal;
use notify::{HttpNationalPortal, NationalConfig, NotifyConfig};
use store::{Channel, MessageState};

const CLIENT: &str = "motcua-lao-cai";
const SECRET: &str = "bi-mat-ung-dung-cong-quoc-gia";

/// The demo province whose dossiers are synchronised to `portal`, with the Bảo Thắng centre's
/// identifier confirmed (unconfirmed identifiers are not sent).
async fn synchronised(name: &str, portal: &FakePortal, confirm: bool) -> Fixture {
    synchronised_with(name, portal, confirm, false).await
}

/// As [`synchronised`]; with `codes`, Bảo Thắng's centre takes its dossier codes from the portal.
async fn synchronised_with(name: &str, portal: &FakePortal, confirm: bool, codes: bool) -> Fixture {
    let adapter = Arc::new(adapter(portal));
    let f = seeded_with(
        name,
        "2026-12-07 09:00",
        NotifyConfig {
            max_attempts: 4,
            backoff_minutes: vec![1, 5, 30],
            ..NotifyConfig::default()
        },
        |settings, channels| {
            settings.notices.national = true;
            channels.national = Some(adapter.clone());
            if codes {
                settings.national_codes = Some(app::national::NationalCodes {
                    source: adapter,
                    centres: vec![AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap()],
                });
            }
        },
    )
    .await;
    if confirm {
        confirm_centre(&f).await;
    }
    f
}

/// The real adapter, with the account the fake portal accepts.
fn adapter(portal: &FakePortal) -> HttpNationalPortal {
    let config = NationalConfig {
        url: portal.url(),
        client_id: CLIENT.into(),
        secret_env: String::new(),
        timeout_seconds: 10,
        codes_from_portal: Vec::new(),
    };
    HttpNationalPortal::new(&config, SECRET.into()).unwrap()
}

/// An administrator confirms the identifier of Bảo Thắng's centre (as the shared e-catalogue
/// has it).
async fn confirm_centre(f: &Fixture) {
    let admin = officer(&f.db, "quantri").await;
    let centre = centre(f);
    let code = f.app.agencies().get(&centre).unwrap().code.to_string();
    f.app
        .admin()
        .import_agency_codes(&admin, &format!("{centre},{code}\n"))
        .await
        .unwrap();
}

fn centre(f: &Fixture) -> AgencyId {
    let id = AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap();
    assert!(
        f.app.agencies().get(&id).is_some(),
        "Bảo Thắng has a one-stop centre"
    );
    id
}

/// The centre's identifier as TT 01/2018 codes write it.
fn centre_legacy(f: &Fixture) -> String {
    f.app.agencies().get(&centre(f)).unwrap().code.legacy()
}

fn applicant() -> Applicant {
    Applicant::Citizen {
        name: PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: Cccd::parse("010190012345").unwrap(),
        phone: Some(PhoneNumber::parse("0912345678").unwrap()),
        email: Some(Email::parse("hang.nguyen@example.vn").unwrap()),
        address: Address::new("Tổ dân phố 3", Some("02905"), "Tổ dân phố 3, xã Bảo Thắng").unwrap(),
    }
}

fn reregister_birth() -> IntakeRequest {
    IntakeRequest {
        procedure: ProcedureCode::parse("1.004884").unwrap(),
        receiving: None,
        applicant: applicant(),
        components: vec![
            testsupport::kit::component("to-khai"),
            testsupport::kit::component("giay-to-khai-sinh"),
        ],
        return_method: ReturnMethod::Counter,
        fee_exemption: None,
        helped_at: None,
        idempotency: None,
        provenance: Default::default(),
    }
}

async fn act(f: &Fixture, who: &Actor, id: DossierId, command: Command) {
    f.app.handling().act(who, id, None, command).await.unwrap();
}

async fn receive(f: &Fixture) -> DossierId {
    let counter = officer(&f.db, "motcua.baothang").await;
    f.app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap()
        .id
}

/// From reception to the return of the result, with a supplement on the way.
async fn whole_life(f: &Fixture, id: DossierId) {
    let counter = officer(&f.db, "motcua.baothang").await;
    let head = officer(&f.db, "chanhvanphong.baothang").await;
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let chairman = officer(&f.db, "chutich.baothang").await;
    let clerk = officer(&f.db, "vanthu.baothang").await;
    act(f, &counter, id, testsupport::kit::pay_cash(5_000)).await;
    act(
        f,
        &counter,
        id,
        Command::Transfer {
            to_unit: AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap(),
        },
    )
    .await;
    let specialist_id = match &specialist {
        Actor::Officer(o) => o.id,
        _ => unreachable!(),
    };
    f.app
        .handling()
        .assign(&head, id, None, specialist_id, None)
        .await
        .unwrap();
    f.clock.set(at("2026-12-08 09:00"));
    act(
        f,
        &specialist,
        id,
        Command::RequestSupplement {
            items: vec![SupplementItem {
                component: Some("to-khai".into()),
                text: "Ký lại tờ khai".into(),
            }],
            reason: "Tờ khai chưa có chữ ký của người yêu cầu".into(),
            legal_basis: "Luật Hộ tịch 2014".into(),
        },
    )
    .await;
    f.clock.set(at("2026-12-09 09:00"));
    act(
        f,
        &counter,
        id,
        Command::SubmitSupplement {
            components: vec![testsupport::kit::component("to-khai")],
            note: String::new(),
        },
    )
    .await;
    act(
        f,
        &specialist,
        id,
        Command::Forward {
            note: String::new(),
            to_unit: None,
        },
    )
    .await;
    act(
        f,
        &chairman,
        id,
        Command::Decide {
            outcome: Outcome::Approved,
            reason: String::new(),
            legal_basis: String::new(),
            signature: Default::default(),
        },
    )
    .await;
    act(
        f,
        &clerk,
        id,
        Command::IssueResult {
            number: "15/GKS".into(),
            document: None,
        },
    )
    .await;
    f.clock.set(at("2026-12-10 14:00"));
    act(
        f,
        &counter,
        id,
        Command::Return {
            received_by: "Nguyễn Thị Hằng".into(),
            originals_returned: vec![],
            postal_bill: None,
            collected: None,
        },
    )
    .await;
}

async fn national_messages(f: &Fixture) -> Vec<store::StoredMessage> {
    f.db.messages_of_kind(app::national::NATIONAL_SYNC, 1000)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dossiers_whole_life_reaches_the_portal_in_order_with_valid_payloads() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("life", &portal, true).await;
    let id = receive(&f).await;
    whole_life(&f, id).await;
    let d = f.db.dossier(id).await.unwrap().unwrap();

    let messages = national_messages(&f).await;
    assert!(
        messages.len() >= 10,
        "one message per change: {}",
        messages.len()
    );
    assert!(messages.iter().all(|m| m.channel == Channel::National));
    // A dossier's messages are handed over one at a time: each pass of the worker takes the
    // next, and all of them are delivered by the end.
    let mut passes = 0;
    loop {
        let done = f.worker.deliver_due().await.unwrap();
        assert_eq!(done.failed, 0);
        if done.sent == 0 {
            break;
        }
        passes += 1;
    }
    assert_eq!(
        passes, 1,
        "the worker's loop claims again until nothing is due"
    );
    assert!(
        national_messages(&f)
            .await
            .iter()
            .all(|m| m.state == MessageState::Sent)
    );

    // What the portal received, in order: the dossier before anything about it, its steps in
    // the order they happened, and its state after each change.
    let calls = portal.calls();
    let dossier_calls: Vec<&fakeportal::Received> =
        calls.iter().filter(|c| c.path != "UploadFile").collect();
    assert_eq!(dossier_calls[0].path, "CreateDossier");
    let create = &dossier_calls[0].body;
    assert_eq!(create["MaHoSo"], d.code.as_str());
    assert_eq!(create["MaTTHC"], "1.004884");
    assert_eq!(create["KenhThucHien"], 1);
    assert_eq!(create["ThongTinNguoiNop"]["IdDoiTuong"], "010190012345");
    assert_eq!(
        create["ThongTinNguoiNop"]["ThongTinChiTiet"]["MaXa"],
        "02905"
    );
    assert!(
        create["NgayTiepNhan"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-07 09:00"),
        "{create}"
    );
    let steps: Vec<u64> = dossier_calls
        .iter()
        .filter(|c| c.path == "CapNhatTienTrinh")
        .map(|c| c.body["SoThuTu"].as_u64().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    let actions: Vec<&str> = dossier_calls
        .iter()
        .filter(|c| c.path == "CapNhatTienTrinh")
        .map(|c| c.body["NoiDungXuLy"].as_str().unwrap())
        .collect();
    for expected in [
        "Tiếp nhận hồ sơ",
        "Chuyển hồ sơ đến đơn vị xử lý",
        "Phân công xử lý",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ",
        "Nộp bổ sung hồ sơ",
        "Phê duyệt",
        "Phát hành kết quả",
        "Trả kết quả",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    assert!(
        !actions.contains(&"Nộp phí, lệ phí"),
        "money is told by the state's fee fields"
    );
    let statuses: Vec<u64> = dossier_calls
        .iter()
        .filter(|c| c.path == "CapNhatTrangThai")
        .map(|c| c.body["TrangThai"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.first(), Some(&2), "received");
    assert!(statuses.contains(&5), "supplement requested: {statuses:?}");
    assert_eq!(statuses.last(), Some(&10), "returned");

    let held = portal.dossier(&id.0.to_string()).unwrap();
    let last = held.status.unwrap();
    assert_eq!((last.status, last.version), (10, d.version));
    assert!(
        last.ended.as_deref().unwrap().starts_with("2026-12-09"),
        "{:?}",
        last.ended
    );
    assert_eq!(last.fees.iter().map(|f| f.amount).sum::<i64>(), 5_000);
    assert_eq!(last.paid_online, 0, "paid in cash");

    let ack = f.db.national_ack(id.0).await.unwrap().unwrap();
    assert_eq!((ack.version, ack.status), (d.version, 10));
    assert_eq!(ack.code, d.code.as_str());

    // A call delivered a second time (a worker that died before recording it) changes nothing
    // on the portal: it keeps one copy by the delivery key.
    let adapter = adapter(&portal);
    let again = calls.iter().find(|c| c.path == "CapNhatTrangThai").unwrap();
    use notify::NationalPortal;
    adapter
        .post(
            "CapNhatTrangThai",
            serde_json::to_vec(&again.body).unwrap(),
            &again.key,
        )
        .await
        .unwrap();
    assert_eq!(portal.calls().len(), calls.len());
    assert_eq!(portal.duplicates(), 1);
    assert_eq!(
        portal
            .dossier(&id.0.to_string())
            .unwrap()
            .status
            .unwrap()
            .status,
        10,
        "the newest state stays"
    );
}

#[tokio::test]
async fn an_outage_delays_the_sync_but_loses_nothing() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("outage", &portal, true).await;
    portal.set_outage(true);
    let ids = [receive(&f).await, receive(&f).await, receive(&f).await];
    let counter = officer(&f.db, "motcua.baothang").await;
    for id in ids {
        act(&f, &counter, id, testsupport::kit::pay_cash(5_000)).await;
    }
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!(
        (done.sent, done.failed),
        (0, 3),
        "only the first message of each dossier is tried: the payments wait behind the receptions"
    );
    // Thirty minutes of outage: every retry fails, nothing is lost, nothing is out of order.
    for minute in ["09:01", "09:06", "09:36"] {
        f.clock.set(at(&format!("2026-12-07 {minute}")));
        let done = f.worker.deliver_due().await.unwrap();
        assert_eq!(done.sent, 0);
    }
    assert_eq!(portal.dossier_count(), 0);
    assert_eq!(
        synced_766(&f).await,
        (Some(0), Some(3)),
        "QĐ 766 1.4: none of the three received is on the portal yet"
    );
    portal.set_outage(false);
    // The dead ones (four attempts) go again when the administrator says so.
    let admin = officer(&f.db, "quantri").await;
    let failed = f.app.notices().failed_messages(&admin).await.unwrap();
    for m in failed
        .iter()
        .filter(|m| m.message.state == MessageState::Dead)
    {
        f.app
            .notices()
            .retry_message(&admin, m.message.id)
            .await
            .unwrap();
    }
    f.clock.set(at("2026-12-07 12:00"));
    f.worker.deliver_due().await.unwrap();
    assert_eq!(portal.dossier_count(), 3, "every dossier is on the portal");
    for id in ids {
        let d = f.db.dossier(id).await.unwrap().unwrap();
        let held = portal.dossier(&id.0.to_string()).unwrap();
        assert_eq!(held.status.unwrap().version, d.version);
        assert_eq!(
            f.db.national_ack(id.0).await.unwrap().unwrap().version,
            d.version
        );
    }
    assert!(
        national_messages(&f)
            .await
            .iter()
            .all(|m| m.state == MessageState::Sent)
    );
    let (num, den) = synced_766(&f).await;
    assert_eq!((num, den), (Some(3), Some(3)), "1.4 after the recovery");
}

/// Indicator 1.4 of Xã Bảo Thắng for December 2026: (numerator, denominator).
async fn synced_766(f: &Fixture) -> (Option<i64>, Option<i64>) {
    indicator_766(f, "1.4").await
}

/// An indicator of Xã Bảo Thắng for December 2026: (numerator, denominator).
async fn indicator_766(f: &Fixture, id: &str) -> (Option<i64>, Option<i64>) {
    let inspector = officer(&f.db, "thanhtra").await;
    let x = f
        .app
        .reports()
        .index_766(
            &inspector,
            app::qd766::Period::parse("2026-12").unwrap(),
            None,
            &app::qd766::Scope::default(),
        )
        .await
        .unwrap();
    let unit = x
        .units
        .iter()
        .find(|u| u.agency == "lao-cai.bao-thang")
        .expect("Bảo Thắng is ranked");
    let i = unit.indicators.iter().find(|i| i.id == id).unwrap();
    assert!(i.points.is_some(), "{id} is computed");
    (i.numerator, i.denominator)
}

#[tokio::test]
async fn a_refused_payload_is_dead_with_the_portals_words_and_holds_the_dossier_until_retried() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("refused", &portal, false).await;
    let admin = officer(&f.db, "quantri").await;
    let counter = officer(&f.db, "motcua.baothang").await;

    // An identifier not confirmed against the shared e-catalogue is not sent at all.
    let id = receive(&f).await;
    act(&f, &counter, id, testsupport::kit::pay_cash(5_000)).await;
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!((done.sent, done.failed), (0, 1));
    let failed = f.app.notices().failed_messages(&admin).await.unwrap();
    assert_eq!(failed.len(), 1, "the payment waits behind the reception");
    let m = &failed[0].message;
    assert_eq!(
        (m.state, m.attempts),
        (MessageState::Dead, 1),
        "dead at once"
    );
    assert!(
        m.last_error
            .as_deref()
            .unwrap()
            .contains("chưa được xác nhận"),
        "{:?}",
        m.last_error
    );
    assert!(portal.calls().is_empty());

    // Confirmed, and retried: now the portal refuses the payload itself.
    confirm_centre(&f).await;
    portal.reject_next(1);
    f.app.notices().retry_message(&admin, m.id).await.unwrap();
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!((done.sent, done.failed), (0, 1));
    let m = f.db.message(m.id).await.unwrap().unwrap();
    assert_eq!(m.state, MessageState::Dead);
    let error = m.last_error.unwrap();
    assert!(
        error.contains("MaTTHC chưa được công khai"),
        "the portal's own words: {error}"
    );
    assert_eq!(
        national_messages(&f)
            .await
            .iter()
            .filter(|m| m.state == MessageState::Pending)
            .count(),
        1,
        "the payment is held, not sent before the dossier exists"
    );

    // Retried once more: the dossier and then its payment arrive.
    f.app.notices().retry_message(&admin, m.id).await.unwrap();
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!((done.sent, done.failed), (2, 0));
    let d = f.db.dossier(id).await.unwrap().unwrap();
    assert_eq!(
        portal
            .dossier(&id.0.to_string())
            .unwrap()
            .status
            .unwrap()
            .version,
        d.version
    );
}

#[tokio::test]
async fn reconciliation_finds_a_dossier_the_portal_lost_and_sends_it_again() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("reconcile", &portal, true).await;
    let scheduler = f
        .scheduler
        .clone()
        .with_national(Some(Arc::new(adapter(&portal))));
    let (kept, lost) = (receive(&f).await, receive(&f).await);
    f.worker.deliver_due().await.unwrap();
    assert_eq!(portal.dossier_count(), 2);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let clean = scheduler.reconcile(day).await.unwrap();
    assert_eq!((clean.acknowledged, clean.listed), (2, 2));
    assert!(clean.differences.is_empty());

    portal.forget(&lost.0.to_string());
    f.clock.set(at("2026-12-08 07:30"));
    let r = scheduler.reconcile(day).await.unwrap();
    assert_eq!((r.acknowledged, r.listed), (2, 1));
    assert_eq!(r.differences.len(), 1);
    let d = &r.differences[0];
    assert_eq!((d.dossier, d.listed), (lost.0, None));
    let log = f.db.admin_log_lines(5).await.unwrap();
    assert!(
        log[0].detail.contains("1 hồ sơ lệch") && log[0].detail.contains("Cổng không còn hồ sơ"),
        "{}",
        log[0].detail
    );
    // The lost dossier is sent again in full, and the portal holds it as we do.
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!((done.sent, done.failed), (1, 0));
    let held = portal.dossier(&lost.0.to_string()).unwrap();
    assert!(held.create.is_some());
    let ours = f.db.dossier(lost).await.unwrap().unwrap();
    assert_eq!(held.status.unwrap().version, ours.version);
    assert!(portal.dossier(&kept.0.to_string()).is_some());
    assert!(
        scheduler
            .reconcile(day)
            .await
            .unwrap()
            .differences
            .is_empty(),
        "nothing left to fix"
    );
}

/// Submitted on the national portal for Bảo Thắng's centre: re-registration of a birth, with a
/// scan of each component.
fn portal_submission(f: &Fixture) -> app::national::wire::CreateDossier {
    use app::national::wire;
    let centre = f.app.agencies().get(&centre(f)).unwrap().code.to_string();
    let component = |code: &str, name: &str| wire::Component {
        code: code.into(),
        name: name.into(),
        copies: 1,
        form: 2,
        digitised: 1,
        from_data_store: 0,
        files: Vec::new(),
    };
    wire::CreateDossier {
        id: "0193a1b2-0000-7000-8000-00000000c0de".into(),
        code: format!("{centre}-20261207-T000001"),
        procedure: "1.004884".into(),
        service: "1.004884".into(),
        procedure_name: "Đăng ký lại khai sinh".into(),
        owner: "Lò Văn Pao".into(),
        subject_kind: 1,
        receiving: centre,
        submitted: "2026-12-07 08:15:00".into(),
        received: None,
        appointment: None,
        channel: 2,
        limit: "5".into(),
        limit_unit: "ngày làm việc".into(),
        components: vec![
            component("to-khai", "Tờ khai đăng ký lại khai sinh"),
            component("giay-to-khai-sinh", "Bản sao giấy tờ khai sinh"),
        ],
        submitter: wire::Submitter {
            kind: 1,
            id: "010190054321".into(),
            detail: wire::SubmitterDetail {
                name: "Lò Văn Pao".into(),
                id_number: "010190054321".into(),
                phone: Some("0987654321".into()),
                email: None,
                province: None,
                district: None,
                commune: Some("02905".into()),
                address: "Thôn Cốc Sâm, xã Bảo Thắng".into(),
                owner_name: "Lò Văn Pao".into(),
                owner_id: "010190054321".into(),
                owner_province: None,
                owner_commune: Some("02905".into()),
                owner_address: "Thôn Cốc Sâm, xã Bảo Thắng".into(),
            },
        },
        fees: Vec::new(),
        digitised: 1,
        vneid: 1,
        population_record: None,
    }
}

#[tokio::test]
async fn a_dossier_submitted_on_the_portal_arrives_in_the_centres_online_queue_once() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("inbox", &portal, true).await;
    let scheduler = f
        .scheduler
        .clone()
        .with_national(Some(Arc::new(adapter(&portal))));
    let submission = portal_submission(&f);
    let scan = testsupport::png(4, 4, |x, y| [x as u8 * 60, y as u8 * 60, 90, 255]);
    portal.submit(
        submission.clone(),
        &[
            ("to-khai.png", scan.as_slice()),
            ("khai-sinh.png", b"%PDF-1.4 ban sao"),
        ],
    );
    assert_eq!(scheduler.pull_submissions().await.unwrap(), 1);
    assert_eq!(portal.waiting_count(), 0, "the portal was told");
    let taken = portal.taken();
    assert_eq!(taken.len(), 1);
    let id = national_messages(&f)
        .await
        .iter()
        .find_map(|m| m.dossier)
        .map(DossierId)
        .expect("the opening is queued for the sync");
    assert_eq!(id.0.to_string(), taken[0].1);
    let d = f.db.dossier(id).await.unwrap().unwrap();
    assert_eq!(d.channel, domain::procedure::Channel::Online);
    assert_eq!(
        d.stage.national_status().code(),
        1,
        "waiting in the online queue"
    );
    assert_eq!(d.code.as_str(), taken[0].2);
    assert_eq!(d.applicant.id_number(), "010190054321");
    assert!(
        d.provenance.vneid,
        "the portal says its citizen signed in with VNeID"
    );
    assert_eq!(d.receiving, centre(&f));
    let files: Vec<&str> = d
        .components
        .iter()
        .flat_map(|c| c.files.iter().map(|f| f.name.as_str()))
        .collect();
    assert_eq!(files, ["to-khai.png", "khai-sinh.png"]);

    // Pulled again (an acknowledgement the portal lost): the same dossier, not a second one.
    let again = f
        .app
        .take_portal_submission(&centre(&f), &portal_submission(&f), Vec::new())
        .await
        .unwrap();
    assert_eq!(again.id, id);
    let opened: std::collections::HashSet<_> = national_messages(&f)
        .await
        .iter()
        .filter_map(|m| m.dossier)
        .collect();
    assert_eq!(opened.len(), 1);
    assert_eq!(
        scheduler.pull_submissions().await.unwrap(),
        0,
        "nothing waits"
    );

    // Answered in our queue, the dossier's life reaches the portal like any other.
    let counter = officer(&f.db, "motcua.baothang").await;
    act(&f, &counter, id, Command::AcceptOnline).await;
    f.worker.deliver_due().await.unwrap();
    let held = portal.dossier(&id.0.to_string()).unwrap();
    assert_eq!(held.status.unwrap().status, 2, "received");
    assert_eq!(held.create.unwrap().channel, 2);
}

#[tokio::test]
async fn a_centre_taking_codes_from_the_portal_gets_them_and_keeps_receiving_when_it_is_down() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised_with("codes", &portal, true, true).await;
    let centre = f.app.agencies().get(&centre(&f)).unwrap().code.to_string();
    let today = chrono::Utc::now().format("%Y%m%d");
    let first = f.db.dossier(receive(&f).await).await.unwrap().unwrap();
    assert_eq!(first.code.as_str(), format!("{centre}-{today}-0000001"));
    let second = f.db.dossier(receive(&f).await).await.unwrap().unwrap();
    assert_eq!(second.code.as_str(), format!("{centre}-{today}-0000002"));
    // The portal holds the dossier under the code it issued.
    f.worker.deliver_due().await.unwrap();
    let held = portal.dossier(&first.id.0.to_string()).unwrap();
    assert_eq!(held.create.unwrap().code, first.code.as_str());

    // The portal is down: the counter receives with its own sequence and is not stopped. The
    // sequence counts every reception of the day, so the code says it was the day's third.
    portal.set_outage(true);
    let third = f.db.dossier(receive(&f).await).await.unwrap().unwrap();
    assert_eq!(
        third.code.as_str(),
        format!("{}-261207-0003", centre_legacy(&f))
    );
}

#[tokio::test]
async fn a_backfill_queues_what_the_portal_has_not_acknowledged_and_nothing_twice() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("backfill", &portal, true).await;
    let (a, b) = (receive(&f).await, receive(&f).await);
    assert_eq!(
        f.app.national_backfill().await.unwrap(),
        2,
        "neither is acknowledged yet"
    );
    f.worker.deliver_due().await.unwrap();
    for id in [a, b] {
        let d = f.db.dossier(id).await.unwrap().unwrap();
        assert_eq!(
            f.db.national_ack(id.0).await.unwrap().unwrap().version,
            d.version
        );
    }
    assert_eq!(portal.dossier_count(), 2);
    assert_eq!(
        f.app.national_backfill().await.unwrap(),
        0,
        "all acknowledged"
    );
}

#[tokio::test]
async fn a_component_taken_from_the_data_store_is_checked_flagged_for_the_portal_and_counted() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("reuse", &portal, true).await;
    let counter = officer(&f.db, "motcua.baothang").await;
    // A first dossier, with a scan of the birth papers.
    let scan = testsupport::png(6, 6, |x, y| [x as u8 * 40, 20, y as u8 * 40, 255]);
    let file = f
        .app
        .intake()
        .store_file(&counter, "giay-khai-sinh.png", &scan)
        .await
        .unwrap();
    let mut first = reregister_birth();
    first.components[1].files = vec![file.clone()];
    let first = f
        .app
        .intake()
        .receive_at_counter(&counter, first)
        .await
        .unwrap();

    // The counter sees it in the applicant's data store…
    let held = f
        .app
        .queries()
        .data_store(&counter, "010190012345")
        .await
        .unwrap();
    let h = held
        .iter()
        .find(|h| h.file.sha256 == file.sha256)
        .expect("the scan is in her data store");
    assert_eq!(h.dossier, first.id);
    assert!(h.fits("giay-to-khai-sinh", "Giấy tờ khai sinh"));
    // …and attaches it to her next dossier instead of a new scan.
    let mut second = reregister_birth();
    second.components[1].files = vec![h.file.clone()];
    second.components[1].reused = Some(domain::dossier::Reused {
        dossier: h.dossier,
        code: "do not trust".into(),
        result_code: None,
    });
    let second = f
        .app
        .intake()
        .receive_at_counter(&counter, second.clone())
        .await
        .unwrap();
    let reused = second.components[1].reused.clone().unwrap();
    assert_eq!(
        reused.code,
        first.code.as_str(),
        "the source's code, from the source"
    );

    // Someone else cannot take her file by naming her dossier.
    let mut other = reregister_birth();
    other.applicant = Applicant::Citizen {
        name: PersonName::parse("Lò Văn Pao").unwrap(),
        id_number: Cccd::parse("001089000123").unwrap(),
        phone: None,
        email: None,
        address: Address::new("Thôn Cốc Sâm", Some("02905"), "Thôn Cốc Sâm, xã Bảo Thắng").unwrap(),
    };
    other.components[1].files = vec![h.file.clone()];
    other.components[1].reused = second.components[1].reused.clone();
    let refused = f
        .app
        .intake()
        .receive_at_counter(&counter, other)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "reused_not_held");
    assert!(
        f.app
            .queries()
            .data_store(&counter, "001089000123")
            .await
            .unwrap()
            .is_empty()
    );
    // A citizen without a proved identity sees no data store.
    let password = domain::officer::Actor::Citizen {
        name: PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: Some(Cccd::parse("010190012345").unwrap()),
        access: domain::officer::CitizenAccess::Account,
    };
    assert!(
        f.app
            .queries()
            .data_store(&password, "010190012345")
            .await
            .is_err()
    );

    // The portal is told the component was taken from the data store.
    f.worker.deliver_due().await.unwrap();
    let create = portal
        .dossier(&second.id.0.to_string())
        .unwrap()
        .create
        .unwrap();
    assert_eq!(create.components[1].from_data_store, 1);
    assert_eq!(create.components[0].from_data_store, 0);
    let first_create = portal
        .dossier(&first.id.0.to_string())
        .unwrap()
        .create
        .unwrap();
    assert_eq!(first_create.components[1].from_data_store, 0);
    // QĐ 766 4.3: of the two dossiers received, one reused data.
    let (num, den) = indicator_766(&f, "4.3").await;
    assert_eq!((num, den), (Some(1), Some(2)));
}

#[tokio::test]
async fn a_population_lookup_is_checked_and_named_to_the_portal() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("population", &portal, true).await;
    let counter = officer(&f.db, "motcua.baothang").await;
    let digest = app::population::digest;
    f.db.record_population_lookup(&store::PopulationLookupRow {
        reference: "CSDLDC-00000042".into(),
        id_number: "010190012345".into(),
        officer: "motcua.baothang".into(),
        at_ms: f.app.now().timestamp_millis(),
        name_digest: digest("NGUYỄN THỊ HẰNG"),
        address_digest: digest(&app::population::address_key(
            "Tổ dân phố 3",
            Some("02905"),
            "",
        )),
    })
    .await
    .unwrap();
    let mut req = reregister_birth();
    req.provenance = app::provenance::ProvenanceClaim {
        population_ref: Some("CSDLDC-00000042".into()),
        filled: [
            domain::dossier::ApplicantField::Name,
            domain::dossier::ApplicantField::Address,
            domain::dossier::ApplicantField::Phone,
        ]
        .into_iter()
        .map(|field| domain::dossier::Filled {
            field,
            source: domain::dossier::DataSource::Population,
        })
        .collect(),
        portal_vneid: true,
    };
    let d = f
        .app
        .intake()
        .receive_at_counter(&counter, req)
        .await
        .unwrap();
    // The phone is not in the population database; at the counter the portal's word means
    // nothing.
    assert_eq!(d.provenance.filled.len(), 2, "{:?}", d.provenance);
    assert!(!d.provenance.vneid);
    f.worker.deliver_due().await.unwrap();
    let create = portal
        .calls()
        .into_iter()
        .find(|c| c.path == "CreateDossier")
        .unwrap()
        .body;
    assert_eq!(create["MaCSDL"], "CSDLDC-00000042");
    assert_eq!(create["TaiKhoanDuocXacThucVoiVNeID"], 0);
    let (num, den) = indicator_766(&f, "4.5(b)").await;
    assert_eq!((num, den), (Some(1), Some(1)));
}

#[tokio::test]
async fn a_petition_sent_to_the_national_feedback_system_is_received_here_once() {
    let portal = FakePortal::start("127.0.0.1:0", CLIENT, SECRET)
        .await
        .unwrap();
    let f = synchronised("pakn", &portal, true).await;
    let scheduler = f
        .scheduler
        .clone()
        .with_national(Some(Arc::new(adapter(&portal))));
    let commune = domain::agency::AgencyId::parse("lao-cai.bao-thang").unwrap();
    let code = f.app.agencies().get(&commune).unwrap().code.to_string();
    let petition = |id: &str, agency: &str| app::feedback::NationalPetition {
        id: id.into(),
        agency_code: agency.into(),
        title: "Thủ tục chứng thực yêu cầu thêm giấy tờ".into(),
        content: "Cán bộ yêu cầu nộp thêm bản sao sổ hộ khẩu, không có trong quy định.".into(),
        name: "Hà Thị Lan".into(),
        phone: Some("0977000222".into()),
        email: None,
        dossier_code: None,
        procedure_code: Some("2.000815".into()),
    };
    portal.submit_petition(petition("PAKN-QG-0001", &code));
    portal.submit_petition(petition("PAKN-QG-0002", "000.00.00.X99"));
    assert_eq!(scheduler.pull_feedback().await.unwrap(), 1);
    // The one for an agency not known here stays waiting there.
    assert_eq!(portal.petitions_waiting(), 1);
    let taken = portal.petitions_taken();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].0, "PAKN-QG-0001");
    let f1 = f.app.feedback().tracking(&taken[0].1).await.unwrap();
    assert_eq!(f1.state.agency, commune);
    assert_eq!(
        f1.petition.channel,
        domain::feedback::FeedbackChannel::National
    );
    assert_eq!(
        f1.petition.about,
        domain::feedback::About::Procedure {
            code: "2.000815".into()
        }
    );
    assert_eq!(f1.petition.national_id.as_deref(), Some("PAKN-QG-0001"));
    // Pulled again (the national system lost our confirmation): the same feedback, not a second.
    portal.submit_petition(petition("PAKN-QG-0001", &code));
    assert_eq!(scheduler.pull_feedback().await.unwrap(), 1);
    let again = f
        .app
        .feedback()
        .take_national(&petition("PAKN-QG-0001", &code))
        .await
        .unwrap();
    assert_eq!(again.code, f1.code);
    let all = f
        .app
        .feedback()
        .counts(
            &["lao-cai.bao-thang".to_string()],
            lich::time::parse_instant("2026-01-01 00:00")
                .unwrap()
                .to_utc(),
            lich::time::parse_instant("2027-12-31 00:00")
                .unwrap()
                .to_utc(),
        )
        .await
        .unwrap();
    assert_eq!(all["lao-cai.bao-thang"].unclassified, 1);

    // Answered and published here: the answer goes back to the national system, once.
    let counter = testsupport::officer(&f.db, "motcua.baothang").await;
    let chairman = testsupport::officer(&f.db, "chutich.baothang").await;
    use domain::feedback::FeedbackEvent as E;
    for (who, event) in [
        (
            &counter,
            E::Classified {
                category: domain::feedback::Category::Conduct,
            },
        ),
        (
            &counter,
            E::AnswerDrafted {
                answer: "Thành phần hồ sơ không gồm sổ hộ khẩu; xã đã nhắc cán bộ.".into(),
            },
        ),
        (&chairman, E::Approved),
        (&counter, E::Published),
    ] {
        f.app
            .feedback()
            .act(who, &f1.code, event, None)
            .await
            .unwrap();
    }
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!(done.failed, 0, "{done:?}");
    let answers = portal.petition_answers();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["IdPhanAnh"], "PAKN-QG-0001");
    assert_eq!(answers[0]["MaPhanAnh"], f1.code.as_str());
    assert_eq!(
        answers[0]["NoiDungTraLoi"],
        "Thành phần hồ sơ không gồm sổ hộ khẩu; xã đã nhắc cán bộ."
    );
    assert_eq!(answers[0]["CoQuanTraLoi"], "UBND xã Bảo Thắng");
}
