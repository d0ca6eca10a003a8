//! Adding a signature to a PDF as an incremental update (ISO 32000-1 §7.5.6, §12.8): the
//! original bytes stay as they are, a signature field and its /Sig dictionary are appended with
//! a placeholder for the CMS, the byte ranges around the placeholder are hashed, and the CMS is
//! written into it. Reads PDFs with a classic cross-reference table (as Một Cửa writes them).

use std::collections::HashMap;

use crate::Error;

/// Room for the CMS (bytes; written as twice as many hex digits): a chain of three RSA-4096
/// certificates with revocation data fits.
pub const CONTENTS_BYTES: usize = 16 * 1024;

/// The fonts text fields name in /DA (the appearance a value gets is drawn by the signer, in
/// the document's own typeface; these are for readers that insist, and say the style).
const TIMES: &str = "/DR <</Font <<\
/TiRo <</Type/Font/Subtype/Type1/BaseFont/Times-Roman/Encoding/WinAnsiEncoding>>\
/TiBo <</Type/Font/Subtype/Type1/BaseFont/Times-Bold/Encoding/WinAnsiEncoding>>\
/TiIt <</Type/Font/Subtype/Type1/BaseFont/Times-Italic/Encoding/WinAnsiEncoding>>>>>>";

const BYTE_RANGE_PLACEHOLDER: &str = "/ByteRange [0 9999999999 9999999999 9999999999]";

/// What the signature dictionary says besides the signature, and what it shows.
pub struct SigInfo<'a> {
    pub name: &'a str,
    pub reason: &'a str,
    pub location: &'a str,
    /// D:YYYYMMDDHHmmSS+07'00'.
    pub when: &'a str,
    /// Where the signature is seen, and how; `None`: an invisible signature.
    pub visible: Option<&'a Visible>,
    /// Empty read-only text fields created with this signature, to be filled by a later one
    /// (the number and date the clerk gives a document the approver signed without them).
    pub blanks: &'a [Blank],
    /// Fields created by an earlier signature, filled in this one.
    pub fills: &'a [Filled],
}

/// Ô để trống: an empty read-only text field, filled by a later signer.
#[derive(Debug, Clone)]
pub struct Blank {
    /// The field's name: ASCII letters, digits and "_".
    pub name: String,
    /// Page index, from 0.
    pub page: usize,
    /// The box in PDF points from the page's bottom left: x0, y0, x1, y1.
    pub rect: [f32; 4],
    /// The text that belongs in it: size in points, bold, italic (kept in the field's /DA as
    /// a standard Times font, for whoever fills it).
    pub size: f32,
    pub bold: bool,
    pub italic: bool,
}

impl Blank {
    fn font(&self) -> &'static str {
        match (self.bold, self.italic) {
            (true, _) => "TiBo",
            (false, true) => "TiIt",
            _ => "TiRo",
        }
    }
}

/// A form field found in a PDF: a blank to fill, or a signature's widget.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub name: String,
    pub signature: bool,
    /// Page index, from 0 (of the first page when the widget names none).
    pub page: usize,
    pub rect: [f32; 4],
    pub size: f32,
    pub bold: bool,
    pub italic: bool,
}

/// The form fields of a PDF's latest revision, in the order /AcroForm lists them.
pub fn form_fields(pdf: &[u8]) -> Result<Vec<FormField>, Error> {
    let doc = Doc::read(pdf)?;
    let catalog = doc.object(doc.trailer_ref("/Root")?)?;
    let pages = doc.pages(&catalog)?;
    let Some(form) = value_of(&catalog, "/AcroForm") else {
        return Ok(Vec::new());
    };
    let fields = value_of(&form, "/Fields").unwrap_or_default();
    let words: Vec<&str> = fields.trim_matches(['[', ']']).split_whitespace().collect();
    let mut out = Vec::new();
    for num in words
        .chunks(3)
        .filter_map(|c| c.first()?.parse::<u32>().ok())
    {
        let dict = doc.object(num)?;
        let name = match value_of(&dict, "/T") {
            Some(t) if t.starts_with('(') => t.trim_matches(['(', ')']).to_string(),
            Some(t) => decoded(&format!("/T {t}"), "/T"),
            None => continue,
        };
        let rect: Vec<f32> = value_of(&dict, "/Rect")
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let [x0, y0, x1, y1] = rect[..] else { continue };
        let page = value_of(&dict, "/P")
            .and_then(|p| p.split_whitespace().next()?.parse::<u32>().ok())
            .and_then(|p| pages.iter().position(|n| *n == p))
            .unwrap_or(0);
        let da = value_of(&dict, "/DA").unwrap_or_default();
        let size = da
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        out.push(FormField {
            name,
            signature: dict.contains("/FT/Sig") || dict.contains("/FT /Sig"),
            page,
            rect: [x0, y0, x1, y1],
            size,
            bold: da.contains("/TiBo"),
            italic: da.contains("/TiIt"),
        });
    }
    Ok(out)
}

