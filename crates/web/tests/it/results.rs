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
    Some(spawn_with(|s| sign_with(s, signer), web::NetOptions::default()).await)
}

/// Walks a dossier of Bảo Thắng from appraisal to the leader's approval, on 8 December.
async fn to_approval(t: &TestApp) -> (String, Tokens) {
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
    (id, tok)
}

/// Walks a dossier of Bảo Thắng from appraisal to the clerk's issuing step.
async fn to_issuing(t: &TestApp) -> (String, Tokens) {
    let (id, tok) = to_approval(t).await;
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
    let csrf = csrf_of(&html);
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
        |s| sign_with(s, Arc::new(Refusing(chain))),
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
        ..Default::default()
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
    let files = first_files(&d);
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
            {"component": "ban-sao", "pages": 2}
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

    // In appraisal the draft is the copy itself, marked: nothing to type, only to review.
    let d = t
        .post(
            Some(&tok.counter),
            "/api/v1/dossiers",
            walk(json!([original])),
        )
        .await
        .expect(201);
    let draft_id = id_of(&d);
    to_appraisal(&t, &tok, &draft_id).await;
    let (_, page) = get_bytes(
        &t,
        &tok.specialist,
        &format!("/can-bo/ho-so/{draft_id}"),
        "text/html",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Xem dự thảo (PDF)"), "{page}");
    assert!(!page.contains("Lưu dự thảo kết quả"), "{page}");
    let (status, pdf) = get_bytes(
        &t,
        &tok.specialist,
        &format!("/can-bo/ho-so/{draft_id}/du-thao-ket-qua.pdf"),
        "*/*",
    )
    .await;
    assert_eq!(status, 200);
    says(
        &pdf,
        &[
            "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG",
            "DỰ THẢO — chưa ký số",
        ],
        &[],
    );

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

/// A household-business registration (1.001612) received at Bảo Thắng's counter, transferred to
/// the commune office and assigned to its specialist.
async fn business_in_appraisal(t: &TestApp) -> (String, Tokens) {
    let tok = Tokens::of(t).await;
    let d = t
        .post(
            Some(&tok.counter),
            "/api/v1/dossiers",
            intake("1.001612", &["giay-de-nghi"]),
        )
        .await
        .expect(201);
    let id = id_of(&d);
    to_appraisal(t, &tok, &id).await;
    (id, tok)
}

#[tokio::test]
async fn the_handler_drafts_the_certificate_the_leader_approves_it_and_the_clerk_signs_what_was_drafted()
 {
    let Some(t) = signing_app().await else { return };
    let (id, tok) = business_in_appraisal(&t).await;
    let draft_path = format!("/api/v1/dossiers/{id}/result-draft");

    // Before any saving: the template's fields, the owner's particulars taken from the dossier.
    let v = t.get(Some(&tok.specialist), &draft_path).await.expect(200);
    assert_eq!(v["template"], "Giấy chứng nhận đăng ký hộ kinh doanh");
    assert_eq!(v["revision"], 0);
    let field = |v: &Value, key: &str| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap_or_else(|| panic!("no field {key}: {v}"))
            .clone()
    };
    assert_eq!(field(&v, "chu_ho")["value"], "Nguyễn Thị Hằng");
    assert_eq!(field(&v, "chu_ho")["entered"], false);
    assert_eq!(field(&v, "so_dinh_danh_chu_ho")["value"], "010190012345");
    let missing: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"Tên hộ kinh doanh") && !missing.contains(&"Họ và tên chủ hộ kinh doanh"),
        "{v}"
    );

    // An incomplete draft cannot go to the leader; nothing changes.
    let before = t.detail(&tok.specialist, &id).await["dossier"]["version"].clone();
    let msg = t
        .post(
            Some(&tok.specialist),
            &format!("/api/v1/dossiers/{id}/forward"),
            json!({"note": "Đủ điều kiện"}),
        )
        .await
        .error(409, "draft_incomplete");
    assert!(msg.contains("Tên hộ kinh doanh"), "{msg}");
    assert_eq!(
        t.detail(&tok.specialist, &id).await["dossier"]["version"],
        before
    );

    // Bad drafts are refused and change nothing.
    t.post(
        Some(&tok.specialist),
        &draft_path,
        json!({"fields": {"ten_cho": "x"}}),
    )
    .await
    .error(422, "unknown_draft_field");
    t.post(
        Some(&tok.specialist),
        &draft_path,
        json!({"fields": {"so_lao_dong": "1".repeat(21)}}),
    )
    .await
    .error(422, "too_long");
    t.post(
        Some(&tok.leader),
        &draft_path,
        json!({"fields": {"ten_ho_kinh_doanh": "X"}}),
    )
    .await
    .error(403, "forbidden");
    assert_eq!(
        t.detail(&tok.specialist, &id).await["dossier"]["version"],
        before
    );

    // The handler's entries; a list of trades keeps its lines.
    t.act(
        &tok.specialist,
        &id,
        "result-draft",
        json!({"fields": {
            "ten_ho_kinh_doanh": "  HỘ KINH DOANH TẠP HÓA ĐỨC THỊNH ",
            "ma_so_ho_kinh_doanh": "10A8012345",
            "dia_diem_kinh_doanh": "Thôn Phú Thịnh, xã Bảo Thắng, tỉnh Lào Cai",
            "nganh_nghe": "Bán lẻ lương thực, thực phẩm\r\n\r\nBán lẻ đồ uống",
            "von_kinh_doanh": "50.000.000 đồng (năm mươi triệu đồng)"
        }}),
    )
    .await;
    // A second saving changes one field and keeps the others.
    t.act(
        &tok.specialist,
        &id,
        "result-draft",
        json!({"fields": {"von_kinh_doanh": "80.000.000 đồng (tám mươi triệu đồng)"}}),
    )
    .await;
    let v = t.get(Some(&tok.leader), &draft_path).await.expect(200);
    assert_eq!(v["revision"], 2);
    assert_eq!(v["missing"], json!([]));
    assert_eq!(
        field(&v, "ten_ho_kinh_doanh")["value"],
        "HỘ KINH DOANH TẠP HÓA ĐỨC THỊNH"
    );
    assert_eq!(
        field(&v, "nganh_nghe")["value"],
        "Bán lẻ lương thực, thực phẩm\nBán lẻ đồ uống"
    );

    // The draft as the leader reviews it: marked, unsigned, with what was entered.
    let (status, pdf) = get_bytes(
        &t,
        &tok.leader,
        &format!("/can-bo/ho-so/{id}/du-thao-ket-qua.pdf"),
        "*/*",
    )
    .await;
    assert_eq!(status, 200);
    // The same file through the API.
    let api = t
        .http
        .get(format!("{}{draft_path}.pdf", t.base))
        .bearer_auth(&tok.leader)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert_eq!(api.headers()["content-type"], "application/pdf");
    assert!(
        kyso::verify_pdf(&pdf).unwrap().is_empty(),
        "a draft is not signed"
    );
    says(
        &pdf,
        &[
            "DỰ THẢO — chưa ký số",
            "HỘ KINH DOANH TẠP HÓA ĐỨC THỊNH",
            "80.000.000 đồng",
            "Nguyễn Thị Hằng",
            "Bán lẻ đồ uống",
        ],
        &["50.000.000"],
    );

    // Forwarded, approved, numbered and signed: the result says what the draft said.
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
    t.get(Some(&tok.leader), &draft_path)
        .await
        .error(409, "no_draft");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "12/GCN-HKD"}))
        .await;
    let sha = d["state"]["electronic_result"]["file"]["sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("no electronic result: {d}"))
        .to_string();
    let (status, signed) = get_bytes(
        &t,
        &tok.clerk,
        &format!("/ho-so/{id}/tep/{sha}"),
        "application/pdf",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(kyso::verify_pdf(&signed).unwrap().len(), 1);
    says(
        &signed,
        &[
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
            "Số: 12/GCN-HKD",
            "HỘ KINH DOANH TẠP HÓA ĐỨC THỊNH",
            "80.000.000 đồng (tám mươi triệu đồng)",
            "Nguyễn Thị Hằng",
        ],
        &["DỰ THẢO"],
    );
    // Both savings are in the history.
    let events = t.detail(&tok.clerk, &id).await["events"].clone();
    let drafted = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "result_drafted" || e["type"] == "result_drafted")
        .count();
    assert_eq!(drafted, 2, "{events}");
}

