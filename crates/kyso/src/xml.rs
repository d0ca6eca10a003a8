//! Chữ ký số trên tệp XML — an enveloped XML-DSig signature (W3C XML Signature 1.1: SHA-256,
//! RSA or ECDSA P-256, inclusive Canonical XML 1.0), as electronic receipts and invoices carry
//! theirs. The document is built here as [`Element`]s and written in canonical form already, so
//! the bytes signed are the bytes stored: a validator canonicalises them to the same bytes.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::{Error, KeyKind, Signer};

const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/// An element: its name, attributes and children (elements and text), without namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// An empty element. `name` must be an XML name without a prefix.
    pub fn new(name: &str) -> Self {
        debug_assert!(valid_name(name), "{name:?} is not an XML name");
        Element {
            name: name.to_string(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// An element holding only `text`.
    pub fn leaf(name: &str, text: impl AsRef<str>) -> Self {
        Element::new(name).text(text)
    }

    pub fn attribute(mut self, name: &str, value: impl AsRef<str>) -> Self {
        debug_assert!(valid_name(name), "{name:?} is not an XML name");
        self.attributes
            .push((name.to_string(), clean(value.as_ref())));
        self
    }

    pub fn child(mut self, e: Element) -> Self {
        self.children.push(Node::Element(e));
        self
    }

    /// Adds text; characters XML cannot carry (control characters) are left out.
    pub fn text(mut self, text: impl AsRef<str>) -> Self {
        self.children.push(Node::Text(clean(text.as_ref())));
        self
    }

    /// The element in canonical form (Canonical XML 1.0, no namespaces in scope).
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None);
        out
    }

    /// Writes the element canonically; `namespace` is a default namespace declared on it.
    fn write(&self, out: &mut String, namespace: Option<&str>) {
        out.push('<');
        out.push_str(&self.name);
        if let Some(ns) = namespace {
            out.push_str(" xmlns=\"");
            escape_attribute(out, ns);
            out.push('"');
        }
        let mut attributes: Vec<&(String, String)> = self.attributes.iter().collect();
        attributes.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, value) in attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_attribute(out, value);
            out.push('"');
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(out, None),
                Node::Text(t) => escape_text(out, t),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// Whether `name` is a plain XML name (ASCII letters, digits, `_`, `-`, `.`; not starting with
/// a digit, `-` or `.`).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The text without the characters XML 1.0 cannot hold (controls other than tab and newline;
/// carriage returns, which a parser would turn into newlines).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\t' || c == '\n' || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'))
        .filter(|&c| !('\u{7F}'..='\u{9F}').contains(&c))
        .collect()
}

fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn escape_attribute(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

/// Signs `document` with an enveloped signature (its last child, `Signature` in the XML-DSig
/// namespace, over the whole document) and returns the file: an XML declaration, then the
/// canonical document with the signature, the signer's certificate chain in `KeyInfo`.
pub fn sign_xml(document: &Element, signer: &dyn Signer) -> Result<Vec<u8>, Error> {
    let digest = Sha256::digest(document.canonical().as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    let method = match signer.kind() {
        KeyKind::Rsa => RSA_SHA256,
        KeyKind::EcP256 => ECDSA_SHA256,
    };
    let algorithm = |name: &str, uri: &str| Element::new(name).attribute("Algorithm", uri);
    let signed_info = Element::new("SignedInfo")
        .child(algorithm("CanonicalizationMethod", C14N))
        .child(algorithm("SignatureMethod", method))
        .child(
            Element::new("Reference")
                .attribute("URI", "")
                .child(
                    Element::new("Transforms")
                        .child(algorithm("Transform", ENVELOPED))
                        .child(algorithm("Transform", C14N)),
                )
                .child(algorithm("DigestMethod", SHA256))
                .child(Element::leaf("DigestValue", b64.encode(digest))),
        );
    // SignedInfo canonicalised alone carries the namespace it is in scope of.
    let mut signed_bytes = String::new();
    signed_info.write(&mut signed_bytes, Some(DSIG));
    let raw = signer.sign(signed_bytes.as_bytes())?;
    let value = match signer.kind() {
        KeyKind::Rsa => raw,
        // XML-DSig writes an ECDSA signature as r ‖ s, not as the DER a CMS carries.
        KeyKind::EcP256 => p256::ecdsa::Signature::from_der(&raw)
            .map_err(|e| Error::Signing(format!("chữ ký ECDSA không đọc được: {e}")))?
            .to_bytes()
            .to_vec(),
    };
    let mut x509 = Element::new("X509Data");
    for cert in signer.chain() {
        x509 = x509.child(Element::leaf("X509Certificate", b64.encode(&cert.der)));
    }
    let signature = Element::new("Signature")
        .child(signed_info)
        .child(Element::leaf("SignatureValue", b64.encode(value)))
        .child(Element::new("KeyInfo").child(x509));
    // The document with its signature: the signature element declares its namespace.
    let mut body = document.canonical();
    let close = format!("</{}>", document.name);
    body.truncate(body.len() - close.len());
    signature.write(&mut body, Some(DSIG));
    body.push_str(&close);
    let mut file = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    file.push_str(&body);
    Ok(file.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_sorts_attributes_escapes_and_closes_every_element() {
        let e = Element::new("BienLai")
            .attribute("z", "1")
            .attribute("a", "x\"<&\n")
            .child(Element::new("Trong"))
            .child(Element::leaf("Ten", "A & B <c> \u{7}Đ"));
        assert_eq!(
            e.canonical(),
            "<BienLai a=\"x&quot;&lt;&amp;&#xA;\" z=\"1\"><Trong></Trong><Ten>A &amp; B &lt;c&gt; Đ</Ten></BienLai>"
        );
    }

    #[test]
    fn names_are_plain() {
        assert!(valid_name("DLBLai") && valid_name("_a-b.c1"));
        assert!(!valid_name("1a") && !valid_name("a:b") && !valid_name("") && !valid_name("Đ"));
    }
}
