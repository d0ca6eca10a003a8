//! Ký số — digital signatures on PDF documents.
//!
//! [`sign_pdf`] adds a PAdES baseline B-B signature (ETSI EN 319 142-1: CMS with SHA-256,
//! signing-certificate-v2, /SubFilter ETSI.CAdES.detached) as an incremental update, made by a
//! [`Signer`]: a PKCS#12 file ([`Pkcs12Signer`]) or a PKCS#11 token ([`Pkcs11Signer`], the USB
//! tokens officials sign with). [`verify_pdf`] reads every signature of a PDF back: who signed,
//! whether the bytes signed are unchanged, whether the signature covers the whole file.
//! With a [`Timestamper`] (a TSA, [`HttpTimestamper`]) the signature is PAdES B-T: a time-stamp
//! token over the signature value travels in it.
//! This crate is a leaf: only what signs or checks documents depends on it.

mod cert;
mod cms;
mod der;
mod http;
mod import;
pub mod jws;
mod pdf;
mod pkcs11;
mod pkcs12;
mod revocation;
mod trust;
mod tsa;
mod verify;
pub mod xml;

pub use cert::Cert;
pub use pdf::{Blank, Filled, FormField, Visible, form_fields};
pub use pkcs11::Pkcs11Signer;
pub use pkcs12::Pkcs12Signer;
pub use revocation::{CertStatus, Crl, Evidence, HttpRevocation, OcspAnswer, RevocationSource};
pub use trust::{Trust, describe_pdf_date, evaluate as check_chain, read_certificates};
pub use tsa::{HttpTimestamper, Timestamper, TokenInfo, parse_token};
pub use verify::{SignatureReport, verify_pdf, verify_pdf_trusted};

use sha2::{Digest, Sha256};

/// Why a document could not be signed or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The file or a structure in it is not what it should be.
    #[error("dữ liệu không hợp lệ: {0}")]
    Malformed(String),
    /// A PDF feature this signer does not write into.
    #[error("tệp PDF dùng {0}, chưa hỗ trợ ký vào")]
    Unsupported(String),
    /// The key store could not be opened (wrong password, no key, unreadable).
    #[error("không mở được khóa ký: {0}")]
    Key(String),
    /// The token or the key refused to sign.
    #[error("ký không thành công: {0}")]
    Signing(String),
    /// The time-stamping authority gave no usable token.
    #[error("không lấy được dấu thời gian: {0}")]
    Timestamp(String),
    /// A certificate of the signer's chain is revoked: nothing is signed with it.
    #[error("chứng thư số đã bị thu hồi: {0}")]
    Revoked(String),
    /// The CMS does not fit the room reserved in the PDF.
    #[error("chữ ký quá lớn so với chỗ dành trong tệp PDF")]
    TooLarge,
}

/// Loại khóa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with PKCS#1 v1.5 padding and SHA-256.
    Rsa,
    /// ECDSA on P-256 with SHA-256.
    EcP256,
}

/// A holder of a private key and its certificate chain (the signer's first).
pub trait Signer {
    fn chain(&self) -> &[Cert];
    fn kind(&self) -> KeyKind;
    /// Signs `message` (the DER of the signed attributes) with SHA-256: PKCS#1 v1.5 for RSA, a
    /// DER-encoded ECDSA signature for EC.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
}

/// What the signature says besides the signature itself, and what it shows on the page.
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// Người ký, as shown by readers.
    pub name: String,
    /// Lý do (e.g. "Phê duyệt kết quả giải quyết hồ sơ").
    pub reason: String,
    /// Nơi ký.
    pub location: String,
    /// Thời điểm ký, PDF date form: D:YYYYMMDDHHmmSS+07'00'.
    pub when: String,
    /// Hình ảnh chữ ký: where the signature is seen and how; `None` signs invisibly.
    pub visible: Option<Visible>,
    /// Ô để trống: empty read-only text fields this signature creates (and covers empty), for
    /// a later signer to fill: the clerk's number and date on a document the approver signs
    /// before it has them.
    pub blanks: Vec<Blank>,
    /// Values for blanks an earlier signature created, written with this one.
    pub fills: Vec<Filled>,
}

