//! Giấy tờ — official documents as PDF.
//!
//! A form is a [`Template`] (data: a province edits it without a rebuild) filled with a
//! document's [`Data`] and laid out on A4 or A5 pages in Liberation Serif (metric-compatible with
//! Times New Roman, SIL OFL 1.1, embedded and subset), with page numbers and, where the template
//! asks, a QR code. This crate is a leaf: only what renders documents depends on it.

mod copy;
mod layout;
mod pdf;
pub mod template;

use std::collections::BTreeMap;

pub use copy::{Original, certified_copy, certified_copy_draft, certified_copy_with_blanks};
pub use template::{Field, Paper, Template};

/// Dấu dự thảo: the word drawn across every page of a draft.
pub const DRAFT_MARK: &str = "DỰ THẢO";

/// Why a document could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Mẫu sai: the template cannot be read.
    #[error("mẫu giấy tờ không hợp lệ: {0}")]
    Template(String),
    /// Mẫu dùng một trường mà giấy tờ không có.
    #[error("mẫu dùng trường \"{0}\" mà giấy tờ này không có")]
    UnknownField(String),
    /// Mẫu dùng một danh sách mà giấy tờ không có.
    #[error("mẫu dùng danh sách \"{0}\" mà giấy tờ này không có")]
    UnknownList(String),
    /// Không tạo được mã QR (nội dung quá dài).
    #[error("không tạo được mã QR: nội dung quá dài")]
    Qr,
    /// Bản chính không dùng được để làm bản sao.
    #[error("{0}")]
    Original(String),
    /// Lỗi khi ghi tệp PDF.
    #[error("không ghi được tệp PDF: {0}")]
    Pdf(String),
}

/// Dữ liệu của một giấy tờ: named text fields and named lists of rows (for tables).
#[derive(Debug, Clone, Default)]
pub struct Data {
    fields: BTreeMap<String, String>,
    lists: BTreeMap<String, Vec<BTreeMap<String, String>>>,
}

impl Data {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a field (`{name}` in the template).
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.fields.insert(name.to_string(), value.into());
        self
    }

    /// Adds a row to the list `name` (the rows of a table).
    pub fn push_row<'a, V: Into<String>>(
        &mut self,
        name: &str,
        row: impl IntoIterator<Item = (&'a str, V)>,
    ) -> &mut Self {
        self.lists.entry(name.to_string()).or_default().push(
            row.into_iter()
                .map(|(k, v)| (k.to_string(), v.into()))
                .collect(),
        );
        self
    }

    /// Leaves the field `name` blank, `width_mm` wide, for a later layer: the clerk's number
    /// and date written after the approver has signed. [`render_with_blanks`] says where it
    /// went.
    pub fn blank(&mut self, name: &str, width_mm: f32) -> &mut Self {
        let name: String = name.chars().filter(|c| !BLANK_MARKS.contains(c)).collect();
        let w = template::mm(width_mm.max(1.0));
        self.fields.insert(
            name.clone(),
            format!(
                "{}{name}{}{w}{}",
                BLANK_MARKS[0], BLANK_MARKS[1], BLANK_MARKS[2]
            ),
        );
        self
    }

    /// Declares a list, even when it has no rows.
    pub fn list(&mut self, name: &str) -> &mut Self {
        self.lists.entry(name.to_string()).or_default();
        self
    }

    fn field(&self, name: &str) -> Result<&str, Error> {
        self.fields
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| Error::UnknownField(name.to_string()))
    }

    fn rows(&self, name: &str) -> Result<&[BTreeMap<String, String>], Error> {
        self.lists
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| Error::UnknownList(name.to_string()))
    }

    /// Whether a block conditioned on `name` is shown: the field or list is not empty.
    fn present(&self, name: &str) -> Result<bool, Error> {
        if let Some(v) = self.fields.get(name) {
            return Ok(!v.trim().is_empty());
        }
        if let Some(rows) = self.lists.get(name) {
            return Ok(!rows.is_empty());
        }
        Err(Error::UnknownField(name.to_string()))
    }
}

/// The characters that wrap a blank in a laid-out text (private use: never in a document's
/// own text).
const BLANK_MARKS: [char; 3] = ['\u{E000}', '\u{E001}', '\u{E002}'];

/// A text with a blank in it: the text before, the blank's name and width, the text after.
fn split_blank(text: &str) -> Option<(&str, (&str, f32), &str)> {
    let open = text.find(BLANK_MARKS[0])?;
    let rest = &text[open + BLANK_MARKS[0].len_utf8()..];
    let mid = rest.find(BLANK_MARKS[1])?;
    let after = &rest[mid + BLANK_MARKS[1].len_utf8()..];
    let close = after.find(BLANK_MARKS[2])?;
    let w = after[..close].parse().ok()?;
    Some((
        &text[..open],
        (&rest[..mid], w),
        &after[close + BLANK_MARKS[2].len_utf8()..],
    ))
}

/// Chỗ để trống — where a blank ([`Data::blank`]) or a signature column's signing space
/// (named `chu_ky_1`, `chu_ky_2`, … by column) was laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct Blank {
    pub name: String,
    /// Page index, from 0.
    pub page: usize,
    /// The box in PDF points from the page's bottom left: x0, y0, x1, y1.
    pub rect: [f32; 4],
    /// The text style that belongs in it.
    pub size: f32,
    pub bold: bool,
    pub italic: bool,
}

