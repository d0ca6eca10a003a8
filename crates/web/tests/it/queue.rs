//! Hàng đợi: the kiosk, the counter desk, the display board and the ticket tied to the dossier.

use crate::common::*;

const CENTRE: &str = "lao-cai.bao-thang.mot-cua";

/// Takes a number at the kiosk (no account); the ticket page's path.
async fn take(t: &TestApp, area: &str, priority: &str) -> (u16, String) {
    let (_, _, page) = fetch(t, "", &format!("/xep-hang/{CENTRE}")).await;
    let csrf = csrf_of(&String::from_utf8(page).unwrap());
    let (status, body) = post_form(
        t,
        "",
        &csrf,
        &format!("/xep-hang/{CENTRE}"),
        vec![
            ("csrf", csrf.clone()),
            ("khu_vuc", area.into()),
            ("uu_tien", priority.into()),
        ],
    )
    .await;
    (status, body)
}

/// The counter officer's desk: posts an action, returns status and the desk page after it.
async fn desk(t: &TestApp, session: &str, form: Vec<(&'static str, String)>) -> (u16, String) {
    let (_, _, page) = fetch(t, session, "/can-bo/quay").await;
    let csrf = csrf_of(&String::from_utf8(page).unwrap());
    let mut fields = vec![("csrf", csrf.clone())];
    fields.extend(form);
    let (status, body) = post_form(t, session, &csrf, "/can-bo/quay", fields).await;
    if status == 303 {
        let (_, _, page) = fetch(t, session, "/can-bo/quay").await;
        return (status, String::from_utf8(page).unwrap());
    }
    (status, body)
}

fn ticket_id(desk_page: &str) -> String {
    desk_page
        .split("name=\"ve\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no ticket being served: {desk_page}"))
        .to_string()
}

