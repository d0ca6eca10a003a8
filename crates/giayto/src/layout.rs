//! Dàn trang — lays a filled template out on pages: lines broken by measured width, tables that
//! continue on the next page under their header row, blocks that must not split kept whole.

use std::sync::LazyLock;

use crate::template::{Align, Block, Column, SignatureColumn, Template, mm};
use crate::{Data, Error, fill};

/// Kiểu chữ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Regular = 0,
    Bold = 1,
    Italic = 2,
}

/// The style of a text that is bold, italic, or neither (bold wins).
pub(crate) fn style(bold: bool, italic: bool) -> Style {
    match (bold, italic) {
        (true, _) => Style::Bold,
        (false, true) => Style::Italic,
        _ => Style::Regular,
    }
}

pub(crate) const FONTS: [&[u8]; 3] = [
    include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
];

static FACES: LazyLock<Vec<rustybuzz::Face<'static>>> = LazyLock::new(|| {
    FONTS
        .iter()
        .map(|f| rustybuzz::Face::from_slice(f, 0).expect("the embedded fonts parse"))
        .collect()
});

/// Width of `text` in `style` at `size` points, as shaped; a blank left for a later layer
/// ([`Data::blank`]) counts its own width.
pub(crate) fn width(text: &str, style: Style, size: f32) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    if let Some((before, blank, after)) = crate::split_blank(text) {
        return width(before, style, size) + blank.1 + width(after, style, size);
    }
    let face = &FACES[style as usize];
    let mut buf = rustybuzz::UnicodeBuffer::new();
    buf.push_str(text);
    let shaped = rustybuzz::shape(face, &[], buf);
    let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
    units as f32 * size / f32::from(face.units_per_em() as u16)
}

/// What is drawn on a page.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        style: Style,
        size: f32,
        text: String,
    },
    /// A straight line.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// Filled squares (a QR code's dark modules).
    Squares { cells: Vec<(f32, f32)>, side: f32 },
    /// A blank left for a later layer (not drawn): its name, its box from the top left, and
    /// the text style that belongs in it.
    Blank {
        name: String,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        style: Style,
        size: f32,
    },
}

/// A piece of text in one style; `space` says a space comes before it (a line may break there).
#[derive(Debug, Clone)]
struct Piece {
    style: Style,
    text: String,
    space: bool,
}

