//! The probes of the security review (issue 19), as an attacker would run them over HTTP: each
//! test reproduces one defect and fails if it comes back.

use std::time::Duration;

use crate::common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Registers a citizen account through the web form, as anyone can; returns its session
/// cookie.
async fn register_on_the_portal(t: &TestApp, name: &str, id_number: &str) -> String {
    let page = t
        .http
        .get(format!("{}/dang-ky", t.base))
        .send()
        .await
        .unwrap();
    let csrf = set_cookie(page.headers(), "mc_csrf").expect("an anti-forgery cookie");
    let done = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/dang-ky", t.base))
        .header("Cookie", format!("mc_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", name),
            ("id_number", id_number),
            ("phone", "0911111111"),
            ("email", ""),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // Walk-through fault 7: redirected, so a refresh does not register again.
    assert_eq!(
        done.status(),
        303,
        "redirected to the page asking for the code"
    );
    let asking = done.headers()["location"].to_str().unwrap().to_string();
    let page = t
        .http
        .get(format!("{}{asking}", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("09•••••111"), "{page}");
    // The code, as the SMS gateway would deliver it.
    let sms =
        t.db.messages_of_kind(app::citizens::REGISTRATION_CODE, 100)
            .await
            .unwrap();
    let sent = sms
        .iter()
        .rev()
        .find(|m| m.recipient == "0911111111")
        .expect("the code is sent by SMS");
    let code: String = sent
        .body
        .split(": ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    let confirmed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/dang-ky/xac-nhan", t.base))
        .header("Cookie", format!("mc_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("id_number", id_number),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        confirmed.status().is_redirection(),
        "{}",
        confirmed.status()
    );
    set_cookie(confirmed.headers(), "mc_phien").expect("a session")
}

/// A page fetched with a session cookie: status and text.
async fn page(t: &TestApp, session: &str, path: &str) -> (u16, String) {
    let (status, _, body) = fetch(t, session, path).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Uploads a scan as an officer; returns the reference to put in a component.
async fn upload_text(t: &TestApp, token: &str, text: &str) -> Value {
    upload(
        t,
        token,
        "giay-to.pdf",
        format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes(),
    )
    .await
}

// Defect 1: knowing a CCCD was enough to act as that citizen.
#[tokio::test]
async fn an_id_number_alone_shows_nothing_and_allows_nothing() {
    // The registration's code goes by SMS.
    let t = spawn_with(|s| s.notices.sms = true, web::NetOptions::default()).await;
    let counter = t.login("motcua.baothang").await;
    let d = receive(&t, &counter).await;
    let code = d["code"].as_str().unwrap().to_string();
    let id = id_of(&d);

    // Someone registers under the applicant's id number, with any name.
    let session = register_on_the_portal(&t, "Kẻ Mạo Danh", "010190012345").await;
    let (status, text) = page(&t, &session, "/ho-so-cua-toi").await;
    assert_eq!(status, 200);
    assert!(
        !text.contains(&code),
        "the account lists the victim's dossier by id number alone"
    );
    let (status, _) = page(&t, &session, &format!("/ho-so-cua-toi/{code}")).await;
    assert_eq!(status, 403, "the account opens the victim's dossier");

    // Without any login, the id number does not withdraw the dossier.
    let r = t
        .post(
            None,
            &format!("/api/v1/public/dossiers/{code}/withdrawal"),
            json!({"id_number": "010190012345", "reason": "Không còn nhu cầu"}),
        )
        .await;
    assert!(
        matches!(r.status.as_u16(), 401 | 403 | 422),
        "withdrawn with the id number alone: {} {}",
        r.status,
        r.body
    );
    let detail = t.detail(&counter, &id).await;
    assert_eq!(
        detail["dossier"]["national_status"], 2,
        "the dossier is no longer as received"
    );

    // Guessing access codes is cut short.
    let mut statuses = Vec::new();
    for i in 0..40 {
        let r = t
            .post(
                None,
                &format!("/api/v1/public/dossiers/{code}/withdrawal"),
                json!({"access_code": format!("{i:04}-0000"), "reason": "x"}),
            )
            .await;
        statuses.push(r.status.as_u16());
    }
    assert!(statuses.iter().all(|s| *s != 200), "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "guesses are throttled: {statuses:?}"
    );
}

// Defect 2: an officer of one commune could open a correction of another commune's dossier.
#[tokio::test]
async fn another_communes_officer_cannot_open_a_correction_nor_learn_its_stage() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let d = receive(&t, &counter).await;
    let id = id_of(&d);
    let before = t.totals().await;
    let outsider = t.login("motcua.camduong").await;
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["receiving"] = json!("lao-cai.cam-duong.mot-cua");
    let r = t
        .post(
            Some(&outsider),
            &format!("/api/v1/dossiers/{id}/corrections"),
            json!({"intake": body, "reason": "Sai tên"}),
        )
        .await;
    let message = r.error(403, "forbidden");
    assert!(
        !message.contains("trạng thái") && !message.contains(d["code"].as_str().unwrap()),
        "the refusal tells the foreign dossier's stage or code: {message}"
    );
    assert_eq!(t.totals().await, before, "nothing written");
    // The same with a stale version on a command: 403, not a version conflict.
    t.post_if(
        &outsider,
        &format!("/api/v1/dossiers/{id}/notes"),
        99,
        json!({"text": "x"}),
    )
    .await
    .error(403, "forbidden");
}

// Defect 3: a file of another commune was downloadable by naming its SHA-256.
#[tokio::test]
async fn a_file_is_read_only_through_a_dossier_the_reader_may_read() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let file = upload_text(&t, &counter, "so ho khau Bao Thang").await;
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["components"][0]["files"] = json!([file]);
    t.post(Some(&counter), "/api/v1/dossiers", body)
        .await
        .expect(201);

    // Cam Đường's counter names that file in a dossier of its own.
    let outsider = t.login("motcua.camduong").await;
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["receiving"] = json!("lao-cai.cam-duong.mot-cua");
    body["components"][0]["files"] = json!([file]);
    let r = t.post(Some(&outsider), "/api/v1/dossiers", body).await;
    if r.status.as_u16() == 201 {
        let theirs = id_of(&r.body);
        let sha = file["sha256"].as_str().unwrap();
        let (status, _) = page(&t, &outsider, &format!("/ho-so/{theirs}/tep/{sha}")).await;
        panic!("another commune's scan was named in a dossier (download answered {status})");
    }
    r.error(422, "file_not_found");
}

// Defect 4: anonymous online submissions drew from the counter's daily codes.
#[tokio::test]
async fn online_submissions_need_an_account_and_never_stop_the_counter() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    // Anonymous: refused.
    let r = t
        .post(
            None,
            "/api/v1/public/submissions",
            intake(
                "1.001193",
                &["to-khai", "giay-chung-sinh", "giay-to-tuy-than"],
            ),
        )
        .await;
    assert_eq!(
        r.status.as_u16(),
        401,
        "an anonymous submission was accepted: {}",
        r.body
    );
    // The counter's day at its last 4-digit number: the next code takes the long layout
    // instead of refusing the intake.
    t.db.raise_code_number("lao-cai.bao-thang.mot-cua", "2026-12-07", 9_999)
        .await
        .unwrap();
    let d = receive(&t, &counter).await;
    assert_eq!(d["code"], "H38.61.01-20261207-0010000", "{}", d["code"]);
}