/// A value for a [`Blank`] made by an earlier signature, with how it looks.
#[derive(Debug, Clone)]
pub struct Filled {
    pub name: String,
    pub value: String,
    /// A PDF whose first page, the size of the blank, shows the value.
    pub appearance: Vec<u8>,
}

/// Something drawn on a page in a box: a one-page PDF (its appearance, rendered at the box's
/// size) placed as a form XObject.
#[derive(Debug, Clone)]
pub struct Visible {
    /// Page index, from 0.
    pub page: usize,
    /// The box in PDF points from the page's bottom left: x0, y0, x1, y1.
    pub rect: [f32; 4],
    /// A PDF whose first page is drawn in the box.
    pub appearance: Vec<u8>,
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
    let pages = doc.pages(&catalog)?;
    let page_of = |i: usize| {
        pages.get(i).copied().ok_or_else(|| {
            Error::Malformed(format!("tài liệu không có trang {} để đặt chữ ký", i + 1))
        })
    };
    let existing = count(pdf, b"/FT/Sig") + count(pdf, b"/FT /Sig");
    let sig = doc.size;
    let field = doc.size + 1;
    let mut next = doc.size + 2;

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();
    // Annotations each page gains: the blanks, then the signature's widget.
    let mut annots: Vec<(u32, u32)> = Vec::new();
    let mut new_fields: Vec<u32> = Vec::new();
    for blank in info.blanks {
        if blank.name.is_empty()
            || !blank
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::Malformed(format!(
                "tên ô để trống không hợp lệ: {}",
                blank.name
            )));
        }
        let page = page_of(blank.page)?;
        let [x0, y0, x1, y1] = blank.rect;
        let empty = next;
        let num = next + 1;
        next += 2;
        write_object(
            &mut out,
            &mut offsets,
            empty,
            format!(
                "<</Type/XObject/Subtype/Form/BBox [0 0 {:.2} {:.2}]/Length 0>>\nstream\n\nendstream",
                x1 - x0,
                y1 - y0
            )
            .as_bytes(),
        );
        write_object(
            &mut out,
            &mut offsets,
            num,
            format!(
                "<</Type/Annot/Subtype/Widget/FT/Tx/Ff 1/T ({})/V ()/DA (/{} {:.1} Tf 0 g)/Rect [{x0:.2} {y0:.2} {x1:.2} {y1:.2}]/F 132/AP <</N {empty} 0 R>>/P {page} 0 R>>",
                blank.name,
                blank.font(),
                blank.size,
            )
            .as_bytes(),
        );
        annots.push((page, num));
        new_fields.push(num);
    }
    for fill in info.fills {
        let num = doc.field(&catalog, &fill.name)?;
        let old = doc.object(num)?;
        let form = crate::import::page_as_form(&fill.appearance, &mut next)?;
        for (n, body) in &form.objects {
            write_object(&mut out, &mut offsets, *n, body);
        }
        let keep: String = [
            "/Type", "/Subtype", "/FT", "/Ff", "/T", "/DA", "/Rect", "/F", "/P",
        ]
        .iter()
        .filter_map(|k| value_of(&old, k).map(|v| format!("{k} {v}")))
        .collect();
        write_object(
            &mut out,
            &mut offsets,
            num,
            format!(
                "<<{keep}/V {}/AP <</N {} 0 R>>>>",
                text_string(&fill.value),
                form.form
            )
            .as_bytes(),
        );
    }
    let widget = match info.visible {
        Some(v) => {
            let (page, placement) = place(&mut out, &mut offsets, v, page_of(v.page)?, &mut next)?;
            annots.push((page, field));
            placement
        }
        None => {
            let page = page_of(0)?;
            annots.push((page, field));
            format!("/Rect [0 0 0 0]/F 132/P {page} 0 R")
        }
    };
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
            "{field} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig{widget}/T {}/V {sig} 0 R>>\nendobj\n",
            text_string(&format!("Chữ ký số {}", existing + 1)),
        )
        .as_bytes(),
    );
    let mut touched: Vec<u32> = annots.iter().map(|(p, _)| *p).collect();
    touched.sort();
    touched.dedup();
    for page in touched {
        let mut dict = doc.object(page)?;
        for (_, annot) in annots.iter().filter(|(p, _)| *p == page) {
            dict = add_to_array(&dict, "/Annots", &format!("{annot} 0 R"));
        }
        offsets.push((page, out.len()));
        out.extend_from_slice(format!("{page} 0 obj\n<<{dict}>>\nendobj\n").as_bytes());
    }
    offsets.push((root, out.len()));
    new_fields.push(field);
    let listed: Vec<String> = new_fields.iter().map(|n| format!("{n} 0 R")).collect();
    let catalog = match catalog.find("/AcroForm") {
        Some(at) if catalog[at + 9..].trim_start().starts_with("<<") => {
            let mut form = catalog[at..].to_string();
            for f in &listed {
                form = add_to_array(&form, "/Fields", f);
            }
            if !form.contains("/SigFlags") {
                form = form.replacen("<<", "<</SigFlags 3", 1);
            }
            if !info.blanks.is_empty() && !form.contains("/DR") {
                form = form.replacen("<<", &format!("<<{TIMES}"), 1);
            }
            format!("{}{form}", &catalog[..at])
        }
        Some(_) => return Err(Error::Unsupported("biểu mẫu /AcroForm gián tiếp".into())),
        None => format!(
            "{catalog}/AcroForm <</Fields [{}]/SigFlags 3{}>>",
            listed.join(" "),
            if info.blanks.is_empty() { "" } else { TIMES }
        ),
    };
    out.extend_from_slice(format!("{root} 0 obj\n<<{catalog}>>\nendobj\n").as_bytes());

    let xref = out.len();
    offsets.sort();
    let mut table = String::from("xref\n");
    for (num, at) in &offsets {
        table.push_str(&format!("{num} 1\n{at:010} 00000 n\r\n"));
    }
    let mut trailer = format!("/Size {next}/Root {root} 0 R/Prev {}", doc.startxref);
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

