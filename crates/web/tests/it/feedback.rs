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

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
