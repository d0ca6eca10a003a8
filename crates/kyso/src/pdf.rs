//! Adding a signature to a PDF as an incremental update (ISO 32000-1 §7.5.6, §12.8): the
//! original bytes stay as they are, a signature field and its /Sig dictionary are appended with
//! a placeholder for the CMS, the byte ranges around the placeholder are hashed, and the CMS is
//! written into it. Reads PDFs with a classic cross-reference table (as Một Cửa writes them).

use crate::Error;

/// Room for the CMS (bytes; written as twice as many hex digits): a chain of three RSA-4096
/// certificates with revocation data fits.
pub const CONTENTS_BYTES: usize = 16 * 1024;

const BYTE_RANGE_PLACEHOLDER: &str = "/ByteRange [0 9999999999 9999999999 9999999999]";

/// What the signature dictionary says besides the signature.
pub struct SigInfo<'a> {
    pub name: &'a str,
    pub reason: &'a str,
    pub location: &'a str,
    /// D:YYYYMMDDHHmmSS+07'00'.
    pub when: &'a str,
}

/// A prepared document: the bytes with the placeholder, and where the placeholder is.
pub struct Prepared {
    pub bytes: Vec<u8>,
    /// Bytes reserved for the CMS.
    room: usize,
    /// Offsets of '<' and after '>' of /Contents.
    contents: (usize, usize),
}

impl Prepared {
    /// The two byte ranges a signature covers, concatenated.
    pub fn signed_bytes(&self) -> impl Iterator<Item = &[u8]> {
        [
            &self.bytes[..self.contents.0],
            &self.bytes[self.contents.1..],
        ]
        .into_iter()
    }

