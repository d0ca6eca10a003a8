//! Thông tin thu hồi — at signing time, the status of each certificate of the signer's chain is
//! asked of its CA: an OCSP answer (RFC 6960) from the responder the certificate names, else the
//! revocation list (CRL, RFC 5280 §5) from its distribution point. What comes back is checked
//! (signed by the issuer or its delegated responder; the certificate good, not listed) and
//! carried in the signature's SignedData (`crls`: CRLs, and OCSP answers as RFC 5940 other
//! revocation info), so that the signature can be validated later, when the CA's service is gone
//! or the certificate has expired. A certificate found revoked is not signed with.

use std::time::Duration;

use crate::Error;
use crate::cert::Cert;
use crate::der;
use crate::verify::signed_by;

/// The largest CRL fetched.
const MAX_CRL: u64 = 4 * 1024 * 1024;

/// Where revocation data comes from.
pub trait RevocationSource {
    /// The body at `url` (a CRL distribution point).
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String>;
    /// The answer of the OCSP responder at `url` to `request` (an OCSPRequest, DER).
    fn ask(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, String>;
}

/// Fetches CRLs over HTTP, as CAs publish them.
#[derive(Debug, Clone)]
pub struct HttpRevocation {
    pub timeout: Duration,
}

impl RevocationSource for HttpRevocation {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        crate::http::Endpoint::parse(url)?.exchange(
            None,
            "application/pkix-crl",
            self.timeout,
            MAX_CRL,
        )
    }

    fn ask(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, String> {
        crate::http::Endpoint::parse(url)?.exchange(
            Some(("application/ocsp-request", request)),
            "application/ocsp-response",
            self.timeout,
            MAX_OCSP,
        )
    }
}

/// The largest OCSP answer read.
const MAX_OCSP: u64 = 64 * 1024;

/// A CRL, read.
#[derive(Clone)]
pub struct Crl {
    pub der: Vec<u8>,
    issuer_raw: Vec<u8>,
    /// thisUpdate, as written.
    pub this_update: String,
    /// Serial numbers (INTEGER, as encoded) of the certificates it revokes.
    revoked: Vec<Vec<u8>>,
    tbs_raw: Vec<u8>,
    signature_algorithm: String,
    signature: Vec<u8>,
}

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crl")
            .field("this_update", &self.this_update)
            .field("revoked", &self.revoked.len())
            .field("bytes", &self.der.len())
            .finish()
    }
}

impl Crl {
    /// Reads a CRL (DER, or PEM "X509 CRL").
    pub fn parse(bytes: &[u8]) -> Result<Crl, Error> {
        let bad = |what: &str| Error::Malformed(format!("danh sách thu hồi không hợp lệ ({what})"));
        let der = pem_body(bytes, "X509 CRL").unwrap_or_else(|| bytes.to_vec());
        let (list, _) = der::read(&der)?;
        let parts = der::items(list.content)?;
        let [tbs, alg, sig] = parts.as_slice() else {
            return Err(bad("cấu trúc"));
        };
        let mut fields = der::items(tbs.content)?.into_iter().peekable();
        if fields.peek().is_some_and(|f| f.tag == 0x02) {
            fields.next();
        }
        let _algorithm = fields.next().ok_or_else(|| bad("thuật toán"))?;
        let issuer = fields.next().ok_or_else(|| bad("bên cấp"))?;
        let this_update = fields.next().ok_or_else(|| bad("ngày cập nhật"))?;
        let mut revoked = Vec::new();
        for f in fields {
            if f.tag == 0x30 {
                for entry in der::items(f.content)? {
                    if let Some(serial) = der::items(entry.content)?.first() {
                        revoked.push(serial.raw.to_vec());
                    }
                }
            }
        }
        Ok(Crl {
            issuer_raw: issuer.raw.to_vec(),
            this_update: String::from_utf8_lossy(this_update.content).into_owned(),
            revoked,
            tbs_raw: tbs.raw.to_vec(),
            signature_algorithm: der::items(alg.content)?
                .first()
                .map(|o| der::oid_text(o.content))
                .unwrap_or_default(),
            signature: sig.content.get(1..).unwrap_or_default().to_vec(),
            der: list.raw.to_vec(),
        })
    }

