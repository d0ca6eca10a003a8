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
        })
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
