//! Dấu thời gian (RFC 3161) — a time-stamping authority (TSA) vouches that a signature existed
//! at a time: PAdES baseline B-T puts its token (signature-time-stamp, RFC 3161 Appendix A) in
//! the signature's unsigned attributes. [`HttpTimestamper`] asks a TSA over HTTP (RFC 3161 §3.4),
//! as the Government CA's and the public CAs' TSAs answer; [`parse_token`] reads a token back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::Error;
use crate::der::{self, algorithm, octets, seq, small_int, tlv};

const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
/// The largest answer read from a TSA.
const MAX_ANSWER: u64 = 256 * 1024;

/// A source of time-stamp tokens.
pub trait Timestamper {
    /// A TimeStampToken (a CMS ContentInfo, DER) over `imprint`, the SHA-256 of what is stamped.
    fn stamp(&self, imprint: &[u8]) -> Result<Vec<u8>, Error>;
}

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The SHA-256 the TSA stamped.
    pub imprint: Vec<u8>,
    pub nonce: Option<Vec<u8>>,
    /// genTime, as the TSA wrote it (GeneralizedTime, UTC: YYYYMMDDHHMMSS[.f]Z).
    pub gen_time: String,
    /// The token's TSTInfo, as signed by the TSA.
    pub tst_info: Vec<u8>,
}

fn failed(why: impl std::fmt::Display) -> Error {
    Error::Timestamp(why.to_string())
}

