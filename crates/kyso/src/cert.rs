//! What Một Cửa reads from an X.509 certificate: who it names, who issued it, its serial
//! number, its validity and its public key.

use crate::Error;
use crate::der::{self, Tlv};

/// Chứng thư số, read.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The whole certificate (DER).
    pub der: Vec<u8>,
    /// Issuer Name and serial number INTEGER, as encoded (for IssuerAndSerialNumber).
    pub issuer_raw: Vec<u8>,
    pub serial_raw: Vec<u8>,
    pub subject_raw: Vec<u8>,
    /// SubjectPublicKeyInfo, as encoded.
    pub spki: Vec<u8>,
    /// The subject's common name (CN), else its whole name.
    pub subject: String,
    /// The issuer's common name.
    pub issuer: String,
    /// Hiệu lực: not before / not after, as the certificate writes them (UTCTime or
    /// GeneralizedTime, e.g. "261204000000Z").
    pub not_before: String,
    pub not_after: String,
    /// TBSCertificate as encoded, the algorithm its issuer signed it with, and that signature:
    /// what checking the chain needs.
    pub tbs_raw: Vec<u8>,
    pub signature_algorithm: String,
    pub signature: Vec<u8>,
    /// basicConstraints cA: the certificate may issue others.
    pub is_ca: bool,
    /// Where the issuer publishes its revocation list (CRL distribution points, http only).
    pub crl_urls: Vec<String>,
    /// The issuer's OCSP responders (authority information access, http only).
    pub ocsp_urls: Vec<String>,
    /// extendedKeyUsage id-kp-OCSPSigning: a responder its issuer delegated OCSP answers to.
    pub ocsp_signing: bool,
}

pub const RSA: &str = "1.2.840.113549.1.1.1";
pub const EC: &str = "1.2.840.10045.2.1";

