//! Thanh toán trực tuyến against a local fake payment gateway — a real HTTP server on loopback
//! speaking the VNPAY 2.1.0 wire format: it checks our signed request, shows its payment page,
//! signs its callbacks (the IPN to our server, the payer's return), answers status queries, and
//! on demand misbehaves (no callbacks at all, a wrong amount, a broken signature). Money is
//! recorded exactly once, with its electronic receipt, and never on a refused callback.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use app::gateway::{Gateway, Platform, pipe_signature, signature, signed_query};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use crate::common::*;

const SECRET: &str = "KHOABIMATCUACONGTHANHTOAN0123456";
const MERCHANT: &str = "MOTCUA01";
const PUBLIC_URL: &str = "https://dichvucong.laocai.gov.vn";

/// How the fake gateway behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Honest,
    /// Takes the money but calls nobody back (the payer closed the page, the IPN was lost).
    Silent,
    /// Reports half the amount, correctly signed.
    WrongAmount,
    /// Signs with the wrong key.
    BadSignature,
}

struct Order {
    amount: String,
    return_url: String,
    status: &'static str,
}

struct Fake {
    mode: Mutex<Mode>,
    ipn: Mutex<String>,
    orders: Mutex<HashMap<String, Order>>,
    /// Every IPN answer our server gave, and the query string each was sent with.
    ipn_answers: Mutex<Vec<(Value, String)>>,
    /// Where the payer's browser is really sent back to (the test server), instead of the
    /// portal's public address.
    return_base: Mutex<Option<String>>,
    http: reqwest::Client,
}

fn params_map(params: &[(String, String)]) -> BTreeMap<String, String> {
    params.iter().cloned().collect()
}

async fn pay_page(
    State(f): State<Arc<Fake>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let map = params_map(&params);
    let given = map.get("vnp_SecureHash").cloned().unwrap_or_default();
    if given != signature(SECRET, &map)
        || map.get("vnp_TmnCode").map(String::as_str) != Some(MERCHANT)
    {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "Sai chữ ký hoặc mã website",
        )
            .into_response();
    }
    let txn = map["vnp_TxnRef"].clone();
    f.orders.lock().unwrap().insert(
        txn.clone(),
        Order {
            amount: map["vnp_Amount"].clone(),
            return_url: map["vnp_ReturnUrl"].clone(),
            status: "01",
        },
    );
    Html(format!(
        "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><main>\
         <h1>Cổng thanh toán thử</h1><p>{}: {} đồng</p>\
         <a id=\"tra\" href=\"/pay/confirm?txn={txn}&ok=1\">Thanh toán</a> \
         <a id=\"huy\" href=\"/pay/confirm?txn={txn}&ok=0\">Hủy</a></main></html>",
        map["vnp_OrderInfo"],
        map["vnp_Amount"].parse::<i64>().unwrap() / 100
    ))
    .into_response()
}

