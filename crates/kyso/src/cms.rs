//! CMS SignedData (RFC 5652) as PAdES baseline B-B asks (ETSI EN 319 142-1): detached, SHA-256,
//! signed attributes content-type, message-digest and signing-certificate-v2, and no signing
//! time among them (the PDF's /M carries it).

use sha2::{Digest, Sha256};

use crate::cert::Cert;
use crate::der::{self, algorithm, octets, oid, seq, set_of, small_int, tlv};
use crate::{Error, KeyKind};

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const DATA: &str = "1.2.840.113549.1.7.1";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
/// id-aa-signatureTimeStampToken (RFC 3161 Appendix A), an unsigned attribute.
const SIGNATURE_TIME_STAMP: &str = "1.2.840.113549.1.9.16.2.14";
/// adbe-revocationInfoArchival: the OCSP answers a signature carries.
const ADBE_REVOCATION: &str = "1.2.840.113583.1.1.8";
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

fn attribute(kind: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(kind), &set_of(vec![value.to_vec()])])
}

/// The signed attributes for a document digest, as the SET that is signed; OCSP answers about
/// the chain travel in adbe-revocationInfoArchival (ISO 32000-1 §12.8.3.3.2), which readers
/// that do not know it (NSS, pdfsig) pass over.
pub fn signed_attributes(digest: &[u8], signer: &Cert, ocsps: &[&[u8]]) -> Vec<u8> {
    let cert_hash = Sha256::digest(&signer.der);
    // ESSCertIDv2 { certHash, issuerSerial { GeneralNames { directoryName [4] issuer }, serial } }
    let issuer_serial = seq(&[&seq(&[&tlv(0xa4, &signer.issuer_raw)]), &signer.serial_raw]);
    let ess = seq(&[&seq(&[&seq(&[&octets(&cert_hash), &issuer_serial])])]);
    let mut attrs = vec![
        attribute(CONTENT_TYPE, &oid(DATA)),
        attribute(MESSAGE_DIGEST, &octets(digest)),
        attribute(SIGNING_CERTIFICATE_V2, &ess),
    ];
    if !ocsps.is_empty() {
        // RevocationInfoArchival { ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse }
        let list = seq(ocsps);
        attrs.push(attribute(ADBE_REVOCATION, &seq(&[&tlv(0xa1, &list)])));
    }
    set_of(attrs)
}

/// The ContentInfo holding the SignedData: certificates (signer first), one SignerInfo, and
/// the signature's time-stamp token when there is one (PAdES B-T).
pub fn signed_data(
    signed_attrs: &[u8],
    signature: &[u8],
    kind: KeyKind,
    chain: &[Cert],
    crls: &[&[u8]],
    timestamp: Option<&[u8]>,
) -> Vec<u8> {
    let signer = &chain[0];
    let sid = seq(&[&signer.issuer_raw, &signer.serial_raw]);
    // [0] IMPLICIT: the SET's content under the context tag.
    let (attrs, _) = der::read(signed_attrs).expect("attributes we encoded");
    let signature_algorithm = match kind {
        KeyKind::Rsa => algorithm(SHA256_WITH_RSA, true),
        KeyKind::EcP256 => algorithm(ECDSA_WITH_SHA256, false),
    };
    // unsignedAttrs [1] IMPLICIT SET OF Attribute.
    let unsigned = timestamp
        .map(|token| tlv(0xa1, &attribute(SIGNATURE_TIME_STAMP, token)))
        .unwrap_or_default();
    let signer_info = seq(&[
        &small_int(1),
        &sid,
        &algorithm(SHA256, false),
        &tlv(0xa0, attrs.content),
        &signature_algorithm,
        &octets(signature),
        &unsigned,
    ]);
    let certs: Vec<u8> = chain.iter().flat_map(|c| c.der.clone()).collect();
    // crls [1] IMPLICIT RevocationInfoChoices: the CRLs as they were fetched.
    let revocation = if crls.is_empty() {
        Vec::new()
    } else {
        tlv(0xa1, &crls.concat())
    };
    let body = seq(&[
        &small_int(1),
        &set_of(vec![algorithm(SHA256, false)]),
        &seq(&[&oid(DATA)]),
        &tlv(0xa0, &certs),
        &revocation,
        &set_of(vec![signer_info]),
    ]);
    seq(&[&oid(SIGNED_DATA), &tlv(0xa0, &body)])
}

