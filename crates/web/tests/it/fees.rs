//! Phí, lệ phí on the dossier page: while a fee is owed and the receiving agency has a
//! collecting account, the page shows the VietQR code that pays exactly what is owed into that
//! account with the dossier's code as the transfer's description.

use std::sync::Arc;

use app::payments::CollectingAccount;
use domain::agency::AgencyId;
use domain::vietqr;
use serde_json::{Value, json};

use crate::common::*;

async fn page(t: &TestApp, session: &str, path: &str) -> String {
    let (status, _, body) = fetch(t, session, path).await;
    assert_eq!(status, 200);
    String::from_utf8(body).unwrap()
}

fn field(objects: &[(String, String)], id: &str) -> String {
    objects
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no field {id} in {objects:?}"))
}

/// Xã Bảo Thắng's fees are paid into one VietinBank account.
async fn with_account() -> TestApp {
    spawn_with(
        |s| {
            s.collecting_accounts = Arc::new(vec![CollectingAccount {
                agency: AgencyId::parse("lao-cai.bao-thang").unwrap(),
                account: vietqr::Account::new("970415", "113000123456").unwrap(),
                holder: "UBND XA BAO THANG".into(),
                bank: "VietinBank".into(),
            }]);
        },
        web::NetOptions::default(),
    )
    .await
}

fn payload_of(html: &str) -> String {
    html.split("data-payload=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the code's text on the page")
        .to_string()
}

#[tokio::test]
async fn a_dossier_owing_fees_shows_the_vietqr_code_of_its_agencys_account() {
    let t = with_account().await;
    let counter = t.login("motcua.baothang").await;
    let d = receive_unpaid(&t, &counter).await;
    let (id, code) = (id_of(&d), d["code"].as_str().unwrap().to_string());
    let path = format!("/can-bo/ho-so/{id}");
    let html = page(&t, &counter, &path).await;
    assert!(html.contains("Chuyển khoản bằng VietQR"), "{html}");
    assert!(
        html.contains("<svg") && html.contains("113000123456"),
        "{html}"
    );
    let payload = payload_of(&html);
    let top = vietqr::parse(&payload).expect("a valid VietQR payload (CRC checked)");
    assert_eq!(field(&top, "54"), "5000");
    assert_eq!(field(&top, "53"), "704");
    let extra = vietqr::objects(&field(&top, "62")).unwrap();
    assert_eq!(field(&extra, "08"), code);
    let merchant = vietqr::objects(&field(&top, "38")).unwrap();
    assert_eq!(field(&merchant, "02"), "QRIBFTTA");
    let bank = vietqr::objects(&field(&merchant, "01")).unwrap();
    assert_eq!(field(&bank, "00"), "970415");
    assert_eq!(field(&bank, "01"), "113000123456");

    // Part paid: the code asks for the rest; all paid: no code.
    t.post(
        Some(&counter),
        &format!("/api/v1/dossiers/{id}/payments"),
        json!({"amount": 2000, "method": "cash"}),
    )
    .await
    .expect(200);
    let html = page(&t, &counter, &path).await;
    let payload = html
        .split("data-payload=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(field(&vietqr::parse(payload).unwrap(), "54"), "3000");
    t.post(
        Some(&counter),
        &format!("/api/v1/dossiers/{id}/payments"),
        json!({"amount": 3000, "method": "cash"}),
    )
    .await
    .expect(200);
    let html = page(&t, &counter, &path).await;
    assert!(!html.contains("Chuyển khoản bằng VietQR"), "{html}");
    assert!(html.contains("Đã nộp đủ"), "{html}");
}

#[tokio::test]
async fn without_a_collecting_account_no_code_is_shown() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let d = receive_unpaid(&t, &counter).await;
    let html = page(&t, &counter, &format!("/can-bo/ho-so/{}", id_of(&d))).await;
    assert!(html.contains("Còn phải nộp"), "{html}");
    assert!(!html.contains("VietQR"), "{html}");
}

