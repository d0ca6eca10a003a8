//! Dấu thời gian (RFC 3161) — a time-stamping authority (TSA) vouches that a signature existed
//! at a time: PAdES baseline B-T puts its token (signature-time-stamp, RFC 3161 Appendix A) in
//! the signature's unsigned attributes. [`HttpTimestamper`] asks a TSA over HTTP (RFC 3161 §3.4),
//! as the Government CA's and the public CAs' TSAs answer; [`parse_token`] reads a token back.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
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
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
}

impl HttpTimestamper {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, Error> {
        let rest = url.trim().strip_prefix("http://").ok_or_else(|| {
            failed("địa chỉ máy chủ dấu thời gian phải bắt đầu bằng http:// (RFC 3161 qua HTTP)")
        })?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .map_err(|_| failed(format!("cổng \"{p}\" không hợp lệ")))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(failed("thiếu tên máy chủ dấu thời gian"));
        }
        Ok(Self {
            host: host.to_string(),
            port,
            path: path.to_string(),
            timeout,
        })
    }

    /// One HTTP/1.0 POST (the answer ends when the connection closes: no chunks to read).
    fn post(&self, body: &[u8]) -> Result<Vec<u8>, Error> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| failed(format!("không tìm thấy máy chủ {}: {e}", self.host)))?
            .next()
            .ok_or_else(|| failed(format!("không tìm thấy máy chủ {}", self.host)))?;
        let unreachable = |e: std::io::Error| failed(format!("không kết nối được {addr}: {e}"));
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout).map_err(unreachable)?;
        stream
            .set_read_timeout(Some(self.timeout))
            .and_then(|_| stream.set_write_timeout(Some(self.timeout)))
            .map_err(unreachable)?;
        let head = format!(
            "POST {} HTTP/1.0\r\nHost: {}\r\nContent-Type: application/timestamp-query\r\nAccept: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(body))
            .map_err(unreachable)?;
        let mut answer = Vec::new();
        stream
            .take(MAX_ANSWER)
            .read_to_end(&mut answer)
            .map_err(unreachable)?;
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| failed("câu trả lời HTTP không hợp lệ"))?;
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| failed("câu trả lời HTTP không hợp lệ"))?;
        if status != 200 {
            return Err(failed(format!(
                "máy chủ dấu thời gian trả lời HTTP {status}"
            )));
        }
        let mut body = answer[split + 4..].to_vec();
        if let Some(n) = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        }) {
            body.truncate(n);
        }
        Ok(body)
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
        let answer = self.post(&request(imprint, nonce))?;
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
            (t.host.as_str(), t.port, t.path.as_str()),
            ("tsa.ca.gov.vn", 80, "/")
        );
        let t = HttpTimestamper::new("http://127.0.0.1:3161/tsa", Duration::from_secs(5)).unwrap();
        assert_eq!((t.port, t.path.as_str()), (3161, "/tsa"));
        assert!(HttpTimestamper::new("https://tsa.example", Duration::from_secs(5)).is_err());
        assert!(HttpTimestamper::new("http://:80/", Duration::from_secs(5)).is_err());
    }
}
