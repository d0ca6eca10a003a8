//! What the API refuses, and what it guarantees under load: every bad request gets a 4xx with
//! `{code, message}` and leaves the database exactly as it was; concurrent intakes never share a
//! code; the OpenAPI document is served offline.

use crate::common::*;
use serde_json::json;

/// Runs `request`, asserting it is refused with `status`/`code` and that nothing was written.
macro_rules! refused_without_writing {
    ($t:expr, $status:expr, $code:expr, $request:expr) => {{
        let before = $t.totals().await;
        let message = $request.await.error($status, $code);
        assert_eq!($t.totals().await, before, "{} wrote something", $code);
        message
    }};
}

#[tokio::test]
async fn bad_intake_input_is_refused_with_a_reason_and_writes_nothing() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    receive(&t, &counter).await;

    let msg = refused_without_writing!(
        t,
        400,
        "invalid_json",
        t.post_raw(Some(&counter), "/api/v1/dossiers", "{\"procedure_code\": ")
    );
    assert!(msg.contains("JSON") && msg.contains("cắt cụt"), "{msg}");

    let mut unknown_field = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    unknown_field["priority"] = json!("cao");
    let msg = refused_without_writing!(
        t,
        422,
        "invalid_fields",
        t.post(Some(&counter), "/api/v1/dossiers", unknown_field)
    );
    assert!(msg.contains("trường \"priority\" không được phép"), "{msg}");
    let mut wrong_type = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    wrong_type["components"][0]["copies"] = json!("hai");
    let msg = refused_without_writing!(
        t,
        422,
        "invalid_fields",
        t.post(Some(&counter), "/api/v1/dossiers", wrong_type)
    );
    assert!(
        msg.contains(
            "components[0].copies: sai kiểu dữ liệu: nhận chuỗi ký tự \"hai\", cần số nguyên"
        ),
        "{msg}"
    );
    let mut missing = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    missing.as_object_mut().unwrap().remove("applicant");
    let msg = refused_without_writing!(
        t,
        422,
        "invalid_fields",
        t.post(Some(&counter), "/api/v1/dossiers", missing)
    );
    assert!(msg.contains("thiếu trường \"applicant\""), "{msg}");

    refused_without_writing!(
        t,
        404,
        "procedure_not_found",
        t.post(
            Some(&counter),
            "/api/v1/dossiers",
            intake("1.999999", &["to-khai"])
        )
    );
    refused_without_writing!(
        t,
        422,
        "invalid_procedure_code",
        t.post(
            Some(&counter),
            "/api/v1/dossiers",
            intake("khai sinh", &["to-khai"])
        )
    );

    for (cccd, why) in [
        ("01019001234", "11 digits"),
        ("010190O12345", "a letter"),
        ("999190012345", "no such province"),
        ("010990012345", "century digit 9"),
    ] {
        let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
        body["applicant"]["id_number"] = json!(cccd);
        let before = t.totals().await;
        let reply = t.post(Some(&counter), "/api/v1/dossiers", body).await;
        assert_eq!(reply.status.as_u16(), 422, "{why}: {}", reply.body);
        assert_eq!(reply.body["code"], "invalid_cccd", "{why}");
        assert_eq!(t.totals().await, before);
    }

    let mut bad_phone = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    bad_phone["applicant"]["phone"] = json!("12345");
    refused_without_writing!(
        t,
        422,
        "invalid_phone",
        t.post(Some(&counter), "/api/v1/dossiers", bad_phone)
    );

    let mut unknown_component = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    unknown_component["components"][0]["component"] = json!("giay-phep-lai-xe");
    refused_without_writing!(
        t,
        422,
        "unknown_component",
        t.post(Some(&counter), "/api/v1/dossiers", unknown_component)
    );

    // Counter staff of another commune cannot receive for Xã Bảo Thắng.
    let sapa = t.login("motcua.sapa").await;
    let mut elsewhere = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    elsewhere["receiving"] = json!("lao-cai.bao-thang.mot-cua");
    refused_without_writing!(
        t,
        403,
        "forbidden",
        t.post(Some(&sapa), "/api/v1/dossiers", elsewhere)
    );
    // A specialist does not receive dossiers.
    let specialist = t.login("tuphap.baothang").await;
    refused_without_writing!(
        t,
        403,
        "forbidden",
        t.post(
            Some(&specialist),
            "/api/v1/dossiers",
            intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS)
        )
    );
    refused_without_writing!(
        t,
        401,
        "unauthenticated",
        t.post(
            None,
            "/api/v1/dossiers",
            intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS)
        )
    );
}