#[tokio::test]
async fn the_dossier_page_shows_the_draft_and_saves_its_form() {
    let t = spawn().await;
    let (id, tok) = business_in_appraisal(&t).await;
    let page_path = format!("/can-bo/ho-so/{id}");
    let (status, page) = get_bytes(&t, &tok.specialist, &page_path, "text/html").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Dự thảo kết quả"), "{page}");
    assert!(page.contains("name=\"truong.ten_ho_kinh_doanh\""), "{page}");
    assert!(page.contains("value=\"Nguyễn Thị Hằng\""), "{page}");
    assert!(
        page.contains("Còn thiếu trước khi trình phê duyệt"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let version = t.detail(&tok.specialist, &id).await["dossier"]["version"]
        .as_u64()
        .unwrap()
        .to_string();
    let path = format!("/can-bo/ho-so/{id}/soan-du-thao");
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf", csrf.clone()), ("version", version.clone())];
        form.extend(fields);
        post_form(&t, &tok.specialist, &csrf, &path, form)
    };
    // A value longer than the template allows: the page says so and nothing is saved.
    let (status, body) = post(vec![("truong.so_lao_dong", "9".repeat(30))]).await;
    assert!(status >= 400, "{status}: {body}");
    assert!(body.contains("dài quá 20 ký tự"), "{status}: {body}");
    let v = t
        .get(
            Some(&tok.specialist),
            &format!("/api/v1/dossiers/{id}/result-draft"),
        )
        .await
        .expect(200);
    assert_eq!(v["revision"], 0);
    let (status, body) = post(vec![
        ("truong.ten_ho_kinh_doanh", "HỘ KINH DOANH AN PHÚ".into()),
        ("truong.ma_so_ho_kinh_doanh", "10A8000001".into()),
    ])
    .await;
    assert!(status == 303 || status == 200, "{status}: {body}");
    let v = t
        .get(
            Some(&tok.specialist),
            &format!("/api/v1/dossiers/{id}/result-draft"),
        )
        .await
        .expect(200);
    assert_eq!(v["revision"], 1);
    let (_, page) = get_bytes(&t, &tok.specialist, &page_path, "text/html").await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("value=\"HỘ KINH DOANH AN PHÚ\""), "{page}");
    assert!(page.contains("Phiên bản 1"), "{page}");
}