/// Splits a template text into styled runs (`**bold**`, `*italic*`), fills each run's fields,
/// and cuts the result into pieces at spaces.
fn pieces(template: &str, data: &Data, base: Style) -> Result<Vec<Vec<Piece>>, Error> {
    let mut runs: Vec<(Style, &str)> = Vec::new();
    let mut rest = template;
    let mut style = base;
    while !rest.is_empty() {
        let (marker, toggled) = if rest.starts_with("**") {
            ("**", Style::Bold)
        } else if rest.starts_with('*') {
            ("*", Style::Italic)
        } else {
            let next = rest.find('*').unwrap_or(rest.len());
            runs.push((style, &rest[..next]));
            rest = &rest[next..];
            continue;
        };
        style = if style == toggled { base } else { toggled };
        rest = &rest[marker.len()..];
    }
    let filled = runs
        .into_iter()
        .map(|(style, run)| {
            Ok((
                style,
                fill(run, |name| data.field(name).map(str::to_string))?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(words(filled))
}

/// Cuts styled text into lines (at explicit line breaks) of pieces (at spaces).
fn words(runs: Vec<(Style, String)>) -> Vec<Vec<Piece>> {
    let mut lines: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut space = false;
    for (style, text) in runs {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
                space = false;
            }
            let mut first = true;
            for word in line.split(' ') {
                if !first {
                    space = true;
                }
                first = false;
                if word.is_empty() {
                    continue;
                }
                let current = lines.last_mut().expect("one line at least");
                current.push(Piece {
                    style,
                    text: word.to_string(),
                    space: space && !current.is_empty(),
                });
                space = false;
            }
        }
    }
    lines
}

/// A laid-out line: pieces at their offsets, and its width.
#[derive(Debug, Default)]
struct Line {
    parts: Vec<(f32, Style, String)>,
    width: f32,
    /// Breaks between words, where justification adds space.
    gaps: Vec<usize>,
    /// The line opens the text or follows an explicit line break: it takes the indent.
    opens: bool,
}

/// Breaks pieces into lines of at most `max` points; the first line of the text and each line
/// after an explicit break (a list of trades, one per line) are `first_indent` narrower.
fn break_lines(source: &[Vec<Piece>], size: f32, max: f32, first_indent: f32) -> Vec<Line> {
    let space = width(" ", Style::Regular, size);
    let mut out = Vec::new();
    for pieces in source {
        let mut line = Line {
            opens: true,
            ..Line::default()
        };
        let mut limit = max - first_indent;
        // Words: a piece and those glued to it (no space between).
        let mut i = 0;
        while i < pieces.len() {
            let mut j = i + 1;
            while j < pieces.len() && !pieces[j].space {
                j += 1;
            }
            let word: Vec<(Style, &str, f32)> = pieces[i..j]
                .iter()
                .map(|p| (p.style, p.text.as_str(), width(&p.text, p.style, size)))
                .collect();
            let w: f32 = word.iter().map(|p| p.2).sum();
            let gap = if line.parts.is_empty() { 0.0 } else { space };
            if !line.parts.is_empty() && line.width + gap + w > limit {
                out.push(std::mem::take(&mut line));
                limit = max;
            }
            if !line.parts.is_empty() {
                line.width += space;
                line.gaps.push(line.parts.len());
            }
            for (style, text, pw) in word {
                if pw > limit - line.width && line.parts.is_empty() {
                    // A word longer than the line (an address): cut it where it must.
                    let mut chunk = String::new();
                    for c in text.chars() {
                        chunk.push(c);
                        if width(&chunk, style, size) > limit && chunk.chars().count() > 1 {
                            chunk.pop();
                            let cw = width(&chunk, style, size);
                            line.parts
                                .push((line.width, style, std::mem::take(&mut chunk)));
                            line.width += cw;
                            out.push(std::mem::take(&mut line));
                            limit = max;
                            chunk.push(c);
                        }
                    }
                    let cw = width(&chunk, style, size);
                    line.parts.push((line.width, style, chunk));
                    line.width += cw;
                    continue;
                }
                line.parts.push((line.width, style, text.to_string()));
                line.width += pw;
            }
            i = j;
        }
        out.push(line);
    }
    out
}

/// Pages being filled.
pub(crate) struct Flow {
    pub pages: Vec<Vec<Op>>,
    y: f32,
    top: f32,
    bottom: f32,
    left: f32,
    width: f32,
}

impl Flow {
    fn new(t: &Template) -> Self {
        let (w, h) = t.paper.size();
        let [top, right, bottom, left] = t.margins_mm.map(mm);
        Flow {
            pages: vec![Vec::new()],
            y: top,
            top,
            bottom: h - bottom,
            left,
            width: w - left - right,
        }
    }

    /// Makes room for `h` points, on a new page when this one has not.
    fn room(&mut self, h: f32) {
        if self.y + h > self.bottom && self.y > self.top {
            self.pages.push(Vec::new());
            self.y = self.top;
        }
    }

    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    /// Draws lines at the cursor within [x, x + w], aligned; moves the cursor down.
    fn lines(&mut self, lines: &[Line], x: f32, w: f32, size: f32, align: Align, indent: f32) {
        let leading = size * 1.3;
        for (n, line) in lines.iter().enumerate() {
            self.room(leading);
            let first = if line.opens { indent } else { 0.0 };
            let free = w - first - line.width;
            let last = n + 1 == lines.len();
            let (start, extra) = match align {
                Align::Left => (0.0, 0.0),
                Align::Center => (free / 2.0, 0.0),
                Align::Right => (free, 0.0),
                Align::Justify if !last && !line.gaps.is_empty() && free > 0.0 => {
                    (0.0, free / line.gaps.len() as f32)
                }
                Align::Justify => (0.0, 0.0),
            };
            let baseline = self.y + size * 0.95;
            let mut shift = 0.0;
            for (i, (dx, style, text)) in line.parts.iter().enumerate() {
                if line.gaps.contains(&i) {
                    shift += extra;
                }
                let x = x + first + start + dx + shift;
                match crate::split_blank(text) {
                    Some((before, (name, w), after)) => {
                        let at = x + width(before, *style, size);
                        self.text(x, baseline, *style, size, before);
                        self.op(Op::Blank {
                            name: name.to_string(),
                            x: at,
                            y: self.y,
                            w,
                            h: size * 1.3,
                            style: *style,
                            size,
                        });
                        self.text(at + w, baseline, *style, size, after);
                    }
                    None => self.text(x, baseline, *style, size, text),
                }
            }
            self.y += leading;
        }
    }

    fn text(&mut self, x: f32, y: f32, style: Style, size: f32, text: &str) {
        if !text.is_empty() {
            self.op(Op::Text {
                x,
                y,
                style,
                size,
                text: text.to_string(),
            });
        }
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        self.op(Op::Rule {
            x1,
            y1: y,
            x2,
            y2: y,
            width: 0.6,
        });
    }
}

/// Lays the template out with the data, numbering the pages when the template asks.
pub(crate) fn lay_out(t: &Template, data: &Data) -> Result<Vec<Vec<Op>>, Error> {
    let mut pages = lay_out_unnumbered(t, data)?;
    if t.page_numbers && pages.len() > 1 {
        let n = pages.len();
        for (i, page) in pages.iter_mut().enumerate() {
            page.push(foot_line(
                t,
                &format!("Trang {}/{}", i + 1, n),
                Style::Regular,
            ));
        }
    }
    Ok(pages)
}

/// Lays the template out without page numbers (the caller numbers the pages of a longer
/// document it is part of).
pub(crate) fn lay_out_unnumbered(t: &Template, data: &Data) -> Result<Vec<Vec<Op>>, Error> {
    let mut flow = Flow::new(t);
    let size = t.font_size;
    for block in &t.blocks {
        if let Some(field) = block.when()
            && !data.present(field)?
        {
            continue;
        }
        match block {
            Block::Header {
                left,
                right,
                left_below,
                right_below,
                ..
            } => header(
                &mut flow,
                data,
                size,
                [left, right],
                [left_below, right_below],
            )?,
            Block::Title { text, .. } => {
                flow.y += size * 0.8;
                let lines = break_lines(
                    &pieces(text, data, Style::Bold)?,
                    size + 1.0,
                    flow.width,
                    0.0,
                );
                let (x, w) = (flow.left, flow.width);
                flow.lines(&lines, x, w, size + 1.0, Align::Center, 0.0);
                flow.y += size * 0.5;
            }
            Block::Paragraph {
                text,
                align,
                indent_mm,
                size: own,
                ..
            } => {
                let s = own.unwrap_or(size);
                let indent = mm(*indent_mm);
                let lines =
                    break_lines(&pieces(text, data, Style::Regular)?, s, flow.width, indent);
                let (x, w) = (flow.left, flow.width);
                flow.lines(&lines, x, w, s, *align, indent);
                flow.y += s * 0.25;
            }
            Block::Table {
                rows,
                columns,
                size: own,
                ..
            } => table(&mut flow, data, rows, columns, own.unwrap_or(size - 1.0))?,
            Block::Signatures { columns, .. } => signatures(&mut flow, data, columns, size)?,
            Block::Qr {
                data: what,
                caption,
                size_mm,
                ..
            } => qr(&mut flow, data, what, caption, mm(*size_mm), size - 1.0)?,
            Block::Space { mm: gap } => flow.y += mm(*gap),
        }
    }
    Ok(flow.pages)
}

/// One line of text centred in the bottom margin of a page of `t`'s paper, shrunk to fit the
/// width between the side margins.
pub(crate) fn foot_line(t: &Template, text: &str, style: Style) -> Op {
    let h = t.paper.size().1;
    foot_line_at(t, text, style, h - mm(t.margins_mm[2]) / 2.0)
}

/// The width of the text of a foot line, at the size foot lines are set in.
pub(crate) fn foot_width(t: &Template, text: &str, style: Style) -> (f32, f32) {
    let (w, _) = t.paper.size();
    (
        width(text, style, t.font_size - 2.0),
        w - mm(t.margins_mm[1]) - mm(t.margins_mm[3]),
    )
}

/// A foot line with its baseline at `y`.
pub(crate) fn foot_line_at(t: &Template, text: &str, style: Style, y: f32) -> Op {
    let (w, _) = t.paper.size();
    let room = w - mm(t.margins_mm[1]) - mm(t.margins_mm[3]);
    let mut s = t.font_size - 2.0;
    let mut tw = width(text, style, s);
    if tw > room {
        s *= room / tw;
        tw = room;
    }
    Op::Text {
        x: (w - tw) / 2.0,
        y,
        style,
        size: s,
        text: text.to_string(),
    }
}

/// The agency and motto block: two columns, each line centred, a short rule under each column.
fn header(
    flow: &mut Flow,
    data: &Data,
    size: f32,
    columns: [&Vec<String>; 2],
    below: [&Vec<String>; 2],
) -> Result<(), Error> {
    let s = size - 1.0;
    let left_w = flow.width * 0.42;
    let spans = [
        (flow.left, left_w),
        (flow.left + left_w, flow.width - left_w),
    ];
    let top = flow.y;
    let mut bottom = top;
    for (i, (x, w)) in spans.into_iter().enumerate() {
        flow.y = top;
        let (mut widest, mut last): (f32, f32) = (0.0, 0.0);
        for line in columns[i] {
            let lines = break_lines(&pieces(line, data, Style::Regular)?, s, w, 0.0);
            widest = lines.iter().map(|l| l.width).fold(widest, f32::max);
            last = lines.last().map_or(0.0, |l| l.width);
            flow.lines(&lines, x, w, s, Align::Center, 0.0);
        }
        if !columns[i].is_empty() {
            // The short rule (ND 30/2020 Phụ lục I): a third of the agency's name under it, as
            // long as the motto's second line under that.
            let len = if i == 0 { widest / 3.0 } else { last };
            let y = flow.y + s * 0.05;
            flow.rule(x + (w - len) / 2.0, x + (w + len) / 2.0, y);
            flow.y += s * 0.5;
        }
        for line in below[i] {
            let lines = break_lines(&pieces(line, data, Style::Regular)?, s, w, 0.0);
            flow.lines(&lines, x, w, s, Align::Center, 0.0);
        }
        bottom = bottom.max(flow.y);
    }
    flow.y = bottom + s * 0.3;
    Ok(())
}

/// A table with borders; the header row repeats on each page it continues on.
fn table(
    flow: &mut Flow,
    data: &Data,
    list: &str,
    columns: &[Column],
    size: f32,
) -> Result<(), Error> {
    let total: f32 = columns.iter().map(|c| c.width).sum();
    let widths: Vec<f32> = columns
        .iter()
        .map(|c| c.width / total * flow.width)
        .collect();
    let pad = 3.0;
    let leading = size * 1.3;
    // Cell text is data, not template: no fields or markup in it.
    let cell_lines = |text: &str, style: Style, w: f32| -> Result<Vec<Line>, Error> {
        Ok(break_lines(
            &words(vec![(style, text.to_string())]),
            size,
            w - 2.0 * pad,
            0.0,
        ))
    };
    let heading: Vec<Vec<Line>> = columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| cell_lines(&c.title, Style::Bold, *w))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for row in data.rows(list)? {
        let cells: Vec<Vec<Line>> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                let text = row.get(&c.field).map(String::as_str).unwrap_or("");
                cell_lines(text, Style::Regular, *w)
            })
            .collect::<Result<_, _>>()?;
        rows.push(cells);
    }
    let height = |cells: &[Vec<Line>]| {
        cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * leading + 2.0 * pad
    };
    let draw = |flow: &mut Flow, cells: &[Vec<Line>], aligns: &[Align]| {
        let h = height(cells);
        let top = flow.y;
        let mut x = flow.left;
        for ((lines, w), align) in cells.iter().zip(&widths).zip(aligns) {
            flow.y = top + pad;
            flow.lines(lines, x + pad, w - 2.0 * pad, size, *align, 0.0);
            flow.op(Op::Rule {
                x1: x,
                y1: top,
                x2: x,
                y2: top + h,
                width: 0.5,
            });
            x += w;
        }
        flow.op(Op::Rule {
            x1: x,
            y1: top,
            x2: x,
            y2: top + h,
            width: 0.5,
        });
        flow.rule(flow.left, x, top);
        flow.rule(flow.left, x, top + h);
        flow.y = top + h;
    };
    let center = vec![Align::Center; columns.len()];
    let aligns: Vec<Align> = columns.iter().map(|c| c.align).collect();
    flow.room(height(&heading) + rows.first().map_or(0.0, |r| height(r)));
    draw(flow, &heading, &center);
    for cells in &rows {
        let h = height(cells);
        if flow.y + h > flow.bottom {
            flow.pages.push(Vec::new());
            flow.y = flow.top;
            draw(flow, &heading, &center);
        }
        draw(flow, cells, &aligns);
    }
    flow.y += size * 0.5;
    Ok(())
}

