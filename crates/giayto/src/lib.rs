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

pub use copy::{Original, certified_copy, certified_copy_draft};
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
];

/// A built-in template by name.
pub fn built_in(name: &str) -> Option<Template> {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| Template::parse(text).expect("the built-in templates are valid"))
}