// Defect 5: a login flood took the memory, with no lockout and no limit.
#[tokio::test]
async fn failed_logins_lock_the_account_and_an_administrator_lifts_the_lock() {
    let t = spawn().await;
    let wrong = json!({"username": "motcua.baothang", "password": "sai-mat-khau"});
    let mut codes = Vec::new();
    for _ in 0..6 {
        let r = t.post(None, "/api/v1/sessions", wrong.clone()).await;
        codes.push((
            r.status.as_u16(),
            r.body["code"].as_str().unwrap_or("").to_string(),
        ));
    }
    assert_eq!(codes[0], (401, "bad_credentials".to_string()));
    assert_eq!(
        codes[5],
        (429, "account_locked".to_string()),
        "no lockout after failed logins: {codes:?}"
    );
    // Locked: even the right password waits.
    t.post(
        None,
        "/api/v1/sessions",
        json!({"username": "motcua.baothang", "password": PASSWORD}),
    )
    .await
    .error(429, "account_locked");
    // An unknown name is answered like a known one, and locks the same way.
    let mut unknown = Vec::new();
    for _ in 0..6 {
        let r = t
            .post(
                None,
                "/api/v1/sessions",
                json!({"username": "khong.co.ai", "password": "sai-mat-khau"}),
            )
            .await;
        unknown.push((
            r.status.as_u16(),
            r.body["code"].as_str().unwrap_or("").to_string(),
        ));
    }
    assert_eq!(codes, unknown, "an unknown name is told apart");
    // The administrator sees the lock and lifts it; the officer logs in again.
    let admin = t.login("quantri").await;
    let admin_page = page(&t, &admin, "/quan-tri/nguoi-dung").await.1;
    assert!(
        admin_page.contains("Cán bộ motcua.baothang"),
        "the lock is listed"
    );
    t.app
        .accounts()
        .unlock_account(
            &t.app.accounts().actor(&admin).await.unwrap(),
            "officer:motcua.baothang",
        )
        .await
        .unwrap();
    t.login("motcua.baothang").await;
}

