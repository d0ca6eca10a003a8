//! One HTTP/1.0 exchange over plain TCP: what a TSA, a CRL distribution point and an OCSP
//! responder answer (RFC 3161 §3.4, RFC 5280 §4.2.1.13, RFC 6960 Appendix A all use http://).
//! The answer ends when the connection closes, so there are no chunks to read.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// An `http://host[:port]/path` address.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Endpoint {
    /// Reads an address; only `http://` (these services are plain HTTP: their answers are signed).
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .trim()
            .strip_prefix("http://")
            .ok_or("địa chỉ phải bắt đầu bằng http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .map_err(|_| format!("cổng \"{p}\" không hợp lệ"))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err("thiếu tên máy chủ".into());
        }
        Ok(Self {
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }

    /// A GET (no `body`) or a POST of `(content type, bytes)`; the body of a 200 answer, at most
    /// `max` bytes read.
    pub fn exchange(
        &self,
        body: Option<(&str, &[u8])>,
        accept: &str,
        timeout: Duration,
        max: u64,
    ) -> Result<Vec<u8>, String> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| format!("không tìm thấy máy chủ {}: {e}", self.host))?
            .next()
            .ok_or_else(|| format!("không tìm thấy máy chủ {}", self.host))?;
        let unreachable = |e: std::io::Error| format!("không kết nối được {addr}: {e}");
        let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(unreachable)?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|_| stream.set_write_timeout(Some(timeout)))
            .map_err(unreachable)?;
        let head = match body {
            Some((kind, bytes)) => format!(
                "POST {} HTTP/1.0\r\nHost: {}\r\nContent-Type: {kind}\r\nAccept: {accept}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                self.path,
                self.host,
                bytes.len()
            ),
            None => format!(
                "GET {} HTTP/1.0\r\nHost: {}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n",
                self.path, self.host
            ),
        };
        stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(body.map_or(&[][..], |b| b.1)))
            .map_err(unreachable)?;
        let mut answer = Vec::new();
        stream
            .take(max)
            .read_to_end(&mut answer)
            .map_err(unreachable)?;
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("câu trả lời HTTP không hợp lệ")?;
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or("câu trả lời HTTP không hợp lệ")?;
        if status != 200 {
            return Err(format!("máy chủ {} trả lời HTTP {status}", self.host));
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