/// Writes object `num` at the end of `out`, noting where it starts.
fn write_object(out: &mut Vec<u8>, offsets: &mut Vec<(u32, usize)>, num: u32, body: &[u8]) {
    offsets.push((num, out.len()));
    out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(b"\nendobj\n");
}

/// Writes the appearance of `v` (its objects, numbered from `*next`) and returns the page and
/// the annotation entries that place it there.
fn place(
    out: &mut Vec<u8>,
    offsets: &mut Vec<(u32, usize)>,
    v: &Visible,
    page: u32,
    next: &mut u32,
) -> Result<(u32, String), Error> {
    let form = crate::import::page_as_form(&v.appearance, next)?;
    for (num, body) in &form.objects {
        write_object(out, offsets, *num, body);
    }
    let [x0, y0, x1, y1] = v.rect;
    Ok((
        page,
        format!(
            "/Rect [{x0:.2} {y0:.2} {x1:.2} {y1:.2}]/F 132/AP <</N {} 0 R>>/P {page} 0 R",
            form.form
        ),
    ))
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

pub(crate) fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The parts of a PDF an incremental update needs.
pub(crate) struct Doc<'a> {
    bytes: &'a [u8],
    startxref: usize,
    trailer: String,
    size: u32,
    /// Where each object's latest definition starts and where the next definition in the file
    /// starts: found in one pass, so that reading an object costs its own size, not the file's
    /// (a crafted page tree naming thousands of objects once took seconds per file).
    objects: HashMap<u32, (usize, usize)>,
}

/// Every "N 0 obj" of the file (at its start or after a line break or space), in file order.
fn object_heads(bytes: &[u8]) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(q) = find(bytes, b" 0 obj", from) {
        from = q + 1;
        let p = bytes[..q]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |i| i + 1);
        if p == q || !(p == 0 || matches!(bytes[p - 1], b'\n' | b'\r' | b' ')) {
            continue;
        }
        if let Some(num) = std::str::from_utf8(&bytes[p..q])
            .ok()
            .and_then(|n| n.parse().ok())
        {
            out.push((num, p));
        }
    }
    out
}

/// The objects' extents: the latest definition of each number, up to the next definition.
fn object_index(bytes: &[u8]) -> HashMap<u32, (usize, usize)> {
    let heads = object_heads(bytes);
    let mut index = HashMap::with_capacity(heads.len());
    for (i, &(num, start)) in heads.iter().enumerate() {
        let end = heads.get(i + 1).map_or(bytes.len(), |&(_, next)| next);
        index.insert(num, (start, end));
    }
    index
}