#[tokio::test]
async fn illegal_transitions_and_stale_versions_are_conflicts_that_write_nothing() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    let version = d["version"].as_u64().unwrap();

    let msg = refused_without_writing!(
        t,
        409,
        "result_not_ready",
        t.post(
            Some(&tok.counter),
            &format!("/api/v1/dossiers/{id}/return"),
            json!({"received_by": "Nguyễn Thị Hằng"})
        )
    );
    assert!(
        msg.contains("trả kết quả") || msg.contains("phê duyệt"),
        "{msg}"
    );
    refused_without_writing!(
        t,
        409,
        "wrong_step",
        t.post(
            Some(&tok.leader),
            &format!("/api/v1/dossiers/{id}/decision"),
            json!({"outcome": "approved"})
        )
    );
    refused_without_writing!(
        t,
        422,
        "invalid_outcome",
        t.post(
            Some(&tok.leader),
            &format!("/api/v1/dossiers/{id}/decision"),
            json!({"outcome": "ok"})
        )
    );
    // The counter officer cannot approve; the leader of another commune cannot either.
    refused_without_writing!(
        t,
        403,
        "forbidden",
        t.post(
            Some(&tok.counter),
            &format!("/api/v1/dossiers/{id}/notes"),
            json!({"text": "x"})
        )
    );
    let other_leader = t.login("chutich.sapa").await;
    refused_without_writing!(
        t,
        403,
        "forbidden",
        t.get(Some(&other_leader), &format!("/api/v1/dossiers/{id}"))
    );

    // Optimistic concurrency: the version read must still be current.
    t.post_if(
        &tok.specialist,
        &format!("/api/v1/dossiers/{id}/notes"),
        version,
        json!({"text": "Ý kiến thẩm định"}),
    )
    .await
    .expect(200);
    refused_without_writing!(
        t,
        409,
        "version_conflict",
        t.post_if(
            &tok.specialist,
            &format!("/api/v1/dossiers/{id}/notes"),
            version,
            json!({"text": "Ý kiến dựa trên bản cũ"})
        )
    );
    let detail = t
        .get(Some(&tok.counter), &format!("/api/v1/dossiers/{id}"))
        .await;
    assert_eq!(
        detail.headers["etag"].to_str().unwrap(),
        format!("\"{}\"", version + 1)
    );

    refused_without_writing!(
        t,
        404,
        "dossier_not_found",
        t.post(
            Some(&tok.specialist),
            "/api/v1/dossiers/00000000-0000-0000-0000-000000000000/notes",
            json!({"text": "x"})
        )
    );
    refused_without_writing!(
        t,
        404,
        "invalid_path",
        t.post(
            Some(&tok.specialist),
            "/api/v1/dossiers/khong-phai-uuid/notes",
            json!({"text": "x"})
        )
    );
    t.get(None, "/api/v1/khong-co")
        .await
        .error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_intakes_get_two_hundred_consecutive_codes() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let http = t.http.clone();
        let url = format!("{}/api/v1/dossiers", t.base);
        let token = counter.clone();
        tasks.spawn(async move {
            let resp = http
                .post(url)
                .bearer_auth(token)
                .json(&intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 201);
            let body: serde_json::Value = resp.json().await.unwrap();
            body["code"].as_str().unwrap().to_string()
        });
    }
    let mut codes = tasks.join_all().await;
    codes.sort();
    let expected: Vec<String> = (1..=200)
        .map(|n| format!("000.01.61.H38-261207-{n:04}"))
        .collect();
    assert_eq!(codes, expected);
    assert_eq!(t.totals().await.dossiers, 200);
}

