//! Phiên làm việc trên trình duyệt — the session cookie (the same hashed-token sessions as the
//! API's bearer tokens), and CSRF protection for every form.
//!
//! CSRF: every form carries a hidden `csrf` field. For a logged-in viewer it is derived from the
//! session token (SHA-256 of a fixed label and the token: only someone holding the cookie can
//! compute it); before login it equals a random `mc_csrf` cookie set on the first page (double
//! submit). A POST whose field does not match, or whose `Origin` is another site, is refused
//! before anything runs.

use app::App;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::officer::{Actor, Officer};
use sha2::{Digest, Sha256};

use super::UiError;

/// Session cookie: the token itself (only its hash is stored).
pub const SESSION_COOKIE: &str = "mc_phien";
/// Anti-forgery cookie for visitors who are not logged in.
pub const CSRF_COOKIE: &str = "mc_csrf";

/// A fresh anti-forgery value put on the request by [`ensure_csrf_cookie`].
#[derive(Clone)]
pub(super) struct CsrfSeed(String);

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("system random source");
    hex::encode(bytes)
}

fn derived(token: &str) -> String {
    hex::encode(Sha256::digest(format!("motcua-csrf|{token}").as_bytes()))
}

/// Whether cookies should be `Secure`: behind an HTTPS proxy (`X-Forwarded-Proto: https`).
fn secure(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A cookie with the attributes every cookie of ours has.
pub fn cookie(name: &'static str, value: String, headers: &HeaderMap) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(headers))
        .build()
}

/// Middleware: gives a visitor without one an anti-forgery cookie.
pub async fn ensure_csrf_cookie(mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    if jar.get(CSRF_COOKIE).is_some() {
        return next.run(req).await;
    }
    let value = random_hex();
    let set = cookie(CSRF_COOKIE, value.clone(), req.headers());
    req.extensions_mut().insert(CsrfSeed(value));
    let mut res = next.run(req).await;
    if let Ok(v) = set.to_string().parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Who is looking at a page: an officer (logged in) or a visitor, with the form token to use.
#[derive(Clone)]
pub struct Viewer {
    pub actor: Option<Actor>,
    /// The value every form of this page must send back as `csrf`.
    pub csrf: String,
    /// The session token, when logged in.
    pub token: Option<String>,
    /// Whose service this is: the name of the top agency (the province's People's Committee).
    pub org: String,
}

impl Viewer {
    pub fn officer(&self) -> Option<&Officer> {
        match &self.actor {
            Some(Actor::Officer(o)) => Some(o),
            _ => None,
        }
    }

    /// Refuses a form whose anti-forgery value is not this page's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), UiError> {
        if self.csrf.is_empty() || sent != self.csrf {
            return Err(forged());
        }
        Ok(())
    }

    /// The file of a multipart form (field `file`, with its name), once the form's origin and
    /// anti-forgery field are checked; `None` when no file was chosen.
    pub async fn uploaded_file(
        &self,
        headers: &HeaderMap,
        mut multipart: axum::extract::Multipart,
    ) -> Result<Option<(String, Vec<u8>)>, UiError> {
        if !same_origin(headers) {
            return Err(forged());
        }
        let mut csrf = String::new();
        let mut file = None;
        while let Some(field) = multipart.next_field().await.map_err(|_| broken_upload())? {
            match field.name() {
                Some("csrf") => csrf = field.text().await.map_err(|_| broken_upload())?,
                Some("file") => {
                    let name = field.file_name().unwrap_or_default().to_string();
                    let bytes = field.bytes().await.map_err(|_| broken_upload())?;
                    if !name.is_empty() {
                        file = Some((name, bytes.to_vec()));
                    }
                }
                _ => {}
            }
        }
        self.check_csrf(&csrf)?;
        Ok(file)
    }

    /// The officer, or a page sending the visitor to the login form.
    pub fn require_officer(&self) -> Result<(&Officer, &Actor), UiError> {
        match &self.actor {
            Some(a @ Actor::Officer(o)) => Ok((o, a)),
            _ => Err(UiError::login_required()),
        }
    }
}

impl FromRequestParts<App> for Viewer {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, UiError> {
        let seed = parts.extensions.get::<CsrfSeed>();
        Ok(Viewer::read(app, &parts.headers, seed).await)
    }
}

impl Viewer {
    /// Who sends these request headers (the session and anti-forgery cookies).
    pub(super) async fn read(app: &App, headers: &HeaderMap, seed: Option<&CsrfSeed>) -> Viewer {
        let jar = CookieJar::from_headers(headers);
        let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
        let actor = match &token {
            Some(t) if !t.is_empty() => app.accounts().visitor(t).await.ok(),
            _ => None,
        };
        if let Some(a) = &actor {
            crate::observe::record_actor(a);
        }
        let csrf = match (&actor, &token) {
            (Some(_), Some(t)) => derived(t),
            _ => jar
                .get(CSRF_COOKIE)
                .map(|c| c.value().to_string())
                .or_else(|| seed.map(|s| s.0.clone()))
                .unwrap_or_default(),
        };
        let org = app
            .agencies()
            .all()
            .find(|a| a.parent.is_none())
            .map(|a| a.name.clone())
            .unwrap_or_default();
        Viewer {
            org,
            token: actor.as_ref().and(token),
            actor,
            csrf,
        }
    }
}

/// The fields of a submitted form, in order (a name may repeat: ticked checkboxes).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// A field's value, `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
}

