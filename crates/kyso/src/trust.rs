//! Chuỗi tin cậy — whether a signer's certificate leads, through the certificates the signature
//! carries, to a root the reader trusts (the national root for public CAs, the Government CA
//! for specialised signatures, vn-framework §7.2), each link signed by the next and in force
//! when the document was signed.

use crate::cert::{self, Cert};
use crate::verify::signed_by;

/// Kết quả kiểm tra chuỗi chứng thư.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Dẫn đến chứng thư gốc được tin cậy: that root's name.
    Trusted { root: String },
    /// Không dẫn được đến gốc tin cậy: why, in Vietnamese.
    Untrusted { why: String },
    /// Không có chứng thư gốc nào được cấu hình để đối chiếu.
    NotChecked,
}

impl Trust {
    /// What a reader is told.
    pub fn describe(&self) -> String {
        match self {
            Trust::Trusted { root } => format!("Chuỗi chứng thư tin cậy (gốc: {root})."),
            Trust::Untrusted { why } => format!("Chuỗi chứng thư không tin cậy: {why}."),
            Trust::NotChecked => {
                "Chưa đối chiếu chuỗi chứng thư (chưa cấu hình chứng thư gốc).".into()
            }
        }
    }
}

/// Longest chain looked at: signer, intermediates, root.
const MAX_DEPTH: usize = 8;

/// Follows `signer` up through `pool` (the certificates the signature carries) to one of
/// `roots`; every certificate on the way must be in force at `at` (Unix seconds, the time of
/// signing) and every issuer a CA.
pub fn evaluate(signer: &Cert, pool: &[Cert], roots: &[Cert], at: Option<i64>) -> Trust {
    if roots.is_empty() {
        return Trust::NotChecked;
    }
    let untrusted = |why: String| Trust::Untrusted { why };
    let in_force = |c: &Cert| at.is_none_or(|t| c.valid_at(t));
    let mut current = signer;
    for _ in 0..MAX_DEPTH {
        if !in_force(current) {
            return untrusted(format!(
                "chứng thư \"{}\" không có hiệu lực vào lúc ký",
                current.subject
            ));
        }
        if roots.iter().any(|r| r.der == current.der) {
            return Trust::Trusted {
                root: current.subject.clone(),
            };
        }
        let issuer = roots
            .iter()
            .chain(pool)
            .filter(|c| c.der != current.der && c.subject_raw == current.issuer_raw)
            .find(|c| {
                signed_by(
                    c,
                    &current.signature_algorithm,
                    &current.tbs_raw,
                    &current.signature,
                )
                .is_ok()
            });
        let Some(issuer) = issuer else {
            return untrusted(format!(
                "không tìm thấy chứng thư của bên cấp \"{}\" đã ký chứng thư \"{}\" trong chữ ký hay trong các chứng thư gốc được tin cậy",
                current.issuer, current.subject
            ));
        };
        if !issuer.is_ca {
            return untrusted(format!(
                "\"{}\" không phải chứng thư của tổ chức cung cấp dịch vụ chứng thực",
                issuer.subject
            ));
        }
        current = issuer;
    }
    untrusted("chuỗi chứng thư quá dài".into())
}

/// Certificates from PEM text (one or more blocks) or one DER certificate.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<Cert>, crate::Error> {
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.contains("-----BEGIN CERTIFICATE-----"));
    let Some(text) = text else {
        return Ok(vec![Cert::parse(bytes)?]);
    };
    text.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .map(|block| {
            let body: String = block
                .split("-----END CERTIFICATE-----")
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            use base64::Engine as _;
            let der = base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|_| crate::Error::Malformed("tệp PEM hỏng".into()))?;
            Cert::parse(&der)
        })
        .collect()
}

/// The signing time a PDF signature claims (/M, `D:YYYYMMDDHHmmSS+07'00'`), as Unix seconds.
pub(crate) fn pdf_time(m: &str) -> Option<i64> {
    let d = m.strip_prefix("D:").unwrap_or(m);
    let n = |a: usize, b: usize| d.get(a..b)?.parse::<i64>().ok();
    let local = cert::stamp(d)?;
    let offset = match d.get(14..15) {
        Some(sign @ ("+" | "-")) => {
            let h = n(15, 17)?;
            let m = d
                .get(18..20)
                .and_then(|x| x.parse::<i64>().ok())
                .unwrap_or(0);
            let s = (h * 60 + m) * 60;
            if sign == "+" { s } else { -s }
        }
        _ => 0,
    };
    Some(local - offset)
}

/// A certificate or CRL time as a reader reads it: "04/12/2026 10:30 UTC".
pub(crate) fn describe_time(t: &str) -> String {
    let Some(secs) = cert::cert_time(t) else {
        return t.to_string();
    };
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = cert::civil(days);
    format!(
        "{d:02}/{m:02}/{y:04} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// A PDF date (`D:YYYYMMDDHHmmSS+07'00'`) as a reader reads it: "01:30:21 05/12/2026
/// (UTC+07:00)"; what cannot be read is given back as it is.
pub fn describe_pdf_date(m: &str) -> String {
    let d = m.strip_prefix("D:").unwrap_or(m);
    let part = |a: usize, b: usize| {
        d.get(a..b)
            .filter(|x| x.bytes().all(|c| c.is_ascii_digit()))
    };
    let (Some(y), Some(mo), Some(day), Some(h), Some(mi), Some(s)) = (
        part(0, 4),
        part(4, 6),
        part(6, 8),
        part(8, 10),
        part(10, 12),
        part(12, 14),
    ) else {
        return m.to_string();
    };
    let zone = match (d.get(14..15), part(15, 17), part(18, 20)) {
        (Some(sign @ ("+" | "-")), Some(zh), zm) => {
            format!(" (UTC{sign}{zh}:{})", zm.unwrap_or("00"))
        }
        (Some("Z"), ..) => " (UTC)".into(),
        _ => String::new(),
    };
    format!("{h}:{mi}:{s} {day}/{mo}/{y}{zone}")
}

/// A time-stamp's time as the reader reports it (`YYYY-MM-DD HH:MM:SS UTC`), as Unix seconds.
pub(crate) fn stamp_time(t: &str) -> Option<i64> {
    let d: String = t.chars().filter(char::is_ascii_digit).collect();
    cert::cert_time(&format!("{}Z", d.get(..14)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_and_certificate_times_read_as_unix_seconds_utc() {
        assert_eq!(cert::cert_time("700101000000Z"), Some(0));
        assert_eq!(cert::cert_time("20261204103000Z"), Some(1_796_380_200));
        assert_eq!(cert::cert_time("261204103000Z"), Some(1_796_380_200));
        assert_eq!(cert::cert_time("2612041030Z"), None);
        assert_eq!(pdf_time("D:20261204173000+07'00'"), Some(1_796_380_200));
        assert_eq!(pdf_time("D:20261204103000Z"), Some(1_796_380_200));
        assert_eq!(stamp_time("2026-12-04 10:30:00 UTC"), Some(1_796_380_200));
        assert_eq!(
            describe_pdf_date("D:20261205013021+07'00'"),
            "01:30:21 05/12/2026 (UTC+07:00)"
        );
        assert_eq!(describe_pdf_date("hôm qua"), "hôm qua");
    }
}