    /// Whether `issuer` published it: same name, and its signature holds with its key.
    pub fn issued_by(&self, issuer: &Cert) -> bool {
        issuer.subject_raw == self.issuer_raw
            && signed_by(
                issuer,
                &self.signature_algorithm,
                &self.tbs_raw,
                &self.signature,
            )
            .is_ok()
    }

    /// Whether it lists `cert` as revoked.
    pub fn revokes(&self, cert: &Cert) -> bool {
        self.issuer_raw == cert.issuer_raw && self.revoked.contains(&cert.serial_raw)
    }
}

/// The DER inside a PEM block of `label`, if `bytes` is one.
fn pem_body(bytes: &[u8], label: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let body: String = text
        .split(&begin)
        .nth(1)?
        .split("-----END")
        .next()?
        .split_whitespace()
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// What was gathered for a chain: the OCSP answers and CRLs to carry, and what could not be had.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub ocsps: Vec<OcspAnswer>,
    pub crls: Vec<Crl>,
    /// Why a certificate's revocation could not be captured (unreachable, unreadable), in
    /// Vietnamese; the signature is made without it.
    pub missing: Vec<String>,
}

/// Asks, for each certificate of `chain` whose issuer is in the chain, its OCSP responder, else
/// its revocation list. A certificate found revoked is an error: nothing is signed.
pub fn gather(chain: &[Cert], source: &dyn RevocationSource) -> Result<Evidence, Error> {
    let mut out = Evidence::default();
    for cert in chain {
        if cert.crl_urls.is_empty() && cert.ocsp_urls.is_empty() {
            continue;
        }
        let Some(issuer) = chain
            .iter()
            .find(|c| c.der != cert.der && c.subject_raw == cert.issuer_raw)
        else {
            out.missing.push(format!(
                "không có chứng thư của bên cấp \"{}\" để kiểm tra danh sách thu hồi",
                cert.issuer
            ));
            continue;
        };
        let revoked = || {
            Error::Revoked(format!(
                "chứng thư \"{}\" đã bị \"{}\" thu hồi",
                cert.subject, issuer.subject
            ))
        };
        let mut why = Vec::new();
        let mut answered = None;
        for url in &cert.ocsp_urls {
            let asked = ocsp_request(cert, issuer)
                .map_err(|e| e.to_string())
                .and_then(|q| source.ask(url, &q))
                .and_then(|a| OcspAnswer::parse(&a, cert, issuer));
            match asked {
                Ok(a) if a.status == CertStatus::Revoked => return Err(revoked()),
                Ok(a) if a.status == CertStatus::Good => {
                    answered = Some(a);
                    break;
                }
                Ok(_) => why.push(format!("{url}: máy chủ OCSP không biết chứng thư này")),
                Err(e) => why.push(format!("{url}: {e}")),
            }
        }
        if let Some(a) = answered {
            out.ocsps.push(a);
            continue;
        }
        let mut found = None;
        for url in &cert.crl_urls {
            match source
                .fetch(url)
                .and_then(|b| Crl::parse(&b).map_err(|e| e.to_string()))
            {
                Ok(crl) if crl.issued_by(issuer) => {
                    found = Some(crl);
                    break;
                }
                Ok(_) => why.push(format!("{url}: không do \"{}\" ký", issuer.subject)),
                Err(e) => why.push(format!("{url}: {e}")),
            }
        }
        match found {
            Some(crl) if crl.revokes(cert) => return Err(revoked()),
            Some(crl) => out.crls.push(crl),
            None => out.missing.push(format!(
                "không lấy được tình trạng thu hồi của \"{}\" ({})",
                cert.subject,
                why.join("; ")
            )),
        }
    }
    Ok(out)
}

const OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";

/// Tình trạng chứng thư theo trả lời OCSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked,
    Unknown,
}

/// An OCSP answer (RFC 6960) about one certificate, checked.
#[derive(Clone)]
pub struct OcspAnswer {
    /// The whole OCSPResponse, as the responder sent it.
    pub der: Vec<u8>,
    pub status: CertStatus,
    /// producedAt, as written.
    pub produced_at: String,
}

fn read(b: &[u8]) -> Result<der::Tlv<'_>, String> {
    der::read(b).map(|(t, _)| t).map_err(|e| e.to_string())
}

fn items(b: &[u8]) -> Result<Vec<der::Tlv<'_>>, String> {
    der::items(b).map_err(|e| e.to_string())
}