/// The PDF's words (read with pdftotext, one space between) contain each of `present` and none
/// of `absent`; outside CI without poppler, nothing is checked.
#[track_caller]
fn says(pdf: &[u8], present: &[&str], absent: &[&str]) {
    let Some(text) = pdf_text(pdf) else { return };
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in present {
        assert!(words.contains(expected), "{expected:?} in {words}");
    }
    for unexpected in absent {
        assert!(!words.contains(unexpected), "{unexpected:?} in {words}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_are_checked_against_the_configured_trust_roots() {
    let (Some(ours), Some(stranger)) = (organisation_p12(), organisation_p12()) else {
        return;
    };
    let ours = Arc::new(kyso::Pkcs12Signer::open(&ours, "mat-khau").unwrap());
    // A certificate with the same name from another key: what a forger would make.
    let stranger = kyso::Pkcs12Signer::open(&stranger, "mat-khau").unwrap();
    let root = kyso::Signer::chain(ours.as_ref())[0].clone();
    let signer = ours.clone();
    let t = spawn_with(
        move |s| {
            sign_with(s, signer);
            s.trust_roots = Arc::new(vec![root]);
        },
        web::NetOptions::default(),
    )
    .await;
    let (_, tok, d) = issued(&t).await;
    let code = d["state"]["electronic_result"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let sha = d["state"]["electronic_result"]["file"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let id = id_of(&d);
    let (_, issued_pdf) = get_bytes(
        &t,
        &tok.clerk,
        &format!("/ho-so/{id}/tep/{sha}"),
        "application/pdf",
    )
    .await;

    // The verification page: our own result chains to the configured root; the same document
    // re-signed by the look-alike certificate does not.
    let page = compare(&t, &code, issued_pdf.clone()).await;
    assert!(
        page.contains("Chuỗi chứng thư tin cậy (gốc: UBND xã Bảo Thắng)."),
        "{page}"
    );
    let options = kyso::SignOptions {
        name: "UBND xã Bảo Thắng".into(),
        reason: "Phát hành".into(),
        location: "Lào Cai".into(),
        when: kyso::pdf_date(2026, 12, 8, 10, 0, 0),
        ..Default::default()
    };
    let forged = kyso::sign_pdf(&issued_pdf, &stranger, &options).unwrap();
    let page = compare(&t, &code, forged.clone()).await;
    assert!(page.contains("Chuỗi chứng thư không tin cậy"), "{page}");

    // An upload: the dossier records whether its signer chains to a trusted root.
    let good = upload(&t, &tok.counter, "ban-sao.pdf", issued_pdf).await;
    let bad = upload(&t, &tok.counter, "gia-mao.pdf", forged).await;
    let mut body = intake(REREGISTER_BIRTH, &[]);
    body["components"] = json!([
        {"component": "to-khai", "files": [bad]},
        {"component": "giay-to-khai-sinh", "form": "copy", "files": [good]}
    ]);
    let d = t
        .post(Some(&tok.counter), "/api/v1/dossiers", body)
        .await
        .expect(201);
    let files = first_files(&d);
    assert_eq!(
        files[1]["signature"]["chain"],
        json!({"result": "trusted", "root": "UBND xã Bảo Thắng"}),
        "{d}"
    );
    assert_eq!(files[0]["signature"]["chain"]["result"], "untrusted", "{d}");
    let (_, page) = get_bytes(
        &t,
        &tok.counter,
        &format!("/can-bo/ho-so/{}", id_of(&d)),
        "text/html",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("chuỗi chứng thư tin cậy (gốc: UBND xã Bảo Thắng)"),
        "{page}"
    );
    assert!(page.contains("chuỗi chứng thư không tin cậy"), "{page}");
}

/// The first file of each component of a dossier view.
fn first_files(d: &Value) -> Vec<Value> {
    d["state"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["files"][0].clone())
        .collect()
}

/// A blue scribble on a transparent ground: a handwritten signature as the tests draw it.
fn scribble() -> Vec<u8> {
    testsupport::png(160, 60, |x, y| {
        let wave = 30.0 + 18.0 * ((x as f32) / 12.0).sin();
        if (y as f32 - wave).abs() < 2.5 {
            [20, 50, 160, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// A red ring: a seal.
fn ring() -> Vec<u8> {
    testsupport::png(100, 100, |x, y| {
        let (dx, dy) = (x as f32 - 49.5, y as f32 - 49.5);
        if (38.0..48.0).contains(&(dx * dx + dy * dy).sqrt()) {
            [200, 20, 20, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chairman_signs_with_the_approval_and_the_clerk_numbers_dates_and_seals_it() {
    let (Some(org), Some(personal)) = (
        organisation_p12(),
        self_signed_p12("/CN=Hoàng Văn Sơn/O=UBND xã Bảo Thắng"),
    ) else {
        return;
    };
    let signer = Arc::new(kyso::Pkcs12Signer::open(&org, "mat-khau").unwrap());
    let t = spawn_with(
        |s| {
            sign_with(s, signer);
            let signing = Arc::get_mut(s.signing.as_mut().unwrap()).unwrap();
            signing.approvers.insert(
                "chutich.baothang".into(),
                app::signing::ApproverKey {
                    key: app::signing::KeySource::Pkcs12(personal),
                    image: Some(scribble()),
                },
            );
            signing.seal = Some(ring());
        },
        web::NetOptions::default(),
    )
    .await;
    let (id, tok) = to_approval(&t).await;

    // The chairman's approval form asks for the PIN; the API refuses an approval without it,
    // and a wrong one records nothing.
    let (_, page) = get_bytes(&t, &tok.leader, &format!("/can-bo/ho-so/{id}"), "text/html").await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Phê duyệt và ký số") && page.contains("name=\"pin\""),
        "{page}"
    );
    let path = format!("/api/v1/dossiers/{id}/decision");
    let before = t.detail(&tok.counter, &id).await["dossier"]["version"].clone();
    t.post(Some(&tok.leader), &path, json!({"outcome": "approved"}))
        .await
        .error(422, "pin_required");
    let wrong = t
        .post(
            Some(&tok.leader),
            &path,
            json!({"outcome": "approved", "pin": "sai-ma"}),
        )
        .await
        .error(409, "signing_failed");
    assert!(
        wrong.contains("sai mật khẩu") && wrong.contains("chưa được phê duyệt"),
        "{wrong}"
    );
    assert!(!wrong.contains("sai-ma"), "the PIN is not echoed: {wrong}");
    assert_eq!(
        t.detail(&tok.counter, &id).await["dossier"]["version"],
        before
    );
    let d = t
        .act(
            &tok.leader,
            &id,
            "decision",
            json!({"outcome": "approved", "reason": "Đồng ý", "pin": "mat-khau"}),
        )
        .await;
    let approved = d["state"]["decision"]["signed"].clone();
    assert_eq!(approved["signer"], "Hoàng Văn Sơn", "{d}");
    let sha = approved["file"]["sha256"].as_str().unwrap();
    let (status, signed) = get_bytes(
        &t,
        &tok.clerk,
        &format!("/ho-so/{id}/tep/{sha}"),
        "application/pdf",
    )
    .await;
    assert_eq!(status, 200);
    let reports = kyso::verify_pdf(&signed).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].signer, "Hoàng Văn Sơn");
    // The number and the date are left blank for the clerk: four empty fields.
    let blanks: Vec<String> = kyso::form_fields(&signed)
        .unwrap()
        .into_iter()
        .filter(|f| !f.signature)
        .map(|f| f.name)
        .collect();
    assert_eq!(blanks, ["so", "ngay", "thang", "nam"]);

    // The clerk's page offers it, waiting for the number.
    let (_, page) = get_bytes(&t, &tok.clerk, &format!("/can-bo/ho-so/{id}"), "text/html").await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Văn bản đã ký phê duyệt") && page.contains(sha),
        "{page}"
    );

    // The clerk numbers it: the number and the date are written into the blanks and the
    // organisation signs with its seal; the chairman's signature still stands.
    t.at("2026-12-08 10:00");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "125/2026/TLKS"}))
        .await;
    let e = d["state"]["electronic_result"].clone();
    // The code printed beside the QR code when the chairman signed is the result's code.
    assert_eq!(e["code"], approved["code"], "{d}");
    let sha = e["file"]["sha256"].as_str().unwrap();
    let (_, pdf) = get_bytes(
        &t,
        &tok.counter,
        &format!("/ho-so/{id}/tep/{sha}"),
        "application/pdf",
    )
    .await;
    assert!(
        pdf.starts_with(&signed),
        "the approver's revision is kept as signed"
    );
    if let Ok(dir) = std::env::var("GIAYTO_OUT") {
        std::fs::write(
            std::path::Path::new(&dir).join("ket-qua-hai-chu-ky.pdf"),
            &pdf,
        )
        .unwrap();
    }
    let reports = kyso::verify_pdf(&pdf).unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.intact), "{reports:?}");
    assert_eq!(
        (reports[0].signer.as_str(), reports[1].signer.as_str()),
        ("Hoàng Văn Sơn", "UBND xã Bảo Thắng")
    );
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("125/2026/TLKS"), "{text}");
        assert!(text.contains("08") && text.contains("2026"), "{text}");
        assert!(text.contains(e["code"].as_str().unwrap()), "{text}");
    }
    let out = std::process::Command::new("pdfsig")
        .arg(write_temp(&pdf))
        .output();
    match out {
        Ok(o) => {
            let s = String::from_utf8_lossy(&o.stdout);
            assert_eq!(s.matches("Signature is Valid").count(), 2, "{s}");
        }
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("pdfsig: {e}"),
        Err(e) => eprintln!("SKIPPED: pdfsig not found ({e})"),
    }
    // The public page names the approver and the organisation, as page and as JSON.
    let (_, page) = get_bytes(
        &t,
        "",
        &format!("/xac-thuc/{}", e["code"].as_str().unwrap()),
        "text/html",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Người phê duyệt (ký số cá nhân)") && page.contains("Hoàng Văn Sơn"),
        "{page}"
    );
    let (_, body) = get_bytes(
        &t,
        "",
        &format!("/xac-thuc/{}", e["code"].as_str().unwrap()),
        "application/json",
    )
    .await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["approved_by"].as_str(), v["signer"].as_str()),
        (Some("Hoàng Văn Sơn"), Some("UBND xã Bảo Thắng")),
        "{v}"
    );
    // The public page shows both signatures of the file uploaded to it.
    let code = e["code"].as_str().unwrap();
    let html = compare(&t, code, pdf.clone()).await;
    assert!(html.contains("đúng là văn bản đã phát hành"), "{html}");
    assert!(
        html.contains("Hoàng Văn Sơn") && html.contains("UBND xã Bảo Thắng"),
        "{html}"
    );
}