/// The code drawn in a real browser is read back from a screenshot by a QR reader (zbarimg, as
/// a banking app's scanner would) and says exactly what the page says it says.
#[tokio::test]
async fn the_drawn_code_scans_to_the_transfer() {
    let t = with_account().await;
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    let counter = t.login("motcua.baothang").await;
    let d = receive_unpaid(&t, &counter).await;
    let path = format!("/can-bo/ho-so/{}", id_of(&d));
    let expected = payload_of(&page(&t, &counter, &path).await);
    b.login("motcua.baothang").await;
    b.goto(&path).await;
    b.wait_text("Chuyển khoản bằng VietQR").await;
    b.client
        .execute(
            "document.querySelector('.vietqr').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await
        .unwrap();
    let png = b.find(".vietqr .qr").await.screenshot().await.unwrap();
    let dir = std::env::temp_dir().join(format!("motcua-vietqr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vietqr.png");
    std::fs::write(&file, &png).unwrap();
    let read = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&file)
        .output();
    b.close().await;
    let out = match read {
        Ok(o) => o,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("zbarimg is needed in CI (Debian zbar-tools): {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: zbarimg not found ({e}); install zbar-tools");
            return;
        }
    };
    assert!(out.status.success(), "zbarimg read no code: {:?}", out);
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), expected);
}

/// The citizen's own page says what is still owed, in figures and words, with the code to pay
/// it by transfer.
#[tokio::test]
async fn the_citizen_sees_what_is_owed_and_the_code_to_pay_it() {
    let t = with_account().await;
    let (citizen, submitted) = submit_online(&t).await;
    let code = submitted["code"].as_str().unwrap().to_string();
    let html = page(&t, &citizen, &format!("/ho-so-cua-toi/{code}")).await;
    assert!(html.contains("Phí, lệ phí còn phải nộp"), "{html}");
    assert!(
        html.contains("5.000 đồng</strong> (Năm nghìn đồng)"),
        "{html}"
    );
    let top = vietqr::parse(&payload_of(&html)).unwrap();
    assert_eq!(field(&top, "54"), "5000");
    // A provisional reference is 28 characters; the description holds 25, so its dots go.
    assert_eq!(code, "000.01.61.H38-261207-T000001");
    let extra = vietqr::objects(&field(&top, "62")).unwrap();
    assert_eq!(field(&extra, "08"), "0000161H38-261207-T000001");
}

/// The postal intake form reads the fees the post office collected as people type them
/// ("5.000" was once read as nothing collected), and refuses words with a reason.
#[tokio::test]
async fn the_fees_the_post_office_collected_are_read_as_typed() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let (_, _, page) = fetch(&t, &counter, "/can-bo/tiep-nhan?thu_tuc=1.004884").await;
    let csrf = csrf_of(&String::from_utf8(page).unwrap());
    let form = |fees: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("do", "buu-chinh".into()),
            ("procedure_code", "1.004884".into()),
            ("kind", "citizen".into()),
            ("name", "Vàng Văn Sử".into()),
            ("id_number", "010190012345".into()),
            ("phone", "0912000111".into()),
            ("address_line", "Thôn Cốc Sâm".into()),
            ("commune_code", "02905".into()),
            ("c", "to-khai".into()),
            ("c", "giay-to-khai-sinh".into()),
            ("return_kind", "counter".into()),
            ("bill_number", "EB123456789VN".into()),
            ("handover_record", "BB-01".into()),
            ("handover_signed_at", "2026-12-07T08:00".into()),
            ("postal_worker", "Bùi Văn Nam".into()),
            ("fees_collected", fees.into()),
        ]
    };
    let (status, page) =
        post_form(&t, &counter, &csrf, "/can-bo/tiep-nhan", form("năm nghìn")).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Số tiền phải là một số đồng, ví dụ 5.000."),
        "{page}"
    );
    let none = t.get(Some(&counter), "/api/v1/dossiers").await.expect(200);
    assert_eq!(none["total"], 0, "nothing received");

    let (status, page) = post_form(&t, &counter, &csrf, "/can-bo/tiep-nhan", form("5.000")).await;
    assert_eq!(status, 303, "{page}");
    let list = t.get(Some(&counter), "/api/v1/dossiers").await.expect(200);
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let d = t.detail(&counter, &id).await;
    assert_eq!(d["dossier"]["state"]["postal"]["fees_collected"], 5000);
    assert_eq!(d["dossier"]["fees"]["outstanding"], 0);
    assert_eq!(d["dossier"]["state"]["payments"][0]["method"], "postal");
}

