//! Thông tin thu hồi — at signing time, the certificate revocation list (CRL, RFC 5280 §5) of each
//! certificate of the signer's chain is fetched from the address the certificate names, checked
//! (signed by the issuer, the certificate not listed) and carried in the signature's SignedData
//! (`crls`, RFC 5652 §5.1), so that the signature can be validated later, when the CA's service
//! is gone or the certificate has expired. A certificate found revoked is not signed with.

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
}

/// A CRL, read.
#[derive(Debug, Clone)]
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

/// What was gathered for a chain: the CRLs to carry, and what could not be had.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub crls: Vec<Crl>,
    /// Why a certificate's revocation could not be captured (unreachable, unreadable), in
    /// Vietnamese; the signature is made without it.
    pub missing: Vec<String>,
}

/// Fetches and checks a CRL for each certificate of `chain` that names a distribution point and
/// whose issuer is in the chain. A certificate listed as revoked is an error: nothing is signed.
pub fn gather(chain: &[Cert], source: &dyn RevocationSource) -> Result<Evidence, Error> {
    let mut out = Evidence::default();
    for cert in chain {
        if cert.crl_urls.is_empty() {
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
        let mut why = Vec::new();
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
            Some(crl) if crl.revokes(cert) => {
                return Err(Error::Revoked(format!(
                    "chứng thư \"{}\" có trong danh sách thu hồi của \"{}\"",
                    cert.subject, issuer.subject
                )));
            }
            Some(crl) => out.crls.push(crl),
            None => out.missing.push(format!(
                "không lấy được danh sách thu hồi cho \"{}\" ({})",
                cert.subject,
                why.join("; ")
            )),
        }
    }
    Ok(out)
}