#[tokio::test]
async fn the_openapi_document_and_its_viewer_are_served_offline() {
    let t = spawn().await;
    let doc = t.get(None, "/api/openapi.json").await.expect(200);
    assert_eq!(doc["info"]["title"], "Một Cửa API");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/dossiers",
        "/api/v1/dossiers/{id}/return",
        "/api/v1/dossiers/{id}/apology",
        "/api/v1/public/lookup/{code}",
        "/api/v1/procedures/{code}",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    // The served document is the one the routes were built from.
    assert_eq!(doc, serde_json::to_value(web::api::openapi()).unwrap());
    let html = t
        .http
        .get(format!("{}/api/docs/", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status().as_u16(), 200);
    let text = html.text().await.unwrap();
    assert!(text.contains("swagger-ui"), "{text}");
    assert!(
        !text.contains("cdn."),
        "the viewer must not load from a CDN"
    );
}

#[tokio::test]
async fn procedures_and_agencies_are_listed() {
    let t = spawn().await;
    let list = t.get(None, "/api/v1/procedures").await.expect(200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), app::catalog::shipped().unwrap().len());
    let p = t
        .get(None, &format!("/api/v1/procedures/{REREGISTER_BIRTH}"))
        .await
        .expect(200);
    assert_eq!(p["name"], "Đăng ký lại khai sinh");
    assert_eq!(p["limit"], "5 ngày làm việc");
    t.get(None, "/api/v1/procedures/1.999999")
        .await
        .error(404, "procedure_not_found");
    let agencies = t.get(None, "/api/v1/agencies").await.expect(200);
    assert_eq!(agencies.as_array().unwrap().len(), 43);
}

#[tokio::test]
async fn units_are_listed_looked_up_and_old_addresses_converted() {
    let t = spawn().await;
    t.app
        .admin()
        .import_units(&app::units::UnitDataset::embedded())
        .await
        .unwrap();
    let provinces = t.get(None, "/api/v1/units").await.expect(200);
    assert_eq!(provinces.as_array().unwrap().len(), 34);
    let lao_cai = t.get(None, "/api/v1/units?parent=15").await.expect(200);
    assert_eq!(lao_cai.as_array().unwrap().len(), 99);
    let old = t
        .get(None, "/api/v1/units?regime=three-level&parent=086")
        .await
        .expect(200);
    assert!(
        old.as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "Thị trấn Phố Lu")
    );
    let bao_thang = t
        .get(None, "/api/v1/units/two-level/02905")
        .await
        .expect(200);
    assert_eq!(bao_thang["unit"]["name"], "Xã Bảo Thắng");
    assert_eq!(bao_thang["parents"][0]["name"], "Tỉnh Lào Cai");
    assert_eq!(bao_thang["predecessors"].as_array().unwrap().len(), 4);
    let pho_lu = t
        .get(None, "/api/v1/units/three-level/02905")
        .await
        .expect(200);
    assert_eq!(pho_lu["unit"]["name"], "Thị trấn Phố Lu");
    assert_eq!(pho_lu["successors"][0]["name"], "Xã Bảo Thắng");
    let c = t
        .get(
            None,
            "/api/v1/units/convert?address=T%E1%BB%95%203%2C%20pho%20lu%2C%20bao%20thang%2C%20lao%20cai",
        )
        .await
        .expect(200);
    assert_eq!(c["text"], "Tổ 3, Xã Bảo Thắng, Tỉnh Lào Cai");
    t.get(None, "/api/v1/units/convert?address=kh%C3%B4ng%20r%C3%B5")
        .await
        .error(404, "unit_not_found");
    t.get(None, "/api/v1/units/four-level/02905")
        .await
        .error(422, "invalid_regime");
    t.get(None, "/api/v1/units/two-level/99999")
        .await
        .error(404, "unit_not_found");
}