/// A SignedData read back: what a verifier needs.
#[derive(Debug)]
pub struct Parsed {
    pub certificates: Vec<Cert>,
    /// Serial number INTEGER of the signer, as encoded.
    pub signer_serial: Vec<u8>,
    /// The signed attributes re-tagged as the SET that was signed.
    pub signed_attrs: Vec<u8>,
    pub message_digest: Vec<u8>,
    pub signature_algorithm: String,
    pub signature: Vec<u8>,
    /// The signature's time-stamp token (PAdES B-T), if it has one.
    pub timestamp: Option<Vec<u8>>,
    /// The CRLs the SignedData carries (DER).
    pub crls: Vec<Vec<u8>>,
    /// The OCSP answers it carries (OCSPResponse, DER).
    pub ocsps: Vec<Vec<u8>>,
}

pub fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
    let bad = |what: &str| Error::Malformed(format!("chữ ký CMS không hợp lệ ({what})"));
    let (info, _) = der::read(bytes)?;
    let parts = der::items(info.content)?;
    let [kind, explicit] = parts.as_slice() else {
        return Err(bad("ContentInfo"));
    };
    if der::oid_text(kind.content) != SIGNED_DATA {
        return Err(bad("không phải SignedData"));
    }
    let (sd, _) = der::read(explicit.content)?;
    let fields = der::items(sd.content)?;
    let mut certificates = Vec::new();
    let mut signer_infos = None;
    let mut crls = Vec::new();
    let mut ocsps = Vec::new();
    // The version first, then the parts (an empty SignedData has none).
    for f in fields.iter().skip(1) {
        match f.tag {
            0xa0 => {
                for c in der::items(f.content)? {
                    certificates.push(Cert::parse(c.raw)?);
                }
            }
            0xa1 => {
                for c in der::items(f.content)? {
                    if c.tag == 0x30 {
                        crls.push(c.raw.to_vec());
                    }
                }
            }
            0x31 => signer_infos = Some(f),
            _ => {}
        }
    }
    let infos = der::items(signer_infos.ok_or_else(|| bad("thiếu SignerInfo"))?.content)?;
    let info = infos.first().ok_or_else(|| bad("thiếu SignerInfo"))?;
    let fields = der::items(info.content)?;
    let sid = fields.get(1).ok_or_else(|| bad("thiếu người ký"))?;
    let sid_parts = der::items(sid.content)?;
    let signer_serial = sid_parts
        .get(1)
        .ok_or_else(|| bad("thiếu số hiệu chứng thư"))?
        .raw
        .to_vec();
    let attrs = fields
        .iter()
        .find(|f| f.tag == 0xa0)
        .ok_or_else(|| bad("thiếu thuộc tính ký"))?;
    let mut message_digest = Vec::new();
    for a in der::items(attrs.content)? {
        let p = der::items(a.content)?;
        if let [kind, values] = p.as_slice() {
            match der::oid_text(kind.content).as_str() {
                MESSAGE_DIGEST => {
                    let (v, _) = der::read(values.content)?;
                    message_digest = v.content.to_vec();
                }
                ADBE_REVOCATION => {
                    let (archive, _) = der::read(values.content)?;
                    for part in der::items(archive.content)? {
                        if part.tag == 0xa1 {
                            let (list, _) = der::read(part.content)?;
                            for answer in der::items(list.content)? {
                                ocsps.push(answer.raw.to_vec());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let after: Vec<_> = fields
        .iter()
        .skip_while(|f| f.tag != 0xa0)
        .skip(1)
        .collect();
    let alg = after.first().ok_or_else(|| bad("thiếu thuật toán ký"))?;
    let alg_oid = der::items(alg.content)?;
    let signature = after
        .get(1)
        .filter(|s| s.tag == 0x04)
        .ok_or_else(|| bad("thiếu chữ ký"))?;
    let mut timestamp = None;
    if let Some(unsigned) = after.get(2).filter(|u| u.tag == 0xa1) {
        for a in der::items(unsigned.content)? {
            let p = der::items(a.content)?;
            if let [kind, values] = p.as_slice()
                && der::oid_text(kind.content) == SIGNATURE_TIME_STAMP
            {
                let (token, _) = der::read(values.content)?;
                timestamp = Some(token.raw.to_vec());
            }
        }
    }
    Ok(Parsed {
        certificates,
        signer_serial,
        signed_attrs: tlv(0x31, attrs.content),
        message_digest,
        signature_algorithm: alg_oid
            .first()
            .map(|o| der::oid_text(o.content))
            .unwrap_or_default(),
        signature: signature.content.to_vec(),
        timestamp,
        crls,
        ocsps,
    })
}

#[cfg(test)]
mod tests {
    use crate::der::{oid, seq, tlv};

    /// Found by fuzzing: a SignedData without even its version stopped the check with a panic.
    #[test]
    fn an_empty_signed_data_is_refused() {
        let empty = seq(&[&oid(super::SIGNED_DATA), &tlv(0xa0, &seq(&[]))]);
        assert!(super::parse(&empty).is_err());
    }
}
