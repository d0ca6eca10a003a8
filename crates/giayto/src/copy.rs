//! Bản sao điện tử chứng thực từ bản chính — the scanned original, page by page on A4, each page
//! marked at its foot with the certification stamp line (it stands for the seal across the
//! pages, dấu giáp lai), followed by the certification statement (lời chứng) laid out from a
//! template (ND 23/2015 Art. 20, as amended).

use std::sync::Arc;

use krilla::image::Image;
use krilla::pdf::PdfDocument;

use crate::layout::{self, Op, Style};
use crate::pdf::{self, Sheet, Underlay};
use crate::template::mm;
use crate::{Data, Error, Template, fill};

/// Bản chính đã quét: one scanned original as stored (a PDF, a JPEG or a PNG).
#[derive(Debug, Clone, Copy)]
pub struct Original<'a> {
    pub name: &'a str,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
}

/// Margins around the scan on a copy page (top, right, bottom, left, mm): the bottom leaves
/// room for the stamp line.
const SCAN_MARGINS: [f32; 4] = [12.0, 12.0, 22.0, 12.0];

/// The pages of one original, ready to draw: the underlay and its own width and height.
fn pages_of(o: &Original<'_>) -> Result<Vec<(Underlay, f32, f32)>, Error> {
    let unreadable =
        |why: &str| Error::Original(format!("bản chính {}: {why}", crate::short(o.name)));
    match o.media_type {
        "application/pdf" => {
            let parsed = krilla::pdf::Pdf::new(Arc::new(o.bytes.to_vec()))
                .map_err(|_| unreadable("không đọc được tệp PDF (hỏng hoặc có mật khẩu)"))?;
            let sizes: Vec<(f32, f32)> = parsed
                .pages()
                .iter()
                .map(|p| p.render_dimensions())
                .collect();
            if sizes.is_empty() {
                return Err(unreadable("tệp PDF không có trang nào"));
            }
            let doc = PdfDocument::new(Arc::new(parsed));
            Ok(sizes
                .into_iter()
                .enumerate()
                .map(|(i, (w, h))| (Underlay::Page(doc.clone(), i), w, h))
                .collect())
        }
        "image/jpeg" | "image/png" => {
            let data = krilla::Data::from(o.bytes.to_vec());
            let image = if o.media_type == "image/png" {
                Image::from_png(data, true)
            } else {
                Image::from_jpeg(data, true)
            }
            .map_err(|_| unreadable("không đọc được ảnh"))?;
            let (w, h) = image.size();
            if w == 0 || h == 0 {
                return Err(unreadable("ảnh rỗng"));
            }
            Ok(vec![(Underlay::Picture(image), w as f32, h as f32)])
        }
        _ => Err(unreadable(
            "chỉ chứng thực được bản quét PDF, JPEG hoặc PNG",
        )),
    }
}

/// The box of width `w` and height `h`, scaled to fit the scan area of a `paper` page and
/// centred in it.
fn fit(paper: (f32, f32), w: f32, h: f32) -> [f32; 4] {
    let [top, right, bottom, left] = SCAN_MARGINS.map(mm);
    let (bw, bh) = (paper.0 - left - right, paper.1 - top - bottom);
    let scale = (bw / w).min(bh / h);
    let (sw, sh) = (w * scale, h * scale);
    [left + (bw - sw) / 2.0, top + (bh - sh) / 2.0, sw, sh]
}

