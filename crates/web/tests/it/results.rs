//! Electronic results: issuing a result signs its document with the organisation's certificate
//! (a PKCS#12 file the test makes with openssl), stores it with the dossier, lets the officer and
//! the citizen download it, and the public page verifies it; a failed signature issues nothing.

use std::sync::Arc;

use sha2::Digest as _;

use serde_json::{Value, json};

use crate::common::*;

/// A token that refuses to sign (a pulled-out USB key, a wrong PIN after opening).
struct Refusing(Vec<kyso::Cert>);

impl kyso::Signer for Refusing {
    fn chain(&self) -> &[kyso::Cert] {
        &self.0
    }
    fn kind(&self) -> kyso::KeyKind {
        kyso::KeyKind::Rsa
    }
    fn sign(&self, _: &[u8]) -> Result<Vec<u8>, kyso::Error> {
        Err(kyso::Error::Signing("thiết bị ký đã bị rút ra".into()))
    }
}

/// The test server signing results with an organisation certificate made with openssl, or
/// `None` (outside CI) when openssl is missing.
async fn signing_app() -> Option<TestApp> {
    let p12 = organisation_p12()?;
    let signer = Arc::new(kyso::Pkcs12Signer::open(&p12, "mat-khau").unwrap());
    Some(
        spawn_with(
            |s| s.signing = Some(signing(signer)),
            web::NetOptions::default(),
        )
        .await,
    )
}

/// Walks a dossier of Bảo Thắng from appraisal to the clerk's issuing step.
async fn to_issuing(t: &TestApp) -> (String, Tokens) {
    let (d, tok) = in_appraisal(t).await;
    let id = id_of(&d);
    t.at("2026-12-08 09:00");
    t.act(
        &tok.specialist,
        &id,
        "forward",
        json!({"note": "Đủ điều kiện"}),
    )
    .await;
    t.act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    (id, tok)
}

/// Takes a received dossier of Bảo Thắng through the commune office and the civil-status
/// officer to the chairman's approval (with `reason` as the approval's content).
async fn approve(t: &TestApp, tok: &Tokens, id: &str, reason: &str) {
    t.act(
        &tok.counter,
        id,
        "transfer",
        json!({"to_unit": "lao-cai.bao-thang.van-phong"}),
    )
    .await;
    let specialist = t.officer_id("tuphap.baothang").await;
    t.act(&tok.head, id, "assign", json!({ "officer_id": specialist }))
        .await;
    t.act(
        &tok.specialist,
        id,
        "forward",
        json!({"note": "Đủ điều kiện"}),
    )
    .await;
    t.act(
        &tok.leader,
        id,
        "decision",
        json!({"outcome": "approved", "reason": reason}),
    )
    .await;
}

/// One indicator of a unit in the QĐ 766 index of 2026-Q4, as the commune's chairman reads it.
async fn indicator_766(t: &TestApp, agency: &str, id: &str) -> Value {
    let chairman = t.login("chutich.baothang").await;
    let x = t
        .get(Some(&chairman), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .expect(200);
    x["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == agency)
        .and_then(|u| u["indicators"].as_array()?.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no indicator {id} of {agency}: {x}"))
        .clone()
}

/// Walks a dossier to the clerk and issues its result, numbered 125/2026/TLKS, on 8 December
/// at 10:00; the dossier view the issue answered.
async fn issued(t: &TestApp) -> (String, Tokens, Value) {
    let (id, tok) = to_issuing(t).await;
    t.at("2026-12-08 10:00");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "125/2026/TLKS"}))
        .await;
    (id, tok, d)
}