    /// Writes the CMS into the placeholder.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, Error> {
        let hex = hex::encode_upper(cms);
        if hex.len() > self.room * 2 {
            return Err(Error::TooLarge);
        }
        let start = self.contents.0 + 1;
        self.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// Appends a signature field and its empty /Sig dictionary, with room for a CMS of
/// [`CONTENTS_BYTES`] plus `extra` bytes (revocation data carried in it).
pub fn prepare(pdf: &[u8], info: &SigInfo<'_>, extra: usize) -> Result<Prepared, Error> {
    let room = CONTENTS_BYTES + extra;
    let doc = Doc::read(pdf)?;
    let root = doc.trailer_ref("/Root")?;
    let catalog = doc.object(root)?;
    let page = doc.first_page(&catalog)?;
    let page_dict = doc.object(page)?;
    let existing = count(pdf, b"/FT/Sig") + count(pdf, b"/FT /Sig");
    let sig = doc.size;
    let field = doc.size + 1;

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();
    let placeholder = "0".repeat(room * 2);
    offsets.push((sig, out.len()));
    out.extend_from_slice(
        format!(
            "{sig} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached{BYTE_RANGE_PLACEHOLDER}/Contents <{placeholder}>/M ({})/Name {}/Reason {}/Location {}>>\nendobj\n",
            info.when,
            text_string(info.name),
            text_string(info.reason),
            text_string(info.location),
        )
        .as_bytes(),
    );
    offsets.push((field, out.len()));
    out.extend_from_slice(
        format!(
            "{field} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/Rect [0 0 0 0]/F 132/T {}/V {sig} 0 R/P {page} 0 R>>\nendobj\n",
            text_string(&format!("Chữ ký số {}", existing + 1)),
        )
        .as_bytes(),
    );
    offsets.push((page, out.len()));
    let page_dict = add_to_array(&page_dict, "/Annots", &format!("{field} 0 R"));
    out.extend_from_slice(format!("{page} 0 obj\n<<{page_dict}>>\nendobj\n").as_bytes());
    offsets.push((root, out.len()));
    let catalog = match catalog.find("/AcroForm") {
        Some(at) if catalog[at + 9..].trim_start().starts_with("<<") => {
            let mut form = add_to_array(&catalog[at..], "/Fields", &format!("{field} 0 R"));
            if !form.contains("/SigFlags") {
                form = form.replacen("<<", "<</SigFlags 3", 1);
            }
            format!("{}{form}", &catalog[..at])
        }
        Some(_) => return Err(Error::Unsupported("biểu mẫu /AcroForm gián tiếp".into())),
        None => format!("{catalog}/AcroForm <</Fields [{field} 0 R]/SigFlags 3>>"),
    };
    out.extend_from_slice(format!("{root} 0 obj\n<<{catalog}>>\nendobj\n").as_bytes());

    let xref = out.len();
    offsets.sort();
    let mut table = String::from("xref\n");
    for (num, at) in &offsets {
        table.push_str(&format!("{num} 1\n{at:010} 00000 n\r\n"));
    }
    let mut trailer = format!("/Size {}/Root {root} 0 R/Prev {}", field + 1, doc.startxref);
    for key in ["/Info", "/ID"] {
        if let Some(v) = doc.trailer_value(key) {
            trailer.push_str(&format!("{key} {v}"));
        }
    }
    out.extend_from_slice(
        format!("{table}trailer\n<<{trailer}>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );

    // Fill in the byte ranges around /Contents <…>.
    let br = find(
        &out,
        BYTE_RANGE_PLACEHOLDER.as_bytes(),
        offsets_of(&offsets, sig),
    )
    .ok_or_else(|| Error::Malformed("không tìm thấy /ByteRange".into()))?;
    let lt = br + BYTE_RANGE_PLACEHOLDER.len() + "/Contents ".len();
    debug_assert_eq!(out[lt], b'<');
    let gt = lt + 1 + room * 2 + 1;
    let ranges = format!("/ByteRange [0 {lt} {gt} {}]", out.len() - gt);
    let padded = format!("{ranges:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    out[br..br + padded.len()].copy_from_slice(padded.as_bytes());
    Ok(Prepared {
        bytes: out,
        room,
        contents: (lt, gt),
    })
}

fn offsets_of(offsets: &[(u32, usize)], num: u32) -> usize {
    offsets
        .iter()
        .find(|(n, _)| *n == num)
        .map(|(_, at)| *at)
        .unwrap_or(0)
}

/// A text string as PDF writes non-ASCII text: UTF-16BE with a byte-order mark, in hex.
fn text_string(s: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in s.encode_utf16() {
        hex.push_str(&format!("{unit:04X}"));
    }
    hex.push('>');
    hex
}

/// Adds `item` to the array `key` of a dictionary's text (creating it when absent).
fn add_to_array(dict: &str, key: &str, item: &str) -> String {
    if let Some(at) = dict.find(key) {
        let after = &dict[at + key.len()..];
        if let Some(open) = after.find('[')
            && after[..open].trim().is_empty()
        {
            let insert = at + key.len() + open + 1;
            return format!("{}{item} {}", &dict[..insert], &dict[insert..]);
        }
    }
    // An indirect or absent array: written anew (a page's annotations by reference are rare in
    // the documents signed here; the new array then holds only the signature).
    let without = remove_key(dict, key);
    format!("{without}{key} [{item}]")
}

fn remove_key(dict: &str, key: &str) -> String {
    let Some(at) = dict.find(key) else {
        return dict.to_string();
    };
    let rest = &dict[at + key.len()..];
    // "/Annots 12 0 R"
    let mut parts = rest.trim_start().splitn(4, ' ');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    if let (Some(a), Some(b), Some(c)) = (a, b, c)
        && a.parse::<u32>().is_ok()
        && b.parse::<u32>().is_ok()
        && c.starts_with('R')
    {
        let skip = rest.len() - rest.trim_start().len() + a.len() + b.len() + 3;
        return format!("{}{}", &dict[..at], &rest[skip..]);
    }
    dict.to_string()
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The parts of a PDF an incremental update needs.
struct Doc<'a> {
    bytes: &'a [u8],
    startxref: usize,
    trailer: String,
    size: u32,
}

impl<'a> Doc<'a> {
    fn read(bytes: &'a [u8]) -> Result<Doc<'a>, Error> {
        if !bytes.starts_with(b"%PDF-") {
            return Err(Error::Malformed("không phải tệp PDF".into()));
        }
        let sx =
            rfind(bytes, b"startxref").ok_or_else(|| Error::Malformed("thiếu startxref".into()))?;
        let startxref: usize = std::str::from_utf8(&bytes[sx + 9..])
            .unwrap_or("")
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::Malformed("startxref không hợp lệ".into()))?;
        let t = rfind(bytes, b"trailer")
            .ok_or_else(|| Error::Unsupported("bảng tham chiếu dạng luồng (xref stream)".into()))?;
        let open = find(bytes, b"<<", t).ok_or_else(|| Error::Malformed("trailer".into()))?;
        let trailer = dict_at(bytes, open)?;
        let size = value_of(&trailer, "/Size")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::Malformed("trailer thiếu /Size".into()))?;
        Ok(Doc {
            bytes,
            startxref,
            trailer,
            size,
        })
    }

    fn trailer_value(&self, key: &str) -> Option<String> {
        value_of(&self.trailer, key)
    }

    fn trailer_ref(&self, key: &str) -> Result<u32, Error> {
        self.trailer_value(key)
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| Error::Malformed(format!("trailer thiếu {key}")))
    }

    /// The dictionary of object `num` (its latest definition), without the outer << >>.
    fn object(&self, num: u32) -> Result<String, Error> {
        let head = format!("{num} 0 obj");
        let mut at = None;
        let mut from = 0;
        while let Some(p) = find(self.bytes, head.as_bytes(), from) {
            if p == 0 || matches!(self.bytes[p - 1], b'\n' | b'\r' | b' ') {
                at = Some(p);
            }
            from = p + 1;
        }
        let at = at.ok_or_else(|| Error::Malformed(format!("không tìm thấy đối tượng {num}")))?;
        let open = find(self.bytes, b"<<", at)
            .ok_or_else(|| Error::Malformed(format!("đối tượng {num} không phải từ điển")))?;
        dict_at(self.bytes, open)
    }

    fn first_page(&self, catalog: &str) -> Result<u32, Error> {
        let mut node = value_of(catalog, "/Pages")
            .and_then(|v| v.split_whitespace().next()?.parse::<u32>().ok())
            .ok_or_else(|| Error::Malformed("mục lục thiếu /Pages".into()))?;
        for _ in 0..32 {
            let dict = self.object(node)?;
            let is_tree = dict.contains("/Type/Pages") || dict.contains("/Type /Pages");
            if !is_tree {
                return Ok(node);
            }
            let kids = value_of(&dict, "/Kids").unwrap_or_default();
            node = kids
                .trim_start_matches('[')
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| Error::Malformed("cây trang rỗng".into()))?;
        }
        Err(Error::Malformed("cây trang quá sâu".into()))
    }
}

/// The dictionary starting at `open` ("<<"), balanced, without its outer brackets.
fn dict_at(bytes: &[u8], open: usize) -> Result<String, Error> {
    let mut depth = 0i32;
    let mut i = open;
    let mut paren = 0i32;
    while i + 1 < bytes.len() {
        let (c, n) = (bytes[i], bytes[i + 1]);
        if paren > 0 {
            match c {
                b'\\' => i += 1,
                b'(' => paren += 1,
                b')' => paren -= 1,
                _ => {}
            }
        } else if c == b'(' {
            paren = 1;
        } else if c == b'<' && n == b'<' {
            depth += 1;
            i += 1;
        } else if c == b'>' && n == b'>' {
            depth -= 1;
            i += 1;
            if depth == 0 {
                return Ok(String::from_utf8_lossy(&bytes[open + 2..i - 1]).into_owned());
            }
        }
        i += 1;
    }
    Err(Error::Malformed("từ điển không đóng".into()))
}

/// The value of `key` in a dictionary's text: a reference "12 0 R", a number, a name, an
/// array or a nested dictionary.
fn value_of(dict: &str, key: &str) -> Option<String> {
    let mut from = 0;
    while let Some(p) = dict[from..].find(key) {
        let at = from + p + key.len();
        from = at;
        // Not a longer name ("/Pages" is not "/Page").
        if dict[at..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let rest = dict[at..].trim_start();
        if rest.starts_with('[') {
            let end = rest.find(']')?;
            return Some(rest[..=end].to_string());
        }
        if rest.starts_with("<<") {
            return dict_at(rest.as_bytes(), 0).ok().map(|d| format!("<<{d}>>"));
        }
        let words: Vec<&str> = rest.split(['/', '>']).next()?.split_whitespace().collect();
        if words.len() >= 3 && words[2] == "R" {
            return Some(format!("{} {} R", words[0], words[1]));
        }
        if let Some(name) = rest.strip_prefix('/') {
            let end = name
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_')
                .unwrap_or(name.len());
            return Some(format!("/{}", &name[..end]));
        }
        return words.first().map(|w| w.to_string());
    }
    None
}

/// One signature found in a PDF: its byte ranges and the CMS.
pub struct Found {
    pub byte_range: [usize; 4],
    pub cms: Vec<u8>,
    /// /M and /Reason as written (text strings decoded).
    pub when: String,
    pub reason: String,
}

/// Every signature dictionary of a PDF, in order.
pub fn signatures(pdf: &[u8]) -> Result<Vec<Found>, Error> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(pdf, b"/ByteRange", from) {
        from = at + 10;
        // The enclosing dictionary: back to its "<<".
        let Some(open) = pdf[..at].windows(2).rposition(|w| w == b"<<") else {
            continue;
        };
        let dict = dict_at(pdf, open)?;
        let Some(range) = value_of(&dict, "/ByteRange") else {
            continue;
        };
        let nums: Vec<usize> = range
            .trim_matches(['[', ']'])
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let [a, b, c, d] = nums[..] else {
            return Err(Error::Malformed("/ByteRange không hợp lệ".into()));
        };
        if a != 0 || b >= c || c.checked_add(d).is_none_or(|end| end > pdf.len()) {
            return Err(Error::Malformed("/ByteRange vượt ra ngoài tệp".into()));
        }
        let hex = &pdf[b..c];
        let hex = hex
            .strip_prefix(b"<")
            .and_then(|h| h.strip_suffix(b">"))
            .ok_or_else(|| Error::Malformed("/Contents không nằm giữa hai đoạn ký".into()))?;
        let raw =
            hex::decode(hex).map_err(|_| Error::Malformed("/Contents không phải hex".into()))?;
        // The CMS is followed by zero padding: keep the DER value only.
        let len = crate::der::read(&raw).map(|(t, _)| t.raw.len())?;
        out.push(Found {
            byte_range: [a, b, c, d],
            cms: raw[..len].to_vec(),
            when: literal(&dict, "/M"),
            reason: decoded(&dict, "/Reason"),
        });
    }
    Ok(out)
}

fn literal(dict: &str, key: &str) -> String {
    let Some(at) = dict.find(key) else {
        return String::new();
    };
    let rest = dict[at + key.len()..].trim_start();
    rest.strip_prefix('(')
        .and_then(|r| r.split(')').next())
        .unwrap_or("")
        .to_string()
}

fn decoded(dict: &str, key: &str) -> String {
    let Some(at) = dict.find(key) else {
        return String::new();
    };
    let rest = dict[at + key.len()..].trim_start();
    if let Some(hex) = rest.strip_prefix('<').and_then(|r| r.split('>').next()) {
        let bytes = hex::decode(hex).unwrap_or_default();
        let body = bytes.strip_prefix(&[0xfe, 0xff]).unwrap_or(&bytes);
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    literal(dict, key)
}
