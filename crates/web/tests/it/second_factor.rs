//! Xác thực hai bước: leaders and administrators set a second factor up at their next login and
//! give its code at each one after; any officer may turn it on and off; a code is taken once,
//! wrong codes lock the account like wrong passwords; an administrator resets a lost phone's;
//! recovery codes, shown once, stand in for the phone once each.

use app::second_factor::{code_at, decode, step_of};
use domain::officer::Role;
use serde_json::json;

use crate::common::*;

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} in {html}"))
        + start.len();
    let len = html[from..].find(end).expect("the end");
    &html[from..from + len]
}

/// The secret a setup page shows (the key typed when the QR code cannot be scanned).
fn secret_of(html: &str) -> Vec<u8> {
    decode(between(html, "<code class=\"secret\">", "</code>")).expect("a base32 key")
}

/// The code an authenticator app shows now, or `steps` 30-second steps later.
fn code(t: &TestApp, secret: &[u8], steps: i64) -> String {
    format!("{:06}", code_at(secret, step_of(t.app.now()) + steps))
}

/// The recovery codes a page shows.
fn recovery_codes_of(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find("</code>").unwrap()].to_string())
        .collect()
}

/// A code that is none of the three the server accepts now.
fn wrong(t: &TestApp, secret: &[u8]) -> String {
    let taken: Vec<String> = (-1..=1).map(|s| code(t, secret, s)).collect();
    (0..)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !taken.contains(c))
        .unwrap()
}

/// A browser without a session: its anti-forgery cookie, and forms posted with it.
struct Visitor<'a> {
    t: &'a TestApp,
    csrf: String,
    http: reqwest::Client,
}

impl<'a> Visitor<'a> {
    async fn new(t: &'a TestApp) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = http
            .get(format!("{}/dang-nhap", t.base))
            .send()
            .await
            .unwrap();
        let csrf = set_cookie(page.headers(), "mc_csrf").expect("an anti-forgery cookie");
        Visitor { t, csrf, http }
    }

    /// Posts a form; the status, the session cookie set (if any), the page.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        let r = self
            .http
            .post(format!("{}{path}", self.t.base))
            .header("Cookie", format!("mc_csrf={}", self.csrf))
            .form(&fields)
            .send()
            .await
            .unwrap();
        let session = set_cookie(r.headers(), "mc_phien");
        (r.status().as_u16(), session, r.text().await.unwrap())
    }
}

async fn api_login(t: &TestApp, username: &str, totp: Option<&str>) -> Reply {
    let mut body = json!({"username": username, "password": PASSWORD});
    if let Some(code) = totp {
        body["totp"] = json!(code);
    }
    t.post(None, "/api/v1/sessions", body).await
}

/// The next 30-second step (a code is taken once: the next login needs the next code).
fn next_step(t: &TestApp) {
    t.clock.set(t.app.now() + chrono::Duration::seconds(30));
}