/// OCSPRequest for `cert` issued by `issuer`: one CertID with SHA-256 hashes.
pub(crate) fn ocsp_request(cert: &Cert, issuer: &Cert) -> Result<Vec<u8>, Error> {
    use sha2::{Digest, Sha256};
    let id = der::seq(&[
        &der::algorithm(SHA256, false),
        &der::octets(&Sha256::digest(&cert.issuer_raw)),
        &der::octets(&Sha256::digest(issuer.public_key_bits()?)),
        &cert.serial_raw,
    ]);
    Ok(der::seq(&[&der::seq(&[&der::seq(&[&der::seq(&[&id])])])]))
}

impl std::fmt::Debug for OcspAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspAnswer")
            .field("status", &self.status)
            .field("produced_at", &self.produced_at)
            .field("bytes", &self.der.len())
            .finish()
    }
}

impl OcspAnswer {
    /// Reads an OCSPResponse about `cert`: successful, signed by `issuer` or by a responder
    /// `issuer` delegated to (its certificate in the answer, extendedKeyUsage OCSPSigning),
    /// with a single response for `cert`'s serial number.
    pub fn parse(bytes: &[u8], cert: &Cert, issuer: &Cert) -> Result<OcspAnswer, String> {
        let bad = |what: &str| format!("trả lời OCSP không hợp lệ ({what})");
        let outer = read(bytes)?;
        let parts = items(outer.content)?;
        let status = parts.first().ok_or_else(|| bad("trạng thái"))?;
        if status.content != [0] {
            return Err(format!(
                "máy chủ OCSP từ chối trả lời (mã {})",
                status.content.first().copied().unwrap_or(255)
            ));
        }
        let rb = parts.get(1).ok_or_else(|| bad("thiếu nội dung"))?;
        let rb = items(read(rb.content)?.content)?;
        let [kind, body] = rb.as_slice() else {
            return Err(bad("nội dung"));
        };
        if der::oid_text(kind.content) != OCSP_BASIC {
            return Err(bad("không phải BasicOCSPResponse"));
        }
        let basic = items(read(body.content)?.content)?;
        let (tbs, alg, sig) = match basic.as_slice() {
            [tbs, alg, sig, ..] => (tbs, alg, sig),
            _ => return Err(bad("cấu trúc")),
        };
        let alg = items(alg.content)?
            .first()
            .map(|o| der::oid_text(o.content))
            .unwrap_or_default();
        let signature = sig.content.get(1..).unwrap_or_default();
        let mut signers = vec![issuer.clone()];
        if let Some(certs) = basic.get(3).filter(|c| c.tag == 0xa0) {
            for c in items(read(certs.content)?.content)? {
                let c = Cert::parse(c.raw).map_err(|e| e.to_string())?;
                let delegated = c.ocsp_signing
                    && c.issuer_raw == issuer.subject_raw
                    && signed_by(issuer, &c.signature_algorithm, &c.tbs_raw, &c.signature).is_ok();
                if delegated {
                    signers.push(c);
                }
            }
        }
        if !signers
            .iter()
            .any(|s| signed_by(s, &alg, tbs.raw, signature).is_ok())
        {
            return Err(format!(
                "trả lời OCSP không do \"{}\" hay máy chủ được ủy quyền ký",
                issuer.subject
            ));
        }
        let mut fields = items(tbs.content)?.into_iter().peekable();
        if fields.peek().is_some_and(|f| f.tag == 0xa0) {
            fields.next();
        }
        let _responder = fields.next().ok_or_else(|| bad("bên trả lời"))?;
        let produced = fields.next().ok_or_else(|| bad("thời điểm"))?;
        let responses = fields.next().ok_or_else(|| bad("danh sách trả lời"))?;
        for single in items(responses.content)? {
            let s = items(single.content)?;
            let (Some(id), Some(status)) = (s.first(), s.get(1)) else {
                continue;
            };
            let id = items(id.content)?;
            if id.get(3).map(|x| x.raw) != Some(cert.serial_raw.as_slice()) {
                continue;
            }
            return Ok(OcspAnswer {
                der: outer.raw.to_vec(),
                status: match status.tag {
                    0x80 => CertStatus::Good,
                    0xa1 => CertStatus::Revoked,
                    _ => CertStatus::Unknown,
                },
                produced_at: String::from_utf8_lossy(produced.content).into_owned(),
            });
        }
        Err(bad("không có trả lời cho chứng thư này"))
    }
}
