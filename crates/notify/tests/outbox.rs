//! The outbox end to end, through the real adapters to local fake servers: the applicant's
//! e-mails and SMS at each status change, the daily digest to a handler, a leader and a unit's
//! chat group (signature checked), retries with backoff, dead letters and an administrator's
//! retry, and silence for refused or internal changes. Time is moved with the app's clock.

mod common;

use app::ErrorKind;
use app::admin::AccountChange;
use app::digest::DigestRun;
use app::intake::IntakeRequest;
use common::*;
use domain::agency::AgencyId;
use domain::applicant::{Address, Applicant};
use domain::dossier::{Command, DossierId, Outcome, ReturnMethod, SupplementItem};
use domain::ids::{Cccd, Email, PersonName, PhoneNumber, ProcedureCode};
use domain::officer::Actor;
use hmac::{Hmac, KeyInit, Mac};
use notify::{NotifyConfig, SmsConfig, SmtpConfig, TlsMode, WebhookConfig};
use store::{Channel, MessageState};

const SECRET: &str = "bi-mat-cua-nhom-bao-thang";

fn smtp(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: TlsMode::None,
        username: None,
        password: None,
        from: "Một Cửa Bảo Thắng <motcua@baothang.test>".into(),
        timeout_seconds: 10,
    }
}

fn sms(url: &str) -> SmsConfig {
    SmsConfig {
        url: url.into(),
        token: Some("token-thu-nghiem".into()),
        sender: Some("MOTCUA".into()),
        timeout_seconds: 10,
    }
}

/// Nguyễn Thị Hằng, who left an e-mail and a phone number.
fn reachable_applicant() -> Applicant {
    Applicant::Citizen {
        name: PersonName::parse("Nguyễn Thị Hằng").unwrap(),
        id_number: Cccd::parse("010190012345").unwrap(),
        phone: Some(PhoneNumber::parse("0912345678").unwrap()),
        email: Some(Email::parse("hang.nguyen@example.vn").unwrap()),
        address: Address::new("Tổ dân phố 3", Some("02905"), "Tổ dân phố 3, xã Bảo Thắng").unwrap(),
    }
}