#[tokio::test]
async fn too_many_logins_from_one_address_are_refused_before_any_hashing() {
    let t = spawn_with(
        |s| {
            s.limits.login_per_address = app::Rate::per_minutes(5, 1);
        },
        web::NetOptions::default(),
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let r = t
            .post(
                None,
                "/api/v1/sessions",
                json!({"username": format!("nguoi{i}"), "password": "x"}),
            )
            .await;
        statuses.push(r.status.as_u16());
        if r.status.as_u16() == 429 {
            assert!(r.headers.contains_key("retry-after"));
        }
    }
    assert_eq!(statuses[..5], [401; 5]);
    assert_eq!(statuses[5..], [429; 3], "{statuses:?}");
}

// Defect 6: idle connections were never closed.
#[tokio::test]
async fn silent_connections_are_closed_and_the_oldest_idle_makes_room() {
    let t = spawn_with(
        |_| {},
        web::NetOptions {
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            max_connections: 8,
            ..Default::default()
        },
    )
    .await;
    let addr = t.base.trim_start_matches("http://").to_string();
    // A socket that says nothing is closed by the server.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(20), silent.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "a silent connection is still open: {closed:?}"
    );
    // Past the cap, silent sockets are shed and real clients are served.
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let r = t.get(None, "/api/v1/public/lookup/abc").await;
    assert_eq!(r.status.as_u16(), 422);
    // A half-sent request (headers never finished) is closed too.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "a half-sent request is still open");
}

