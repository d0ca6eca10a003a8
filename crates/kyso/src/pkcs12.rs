//! A signer from a PKCS#12 file (.p12, .pfx): the key and the certificate chain a CA issues.

use p256::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};

use crate::cert::{self, Cert};
use crate::{Error, KeyKind, Signer};

enum Key {
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
    Ec(Box<p256::ecdsa::SigningKey>),
}

/// Khóa ký từ tệp PKCS#12.
pub struct Pkcs12Signer {
    key: Key,
    chain: Vec<Cert>,
}

impl Pkcs12Signer {
    /// Opens a PKCS#12 file with its password.
    pub fn open(bytes: &[u8], password: &str) -> Result<Pkcs12Signer, Error> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            bytes,
            password,
            p12_keystore::Pkcs12ImportPolicy::Strict,
        )
        .map_err(|_| Error::Key("tệp PKCS#12 không đọc được hoặc sai mật khẩu".into()))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| Error::Key("tệp PKCS#12 không có khóa bí mật".into()))?;
        let certs = chain
            .certs()
            .iter()
            .map(|c| Cert::parse(c.as_der()))
            .collect::<Result<Vec<_>, _>>()?;
        let der = chain.key().as_der();
        let first = certs
            .first()
            .ok_or_else(|| Error::Key("tệp PKCS#12 không có chứng thư số".into()))?;
        let key = match first.key_algorithm()?.as_str() {
            cert::RSA => Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(
                rsa::PrivateKey::from_pkcs8_der(der)
                    .map_err(|_| Error::Key("khóa RSA không hợp lệ".into()))?,
            ))),
            cert::EC => Key::Ec(Box::new(
                p256::ecdsa::SigningKey::from_pkcs8_der(der)
                    .map_err(|_| Error::Key("khóa EC không hợp lệ hoặc không phải P-256".into()))?,
            )),
            other => return Err(Error::Key(format!("thuật toán khóa {other} chưa hỗ trợ"))),
        };
        Ok(Pkcs12Signer { key, chain: certs })
    }
}

impl Signer for Pkcs12Signer {
    fn chain(&self) -> &[Cert] {
        &self.chain
    }

    fn kind(&self) -> KeyKind {
        match self.key {
            Key::Rsa(_) => KeyKind::Rsa,
            Key::Ec(_) => KeyKind::EcP256,
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(match &self.key {
            Key::Rsa(k) => k.sign(message).to_vec(),
            Key::Ec(k) => {
                let s: p256::ecdsa::Signature = k.sign(message);
                s.to_der().to_vec()
            }
        })
    }
}