async fn get_bytes(t: &TestApp, session: &str, path: &str, accept: &str) -> (u16, Vec<u8>) {
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .header("Cookie", format!("mc_phien={session}"))
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

/// Opens a public page with a form, as a visitor: its cookies and its anti-forgery token.
async fn page_form(t: &TestApp, path: &str) -> (String, String) {
    let page = t
        .http
        .get(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{path}");
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ");
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    (cookie, csrf)
}

/// Posts a file to the verification page, as its form does (CSRF from the page).
async fn compare(t: &TestApp, code: &str, file: Vec<u8>) -> String {
    let (cookie, csrf) = page_form(t, &format!("/xac-thuc/{code}")).await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(file).file_name("ket-qua.pdf"),
    );
    let r = t
        .http
        .post(format!("{}/xac-thuc/{code}", t.base))
        .header("Cookie", cookie)
        .header("Origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_result_is_signed_downloaded_and_verified() {
    let Some(t) = signing_app().await else {
        return;
    };
    let (id, tok, d) = issued(&t).await;
    let e = d["state"]["electronic_result"].clone();
    assert_eq!(e["signer"], "UBND xã Bảo Thắng", "{d}");
    let code = e["code"].as_str().unwrap().to_string();
    assert!(code.starts_with(d["code"].as_str().unwrap()), "{code}");
    let sha = e["file"]["sha256"].as_str().unwrap().to_string();

    // The officer downloads the signed PDF; its signature verifies and covers the whole file.
    let (status, pdf) = get_bytes(
        &t,
        &tok.counter,
        &format!("/ho-so/{id}/tep/{sha}"),
        "application/pdf",
    )
    .await;
    assert_eq!(status, 200);
    // GIAYTO_OUT=DIR keeps the signed result, to look at.
    if let Ok(dir) = std::env::var("GIAYTO_OUT") {
        std::fs::write(std::path::Path::new(&dir).join("ket-qua.pdf"), &pdf).unwrap();
    }
    let reports = kyso::verify_pdf(&pdf).unwrap();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].intact && reports[0].covers_whole_file,
        "{reports:?}"
    );
    assert_eq!(reports[0].signer, "UBND xã Bảo Thắng");

    // The dossier page offers it.
    let (_, page) = get_bytes(
        &t,
        &tok.counter,
        &format!("/can-bo/ho-so/{id}"),
        "text/html",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains(&format!("/ho-so/{id}/tep/{sha}")),
        "no download link"
    );
    assert!(page.contains(&format!("/xac-thuc/{code}")));

    // Anyone can check it: as a page and as JSON.
    let (status, html) = get_bytes(&t, "", &format!("/xac-thuc/{code}"), "text/html").await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, 200);
    assert!(html.contains("còn hiệu lực"), "{html}");
    assert!(html.contains("125/2026/TLKS") && html.contains(&sha));
    let (status, body) = get_bytes(&t, "", &format!("/xac-thuc/{code}"), "application/json").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["sha256"].as_str()),
        (Some("valid"), Some(sha.as_str()))
    );
    assert_eq!(v["number"], "125/2026/TLKS");

    // Uploading the file issued says so; a file changed by one byte is not it, and the
    // signature check says the file was changed after signing.
    let same = compare(&t, &code, pdf.clone()).await;
    assert!(same.contains("đúng là văn bản đã phát hành"), "{same}");
    assert!(same.contains("Chữ ký hợp lệ"), "{same}");
    let mut changed = pdf.clone();
    changed[pdf.len() / 3] ^= 1;
    let other = compare(&t, &code, changed).await;
    assert!(other.contains("không phải văn bản đã phát hành"), "{other}");
    assert!(other.contains("bị thay đổi sau khi ký"), "{other}");

    // An unknown code is not found, as a page and as JSON.
    let (status, _) = get_bytes(&t, "", "/xac-thuc/000.01.61.H38-261207-9999.3", "text/html").await;
    assert_eq!(status, 404);
    let (status, body) = get_bytes(&t, "", "/xac-thuc/khong-co", "application/json").await;
    assert_eq!(status, 404);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], "document_not_found");

    // QĐ 766 4.1 counts it: one electronic result over the dossiers handled.
    let four_one = indicator_766(&t, "lao-cai.bao-thang", "4.1").await;
    assert_eq!(four_one["numerator"], 1, "{four_one}");
    assert!(four_one["points"].as_f64().unwrap() > 0.0, "{four_one}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_signature_leaves_the_dossier_awaiting_signature() {
    let Some(p12) = organisation_p12() else {
        return;
    };
    let chain = kyso::Signer::chain(&kyso::Pkcs12Signer::open(&p12, "mat-khau").unwrap()).to_vec();
    let t = spawn_with(
        |s| s.signing = Some(signing(Arc::new(Refusing(chain)))),
        web::NetOptions::default(),
    )
    .await;
    let (id, tok) = to_issuing(&t).await;
    let before = t.detail(&tok.counter, &id).await;
    let message = t
        .post(
            Some(&tok.clerk),
            &format!("/api/v1/dossiers/{id}/issue"),
            json!({"number": "125/2026/TLKS"}),
        )
        .await
        .error(409, "signing_failed");
    assert!(message.contains("thiết bị ký đã bị rút ra"), "{message}");
    assert!(message.contains("chưa phát hành"), "{message}");
    let after = t.detail(&tok.counter, &id).await;
    assert_eq!(
        before["dossier"]["version"], after["dossier"]["version"],
        "nothing recorded"
    );
    assert_eq!(after["dossier"]["current_step"], "Vào số, phát hành");

    // A refusal to resolve goes out as a letter: issuing it signs nothing, so it succeeds.
    let (d, _) = in_appraisal(&t).await;
    let other = id_of(&d);
    t.act(
        &tok.specialist,
        &other,
        "forward",
        json!({"note": "Không đủ điều kiện"}),
    )
    .await;
    t.act(
        &tok.leader,
        &other,
        "decision",
        json!({"outcome": "refused", "reason": "Đã có giấy khai sinh bản gốc", "legal_basis": "Điều 24 Nghị định 123/2015/NĐ-CP"}),
    )
    .await;
    let d = t
        .act(&tok.clerk, &other, "issue", json!({"number": "12/UBND-TP"}))
        .await;
    assert_eq!(d["national_status"], 9);
    assert!(d["state"].get("electronic_result").is_none(), "{d}");
}