/// Signs a PDF: the original bytes, then an incremental update with the signature.
pub fn sign_pdf(pdf: &[u8], signer: &dyn Signer, options: &SignOptions) -> Result<Vec<u8>, Error> {
    sign_pdf_with(pdf, signer, options, &Services::default()).map(|s| s.pdf)
}

/// The outside services a signature may use.
#[derive(Default, Clone, Copy)]
pub struct Services<'a> {
    /// Máy chủ dấu thời gian: the signature is stamped (PAdES B-T).
    pub tsa: Option<&'a dyn Timestamper>,
    /// Where the chain's revocation lists are fetched, to be carried in the signature.
    pub revocation: Option<&'a dyn RevocationSource>,
}

/// A signed PDF, and what became of its time-stamp.
#[derive(Debug)]
pub struct Signed {
    pub pdf: Vec<u8>,
    /// The TSA's time (genTime) when the signature was stamped; `Ok(None)` when no TSA was
    /// asked; the TSA's failure when it gave none (the signature is then B-B).
    pub timestamp: Result<Option<String>, Error>,
    /// The revocation lists carried in the signature, and why any could not be had.
    pub revocation: Evidence,
}

/// Signs a PDF with what `services` offer: with a TSA the signature is stamped (PAdES B-T),
/// with a revocation source the chain's CRLs are fetched, checked and carried in it. A TSA or
/// a CRL that cannot be had does not fail the signature ([`Signed`] says what is missing); a
/// certificate found revoked does ([`Error::Revoked`]).
pub fn sign_pdf_with(
    pdf: &[u8],
    signer: &dyn Signer,
    options: &SignOptions,
    services: &Services<'_>,
) -> Result<Signed, Error> {
    let chain = signer.chain();
    let leaf = chain
        .first()
        .ok_or_else(|| Error::Key("không có chứng thư số đi kèm khóa".into()))?;
    let revocation = match services.revocation {
        Some(source) => revocation::gather(chain, source)?,
        None => Evidence::default(),
    };
    let crls: Vec<&[u8]> = revocation.crls.iter().map(|c| c.der.as_slice()).collect();
    let ocsps: Vec<&[u8]> = revocation.ocsps.iter().map(|o| o.der.as_slice()).collect();
    let prepared = pdf::prepare(
        pdf,
        &pdf::SigInfo {
            name: &options.name,
            reason: &options.reason,
            location: &options.location,
            when: &options.when,
            visible: options.visible.as_ref(),
            blanks: &options.blanks,
            fills: &options.fills,
        },
        crls.iter().chain(&ocsps).map(|c| c.len() + 32).sum(),
    )?;
    let mut hash = Sha256::new();
    for part in prepared.signed_bytes() {
        hash.update(part);
    }
    let attrs = cms::signed_attributes(&hash.finalize(), leaf, &ocsps);
    let signature = signer.sign(&attrs)?;
    let stamped = services
        .tsa
        .map(|t| {
            let token = t.stamp(&Sha256::digest(&signature))?;
            let when = tsa::parse_token(&token)?.gen_time;
            Ok::<_, Error>((token, when))
        })
        .transpose();
    let (token, timestamp) = match stamped {
        Ok(Some((token, when))) => (Some(token), Ok(Some(when))),
        Ok(None) => (None, Ok(None)),
        Err(e) => (None, Err(e)),
    };
    let cms = cms::signed_data(
        &attrs,
        &signature,
        signer.kind(),
        chain,
        &crls,
        token.as_deref(),
    );
    Ok(Signed {
        pdf: prepared.finish(&cms)?,
        timestamp,
        revocation,
    })
}

/// "D:20261204023000Z" from Unix seconds (UTC).
pub fn pdf_date_utc(unix: i64) -> String {
    let (days, rem) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (y, m, d) = cert::civil(days);
    format!(
        "D:{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// "D:20261204093000+07'00'" from a Vietnamese local time's parts.
pub fn pdf_date(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> String {
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+07'00'")
}
