//! Chữ ký JWS — the signatures of JSON Web Tokens (RFC 7515, 7518): a compact JWS checked
//! against a JSON Web Key (RS256: RSA PKCS#1 v1.5 with SHA-256; ES256: ECDSA P-256 with SHA-256,
//! the signature as r ‖ s), as an OpenID Connect provider signs its ID tokens; and ES256 signing,
//! for a provider of our own (the tests' local one).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::pkcs8::DecodePublicKey as _;
use rsa::signature::{Signer as _, Verifier as _};

use crate::Error;
use crate::der;

/// Khóa công khai (JWK) of one of the kinds providers use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jwk {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    EcP256 { x: Vec<u8>, y: Vec<u8> },
}

fn b64(field: &str, v: Option<&serde_json::Value>) -> Result<Vec<u8>, Error> {
    let s = v
        .and_then(|v| v.as_str())
        .ok_or_else(|| Error::Malformed(format!("khóa JWK thiếu \"{field}\"")))?;
    B64.decode(s)
        .map_err(|_| Error::Malformed(format!("khóa JWK: \"{field}\" không phải base64url")))
}

impl Jwk {
    /// Reads one key of a JWKS (`kty` RSA, or EC on P-256).
    pub fn from_json(k: &serde_json::Value) -> Result<Self, Error> {
        match (k["kty"].as_str(), k["crv"].as_str()) {
            (Some("RSA"), _) => Ok(Jwk::Rsa {
                n: b64("n", k.get("n"))?,
                e: b64("e", k.get("e"))?,
            }),
            (Some("EC"), Some("P-256")) => Ok(Jwk::EcP256 {
                x: b64("x", k.get("x"))?,
                y: b64("y", k.get("y"))?,
            }),
            _ => Err(Error::Malformed(
                "khóa JWK không phải RSA hay EC P-256".into(),
            )),
        }
    }

    /// The key as a JWK (for publishing).
    pub fn to_json(&self, kid: &str) -> serde_json::Value {
        match self {
            Jwk::Rsa { n, e } => serde_json::json!({
                "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                "n": B64.encode(n), "e": B64.encode(e),
            }),
            Jwk::EcP256 { x, y } => serde_json::json!({
                "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": B64.encode(x), "y": B64.encode(y),
            }),
        }
    }
}

/// A positive DER INTEGER from big-endian bytes.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        &bytes[skip.min(bytes.len().saturating_sub(1))..]
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    der::tlv(0x02, &content)
}

/// Checks the signature of `signing_input` (`header.payload`, as sent) by `key` under `alg`.
pub fn verify(alg: &str, key: &Jwk, signing_input: &[u8], signature: &[u8]) -> Result<(), Error> {
    let bad = || Error::Malformed("chữ ký JWS không đúng".into());
    match (alg, key) {
        ("RS256", Jwk::Rsa { n, e }) => {
            let pkcs1 = der::seq(&[&integer(n), &integer(e)]);
            let mut bits = vec![0u8];
            bits.extend_from_slice(&pkcs1);
            let spki = der::seq(&[
                &der::algorithm("1.2.840.113549.1.1.1", true),
                &der::tlv(0x03, &bits),
            ]);
            let key = rsa::PublicKey::from_public_key_der(&spki)
                .map_err(|_| Error::Malformed("khóa RSA của JWK không đọc được".into()))?;
            let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| bad())?;
            rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key)
                .verify(signing_input, &sig)
                .map_err(|_| bad())
        }
        ("ES256", Jwk::EcP256 { x, y }) => {
            let mut point = vec![0x04];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                .map_err(|_| Error::Malformed("khóa EC của JWK không đọc được".into()))?;
            let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| bad())?;
            key.verify(signing_input, &sig).map_err(|_| bad())
        }
        (alg, _) => Err(Error::Malformed(format!(
            "thuật toán ký \"{}\" không được chấp nhận với khóa này",
            alg.chars().take(20).collect::<String>()
        ))),
    }
}

/// Khóa ký ES256 — a P-256 key that signs compact JWS.
pub struct Es256Key(p256::ecdsa::SigningKey);

impl Es256Key {
    /// A key from 32 secret bytes (random ones make a fresh key).
    pub fn from_secret(secret: &[u8; 32]) -> Result<Self, Error> {
        p256::ecdsa::SigningKey::from_slice(secret)
            .map(Es256Key)
            .map_err(|_| Error::Key("khóa P-256 không hợp lệ".into()))
    }

    /// Its public half, as a JWK.
    pub fn public(&self) -> Jwk {
        let point = self.0.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes();
        Jwk::EcP256 {
            x: bytes[1..33].to_vec(),
            y: bytes[33..65].to_vec(),
        }
    }

    /// `header.payload.signature`, with `kid` in the header.
    pub fn sign_compact(&self, kid: &str, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig: p256::ecdsa::Signature = self.0.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(sig.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_es256_token_verifies_and_a_changed_one_does_not() {
        let key = Es256Key::from_secret(&[7u8; 32]).unwrap();
        let jwt = key.sign_compact("k1", &serde_json::json!({ "sub": "012345678901" }));
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = B64.decode(sig).unwrap();
        let public = Jwk::from_json(&key.public().to_json("k1")).unwrap();
        verify("ES256", &public, input.as_bytes(), &sig).unwrap();
        let mut changed = input.as_bytes().to_vec();
        *changed.last_mut().unwrap() ^= 1;
        assert!(verify("ES256", &public, &changed, &sig).is_err());
        assert!(verify("RS256", &public, input.as_bytes(), &sig).is_err());
        assert!(verify("none", &public, input.as_bytes(), &[]).is_err());
    }
}
