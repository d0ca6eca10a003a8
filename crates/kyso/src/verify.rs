//! Reading the signatures of a PDF back: who signed, and whether the signed bytes are unchanged.

use p256::pkcs8::DecodePublicKey as _;
use rsa::signature::Verifier as _;
use sha2::{Digest, Sha256};

use crate::{Error, cert, cms, pdf};

/// Kết quả kiểm tra một chữ ký.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureReport {
    /// Người ký: the signer certificate's common name.
    pub signer: String,
    /// Cơ quan cấp chứng thư.
    pub issuer: String,
    /// Hiệu lực of the certificate, as written in it.
    pub not_before: String,
    pub not_after: String,
    /// /M of the signature (D:…).
    pub signed_at: String,
    pub reason: String,
    /// The bytes signed hash to the digest signed, and the signature verifies with the
    /// certificate's key.
    pub intact: bool,
    /// The signature covers the file to its end (nothing was added after it).
    pub covers_whole_file: bool,
    /// Dấu thời gian: the TSA's time (UTC, as written in the token) when the signature carries
    /// a time-stamp whose imprint and signature check.
    pub timestamp: Option<String>,
    /// Why `intact` is false, in Vietnamese.
    pub problem: Option<String>,
    /// Whether the signer's certificate chains to a trusted root (at the time-stamp's time, or
    /// the time the signature claims).
    pub trust: crate::Trust,
    /// What the revocation list carried in the signature says of the signer's certificate, in
    /// Vietnamese; `None` when the signature carries none for it.
    pub revocation: Option<String>,
}

/// Every signature of a PDF, in the order they were made. An empty list: not signed. The
/// chains are not checked ([`crate::Trust::NotChecked`]); see [`verify_pdf_trusted`].
pub fn verify_pdf(pdf_bytes: &[u8]) -> Result<Vec<SignatureReport>, Error> {
    verify_pdf_trusted(pdf_bytes, &[])
}

/// Every signature of a PDF, each signer's certificate chain checked against `roots`.
pub fn verify_pdf_trusted(
    pdf_bytes: &[u8],
    roots: &[cert::Cert],
) -> Result<Vec<SignatureReport>, Error> {
    let mut out = Vec::new();
    for found in pdf::signatures(pdf_bytes)? {
        let [_, b, c, d] = found.byte_range;
        let parsed = cms::parse(&found.cms)?;
        let signer = parsed
            .certificates
            .iter()
            .find(|c| c.serial_raw == parsed.signer_serial)
            .ok_or_else(|| Error::Malformed("không có chứng thư của người ký".into()))?;
        let mut hash = Sha256::new();
        hash.update(&pdf_bytes[..b]);
        hash.update(&pdf_bytes[c..c + d]);
        let digest = hash.finalize();
        let mut problem = if digest.as_slice() != parsed.message_digest.as_slice() {
            Some("Tệp đã bị thay đổi sau khi ký (giá trị băm không khớp).".to_string())
        } else {
            check_signature(signer, &parsed).err()
        };
        let mut timestamp = None;
        if let Some(token) = &parsed.timestamp {
            match check_timestamp(token, &parsed.signature) {
                Ok(when) => timestamp = Some(when),
                Err(why) => problem = problem.or(Some(why)),
            }
        }
        let at = timestamp
            .as_deref()
            .and_then(crate::trust::stamp_time)
            .or_else(|| crate::trust::pdf_time(&found.when));
        let trust = crate::trust::evaluate(signer, &parsed.certificates, roots, at);
        let revocation = revocation_note(signer, &parsed, roots).map(|(note, revoked)| {
            if revoked {
                problem = problem.take().or_else(|| Some(note.clone()));
            }
            note
        });
        out.push(SignatureReport {
            trust,
            revocation,
            signer: signer.subject.clone(),
            issuer: signer.issuer.clone(),
            not_before: signer.not_before.clone(),
            not_after: signer.not_after.clone(),
            signed_at: found.when,
            reason: found.reason,
            intact: problem.is_none(),
            covers_whole_file: c + d == pdf_bytes.len(),
            timestamp,
            problem,
        });
    }
    Ok(out)
}