/// Uploads a file through the API as the counter would; returns the reference.
async fn upload(t: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> Value {
    let r = t
        .http
        .post(format!("{}/api/v1/files?name={name}", t.base))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_uploads_are_read_shown_and_counted() {
    let Some(p12) = organisation_p12() else {
        return;
    };
    let signer = kyso::Pkcs12Signer::open(&p12, "mat-khau").unwrap();
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    // A birth certificate copy signed by the issuing committee, and one altered after signing.
    let doc = giayto::render(&giayto::built_in("mau-05").unwrap(), &{
        let mut d = giayto::Data::new();
        for k in [
            "co_quan_cap_tren",
            "bo_phan",
            "ma_ho_so",
            "nguoi_nop",
            "thu_tuc",
            "thoi_gian_nhan",
            "thoi_gian_tra",
        ] {
            d.set(k, "Bảo Thắng");
        }
        d.list("giao_nhan");
        d
    })
    .unwrap();
    let options = kyso::SignOptions {
        name: "UBND xã Bảo Thắng".into(),
        reason: "Chứng thực".into(),
        location: "Lào Cai".into(),
        when: kyso::pdf_date(2026, 12, 1, 8, 0, 0),
    };
    let signed = kyso::sign_pdf(&doc, &signer, &options).unwrap();
    let mut altered = signed.clone();
    altered[doc.len() / 2] ^= 1;
    let good = upload(&t, &counter, "ban-sao-giay-khai-sinh.pdf", signed).await;
    let bad = upload(&t, &counter, "to-khai.pdf", altered).await;
    let mut body = intake(REREGISTER_BIRTH, &[]);
    // A client cannot say a file is signed: the field is refused; the server reads the file.
    let mut claimed = bad.clone();
    claimed["signature"] = json!({"signer": "Giả mạo", "intact": true, "covers_whole_file": true});
    body["components"] = json!([{"component": "to-khai", "files": [claimed]}]);
    t.post(Some(&counter), "/api/v1/dossiers", body.clone())
        .await
        .error(422, "invalid_fields");
    body["components"] = json!([
        {"component": "to-khai", "files": [bad]},
        {"component": "giay-to-khai-sinh", "form": "copy", "files": [good]}
    ]);
    let d = t
        .post(Some(&counter), "/api/v1/dossiers", body)
        .await
        .expect(201);
    let files: Vec<Value> = d["state"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["files"][0].clone())
        .collect();
    assert_eq!(files[1]["signature"]["signer"], "UBND xã Bảo Thắng", "{d}");
    assert_eq!(files[1]["signature"]["intact"], true);
    assert_eq!(
        files[0]["signature"]["intact"], false,
        "altered after signing"
    );

    // The dossier page says who signed each file and which was changed.
    let id = id_of(&d);
    let (_, page) = get_bytes(&t, &counter, &format!("/can-bo/ho-so/{id}"), "text/html").await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("ký số bởi UBND xã Bảo Thắng (hợp lệ)"),
        "{page}"
    );
    assert!(page.contains("bị thay đổi sau khi ký"), "{page}");

    // The periodic report counts the dossier as having a signed component.
    let chairman = t.login("chutich.baothang").await;
    let r = t
        .get(
            Some(&chairman),
            "/api/v1/reports/period?from=2026-12-01&to=2026-12-31",
        )
        .await
        .expect(200);
    assert_eq!(r["total"]["signed_components"], 1, "{}", r["total"]);
    assert_eq!(r["total"]["electronic_results"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_supersedes_the_result_it_corrects() {
    let Some(t) = signing_app().await else {
        return;
    };
    let (id, tok, d) = issued(&t).await;
    let first = d["state"]["electronic_result"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    t.act(
        &tok.counter,
        &id,
        "return",
        json!({"received_by": "Nguyễn Thị Hằng"}),
    )
    .await;
    // The applicant finds a wrong date: a correction is opened and handled to a new result.
    t.at("2026-12-09 09:00");
    let c = t
        .post(
            Some(&tok.counter),
            &format!("/api/v1/dossiers/{id}/corrections"),
            json!({"intake": intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS), "reason": "Sai ngày sinh trong văn bản"}),
        )
        .await
        .expect(201);
    let cid = id_of(&c);
    let (_, before) = get_bytes(&t, "", &format!("/xac-thuc/{first}"), "application/json").await;
    let before: Value = serde_json::from_slice(&before).unwrap();
    assert_eq!(
        before["status"], "valid",
        "a correction under way supersedes nothing yet"
    );
    approve(&t, &tok, &cid, "").await;
    let c = t
        .act(
            &tok.clerk,
            &cid,
            "issue",
            json!({"number": "126/2026/TLKS"}),
        )
        .await;
    let second = c["state"]["electronic_result"]["code"]
        .as_str()
        .unwrap()
        .to_string();

    let (_, after) = get_bytes(&t, "", &format!("/xac-thuc/{first}"), "application/json").await;
    let after: Value = serde_json::from_slice(&after).unwrap();
    assert_eq!(after["status"], "superseded", "{after}");
    assert_eq!(after["superseded_by"], second.as_str());
    let (status, html) = get_bytes(&t, "", &format!("/xac-thuc/{first}"), "text/html").await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, 200);
    assert!(html.contains("Văn bản đã được thay thế"), "{html}");
    assert!(html.contains(&format!("/xac-thuc/{second}")), "{html}");
    let (_, newer) = get_bytes(&t, "", &format!("/xac-thuc/{second}"), "text/html").await;
    assert!(String::from_utf8(newer).unwrap().contains("còn hiệu lực"));
}

/// Chứng thực bản sao từ bản chính: the counter scans the original, the commune certifies it.
const CERTIFY_COPY: &str = "2.000815";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certified_copy_is_made_from_the_scanned_original_signed_and_counted() {
    let Some(t) = signing_app().await else {
        return;
    };
    let tok = Tokens::of(&t).await;
    t.at("2026-12-08 08:00");
    // The scanned original: a two-page PDF as the counter's scanner gives it.
    let scan = giayto::render(
        &giayto::Template::parse(
            "name = \"Bằng tốt nghiệp\"\npaper = \"A4\"\n[[block]]\nkind = \"title\"\ntext = \"BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG\"\n",
        )
        .unwrap(),
        &giayto::Data::new(),
    )
    .unwrap();
    let original = upload(&t, &tok.counter, "bang-tot-nghiep.pdf", scan).await;
    let walk = |files: Value| {
        let mut body = intake(CERTIFY_COPY, &[]);
        body["components"] = json!([
            {"component": "ban-chinh", "files": files},
            {"component": "ban-sao"}
        ]);
        body
    };
    let mut ids = Vec::new();
    for files in [json!([original]), json!([])] {
        let d = t
            .post(Some(&tok.counter), "/api/v1/dossiers", walk(files))
            .await
            .expect(201);
        let id = id_of(&d);
        approve(
            &t,
            &tok,
            &id,
            "Bằng tốt nghiệp trung học phổ thông số B0123456",
        )
        .await;
        ids.push(id);
    }

    // Without a scan of the original there is nothing to certify: nothing is issued.
    let message = t
        .post(
            Some(&tok.clerk),
            &format!("/api/v1/dossiers/{}/issue", ids[1]),
            json!({"number": "126"}),
        )
        .await
        .error(409, "signing_failed");
    assert!(
        message.contains("chưa có bản quét của bản chính"),
        "{message}"
    );

    // With it, the copy is the scan stamped page by page, then the statement, signed.
    t.at("2026-12-08 10:00");
    let d = t
        .act(&tok.clerk, &ids[0], "issue", json!({"number": "125"}))
        .await;
    let e = d["state"]["electronic_result"].clone();
    let sha = e["file"]["sha256"].as_str().unwrap().to_string();
    assert!(
        e["file"]["name"]
            .as_str()
            .unwrap()
            .starts_with("ban-sao-chung-thuc-"),
        "{e}"
    );
    let (status, pdf) = get_bytes(
        &t,
        &tok.counter,
        &format!("/ho-so/{}/tep/{sha}", ids[0]),
        "application/pdf",
    )
    .await;
    assert_eq!(status, 200);
    let reports = kyso::verify_pdf(&pdf).unwrap();
    assert!(
        reports[0].intact && reports[0].covers_whole_file,
        "{reports:?}"
    );
    if let Some(text) = pdf_text(&pdf) {
        for expected in [
            "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG",
            "Số chứng thực 125, quyển số 01/2026-SCT/BS",
            "Trang 1/2",
            "LỜI CHỨNG",
            "Chứng thực bản sao đúng với bản chính.",
            "B0123456",
            "Trang 2/2",
        ] {
            assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
        }
    }

    // QĐ 766 4.5 (the certified-copy part): one electronic copy of one certification resolved.
    let line = indicator_766(&t, "lao-cai.bao-thang", "4.5").await;
    assert_eq!(
        (line["numerator"].as_i64(), line["denominator"].as_i64()),
        (Some(1), Some(1)),
        "{line}"
    );
    assert_eq!(line["points"].as_f64(), Some(2.0), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_result_is_reported_revoked_and_cannot_be_revoked_twice() {
    let Some(t) = signing_app().await else {
        return;
    };
    let (id, tok) = to_issuing(&t).await;
    let path = format!("/api/v1/dossiers/{id}/result-revocation");
    let body = json!({"reason": "Cấp sai họ tên người được đăng ký", "legal_basis": "Điều 21 Nghị định 61/2018/NĐ-CP"});
    // Nothing to revoke before the result is issued.
    t.post(Some(&tok.leader), &path, body.clone())
        .await
        .error(409, "no_electronic_result");
    t.at("2026-12-08 10:00");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "125/2026/TLKS"}))
        .await;
    let code = d["state"]["electronic_result"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    // The leader is offered the revocation (the result of the issue carries the view).
    let offered = |d: &Value| {
        d["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "revoke_result")
    };
    let leader_view = t.detail(&tok.leader, &id).await["dossier"].clone();
    assert!(offered(&leader_view), "{}", leader_view["allowed_actions"]);
    assert!(!offered(&d), "the clerk is not offered it");
    // Only the competent leader revokes; a reason and a legal basis are required.
    t.post(Some(&tok.clerk), &path, body.clone())
        .await
        .expect(403);
    t.post(
        Some(&tok.leader),
        &path,
        json!({"reason": " ", "legal_basis": "Điều 21"}),
    )
    .await
    .expect(422);
    let before = t.detail(&tok.leader, &id).await["dossier"]["version"].clone();
    assert_eq!(
        t.detail(&tok.leader, &id).await["dossier"]["version"],
        before,
        "a refused revocation records nothing"
    );
    t.at("2026-12-09 09:00");
    let d = t
        .post(Some(&tok.leader), &path, body.clone())
        .await
        .expect(200);
    assert_eq!(
        d["state"]["result_revoked"]["reason"], "Cấp sai họ tên người được đăng ký",
        "{d}"
    );
    t.post(Some(&tok.leader), &path, body)
        .await
        .error(409, "already_revoked");

    // The public check says so, as JSON and as a page; the applicant's page too.
    let (status, json_body) =
        get_bytes(&t, "", &format!("/xac-thuc/{code}"), "application/json").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&json_body).unwrap();
    assert_eq!(v["status"], "revoked", "{v}");
    assert_eq!(v["revoked"]["reason"], "Cấp sai họ tên người được đăng ký");
    assert!(
        v["revoked"]["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-09"),
        "{v}"
    );
    let (_, html) = get_bytes(&t, "", &format!("/xac-thuc/{code}"), "text/html").await;
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("Văn bản đã bị thu hồi, không còn giá trị"),
        "{html}"
    );
    assert!(!html.contains("còn hiệu lực"), "{html}");
    let (_, page) = get_bytes(
        &t,
        &tok.counter,
        &format!("/can-bo/ho-so/{id}"),
        "text/html",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Kết quả điện tử đã bị thu hồi"), "{page}");
}

/// Opens a one-time link's page (no login) and presses its button; returns the answer's
/// status, content type and body.
async fn take_link(t: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let (cookie, csrf) = page_form(t, path).await;
    let r = t
        .http
        .post(format!("{}{path}", t.base))
        .header("Cookie", cookie)
        .header("Origin", &t.base)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// Makes a one-time link through the API; its path on the portal.
async fn link_path(t: &TestApp, token: &str, make: &str) -> String {
    let link = t.post(Some(token), make, json!({})).await.expect(201);
    link["url"]
        .as_str()
        .and_then(|u| u.strip_prefix("https://dichvucong.laocai.gov.vn"))
        .unwrap_or_else(|| panic!("{link}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_link_downloads_the_result_once_then_is_gone() {
    let Some(t) = signing_app().await else {
        return;
    };
    let (id, tok) = to_issuing(&t).await;
    let make = format!("/api/v1/dossiers/{id}/result-link");
    t.post(Some(&tok.counter), &make, json!({}))
        .await
        .error(409, "no_electronic_result");
    t.at("2026-12-08 10:00");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "125/2026/TLKS"}))
        .await;
    let sha = d["state"]["electronic_result"]["file"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let link = t
        .post(Some(&tok.counter), &make, json!({}))
        .await
        .expect(201);
    let url = link["url"].as_str().unwrap();
    let path = url
        .strip_prefix("https://dichvucong.laocai.gov.vn")
        .unwrap_or_else(|| panic!("{link}"))
        .to_string();
    assert!(path.starts_with("/tai/"), "{path}");
    assert!(
        link["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-15T10:00"),
        "{link}"
    );

    // Opening shows what it gives and leaves it working (a mail preview opens links).
    let (status, html) = get_bytes(&t, "", &path, "text/html").await;
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains(d["code"].as_str().unwrap()) && html.contains("một lần"),
        "{html}"
    );
    let (status, kind, pdf) = take_link(&t, &path).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert_eq!(hex::encode(sha2::Sha256::digest(&pdf)), sha);

    // Used: gone, on the page and on the button.
    let (status, html) = get_bytes(&t, "", &path, "text/html").await;
    assert_eq!(status, 410);
    assert!(
        String::from_utf8(html)
            .unwrap()
            .contains("đã được dùng hoặc đã hết hạn"),
        "says why"
    );
    let (status, _) = get_bytes(&t, "", "/tai/khong-co-duong-dan-nay", "text/html").await;
    assert_eq!(status, 404);

    // A link not used within seven days expires.
    let late_path = link_path(&t, &tok.counter, &make).await;
    t.at("2026-12-15 10:01");
    let (status, _) = get_bytes(&t, "", &late_path, "text/html").await;
    assert_eq!(status, 410);
    let spare_path = link_path(&t, &tok.counter, &make).await;

    // After a revocation no link is made, and one made before gives nothing.
    t.post(
        Some(&tok.leader),
        &format!("/api/v1/dossiers/{id}/result-revocation"),
        json!({"reason": "Cấp sai", "legal_basis": "Điều 21 Nghị định 61/2018/NĐ-CP"}),
    )
    .await
    .expect(200);
    t.post(Some(&tok.counter), &make, json!({}))
        .await
        .error(409, "result_revoked");
    let (status, html) = get_bytes(&t, "", &spare_path, "text/html").await;
    assert_eq!(status, 410);
    assert!(String::from_utf8(html).unwrap().contains("đã bị thu hồi"));
}