async fn confirm(State(f): State<Arc<Fake>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let txn = q["txn"].clone();
    let ok = q["ok"] == "1";
    let mode = *f.mode.lock().unwrap();
    let (amount, return_url) = {
        let mut orders = f.orders.lock().unwrap();
        let o = orders.get_mut(&txn).unwrap();
        o.status = if ok { "00" } else { "02" };
        (o.amount.clone(), o.return_url.clone())
    };
    let amount = if mode == Mode::WrongAmount {
        (amount.parse::<i64>().unwrap() / 2).to_string()
    } else {
        amount
    };
    let params: BTreeMap<String, String> = [
        ("vnp_TmnCode", MERCHANT.to_string()),
        ("vnp_Amount", amount),
        ("vnp_BankCode", "NCB".into()),
        ("vnp_TxnRef", txn.clone()),
        ("vnp_ResponseCode", if ok { "00" } else { "24" }.into()),
        ("vnp_TransactionStatus", if ok { "00" } else { "02" }.into()),
        ("vnp_TransactionNo", "14226112".into()),
        ("vnp_PayDate", "20261207093000".into()),
        ("vnp_OrderInfo", "Nop phi le phi".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let key = if mode == Mode::BadSignature {
        "KHOASAI"
    } else {
        SECRET
    };
    let query = signed_query(key, &params);
    if mode == Mode::Silent {
        return Html("<p>Đã thanh toán.</p>").into_response();
    }
    let ipn = f.ipn.lock().unwrap().clone();
    let answer: Value = f
        .http
        .get(format!("{ipn}?{query}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    f.ipn_answers.lock().unwrap().push((answer, query.clone()));
    let return_url = match f.return_base.lock().unwrap().as_ref() {
        Some(base) => return_url.replace(PUBLIC_URL, base),
        None => return_url,
    };
    Redirect::to(&format!("{return_url}?{query}")).into_response()
}

async fn querydr(State(f): State<Arc<Fake>>, axum::Json(body): axum::Json<Value>) -> Response {
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    let expected = pipe_signature(
        SECRET,
        &[
            &s("vnp_RequestId"),
            &s("vnp_Version"),
            &s("vnp_Command"),
            &s("vnp_TmnCode"),
            &s("vnp_TxnRef"),
            &s("vnp_TransactionDate"),
            &s("vnp_CreateDate"),
            &s("vnp_IpAddr"),
            &s("vnp_OrderInfo"),
        ],
    );
    if s("vnp_SecureHash") != expected {
        return axum::Json(json!({"vnp_ResponseCode": "97", "vnp_Message": "Invalid signature"}))
            .into_response();
    }
    let txn = s("vnp_TxnRef");
    let (code, amount, status) = match f.orders.lock().unwrap().get(&txn) {
        Some(o) => ("00", o.amount.clone(), o.status),
        None => ("91", String::new(), ""),
    };
    let mut answer: BTreeMap<&str, String> = [
        ("vnp_ResponseId", "R1".to_string()),
        ("vnp_Command", "querydr".into()),
        ("vnp_ResponseCode", code.into()),
        ("vnp_Message", "QueryDR Success".into()),
        ("vnp_TmnCode", MERCHANT.into()),
        ("vnp_TxnRef", txn),
        ("vnp_Amount", amount),
        ("vnp_BankCode", "NCB".into()),
        ("vnp_PayDate", "20261207093000".into()),
        ("vnp_TransactionNo", "14226112".into()),
        ("vnp_TransactionType", "01".into()),
        ("vnp_TransactionStatus", status.into()),
        ("vnp_OrderInfo", "Nop phi le phi".into()),
        ("vnp_PromotionCode", String::new()),
        ("vnp_PromotionAmount", String::new()),
    ]
    .into_iter()
    .collect();
    let parts: Vec<&str> = app::gateway::QUERY_ANSWER_SIGNED
        .iter()
        .map(|k| answer[k].as_str())
        .collect();
    let hash = pipe_signature(SECRET, &parts);
    answer.insert("vnp_SecureHash", hash);
    axum::Json(json!(answer)).into_response()
}

/// The fake gateway on a loopback port; its address.
async fn fake_gateway() -> (Arc<Fake>, String) {
    notify::install_tls_provider();
    let fake = Arc::new(Fake {
        mode: Mutex::new(Mode::Honest),
        ipn: Mutex::new(String::new()),
        orders: Mutex::default(),
        ipn_answers: Mutex::default(),
        return_base: Mutex::default(),
        http: reqwest::Client::new(),
    });
    let router = axum::Router::new()
        .route("/pay", axum::routing::get(pay_page))
        .route("/pay/confirm", axum::routing::get(confirm))
        .route("/querydr", axum::routing::post(querydr))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (fake, base)
}

/// Our server with the gateway, Bảo Thắng's receipt series and an organisation certificate;
/// `None` outside CI when openssl is missing.
async fn with_gateway(query_url: Option<&str>) -> Option<(TestApp, Arc<Fake>, String)> {
    let p12 = organisation_p12()?;
    let signer = Arc::new(kyso::Pkcs12Signer::open(&p12, "mat-khau").unwrap());
    let (fake, fake_base) = fake_gateway().await;
    let query_url = query_url.map_or_else(|| format!("{fake_base}/querydr"), str::to_string);
    let query = notify::gateway::HttpStatusQuery::new(
        &query_url,
        MERCHANT,
        SECRET,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let pay_url = format!("{fake_base}/pay");
    let t = spawn_with(
        |s| {
            sign_with(s, signer);
            s.receipt_series = Arc::new(vec![bao_thang_series()]);
            s.gateway = Some(Arc::new(Gateway {
                pay_url,
                merchant: MERCHANT.into(),
                secret: SECRET.into(),
                public_url: PUBLIC_URL.into(),
                expiry: chrono::Duration::minutes(15),
                platform: Platform::Province,
                query: Arc::new(query),
            }));
        },
        web::NetOptions::default(),
    )
    .await;
    *fake.ipn.lock().unwrap() = format!("{}/api/v1/payments/ipn", t.base);
    Some((t, fake, fake_base))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A citizen's online submission; their session and the dossier's code.
async fn submitted(t: &TestApp) -> (String, String) {
    let (citizen, d) = submit_online(t).await;
    (citizen, d["code"].as_str().unwrap().to_string())
}

/// The citizen presses "Thanh toán trực tuyến": where our server sends them.
async fn press_pay(t: &TestApp, citizen: &str, code: &str) -> String {
    let (_, _, html) = fetch(t, citizen, &format!("/ho-so-cua-toi/{code}")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("Thanh toán trực tuyến 5.000 đồng"), "{html}");
    let r = no_redirects()
        .post(format!("{}/ho-so-cua-toi/{code}/thanh-toan", t.base))
        .header(
            "Cookie",
            format!("mc_phien={citizen}; mc_csrf={}", csrf_of(&html)),
        )
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    r.headers()["location"].to_str().unwrap().to_string()
}

/// At the gateway: its page, then paying (or cancelling); the address it sends the payer back
/// to, when it does.
async fn at_gateway(fake_base: &str, pay_url: &str, ok: bool) -> Option<String> {
    let http = no_redirects();
    let page = http.get(pay_url).send().await.unwrap();
    assert_eq!(
        page.status().as_u16(),
        200,
        "the gateway refused our request"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("5000 đồng"), "{html}");
    let link = html
        .split(if ok {
            "id=\"tra\" href=\""
        } else {
            "id=\"huy\" href=\""
        })
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let r = http.get(format!("{fake_base}{link}")).send().await.unwrap();
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
}

/// The payer's browser comes back to our return page.
async fn come_back(t: &TestApp, citizen: &str, back: &str) -> (u16, String) {
    let query = back.split_once('?').unwrap().1;
    let (status, _, html) = fetch(t, citizen, &format!("/thanh-toan/ket-qua?{query}")).await;
    (status, String::from_utf8(html).unwrap())
}

/// The transaction reference our server sent the gateway, read from the payer's redirect.
fn txn_of(pay_url: &str) -> String {
    pay_url
        .split("vnp_TxnRef=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .expect("a transaction reference")
        .to_string()
}

async fn dossier(t: &TestApp, code: &str) -> domain::dossier::Dossier {
    let id = t.db.dossier_id_by_code(code).await.unwrap().unwrap();
    t.db.dossier(id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_citizen_pays_online_once_and_gets_the_signed_receipt() {
    let Some((t, fake, fake_base)) = with_gateway(None).await else {
        return;
    };
    let (citizen, code) = submitted(&t).await;
    let pay_url = press_pay(&t, &citizen, &code).await;
    assert!(
        pay_url.starts_with(&format!("{fake_base}/pay?")),
        "{pay_url}"
    );
    assert!(pay_url.contains("vnp_Amount=500000") && pay_url.contains("vnp_SecureHash="));
    let back = at_gateway(&fake_base, &pay_url, true).await.unwrap();
    // The IPN came first and was taken.
    let (answer, ipn_query) = fake.ipn_answers.lock().unwrap()[0].clone();
    assert_eq!(
        answer,
        json!({"RspCode": "00", "Message": "Confirm Success"})
    );
    let d = dossier(&t, &code).await;
    assert_eq!(
        (d.fees_paid(), d.fees_outstanding(), d.payments.len()),
        (5_000, 0, 1)
    );
    assert_eq!(d.payments[0].method, domain::dossier::PaymentMethod::Online);
    assert!(d.paid_online());
    assert_eq!(d.receipts.len(), 1);
    assert!(d.receipts[0].files.is_some());
    let version = d.version;

    // The payer's return shows the result and the receipt; it records nothing more.
    let (status, html) = come_back(&t, &citizen, &back).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Đã thanh toán phí, lệ phí của hồ sơ") && html.contains("đã nộp đủ"),
        "{html}"
    );
    assert!(html.contains("Biên lai BT-26E số 0000001"), "{html}");
    let pdf_link = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|l| l.ends_with("/pdf"))
        .unwrap()
        .to_string();
    let (status, kind, pdf) = fetch(&t, &citizen, &pdf_link).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(
            text.contains("Thanh toán trực tuyến") && text.contains("Năm nghìn đồng"),
            "{text}"
        );
    }
    // The same notice again (gateways repeat them): confirmed before, nothing written.
    let again: Value = reqwest::get(format!("{}/api/v1/payments/ipn?{ipn_query}", t.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"RspCode": "02", "Message": "Order already confirmed"})
    );
    assert_eq!(dossier(&t, &code).await.version, version);
    // Nothing is left owing: no button any more.
    let (_, _, html) = fetch(&t, &citizen, &format!("/ho-so-cua-toi/{code}")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(!html.contains("Thanh toán trực tuyến 5.000"), "{html}");
    assert!(html.contains("Biên lai BT-26E số 0000001"), "{html}");
}

#[tokio::test]
async fn forged_wrong_and_unknown_callbacks_write_nothing() {
    let Some((t, fake, fake_base)) = with_gateway(None).await else {
        return;
    };
    let (citizen, code) = submitted(&t).await;
    let before = dossier(&t, &code).await.version;
    let ipn = |query: String| {
        let url = format!("{}/api/v1/payments/ipn?{query}", t.base);
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    // A broken signature, then a correctly signed but wrong amount, through the gateway.
    for (mode, code_expected) in [(Mode::BadSignature, "97"), (Mode::WrongAmount, "04")] {
        *fake.mode.lock().unwrap() = mode;
        let pay_url = press_pay(&t, &citizen, &code).await;
        let back = at_gateway(&fake_base, &pay_url, true).await.unwrap();
        let (answer, _) = fake.ipn_answers.lock().unwrap().last().unwrap().clone();
        assert_eq!(answer["RspCode"], code_expected, "{mode:?}");
        let (status, html) = come_back(&t, &citizen, &back).await;
        assert_eq!(status, 400, "{html}");
        assert!(
            html.contains("không ghi nhận") || html.contains("không được ghi nhận"),
            "{html}"
        );
    }
    // A transaction we never asked for, and a request without any signature.
    let params: BTreeMap<String, String> = [
        ("vnp_TmnCode", MERCHANT),
        ("vnp_Amount", "500000"),
        ("vnp_TxnRef", "khong-co"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TransactionStatus", "00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(ipn(signed_query(SECRET, &params)).await["RspCode"], "01");
    assert_eq!(ipn("vnp_TxnRef=x".into()).await["RspCode"], "97");
    let d = dossier(&t, &code).await;
    assert_eq!((d.version, d.fees_paid(), d.receipts.len()), (before, 0, 0));
}

#[tokio::test]
async fn a_cancelled_payment_records_nothing_and_can_be_tried_again() {
    let Some((t, _fake, fake_base)) = with_gateway(None).await else {
        return;
    };
    let (citizen, code) = submitted(&t).await;
    let pay_url = press_pay(&t, &citizen, &code).await;
    let back = at_gateway(&fake_base, &pay_url, false).await.unwrap();
    let (status, html) = come_back(&t, &citizen, &back).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Người nộp đã hủy giao dịch (mã 24)"),
        "{html}"
    );
    assert_eq!(dossier(&t, &code).await.fees_paid(), 0);
    let txn = &txn_of(&pay_url);
    let attempt = t.app.payment_attempt(txn).await.unwrap().unwrap();
    assert_eq!(attempt.state, store::AttemptState::Failed);
    // A second try goes through.
    let pay_url = press_pay(&t, &citizen, &code).await;
    at_gateway(&fake_base, &pay_url, true).await.unwrap();
    let d = dossier(&t, &code).await;
    assert_eq!((d.fees_paid(), d.payments.len()), (5_000, 1));
}

#[tokio::test]
async fn a_payment_whose_callbacks_were_lost_is_found_by_the_status_query() {
    let Some((t, fake, fake_base)) = with_gateway(None).await else {
        return;
    };
    *fake.mode.lock().unwrap() = Mode::Silent;
    let (citizen, code) = submitted(&t).await;
    let pay_url = press_pay(&t, &citizen, &code).await;
    assert_eq!(at_gateway(&fake_base, &pay_url, true).await, None);
    assert_eq!(dossier(&t, &code).await.fees_paid(), 0);
    // Too early to ask: the payer may still be paying.
    assert_eq!(t.app.reconcile_online_payments().await.unwrap(), 0);
    t.at("2026-12-07 09:05");
    assert_eq!(t.app.reconcile_online_payments().await.unwrap(), 1);
    let d = dossier(&t, &code).await;
    assert_eq!(
        (d.fees_paid(), d.payments.len(), d.receipts.len()),
        (5_000, 1, 1)
    );
    // Asked again: nothing pending, nothing more written.
    assert_eq!(t.app.reconcile_online_payments().await.unwrap(), 0);
    assert_eq!(dossier(&t, &code).await.version, d.version);
}

#[tokio::test]
async fn a_gateway_that_never_answers_the_query_leaves_the_payment_pending() {
    // Nothing listens on the query address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/querydr", closed.local_addr().unwrap());
    drop(closed);
    let Some((t, fake, fake_base)) = with_gateway(Some(&url)).await else {
        return;
    };
    *fake.mode.lock().unwrap() = Mode::Silent;
    let (citizen, code) = submitted(&t).await;
    let pay_url = press_pay(&t, &citizen, &code).await;
    at_gateway(&fake_base, &pay_url, true).await;
    t.at("2026-12-07 09:05");
    assert_eq!(t.app.reconcile_online_payments().await.unwrap(), 0);
    let txn = &txn_of(&pay_url);
    let attempt = t.app.payment_attempt(txn).await.unwrap().unwrap();
    assert_eq!(attempt.state, store::AttemptState::Pending);
    assert_eq!(dossier(&t, &code).await.fees_paid(), 0);
}

/// In a real browser: the citizen presses the button on her dossier's page, pays on the
/// gateway's page, comes back to the result, and downloads the signed receipt.
#[tokio::test]
async fn in_a_browser_the_citizen_pays_through_the_gateway_and_downloads_the_receipt() {
    let Some((t, fake, _)) = with_gateway(None).await else {
        return;
    };
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    *fake.return_base.lock().unwrap() = Some(t.base.clone());
    let (_, code) = submitted(&t).await;
    b.login_as_citizen("010190012345").await;
    b.goto(&format!("/ho-so-cua-toi/{code}")).await;
    b.wait_text("Phí, lệ phí còn phải nộp").await;
    let dir = std::env::temp_dir().join(format!("motcua-thanh-toan-{}", std::process::id()));
    b.screenshot(&dir, "1-ho-so").await;
    b.click("form[action$='/thanh-toan'] button").await;
    b.wait_text("Cổng thanh toán thử").await;
    b.click("#tra").await;
    b.wait_text("Đã thanh toán phí, lệ phí của hồ sơ").await;
    let shot = b.screenshot(&dir, "2-ket-qua").await;
    eprintln!("screenshots: {}", shot.display());
    let page = b.text().await;
    assert!(page.contains("Biên lai BT-26E số 0000001"), "{page}");
    // The receipt's link gives the signed PDF to the logged-in citizen.
    let first = b
        .client
        .execute(
            "const a = [...document.querySelectorAll('a')].find(a => a.href.endsWith('/pdf')); \
             return fetch(a.href).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b).slice(0, 5)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first, json!(b"%PDF-".to_vec()));
    let d = dossier(&t, &code).await;
    assert_eq!((d.fees_paid(), d.payments.len()), (5_000, 1));
    b.close().await;
}

/// Money the gateway took for a dossier that no longer owed it (paid twice, in two tabs) is not
/// recorded on the dossier: it is listed for the counter on the reconciliation page until an
/// officer records how it was given back — once, with a log line; bad notes change nothing.
#[tokio::test]
async fn a_payment_the_dossier_refuses_is_listed_until_it_is_given_back() {
    let Some((t, _fake, fake_base)) = with_gateway(None).await else {
        return;
    };
    let (citizen, code) = submitted(&t).await;
    let first = press_pay(&t, &citizen, &code).await;
    let second = press_pay(&t, &citizen, &code).await;
    at_gateway(&fake_base, &first, true).await.unwrap();
    at_gateway(&fake_base, &second, true).await.unwrap();
    let d = dossier(&t, &code).await;
    assert_eq!(
        (d.fees_paid(), d.payments.len()),
        (5_000, 1),
        "recorded once"
    );
    let txn = txn_of(&second);
    let attempt = t.app.payment_attempt(&txn).await.unwrap().unwrap();
    assert_eq!(attempt.state, store::AttemptState::Unapplied);

    let counter = t.login("motcua.baothang").await;
    let (status, _, page) = fetch(&t, &counter, "/can-bo/doi-soat").await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("Thanh toán trực tuyến cần hoàn trả (1)") && page.contains(&txn),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"/can-bo/ho-so/{}\"", d.id.0)),
        "links the dossier"
    );
    // Someone who does not collect for the dossier neither sees it nor records it.
    let specialist = t.login("tuphap.baothang").await;
    let (_, _, other) = fetch(&t, &specialist, "/can-bo/doi-soat").await;
    assert!(!String::from_utf8(other).unwrap().contains(&txn));
    let csrf = csrf_of(&page);
    let form = |how: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("ma", txn.clone()),
            ("cach", how.to_string()),
        ]
    };
    let (status, html) =
        post_form(&t, &counter, &csrf, "/can-bo/doi-soat/hoan-tra", form(" ")).await;
    assert_eq!(status, 422);
    assert!(html.contains("Ghi cách hoàn trả"), "{html}");
    let (_, spec_page) = {
        let (_, _, p) = fetch(&t, &specialist, "/can-bo/doi-soat").await;
        ((), String::from_utf8(p).unwrap())
    };
    let spec_csrf = csrf_of(&spec_page);
    let (status, _) = post_form(
        &t,
        &specialist,
        &spec_csrf,
        "/can-bo/doi-soat/hoan-tra",
        vec![
            ("csrf", spec_csrf.clone()),
            ("ma", txn.clone()),
            ("cach", "FT1".into()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        t.app.payment_attempt(&txn).await.unwrap().unwrap().state,
        store::AttemptState::Unapplied,
        "nothing changed"
    );
    let (status, _) = post_form(
        &t,
        &counter,
        &csrf,
        "/can-bo/doi-soat/hoan-tra",
        form("Hoàn tiền qua cổng, mã hoàn 99887766"),
    )
    .await;
    assert_eq!(status, 303);
    let refunded = t.app.payment_attempt(&txn).await.unwrap().unwrap();
    assert_eq!(refunded.state, store::AttemptState::Refunded);
    assert!(
        refunded
            .detail
            .contains("Hoàn tiền qua cổng, mã hoàn 99887766")
    );
    assert!(refunded.detail.contains("5.000"));
    let (_, _, page) = fetch(&t, &counter, "/can-bo/doi-soat?xong=hoan-tra").await;
    let page = String::from_utf8(page).unwrap();
    assert!(!page.contains(&txn) && page.contains("Đã ghi nhận việc hoàn trả"));
    // Once only.
    let (status, html) = post_form(
        &t,
        &counter,
        &csrf,
        "/can-bo/doi-soat/hoan-tra",
        form("Lần nữa"),
    )
    .await;
    assert_eq!(status, 404);
    assert!(html.contains("Không có giao dịch trực tuyến chờ hoàn trả"));
    let log = t.db.admin_log_lines(20).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|l| l.action == "payment_refunded")
            .count(),
        1
    );
}