#[tokio::test]
async fn an_administrator_sets_the_factor_up_at_login_and_gives_its_code_after() {
    let t = spawn_with(
        |s| s.second_factor_roles = vec![Role::Leader, Role::Admin],
        web::NetOptions::default(),
    )
    .await;
    // Roles not named log in by password as before.
    t.login("motcua.baothang").await;

    // Through the API the administrator is told to set it up on the web first.
    let message = api_login(&t, "quantri", None)
        .await
        .error(403, "second_factor_setup_required");
    assert!(message.contains("/dang-nhap"), "{message}");

    // On the web: the password opens no session but the setup page, with a QR code.
    let v = Visitor::new(&t).await;
    let (status, session, page) = v
        .post(
            "/dang-nhap",
            &[("username", "quantri"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((status, session), (200, None));
    assert!(page.contains("bắt buộc xác thực hai bước"), "{page}");
    assert!(page.contains("<svg"), "a QR code");
    let secret = secret_of(&page);
    assert_eq!(secret.len(), 20);
    let ticket = between(&page, "name=\"ticket\" value=\"", "\"").to_string();
    // The same page again (say, reloaded after a password typed again) shows the same secret:
    // the QR code already scanned still works.
    let (_, _, again) = v
        .post(
            "/dang-nhap",
            &[("username", "quantri"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(secret_of(&again), secret);

    // A wrong code: the same page with what is wrong, and no session.
    let bad = wrong(&t, &secret);
    let (status, session, page) = v
        .post(
            "/dang-nhap/ma-xac-thuc",
            &[("ticket", &ticket), ("code", &bad)],
        )
        .await;
    assert_eq!((status, session), (401, None));
    assert!(page.contains("Mã xác thực không đúng"), "{page}");
    assert_eq!(secret_of(&page), secret, "the QR code again");
    // A forged ticket is refused whatever the code.
    // (Its last hex digit changed: to 1 if it was 0, to 0 otherwise.)
    let last = if ticket.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &ticket[..ticket.len() - 1]);
    assert_ne!(forged, ticket);
    let (status, session, page) = v
        .post(
            "/dang-nhap/ma-xac-thuc",
            &[("ticket", &forged), ("code", &code(&t, &secret, 0))],
        )
        .await;
    assert_eq!((status, session), (401, None));
    assert!(page.contains("đăng nhập lại bằng mật khẩu"), "{page}");

    // The right code (typed with a space, as the app shows it) confirms it and logs in.
    let right = code(&t, &secret, 0);
    let typed = format!("{} {}", &right[..3], &right[3..]);
    let (status, session, page) = v
        .post(
            "/dang-nhap/ma-xac-thuc",
            &[("ticket", &ticket), ("code", &typed)],
        )
        .await;
    // The session opens on the page of the recovery codes, shown this once.
    assert_eq!(status, 200);
    let web_session = session.expect("a session cookie");
    assert!(
        page.contains("Đã bật xác thực hai bước và đăng nhập"),
        "{page}"
    );
    let codes = recovery_codes_of(&page);
    assert_eq!(codes.len(), 10, "{page}");
    assert!(
        page.contains("href=\"/can-bo\">Đã lưu các mã"),
        "goes on to the officer's home: {page}"
    );
    let (status, _, account) = fetch(&t, &web_session, "/tai-khoan").await;
    assert_eq!(status, 200);
    let account = String::from_utf8(account).unwrap();
    assert!(account.contains("Đang bật"), "{account}");
    assert!(account.contains("không tắt được"), "required: {account}");

    // From now on the API asks for the code…
    api_login(&t, "quantri", None)
        .await
        .error(401, "second_factor_required");
    // …takes no code twice (the one that confirmed it is spent)…
    api_login(&t, "quantri", Some(&right))
        .await
        .error(401, "bad_code");
    // …and takes the next one.
    next_step(&t);
    let admin = api_login(&t, "quantri", Some(&code(&t, &secret, 0)))
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    // The web asks for the code alone (no QR code) after the password.
    next_step(&t);
    let (status, session, page) = v
        .post(
            "/dang-nhap",
            &[("username", "quantri"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((status, session), (200, None));
    assert!(!page.contains("<svg"), "no QR code when it is set up");
    let ticket = between(&page, "name=\"ticket\" value=\"", "\"").to_string();
    // A ticket lasts five minutes.
    t.clock.set(t.app.now() + chrono::Duration::minutes(6));
    let (status, session, page) = v
        .post(
            "/dang-nhap/ma-xac-thuc",
            &[("ticket", &ticket), ("code", &code(&t, &secret, 0))],
        )
        .await;
    assert_eq!((status, session), (401, None));
    assert!(page.contains("quá 5 phút"), "{page}");

    // The administration log says who turned it on.
    assert!(!admin.is_empty());
    let lines = t.db.admin_log_lines(20).await.unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.action == "bật xác thực hai bước" && l.detail == "quantri"),
        "{lines:?}"
    );
}

/// Posts a form of the account page (`cai-dat`, `xac-nhan`, `ma-du-phong`, `tat`), with a
/// code when given.
async fn on_account(
    t: &TestApp,
    session: &str,
    csrf: &str,
    action: &str,
    code: Option<String>,
) -> (u16, String) {
    let mut form = vec![("csrf", csrf.to_string())];
    form.extend(code.map(|c| ("code", c)));
    post_form(
        t,
        session,
        csrf,
        &format!("/tai-khoan/xac-thuc-hai-buoc/{action}"),
        form,
    )
    .await
}

#[tokio::test]
async fn an_officer_turns_it_on_wrong_codes_lock_and_an_administrator_resets_it() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let (status, _, page) = fetch(&t, &counter, "/tai-khoan").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Chưa bật"), "{page}");
    let csrf = csrf_of(&page);

    // Set up: the QR code and the key; a wrong first code leaves it off.
    let (status, page) = on_account(&t, &counter, &csrf, "cai-dat", None).await;
    assert_eq!(status, 200, "{page}");
    let secret = secret_of(&page);
    let (status, page) =
        on_account(&t, &counter, &csrf, "xac-nhan", Some(wrong(&t, &secret))).await;
    assert_eq!(status, 401, "{page}");
    assert_eq!(secret_of(&page), secret);
    api_login(&t, "motcua.baothang", None).await.expect(201);
    // The right one turns it on.
    let (status, page) =
        on_account(&t, &counter, &csrf, "xac-nhan", Some(code(&t, &secret, 0))).await;
    assert_eq!(status, 200);
    assert_eq!(recovery_codes_of(&page).len(), 10, "{page}");
    api_login(&t, "motcua.baothang", None)
        .await
        .error(401, "second_factor_required");
    next_step(&t);
    api_login(&t, "motcua.baothang", Some(&code(&t, &secret, 0)))
        .await
        .expect(201);

    // Wrong codes count as failed logins: the fifth locks the account, even for the right
    // code after it.
    for _ in 1..=4 {
        api_login(&t, "motcua.baothang", Some(&wrong(&t, &secret)))
            .await
            .error(401, "bad_code");
    }
    api_login(&t, "motcua.baothang", Some(&wrong(&t, &secret)))
        .await
        .error(429, "account_locked");
    next_step(&t);
    api_login(&t, "motcua.baothang", Some(&code(&t, &secret, 0)))
        .await
        .error(429, "account_locked");

    // The phone is lost: the administrator lifts the lock and resets the factor.
    let admin = t.login("quantri").await;
    let id = t.officer_id("motcua.baothang").await;
    let (_, _, users) = fetch(&t, &admin, "/quan-tri/nguoi-dung").await;
    let users = String::from_utf8(users).unwrap();
    assert!(users.contains("2 bước"), "the list says who has it");
    let admin_csrf = csrf_of(&users);
    let (status, _) = post_form(
        &t,
        &admin,
        &admin_csrf,
        "/quan-tri/dang-nhap-sai/mo-khoa",
        vec![
            ("csrf", admin_csrf.clone()),
            ("account", "officer:motcua.baothang".into()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post_form(
        &t,
        &admin,
        &admin_csrf,
        &format!("/quan-tri/nguoi-dung/{id}/dat-lai-xac-thuc"),
        vec![("csrf", admin_csrf.clone())],
    )
    .await;
    assert_eq!(status, 303);
    // Resetting again: there is nothing to reset, said so.
    let (status, page) = post_form(
        &t,
        &admin,
        &admin_csrf,
        &format!("/quan-tri/nguoi-dung/{id}/dat-lai-xac-thuc"),
        vec![("csrf", admin_csrf.clone())],
    )
    .await;
    assert_eq!(status, 404);
    assert!(page.contains("chưa bật xác thực hai bước"), "{page}");
    let counter = api_login(&t, "motcua.baothang", None).await.expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let lines = t.db.admin_log_lines(20).await.unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.action == "đặt lại xác thực hai bước" && l.detail == "motcua.baothang")
    );

    // On again, then off with a current code (the counter's role does not require it).
    let (_, _, page) = fetch(&t, &counter, "/tai-khoan").await;
    let csrf = csrf_of(&String::from_utf8(page).unwrap());
    let (_, page) = on_account(&t, &counter, &csrf, "cai-dat", None).await;
    let fresh = secret_of(&page);
    assert_ne!(fresh, secret, "a new secret after a reset");
    let (status, _) = on_account(&t, &counter, &csrf, "xac-nhan", Some(code(&t, &fresh, 0))).await;
    assert_eq!(status, 200);
    // The code that turned it on does not also turn it off.
    let (status, page) = on_account(&t, &counter, &csrf, "tat", Some(code(&t, &fresh, 0))).await;
    assert_eq!(status, 401, "{page}");
    next_step(&t);
    let (status, _) = on_account(&t, &counter, &csrf, "tat", Some(code(&t, &fresh, 0))).await;
    assert_eq!(status, 303);
    api_login(&t, "motcua.baothang", None).await.expect(201);
}

#[tokio::test]
async fn a_recovery_code_stands_in_for_a_lost_phone_once_and_new_ones_void_the_old() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let (_, _, page) = fetch(&t, &counter, "/tai-khoan").await;
    let csrf = csrf_of(&String::from_utf8(page).unwrap());
    let (_, page) = on_account(&t, &counter, &csrf, "cai-dat", None).await;
    let secret = secret_of(&page);
    let (status, page) =
        on_account(&t, &counter, &csrf, "xac-nhan", Some(code(&t, &secret, 0))).await;
    assert_eq!(status, 200);
    let codes = recovery_codes_of(&page);
    assert_eq!(codes.len(), 10);
    assert!(page.contains("chỉ hiện một lần"), "{page}");
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    // Setting it up again while it is on is refused.
    let (status, page) = on_account(&t, &counter, &csrf, "cai-dat", None).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("đã bật"), "{page}");

    // The phone is lost. On the web, after the password, a recovery code typed as read
    // (lower case, a space for the hyphen) logs in.
    let v = Visitor::new(&t).await;
    let (_, _, page) = v
        .post(
            "/dang-nhap",
            &[("username", "motcua.baothang"), ("password", PASSWORD)],
        )
        .await;
    assert!(page.contains("Dùng một mã dự phòng"), "{page}");
    let ticket = between(&page, "name=\"ticket\" value=\"", "\"").to_string();
    let typed = codes[0].to_lowercase().replace('-', " ");
    let (status, session, _) = v
        .post(
            "/dang-nhap/ma-xac-thuc",
            &[("ticket", &ticket), ("code", &typed)],
        )
        .await;
    assert_eq!(status, 303);
    assert!(session.is_some());
    // Once only, on the web as by the API.
    let (_, _, page) = v
        .post(
            "/dang-nhap",
            &[("username", "motcua.baothang"), ("password", PASSWORD)],
        )
        .await;
    let ticket = between(&page, "name=\"ticket\" value=\"", "\"").to_string();
    let (status, session, page) = v
        .post(
            "/dang-nhap/ma-xac-thuc",
            &[("ticket", &ticket), ("code", &codes[0])],
        )
        .await;
    assert_eq!((status, session), (401, None));
    assert!(page.contains("mã dự phòng chưa dùng"), "{page}");
    api_login(&t, "motcua.baothang", Some(&codes[0]))
        .await
        .error(401, "bad_code");
    // Another code logs in by the API; a code of the right shape that was never given does
    // not, and counts as a failed login.
    api_login(&t, "motcua.baothang", Some(&codes[1]))
        .await
        .expect(201);
    api_login(&t, "motcua.baothang", Some("ZZZZZ-ZZZZZ"))
        .await
        .error(401, "bad_code");

    // The account page counts what is left; the log says each was used.
    let (_, _, page) = fetch(&t, &counter, "/tai-khoan").await;
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("Còn <strong>8</strong> mã dự phòng"),
        "{page}"
    );
    let lines = t.db.admin_log_lines(50).await.unwrap();
    let used: Vec<_> = lines
        .iter()
        .filter(|l| l.action == "dùng mã dự phòng xác thực hai bước")
        .map(|l| l.detail.as_str())
        .collect();
    assert_eq!(
        used,
        ["motcua.baothang, còn 8 mã", "motcua.baothang, còn 9 mã"]
    );

    // New codes need a current code: a wrong one changes nothing.
    let (status, _) =
        on_account(&t, &counter, &csrf, "ma-du-phong", Some(wrong(&t, &secret))).await;
    assert_eq!(status, 401);
    api_login(&t, "motcua.baothang", Some(&codes[2]))
        .await
        .expect(201);
    next_step(&t);
    let r = reqwest::Client::new()
        .post(format!(
            "{}/tai-khoan/xac-thuc-hai-buoc/ma-du-phong",
            t.base
        ))
        .header("Cookie", format!("mc_phien={counter}; mc_csrf={csrf}"))
        .form(&[("csrf", csrf.as_str()), ("code", &code(&t, &secret, 0))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A page of codes is not kept by the browser's cache.
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let page = r.text().await.unwrap();
    assert!(page.contains("các mã trước hết hiệu lực"), "{page}");
    let fresh = recovery_codes_of(&page);
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    // The old ones are void, the new ones good.
    api_login(&t, "motcua.baothang", Some(&codes[3]))
        .await
        .error(401, "bad_code");
    api_login(&t, "motcua.baothang", Some(&fresh[0]))
        .await
        .expect(201);
    // A recovery code also turns the factor off (the counter's role does not require it).
    let (status, _) = on_account(&t, &counter, &csrf, "tat", Some(fresh[1].clone())).await;
    assert_eq!(status, 303);
    api_login(&t, "motcua.baothang", None).await.expect(201);
    // Off: the codes went with it; turned on again, the old ones are not back.
    let (_, page) = on_account(&t, &counter, &csrf, "cai-dat", None).await;
    let secret = secret_of(&page);
    next_step(&t);
    let (status, _) = on_account(&t, &counter, &csrf, "xac-nhan", Some(code(&t, &secret, 0))).await;
    assert_eq!(status, 200);
    api_login(&t, "motcua.baothang", Some(&fresh[2]))
        .await
        .error(401, "bad_code");
}