#[tokio::test]
async fn scans_are_checked_by_content_and_an_intake_naming_a_missing_file_writes_nothing() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let upload = |name: &'static str, body: Vec<u8>| {
        let req = t
            .http
            .post(format!("{}/api/v1/files?name={name}", t.base))
            .bearer_auth(&counter)
            .body(body);
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    // A picture renamed .pdf is not a scan we take; nor is an empty file.
    let (status, body) = upload("anh.pdf", b"GIF89a....".to_vec()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("file_type_not_allowed"))
    );
    let (status, body) = upload("rong.pdf", Vec::new()).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("empty_file")));
    let too_big = [b"%PDF-1.4\n".to_vec(), vec![b' '; 10 * 1024 * 1024]].concat();
    let (status, body) = upload("lon.pdf", too_big).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("file_too_large"))
    );

    // An intake naming a file never uploaded is refused whole.
    let before = t.totals().await;
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["components"][0]["files"] = json!([{
        "sha256": "0".repeat(64), "name": "to-khai.pdf", "size": 10, "media_type": "application/pdf"
    }]);
    t.post(Some(&counter), "/api/v1/dossiers", body.clone())
        .await
        .error(422, "file_not_found");
    assert_eq!(t.totals().await, before);

    // Uploaded, the same reference is accepted and kept with the component.
    let (status, file) = upload("to-khai.pdf", b"%PDF-1.4\n%%EOF\n".to_vec()).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["media_type"], "application/pdf");
    body["components"][0]["files"] = json!([file]);
    let d = t
        .post(Some(&counter), "/api/v1/dossiers", body)
        .await
        .expect(201);
    let stored = t.detail(&counter, &id_of(&d)).await;
    assert_eq!(
        stored["dossier"]["state"]["components"][0]["files"][0]["sha256"], file["sha256"],
        "{stored}"
    );
}