impl Fields {
    /// Gives a form that creates something its key (hidden field `idem`), once: a form shown
    /// again keeps the key it was sent with, so a second press sends the same key.
    pub fn with_form_key(mut self) -> Self {
        if self.get("idem").is_empty() {
            self.0.retain(|(k, _)| k != "idem");
            self.0.push(("idem".into(), random_hex()[..32].to_string()));
        }
        self
    }

    /// The idempotency key the form was sent with, tied to what it asks (every field but the
    /// anti-forgery token): pressing twice gives what the first press created.
    pub fn form_key(&self) -> Option<app::intake::Idempotency> {
        let key = self.opt("idem")?;
        let mut h = Sha256::new();
        for (k, v) in &self.0 {
            if k != "csrf" && k != "idem" {
                h.update(k.as_bytes());
                h.update(b"=");
                h.update(v.as_bytes());
                h.update(b"\n");
            }
        }
        app::intake::Idempotency::parse(&key, hex::encode(h.finalize())).ok()
    }
}

/// A form POST that passed the anti-forgery check, with who sent it.
pub struct Posted {
    pub viewer: Viewer,
    pub fields: Fields,
}

fn broken_upload() -> UiError {
    UiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Tệp quá lớn hoặc bị ngắt khi tải lên.",
    )
}

fn forged() -> UiError {
    UiError::new(
        StatusCode::FORBIDDEN,
        "Biểu mẫu đã hết hạn hoặc không gửi từ trang của hệ thống. Hãy tải lại trang rồi gửi lại.",
    )
}

/// A browser sending a form from another site says so in `Origin`.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}

impl FromRequest<App> for Posted {
    type Rejection = UiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, UiError> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, app).await?;
        if !same_origin(&parts.headers) {
            return Err(forged());
        }
        let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
            .await
            .map_err(|_| UiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Dữ liệu gửi lên quá lớn."))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            UiError::new(StatusCode::BAD_REQUEST, "Biểu mẫu gửi lên không đọc được.")
        })?;
        // Control characters (a NUL pasted into an address) are refused, not stored: tab and
        // line breaks of multi-line fields are text.
        if pairs.iter().any(|(k, v)| {
            k.chars()
                .chain(v.chars())
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        }) {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Biểu mẫu có ký tự điều khiển không hợp lệ (như ký tự NUL); hãy gõ lại nội dung rồi gửi.",
            ));
        }
        let fields = Fields(pairs);
        viewer.check_csrf(&fields.get("csrf"))?;
        Ok(Posted { viewer, fields })
    }
}

/// Response headers that end a session in the browser.
pub fn clear_session(headers: &HeaderMap) -> CookieJar {
    let mut gone = cookie(SESSION_COOKIE, String::new(), headers);
    gone.make_removal();
    CookieJar::new().add(gone)
}

/// Sets the session cookie after a login, and a fresh anti-forgery cookie.
pub fn start_session(token: String, headers: &HeaderMap) -> CookieJar {
    CookieJar::new()
        .add(cookie(SESSION_COOKIE, token, headers))
        .add(cookie(CSRF_COOKIE, random_hex(), headers))
}