// Defect 7: a retried intake made a second dossier.
#[tokio::test]
async fn a_retried_intake_with_its_idempotency_key_returns_the_first_dossier() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let send = |key: &'static str, body: Value| {
        let req = t
            .http
            .post(format!("{}/api/v1/dossiers", t.base))
            .bearer_auth(&counter)
            .header("Idempotency-Key", key)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    let (s1, first) = send("0f1d6c1e-retry", body.clone()).await;
    let (s2, again) = send("0f1d6c1e-retry", body.clone()).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["code"], again["code"], "a retry made another dossier");
    assert_eq!(t.totals().await.dossiers, 1);
    // The same key for another request is refused, and writes nothing.
    let mut other = body.clone();
    other["applicant"]["name"] = json!("Lò Văn Páo");
    let (s3, refused) = send("0f1d6c1e-retry", other).await;
    assert_eq!(
        (s3, refused["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    assert_eq!(t.totals().await.dossiers, 1);
    // Another key: another dossier.
    let (s4, second) = send("another-key", body).await;
    assert_eq!(s4, 201);
    assert_ne!(second["code"], first["code"]);

    // Guidance logged twice with one key is logged once.
    let guidance = json!({"channel": "counter", "applicant_name": "Lò Văn Páo",
                          "content": "Hướng dẫn chuẩn bị hồ sơ đăng ký khai sinh"});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = t
            .http
            .post(format!("{}/api/v1/guidance", t.base))
            .bearer_auth(&counter)
            .header("Idempotency-Key", "guidance-1")
            .json(&guidance)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        ids.push(r.json::<Value>().await.unwrap()["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(t.totals().await.guidance, 1);
}

// Defect 8: no framing protection, no CSP, an upload without an Origin check, NUL bytes kept.
#[tokio::test]
async fn pages_refuse_framing_foreign_uploads_and_control_characters() {
    let t = spawn().await;
    let home = t.http.get(format!("{}/", t.base)).send().await.unwrap();
    let h = home.headers();
    assert_eq!(
        h.get("x-frame-options").map(|v| v.to_str().unwrap()),
        Some("DENY")
    );
    let csp = h
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'")
    );

    // An upload posted from another site is refused before it runs.
    let counter = t.login("motcua.baothang").await;
    let form = reqwest::multipart::Form::new().text("csrf", "x").part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("a.pdf"),
    );
    let r = t
        .http
        .post(format!("{}/tep?field=x", t.base))
        .header("Cookie", format!("mc_phien={counter}"))
        .header("Origin", "https://evil.example")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "a foreign upload was taken");

    // A NUL in an address is refused, and nothing is written.
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["applicant"]["address_line"] = json!("Tổ 3\u{0}; DROP");
    t.post(Some(&counter), "/api/v1/dossiers", body)
        .await
        .error(422, "control_character");
    assert_eq!(t.totals().await.dossiers, 0);
}

// The data store: a file of the applicant's earlier dossier is attached again by naming that
// dossier; naming someone else's dossier gives nothing.
#[tokio::test]
async fn a_file_is_reused_only_from_the_same_applicants_earlier_dossier() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let file = upload_text(&t, &counter, "giay khai sinh").await;
    let mut first = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    first["components"][1]["files"] = json!([file]);
    let first = t
        .post(Some(&counter), "/api/v1/dossiers", first)
        .await
        .expect(201);
    let held = t
        .get(Some(&counter), "/api/v1/applicants/010190012345/data-store")
        .await
        .expect(200);
    let h = held
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["sha256"] == file["sha256"])
        .expect("the scan is in her data store")
        .clone();
    assert_eq!(h["dossier_code"], first["code"]);
    assert_eq!(h["kind"], "component");

    let mut second = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    second["components"][1]["files"] = json!([file]);
    second["components"][1]["reused_from"] = h["dossier_id"].clone();
    let second = t
        .post(Some(&counter), "/api/v1/dossiers", second)
        .await
        .expect(201);
    assert_eq!(
        second["state"]["components"][1]["reused"]["code"],
        first["code"]
    );

    let mut other = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    other["applicant"]["id_number"] = json!("001089000123");
    other["applicant"]["name"] = json!("Lò Văn Pao");
    other["components"][1]["files"] = json!([file]);
    other["components"][1]["reused_from"] = h["dossier_id"].clone();
    t.post(Some(&counter), "/api/v1/dossiers", other)
        .await
        .error(422, "reused_not_held");
    // The data store is for the counter receiving her dossier: a specialist does not read it.
    let specialist = t.login("tuphap.baothang").await;
    t.get(
        Some(&specialist),
        "/api/v1/applicants/010190012345/data-store",
    )
    .await
    .error(403, "forbidden");
}

