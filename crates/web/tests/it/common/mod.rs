//! A real server for API tests: its own SQLite file, the demo province (agencies, catalogue,
//! officers, no history), a clock the test moves, and the whole router on a loopback port.

#![allow(dead_code)]

use std::sync::Arc;

use app::{App, FixedClock, Settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Db, Totals};

pub use testsupport::{PASSWORD, at as vn, csrf_of};

pub struct TestApp {
    /// The database under the server, for what the tests check beneath it.
    pub db: Db,
    pub base: String,
    pub http: reqwest::Client,
    pub clock: Arc<FixedClock>,
    pub app: App,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Last: its folder goes after the server has been told to stop.
    _harness: testsupport::Harness,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The value of a cookie set by a response (none for a removal).
pub fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, value) = pair.split_once('=')?;
            (k.trim() == name && !value.is_empty()).then(|| value.to_string())
        })
}

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self.body
    }

    /// Asserts an error reply: status, `code`, and a non-empty Vietnamese message.
    #[track_caller]
    pub fn error(self, status: u16, code: &str) -> String {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "error body: {body}");
        let message = body["message"].as_str().expect("message").to_string();
        assert!(!message.is_empty());
        assert_eq!(
            body.as_object().unwrap().len(),
            2,
            "error has only code and message: {body}"
        );
        message
    }
}

/// A citizen's portal account acting (as a session of it would).
pub fn account(name: &str, id_number: &str) -> domain::officer::Actor {
    domain::officer::Actor::Citizen {
        name: domain::ids::PersonName::parse(name).unwrap(),
        id_number: Some(domain::ids::Cccd::parse(id_number).unwrap()),
        access: domain::officer::CitizenAccess::Account,
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}, web::NetOptions::default()).await
}

/// A server whose settings `tune` changes, with these connection limits.
pub async fn spawn_with(tune: impl FnOnce(&mut Settings), net: web::NetOptions) -> TestApp {
    let harness = harness(tune).await.seeded().await;
    serve(harness, web::UiOptions::default(), net).await
}

/// A server on an empty database (no province yet) that asks for `setup_code` on its
/// first-run page.
pub async fn spawn_empty(setup_code: &str) -> TestApp {
    let ui = web::UiOptions {
        setup_code: Some(setup_code.to_string()),
        ..Default::default()
    };
    serve(harness(|_| {}).await, ui, web::NetOptions::default()).await
}

async fn harness(tune: impl FnOnce(&mut Settings)) -> testsupport::Harness {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Monday 7 December 2026, 09:00 in Lào Cai.
    testsupport::harness("api", &n.to_string(), "2026-12-07 09:00", |s| {
        // Tests move the clock across days; a login lasts as long as the test.
        s.session_hours = 24 * 365;
        s.session_idle_minutes = 60 * 24 * 365;
        tune(s);
    })
    .await
}

