//! The satisfaction survey in the browser's forms: a leader opens a round on the dossiers
//! returned in the period, the person drawn answers by their link once (an incomplete form is
//! sent back with what to fix), a visitor answers at the counter tablet, and the round's page
//! shows the index per factor, with its CSV and XLSX.

use serde_json::Value;

use crate::common::*;

/// Every question answered: agree with all, `score` for each factor and overall.
fn full_answer(csrf: &str, score: u8) -> Vec<(&'static str, String)> {
    let mut form: Vec<(&'static str, String)> = vec![("csrf", csrf.to_string())];
    for f in domain::survey::FACTORS {
        for j in 0..f.criteria().len() {
            let name: &'static str = Box::leak(format!("{}-n{j}", f.key()).into_boxed_str());
            form.push((name, "co".into()));
        }
        let hl: &'static str = Box::leak(format!("{}-hl", f.key()).into_boxed_str());
        form.push((hl, score.to_string()));
        let md: &'static str = Box::leak(format!("{}-md", f.key()).into_boxed_str());
        form.push((md, f.expectations()[1].0.into()));
    }
    form.push(("chung", score.to_string()));
    form
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

#[tokio::test]
async fn a_round_is_opened_answered_by_link_and_at_the_counter_and_its_index_shown() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let d: Value = returned(&t, &tok).await;
    assert_eq!(d["stage"], "returned");
    let leader = t.login("lanhdao.tinh").await;

    // A bad form says what to fix and opens nothing.
    let (_, _, page) = fetch(&t, &leader, "/lanh-dao/khao-sat").await;
    let csrf = csrf_of(&text(&page));
    let (status, page) = post_form(
        &t,
        &leader,
        &csrf,
        "/lanh-dao/khao-sat",
        vec![
            ("csrf", csrf.clone()),
            ("ten", "Khảo sát tháng 12".into()),
            ("tu", "2026-12-01".into()),
            ("den", "2026-12-31".into()),
            ("mau", "mười".into()),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Cỡ mẫu phải là một số người"), "{page}");
    assert!(page.contains("Chưa có đợt khảo sát nào"));

    let (status, _) = post_form(
        &t,
        &leader,
        &csrf,
        "/lanh-dao/khao-sat",
        vec![
            ("csrf", csrf.clone()),
            ("ten", "Khảo sát tháng 12".into()),
            ("tu", "2026-12-01".into()),
            ("den", "2026-12-31".into()),
            ("mau", "10".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, _, page) = fetch(&t, &leader, "/lanh-dao/khao-sat").await;
    let page = text(&page);
    let id = page
        .split("href=\"/lanh-dao/khao-sat/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the round in the list")
        .to_string();
    let (_, _, round) = fetch(&t, &leader, &format!("/lanh-dao/khao-sat/{id}")).await;
    let round = text(&round);
    assert!(
        round.contains("Khung mẫu: 1 hồ sơ đã trả kết quả"),
        "{round}"
    );

    // The contact list is the survey officer's: it gives the one link.
    let (status, kind, csv) = fetch(
        &t,
        &leader,
        &format!("/lanh-dao/khao-sat/{id}?bang=lien-he&tai=csv"),
    )
    .await;
    assert_eq!(
        (status, kind.starts_with("text/csv")),
        (200, true),
        "{kind}"
    );
    let csv = text(&csv);
    assert!(csv.contains(d["code"].as_str().unwrap()), "{csv}");
    let token = csv
        .split("/khao-sat/")
        .nth(1)
        .map(|s| s[..32].to_string())
        .expect("a link");

    // The person answers by the link: an incomplete form first, then the whole of it, once.
    let link = format!("/khao-sat/{token}");
    let (status, _, page) = fetch(&t, "", &link).await;
    assert_eq!(status, 200);
    let page = text(&page);
    assert!(page.contains("Tiếp cận dịch vụ") && page.contains("Rất hài lòng"));
    let csrf = csrf_of(&page);
    let mut half = full_answer(&csrf, 5);
    half.retain(|(k, _)| *k != "chung");
    let (status, page) = post_form(&t, "", &csrf, &link, half).await;
    assert_eq!(status, 422);
    assert!(page.contains("Chọn mức độ hài lòng chung"), "{page}");
    let (status, page) = post_form(&t, "", &csrf, &link, full_answer(&csrf, 5)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Cảm ơn ông/bà đã trả lời"), "{page}");
    let (status, page) = post_form(&t, "", &csrf, &link, full_answer(&csrf, 1)).await;
    assert_eq!(status, 409);
    assert!(page.contains("đã được trả lời"), "{page}");
    let (status, _, _) = fetch(&t, "", &format!("/khao-sat/{}", "0".repeat(32))).await;
    assert_eq!(status, 404);

    // A visitor at Bảo Thắng's counter tablet: not satisfied.
    let tablet = format!("/can-bo/khao-sat/{id}");
    let (status, _, page) = fetch(&t, &tok.counter, &tablet).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&text(&page));
    let (status, _) = post_form(&t, &tok.counter, &csrf, &tablet, full_answer(&csrf, 2)).await;
    assert_eq!(status, 303);

    // The index: two answers, one satisfied in every factor.
    let (_, _, round) = fetch(&t, &leader, &format!("/lanh-dao/khao-sat/{id}")).await;
    let round = text(&round);
    assert!(
        round.contains("<td>Tiếp cận dịch vụ</td><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">50,0%</td>"),
        "{round}"
    );
    for kind in ["csv", "xlsx"] {
        let (status, _, body) =
            fetch(&t, &leader, &format!("/lanh-dao/khao-sat/{id}?tai={kind}")).await;
        assert_eq!(status, 200);
        assert!(body.len() > 100);
    }
    // The contact reading was logged.
    let log = t.db.admin_log_lines(5).await.unwrap();
    assert!(log.iter().any(|l| l.action == "survey-contacts"));
}