/// What the revocation data carried in the signature says of the signer — an OCSP answer
/// from its issuer (or the issuer's responder), else the issuer's CRL — and whether it says
/// revoked.
fn revocation_note(
    signer: &cert::Cert,
    parsed: &cms::Parsed,
    roots: &[cert::Cert],
) -> Option<(String, bool)> {
    let issuer = parsed
        .certificates
        .iter()
        .chain(roots)
        .find(|c| c.der != signer.der && c.subject_raw == signer.issuer_raw)?;
    let answer = parsed
        .ocsps
        .iter()
        .find_map(|d| crate::OcspAnswer::parse(d, signer, issuer).ok());
    if let Some(a) = answer {
        let when = crate::trust::describe_time(&a.produced_at);
        return Some(match a.status {
            crate::CertStatus::Good => (
                format!(
                    "Trả lời OCSP của {} (lúc {when}) kèm theo chữ ký: chứng thư còn hiệu lực khi ký.",
                    issuer.subject
                ),
                false,
            ),
            crate::CertStatus::Revoked => (
                format!(
                    "Chứng thư của người ký đã bị thu hồi (trả lời OCSP của {}, lúc {when}).",
                    issuer.subject
                ),
                true,
            ),
            crate::CertStatus::Unknown => (
                format!(
                    "Máy chủ OCSP của {} không biết chứng thư của người ký (lúc {when}).",
                    issuer.subject
                ),
                false,
            ),
        });
    }
    let crl = parsed
        .crls
        .iter()
        .filter_map(|d| crate::Crl::parse(d).ok())
        .find(|c| c.issued_by(issuer))?;
    let when = crate::trust::describe_time(&crl.this_update);
    Some(if crl.revokes(signer) {
        (
            format!(
                "Chứng thư của người ký đã bị thu hồi (danh sách thu hồi của {}, cập nhật {when}).",
                issuer.subject
            ),
            true,
        )
    } else {
        (
            format!(
                "Danh sách thu hồi của {} (cập nhật {when}) kèm theo chữ ký: chứng thư chưa bị thu hồi khi ký.",
                issuer.subject
            ),
            false,
        )
    })
}

/// A signature's time-stamp: it stamps this signature value, the TSA's signature over it holds.
/// Its time, "YYYY-MM-DD HH:MM:SS UTC".
fn check_timestamp(token: &[u8], signature: &[u8]) -> Result<String, String> {
    let bad = |why: &str| format!("Dấu thời gian không hợp lệ: {why}.");
    let info = crate::tsa::parse_token(token).map_err(|e| bad(&e.to_string()))?;
    if info.imprint != Sha256::digest(signature).as_slice() {
        return Err(bad("không đóng cho chữ ký này"));
    }
    let cms = cms::parse(token).map_err(|e| bad(&e.to_string()))?;
    if cms.message_digest != Sha256::digest(&info.tst_info).as_slice() {
        return Err(bad("nội dung đã bị thay đổi"));
    }
    let tsa = cms
        .certificates
        .iter()
        .find(|c| c.serial_raw == cms.signer_serial)
        .ok_or_else(|| bad("thiếu chứng thư của máy chủ dấu thời gian"))?;
    check_signature(tsa, &cms).map_err(|e| bad(&e))?;
    let t = &info.gen_time;
    Ok(if t.len() >= 14 && t.is_char_boundary(14) {
        format!(
            "{}-{}-{} {}:{}:{} UTC",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12],
            &t[12..14]
        )
    } else {
        t.clone()
    })
}

const RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";

fn check_signature(signer: &cert::Cert, parsed: &cms::Parsed) -> Result<(), String> {
    let algorithm = parsed.signature_algorithm.as_str();
    // In CMS an RSA signature may name the key's algorithm and SHA-256 digest apart.
    let algorithm = if algorithm == cert::RSA {
        RSA_SHA256
    } else {
        algorithm
    };
    signed_by(signer, algorithm, &parsed.signed_attrs, &parsed.signature)
        .map_err(|e| e.unwrap_or_else(|| "Chữ ký không khớp với chứng thư số của người ký.".into()))
}

/// Whether `signature` over `message` by `algorithm` verifies with `key`'s public key. The
/// error: `Some(why)` for an algorithm not supported, `None` for a signature that does not hold.
pub(crate) fn signed_by(
    key: &cert::Cert,
    algorithm: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Option<String>> {
    let unsupported = || Some(format!("Thuật toán ký {algorithm} chưa hỗ trợ."));
    match key
        .key_algorithm()
        .map_err(|e| Some(e.to_string()))?
        .as_str()
    {
        cert::RSA => {
            let key = rsa::PublicKey::from_public_key_der(&key.spki).map_err(|_| None)?;
            let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| None)?;
            match algorithm {
                RSA_SHA256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &sig),
                RSA_SHA384 => {
                    rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(key).verify(message, &sig)
                }
                RSA_SHA512 => {
                    rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(key).verify(message, &sig)
                }
                _ => return Err(unsupported()),
            }
            .map_err(|_| None)
        }
        cert::EC if algorithm == ECDSA_SHA256 => {
            let key =
                p256::ecdsa::VerifyingKey::from_public_key_der(&key.spki).map_err(|_| None)?;
            let sig = p256::ecdsa::DerSignature::try_from(signature).map_err(|_| None)?;
            key.verify(message, &sig).map_err(|_| None)
        }
        cert::EC => Err(unsupported()),
        other => Err(Some(format!("Thuật toán khóa {other} chưa hỗ trợ."))),
    }
}
