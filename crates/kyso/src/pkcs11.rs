//! A signer on a PKCS#11 token: the USB tokens Vietnamese officials sign with (each vendor ships
//! a PKCS#11 module, e.g. a `.so` from the CA), or SoftHSM2. The key never leaves the token.

use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};

use crate::cert::{self, Cert};
use crate::der;
use crate::{Error, KeyKind, Signer};

/// Khóa ký trên thiết bị PKCS#11 (USB token).
pub struct Pkcs11Signer {
    // The module stays loaded while the session lives.
    _module: Pkcs11,
    session: Mutex<Session>,
    key: ObjectHandle,
    kind: KeyKind,
    chain: Vec<Cert>,
}

/// A token's refusal in Vietnamese, with the PKCS#11 return code for the IT team (the library's
/// English sentence is left out).
fn token_error(what: &str, e: cryptoki::error::Error) -> Error {
    Error::Key(format!("{what} (mã lỗi PKCS#11: {})", code_of(&e)))
}

fn code_of(e: &cryptoki::error::Error) -> String {
    match e {
        cryptoki::error::Error::Pkcs11(rv, _) => format!("{rv:?}"),
        cryptoki::error::Error::LibraryLoading(_) => "không nạp được thư viện".into(),
        other => format!("{other:?}").chars().take(60).collect(),
    }
}

impl Pkcs11Signer {
    /// Opens the token labelled `token` through the PKCS#11 module at `module`, logs in with
    /// `pin`, and takes the private key labelled `key_label` (the first key when empty) with the
    /// certificate of the same id. `extra_chain` adds the issuing CA certificates (DER) a token
    /// often does not hold.
    pub fn open(
        module: &str,
        token: &str,
        pin: &str,
        key_label: &str,
        extra_chain: &[Vec<u8>],
    ) -> Result<Pkcs11Signer, Error> {
        let m = loaded(module)?;
        let slots = m
            .get_slots_with_token()
            .map_err(|e| token_error("không đọc được danh sách thiết bị", e))?;
        let slot = slots
            .into_iter()
            .find(|s| {
                m.get_token_info(*s)
                    .is_ok_and(|i| i.label().trim() == token.trim())
            })
            .ok_or_else(|| Error::Key(format!("không thấy thiết bị ký có nhãn \"{token}\"")))?;
        let session = m
            .open_ro_session(slot)
            .map_err(|e| token_error("không mở được phiên làm việc với thiết bị", e))?;
        session
            .login(UserType::User, Some(&AuthPin::new(pin.into())))
            .map_err(|e| token_error("mã PIN không đúng hoặc thiết bị bị khóa", e))?;
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        if !key_label.is_empty() {
            template.push(Attribute::Label(key_label.as_bytes().to_vec()));
        }
        let key = *session
            .find_objects(&template)
            .map_err(|e| token_error("không tìm được khóa", e))?
            .first()
            .ok_or_else(|| Error::Key("thiết bị không có khóa bí mật phù hợp".into()))?;
        let id = session
            .get_attributes(key, &[AttributeType::Id])
            .map_err(|e| token_error("không đọc được mã khóa", e))?
            .into_iter()
            .find_map(|a| match a {
                Attribute::Id(id) => Some(id),
                _ => None,
            })
            .unwrap_or_default();
        let certs = session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Id(id),
            ])
            .map_err(|e| token_error("không tìm được chứng thư số", e))?;
        let cert_handle = *certs
            .first()
            .ok_or_else(|| Error::Key("thiết bị không có chứng thư số đi kèm khóa".into()))?;
        let value = session
            .get_attributes(cert_handle, &[AttributeType::Value])
            .map_err(|e| token_error("không đọc được chứng thư số", e))?
            .into_iter()
            .find_map(|a| match a {
                Attribute::Value(v) => Some(v),
                _ => None,
            })
            .ok_or_else(|| Error::Key("chứng thư số rỗng".into()))?;
        let mut chain = vec![Cert::parse(&value)?];
        for c in extra_chain {
            chain.push(Cert::parse(c)?);
        }
        let kind = match chain[0].key_algorithm()?.as_str() {
            cert::RSA => KeyKind::Rsa,
            cert::EC => KeyKind::EcP256,
            other => return Err(Error::Key(format!("thuật toán khóa {other} chưa hỗ trợ"))),
        };
        Ok(Pkcs11Signer {
            _module: m,
            session: Mutex::new(session),
            key,
            kind,
            chain,
        })
    }
}

/// The module at `path`, loaded and initialised once per process: a PKCS#11 library is
/// process-wide state, and finalising it for one signer would end every other signer's session.
fn loaded(path: &str) -> Result<Pkcs11, Error> {
    static MODULES: Mutex<Vec<(String, Pkcs11)>> = Mutex::new(Vec::new());
    let mut modules = MODULES
        .lock()
        .map_err(|_| Error::Key("danh sách mô-đun PKCS#11 bị hỏng".into()))?;
    if let Some((_, m)) = modules.iter().find(|(p, _)| p == path) {
        return Ok(m.clone());
    }
    let m = Pkcs11::new(path)
        .map_err(|e| token_error(&format!("không nạp được mô-đun PKCS#11 {path}"), e))?;
    match m.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(token_error("không khởi tạo được mô-đun PKCS#11", e)),
    }
    modules.push((path.to_string(), m.clone()));
    Ok(m)
}

impl Signer for Pkcs11Signer {
    fn chain(&self) -> &[Cert] {
        &self.chain
    }

    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let session = self
            .session
            .lock()
            .map_err(|_| Error::Signing("phiên thiết bị bị hỏng".into()))?;
        match self.kind {
            KeyKind::Rsa => session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
                .map_err(|e| {
                    Error::Signing(format!(
                        "thiết bị từ chối ký (mã lỗi PKCS#11: {})",
                        code_of(&e)
                    ))
                }),
            KeyKind::EcP256 => {
                let digest = Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, &digest)
                    .map_err(|e| {
                        Error::Signing(format!(
                            "thiết bị từ chối ký (mã lỗi PKCS#11: {})",
                            code_of(&e)
                        ))
                    })?;
                if raw.len() != 64 {
                    return Err(Error::Signing("chữ ký ECDSA có độ dài lạ".into()));
                }
                Ok(der::seq(&[&integer(&raw[..32]), &integer(&raw[32..])]))
            }
        }
    }
}

/// A positive INTEGER from big-endian bytes.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut body = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend(trimmed);
    der::tlv(0x02, &body)
}