/// Fills `{field}` in `text` from `lookup`; `{{` and `}}` stand for braces.
fn fill(text: &str, lookup: impl Fn(&str) -> Result<String, Error>) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
            out.push_str(&tail[..1]);
            rest = after;
            continue;
        }
        if tail.starts_with('}') {
            return Err(Error::Template(format!(
                "dấu }} thừa trong \"{}\"",
                short(text)
            )));
        }
        let end = tail
            .find('}')
            .ok_or_else(|| Error::Template(format!("thiếu dấu }} trong \"{}\"", short(text))))?;
        out.push_str(&lookup(tail[1..end].trim())?);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The start of a long text, for a message.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// Renders a template with a document's data into a PDF file.
pub fn render(template: &Template, data: &Data) -> Result<Vec<u8>, Error> {
    let pages = layout::lay_out(template, data)?;
    pdf::write(template, pages, None)
}

/// Renders a document as [`render`] does, and says where its blanks and signing spaces are.
pub fn render_with_blanks(
    template: &Template,
    data: &Data,
) -> Result<(Vec<u8>, Vec<Blank>), Error> {
    let sheets = pdf::sheets(template, layout::lay_out(template, data)?);
    let blanks = blanks_of(&sheets);
    Ok((pdf::write_sheets(&template.name, &sheets, None)?, blanks))
}

/// Where the blanks of laid-out sheets are, in PDF coordinates.
fn blanks_of(sheets: &[pdf::Sheet]) -> Vec<Blank> {
    let mut out = Vec::new();
    for (page, sheet) in sheets.iter().enumerate() {
        let h = sheet.size.1;
        for op in &sheet.ops {
            if let layout::Op::Blank {
                name,
                x,
                y,
                w,
                h: bh,
                style,
                size,
            } = op
            {
                out.push(Blank {
                    name: name.clone(),
                    page,
                    rect: [*x, h - y - bh, x + w, h - y],
                    size: *size,
                    bold: *style == layout::Style::Bold,
                    italic: *style == layout::Style::Italic,
                });
            }
        }
    }
    out
}

/// One thing an appearance shows, placed from the top left of its box (points).
#[derive(Debug, Clone)]
pub enum Mark<'a> {
    /// A PNG picture (a handwritten signature, a seal) fitted in x, y, w, h keeping its
    /// proportions, centred.
    Picture { png: &'a [u8], at: [f32; 4] },
    /// A line of text with its baseline at y, in an RGB colour.
    Text {
        text: String,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        italic: bool,
        rgb: [u8; 3],
    },
}

/// The width of a line of text in the documents' typeface.
pub fn text_width(text: &str, bold: bool, italic: bool, size: f32) -> f32 {
    layout::width(text, layout::style(bold, italic), size)
}

/// A QR code of `text` as an SVG image (a square of dark modules on white, with the quiet zone
/// of 4 modules the standard asks for), for a web page: the VietQR code of a fee, for one.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| Error::Qr)?;
    let n = code.width();
    let side = n + 8;
    // Four pixels a module where no style sizes it.
    let px = side * 4;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % n + 4, i / n + 4);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{px}\" height=\"{px}\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// A one-page PDF of `w`×`h` points showing `marks`: the appearance of a signature or of a
/// blank filled in later, which a signer places on the document.
pub fn appearance(w: f32, h: f32, marks: &[Mark<'_>]) -> Result<Vec<u8>, Error> {
    pdf::write_appearance((w, h), marks)
}

/// Renders a draft: the document as [`render`] makes it, with [`DRAFT_MARK`] across every
/// page, for review before it is approved and signed.
pub fn render_draft(template: &Template, data: &Data) -> Result<Vec<u8>, Error> {
    let pages = layout::lay_out(template, data)?;
    pdf::write(template, pages, Some(DRAFT_MARK))
}

/// The templates that ship with Một Cửa, by file name (without `.toml`).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("mau-01", include_str!("../templates/mau-01.toml")),
    ("mau-02", include_str!("../templates/mau-02.toml")),
    ("mau-03", include_str!("../templates/mau-03.toml")),
    ("mau-04", include_str!("../templates/mau-04.toml")),
    ("mau-05", include_str!("../templates/mau-05.toml")),
    ("mau-06", include_str!("../templates/mau-06.toml")),
    ("giao-nhan", include_str!("../templates/giao-nhan.toml")),
    ("tra-ket-qua", include_str!("../templates/tra-ket-qua.toml")),
    ("buu-chinh", include_str!("../templates/buu-chinh.toml")),
    ("ket-qua", include_str!("../templates/ket-qua.toml")),
    (
        "ket-qua-1.001612",
        include_str!("../templates/ket-qua-1.001612.toml"),
    ),
    ("chung-thuc", include_str!("../templates/chung-thuc.toml")),
    ("bien-lai", include_str!("../templates/bien-lai.toml")),
    (
        "bang-ke-thu-phi",
        include_str!("../templates/bang-ke-thu-phi.toml"),
    ),
];

/// A built-in template by name.
pub fn built_in(name: &str) -> Option<Template> {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| Template::parse(text).expect("the built-in templates are valid"))
}
