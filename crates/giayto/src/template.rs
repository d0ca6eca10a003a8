//! Mẫu giấy tờ — a form's template, kept as data (TOML) so that a province can change its
//! wording and layout without a rebuild.
//!
//! A template is a paper size and a list of blocks laid out from top to bottom. Text may name
//! the document's fields as `{field}`, and mark **bold** and *italic* runs; a block with
//! `when = "field"` is left out when that field is empty.

use serde::Deserialize;

use crate::Error;

/// Khổ giấy.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub enum Paper {
    A4,
    A5,
    /// A4 turned sideways, for wide tables such as the log book (Mẫu 06).
    #[serde(rename = "A4-ngang")]
    A4Landscape,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        let (w, h) = (mm(210.0), mm(297.0));
        match self {
            Paper::A4 => (w, h),
            Paper::A5 => (mm(148.0), w),
            Paper::A4Landscape => (h, w),
        }
    }
}

/// Millimetres to points.
pub(crate) fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// Căn lề của chữ.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
    Justify,
}

/// A form's template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Tên mẫu, e.g. "Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả"; the PDF's title.
    pub name: String,
    pub paper: Paper,
    /// Lề: top, right, bottom, left (mm). ND 30/2020 Appendix I: 20–25 / 15–20 / 20–25 / 30–35.
    #[serde(default = "default_margins")]
    pub margins_mm: [f32; 4],
    /// Cỡ chữ of the body (pt); ND 30/2020 asks 13–14 on A4, smaller on A5.
    #[serde(default = "default_size")]
    pub font_size: f32,
    /// Page numbers ("Trang 1/3") at the foot of each page when the document has several.
    #[serde(default = "yes")]
    pub page_numbers: bool,
    /// Dòng đóng trên từng trang bản sao: for a certification statement (lời chứng), the line
    /// printed at the foot of every page of the scanned original; `{trang}` and `{tong_trang}`
    /// number the pages of the whole copy.
    #[serde(default)]
    pub copy_stamp: Option<String>,
    /// Trường do cán bộ nhập: what the handler enters for a result document (the child's name
    /// on a birth certificate, a business's trade lines), named in the blocks as `{key}` like
    /// the fields the dossier fills.
    #[serde(default, rename = "field")]
    pub fields: Vec<Field>,
    #[serde(rename = "block")]
    pub blocks: Vec<Block>,
}

/// Một trường do cán bộ xử lý nhập vào dự thảo kết quả.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The name used in the blocks: lower-case ASCII letters, digits and `_`.
    pub key: String,
    /// What the form asks, e.g. "Tên hộ kinh doanh".
    pub label: String,
    /// Bắt buộc: the result cannot be approved while it is empty.
    #[serde(default)]
    pub required: bool,
    /// Several lines (a text area) rather than one.
    #[serde(default)]
    pub multiline: bool,
    /// Longest value accepted, in characters.
    #[serde(default = "default_max_chars")]
    pub max_chars: usize,
    /// A hint under the box, e.g. "ghi bằng số và bằng chữ".
    #[serde(default)]
    pub hint: String,
    /// Điền sẵn: the document field whose value the box starts with (`dia_chi`, the
    /// applicant's address), so that nothing the citizen already gave is typed again.
    #[serde(default)]
    pub prefill: Option<String>,
}

fn default_max_chars() -> usize {
    500
}

impl Field {
    /// Whether `key` may name a field: 1–40 of `a-z`, `0-9`, `_`, starting with a letter.
    pub fn valid_key(key: &str) -> bool {
        (1..=40).contains(&key.len())
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }
}

fn default_margins() -> [f32; 4] {
    [20.0, 15.0, 20.0, 30.0]
}

fn default_size() -> f32 {
    13.0
}

fn yes() -> bool {
    true
}

/// One block of a form.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// Phần đầu: the issuing agency on the left, the national motto on the right, each line
    /// centred in its column, a short rule under the last line of each; then a line under
    /// each column (the document number, the place and date).
    Header {
        left: Vec<String>,
        right: Vec<String>,
        #[serde(default)]
        left_below: Vec<String>,
        #[serde(default)]
        right_below: Vec<String>,
        #[serde(default)]
        when: Option<String>,
    },
    /// Tên loại văn bản: centred, bold, a little larger.
    Title {
        text: String,
        #[serde(default)]
        when: Option<String>,
    },
    /// Đoạn văn.
    Paragraph {
        text: String,
        #[serde(default)]
        align: Align,
        /// Thụt đầu dòng (mm) of the first line.
        #[serde(default)]
        indent_mm: f32,
        #[serde(default)]
        size: Option<f32>,
        #[serde(default)]
        when: Option<String>,
    },
    /// Bảng: one row per item of the list `rows`, with a bold header row repeated on each page.
    Table {
        rows: String,
        columns: Vec<Column>,
        #[serde(default)]
        size: Option<f32>,
        #[serde(default)]
        when: Option<String>,
    },
    /// Chữ ký: titles, a note, room to sign, then the name, one column each.
    Signatures {
        columns: Vec<SignatureColumn>,
        #[serde(default)]
        when: Option<String>,
    },
    /// Mã QR of the text given, with a caption beside it.
    Qr {
        data: String,
        #[serde(default)]
        caption: String,
        #[serde(default = "default_qr_mm")]
        size_mm: f32,
        #[serde(default)]
        when: Option<String>,
    },
    /// Khoảng trống (mm).
    Space { mm: f32 },
}