/// A procedure whose fees are paid at return: the dossier page's return form asks for the
/// payment, the return records it in the same change, and a return without it is refused
/// with nothing written; the receipt of reception says when the fee is paid.
#[tokio::test]
async fn fees_paid_at_return_are_collected_by_the_return() {
    let t = spawn().await;
    // A new version of the procedure, in force from 1/12, collecting its fee at return.
    let mut v =
        t.db.procedure_in_force(
            REREGISTER_BIRTH,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    v.version += 1;
    v.effective_from = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    v.fees_at_return = true;
    t.db.import_procedures(&[v]).await.unwrap();
    let tok = Tokens::of(&t).await;
    let d = receive_unpaid(&t, &tok.counter).await;
    let id = id_of(&d);
    let (status, _, pdf) = fetch(&t, &tok.counter, &format!("/can-bo/ho-so/{id}/phieu.pdf")).await;
    assert_eq!(status, 200);
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("(nộp khi nhận kết quả)"), "{text}");
    }
    to_appraisal(&t, &tok, &id).await;
    t.at("2026-12-09 10:00");
    t.act(
        &tok.specialist,
        &id,
        "forward",
        json!({"note": "Đủ điều kiện"}),
    )
    .await;
    t.at("2026-12-10 09:00");
    t.act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    t.at("2026-12-10 10:00");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "126/2026/TLKS"}))
        .await;
    assert_eq!(d["national_status"], 9, "{d}");
    assert_eq!(d["fees"]["outstanding"], 5000);

    // The page's return form asks for the fee.
    let (_, _, page) = fetch(&t, &tok.counter, &format!("/can-bo/ho-so/{id}")).await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Thu phí, lệ phí khi trả kết quả: <strong>5.000 đồng</strong>")
            && page.contains("name=\"collect_method\""),
        "{page}"
    );
    t.at("2026-12-11 14:00");
    let events = |d: &Value| d["events"].as_array().unwrap().len();
    let before = events(&t.detail(&tok.counter, &id).await);
    let path = format!("/api/v1/dossiers/{id}/return");
    let message = t
        .post(
            Some(&tok.counter),
            &path,
            json!({"received_by": "Nguyễn Thị Hằng"}),
        )
        .await
        .error(409, "fees_unpaid");
    assert!(message.contains("nộp khi nhận kết quả"), "{message}");
    t.post(
        Some(&tok.counter),
        &path,
        json!({"received_by": "Nguyễn Thị Hằng", "collected": {"method": "bank-transfer"}}),
    )
    .await
    .error(422, "reference_required");
    t.post(
        Some(&tok.counter),
        &path,
        json!({"received_by": "Nguyễn Thị Hằng", "collected": {"method": "online", "reference": "1"}}),
    )
    .await
    .error(422, "online_by_gateway");
    assert_eq!(
        events(&t.detail(&tok.counter, &id).await),
        before,
        "nothing written"
    );
    // From the page's form, as the counter does it.
    let (status, _) = post_form(
        &t,
        &tok.counter,
        &csrf_of(&page),
        &format!("/can-bo/ho-so/{id}/tra-ket-qua"),
        vec![
            ("csrf", csrf_of(&page)),
            ("received_by", "Nguyễn Thị Hằng".into()),
            ("collect_method", "cash".into()),
            ("payer", "Lò Văn Páo".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let d = t.detail(&tok.counter, &id).await["dossier"].clone();
    assert_eq!(d["stage"], "returned");
    assert_eq!(
        (
            d["fees"]["paid"].as_i64(),
            d["fees"]["outstanding"].as_i64()
        ),
        (Some(5000), Some(0))
    );
    assert_eq!(d["state"]["payments"][0]["payer"], "Lò Văn Páo");
    let kinds: Vec<String> = t.detail(&tok.counter, &id).await["events"]
        .as_array()
        .unwrap()
        .iter()
        .skip(before)
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["fee_paid", "returned"]);
}