/// Makes the electronic certified copy of `originals`: every page of every original on its
/// own page with the template's `copy_stamp` line at its foot (`{trang}` and `{tong_trang}`
/// number the pages of the whole copy), then the template's blocks (the certification
/// statement) on the last pages.
pub fn certified_copy(
    statement: &Template,
    data: &Data,
    originals: &[Original<'_>],
) -> Result<Vec<u8>, Error> {
    make(statement, data, originals, None).map(|(pdf, _)| pdf)
}

/// The certified copy as [`certified_copy`] makes it, and where the blanks and signing
/// spaces of its statement are (see [`crate::render_with_blanks`]).
pub fn certified_copy_with_blanks(
    statement: &Template,
    data: &Data,
    originals: &[Original<'_>],
) -> Result<(Vec<u8>, Vec<crate::Blank>), Error> {
    make(statement, data, originals, None)
}

/// The certified copy as [`certified_copy`] makes it, with [`crate::DRAFT_MARK`] across
/// every page, for review before it is signed.
pub fn certified_copy_draft(
    statement: &Template,
    data: &Data,
    originals: &[Original<'_>],
) -> Result<Vec<u8>, Error> {
    make(statement, data, originals, Some(crate::DRAFT_MARK)).map(|(pdf, _)| pdf)
}

fn make(
    statement: &Template,
    data: &Data,
    originals: &[Original<'_>],
    mark: Option<&str>,
) -> Result<(Vec<u8>, Vec<crate::Blank>), Error> {
    let stamp = statement.copy_stamp.as_deref().ok_or_else(|| {
        Error::Template("mẫu lời chứng thiếu dòng đóng trên từng trang (copy_stamp)".into())
    })?;
    if originals.is_empty() {
        return Err(Error::Original("chưa có bản quét của bản chính".into()));
    }
    let mut scans = Vec::new();
    for o in originals {
        scans.extend(pages_of(o)?);
    }
    let mut data = data.clone();
    data.set("so_trang_ban_chinh", scans.len().to_string());
    let data = &data;
    let words = layout::lay_out_unnumbered(statement, data)?;
    let total = scans.len() + words.len();
    let paper = statement.paper.size();
    let line = |n: usize| {
        fill(stamp, |name| match name {
            "trang" => Ok(n.to_string()),
            "tong_trang" => Ok(total.to_string()),
            _ => data.field(name).map(str::to_string),
        })
    };
    let mut sheets = Vec::with_capacity(total);
    for (i, (under, w, h)) in scans.into_iter().enumerate() {
        let place = fit(paper, w, h);
        let mut ops = frame(place);
        ops.extend(stamp_lines(statement, &line(i + 1)?));
        sheets.push(Sheet {
            size: paper,
            under: Some((under, place)),
            ops,
        });
    }
    let first = sheets.len();
    for (i, mut ops) in words.into_iter().enumerate() {
        let text = format!("Trang {}/{}", first + i + 1, total);
        ops.push(layout::foot_line(statement, &text, Style::Regular));
        sheets.push(Sheet {
            size: paper,
            under: None,
            ops,
        });
    }
    let blanks = crate::blanks_of(&sheets);
    Ok((pdf::write_sheets(&statement.name, &sheets, mark)?, blanks))
}

/// A thin frame around the scan, so that where the original ends shows on a white page.
fn frame([x, y, w, h]: [f32; 4]) -> Vec<Op> {
    let rule = |x1, y1, x2, y2| Op::Rule {
        x1,
        y1,
        x2,
        y2,
        width: 0.4,
    };
    vec![
        rule(x, y, x + w, y),
        rule(x + w, y, x + w, y + h),
        rule(x + w, y + h, x, y + h),
        rule(x, y + h, x, y),
    ]
}

/// The stamp line under the scan: one line, or two split at the " — " nearest the middle
/// when one would not fit at the foot-line size.
fn stamp_lines(t: &Template, text: &str) -> Vec<Op> {
    let (need, room) = layout::foot_width(t, text, Style::Italic);
    let y = t.paper.size().1 - mm(SCAN_MARGINS[2]) / 2.0;
    let split = text
        .match_indices(" — ")
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(text.len() / 2));
    match split {
        Some(i) if need > room => {
            let gap = (t.font_size - 2.0) * 1.2;
            vec![
                layout::foot_line_at(t, &text[..i], Style::Italic, y - gap / 2.0),
                layout::foot_line_at(t, &text[i + " — ".len()..], Style::Italic, y + gap / 2.0),
            ]
        }
        _ => vec![layout::foot_line_at(t, text, Style::Italic, y)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_keeps_its_proportions_inside_the_margins() {
        let paper = crate::Paper::A4.size();
        let [x, y, w, h] = fit(paper, 1000.0, 2000.0);
        assert!((w / h - 0.5).abs() < 1e-4);
        assert!(x >= mm(12.0) - 0.01 && y >= mm(12.0) - 0.01);
        assert!(x + w <= paper.0 - mm(12.0) + 0.01);
        assert!(y + h <= paper.1 - mm(22.0) + 0.01);
    }
}