impl<'a> Doc<'a> {
    pub(crate) fn read(bytes: &'a [u8]) -> Result<Doc<'a>, Error> {
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
            objects: object_index(bytes),
        })
    }

    fn trailer_value(&self, key: &str) -> Option<String> {
        value_of(&self.trailer, key)
    }

    pub(crate) fn trailer_ref(&self, key: &str) -> Result<u32, Error> {
        self.trailer_value(key)
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| Error::Malformed(format!("trailer thiếu {key}")))
    }

    /// The dictionary of object `num` (its latest definition), without the outer << >>.
    pub(crate) fn object(&self, num: u32) -> Result<String, Error> {
        let &(at, end) = self
            .objects
            .get(&num)
            .ok_or_else(|| Error::Malformed(format!("không tìm thấy đối tượng {num}")))?;
        let own = &self.bytes[..end];
        let open = find(own, b"<<", at)
            .ok_or_else(|| Error::Malformed(format!("đối tượng {num} không phải từ điển")))?;
        dict_at(own, open)
    }

    /// The form field named `name` (a top-level field of /AcroForm /Fields).
    fn field(&self, catalog: &str, name: &str) -> Result<u32, Error> {
        let missing = || Error::Malformed(format!("tài liệu không có ô \"{name}\" để điền"));
        let form = value_of(catalog, "/AcroForm").ok_or_else(missing)?;
        let fields = value_of(&form, "/Fields").ok_or_else(missing)?;
        let words: Vec<&str> = fields.trim_matches(['[', ']']).split_whitespace().collect();
        for num in words
            .chunks(3)
            .filter_map(|c| c.first()?.parse::<u32>().ok())
        {
            let dict = self.object(num)?;
            if value_of(&dict, "/T").is_some_and(|t| t == format!("({name})")) {
                return Ok(num);
            }
        }
        Err(missing())
    }

    /// Every page, in order.
    fn pages(&self, catalog: &str) -> Result<Vec<u32>, Error> {
        let root = value_of(catalog, "/Pages")
            .and_then(|v| v.split_whitespace().next()?.parse::<u32>().ok())
            .ok_or_else(|| Error::Malformed("mục lục thiếu /Pages".into()))?;
        let mut out = Vec::new();
        // Depth-first, children in order; each node once, which also ends a cycle.
        let mut stack = vec![root];
        let mut seen = std::collections::HashSet::new();
        while let Some(node) = stack.pop() {
            if !seen.insert(node) {
                continue;
            }
            let dict = self.object(node)?;
            if dict.contains("/Type/Pages") || dict.contains("/Type /Pages") {
                let kids = value_of(&dict, "/Kids").unwrap_or_default();
                let words: Vec<&str> = kids.trim_matches(['[', ']']).split_whitespace().collect();
                let nums: Vec<u32> = words
                    .chunks(3)
                    .filter_map(|c| c.first()?.parse().ok())
                    .collect();
                stack.extend(nums.into_iter().rev());
            } else {
                out.push(node);
            }
        }
        Ok(out)
    }

    pub(crate) fn first_page(&self, catalog: &str) -> Result<u32, Error> {
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

/// Inside a literal string (`*paren` open parentheses deep), steps over the byte at `*i`:
/// an escape takes the next byte with it, parentheses nest. Whether it was inside one.
pub(crate) fn in_string(bytes: &[u8], i: &mut usize, paren: &mut i32) -> bool {
    if *paren == 0 {
        return false;
    }
    match bytes[*i] {
        b'\\' => *i += 1,
        b'(' => *paren += 1,
        b')' => *paren -= 1,
        _ => {}
    }
    *i += 1;
    true
}

/// The dictionary starting at `open` ("<<"), balanced, without its outer brackets.
pub(crate) fn dict_at(bytes: &[u8], open: usize) -> Result<String, Error> {
    let mut depth = 0i32;
    let mut i = open;
    let mut paren = 0i32;
    while i + 1 < bytes.len() {
        let (c, n) = (bytes[i], bytes[i + 1]);
        if in_string(bytes, &mut i, &mut paren) {
            continue;
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
pub(crate) fn value_of(dict: &str, key: &str) -> Option<String> {
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
        if rest.starts_with('(') {
            // A literal string, balanced parentheses and escapes kept.
            let (mut depth, mut escaped) = (0, false);
            for (i, c) in rest.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(rest[..=i].to_string());
                        }
                    }
                    _ => {}
                }
            }
            return None;
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