/// Đăng ký lại khai sinh (5 working days) at the counter of Xã Bảo Thắng.
fn reregister_birth() -> IntakeRequest {
    IntakeRequest {
        procedure: ProcedureCode::parse("1.004884").unwrap(),
        receiving: None,
        applicant: reachable_applicant(),
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

fn officer_id(a: &Actor) -> domain::officer::OfficerId {
    match a {
        Actor::Officer(o) => o.id,
        _ => unreachable!(),
    }
}

async fn act(f: &Fixture, who: &Actor, id: DossierId, command: Command) {
    f.app.handling().act(who, id, None, command).await.unwrap();
}

/// Received, transferred and assigned to the specialist of the office.
async fn received_and_assigned(f: &Fixture) -> DossierId {
    let counter = officer(&f.db, "motcua.baothang").await;
    let head = officer(&f.db, "chanhvanphong.baothang").await;
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let d = f
        .app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    act(f, &counter, d.id, testsupport::kit::pay_cash(5_000)).await;
    act(
        f,
        &counter,
        d.id,
        Command::Transfer {
            to_unit: AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap(),
        },
    )
    .await;
    f.app
        .handling()
        .assign(&head, d.id, None, officer_id(&specialist), None)
        .await
        .unwrap();
    d.id
}

#[tokio::test]
async fn the_applicant_is_told_of_each_status_change_by_email_and_sms() {
    let catcher = SmtpCatcher::start().await;
    let gateway = Receiver::start().await;
    let f = seeded(
        "status",
        "2026-12-07 09:00",
        NotifyConfig {
            smtp: Some(smtp(catcher.port)),
            sms: Some(sms(&gateway.url)),
            ..NotifyConfig::default()
        },
    )
    .await;
    let counter = officer(&f.db, "motcua.baothang").await;
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let chairman = officer(&f.db, "chutich.baothang").await;
    let clerk = officer(&f.db, "vanthu.baothang").await;

    let id = received_and_assigned(&f).await;
    let code = f.db.dossier(id).await.unwrap().unwrap().code.to_string();
    f.clock.set(at("2026-12-08 09:00"));
    act(
        &f,
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
        &f,
        &counter,
        id,
        Command::SubmitSupplement {
            components: vec![testsupport::kit::component("to-khai")],
            note: String::new(),
        },
    )
    .await;
    act(
        &f,
        &specialist,
        id,
        Command::Forward {
            note: String::new(),
            to_unit: None,
        },
    )
    .await;
    act(
        &f,
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
        &f,
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
        &f,
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

    // Nothing has left yet: the rows wait for the worker.
    assert!(catcher.mails().is_empty());
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!((done.sent, done.failed), (10, 0));

    let mails = catcher.mails();
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            format!("Hồ sơ {code}: Được tiếp nhận"),
            format!("Hồ sơ {code}: Yêu cầu bổ sung giấy tờ"),
            format!("Hồ sơ {code}: Đang xử lý"),
            format!("Hồ sơ {code}: Đã xử lý xong"),
            format!("Hồ sơ {code}: Đã trả kết quả"),
        ],
        "received, supplement, back in progress, result ready, returned — not the transfer, \
         assignment, forwarding or approval, which the applicant does not see"
    );
    let link = format!("Tra cứu hồ sơ: http://motcua.test/tra-cuu?ma={code}");
    for m in &mails {
        assert_eq!(m.to, ["hang.nguyen@example.vn"]);
        assert_eq!(m.from, "motcua@baothang.test");
        assert!(
            m.body.starts_with("Kính gửi: Nguyễn Thị Hằng\n"),
            "{}",
            m.body
        );
        assert!(
            m.body.contains(&format!("Mã hồ sơ: {code}\n")),
            "{}",
            m.body
        );
        assert!(
            m.body.contains("Thủ tục: Đăng ký lại khai sinh"),
            "{}",
            m.body
        );
        assert!(m.body.contains(&link), "{}", m.body);
    }
    assert!(mails[0].body.contains("Hồ sơ đã được tiếp nhận."));
    // The receipt notice carries the access code printed on the receipt; later ones do not.
    let access = f.app.citizens().access_code(id);
    assert!(
        mails[0].body.contains(&format!("Mã bảo mật: {access} ")),
        "{}",
        mails[0].body
    );
    assert!(mails[1..].iter().all(|m| !m.body.contains(&access)));
    assert!(
        mails[0].body.contains("Hẹn trả kết quả: 17:00, 14/12/2026"),
        "{}",
        mails[0].body
    );
    assert!(
        mails[1]
            .body
            .contains("đề nghị ông/bà bổ sung, hoàn thiện hồ sơ")
    );
    assert!(
        mails[1]
            .body
            .contains("Lý do: Tờ khai chưa có chữ ký của người yêu cầu")
    );
    assert!(mails[1].body.contains("  - Ký lại tờ khai\n"));
    assert!(
        !mails[1].body.contains("Hẹn trả kết quả"),
        "no appointment while the clock is stopped"
    );
    assert!(mails[2].body.contains("Hồ sơ tiếp tục được giải quyết."));
    assert!(mails[3].body.contains("mời ông/bà nhận kết quả"));
    assert!(
        mails[4]
            .body
            .contains("Kết quả giải quyết hồ sơ đã được trả.")
    );

    // The same five by SMS, through the gateway, with the token and an idempotency key.
    let texts = gateway.requests();
    assert_eq!(texts.len(), 5);
    for r in &texts {
        assert_eq!(r.header("authorization"), "Bearer token-thu-nghiem");
        let body = r.json();
        assert_eq!(body["to"], "0912345678");
        assert_eq!(body["sender"], "MOTCUA");
        assert_eq!(body["id"], r.header("x-motcua-delivery"));
    }
    assert_eq!(
        texts[0].json()["text"],
        format!(
            "Hồ sơ {code}: Được tiếp nhận. Hẹn trả: 17:00, 14/12/2026. Mã bảo mật: {access}. Tra cứu: http://motcua.test/tra-cuu?ma={code}"
        )
    );
    assert!(
        texts[4].json()["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Hồ sơ {code}: Đã trả kết quả."))
    );

    // Delivered once: another pass sends nothing.
    assert_eq!(f.worker.deliver_due().await.unwrap().sent, 0);
    let counts = f.db.outbox_counts().await.unwrap();
    assert_eq!((counts.sent, counts.pending, counts.dead), (10, 0, 0));
}