fn write_temp(pdf: &[u8]) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("motcua-two-signatures-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    path
}

/// The citizen's next dossier takes the signed result of her first from her data store in one
/// click: the component names the result's code, and the share reused and QĐ 766 4.4 count it.
#[tokio::test]
async fn a_result_issued_electronically_is_attached_to_the_next_dossier_in_one_click() {
    let Some(t) = signing_app().await else {
        return;
    };
    let (_, _, first) = issued(&t).await;
    let result_code = first["state"]["electronic_result"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    b.login("motcua.baothang").await;
    b.goto(&format!("/can-bo/tiep-nhan?thu_tuc={REREGISTER_BIRTH}"))
        .await;
    b.wait_text("Thành phần hồ sơ").await;
    b.fill("#id_number", "010190012345").await;
    // Leaving the field (the number "changes") reads the store.
    b.fill("#email", "").await;
    b.wait_text("Kho dữ liệu của người nộp").await;
    assert!(b.text().await.contains("Giấy khai sinh (bản chính)"));
    b.click("button[data-fill-applicant]").await;
    b.click("button[data-reuse][data-component='giay-to-khai-sinh']")
        .await;
    b.wait_text("(kho dữ liệu, hồ sơ").await;
    b.screenshot(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"),
        "kho-du-lieu-ket-qua",
    )
    .await;
    b.click("input[name=c][value='to-khai']").await;
    b.find("button[value=tiep-nhan]")
        .await
        .click()
        .await
        .unwrap();
    b.wait_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ").await;
    b.close().await;
    let second =
        t.db.list_dossiers(&store::DossierFilter {
            visible: store::Visibility::All,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.code != first["code"].as_str().unwrap())
        .expect("the second dossier");
    let second =
        t.db.dossier(domain::dossier::DossierId(second.id))
            .await
            .unwrap()
            .unwrap();
    let reused = second.components[1].reused.clone().expect("from the store");
    assert_eq!(reused.result_code.as_deref(), Some(result_code.as_str()));
    assert_eq!(reused.code, first["code"].as_str().unwrap());
    assert!(second.information().from_data >= 1);

    // Both dossiers are linked to her data store: the first's result went into it, the second
    // took it from there.
    let four = indicator_766(&t, "lao-cai.bao-thang", "4.4").await;
    assert_eq!(
        (four["numerator"].clone(), four["denominator"].clone()),
        (json!(2), json!(2)),
        "{four}"
    );
    let chairman = t.login("chutich.baothang").await;
    let report = t
        .get(
            Some(&chairman),
            "/api/v1/reports/period?from=2026-12-01&to=2026-12-31",
        )
        .await
        .expect(200);
    assert!(
        report["total"]["information_from_data"].as_i64().unwrap() >= 1,
        "{report}"
    );
}
