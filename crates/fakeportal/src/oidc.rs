//! A local OpenID Connect provider standing in for the national single sign-on (VNeID), for
//! tests: a real HTTP server with real ES256-signed ID tokens. It publishes its discovery
//! document and keys, authorises at once as the citizen it is told to be (the step where a real
//! citizen confirms in the VNeID app), and enforces what a provider does: the registered client,
//! secret and redirect address, PKCE (S256), and a code used once. Told to, it signs with a key
//! it does not publish, or alters a token after signing it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use kyso::jws::Es256Key;
use serde::Deserialize;
use sha2::Digest;

struct Issued {
    nonce: String,
    challenge: String,
    redirect_uri: String,
    used: bool,
}

/// How the provider misbehaves, when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Signs with a key it does not publish.
    UnknownKey,
    /// Changes the token's claims after signing (another person's number).
    AlteredClaims,
    /// Signs correctly but with another nonce.
    WrongNonce,
}

struct Provider {
    issuer: String,
    client_id: String,
    secret: String,
    redirect_uri: String,
    key: Es256Key,
    stray: Es256Key,
    /// The citizen who signs in: personal id number and name.
    user: (String, String),
    codes: HashMap<String, Issued>,
    next: u64,
    fault: Fault,
    logouts: Vec<String>,
    /// The provider's clock (Unix seconds), when set: tokens are issued at it.
    now: Option<i64>,
}

type Shared = Arc<Mutex<Provider>>;

/// The running provider.
#[derive(Clone)]
pub struct FakeIdentity {
    pub addr: SocketAddr,
    state: Shared,
}

fn secret_bytes(seed: &str) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update(seed.as_bytes());
    h.update(uuid::Uuid::now_v7().as_bytes());
    h.finalize().into()
}

impl FakeIdentity {
    /// Starts on loopback for one registered client.
    pub async fn start(client_id: &str, secret: &str, redirect_uri: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state: Shared = Arc::new(Mutex::new(Provider {
            issuer: format!("http://{addr}"),
            client_id: client_id.into(),
            secret: secret.into(),
            redirect_uri: redirect_uri.into(),
            key: Es256Key::from_secret(&secret_bytes("published")).expect("a P-256 key"),
            stray: Es256Key::from_secret(&secret_bytes("stray")).expect("a P-256 key"),
            user: ("001089000123".into(), "Lò Văn Pao".into()),
            codes: HashMap::new(),
            next: 0,
            fault: Fault::None,
            logouts: Vec::new(),
            now: None,
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/jwks", get(jwks))
            .route("/logout", get(logout))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, state })
    }

    /// The issuer (and base address).
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Who signs in next.
    pub fn set_user(&self, id_number: &str, name: &str) {
        self.state.lock().expect("not poisoned").user = (id_number.into(), name.into());
    }

    /// Issues tokens at this time (a test's clock) instead of now.
    pub fn set_now(&self, at: chrono::DateTime<chrono::Utc>) {
        self.state.lock().expect("not poisoned").now = Some(at.timestamp());
    }

    pub fn set_fault(&self, fault: Fault) {
        self.state.lock().expect("not poisoned").fault = fault;
    }

    /// Where the browser was sent back to after signing out, each time.
    pub fn logouts(&self) -> Vec<String> {
        self.state.lock().expect("not poisoned").logouts.clone()
    }
}

async fn discovery(State(s): State<Shared>) -> Response {
    let p = s.lock().expect("not poisoned");
    let i = &p.issuer;
    Json(serde_json::json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "end_session_endpoint": format!("{i}/logout"),
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    nonce: String,
    code_challenge: String,
    code_challenge_method: String,
}

async fn authorize(State(s): State<Shared>, Query(q): Query<AuthorizeQuery>) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if q.client_id != p.client_id || q.redirect_uri != p.redirect_uri {
        return oauth_error("invalid_client", "unknown client or redirect address");
    }
    if q.response_type != "code"
        || !q.scope.split(' ').any(|s| s == "openid")
        || q.code_challenge_method != "S256"
        || q.code_challenge.len() != 43
        || q.state.is_empty()
        || q.nonce.is_empty()
    {
        return oauth_error(
            "invalid_request",
            "code flow with PKCE S256, state and nonce",
        );
    }
    p.next += 1;
    let code = format!("c{}-{}", p.next, uuid::Uuid::now_v7().simple());
    p.codes.insert(
        code.clone(),
        Issued {
            nonce: q.nonce,
            challenge: q.code_challenge,
            redirect_uri: q.redirect_uri.clone(),
            used: false,
        },
    );
    let to = format!(
        "{}?code={code}&state={}",
        q.redirect_uri,
        form_encode(&q.state)
    );
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    client_secret: String,
    code_verifier: String,
}

async fn token(State(s): State<Shared>, Form(f): Form<TokenForm>) -> Response {
    let mut guard = s.lock().expect("not poisoned");
    let p = &mut *guard;
    if f.client_id != p.client_id || f.client_secret != p.secret {
        return oauth_error("invalid_client", "wrong client credentials");
    }
    if f.grant_type != "authorization_code" {
        return oauth_error("unsupported_grant_type", "authorization_code only");
    }
    let Some(issued) = p.codes.get_mut(&f.code) else {
        return oauth_error("invalid_grant", "unknown code");
    };
    if issued.used {
        return oauth_error("invalid_grant", "code already used");
    }
    issued.used = true;
    let challenge = B64.encode(sha2::Sha256::digest(f.code_verifier.as_bytes()));
    if challenge != issued.challenge || f.redirect_uri != issued.redirect_uri {
        return oauth_error(
            "invalid_grant",
            "PKCE verifier or redirect address does not match",
        );
    }
    let nonce = if p.fault == Fault::WrongNonce {
        "another-sign-in".to_string()
    } else {
        issued.nonce.clone()
    };
    let now = p.now.unwrap_or_else(|| chrono::Utc::now().timestamp());
    let (id_number, name) = p.user.clone();
    let claims = serde_json::json!({
        "iss": p.issuer,
        "sub": format!("vneid-{id_number}"),
        "aud": p.client_id,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "so_dinh_danh": id_number,
        "name": name,
    });
    let id_token = match p.fault {
        Fault::UnknownKey => p.stray.sign_compact("k1", &claims),
        Fault::AlteredClaims => {
            let signed = p.key.sign_compact("k1", &claims);
            let mut parts: Vec<String> = signed.split('.').map(str::to_string).collect();
            let mut other = claims.clone();
            other["so_dinh_danh"] = serde_json::json!("001089999999");
            parts[1] = B64.encode(other.to_string());
            parts.join(".")
        }
        _ => p.key.sign_compact("k1", &claims),
    };
    Json(serde_json::json!({
        "access_token": format!("at-{}", uuid::Uuid::now_v7().simple()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

async fn jwks(State(s): State<Shared>) -> Response {
    let p = s.lock().expect("not poisoned");
    Json(serde_json::json!({ "keys": [p.key.public().to_json("k1")] })).into_response()
}

#[derive(Deserialize)]
struct LogoutQuery {
    client_id: String,
    post_logout_redirect_uri: String,
}

async fn logout(State(s): State<Shared>, Query(q): Query<LogoutQuery>) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if q.client_id != p.client_id {
        return oauth_error("invalid_client", "unknown client");
    }
    p.logouts.push(q.post_logout_redirect_uri.clone());
    (
        StatusCode::FOUND,
        [(header::LOCATION, q.post_logout_redirect_uri)],
    )
        .into_response()
}