/// The HMAC-SHA256 a chat bridge computes over what it received.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn codes(section: &serde_json::Value) -> Vec<String> {
    section
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_daily_digest_goes_at_its_hour_to_handler_leader_and_the_units_chat_group() {
    let catcher = SmtpCatcher::start().await;
    let bridge = Receiver::start().await;
    let f = seeded(
        "digest",
        "2026-12-07 09:00",
        NotifyConfig {
            smtp: Some(smtp(catcher.port)),
            digest_hour: 7,
            webhooks: vec![WebhookConfig {
                agency: "lao-cai.bao-thang".into(),
                url: bridge.url.clone(),
                secret: SECRET.into(),
            }],
            ..NotifyConfig::default()
        },
    )
    .await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let chairman = officer(&f.db, "chutich.baothang").await;

    // The administrator gives the two officers their e-mail; a wrong one changes nothing.
    let bad = app
        .admin()
        .change_account(
            &admin,
            officer_id(&specialist),
            AccountChange::Email("hung@".into()),
        )
        .await
        .unwrap_err();
    assert_eq!((bad.kind, bad.code), (ErrorKind::Invalid, "invalid_email"));
    assert!(f.db.officer_emails().await.unwrap().is_empty());
    for (who, email) in [
        (&specialist, "hung.tuphap@baothang.test"),
        (&chairman, "son.chutich@baothang.test"),
    ] {
        app.admin()
            .change_account(&admin, officer_id(who), AccountChange::Email(email.into()))
            .await
            .unwrap();
    }
    assert_eq!(
        app.admin()
            .change_account(
                &chairman,
                officer_id(&specialist),
                AccountChange::Email("x@y.vn".into())
            )
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );

    // A complaint written down at the counter on 24 November: its answer is due in 15 working
    // days, on 15 December at 17:00.
    f.clock.set(at("2026-11-24 09:00"));
    let counter = officer(&f.db, "motcua.baothang").await;
    let complaint = app
        .feedback()
        .submit(
            &counter,
            domain::feedback::Petition {
                title: "Bãi đỗ xe trước trụ sở xã chật".into(),
                content: "Đề nghị bố trí thêm chỗ để xe cho người đến làm thủ tục.".into(),
                about: domain::feedback::About::Other,
                name: "Vũ Văn Nam".into(),
                phone: Some("0912000111".into()),
                email: None,
                id_number: None,
                channel: domain::feedback::FeedbackChannel::Counter,
                attachments: Vec::new(),
                national_id: None,
            },
            Some(domain::agency::AgencyId::parse("lao-cai.bao-thang").unwrap()),
        )
        .await
        .unwrap();

    // Received on three days: due 14, 15 and 16 December at 17:00. A fourth, received on the
    // 10th, goes up for approval.
    let mut ids = Vec::new();
    for day in ["2026-12-07 09:00", "2026-12-08 09:00", "2026-12-09 09:00"] {
        f.clock.set(at(day));
        ids.push(received_and_assigned(&f).await);
    }
    f.clock.set(at("2026-12-10 09:00"));
    let up = received_and_assigned(&f).await;
    act(
        &f,
        &specialist,
        up,
        Command::Forward {
            note: String::new(),
            to_unit: None,
        },
    )
    .await;
    let (mut code, mut due) = (Vec::new(), Vec::new());
    for id in ids.iter().chain([&up]) {
        let d = f.db.dossier(*id).await.unwrap().unwrap();
        code.push(d.code.to_string());
        due.push(
            lich::time::to_vn(&d.due.unwrap())
                .format("%d/%m/%Y %H:%M")
                .to_string(),
        );
    }
    assert_eq!(
        due[..3],
        ["14/12/2026 17:00", "15/12/2026 17:00", "16/12/2026 17:00"]
    );

    // Tuesday 15 December, a minute before the hour: nothing yet.
    f.clock.set(at("2026-12-15 06:59"));
    assert_eq!(f.scheduler.tick().await.unwrap(), DigestRun::NotYet);
    let digests = || async {
        f.db.messages_of_kind(app::digest::DIGEST, 10)
            .await
            .unwrap()
    };
    assert!(digests().await.is_empty());
    // The applicant's own e-mails (four receptions) go first.
    assert_eq!(f.worker.deliver_due().await.unwrap().sent, 4);
    catcher.clear();
    f.clock.set(at("2026-12-15 07:00"));
    assert_eq!(
        f.scheduler.tick().await.unwrap(),
        DigestRun::Done { enqueued: 3 },
        "the specialist, the chairman, and the commune's chat group"
    );
    f.clock.set(at("2026-12-15 07:05"));
    assert_eq!(
        f.scheduler.tick().await.unwrap(),
        DigestRun::Done { enqueued: 0 },
        "a second run on the same day (a restart) sends nothing twice"
    );
    assert_eq!(digests().await.len(), 3);
    let done = f.worker.deliver_due().await.unwrap();
    assert_eq!((done.sent, done.failed), (3, 0));

    let mails = catcher.mails();
    assert_eq!(mails.len(), 2);
    let to = |addr: &str| {
        mails
            .iter()
            .find(|m| m.to == [addr])
            .unwrap_or_else(|| panic!("no digest to {addr}"))
            .clone()
    };
    let handler = to("hung.tuphap@baothang.test");
    assert_eq!(
        handler.subject,
        "Một Cửa: tổng hợp hồ sơ ngày 15/12/2026 — 1 quá hạn, 1 đến hạn hôm nay"
    );
    let b = &handler.body;
    assert!(b.starts_with("Kính gửi: Nguyễn Văn Hùng\n"), "{b}");
    assert!(b.contains("Tổng hợp hồ sơ ngày Thứ Ba 15/12/2026"), "{b}");
    let section = |body: &str, title: &str| -> String {
        let start = body
            .find(title)
            .unwrap_or_else(|| panic!("no {title} in {body}"));
        let rest = &body[start..];
        let end = rest.find("\n\n").unwrap_or(rest.len());
        rest[..end].to_string()
    };
    let overdue = section(b, "QUÁ HẠN: 1 hồ sơ");
    assert!(
        overdue.contains(&format!(
            "- {} — Đăng ký lại khai sinh — Nguyễn Thị Hằng — hạn 14/12/2026 17:00",
            code[0]
        )),
        "{overdue}"
    );
    let today = section(b, "ĐẾN HẠN HÔM NAY: 1 hồ sơ");
    assert!(
        today.contains(&code[1]) && today.contains("hạn 15/12/2026 17:00"),
        "{today}"
    );
    let next = section(
        b,
        "ĐẾN HẠN NGÀY LÀM VIỆC TIẾP THEO (Thứ Tư 16/12/2026): 1 hồ sơ",
    );
    assert!(next.contains(&code[2]), "{next}");
    assert!(
        b.contains("CHỜ PHÊ DUYỆT: 0 hồ sơ"),
        "the dossier sent up for approval is no longer the specialist's: {b}"
    );
    assert!(b.contains("Xem và xử lý: http://motcua.test/can-bo"));

    let leader = to("son.chutich@baothang.test");
    let feedback = section(
        &leader.body,
        "PHẢN ÁNH, KIẾN NGHỊ QUÁ HẠN HOẶC ĐẾN HẠN ĐẾN HẾT NGÀY LÀM VIỆC TIẾP THEO: 1 phản ánh",
    );
    assert!(
        feedback.contains(&format!(
            "- {} — Bãi đỗ xe trước trụ sở xã chật — UBND xã Bảo Thắng — hạn 15/12/2026 17:00",
            complaint.code
        )),
        "{feedback}"
    );
    let approval = section(&leader.body, "CHỜ PHÊ DUYỆT: 1 hồ sơ");
    assert!(approval.contains(&code[3]), "{approval}");
    assert!(leader.body.contains("QUÁ HẠN: 1 hồ sơ"), "{}", leader.body);
    assert!(leader.body.contains(&code[0]));

    // The commune's chat group: signed JSON the bridge can check.
    let posts = bridge.requests();
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    let timestamp = post.header("x-motcua-timestamp");
    assert_eq!(timestamp, at("2026-12-15 07:05").timestamp().to_string());
    assert_eq!(
        post.header("x-motcua-signature"),
        expected_signature(&timestamp, &post.body)
    );
    assert_ne!(
        post.header("x-motcua-signature"),
        expected_signature("0", &post.body),
        "the timestamp is part of what is signed"
    );
    assert_eq!(
        post.header("x-motcua-delivery"),
        "digest:lao-cai.bao-thang:2026-12-15"
    );
    let json = post.json();
    assert_eq!(json["type"], "digest");
    assert_eq!(json["agency"], "lao-cai.bao-thang");
    assert_eq!(json["date"], "2026-12-15");
    assert_eq!(json["next_working_day"], "2026-12-16");
    let s = &json["sections"];
    assert_eq!(codes(&s["overdue"]), [code[0].clone()]);
    assert_eq!(codes(&s["due_today"]), [code[1].clone()]);
    assert_eq!(codes(&s["due_next_working_day"]), [code[2].clone()]);
    assert_eq!(codes(&s["awaiting_approval"]), [code[3].clone()]);
    assert_eq!(codes(&s["feedback"]), std::slice::from_ref(&complaint.code));
    assert_eq!(s["overdue"][0]["applicant"], "Nguyễn Thị Hằng");
    assert_eq!(s["overdue"][0]["due"], "14/12/2026 17:00");
    assert!(json["text"].as_str().unwrap().contains("QUÁ HẠN: 1 hồ sơ"));

    // Saturday is not a working day: no digest.
    f.clock.set(at("2026-12-19 08:00"));
    assert_eq!(f.scheduler.tick().await.unwrap(), DigestRun::DayOff);
}