/// Priority tickets are called first, then in the order taken; a missed number and one sent to
/// another area are recorded; bad input is refused with nothing written.
#[tokio::test]
async fn counters_call_numbers_in_order_and_refuse_what_does_not_fit() {
    let t = spawn().await;
    assert_eq!(take(&t, "ho-tich", "").await.0, 303);
    assert_eq!(take(&t, "ho-tich", "").await.0, 303);
    assert_eq!(take(&t, "ho-tich", "elderly").await.0, 303);
    // An area the centre does not have, a priority that does not exist: said, nothing taken.
    let (status, page) = take(&t, "khong-co", "").await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Khu vực này không có ở Bộ phận Một cửa"),
        "{page}"
    );
    let (status, page) = take(&t, "ho-tich", "vip").await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Đối tượng ưu tiên không hợp lệ"), "{page}");

    let counter = t.login("motcua.baothang").await;
    // Calling before opening a counter, or opening counter 0: refused.
    let (status, page) = desk(&t, &counter, vec![("do", "goi".into())]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Hãy mở quầy"), "{page}");
    let (status, page) = desk(
        &t,
        &counter,
        vec![
            ("do", "mo-quay".into()),
            ("quay", "0".into()),
            ("khu_vuc", "ho-tich".into()),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Số quầy phải từ 1 đến 99"), "{page}");
    let (status, page) = desk(
        &t,
        &counter,
        vec![
            ("do", "mo-quay".into()),
            ("quay", "3".into()),
            ("khu_vuc", "ho-tich".into()),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert!(page.contains("Quầy số 3"), "{page}");
    assert!(page.contains("Đang chờ (3)"), "{page}");

    // The elderly person's number (0003) comes first, then 0001.
    let (_, page) = desk(&t, &counter, vec![("do", "goi".into())]).await;
    assert!(
        page.contains("Đang phục vụ số <strong class=\"ticket-no\">0003</strong>"),
        "{page}"
    );
    let third = ticket_id(&page);
    assert!(!page.contains("value=\"goi\""), "{page}");
    // One citizen at a time: no next number, and no closing, while 0003 is at the counter.
    for what in ["goi", "dong-quay"] {
        let (status, page) = desk(&t, &counter, vec![("do", what.into())]).await;
        assert_eq!(status, 409, "{page}");
        assert!(page.contains("Quầy đang phục vụ số 0003"), "{page}");
    }
    let (_, page) = desk(
        &t,
        &counter,
        vec![("do", "vang".into()), ("ve", third.clone())],
    )
    .await;
    assert!(page.contains("Chưa gọi số nào"), "{page}");
    let (_, page) = desk(&t, &counter, vec![("do", "goi".into())]).await;
    assert!(page.contains("0001</strong>"), "{page}");
    let first = ticket_id(&page);
    // Sent to land and construction: waiting again there, not at this counter.
    let (_, page) = desk(
        &t,
        &counter,
        vec![
            ("do", "chuyen".into()),
            ("ve", first.clone()),
            ("den", "dat-dai".into()),
        ],
    )
    .await;
    assert!(page.contains("Đang chờ (1)"), "{page}");
    // A missed number cannot be served any more.
    let (status, page) = desk(
        &t,
        &counter,
        vec![("do", "xong".into()), ("ve", third.clone())],
    )
    .await;
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("Số 0003 chưa được gọi tại quầy (vắng mặt)"),
        "{page}"
    );

    // The holder of 0001 follows it on the phone: waiting in the new area.
    let (_, _, follow) = fetch(&t, "", &format!("/xep-hang/so/{first}")).await;
    let follow = String::from_utf8(follow).unwrap();
    assert!(follow.contains("Đất đai, xây dựng"), "{follow}");
    assert!(follow.contains("Đang chờ — 0 người chờ trước"), "{follow}");
    // Every change is recorded.
    let events =
        t.db.ticket_events(uuid::Uuid::parse_str(&first).unwrap())
            .await
            .unwrap();
    assert_eq!(events.len(), 3, "{events:?}");

    // The chairman reads the day's figures: tickets, no-shows, waits by area and by counter,
    // on the page, in the periodic report and as XLSX.
    t.at("2026-12-07 10:00");
    let leader = t.login("chutich.baothang").await;
    let (status, _, page) = fetch(&t, &leader, "/lanh-dao/hang-doi").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let area = page
        .split("<tr>")
        .find(|r| r.contains("<td>Hộ tịch, chứng thực</td>"))
        .unwrap_or_else(|| panic!("{page}"));
    // Two still there (one was sent on to land), one missed.
    assert!(area.contains("<td class=\"num\">2</td>"), "{area}");
    assert!(page.contains("quầy 3"), "{page}");
    assert!(page.contains("Lò Thị Mai"), "{page}");
    let (status, kind, _) = fetch(&t, &leader, "/lanh-dao/hang-doi?bang=quay&tai=xlsx").await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let (_, _, report) = fetch(&t, &leader, "/lanh-dao/bao-cao").await;
    assert!(
        String::from_utf8(report)
            .unwrap()
            .contains("Hàng đợi tại Bộ phận Một cửa")
    );
}

/// A number from the kiosk, called at counter 3, appears on the display board while it is
/// open (live, without reloading), and the dossier received from it is tied to the ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_ticket_is_called_to_the_board_and_becomes_a_dossier() {
    let t = spawn().await;
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    b.goto(&format!("/xep-hang/{CENTRE}")).await;
    b.wait_text("Chạm vào lĩnh vực").await;
    b.click("button[value='ho-tich']").await;
    b.wait_text("SỐ THỨ TỰ").await;
    let ticket = b.text().await;
    assert!(ticket.contains("0001"), "{ticket}");
    assert!(ticket.contains("Hộ tịch, chứng thực"), "{ticket}");
    assert!(ticket.contains("0 người chờ trước"), "{ticket}");

    // The board, as the centre's TV shows it, connected to the live feed.
    b.goto(&format!("/bang/{CENTRE}")).await;
    b.wait_text("Đang cập nhật trực tiếp").await;
    b.wait_text("Hộ tịch, chứng thực: 1 người chờ").await;
    // Before any call the board says so, not an empty number to an empty counter.
    let idle = b.text().await;
    assert!(idle.contains("Chưa gọi số nào"), "{idle}");
    assert!(!idle.contains("Mời số"), "{idle}");

    let counter = t.login("motcua.baothang").await;
    desk(
        &t,
        &counter,
        vec![
            ("do", "mo-quay".into()),
            ("quay", "3".into()),
            ("khu_vuc", "ho-tich".into()),
        ],
    )
    .await;
    let (_, page) = desk(&t, &counter, vec![("do", "goi".into())]).await;
    let id = ticket_id(&page);
    // Shown on the open board without a reload.
    b.wait_text("Hộ tịch, chứng thực: 0 người chờ").await;
    let call = b.find("#call-number").await.text().await.unwrap();
    let at = b.find("#call-counter").await.text().await.unwrap();
    assert_eq!((call.as_str(), at.as_str()), ("0001", "3"));
    let called = b.text().await;
    assert!(!called.contains("Chưa gọi số nào"), "{called}");

    // The officer receives the dossier from the ticket: the ticket is served and names it.
    let path = format!("/can-bo/tiep-nhan?thu_tuc={REREGISTER_BIRTH}&ve={id}");
    let (_, _, form) = fetch(&t, &counter, &path).await;
    let form = String::from_utf8(form).unwrap();
    assert!(
        form.contains(&format!("name=\"ve\" value=\"{id}\"")),
        "{form}"
    );
    let csrf = csrf_of(&form);
    let fields = vec![
        ("csrf", csrf.clone()),
        ("do", "tiep-nhan".into()),
        ("procedure_code", REREGISTER_BIRTH.into()),
        ("ve", id.clone()),
        ("kind", "citizen".into()),
        ("name", "Vàng Văn Sử".into()),
        ("id_number", "010190012345".into()),
        ("address_line", "Thôn Cốc Sâm".into()),
        ("commune_code", "02905".into()),
        ("c", "to-khai".into()),
        ("c", "giay-to-khai-sinh".into()),
        ("return_kind", "counter".into()),
    ];
    let (status, page) = post_form(&t, &counter, &csrf, "/can-bo/tiep-nhan", fields.clone()).await;
    assert_eq!(status, 303, "{page}");
    let stored =
        t.db.ticket(uuid::Uuid::parse_str(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.state, domain::queue::TicketState::Served);
    let list = t.get(Some(&counter), "/api/v1/dossiers").await.expect(200);
    assert_eq!(
        stored.dossier.map(|d| d.to_string()),
        list["items"][0]["id"].as_str().map(str::to_string)
    );
    // The same ticket cannot start a second dossier: refused before anything is written.
    let mut again = fields;
    again.retain(|(k, _)| *k != "idem");
    let (status, page) = post_form(&t, &counter, &csrf, "/can-bo/tiep-nhan", again).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("không còn được phục vụ tại quầy"), "{page}");
    let list = t.get(Some(&counter), "/api/v1/dossiers").await.expect(200);
    assert_eq!(list["total"], 1);
    b.close().await;
}

/// A citizen books a slot online; at the kiosk the booking's code gives a ticket, which the
/// counter calls before a walk-in who came earlier, once the slot has begun.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_becomes_a_ticket_called_first_in_its_slot() {
    let t = spawn().await;
    t.citizen_login().await;
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    b.login_as_citizen("010190012345").await;
    b.goto(&format!(
        "/thu-tuc/{REREGISTER_BIRTH}/dat-lich?noi={CENTRE}"
    ))
    .await;
    b.wait_text("Đặt lịch hẹn tại Bộ phận Một cửa").await;
    // The first free slot: half an hour from now at the earliest (09:30–10:00).
    b.click("button.slot:not([disabled])").await;
    b.wait_text("Lịch hẹn LH-").await;
    let page = b.text().await;
    assert!(page.contains("09:30–10:00"), "{page}");
    assert!(page.contains("Bảo Thắng"), "{page}");
    let code = b.find("dd.code").await.text().await.unwrap();
    assert!(code.starts_with("LH-"), "{code}");

    // A walk-in takes a number first.
    assert_eq!(take(&t, "ho-tich", "").await.0, 303);
    t.at("2026-12-07 09:25");
    b.goto(&format!("/xep-hang/{CENTRE}")).await;
    b.wait_text("Đã đặt lịch hẹn?").await;
    b.fill("#ma", &code.to_lowercase()).await;
    b.click("form.booked button").await;
    b.wait_text("SỐ THỨ TỰ").await;
    assert!(b.text().await.contains("0002"), "{}", b.text().await);

    // Once the slot begins, the booked number goes first.
    t.at("2026-12-07 09:31");
    let counter = t.login("motcua.baothang").await;
    desk(
        &t,
        &counter,
        vec![
            ("do", "mo-quay".into()),
            ("quay", "2".into()),
            ("khu_vuc", "ho-tich".into()),
        ],
    )
    .await;
    let (_, page) = desk(&t, &counter, vec![("do", "goi".into())]).await;
    assert!(page.contains("0002</strong>"), "{page}");
    b.close().await;
}

/// A slot takes as many bookings as the centre allows; a booking is taken at the kiosk once,
/// only around its slot; its reminder goes once by SMS; a booking nobody came for counts as
/// missed in the figures.
#[tokio::test]
async fn bookings_keep_their_rules_and_are_reminded_once() {
    let t = spawn_with(|s| s.notices.sms = true, web::NetOptions::default()).await;
    let centre = domain::agency::AgencyId::parse(CENTRE).unwrap();
    let mut citizens = Vec::new();
    for (name, id) in [
        ("Nguyễn Thị Hằng", "010190012345"),
        ("Vàng Văn Sử", "010190054321"),
        ("Lò Văn Pả", "010190011111"),
    ] {
        citizens.push(account(name, id));
        t.app
            .citizens()
            .seed_account(&app::citizens::Registration {
                name: name.into(),
                id_number: id.into(),
                phone: format!("09{}", &id[4..12]),
                email: String::new(),
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
    }
    let area = t.app.queue().area_for(&centre, "Hộ tịch").await.unwrap();
    // 10:30–11:00 today (it is 09:00).
    let slot = t.app.queue().slots(&centre, &area.key).await.unwrap()[0].1[2].clone();
    let book = |who: usize| {
        t.app
            .queue()
            .book(&citizens[who], &centre, REREGISTER_BIRTH, slot.start)
    };
    let first = book(0).await.unwrap();
    book(1).await.unwrap();
    let full = book(2).await.unwrap_err();
    assert_eq!(full.code, "slot_full");
    // A time that is not a slot is refused.
    let odd = t
        .app
        .queue()
        .book(
            &citizens[2],
            &centre,
            REREGISTER_BIRTH,
            slot.start + chrono::Duration::minutes(7),
        )
        .await
        .unwrap_err();
    assert_eq!(odd.code, "slot_not_offered");

    // Reminded once, by SMS, through the outbox.
    assert_eq!(t.app.queue().send_reminders().await.unwrap(), 2);
    assert_eq!(t.app.queue().send_reminders().await.unwrap(), 0);
    let sms =
        t.db.messages_of_kind(app::queue::BOOKING_REMINDER, 10)
            .await
            .unwrap();
    assert_eq!(sms.len(), 2);
    assert!(sms[0].body.contains(&first.code) || sms[1].body.contains(&first.code));

    // Too early at the kiosk: said when to come back; then once only.
    let client = app::Client::default();
    let early = t
        .app
        .queue()
        .arrive(&centre, &first.code, &client)
        .await
        .unwrap_err();
    assert_eq!(early.code, "booking_not_now");
    assert!(early.message.contains("mời quay lại"), "{}", early.message);
    t.at("2026-12-07 10:05");
    t.app
        .queue()
        .arrive(&centre, &first.code, &client)
        .await
        .unwrap();
    let again = t
        .app
        .queue()
        .arrive(&centre, &first.code, &client)
        .await
        .unwrap_err();
    assert!(
        again.message.contains("đã được lấy số"),
        "{}",
        again.message
    );

    // After the slot, the other booking counts as missed.
    t.at("2026-12-07 16:00");
    let leader = t.login("chutich.baothang").await;
    let (_, _, page) = fetch(&t, &leader, "/lanh-dao/hang-doi").await;
    let page = String::from_utf8(page).unwrap();
    let row = page
        .split("<tr>")
        .find(|r| r.contains("Bảo Thắng") && r.contains("%"))
        .unwrap_or_else(|| panic!("{page}"));
    assert!(
        row.contains("<td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td>"),
        "{row}"
    );
}

/// An administrator sets a centre's areas and booking rules on a page; a bad line changes
/// nothing and says which; the kiosk then offers the areas set.
#[tokio::test]
async fn an_administrator_sets_the_areas_and_booking_rules_of_a_centre() {
    let t = spawn().await;
    let admin = t.login("quantri").await;
    let (status, _, page) = fetch(&t, &admin, &format!("/quan-tri/hang-doi?noi={CENTRE}")).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("ho-tich | Hộ tịch, chứng thực | Hộ tịch; Chứng thực"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let form = |areas: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("noi", CENTRE.to_string()),
            ("khu_vuc", areas.to_string()),
            ("khung", "20".into()),
            ("cho", "3".into()),
            ("ngay", "7".into()),
            ("buoi", "13/12/2026 07:30-11:30".into()),
        ]
    };
    let (status, page) = post_form(
        &t,
        &admin,
        &csrf,
        "/quan-tri/hang-doi",
        form("Hộ Tịch | Hộ tịch"),
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("khóa chỉ gồm chữ thường không dấu"), "{page}");
    let (status, page) = post_form(
        &t,
        &admin,
        &csrf,
        "/quan-tri/hang-doi",
        form("chung | Tất cả thủ tục |\nuu-tien | Quầy ưu tiên |"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Đã lưu thiết lập hàng đợi."), "{page}");
    let (_, _, kiosk) = fetch(&t, "", &format!("/xep-hang/{CENTRE}")).await;
    let kiosk = String::from_utf8(kiosk).unwrap();
    assert!(
        kiosk.contains("Quầy ưu tiên") && !kiosk.contains("Đất đai, xây dựng"),
        "{kiosk}"
    );
    let centre = domain::agency::AgencyId::parse(CENTRE).unwrap();
    let rules = t.app.queue().booking_rules(&centre).await.unwrap();
    assert_eq!(
        (rules.slot_minutes, rules.per_slot, rules.days_ahead),
        (20, 3, 7)
    );
    // A counter officer cannot.
    let counter = t.login("motcua.baothang").await;
    assert_eq!(fetch(&t, &counter, "/quan-tri/hang-doi").await.0, 403);
}
