//! Phản ánh, kiến nghị over the API: a citizen complains about her dossier, the commune handles
//! it (classify, draft, the chairman approves, publish), the answer is found by a search without
//! diacritics, she rates it once; a second complaint about the same dossier is a repeat; what
//! goes wrong is said and changes nothing; the period's figures count it all.

use serde_json::{Value, json};

use crate::common::*;

fn complaint(code: &str) -> Value {
    json!({
        "title": "Hồ sơ đăng ký lại khai sinh chậm trả",
        "content": "Tôi nộp hồ sơ tại Bộ phận Một cửa xã, đến hẹn chưa nhận được kết quả.",
        "about": "dossier",
        "subject": code
    })
}

async fn act(t: &TestApp, who: &str, code: &str, body: Value) -> Reply {
    t.post(Some(who), &format!("/api/v1/feedback/{code}/actions"), body)
        .await
}

#[tokio::test]
async fn a_complaint_is_handled_published_found_without_diacritics_and_rated_once() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let dossier = receive(&t, &counter).await;
    let dossier_code = dossier["code"].as_str().unwrap();
    let citizen = t.citizen_login().await;

    // What goes wrong is said.
    t.post(None, "/api/v1/feedback", complaint(dossier_code))
        .await
        .error(401, "unauthenticated");
    let mut bad = complaint(dossier_code);
    bad["about"] = json!("thu-tuc");
    t.post(Some(&citizen), "/api/v1/feedback", bad)
        .await
        .error(422, "invalid_about");
    t.post(
        Some(&citizen),
        "/api/v1/feedback",
        complaint("000.01.61.H38-261207-9999"),
    )
    .await
    .error(422, "dossier_not_found");
    let mut empty = complaint(dossier_code);
    empty["title"] = json!("   ");
    t.post(Some(&citizen), "/api/v1/feedback", empty)
        .await
        .error(422, "invalid_feedback");

    // Sent: it goes to the agency deciding the dossier.
    let f = t
        .post(Some(&citizen), "/api/v1/feedback", complaint(dossier_code))
        .await
        .expect(201);
    let code = f["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("PAKN-261207-"), "{code}");
    assert_eq!(f["agency"], "lao-cai.bao-thang");
    assert_eq!(f["stage"], "received");
    assert_eq!(f["repeat"], false);
    // Not public yet.
    t.get(None, &format!("/api/v1/public/feedback/{code}"))
        .await
        .error(404, "feedback_not_found");
    // Its sender sees it.
    t.get(Some(&citizen), &format!("/api/v1/feedback/{code}"))
        .await
        .expect(200);

    // Handled by the commune.
    act(
        &t,
        &counter,
        &code,
        json!({"action": "classify", "category": "dien-tu"}),
    )
    .await
    .error(422, "invalid_category");
    let classified = act(
        &t,
        &counter,
        &code,
        json!({"action": "classify", "category": "conduct"}),
    )
    .await
    .expect(200);
    assert_eq!(classified["stage"], "handling");
    // Assigned to the commune's civil-status officer; not to someone of another commune.
    let other = t.officer_id("motcua.sapa").await;
    act(
        &t,
        &counter,
        &code,
        json!({"action": "assign", "officer": other}),
    )
    .await
    .error(422, "officer_not_assignable");
    let specialist = t.officer_id("tuphap.baothang").await;
    let assigned = act(
        &t,
        &counter,
        &code,
        json!({"action": "assign", "officer": specialist}),
    )
    .await
    .expect(200);
    assert_eq!(assigned["assignee"], "Nguyễn Văn Hùng");
    act(&t, &counter, &code, json!({"action": "approve"}))
        .await
        .error(403, "forbidden");
    let answer =
        "Hồ sơ đã được giải quyết và trả kết quả; Bộ phận Một cửa xin lỗi vì thông báo chậm.";
    act(
        &t,
        &counter,
        &code,
        json!({"action": "draft", "text": answer}),
    )
    .await
    .expect(200);
    // Publishing before the approval is refused.
    act(
        &t,
        &counter,
        &code,
        json!({"action": "publish", "version": 1}),
    )
    .await
    .error(409, "not_allowed_now");
    let chairman = t.login("chutich.baothang").await;
    let approved = act(&t, &chairman, &code, json!({"action": "approve"}))
        .await
        .expect(200);
    act(
        &t,
        &counter,
        &code,
        json!({"action": "publish", "version": 1}),
    )
    .await
    .error(409, "version_conflict");
    let published = act(
        &t,
        &counter,
        &code,
        json!({"action": "publish", "version": approved["version"]}),
    )
    .await
    .expect(200);
    assert_eq!(published["stage"], "published");
    assert_eq!(published["answer"], answer);

    // Anyone finds it, with or without diacritics.
    for q in ["cham tra", "chậm trả", "KHAI SINH"] {
        let found = t
            .get(None, &format!("/api/v1/public/feedback?q={}", urlencode(q)))
            .await
            .expect(200);
        assert!(
            found.as_array().unwrap().iter().any(|f| f["code"] == code),
            "{q}: {found}"
        );
    }
    let none = t
        .get(None, "/api/v1/public/feedback?q=giay%20phep%20xay%20dung")
        .await
        .expect(200);
    assert!(none.as_array().unwrap().is_empty());

    // She rates the answer, once.
    let rated = t
        .post(
            Some(&citizen),
            &format!("/api/v1/public/feedback/{code}/rating"),
            json!({"satisfied": false}),
        )
        .await
        .expect(200);
    assert_eq!(rated["dislikes"], 1);
    t.post(
        Some(&citizen),
        &format!("/api/v1/public/feedback/{code}/rating"),
        json!({"satisfied": true}),
    )
    .await
    .error(409, "already_rated");

    // A second complaint on the same dossier is a repeat of the first.
    let again = t
        .post(Some(&citizen), "/api/v1/feedback", complaint(dossier_code))
        .await
        .expect(201);
    assert_eq!(again["repeat"], true);
    assert_ne!(again["code"], code.as_str());

    // The figures of 1–10 December: both on time (the second still within its 15 days); the
    // first disliked and followed by a repeat, the second a repeat.
    let counts = t
        .app
        .feedback()
        .counts(
            &["lao-cai.bao-thang".to_string()],
            lich::time::parse_instant("2026-12-01 00:00")
                .unwrap()
                .to_utc(),
            lich::time::parse_instant("2026-12-10 23:59")
                .unwrap()
                .to_utc(),
        )
        .await
        .unwrap();
    let c = counts["lao-cai.bao-thang"];
    assert_eq!((c.conduct, c.unclassified), (1, 1));
    assert_eq!((c.handled, c.on_time), (2, 2));
    assert_eq!((c.first_received, c.satisfied), (1, 0));
    assert_eq!(domain::feedback::index_8(&c), 2);

    // QĐ 766 as the chairman reads it today: 5.2 full, 5.3 none of one; 5.1 counts both.
    let x = t
        .get(Some(&chairman), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .expect(200);
    let line = |id: &str| {
        x["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["agency"] == "lao-cai.bao-thang")
            .and_then(|u| u["indicators"].as_array()?.iter().find(|i| i["id"] == id))
            .unwrap_or_else(|| panic!("no {id}: {x}"))
            .clone()
    };
    let pair = |l: &Value| {
        (
            l["numerator"].clone(),
            l["denominator"].clone(),
            l["points"].clone(),
        )
    };
    assert_eq!(pair(&line("5.1")), (json!(1), json!(2), json!(0.0)));
    assert_eq!(pair(&line("5.2")), (json!(2), json!(2), json!(6.0)));
    assert_eq!(pair(&line("5.3")), (json!(0), json!(1), json!(0.0)));
}

#[tokio::test]
async fn a_unit_without_feedback_has_full_points_for_its_handling() {
    let t = spawn().await;
    let chairman = t.login("chutich.baothang").await;
    let x = t
        .get(Some(&chairman), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .expect(200);
    let unit = x["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == "lao-cai.bao-thang")
        .cloned();
    // Bảo Thắng decides nothing yet: its line is the total's.
    let lines = unit.unwrap_or_else(|| x["total"].clone());
    for id in ["5.2", "5.3"] {
        let l = lines["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap();
        assert_eq!(
            (l["denominator"].clone(), l["points"].clone()),
            (json!(0), json!(6.0)),
            "{id}: {l}"
        );
    }
}

/// QĐ 766 5.4 takes out of 2.1's on-time dossiers those that drew a complaint: of two
/// dossiers returned on time, one complained about, 5.4 counts one of two.
#[tokio::test]
async fn a_dossier_that_drew_a_complaint_is_not_counted_satisfied_in_5_4() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let clean = returned(&t, &tok).await;
    let complained = returned(&t, &tok).await;
    assert_eq!(
        (clean["stage"].as_str(), complained["stage"].as_str()),
        (Some("returned"), Some("returned"))
    );
    let citizen = t.citizen_login().await;
    t.post(
        Some(&citizen),
        "/api/v1/feedback",
        complaint(complained["code"].as_str().unwrap()),
    )
    .await
    .expect(201);
    let x = t
        .get(Some(&tok.leader), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .expect(200);
    let unit = x["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == "lao-cai.bao-thang")
        .cloned()
        .unwrap_or_else(|| x["total"].clone());
    let line = |id: &str| {
        let l = unit["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone();
        (l["numerator"].clone(), l["denominator"].clone())
    };
    assert_eq!(line("2.1"), (json!(2), json!(2)));
    assert_eq!(line("5.4"), (json!(1), json!(2)));
}

/// The browser test of the issue: a citizen sends feedback about a dossier from the portal, the
/// commune's counter officer classifies it and drafts the answer, the chairman approves and
/// publishes it, anyone finds it by a search without diacritics, the citizen rates it, and the
/// leaders' page counts it (with its CSV and XLSX). Screenshots in target/screenshots.
#[tokio::test]
async fn in_the_browser_a_complaint_is_sent_answered_published_found_and_rated() {
    let t = spawn().await;
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let counter = t.login("motcua.baothang").await;
    let dossier = receive(&t, &counter).await;
    let dossier_code = dossier["code"].as_str().unwrap().to_string();
    t.citizen_login().await;

    // The citizen writes from the portal; the form names the dossier already.
    b.login_as_citizen("010190012345").await;
    b.goto(&format!("/phan-anh/gui?ho-so={dossier_code}")).await;
    let form = b.find("form[action='/phan-anh/gui']").await;
    // A blank title is refused with the reason, and nothing is sent.
    b.submit(&form, &[("title", " "), ("content", "Nội dung")])
        .await;
    b.wait_text("Tiêu đề: cần nội dung").await;
    let form = b.find("form[action='/phan-anh/gui']").await;
    b.submit(
        &form,
        &[
            ("title", "Hồ sơ đăng ký lại khai sinh chậm trả"),
            (
                "content",
                "Tôi nộp hồ sơ tại Bộ phận Một cửa xã, đến hẹn chưa nhận được kết quả.",
            ),
        ],
    )
    .await;
    b.wait_text("Đã gửi phản ánh, kiến nghị").await;
    let code = b.find("dd.code").await.text().await.unwrap();
    assert!(code.starts_with("PAKN-"), "{code}");
    assert!(b.text().await.contains(&format!("Hồ sơ {dossier_code}")));
    b.screenshot(&shots, "phan-anh-da-gui").await;
    b.logout().await;

    // The counter officer finds it in the list, classifies it and drafts the answer.
    b.login("motcua.baothang").await;
    b.goto("/can-bo/phan-anh").await;
    b.wait_text(&code).await;
    b.click(&format!("a[href='/can-bo/phan-anh/{code}']")).await;
    b.wait_text("Nội dung phản ánh").await;
    assert!(b.text().await.contains("Nguyễn Thị Hằng (0912345678)"));
    let form = b.action("Phân loại").await;
    form.find(crate::browser::Locator::Css("input[value=conduct]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.submit(&form, &[]).await;
    b.wait_text("Đã ghi nhận").await;
    let form = b.action("Phân công").await;
    let hung = t.officer_id("tuphap.baothang").await;
    b.submit(&form, &[("officer", hung.as_str())]).await;
    b.wait_text("Nguyễn Văn Hùng").await;
    let answer =
        "Hồ sơ đã được giải quyết và trả kết quả; Bộ phận Một cửa xin lỗi vì thông báo chậm.";
    let form = b.action("Dự thảo trả lời").await;
    b.submit(&form, &[("text", answer)]).await;
    b.wait_text("Đã dự thảo trả lời").await;
    // Approving is the chairman's: not offered to her.
    assert!(!b.text().await.contains("Duyệt câu trả lời"));
    b.screenshot(&shots, "phan-anh-xu-ly").await;
    b.logout().await;

    // The chairman approves and publishes.
    b.login("chutich.baothang").await;
    b.goto(&format!("/can-bo/phan-anh/{code}")).await;
    let form = b.action("Duyệt câu trả lời").await;
    b.submit(&form, &[]).await;
    b.wait_text("Chờ công khai").await;
    let form = b.action("Công khai câu trả lời").await;
    b.submit(&form, &[]).await;
    b.wait_text("Đã công khai").await;
    b.logout().await;

    // Anyone finds it without diacritics; the petitioner's name is not on it.
    b.goto("/phan-anh?q=cham+tra+khai+sinh").await;
    b.wait_text("Hồ sơ đăng ký lại khai sinh chậm trả").await;
    b.screenshot(&shots, "phan-anh-cong-khai").await;
    b.goto("/phan-anh?q=giay+phep+xay+dung").await;
    b.wait_text("Không có câu trả lời nào khớp").await;
    b.goto(&format!("/phan-anh/{code}")).await;
    b.wait_text(answer).await;
    let public = b.text().await;
    assert!(!public.contains("Nguyễn Thị Hằng") && !public.contains("0912345678"));
    assert!(
        !public.contains("Ông/bà có hài lòng"),
        "only the petitioner rates"
    );

    // She rates the answer, once.
    b.login_as_citizen("010190012345").await;
    b.goto(&format!("/phan-anh/{code}")).await;
    b.click("button[name=satisfied][value=co]").await;
    b.wait_text("Đã ghi nhận").await;
    b.wait_text("1 hài lòng").await;
    assert!(!b.text().await.contains("Ông/bà có hài lòng"));
    b.screenshot(&shots, "phan-anh-danh-gia").await;
    b.goto("/phan-anh").await;
    b.wait_text("Phản ánh của tôi").await;
    assert!(b.text().await.contains(&code));
    b.logout().await;

    // The leaders' page counts it: received, about conduct, on time, satisfied.
    b.login("chutich.baothang").await;
    b.goto("/lanh-dao/phan-anh?tu=2026-12-01&den=2026-12-31")
        .await;
    b.wait_text("Phản ánh, kiến nghị từ 01/12/2026 đến 31/12/2026")
        .await;
    let total: Vec<String> = {
        let row = b.find("table.report tr.total").await;
        let mut cells = Vec::new();
        for c in row
            .find_all(crate::browser::Locator::Css("td"))
            .await
            .unwrap()
        {
            cells.push(c.text().await.unwrap());
        }
        cells
    };
    assert_eq!(
        total[..7],
        ["Tổng cộng", "1", "0", "1", "1", "1", "100,0%"].map(String::from),
        "{total:?}"
    );
    assert_eq!(total[8], "1", "satisfied: {total:?}");
    b.screenshot(&shots, "phan-anh-lanh-dao").await;
    b.check_downloads("/lanh-dao/phan-anh?tu=2026-12-01&den=2026-12-31")
        .await;
    // The overview says it in a line; the periodic report has the table and its files.
    b.goto("/lanh-dao?tu=2026-12-01&den=2026-12-31").await;
    b.wait_text("Phản ánh, kiến nghị: 1 tiếp nhận trong kỳ, xử lý đúng hạn 100,0%, hài lòng 100,0%; đang xử lý 0.")
        .await;
    b.goto("/lanh-dao/bao-cao?tu=2026-12-01&den=2026-12-31")
        .await;
    b.wait_text("Phản ánh, kiến nghị từ 01/12/2026 đến 31/12/2026")
        .await;
    b.check_downloads("/lanh-dao/bao-cao?tu=2026-12-01&den=2026-12-31&bang=phan-anh")
        .await;
    b.close().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Someone without an account sends feedback from the portal: a code goes to their phone, the
/// feedback is received when they type it (a wrong code is counted), and its code lets them
/// follow where it stands without showing what it says. Without SMS or e-mail the form asks
/// them to sign in instead.
#[tokio::test]
async fn anonymous_feedback_is_received_once_its_code_is_typed() {
    let t = spawn_with(|s| s.notices.sms = true, web::NetOptions::default()).await;
    let (_, _, page) = fetch(&t, "", "/phan-anh/gui").await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("gửi không cần tài khoản"), "{page}");
    let csrf = csrf_of(&page);
    let form = |phone: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("about", "other".to_string()),
            ("agency", "lao-cai.bao-thang".to_string()),
            ("title", "Đèn đường trước Bộ phận Một cửa hỏng".to_string()),
            (
                "content",
                "Buổi chiều tối khu vực cổng trụ sở không có đèn.".to_string(),
            ),
            ("name", "Vũ Văn Nam".to_string()),
            ("phone", phone.to_string()),
        ]
    };
    // A phone number that is not one is refused; nothing is sent.
    let (status, page) = post_form(&t, "", &csrf, "/phan-anh/gui", form("12345")).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        t.db.messages_of_kind("feedback-code", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, page) = post_form(&t, "", &csrf, "/phan-anh/gui", form("0912 000 111")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Mã xác nhận đã được gửi đến 09•••••111"),
        "{page}"
    );
    let token = page
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let sent = t.db.messages_of_kind("feedback-code", 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipient, "0912000111");
    let code: String = sent[0]
        .body
        .split(": ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = |code: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("token", token.clone()),
            ("code", code.to_string()),
        ]
    };
    let (status, page) = post_form(&t, "", &csrf, "/phan-anh/xac-nhan", confirm(wrong)).await;
    assert_eq!(status, 422);
    assert!(page.contains("còn 4 lần thử"), "{page}");
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/phan-anh/xac-nhan", t.base))
        .header("Cookie", format!("mc_csrf={csrf}"))
        .form(&confirm(&code))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let feedback = location
        .trim_start_matches("/phan-anh/")
        .trim_end_matches("?da-gui=1")
        .to_string();
    assert!(feedback.starts_with("PAKN-"), "{location}");
    // Received at the commune, by the name given; the same code again receives nothing.
    let f = t.app.feedback().tracking(&feedback).await.unwrap();
    assert_eq!(f.state.agency.as_str(), "lao-cai.bao-thang");
    assert_eq!(f.petition.phone.as_deref(), Some("0912000111"));
    let (status, _) = post_form(&t, "", &csrf, "/phan-anh/xac-nhan", confirm(&code)).await;
    assert_eq!(status, 404);
    // Whoever holds the code sees where it stands, not what it says.
    let (status, _, page) = fetch(&t, "", &format!("/phan-anh/{feedback}")).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Mới tiếp nhận") && page.contains("UBND xã Bảo Thắng"));
    assert!(!page.contains("không có đèn") && !page.contains("Vũ Văn Nam"));

    // Without SMS or e-mail there is no code to send: sign in, or the counter.
    let t = spawn().await;
    let (_, _, page) = fetch(&t, "", "/phan-anh/gui").await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Hãy <a href=\"/dang-nhap\">đăng nhập</a>"),
        "{page}"
    );
    let (status, page) = post_form(&t, "", &csrf, "/phan-anh/gui", form("0912000111")).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("chưa gửi được mã xác nhận"));
}

/// A petition carries files its sender uploaded (not anyone else's); the petitioner and the
/// agency's officers open them, nobody else does, not even once the answer is published.
#[tokio::test]
async fn attached_files_go_with_the_petition_and_stay_private() {
    let t = spawn().await;
    let citizen = t.citizen_login().await;
    let counter = t.login("motcua.baothang").await;
    let upload = |token: String, bytes: &'static [u8]| {
        let t = &t;
        async move {
            let r = t
                .http
                .post(format!("{}/api/v1/files?name=anh-chup.png", t.base))
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", "image/png")
                .body(bytes.to_vec())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            r.json::<Value>().await.unwrap()
        }
    };
    let png = testsupport::png(3, 3, |_, _| [200, 10, 10, 255]);
    let png: &'static [u8] = Box::leak(png.into_boxed_slice());
    let mine = upload(citizen.clone(), png).await;
    let file = json!({"sha256": mine["sha256"], "name": "anh-chup.png",
                      "size": mine["size"], "media_type": mine["media_type"]});
    let petition = |files: Value| {
        json!({"title": "Bảng niêm yết thủ tục bị che", "content": "Ảnh chụp kèm theo.",
               "about": "other", "agency": "lao-cai.bao-thang", "files": files})
    };
    // A file nobody uploaded is refused, and nothing is received.
    let mut forged = file.clone();
    forged["sha256"] = json!("0".repeat(64));
    t.post(
        Some(&citizen),
        "/api/v1/feedback",
        petition(json!([forged])),
    )
    .await
    .error(422, "file_not_found");
    let f = t
        .post(Some(&citizen), "/api/v1/feedback", petition(json!([file])))
        .await
        .expect(201);
    let code = f["code"].as_str().unwrap();
    let sha = mine["sha256"].as_str().unwrap();
    let path = format!("/phan-anh/{code}/tep/{sha}");
    let (status, kind, body) = fetch(&t, &citizen, &path).await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert_eq!(body, png);
    assert_eq!(fetch(&t, &counter, &path).await.0, 200);
    let (_, _, page) = fetch(&t, &counter, &format!("/can-bo/phan-anh/{code}")).await;
    assert!(String::from_utf8(page).unwrap().contains(&path));
    // Another commune's officer and someone signed out do not.
    let other = t.login("motcua.sapa").await;
    assert_eq!(fetch(&t, &other, &path).await.0, 404);
    let (_, kind, _) = fetch(&t, "", &path).await;
    assert!(
        kind.starts_with("text/html"),
        "sent to the login page: {kind}"
    );
}
