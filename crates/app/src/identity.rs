//! Đăng nhập bằng định danh quốc gia — citizens sign in with their national electronic identity
//! (VNeID, through the national portal's single sign-on) as an OpenID Connect relying party:
//! the authorization code flow with PKCE (S256), a single-use `state` kept server-side and a
//! `nonce` the ID token must carry; the ID token's signature (RS256 or ES256, never `none` nor a
//! shared-secret algorithm) is checked against the provider's published keys, then its issuer,
//! audience, expiry and nonce. The personal id number it carries becomes the account's key, and
//! the session says it was proved: the citizen sees every dossier filed under the number
//! (ND 69/2024 on electronic identification; reference §7.1).
//!
//! The provider is found by its discovery document (`{issuer}/.well-known/openid-configuration`),
//! read at each sign-in so rotated keys are always current. The HTTP calls go through
//! [`ProviderHttp`], which `notify` implements with its client.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::Duration;
use domain::ids::{Cccd, PersonName};
use serde::Deserialize;
use sha2::Digest;
use store::CitizenAccount;

use crate::auth::{new_token, token_hash};
use crate::citizens::CitizenSession;
use crate::{App, AppError, ErrorKind};

/// A provider's answer under way.
pub type Fetch<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<serde_json::Value, String>> + Send + 'a>,
>;

/// The provider's HTTP endpoints, as JSON.
pub trait ProviderHttp: Send + Sync {
    fn get_json<'a>(&'a self, url: &'a str) -> Fetch<'a>;
    /// A form POST (the token request), answered with JSON.
    fn post_form<'a>(&'a self, url: &'a str, form: Vec<(String, String)>) -> Fetch<'a>;
}

/// Nhà cung cấp định danh — the provider this system is registered with.
#[derive(Clone)]
pub struct IdentityProvider {
    /// `https://sso.dichvucong.gov.vn` (as the ID tokens name it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back: `{public_url}/dang-nhap/dinh-danh/ve`.
    pub redirect_uri: String,
    /// Where it sends the browser after signing out (the portal's home page).
    pub after_logout_uri: String,
    pub scopes: String,
    /// The claim carrying the 12-digit personal id number (`so_dinh_danh` by default [M]).
    pub id_claim: String,
    /// The claim carrying the full name.
    pub name_claim: String,
    /// What the sign-in button says the provider is ("VNeID").
    pub label: String,
    /// How long a sign-in may take between leaving for the provider and coming back.
    pub max_minutes: i64,
    pub http: Arc<dyn ProviderHttp>,
}

impl std::fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityProvider")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::Unauthenticated, "sign_in_refused", message)
}

fn unreachable(e: String) -> AppError {
    tracing::warn!(error = %e, "identity provider unreachable");
    AppError::new(
        ErrorKind::Busy,
        "identity_provider_unavailable",
        "Chưa kết nối được dịch vụ định danh; vui lòng thử lại sau ít phút.",
    )
}

impl IdentityProvider {
    async fn discover(&self) -> Result<Discovery, AppError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let v = self.http.get_json(&url).await.map_err(unreachable)?;
        let d: Discovery = serde_json::from_value(v)
            .map_err(|_| unreachable("tài liệu cấu hình OpenID không đọc được".into()))?;
        if d.issuer.trim_end_matches('/') != self.issuer.trim_end_matches('/') {
            return Err(unreachable(format!(
                "nhà cung cấp tự xưng \"{}\"",
                d.issuer.chars().take(80).collect::<String>()
            )));
        }
        Ok(d)
    }
}

/// `a=b&c=d`, form-encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The claims an ID token must have, checked.
struct Claims {
    id_number: Cccd,
    name: PersonName,
}