// Hardening (issue 20): the public reads are counted per address — the lookup by code (codes are
// sequential, so an enumerator is slowed), the catalogue search and the administrative units.
#[tokio::test]
async fn public_lookups_and_searches_from_one_address_are_limited() {
    let t = spawn_with(
        |s| {
            s.limits.lookups_per_address = app::Rate::per_minutes(4, 1);
            s.limits.public_reads_per_address = app::Rate::per_minutes(3, 1);
        },
        web::NetOptions::default(),
    )
    .await;
    let mut lookups = Vec::new();
    for n in 1..=6 {
        let r = t
            .get(
                None,
                &format!("/api/v1/public/lookup/000.01.61.H38-261207-000{n}"),
            )
            .await;
        lookups.push(r.status.as_u16());
        if r.status.as_u16() == 429 {
            assert!(r.headers.contains_key("retry-after"));
            assert_eq!(r.body["code"], "too_many_attempts");
            assert!(r.body["message"].as_str().unwrap().contains("thử lại sau"));
        }
    }
    assert_eq!(lookups[..4], [404; 4], "{lookups:?}");
    assert_eq!(lookups[4..], [429; 2], "{lookups:?}");
    // The page counts with the API: the same address is refused there too, and told why.
    let (status, _, page) = fetch(&t, "", "/tra-cuu?ma=000.01.61.H38-261207-0001").await;
    assert_eq!(status, 429);
    assert!(String::from_utf8_lossy(&page).contains("thử lại sau"));

    // Three reads pass (the third for a code of 5,000 digits, which is not echoed back whole),
    // the fourth is refused.
    assert_eq!(t.get(None, "/api/v1/units").await.status.as_u16(), 200);
    let found = t.get(None, "/api/v1/procedures?q=khai%20sinh").await;
    assert_eq!(found.status.as_u16(), 200);
    let long = "9".repeat(5_000);
    let (status, _, body) = fetch(&t, "", &format!("/api/v1/units/two-level/{long}")).await;
    assert_eq!(status, 404);
    assert!(body.len() < 300, "{} bytes echoed", body.len());
    let refused = t
        .get(
            None,
            "/api/v1/units/convert?address=x%C3%A3%20B%E1%BA%A3o%20Th%E1%BA%AFng",
        )
        .await;
    assert_eq!(refused.status.as_u16(), 429);
}

// Hardening (issue 20): HSTS on answers to requests a trusted proxy says came over HTTPS, and
// only then (a client cannot switch it on by sending the header itself).
#[tokio::test]
async fn strict_transport_security_only_behind_a_trusted_https_proxy() {
    let hsts = |t: &TestApp, proto: Option<&'static str>| {
        let mut r = t.http.get(format!("{}/", t.base));
        if let Some(p) = proto {
            r = r.header("X-Forwarded-Proto", p);
        }
        async move {
            r.send()
                .await
                .unwrap()
                .headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_string())
        }
    };
    let behind = spawn_with(
        |_| {},
        web::NetOptions {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        hsts(&behind, Some("https")).await.as_deref(),
        Some("max-age=31536000; includeSubDomains")
    );
    assert_eq!(hsts(&behind, Some("http")).await, None);
    assert_eq!(hsts(&behind, None).await, None);
    let direct = spawn_with(|_| {}, web::NetOptions::default()).await;
    assert_eq!(hsts(&direct, Some("https")).await, None);
}

