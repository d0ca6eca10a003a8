//! Đăng nhập bằng định danh điện tử against a local OpenID Connect provider (`fakeportal::oidc`,
//! real ES256-signed ID tokens): a citizen signs in, is shown every dossier filed under their
//! proved number (one received at the counter included, which a password account of the same
//! number does not see); a token signed by another key, altered after signing, or made for
//! another sign-in is refused; a code or a state used twice is refused; signing out signs out of
//! the provider too.

use std::sync::Arc;

use fakeportal::oidc::{FakeIdentity, Fault};

use serde_json::json;

use crate::common::*;

const CLIENT: &str = "motcua-lao-cai";
const SECRET: &str = "bi-mat-dang-nhap-mot-lan";
/// The address the provider sends citizens back to (the portal's public one).
const BACK: &str = "http://motcua.test/dang-nhap/dinh-danh/ve";

async fn with_identity() -> (TestApp, FakeIdentity) {
    let idp = FakeIdentity::start(CLIENT, SECRET, BACK).await.unwrap();
    let issuer = idp.issuer();
    let t = spawn_with(
        |s| {
            s.identity = Some(Arc::new(app::identity::IdentityProvider {
                issuer,
                client_id: CLIENT.into(),
                client_secret: SECRET.into(),
                redirect_uri: BACK.into(),
                after_logout_uri: "http://motcua.test/".into(),
                scopes: "openid profile".into(),
                id_claim: "so_dinh_danh".into(),
                name_claim: "name".into(),
                label: "VNeID".into(),
                max_minutes: 10,
                http: Arc::new(notify::identity::HttpProvider::new(10).unwrap()),
            }));
        },
        web::NetOptions::default(),
    )
    .await;
    idp.set_now(t.app.now());
    idp.set_user("010190012345", "Nguyễn Thị Hằng");
    (t, idp)
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Leaves for the provider and comes back: the address it sends the browser back to, on our
/// server.
async fn to_provider_and_back(t: &TestApp) -> String {
    let b = browser();
    let start = b
        .get(format!("{}/dang-nhap/dinh-danh", t.base))
        .send()
        .await
        .unwrap();
    assert!(start.status().is_redirection(), "{}", start.status());
    let at_provider = location(&start);
    assert!(
        at_provider.contains("code_challenge_method=S256"),
        "{at_provider}"
    );
    assert!(at_provider.contains("nonce="), "{at_provider}");
    let authorised = b.get(&at_provider).send().await.unwrap();
    assert_eq!(authorised.status(), 302);
    let back = location(&authorised);
    assert!(back.starts_with(BACK), "{back}");
    back.replacen("http://motcua.test", &t.base, 1)
}

/// What our server answers when the browser comes back: the session cookies, or the status
/// and the page.
async fn come_back(back: &str) -> Result<String, (u16, String)> {
    let r = browser().get(back).send().await.unwrap();
    if r.status().as_u16() == 303 {
        assert_eq!(location(&r), "/ho-so-cua-toi");
        return Ok(r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect::<Vec<_>>()
            .join("; "));
    }
    Err((r.status().as_u16(), r.text().await.unwrap()))
}

async fn my_dossiers(t: &TestApp, cookie: &str) -> String {
    let r = t
        .http
        .get(format!("{}/ho-so-cua-toi", t.base))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signs_in_with_the_national_identity_and_sees_their_counter_dossiers() {
    let (t, idp) = with_identity().await;
    let counter = t.login("motcua.baothang").await;
    let received = receive(&t, &counter).await;
    let code = received["code"].as_str().unwrap().to_string();

    // The login page offers it.
    let page = t
        .http
        .get(format!("{}/dang-nhap", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("đăng nhập bằng tài khoản định danh điện tử VNeID"),
        "{page}"
    );
    // No code can be sent (neither SMS nor e-mail here): registering is not offered.
    assert!(!page.contains("href=\"/dang-ky\""), "{page}");

    // A password account of the same number proves nothing: the counter dossier is not shown.
    let password = t.citizen_login().await;
    let unproved = my_dossiers(&t, &format!("mc_phien={password}")).await;
    assert!(!unproved.contains(&code));

    let back = to_provider_and_back(&t).await;
    let cookie = come_back(&back).await.expect("signed in");
    let mine = my_dossiers(&t, &cookie).await;
    assert!(
        mine.contains(&code),
        "the counter dossier is theirs: {mine}"
    );
    assert!(mine.contains("Nguyễn Thị Hằng"));
    let open = |cookie: String| {
        let url = format!("{}/ho-so-cua-toi/{code}", t.base);
        let http = t.http.clone();
        async move {
            http.get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(open(cookie.clone()).await, 200, "its page opens");
    assert_ne!(
        open(format!("mc_phien={password}")).await,
        200,
        "not for the unproved account"
    );

    // The same return again: the state was used.
    let (status, page) = come_back(&back).await.unwrap_err();
    assert_eq!(status, 401);
    assert!(page.contains("đã dùng hoặc đã hết hạn"), "{page}");

    // The same code with a fresh state: the provider refuses a code used once.
    let fresh = to_provider_and_back(&t).await;
    let state = fresh.split("state=").nth(1).unwrap();
    let old_code = back
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let replayed = format!(
        "{}/dang-nhap/dinh-danh/ve?code={old_code}&state={state}",
        t.base
    );
    let (status, page) = come_back(&replayed).await.unwrap_err();
    assert_eq!(status, 401);
    assert!(page.contains("không chấp nhận mã đăng nhập"), "{page}");

    // Signing out signs out of the provider too, back to the portal.
    let csrf = mine
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("the page's forms carry the anti-forgery value")
        .to_string();
    let out = browser()
        .post(format!("{}/dang-xuat", t.base))
        .header("Cookie", &cookie)
        .header("Origin", &t.base)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(out.status().is_redirection(), "{}", out.status());
    let to = location(&out);
    assert!(to.starts_with(&format!("{}/logout?", idp.issuer())), "{to}");
    let r = browser().get(&to).send().await.unwrap();
    assert_eq!(location(&r), "http://motcua.test/");
    assert_eq!(idp.logouts(), ["http://motcua.test/"]);
    let gone = t
        .http
        .get(format!("{}/ho-so-cua-toi", t.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        !gone.text().await.unwrap().contains(&code),
        "the session is closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_signed_by_another_key_altered_or_made_for_another_sign_in_is_refused() {
    let (t, idp) = with_identity().await;
    for (fault, words) in [
        (Fault::UnknownKey, "Chữ ký của mã định danh không đúng"),
        (Fault::AlteredClaims, "Chữ ký của mã định danh không đúng"),
        (Fault::WrongNonce, "không khớp lần đăng nhập này"),
    ] {
        idp.set_fault(fault);
        let back = to_provider_and_back(&t).await;
        let (status, page) = come_back(&back).await.unwrap_err();
        assert_eq!(status, 401, "{fault:?}");
        assert!(page.contains(words), "{fault:?}: {page}");
    }
    // Nobody was signed in: no account was opened for the number.
    assert!(t.db.citizen("010190012345").await.unwrap().is_none());
    idp.set_fault(Fault::None);
    assert!(come_back(&to_provider_and_back(&t).await).await.is_ok());
    assert!(t.db.citizen("010190012345").await.unwrap().is_some());
}

/// The code of the newest registration sent to `to`, as the SMS gateway would deliver it.
async fn code_sent_to(t: &TestApp, to: &str) -> String {
    let sent =
        t.db.messages_of_kind(app::citizens::REGISTRATION_CODE, 100)
            .await
            .unwrap();
    let m = sent
        .iter()
        .rev()
        .find(|m| m.recipient == to)
        .expect("a code was sent");
    m.body.split(": ").nth(1).unwrap().chars().take(6).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_account_opens_only_with_the_code_sent_to_the_phone() {
    let t = spawn_with(|s| s.notices.sms = true, web::NetOptions::default()).await;
    // With SMS, the login page offers registering.
    let (_, _, body) = fetch(&t, "", "/dang-nhap").await;
    let login_page = String::from_utf8(body).unwrap();
    assert!(login_page.contains("href=\"/dang-ky\""), "{login_page}");
    let account = json!({"name": "Lò Văn Pao", "id_number": "001089000123",
                         "phone": "0987654321", "password": PASSWORD});
    let pending = t
        .post(None, "/api/v1/public/accounts", account.clone())
        .await
        .expect(202);
    assert_eq!(pending["sent_to"], "09•••••321");
    let login = json!({"id_number": "001089000123", "password": PASSWORD});
    t.post(None, "/api/v1/public/sessions", login.clone())
        .await
        .error(401, "bad_credentials");

    let code = code_sent_to(&t, "0987654321").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = |code: &str| json!({"id_number": "001089000123", "code": code});
    let said = t
        .post(None, "/api/v1/public/accounts/confirm", confirm(wrong))
        .await
        .error(422, "registration_code_wrong");
    assert!(said.contains("còn 4 lần thử"), "{said}");
    let opened = t
        .post(None, "/api/v1/public/accounts/confirm", confirm(&code))
        .await
        .expect(201);
    assert_eq!(opened["name"], "Lò Văn Pao");
    t.post(None, "/api/v1/public/sessions", login)
        .await
        .expect(201);
    t.post(None, "/api/v1/public/accounts/confirm", confirm(&code))
        .await
        .error(404, "registration_not_found");
    t.post(None, "/api/v1/public/accounts", account)
        .await
        .error(409, "account_exists");

    // A code typed too late, or wrong five times, opens nothing.
    let other = json!({"name": "Lò Thị Mai", "id_number": "001189000456",
                       "phone": "0911222333", "password": PASSWORD});
    t.post(None, "/api/v1/public/accounts", other.clone())
        .await
        .expect(202);
    let late = code_sent_to(&t, "0911222333").await;
    t.at("2026-12-07 09:16");
    t.post(
        None,
        "/api/v1/public/accounts/confirm",
        json!({"id_number": "001189000456", "code": late}),
    )
    .await
    .error(410, "registration_expired");
    t.post(None, "/api/v1/public/accounts", other)
        .await
        .expect(202);
    let fresh = code_sent_to(&t, "0911222333").await;
    let wrong = if fresh == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        t.post(
            None,
            "/api/v1/public/accounts/confirm",
            json!({"id_number": "001189000456", "code": wrong}),
        )
        .await
        .error(422, "registration_code_wrong");
    }
    t.post(
        None,
        "/api/v1/public/accounts/confirm",
        json!({"id_number": "001189000456", "code": fresh}),
    )
    .await
    .error(404, "registration_not_found");
    assert!(t.db.citizen("001189000456").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_channel_for_the_code_a_registration_is_refused_and_says_what_to_do() {
    let t = spawn().await;
    let said = t
        .post(
            None,
            "/api/v1/public/accounts",
            json!({"name": "Lò Văn Pao", "id_number": "001089000123",
                   "phone": "0987654321", "password": PASSWORD}),
        )
        .await
        .error(409, "verification_unavailable");
    assert!(said.contains("định danh điện tử"), "{said}");
    let t = spawn_with(|s| s.notices.sms = true, web::NetOptions::default()).await;
    t.post(
        None,
        "/api/v1/public/accounts",
        json!({"name": "Lò Văn Pao", "id_number": "001089000123", "password": PASSWORD}),
    )
    .await
    .error(422, "contact_required");
    assert!(t.db.citizen("001089000123").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_signed_in_with_vneid_submits_a_form_filled_from_their_identity_and_earlier_dossier()
 {
    let (t, _idp) = with_identity().await;
    let counter = t.login("motcua.baothang").await;
    // Her earlier dossier, received at the counter: phone 0912345678, Tổ dân phố 3.
    receive(&t, &counter).await;
    let cookie = come_back(&to_provider_and_back(&t).await)
        .await
        .expect("signed in");
    let path = format!("/thu-tuc/{REREGISTER_BIRTH}/nop");
    let page = t
        .http
        .get(format!("{}{path}", t.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"Tổ dân phố 3, xã Bảo Thắng, tỉnh Lào Cai\""),
        "{page}"
    );
    assert!(page.contains("value=\"0912345678\""), "{page}");
    assert!(page.contains("value=\"address:earlier-dossier\""), "{page}");
    assert!(page.contains(&format!("hx-get=\"/thu-tuc/{REREGISTER_BIRTH}/kho\"")));
    let store = t
        .http
        .get(format!("{}/thu-tuc/{REREGISTER_BIRTH}/kho", t.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(store.status(), 200);
    let idem = page
        .split("name=\"idem\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap()
        .to_string();
    let form = [
        ("csrf", csrf_of(&page)),
        ("idem", idem),
        ("receiving", "lao-cai.bao-thang.mot-cua".to_string()),
        (
            "address_line",
            "Tổ dân phố 3, xã Bảo Thắng, tỉnh Lào Cai".into(),
        ),
        // She changed her phone: the script took the phone's claim away.
        ("phone", "0987654321".into()),
        ("filled", "address:earlier-dossier".into()),
        ("c", "to-khai".into()),
        ("c", "giay-to-khai-sinh".into()),
    ];
    // Each component with its scan, uploaded from the page as the script does.
    let mut form = form.to_vec();
    for part in ["to-khai", "giay-to-khai-sinh"] {
        let upload = reqwest::multipart::Form::new()
            .text("csrf", csrf_of(&page))
            .part(
                "file",
                reqwest::multipart::Part::bytes(
                    format!("%PDF-1.4\n% {part}\n%%EOF\n").into_bytes(),
                )
                .file_name(format!("{part}.pdf")),
            );
        let line = t
            .http
            .post(format!("{}/tep?thanh_phan={part}", t.base))
            .header("Cookie", &cookie)
            .header("Origin", &t.base)
            .multipart(upload)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let value = line
            .split("value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or_else(|| panic!("no file line: {line}"))
            .replace("&#124;", "|");
        form.push((
            if part == "to-khai" {
                "f_to-khai"
            } else {
                "f_giay-to-khai-sinh"
            },
            value,
        ));
    }
    let r = browser()
        .post(format!("{}{path}", t.base))
        .header("Cookie", &cookie)
        .header("Origin", &t.base)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let code = location(&r)
        .trim_start_matches("/ho-so-cua-toi/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let id = t.db.dossier_id_by_code(&code).await.unwrap().unwrap();
    let d = t.db.dossier(id).await.unwrap().unwrap();
    assert!(d.provenance.vneid, "{:?}", d.provenance);
    use domain::dossier::{ApplicantField as F, DataSource as S};
    let filled: Vec<(F, S)> = d
        .provenance
        .filled
        .iter()
        .map(|f| (f.field, f.source))
        .collect();
    assert_eq!(
        filled,
        [
            (F::Name, S::Identity),
            (F::IdNumber, S::Identity),
            (F::Address, S::EarlierDossier)
        ]
    );
    // Name, number, address, phone and two components asked; three from data.
    let i = d.information();
    assert_eq!((i.asked, i.from_data), (6, 3));
}