impl Cert {
    pub fn parse(der: &[u8]) -> Result<Cert, Error> {
        let bad = |what: &str| Error::Malformed(format!("chứng thư số không hợp lệ ({what})"));
        let (cert, _) = der::read(der)?;
        let parts = der::items(cert.content)?;
        let tbs = parts.first().ok_or_else(|| bad("thiếu phần nội dung"))?;
        let mut fields = der::items(tbs.content)?.into_iter().peekable();
        if fields.peek().is_some_and(|f| f.tag == 0xa0) {
            fields.next();
        }
        let mut next = |what: &str| fields.next().ok_or_else(|| bad(what));
        let serial = next("số hiệu")?;
        let _algorithm = next("thuật toán")?;
        let issuer = next("bên cấp")?;
        let validity = next("hiệu lực")?;
        let subject = next("chủ thể")?;
        let spki = next("khóa công khai")?;
        let mut extensions = None;
        for rest in fields {
            if rest.tag == 0xa3 {
                extensions = Some(rest);
            }
        }
        let mut is_ca = false;
        let mut ocsp_signing = false;
        let (mut crl_urls, mut ocsp_urls) = (Vec::new(), Vec::new());
        if let Some(ext) = extensions {
            let (list, _) = der::read(ext.content)?;
            for e in der::items(list.content)? {
                let parts = der::items(e.content)?;
                let (Some(id), Some(value)) = (parts.first(), parts.last()) else {
                    continue;
                };
                match der::oid_text(id.content).as_str() {
                    BASIC_CONSTRAINTS => {
                        let (bc, _) = der::read(value.content)?;
                        is_ca = der::items(bc.content)?
                            .first()
                            .is_some_and(|b| b.tag == 0x01 && b.content.first() == Some(&0xff));
                    }
                    CRL_DISTRIBUTION_POINTS => crl_urls = http_names(value.content),
                    EXTENDED_KEY_USAGE => {
                        let (eku, _) = der::read(value.content)?;
                        ocsp_signing = der::items(eku.content)?
                            .iter()
                            .any(|p| der::oid_text(p.content) == OCSP_SIGNING);
                    }
                    AUTHORITY_INFO_ACCESS => {
                        let (aia, _) = der::read(value.content)?;
                        for access in der::items(aia.content)? {
                            let ad = der::items(access.content)?;
                            if let [method, location] = ad.as_slice()
                                && der::oid_text(method.content) == OCSP
                            {
                                ocsp_urls.extend(http_names(location.raw));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let signature_algorithm = parts
            .get(1)
            .and_then(|a| der::items(a.content).ok())
            .and_then(|a| a.first().map(|o| der::oid_text(o.content)))
            .unwrap_or_default();
        let signature = parts
            .get(2)
            .filter(|b| b.tag == 0x03)
            .and_then(|b| b.content.get(1..))
            .unwrap_or_default()
            .to_vec();
        let times = der::items(validity.content)?;
        let time = |i: usize| {
            times
                .get(i)
                .map(|t| String::from_utf8_lossy(t.content).into_owned())
                .unwrap_or_default()
        };
        Ok(Cert {
            der: cert.raw.to_vec(),
            issuer_raw: issuer.raw.to_vec(),
            serial_raw: serial.raw.to_vec(),
            subject_raw: subject.raw.to_vec(),
            spki: spki.raw.to_vec(),
            subject: common_name(&subject)?,
            issuer: common_name(&issuer)?,
            not_before: time(0),
            not_after: time(1),
            tbs_raw: tbs.raw.to_vec(),
            signature_algorithm,
            signature,
            is_ca,
            crl_urls,
            ocsp_urls,
            ocsp_signing,
        })
    }

    /// The subjectPublicKey's bits (what an OCSP CertID hashes as the issuer's key).
    pub fn public_key_bits(&self) -> Result<Vec<u8>, Error> {
        let (spki, _) = der::read(&self.spki)?;
        let items = der::items(spki.content)?;
        items
            .get(1)
            .and_then(|b| b.content.get(1..))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| Error::Malformed("khóa công khai không hợp lệ".into()))
    }

    /// Whether the certificate was in force at `unix` seconds (UTC).
    pub fn valid_at(&self, unix: i64) -> bool {
        match (cert_time(&self.not_before), cert_time(&self.not_after)) {
            (Some(from), Some(to)) => (from..=to).contains(&unix),
            _ => false,
        }
    }

    /// The public key's algorithm (RSA or EC).
    pub fn key_algorithm(&self) -> Result<String, Error> {
        let (spki, _) = der::read(&self.spki)?;
        let items = der::items(spki.content)?;
        let alg = items
            .first()
            .ok_or_else(|| Error::Malformed("khóa công khai không hợp lệ".into()))?;
        let oid = der::items(alg.content)?;
        Ok(oid
            .first()
            .map(|o| der::oid_text(o.content))
            .unwrap_or_default())
    }
}

const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
const AUTHORITY_INFO_ACCESS: &str = "1.3.6.1.5.5.7.1.1";
const OCSP: &str = "1.3.6.1.5.5.7.48.1";
const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";

/// Every `http://` uniformResourceIdentifier ([6] IA5String) nested anywhere in `der`.
fn http_names(der: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![der];
    while let Some(bytes) = stack.pop() {
        let Ok(items) = der::items(bytes) else {
            continue;
        };
        for t in items {
            if t.tag == 0x86 {
                let uri = String::from_utf8_lossy(t.content).into_owned();
                if uri.starts_with("http://") {
                    out.push(uri);
                }
            } else if t.tag & 0x20 != 0 || t.tag == 0x04 {
                stack.push(t.content);
            }
        }
    }
    out.reverse();
    out
}

/// A certificate time (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`) as Unix
/// seconds.
pub(crate) fn cert_time(t: &str) -> Option<i64> {
    let digits = t.strip_suffix('Z')?;
    let full = match digits.len() {
        12 => {
            let yy: i64 = digits.get(..2)?.parse().ok()?;
            format!("{}{digits}", if yy < 50 { "20" } else { "19" })
        }
        14 => digits.to_string(),
        _ => return None,
    };
    stamp(&full)
}

/// `YYYYMMDDHHMMSS` at the start of `digits` as Unix seconds (the time zone is the caller's).
pub(crate) fn stamp(digits: &str) -> Option<i64> {
    let n = |a: usize, b: usize| digits.get(a..b)?.parse::<i64>().ok();
    Some(unix(
        n(0, 4)?,
        n(4, 6)?,
        n(6, 8)?,
        n(8, 10)?,
        n(10, 12)?,
        n(12, 14)?,
    ))
}

/// Seconds since 1970-01-01 00:00 UTC of a date and time (proleptic Gregorian).
pub(crate) fn unix(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64) -> i64 {
    // Days from civil (H. Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3600 + mm * 60 + ss
}

/// The date (year, month, day) of a day number since 1970-01-01 (H. Hinnant).
pub(crate) fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The CN of a Name (2.5.4.3), else every attribute value joined.
fn common_name(name: &Tlv<'_>) -> Result<String, Error> {
    let mut values = Vec::new();
    for rdn in der::items(name.content)? {
        for atv in der::items(rdn.content)? {
            let parts = der::items(atv.content)?;
            if let [oid, value] = parts.as_slice() {
                let text = String::from_utf8_lossy(value.content).into_owned();
                if der::oid_text(oid.content) == "2.5.4.3" {
                    return Ok(text);
                }
                values.push(text);
            }
        }
    }
    Ok(values.join(", "))
}

#[cfg(test)]
mod tests {
    /// A certificate time is read from its bytes, which need not be ASCII.
    #[test]
    fn a_time_with_other_characters_is_refused() {
        assert_eq!(super::cert_time("é1201000000Z"), None);
        assert!(super::cert_time("261207090000Z").is_some());
    }
}