// Hardening (issue 20): what the framework answers by itself is said in the product's words —
// a body over the whole-request limit was "length limit exceeded" in plain English, a method an
// address does not take an empty 405.
#[tokio::test]
async fn the_frameworks_own_refusals_are_said_in_vietnamese() {
    let t = spawn_with(|_| {}, web::NetOptions::default()).await;
    let token = t.login("motcua.baothang").await;
    let huge = vec![b'%'; 13 * 1024 * 1024];
    let r = t
        .http
        .post(format!("{}/api/v1/files", t.base))
        .bearer_auth(&token)
        .header("content-type", "application/pdf")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "body_too_large", "{body}");
    assert!(body["message"].as_str().unwrap().contains("quá lớn"));

    let r = t
        .http
        .delete(format!("{}/api/v1/units", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("allow"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed", "{body}");

    let r = t
        .http
        .put(format!("{}/tra-cuu", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let page = r.text().await.unwrap();
    assert!(page.contains("không nhận phương thức"), "{page}");
}

/// A login ends 30 minutes after its last use and 10 hours after it began, whichever comes
/// first; using it moves the first end on. Officers' and citizens' alike.
#[tokio::test]
async fn a_login_ends_when_left_unused_and_at_its_longest() {
    let t = spawn_with(
        |s| {
            s.session_hours = 10;
            s.session_idle_minutes = 30;
        },
        web::NetOptions::default(),
    )
    .await;
    let officer = t.login("motcua.baothang").await;
    let citizen = t.citizen_login().await;
    let works = |token: String| {
        let t = &t;
        async move {
            t.get(Some(&token), "/api/v1/dossiers?limit=1")
                .await
                .status
                .as_u16()
        }
    };
    let citizen_works = |token: String| {
        let t = &t;
        async move {
            match t.app.citizens().citizen_actor(&token).await {
                Ok(_) => 200,
                Err(_) => 401,
            }
        }
    };
    assert_eq!(works(officer.clone()).await, 200);
    assert_eq!(citizen_works(citizen.clone()).await, 200);

    // Used every 20 minutes, it lasts past its first 30 minutes…
    for at in ["09:20", "09:40", "10:00", "10:20"] {
        t.at(&format!("2026-12-07 {at}"));
        assert_eq!(works(officer.clone()).await, 200, "officer at {at}");
        assert_eq!(citizen_works(citizen.clone()).await, 200, "citizen at {at}");
    }
    // …and ends 30 minutes after its last use.
    t.at("2026-12-07 10:51");
    assert_eq!(works(officer.clone()).await, 401);
    assert_eq!(citizen_works(citizen.clone()).await, 401);

    // A login used all day ends 10 hours after it began all the same.
    t.at("2026-12-08 08:00");
    let officer = t.login("motcua.baothang").await;
    let mut at = vn("2026-12-08 08:00");
    while at < vn("2026-12-08 17:55") {
        at += chrono::Duration::minutes(25);
        t.clock.set(at);
        let expected = if at < vn("2026-12-08 18:00") {
            200
        } else {
            401
        };
        assert_eq!(works(officer.clone()).await, expected, "at {at}");
    }
    t.at("2026-12-08 18:00");
    assert_eq!(works(officer).await, 401);
}

/// Every opening of a dossier and of its files by an officer is in the access log, which the
/// administrators (and inspectors) read and the officer who opened it does not.
#[tokio::test]
async fn officers_reads_of_personal_data_are_recorded() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let body = online_intake(&t, &counter, REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS).await;
    let sha = body["components"][0]["files"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let d = t
        .post(Some(&counter), "/api/v1/dossiers", body)
        .await
        .expect(201);
    let id = d["id"].as_str().unwrap().to_string();

    t.at("2026-12-07 09:05");
    t.get(Some(&counter), &format!("/api/v1/dossiers/{id}"))
        .await
        .expect(200);
    t.at("2026-12-07 09:06");
    let actor = t.app.accounts().actor(&counter).await.unwrap();
    let dossier = domain::dossier::DossierId(id.parse().unwrap());
    t.app
        .queries()
        .dossier_file(&actor, dossier, &sha)
        .await
        .unwrap();

    let admin = t.login("quantri").await;
    let reads = t
        .get(Some(&admin), &format!("/api/v1/dossiers/{id}/reads"))
        .await
        .expect(200);
    let reads = reads.as_array().unwrap();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert_eq!(reads[0]["officer"], "motcua.baothang");
    assert_eq!(reads[0]["file_sha256"], sha.as_str());
    assert_eq!(reads[0]["file_name"], "to-khai.pdf");
    assert!(
        reads[0]["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-07T09:06")
    );
    assert_eq!(reads[1]["officer"], "motcua.baothang");
    assert!(reads[1]["file_sha256"].is_null());
    assert!(
        reads[1]["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-07T09:05")
    );

    // The admin's own read of the log is not a read of the dossier; the counter may not see it.
    t.get(Some(&counter), &format!("/api/v1/dossiers/{id}/reads"))
        .await
        .error(403, "forbidden");
    let again = t
        .get(Some(&admin), &format!("/api/v1/dossiers/{id}/reads"))
        .await
        .expect(200);
    assert_eq!(again.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_access_log_is_shown_to_administrators_by_code_and_to_inspectors_on_the_dossier() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let body = online_intake(&t, &counter, REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS).await;
    let d = t
        .post(Some(&counter), "/api/v1/dossiers", body)
        .await
        .expect(201);
    let (id, code) = (
        d["id"].as_str().unwrap().to_string(),
        d["code"].as_str().unwrap().to_string(),
    );
    t.at("2026-12-07 09:05");
    let (status, _, _) = fetch(&t, &counter, &format!("/can-bo/ho-so/{id}")).await;
    assert_eq!(status, 200);

    // The administrators' page, asked by code.
    let admin = t.login("quantri").await;
    let (status, _, page) = fetch(&t, &admin, &format!("/quan-tri/truy-cap?ma={code}")).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("1 lượt mở"), "{page}");
    assert!(page.contains("motcua.baothang"), "{page}");
    assert!(page.contains("09:05 07/12/2026"), "{page}");
    // A code of the wrong form, or of no dossier, is said so.
    let (status, _, page) = fetch(&t, &admin, "/quan-tri/truy-cap?ma=khong-phai-ma").await;
    assert_eq!(status, 422);
    assert!(String::from_utf8(page).unwrap().contains("Mã hồ sơ"));
    let (status, _, _) = fetch(
        &t,
        &admin,
        "/quan-tri/truy-cap?ma=000.00.22.H38-261123-9999",
    )
    .await;
    assert_eq!(status, 404);
    // Not for the counter.
    let (status, _, _) = fetch(&t, &counter, &format!("/quan-tri/truy-cap?ma={code}")).await;
    assert_eq!(status, 403);
    let (_, _, own) = fetch(&t, &counter, &format!("/can-bo/ho-so/{id}")).await;
    assert!(!String::from_utf8(own).unwrap().contains("Nhật ký truy cập"));

    // The province's inspector sees it on the dossier, their own opening first.
    t.at("2026-12-07 10:00");
    let inspector = t.login("thanhtra").await;
    let (status, _, page) = fetch(&t, &inspector, &format!("/can-bo/ho-so/{id}")).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200, "{page}");
    let log = &page[page.find("Nhật ký truy cập").expect("the access log")..];
    assert!(log.contains("3 lượt"), "{log}");
    let (first, second) = (
        log.find("thanhtra").unwrap(),
        log.find("motcua.baothang").unwrap(),
    );
    assert!(first < second, "newest first: {log}");
}

#[tokio::test]
async fn an_administrator_sees_what_one_officer_opened_across_dossiers_day_by_day() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let mut opened = Vec::new();
    for _ in 0..2 {
        let body = online_intake(&t, &counter, REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS).await;
        let d = t
            .post(Some(&counter), "/api/v1/dossiers", body)
            .await
            .expect(201);
        opened.push((
            d["id"].as_str().unwrap().to_string(),
            d["code"].as_str().unwrap().to_string(),
        ));
    }
    t.at("2026-12-07 09:05");
    fetch(&t, &counter, &format!("/can-bo/ho-so/{}", opened[0].0)).await;
    t.at("2026-12-08 14:30");
    fetch(&t, &counter, &format!("/can-bo/ho-so/{}", opened[1].0)).await;
    // Another officer's reads are not the counter's.
    let leader = t.login("chutich.baothang").await;
    let (status, _, _) = fetch(&t, &leader, &format!("/can-bo/ho-so/{}", opened[1].0)).await;
    assert_eq!(status, 200);

    // The administrators' page, by user name: the last 30 days by default, newest first.
    let admin = t.login("quantri").await;
    let (status, _, page) = fetch(&t, &admin, "/quan-tri/truy-cap?can-bo=motcua.baothang").await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("2 lượt mở"), "{page}");
    let (newer, older) = (
        page.find(&opened[1].1).expect("the second dossier"),
        page.find(&opened[0].1).expect("the first dossier"),
    );
    assert!(newer < older, "newest first");
    assert!(page.contains("14:30 08/12/2026"), "{page}");
    // One day only.
    let (_, _, page) = fetch(
        &t,
        &admin,
        "/quan-tri/truy-cap?can-bo=motcua.baothang&tu=2026-12-07&den=2026-12-07",
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("từ 07/12/2026 đến 07/12/2026: 1 lượt mở"),
        "{page}"
    );
    assert!(!page.contains(&opened[1].1), "{page}");
    // Days the wrong way round, a date of the wrong form, nobody of that name: said so.
    for (query, status, said) in [
        (
            "can-bo=motcua.baothang&tu=2026-12-08&den=2026-12-07",
            422,
            "Ngày bắt đầu",
        ),
        (
            "can-bo=motcua.baothang&tu=hom-qua",
            422,
            "Ngày không đúng dạng",
        ),
        ("can-bo=khong.co.ai", 404, "Không có cán bộ"),
    ] {
        let (got, _, page) = fetch(&t, &admin, &format!("/quan-tri/truy-cap?{query}")).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(got, status, "{query}: {page}");
        assert!(page.contains(said), "{query}: {page}");
    }
    // Not for the counter.
    let (status, _, _) = fetch(&t, &counter, "/quan-tri/truy-cap?can-bo=motcua.baothang").await;
    assert_eq!(status, 403);

    // The same through the API.
    let api = t
        .get(
            Some(&admin),
            "/api/v1/admin/officers/motcua.baothang/reads?from=2026-12-01&to=2026-12-08",
        )
        .await
        .expect(200);
    assert_eq!(api["full_name"], "Lò Thị Mai");
    assert_eq!(api["capped"], false);
    let reads = api["reads"].as_array().unwrap();
    assert_eq!(reads.len(), 2, "{api}");
    assert_eq!(reads[0]["code"], opened[1].1.as_str());
    assert_eq!(reads[0]["dossier_id"], opened[1].0.as_str());
    assert_eq!(reads[1]["code"], opened[0].1.as_str());
    t.get(
        Some(&admin),
        "/api/v1/admin/officers/motcua.baothang/reads?from=2026-12-09&to=2026-12-08",
    )
    .await
    .error(422, "invalid_period");
    t.get(
        Some(&counter),
        "/api/v1/admin/officers/motcua.baothang/reads",
    )
    .await
    .error(403, "forbidden");
}

// A control character in a query or path value (`?receiving=%00`) is refused in the product's
// words on every read of the API, and never reaches the database: PostgreSQL refuses a NUL in
// text, and schemathesis found `GET /api/v1/dossiers` answering 500 there.
#[tokio::test]
async fn control_characters_in_query_and_path_values_are_refused_on_every_read() {
    let t = spawn().await;
    let admin = t.login("quantri").await;
    let doc = t.get(None, "/api/openapi.json").await.expect(200);
    let mut probed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        let queries: Vec<&str> = params
            .iter()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let paths: Vec<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        for bad in ["%00", "a%00b", "%01", "%7F", "%C2%85"] {
            let url = paths.iter().fold(path.clone(), |u, name| {
                u.replace(&format!("{{{name}}}"), bad)
            });
            let mut urls = vec![];
            if !paths.is_empty() {
                urls.push(url);
            }
            let plain = paths.iter().fold(path.clone(), |u, name| {
                u.replace(&format!("{{{name}}}"), "000.00.00.H00-000000-0001")
            });
            for name in &queries {
                urls.push(format!("{plain}?{name}={bad}"));
            }
            for u in urls {
                let r = t.get(Some(&admin), &u).await;
                probed += 1;
                assert!(
                    r.status.as_u16() < 500,
                    "GET {u} → {}: {}",
                    r.status,
                    r.body
                );
                if r.status.as_u16() >= 400 {
                    let message = r.body["message"].as_str().unwrap_or_default();
                    assert!(
                        !message.is_ascii() && r.body["code"].is_string(),
                        "GET {u} → {}: {}",
                        r.status,
                        r.body
                    );
                }
            }
        }
    }
    assert!(probed > 200, "{probed} requests");
    t.get(Some(&admin), "/api/v1/dossiers?receiving=%00")
        .await
        .error(422, "control_character");
    // A page says it in a page.
    let page = t
        .http
        .get(format!("{}/?q=%00", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 422);
    assert!(page.text().await.unwrap().contains("ký tự điều khiển"));
}