fn default_qr_mm() -> f32 {
    22.0
}

impl Block {
    /// The field that must not be empty for the block to be shown.
    pub(crate) fn when(&self) -> Option<&str> {
        match self {
            Block::Header { when, .. }
            | Block::Title { when, .. }
            | Block::Paragraph { when, .. }
            | Block::Table { when, .. }
            | Block::Signatures { when, .. }
            | Block::Qr { when, .. } => when.as_deref(),
            Block::Space { .. } => None,
        }
    }
}

/// Một cột của bảng.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub title: String,
    /// The row's field shown in the column.
    pub field: String,
    /// Share of the table's width (the shares are scaled to fill it).
    pub width: f32,
    #[serde(default)]
    pub align: Align,
}

/// Một cột chữ ký.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureColumn {
    pub title: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub name: String,
}

impl Template {
    /// Reads a template; says where it is wrong.
    pub fn parse(text: &str) -> Result<Template, Error> {
        let t: Template =
            toml::from_str(text).map_err(|e| Error::Template(toml_message(&e, text)))?;
        if t.blocks.is_empty() {
            return Err(Error::Template("mẫu chưa có khối nào ([[block]])".into()));
        }
        if !(6.0..=30.0).contains(&t.font_size) {
            return Err(Error::Template(format!(
                "cỡ chữ {} ngoài khoảng 6–30",
                t.font_size
            )));
        }
        let (w, h) = t.paper.size();
        let [top, right, bottom, left] = t.margins_mm.map(mm);
        if [top, right, bottom, left].iter().any(|m| *m < 0.0)
            || left + right > w * 0.6
            || top + bottom > h * 0.6
        {
            return Err(Error::Template("lề giấy không hợp lệ".into()));
        }
        for (i, f) in t.fields.iter().enumerate() {
            if !Field::valid_key(&f.key) {
                return Err(Error::Template(format!(
                    "tên trường \"{}\" không hợp lệ (chữ thường không dấu, số, dấu _; tối đa 40 ký tự)",
                    crate::short(&f.key)
                )));
            }
            if t.fields[..i].iter().any(|g| g.key == f.key) {
                return Err(Error::Template(format!(
                    "trường \"{}\" khai báo hai lần",
                    f.key
                )));
            }
            if f.label.trim().is_empty() || !(1..=20_000).contains(&f.max_chars) {
                return Err(Error::Template(format!(
                    "trường \"{}\" cần nhãn (label) và độ dài tối đa (max_chars) từ 1 đến 20000",
                    f.key
                )));
            }
        }
        for b in &t.blocks {
            if let Block::Table { columns, .. } = b
                && (columns.is_empty() || columns.iter().any(|c| c.width <= 0.0))
            {
                return Err(Error::Template(
                    "bảng cần ít nhất một cột, mỗi cột có độ rộng dương".into(),
                ));
            }
            if let Block::Signatures { columns, .. } = b
                && columns.is_empty()
            {
                return Err(Error::Template("khối chữ ký cần ít nhất một cột".into()));
            }
        }
        Ok(t)
    }
}

/// A TOML error in Vietnamese, with its line.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
    let what = e.message();
    match line {
        Some(l) => format!("dòng {l}: {}", vietnamese(what)),
        None => vietnamese(what),
    }
}

/// The TOML library's message, in the words an operator reads.
fn vietnamese(what: &str) -> String {
    if let Some(rest) = what.strip_prefix("missing field ") {
        return format!("thiếu trường {rest}");
    }
    if let Some(rest) = what.strip_prefix("unknown field ") {
        let name = rest.split(',').next().unwrap_or(rest);
        return format!("trường {name} không có trong mẫu");
    }
    if what.starts_with("unknown variant") {
        let name = what.split('`').nth(1).unwrap_or("?");
        return format!(
            "giá trị `{name}` không hợp lệ (khổ giấy: A4, A5, A4-ngang; loại khối: header, title, paragraph, table, signatures, qr, space; căn lề: left, center, right, justify)"
        );
    }
    "cú pháp TOML không đúng".into()
}