/// Checks an ID token: its signature by one of `keys`, and what it says.
fn check_id_token(
    p: &IdentityProvider,
    issuer: &str,
    keys: &serde_json::Value,
    token: &str,
    nonce: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Claims, AppError> {
    let malformed = || refused("Mã định danh (ID token) không hợp lệ.");
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let header: serde_json::Value = B64
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let alg = header["alg"].as_str().unwrap_or_default();
    if !matches!(alg, "RS256" | "ES256") {
        return Err(refused(
            "Mã định danh dùng thuật toán ký không được chấp nhận.",
        ));
    }
    let kid = header["kid"].as_str();
    let candidates: Vec<&serde_json::Value> = keys["keys"]
        .as_array()
        .map(|k| {
            k.iter()
                .filter(|k| kid.is_none_or(|kid| k["kid"].as_str() == Some(kid)))
                .collect()
        })
        .unwrap_or_default();
    let signature = B64.decode(s).map_err(|_| malformed())?;
    let signing_input = format!("{h}.{c}");
    let signed = candidates.iter().any(|k| {
        kyso::jws::Jwk::from_json(k).is_ok_and(|key| {
            kyso::jws::verify(alg, &key, signing_input.as_bytes(), &signature).is_ok()
        })
    });
    if !signed {
        return Err(refused(
            "Chữ ký của mã định danh không đúng với khóa của nhà cung cấp; không đăng nhập.",
        ));
    }
    let claims: serde_json::Value = B64
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let audience_ok = match &claims["aud"] {
        serde_json::Value::String(a) => a == &p.client_id,
        serde_json::Value::Array(a) => a.iter().any(|a| a.as_str() == Some(&p.client_id)),
        _ => false,
    };
    let leeway = 120;
    let t = now.timestamp();
    let exp_ok = claims["exp"].as_i64().is_some_and(|e| e + leeway > t);
    let iat_ok = claims["iat"].as_i64().is_some_and(|i| i - leeway <= t);
    if claims["iss"].as_str() != Some(issuer) || !audience_ok || !exp_ok || !iat_ok {
        return Err(refused(
            "Mã định danh không dành cho hệ thống này hoặc đã hết hạn; vui lòng đăng nhập lại.",
        ));
    }
    if claims["nonce"].as_str() != Some(nonce) {
        return Err(refused(
            "Mã định danh không khớp lần đăng nhập này; vui lòng đăng nhập lại.",
        ));
    }
    let id_number = claims[p.id_claim.as_str()]
        .as_str()
        .ok_or_else(|| refused("Nhà cung cấp không gửi số định danh cá nhân."))
        .and_then(|n| {
            Cccd::parse(n).map_err(|_| refused("Số định danh cá nhân nhận được không hợp lệ."))
        })?;
    let name = claims[p.name_claim.as_str()]
        .as_str()
        .ok_or_else(|| refused("Nhà cung cấp không gửi họ và tên."))
        .and_then(|n| {
            PersonName::parse(n).map_err(|_| refused("Họ và tên nhận được không hợp lệ."))
        })?;
    Ok(Claims { id_number, name })
}

impl App {
    fn provider(&self) -> Result<&IdentityProvider, AppError> {
        self.settings.identity.as_deref().ok_or_else(|| {
            AppError::not_found(
                "identity_not_configured",
                "Hệ thống chưa kết nối đăng nhập bằng định danh điện tử quốc gia.",
            )
        })
    }

    /// The provider's name, when sign-in with a national identity is configured.
    pub fn identity_label(&self) -> Option<&str> {
        self.settings.identity.as_deref().map(|p| p.label.as_str())
    }

    /// Starts a sign-in: where to send the browser (the provider's authorization endpoint with
    /// a fresh state, nonce and PKCE challenge, the state kept to be used once).
    pub async fn begin_sign_in(&self) -> Result<String, AppError> {
        let p = self.provider()?;
        let d = p.discover().await?;
        let (state, nonce, verifier) = (new_token()?, new_token()?, new_token()?);
        let challenge = B64.encode(sha2::Sha256::digest(verifier.as_bytes()));
        self.db
            .put_sign_in_state(&store::SignInState {
                state_hash: token_hash(&state),
                nonce: nonce.clone(),
                verifier,
                created_ms: self.now().timestamp_millis(),
            })
            .await?;
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!(
            "{}{sep}{}",
            d.authorization_endpoint,
            query(&[
                ("response_type", "code"),
                ("client_id", &p.client_id),
                ("redirect_uri", &p.redirect_uri),
                ("scope", &p.scopes),
                ("state", &state),
                ("nonce", &nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
        ))
    }

    /// Finishes a sign-in the provider sent back with `code` and `state`: the code is
    /// exchanged (with the PKCE verifier), the ID token checked, the citizen's account found
    /// or opened by their proved id number, and a session opened that says so.
    pub async fn finish_sign_in(
        &self,
        code: &str,
        state: &str,
    ) -> Result<CitizenSession, AppError> {
        let p = self.provider()?;
        let now = self.now();
        let not_before = now - Duration::minutes(p.max_minutes);
        let Some(kept) = self
            .db
            .take_sign_in_state(&token_hash(state), not_before.timestamp_millis())
            .await?
        else {
            return Err(refused(
                "Lần đăng nhập này đã dùng hoặc đã hết hạn; vui lòng bấm đăng nhập lại.",
            ));
        };
        if code.is_empty() || code.len() > 2048 {
            return Err(refused("Nhà cung cấp không trả mã đăng nhập."));
        }
        let d = p.discover().await?;
        let answer = p
            .http
            .post_form(
                &d.token_endpoint,
                vec![
                    ("grant_type".into(), "authorization_code".into()),
                    ("code".into(), code.into()),
                    ("redirect_uri".into(), p.redirect_uri.clone()),
                    ("client_id".into(), p.client_id.clone()),
                    ("client_secret".into(), p.client_secret.clone()),
                    ("code_verifier".into(), kept.verifier.clone()),
                ],
            )
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "authorization code refused");
                refused("Nhà cung cấp không chấp nhận mã đăng nhập (đã dùng hoặc hết hạn); vui lòng đăng nhập lại.")
            })?;
        let token = answer["id_token"]
            .as_str()
            .ok_or_else(|| refused("Nhà cung cấp không trả mã định danh (ID token)."))?;
        let keys = p.http.get_json(&d.jwks_uri).await.map_err(unreachable)?;
        let claims = check_id_token(p, &d.issuer, &keys, token, &kept.nonce, now)?;
        let account = self.identity_account(&claims).await?;
        let session = self.citizens().session_for(account, Some(&p.label)).await?;
        tracing::info!(provider = %p.label, "citizen signed in with a national identity");
        Ok(session)
    }

    /// The account of a proved id number: the existing one (a password account opened with
    /// the same number is now proved too), or a new one without a usable password.
    async fn identity_account(&self, c: &Claims) -> Result<CitizenAccount, AppError> {
        if let Some((a, _)) = self.db.citizen(c.id_number.as_str()).await? {
            return Ok(a);
        }
        let account = CitizenAccount {
            id_number: c.id_number.to_string(),
            name: c.name.to_string(),
            phone: None,
            email: None,
        };
        // No password signs in to it: the hash is of a random secret nobody holds.
        let hash = self.passwords.hash(&new_token()?).await?;
        match self
            .db
            .add_citizen(&account, &hash, self.now().timestamp_millis())
            .await
        {
            Ok(()) => Ok(account),
            // Opened at the same moment by another sign-in: that one is the account.
            Err(store::StoreError::Duplicate(_)) => self
                .db
                .citizen(c.id_number.as_str())
                .await?
                .map(|(a, _)| a)
                .ok_or_else(|| refused("Không mở được tài khoản.")),
            Err(e) => Err(e.into()),
        }
    }

    /// Where to send the browser to sign out of the provider too (RP-initiated logout), when
    /// it offers it.
    pub async fn sign_out_url(&self) -> Option<String> {
        let p = self.settings.identity.as_deref()?;
        let d = p.discover().await.ok()?;
        let end = d.end_session_endpoint?;
        let sep = if end.contains('?') { '&' } else { '?' };
        Some(format!(
            "{end}{sep}{}",
            query(&[
                ("client_id", &p.client_id),
                ("post_logout_redirect_uri", &p.after_logout_uri),
            ])
        ))
    }
}