async fn serve(harness: testsupport::Harness, ui: web::UiOptions, net: web::NetOptions) -> TestApp {
    let (app, db, clock) = (
        harness.app.clone(),
        harness.db.clone(),
        harness.clock.clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    tokio::spawn(async move {
        web::serve_with(listener, served, ui, net, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    // When the workspace is built together, reqwest has rustls without a provider (see
    // crates/notify); ring is the one the binary installs too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    TestApp {
        db,
        base,
        http: reqwest::Client::new(),
        clock,
        app,
        shutdown: Some(tx),
        _harness: harness,
    }
}

impl TestApp {
    pub fn at(&self, text: &str) {
        self.clock.set(vn(text));
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> Reply {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// POST with `If-Match`.
    pub async fn post_if(&self, token: &str, path: &str, version: u64, body: Value) -> Reply {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("If-Match", format!("\"{version}\""))
            .json(&body);
        self.send(req).await
    }

    /// POST of raw bytes as JSON.
    pub async fn post_raw(&self, token: Option<&str>, path: &str, body: &'static str) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// Logs in a demo officer; returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let body = self
            .post(
                None,
                "/api/v1/sessions",
                json!({"username": username, "password": PASSWORD}),
            )
            .await
            .expect(201);
        body["token"].as_str().unwrap().to_string()
    }

    /// Opens the portal account of Nguyễn Thị Hằng (the tests' applicant) through the API and
    /// logs it in; returns the bearer token.
    pub async fn citizen_login(&self) -> String {
        self.app
            .citizens()
            .seed_account(&app::citizens::Registration {
                name: "Nguyễn Thị Hằng".into(),
                id_number: "010190012345".into(),
                phone: "0912345678".into(),
                email: String::new(),
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
        let body = self
            .post(
                None,
                "/api/v1/public/sessions",
                json!({"id_number": "010190012345", "password": PASSWORD}),
            )
            .await
            .expect(201);
        body["token"].as_str().unwrap().to_string()
    }

    /// The id of a demo officer.
    pub async fn officer_id(&self, username: &str) -> String {
        let o = self
            .db
            .officer_by_username(username)
            .await
            .unwrap()
            .unwrap()
            .0;
        o.id.0.to_string()
    }

    pub async fn totals(&self) -> Totals {
        self.db.totals().await.unwrap()
    }

    /// Runs a command on a dossier and returns the new dossier view.
    pub async fn act(&self, token: &str, id: &str, action: &str, body: Value) -> Value {
        self.post(
            Some(token),
            &format!("/api/v1/dossiers/{id}/{action}"),
            body,
        )
        .await
        .expect(200)
    }

    pub async fn detail(&self, token: &str, id: &str) -> Value {
        self.get(Some(token), &format!("/api/v1/dossiers/{id}"))
            .await
            .expect(200)
    }
}

/// An intake body for a procedure with the given components, returned at the counter.
pub fn intake(procedure: &str, components: &[&str]) -> Value {
    testsupport::api::counter_intake(procedure, "lao-cai.bao-thang.mot-cua", components)
}

/// Uploads a PDF through the API as `token`'s holder; the file's reference.
pub async fn upload(t: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> Value {
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

/// An online submission's body: each component with a scan the citizen uploaded (an online
/// dossier travels as files).
pub async fn online_intake(t: &TestApp, citizen: &str, procedure: &str, parts: &[&str]) -> Value {
    let mut body = intake(procedure, parts);
    for (i, part) in parts.iter().enumerate() {
        let scan = format!("%PDF-1.4\n% {part}\n%%EOF\n").into_bytes();
        body["components"][i]["files"] =
            json!([upload(t, citizen, &format!("{part}.pdf"), scan).await]);
    }
    body
}

/// Đăng ký lại khai sinh: 5 working days through specialist, leader and office.
pub const REREGISTER_BIRTH: &str = "1.004884";
pub const REREGISTER_BIRTH_PARTS: [&str; 2] = ["to-khai", "giay-to-khai-sinh"];

/// Receives a re-registration of birth at Xã Bảo Thắng's counter and collects its 5.000 đồng
/// fee in cash, as the counter does; returns the dossier view.
pub async fn receive(t: &TestApp, counter: &str) -> Value {
    let d = receive_unpaid(t, counter).await;
    t.post(
        Some(counter),
        &format!("/api/v1/dossiers/{}/payments", id_of(&d)),
        json!({"amount": 5000, "method": "cash"}),
    )
    .await
    .expect(200)
}

/// Receives a re-registration of birth at Xã Bảo Thắng's counter, its fee not collected yet.
pub async fn receive_unpaid(t: &TestApp, counter: &str) -> Value {
    t.post(
        Some(counter),
        "/api/v1/dossiers",
        intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS),
    )
    .await
    .expect(201)
}

/// Received, transferred to the commune office and assigned to the civil-status officer.
pub async fn in_appraisal(t: &TestApp) -> (Value, Tokens) {
    let tok = Tokens::of(t).await;
    let d = receive(t, &tok.counter).await;
    let d = to_appraisal(t, &tok, &id_of(&d)).await;
    (d, tok)
}

/// Transfers a dossier received at Bảo Thắng's counter to the commune office and assigns it to
/// the civil-status officer; the dossier view.
pub async fn to_appraisal(t: &TestApp, tok: &Tokens, id: &str) -> Value {
    t.act(
        &tok.counter,
        id,
        "transfer",
        json!({"to_unit": "lao-cai.bao-thang.van-phong"}),
    )
    .await;
    let specialist = t.officer_id("tuphap.baothang").await;
    t.act(&tok.head, id, "assign", json!({ "officer_id": specialist }))
        .await
}

/// A dossier received at Bảo Thắng and returned, on time, the same day.
pub async fn returned(t: &TestApp, tok: &Tokens) -> Value {
    let id = result_ready(t, tok).await;
    t.act(
        &tok.counter,
        &id,
        "return",
        json!({"received_by": "Nguyễn Thị Hằng", "originals_returned": []}),
    )
    .await
}

/// A re-registration of birth received, approved and issued: its result waits at the counter
/// for the applicant; its id.
pub async fn result_ready(t: &TestApp, tok: &Tokens) -> String {
    let d = receive(t, &tok.counter).await;
    let id = id_of(&d);
    to_appraisal(t, tok, &id).await;
    t.act(
        &tok.specialist,
        &id,
        "forward",
        json!({"note": "Đủ điều kiện"}),
    )
    .await;
    t.act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    t.act(&tok.clerk, &id, "issue", json!({"number": "1/2026/TLKS"}))
        .await;
    id
}

/// Tokens of Xã Bảo Thắng's officers.
pub struct Tokens {
    pub counter: String,
    pub head: String,
    pub specialist: String,
    pub leader: String,
    pub clerk: String,
}

impl Tokens {
    pub async fn of(t: &TestApp) -> Self {
        Self {
            counter: t.login("motcua.baothang").await,
            head: t.login("chanhvanphong.baothang").await,
            specialist: t.login("tuphap.baothang").await,
            leader: t.login("chutich.baothang").await,
            clerk: t.login("vanthu.baothang").await,
        }
    }
}

pub fn id_of(d: &Value) -> String {
    d["id"].as_str().unwrap().to_string()
}

/// An organisation certificate (RSA, self-signed, CN "UBND xã Bảo Thắng") as a PKCS#12 file;
/// `None` outside CI when openssl is missing.
pub fn organisation_p12() -> Option<Vec<u8>> {
    self_signed_p12("/CN=UBND xã Bảo Thắng/O=UBND xã Bảo Thắng")
}

/// A self-signed RSA certificate with `subject` and its key as a PKCS#12 file (password
/// "mat-khau"); `None` outside CI when openssl is missing. It is valid from 2026 to 2036
/// whatever the day the test runs: the tests' clock stands in December 2026, and a certificate
/// starting on the real day would not yet be valid when the test's clock signs with it (made
/// with `-days` from today, the trust-root test would have failed from 8 December 2026 on).
pub fn self_signed_p12(subject: &str) -> Option<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!(
        "motcua-ky-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .current_dir(&dir)
            .args(args)
            .output()
    };
    let made = run(&[
        "req", "-new", "-utf8", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out",
        "r.csr", "-subj", subject,
    ]);
    match made {
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("openssl is needed in CI: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: openssl not found ({e})");
            return None;
        }
        Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr)),
    }
    // `openssl req -x509` starts a certificate today; `openssl ca` takes the dates.
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         default_md = sha256\npolicy = p\nunique_subject = no\nx509_extensions = x\n\
         [p]\ncommonName = supplied\norganizationName = optional\n\
         [x]\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n\
         basicConstraints = critical,CA:true\n",
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    let o = run(&[
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-selfsign",
        "-keyfile",
        "k.pem",
        "-in",
        "r.csr",
        "-out",
        "c.pem",
        "-notext",
        "-preserveDN",
        "-utf8",
        "-startdate",
        "20260101000000Z",
        "-enddate",
        "20361231235959Z",
    ])
    .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&[
        "pkcs12",
        "-export",
        "-inkey",
        "k.pem",
        "-in",
        "c.pem",
        "-out",
        "o.p12",
        "-passout",
        "pass:mat-khau",
    ])
    .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(dir.join("o.p12")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some(bytes)
}

/// Settings that sign results with `signer`, for a portal at https://dichvucong.laocai.gov.vn.
pub fn sign_with(s: &mut app::Settings, signer: std::sync::Arc<dyn kyso::Signer + Send + Sync>) {
    s.signing = Some(std::sync::Arc::new(app::signing::Signing {
        signer,
        timestamper: None,
        revocation: Some(std::sync::Arc::new(kyso::HttpRevocation {
            timeout: std::time::Duration::from_secs(5),
        })),
        location: "Lào Cai".into(),
        approvers: Default::default(),
        seal: None,
        seal_mm: 36.0,
    }));
    s.results = std::sync::Arc::new(app::results::ResultTemplates::built_in(
        "https://dichvucong.laocai.gov.vn",
    ));
}

/// The text of a PDF (`pdftotext -layout`), or `None` outside CI when poppler is missing.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    // Tests run in parallel: each read has its own file.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("motcua-web-{}-{n}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8(o.stdout).unwrap()),
        Ok(o) => panic!("pdftotext: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("pdftotext is needed in CI (Debian poppler-utils): {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: pdftotext not found ({e}); install poppler-utils");
            None
        }
    }
}

/// A page or file fetched with a session cookie: status, content type and body.
pub async fn fetch(t: &TestApp, session: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .header("Cookie", format!("mc_phien={session}"))
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// A response's status, content type and body.
pub async fn answer(r: reqwest::Response) -> (u16, String, Vec<u8>) {
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

/// Posts a form of an officer's page with the session and the anti-forgery cookie, as the
/// browser does; the status and the page answered.
pub async fn post_form(
    t: &TestApp,
    session: &str,
    csrf: &str,
    path: &str,
    form: Vec<(&'static str, String)>,
) -> (u16, String) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", t.base))
        .header("Cookie", format!("mc_phien={session}; mc_csrf={csrf}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// Xã Bảo Thắng's receipt series ("BT-26E" in 2026).
pub fn bao_thang_series() -> app::receipts::ReceiptSeries {
    app::receipts::ReceiptSeries::new(
        "lao-cai.bao-thang",
        "01BLP0-001",
        "BT-{yy}E",
        "UBND xã Bảo Thắng",
        "5300236214",
    )
    .unwrap()
}

/// Nguyễn Thị Hằng opens her portal account and submits a re-registration of birth online;
/// her session and the dossier (its provisional reference as code).
pub async fn submit_online(t: &TestApp) -> (String, Value) {
    let citizen = t.citizen_login().await;
    let d = submit_as(t, &citizen).await;
    (citizen, d)
}

/// A re-registration of birth submitted online by a signed-in citizen.
pub async fn submit_as(t: &TestApp, citizen: &str) -> Value {
    t.post(
        Some(citizen),
        "/api/v1/public/submissions",
        online_intake(t, citizen, REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS).await,
    )
    .await
    .expect(201)
}