#[tokio::test]
async fn a_failed_message_is_retried_with_backoff_then_dead_until_an_administrator_retries_it() {
    let gateway = Receiver::start().await;
    let f = seeded(
        "retry",
        "2026-12-07 09:00",
        NotifyConfig {
            sms: Some(sms(&gateway.url)),
            max_attempts: 3,
            backoff_minutes: vec![1, 5],
            ..NotifyConfig::default()
        },
    )
    .await;
    let app = &f.app;
    let admin = officer(&f.db, "quantri").await;
    let counter = officer(&f.db, "motcua.baothang").await;

    // 500, then 200: delivered on the second attempt, a minute later.
    gateway.answer(&[500]);
    app.intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    let first = f.worker.deliver_due().await.unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    let failing = app.notices().failed_messages(&admin).await.unwrap();
    assert_eq!(failing.len(), 1);
    let m = &failing[0].message;
    assert_eq!((m.state, m.attempts), (MessageState::Pending, 1));
    assert!(
        m.last_error.as_deref().unwrap().contains("HTTP 500"),
        "{:?}",
        m.last_error
    );
    assert_eq!(m.next_attempt_at, at("2026-12-07 09:01"));
    assert_eq!(
        f.worker.deliver_due().await.unwrap().sent,
        0,
        "not before its time"
    );
    f.clock.set(at("2026-12-07 09:01"));
    assert_eq!(f.worker.deliver_due().await.unwrap().sent, 1);
    assert_eq!(gateway.requests().len(), 2);
    let sent = f.db.message(m.id).await.unwrap().unwrap();
    assert_eq!((sent.state, sent.attempts), (MessageState::Sent, 2));
    assert!(
        app.notices()
            .failed_messages(&admin)
            .await
            .unwrap()
            .is_empty()
    );

    // Always 500: attempts at 09:10, 09:11 and 09:16, then dead.
    gateway.always(Some(500));
    f.clock.set(at("2026-12-07 09:10"));
    let mut counter_req = reregister_birth();
    counter_req.applicant = reachable_applicant();
    let d = app
        .intake()
        .receive_at_counter(&counter, counter_req)
        .await
        .unwrap();
    f.worker.deliver_due().await.unwrap();
    f.clock.set(at("2026-12-07 09:11"));
    f.worker.deliver_due().await.unwrap();
    f.clock.set(at("2026-12-07 09:15"));
    assert_eq!(f.worker.deliver_due().await.unwrap().failed, 0, "5 minutes");
    f.clock.set(at("2026-12-07 09:16"));
    assert_eq!(f.worker.deliver_due().await.unwrap().failed, 1);
    f.clock.set(at("2026-12-08 09:16"));
    assert_eq!(
        f.worker.deliver_due().await.unwrap().failed,
        0,
        "a dead message is not tried again"
    );
    let dead = app.notices().failed_messages(&admin).await.unwrap();
    assert_eq!(dead.len(), 1);
    let m = &dead[0].message;
    assert_eq!((m.state, m.attempts), (MessageState::Dead, 3));
    assert_eq!(m.channel, Channel::Sms);
    assert_eq!(m.dossier, Some(d.id.0));
    assert!(dead[0].channel_configured);
    assert_eq!(gateway.requests().len(), 5);

    // Only an administrator retries; the retry is logged and goes at the next pass.
    assert_eq!(
        app.notices()
            .retry_message(&counter, m.id)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        app.notices()
            .retry_message(&admin, 999_999)
            .await
            .unwrap_err()
            .code,
        "message_not_found"
    );
    gateway.always(None);
    app.notices().retry_message(&admin, m.id).await.unwrap();
    assert_eq!(
        app.notices()
            .retry_message(&admin, m.id)
            .await
            .unwrap_err()
            .code,
        "message_not_failed",
        "a message waiting for its attempt is not put back twice"
    );
    let log = f.db.admin_log_lines(5).await.unwrap();
    assert_eq!(log[0].action, "gửi lại thư");
    assert!(
        log[0].detail.contains(&format!("thư #{}", m.id)),
        "{:?}",
        log[0]
    );
    assert_eq!(f.worker.deliver_due().await.unwrap().sent, 1);
    assert_eq!(
        f.db.message(m.id).await.unwrap().unwrap().state,
        MessageState::Sent
    );
    assert!(
        app.notices()
            .failed_messages(&admin)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_refused_or_internal_change_and_an_unconfigured_channel_write_no_message() {
    let catcher = SmtpCatcher::start().await;
    let f = seeded(
        "silent",
        "2026-12-07 09:00",
        NotifyConfig {
            smtp: Some(smtp(catcher.port)),
            ..NotifyConfig::default()
        },
    )
    .await;
    let app = &f.app;
    let counter = officer(&f.db, "motcua.baothang").await;
    let specialist = officer(&f.db, "tuphap.baothang").await;
    let d = app
        .intake()
        .receive_at_counter(&counter, reregister_birth())
        .await
        .unwrap();
    // E-mail only: SMTP is configured, the SMS gateway is not, so no SMS row piles up.
    let after_intake = f.db.outbox_counts().await.unwrap();
    assert_eq!(after_intake.total(), 1);

    // Refused by the rules (no result to return), by permission, and by a stale version.
    let refusals = [
        app.handling()
            .act(
                &counter,
                d.id,
                None,
                Command::Return {
                    received_by: "Nguyễn Thị Hằng".into(),
                    originals_returned: vec![],
                    postal_bill: None,
                    collected: None,
                },
            )
            .await
            .unwrap_err(),
        app.handling()
            .act(
                &specialist,
                d.id,
                None,
                Command::Stop {
                    reason: "Thử".into(),
                    legal_basis: "Thử".into(),
                },
            )
            .await
            .unwrap_err(),
        app.handling()
            .act(
                &counter,
                d.id,
                Some(d.version + 5),
                Command::Transfer {
                    to_unit: AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap(),
                },
            )
            .await
            .unwrap_err(),
    ];
    assert_eq!(
        refusals.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [ErrorKind::Rule, ErrorKind::Forbidden, ErrorKind::Conflict]
    );
    assert_eq!(f.db.outbox_counts().await.unwrap(), after_intake);

    // A transfer is internal: the applicant is not told.
    act(
        &f,
        &counter,
        d.id,
        Command::Transfer {
            to_unit: AgencyId::parse("lao-cai.bao-thang.van-phong").unwrap(),
        },
    )
    .await;
    assert_eq!(f.db.outbox_counts().await.unwrap(), after_intake);
    let rows =
        f.db.messages_of_kind(app::notices::STATUS_CHANGE, 10)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].channel, Channel::Email);
    assert_eq!(rows[0].idempotency_key, format!("status:{}:2:email", d.id));
}