/// The blank between a signature column's title and its name, numbered from 1 by column:
/// where the signer's signature image goes.
pub(crate) const SIGNATURE_BLANK: &str = "chu_ky_";

/// Signature columns, kept together on one page.
fn signatures(
    flow: &mut Flow,
    data: &Data,
    columns: &[SignatureColumn],
    size: f32,
) -> Result<(), Error> {
    let w = flow.width / columns.len() as f32;
    let gap = mm(20.0);
    flow.room(size * 1.3 * 4.0 + gap);
    flow.y += size * 0.5;
    let top = flow.y;
    let mut bottom = top;
    for (i, c) in columns.iter().enumerate() {
        let x = flow.left + w * i as f32;
        flow.y = top;
        let title = break_lines(&pieces(&c.title, data, Style::Bold)?, size, w, 0.0);
        flow.lines(&title, x, w, size, Align::Center, 0.0);
        if !c.note.is_empty() {
            let note = break_lines(&pieces(&c.note, data, Style::Italic)?, size - 1.0, w, 0.0);
            flow.lines(&note, x, w, size - 1.0, Align::Center, 0.0);
        }
        flow.op(Op::Blank {
            name: format!("{SIGNATURE_BLANK}{}", i + 1),
            x,
            y: flow.y,
            w,
            h: gap,
            style: Style::Regular,
            size,
        });
        flow.y += gap;
        if !c.name.is_empty() {
            let name = break_lines(&pieces(&c.name, data, Style::Bold)?, size, w, 0.0);
            flow.lines(&name, x, w, size, Align::Center, 0.0);
        }
        bottom = bottom.max(flow.y);
    }
    flow.y = bottom + size * 0.5;
    Ok(())
}