/// DER INTEGER of unsigned big-endian bytes.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let mut body = bytes[skip.min(bytes.len().saturating_sub(1))..].to_vec();
    if body.first().is_some_and(|b| b & 0x80 != 0) {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

/// TimeStampReq { version 1, messageImprint, nonce, certReq TRUE }.
pub(crate) fn request(imprint: &[u8], nonce: &[u8]) -> Vec<u8> {
    seq(&[
        &small_int(1),
        &seq(&[&algorithm(SHA256, false), &octets(imprint)]),
        &integer(nonce),
        &[0x01, 0x01, 0xff],
    ])
}

/// The token of a TimeStampResp, checked to stamp `imprint` with `nonce`.
pub(crate) fn token_of(answer: &[u8], imprint: &[u8], nonce: &[u8]) -> Result<Vec<u8>, Error> {
    let (resp, _) =
        der::read(answer).map_err(|_| failed("câu trả lời không phải TimeStampResp"))?;
    let parts = der::items(resp.content)?;
    let status = parts
        .first()
        .and_then(|s| {
            der::items(s.content)
                .ok()?
                .first()
                .map(|v| v.content.to_vec())
        })
        .ok_or_else(|| failed("câu trả lời không có trạng thái"))?;
    // 0 granted, 1 granted with modifications; anything else is a refusal.
    if !matches!(status.as_slice(), [0] | [1]) {
        return Err(failed(format!(
            "máy chủ dấu thời gian từ chối (trạng thái {})",
            status.last().copied().unwrap_or_default()
        )));
    }
    let token = parts
        .get(1)
        .ok_or_else(|| failed("câu trả lời không có dấu thời gian"))?
        .raw
        .to_vec();
    let info = parse_token(&token)?;
    if info.imprint != imprint {
        return Err(failed("dấu thời gian không đóng cho chữ ký này"));
    }
    if info
        .nonce
        .as_deref()
        .is_some_and(|n| integer(n) != integer(nonce))
    {
        return Err(failed("số ngẫu nhiên (nonce) trả về không khớp"));
    }
    Ok(token)
}

/// Reads a TimeStampToken: the TSTInfo it carries.
pub fn parse_token(token: &[u8]) -> Result<TokenInfo, Error> {
    let bad = |what: &str| Error::Malformed(format!("dấu thời gian không hợp lệ ({what})"));
    let (info, _) = der::read(token)?;
    let parts = der::items(info.content)?;
    let explicit = parts.get(1).ok_or_else(|| bad("ContentInfo"))?;
    let (sd, _) = der::read(explicit.content)?;
    let fields = der::items(sd.content)?;
    let encap = fields.get(2).ok_or_else(|| bad("encapContentInfo"))?;
    let encap = der::items(encap.content)?;
    if encap.first().map(|o| der::oid_text(o.content)).as_deref() != Some(TST_INFO) {
        return Err(bad("không phải TSTInfo"));
    }
    let wrapped = encap.get(1).ok_or_else(|| bad("thiếu TSTInfo"))?;
    let (octet, _) = der::read(wrapped.content)?;
    let tst_info = octet.content.to_vec();
    let (tst, _) = der::read(&tst_info)?;
    let items = der::items(tst.content)?;
    let imprint = items
        .get(2)
        .and_then(|m| {
            der::items(m.content)
                .ok()?
                .get(1)
                .map(|o| o.content.to_vec())
        })
        .ok_or_else(|| bad("thiếu messageImprint"))?;
    let gen_time = items
        .iter()
        .find(|i| i.tag == 0x18)
        .map(|t| String::from_utf8_lossy(t.content).into_owned())
        .ok_or_else(|| bad("thiếu genTime"))?;
    // The nonce is the INTEGER after genTime (serialNumber, the other INTEGER, is before it).
    let nonce = items
        .iter()
        .skip_while(|i| i.tag != 0x18)
        .find(|i| i.tag == 0x02)
        .map(|n| n.content.to_vec());
    Ok(TokenInfo {
        imprint,
        nonce,
        gen_time,
        tst_info,
    })
}

/// A TSA reached over plain HTTP (`http://host[:port]/path`), as RFC 3161 TSAs are: the token
/// is signed, the channel needs no TLS.
#[derive(Debug, Clone)]
pub struct HttpTimestamper {
    endpoint: crate::http::Endpoint,
    timeout: Duration,
}

impl HttpTimestamper {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, Error> {
        Ok(Self {
            endpoint: crate::http::Endpoint::parse(url).map_err(|e| {
                failed(format!(
                    "địa chỉ máy chủ dấu thời gian: {e} (RFC 3161 qua HTTP)"
                ))
            })?,
            timeout,
        })
    }
}

impl Timestamper for HttpTimestamper {
    fn stamp(&self, imprint: &[u8]) -> Result<Vec<u8>, Error> {
        // A nonce unlikely to repeat: the time and the imprint, hashed.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let nonce = &Sha256::new()
            .chain_update(now.to_be_bytes())
            .chain_update(imprint)
            .finalize()[..8];
        let answer = self
            .endpoint
            .exchange(
                Some(("application/timestamp-query", &request(imprint, nonce))),
                "application/timestamp-reply",
                self.timeout,
                MAX_ANSWER,
            )
            .map_err(failed)?;
        token_of(&answer, imprint, nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(integer(&[0, 0, 5]), vec![2, 1, 5]);
        assert_eq!(integer(&[0x80]), vec![2, 2, 0, 0x80]);
        assert_eq!(integer(&[0]), vec![2, 1, 0]);
    }

    #[test]
    fn addresses_are_read_or_refused() {
        let t = HttpTimestamper::new("http://tsa.ca.gov.vn", Duration::from_secs(5)).unwrap();
        assert_eq!(
            (
                t.endpoint.host.as_str(),
                t.endpoint.port,
                t.endpoint.path.as_str()
            ),
            ("tsa.ca.gov.vn", 80, "/")
        );
        let t = HttpTimestamper::new("http://127.0.0.1:3161/tsa", Duration::from_secs(5)).unwrap();
        assert_eq!((t.endpoint.port, t.endpoint.path.as_str()), (3161, "/tsa"));
        assert!(HttpTimestamper::new("https://tsa.example", Duration::from_secs(5)).is_err());
        assert!(HttpTimestamper::new("http://:80/", Duration::from_secs(5)).is_err());
    }
}