#[tokio::test]
async fn the_period_report_counts_what_was_received_and_is_for_leaders_only() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    receive(&t, &counter).await;
    receive(&t, &counter).await;
    let chairman = t.login("chutich.baothang").await;
    let r = t
        .get(
            Some(&chairman),
            "/api/v1/reports/period?from=2026-12-01&to=2026-12-31",
        )
        .await
        .expect(200);
    assert_eq!(r["total"]["received_in_person"], 2, "{r}");
    assert_eq!(r["total"]["in_progress_within"], 2, "{r}");
    assert_eq!(r["lines"][0]["name"], "UBND xã Bảo Thắng");
    t.get(
        Some(&counter),
        "/api/v1/reports/period?from=2026-12-01&to=2026-12-31",
    )
    .await
    .error(403, "forbidden");
    t.get(
        Some(&chairman),
        "/api/v1/reports/period?from=2026-13-01&to=2026-12-31",
    )
    .await
    .error(422, "invalid_date");
    t.get(
        Some(&chairman),
        "/api/v1/reports/period?from=2026-12-31&to=2026-12-01",
    )
    .await
    .error(422, "invalid_period");

    // The QĐ 766 replica: both dossiers are in progress within their limit.
    let x = t
        .get(Some(&chairman), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .expect(200);
    let unit = x["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == "lao-cai.bao-thang")
        .unwrap()
        .clone();
    let two_one = unit["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "2.1")
        .unwrap()
        .clone();
    assert_eq!(
        (two_one["numerator"].clone(), two_one["denominator"].clone()),
        (json!(2), json!(2)),
        "{x}"
    );
    assert_eq!(two_one["points"], 20.0);
    assert_eq!(unit["rank"], 1, "{unit}");
    assert_eq!(x["previous_from"], "2026-07-01");
    t.get(Some(&chairman), "/api/v1/reports/qd766?period=2026-Q5")
        .await
        .error(422, "invalid_period");
    t.get(
        Some(&chairman),
        "/api/v1/reports/qd766?period=2026-Q4&as_of=2026-02-30",
    )
    .await
    .error(422, "invalid_date");
    t.get(Some(&counter), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .error(403, "forbidden");
}

#[tokio::test]
async fn the_evaluation_page_renders_and_its_tables_download_as_xlsx_and_csv() {
    let t = spawn().await;
    // One dossier, early: received Mon 7/12 09:00, due Mon 14/12; result Tue 8/12.
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    t.at("2026-12-08 09:00");
    t.act(&tok.specialist, &id, "forward", json!({"note": ""}))
        .await;
    t.at("2026-12-08 10:00");
    t.act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    t.at("2026-12-08 11:00");
    t.act(&tok.clerk, &id, "issue", json!({"number": "7/GKS"}))
        .await;
    t.at("2026-12-09 09:00");

    let page = |token: String, query: &'static str| {
        let (http, base) = (t.http.clone(), t.base.clone());
        async move {
            http.get(format!("{base}/lanh-dao/danh-gia{query}"))
                .header("Cookie", format!("mc_phien={token}"))
                .send()
                .await
                .unwrap()
        }
    };
    let html = page(tok.leader.clone(), "?ky=2026-Q4").await;
    assert_eq!(html.status().as_u16(), 200);
    let html = html.text().await.unwrap();
    for text in [
        "Kết quả đánh giá cơ quan, đơn vị — Quý IV năm 2026",
        "Kết quả đánh giá cán bộ, công chức — Quý IV năm 2026",
        "UBND xã Bảo Thắng",
        "Hoàng Văn Sơn",
        "Chỉ số 8 (phản ánh, kiến nghị): không có dữ liệu",
        "href=\"/lanh-dao/danh-gia\" aria-current=\"page\"",
        "<option value=\"2026-Q4\" selected>Quý IV năm 2026</option>",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    // The default is the current quarter; a period not begun is said so.
    let html = page(tok.leader.clone(), "").await.text().await.unwrap();
    assert!(html.contains("Quý IV năm 2026") && html.contains("Hoàng Văn Sơn"));
    let later = page(tok.leader.clone(), "?ky=2027-Q2").await;
    assert_eq!(later.status().as_u16(), 422);
    assert!(
        later
            .text()
            .await
            .unwrap()
            .contains("Quý II năm 2027 chưa bắt đầu.")
    );
    // Figures are for leaders.
    assert_eq!(
        page(tok.counter.clone(), "?ky=2026-Q4")
            .await
            .status()
            .as_u16(),
        403
    );

    // CSV: UTF-8 with a byte-order mark, scores the Vietnamese way, "—" without data.
    let csv = page(tok.leader.clone(), "?ky=2026-Q4&tai=csv").await;
    assert_eq!(
        csv.headers()["content-disposition"],
        "attachment; filename=\"danh-gia-don-vi-2026-Q4.csv\""
    );
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("\"Cơ quan, đơn vị\",Số hồ sơ,Chỉ số 1,Chỉ số 2,"),
        "{}",
        lines[0]
    );
    // 1: early; 2: its worst part (reception, issuance) on time; 5: 1; 8: no feedback; 9: no
    // online dossier.
    assert!(
        lines[1].starts_with(
            "UBND xã Bảo Thắng,1,\"2,0\",\"1,0\",—,—,\"1,0\",—,—,\"2,0\",\"0,0\",\"6,0\",\"10,0\",Trung bình,"
        ),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 4, "the commune, its counter and its office");
    let csv = page(tok.leader.clone(), "?ky=2026-Q4&bang=can-bo&tai=csv")
        .await
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.contains(
            "Hoàng Văn Sơn,UBND xã Bảo Thắng,1,\"2,0\",\"2,0\",—,—,—,\"4,0\",Hoàn thành từ 70% đến dưới 100% nhiệm vụ"
        ),
        "{text}"
    );
    for table in ["", "&bang=can-bo"] {
        let xlsx = t
            .http
            .get(format!(
                "{}/lanh-dao/danh-gia?ky=2026-Q4{table}&tai=xlsx",
                t.base
            ))
            .header("Cookie", format!("mc_phien={}", tok.leader))
            .send()
            .await
            .unwrap();
        assert_eq!(
            xlsx.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = xlsx.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04") && bytes.len() > 2000);
    }

    // The same as JSON.
    let r = t
        .get(
            Some(&tok.leader),
            "/api/v1/reports/evaluation?period=2026-Q4",
        )
        .await
        .expect(200);
    assert_eq!(r["dossiers"], 1, "{r}");
    assert_eq!(r["scheme"]["name"], "Thông tư 01/2018/TT-VPCP");
    let unit = &r["units"][0];
    assert_eq!(unit["name"], "UBND xã Bảo Thắng");
    assert_eq!(unit["scores"][0]["score"], 2.0);
    assert_eq!(unit["scores"][7]["score"], 2.0, "index 8: no feedback");
    assert_eq!(
        (unit["total"].clone(), unit["classification"].clone()),
        (json!(6.0), json!("Trung bình"))
    );
    let year = t
        .get(
            Some(&tok.leader),
            "/api/v1/reports/evaluation?period=2026&as_of=2026-12-07",
        )
        .await
        .expect(200);
    assert_eq!(year["dossiers"], 0, "nothing had ended on 7/12: {year}");
    t.get(
        Some(&tok.leader),
        "/api/v1/reports/evaluation?period=2026-Q5",
    )
    .await
    .error(422, "invalid_period");
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/evaluation?period=2026-Q4",
    )
    .await
    .error(403, "forbidden");
}

/// Every parameter the document says is in the path is in the path's template, and every
/// `{name}` of a template is a path parameter: a query parameter documented "in: path" (the
/// public feedback search's `q` was) tells clients to build addresses that do not exist.
#[test]
fn the_openapi_document_puts_each_parameter_where_it_is_read() {
    let doc = serde_json::to_value(web::api::openapi()).unwrap();
    let mut wrong = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            for name in &in_path {
                if !path.contains(&format!("{{{name}}}")) {
                    wrong.push(format!("{method} {path}: `{name}` said to be in the path"));
                }
            }
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                if !in_path.contains(&name) {
                    wrong.push(format!("{method} {path}: `{{{name}}}` not documented"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The API's description, checked in as `tests/openapi.json`: any change to an endpoint, a body
/// or a schema shows in review as a change to that file. After a deliberate change, regenerate it
/// with `UPDATE_OPENAPI=1 cargo test -p web --test it openapi`.
#[test]
fn the_openapi_document_matches_its_snapshot() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json");
    let now = serde_json::to_string_pretty(&web::api::openapi()).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &now).unwrap();
    }
    let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
    if snapshot != now {
        let first = snapshot
            .lines()
            .zip(now.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| snapshot.lines().count().min(now.lines().count()));
        panic!(
            "the OpenAPI document differs from tests/openapi.json from line {} on:\n  snapshot: {}\n  now:      {}\nregenerate with UPDATE_OPENAPI=1 after a deliberate change",
            first + 1,
            snapshot.lines().nth(first).unwrap_or("(end)"),
            now.lines().nth(first).unwrap_or("(end)")
        );
    }
}

#[tokio::test]
async fn metrics_are_served_only_to_the_holder_of_the_token() {
    // No token configured: the endpoint does not exist.
    let t = spawn().await;
    let r = t
        .http
        .get(format!("{}/metrics", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    const TOKEN: &str = "bi-mat-cua-doi-van-hanh-2026";
    let t = spawn_with(
        |s| s.metrics_token = Some(TOKEN.into()),
        web::NetOptions::default(),
    )
    .await;
    let counter = t.login("motcua.baothang").await;
    receive(&t, &counter).await;
    for auth in [
        None,
        Some("Bearer sai"),
        Some("bi-mat-cua-doi-van-hanh-2026"),
    ] {
        let mut req = t.http.get(format!("{}/metrics", t.base));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 404, "{auth:?}");
    }
    let r = t
        .http
        .get(format!("{}/metrics", t.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    for line in [
        "motcua_http_requests_total{method=\"POST\",route=\"/api/v1/dossiers\",status=\"201\"} 1",
        "motcua_http_requests_total{method=\"POST\",route=\"/api/v1/sessions\",status=\"201\"} 1",
        "motcua_outbox_messages{state=\"pending\"}",
        "motcua_write_queue_jobs 0",
        "motcua_http_request_duration_seconds_bucket{le=\"+Inf\"}",
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    // On SQLite the intake was written in a batch of the writer (with the seed's writes before
    // it); PostgreSQL writes each change in its own transaction and has no batches to count.
    let batches: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("motcua_write_batch_jobs_count "))
        .unwrap()
        .parse()
        .unwrap();
    match t.db.kind() {
        "SQLite" => assert!(batches >= 1, "{text}"),
        _ => assert_eq!(batches, 0, "{text}"),
    }
    // Routes are templates: no dossier id or code appears.
    assert!(!text.contains("H38-"), "{text}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_sane_one_is_kept() {
    let t = spawn().await;
    let r = t
        .http
        .get(format!("{}/api/v1/procedures", t.base))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "{id}");
    let r = t
        .http
        .get(format!("{}/api/v1/procedures", t.base))
        .header("x-request-id", "cong-dich-vu-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "cong-dich-vu-42");
    // A long or odd one is not echoed back.
    let odd = "<script>".repeat(20);
    let r = t
        .http
        .get(format!("{}/khong-co", t.base))
        .header("x-request-id", odd.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let back = r.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(back, odd);
    assert_eq!(back.len(), 32);
}