/// A QR code with its caption on the right, kept together.
fn qr(
    flow: &mut Flow,
    data: &Data,
    what: &str,
    caption: &str,
    side: f32,
    size: f32,
) -> Result<(), Error> {
    let text = fill(what, |name| data.field(name).map(str::to_string))?;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| Error::Qr)?;
    let n = code.width();
    let quiet = 2;
    let cell = side / (n + 2 * quiet) as f32;
    let caption_w = flow.width - side - mm(4.0);
    let lines = break_lines(&pieces(caption, data, Style::Italic)?, size, caption_w, 0.0);
    let h = side.max(lines.len() as f32 * size * 1.3);
    flow.room(h);
    let (x0, y0) = (flow.left, flow.y);
    let cells = code
        .to_colors()
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == qrcode::Color::Dark)
        .map(|(i, _)| {
            let (cx, cy) = (i % n + quiet, i / n + quiet);
            (x0 + cx as f32 * cell, y0 + cy as f32 * cell)
        })
        .collect();
    flow.op(Op::Squares { cells, side: cell });
    let text_h = lines.len() as f32 * size * 1.3;
    flow.y = y0 + (side - text_h).max(0.0) / 2.0;
    flow.lines(
        &lines,
        x0 + side + mm(4.0),
        caption_w,
        size,
        Align::Left,
        0.0,
    );
    flow.y = y0 + h + size * 0.3;
    Ok(())
}
