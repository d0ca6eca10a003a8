//! Writes laid-out pages as a PDF (krilla): fonts embedded as subsets with their Unicode maps,
//! so the text can be searched and copied with its diacritics.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::pdf::PdfDocument;
use krilla::text::{Font, TextDirection};

use crate::layout::{FONTS, Op, Style, width};
use crate::{Error, Template};

/// What lies under a page's text: a page of another PDF or a picture, drawn in a box.
pub(crate) enum Underlay {
    Page(PdfDocument, usize),
    Picture(Image),
}

/// One page to write: its size, what lies under it and where, and what is drawn on it.
pub(crate) struct Sheet {
    pub size: (f32, f32),
    /// The underlay and its box (x, y from the top left, width, height), in points.
    pub under: Option<(Underlay, [f32; 4])>,
    pub ops: Vec<Op>,
}

/// Writes the template's laid-out pages.
pub(crate) fn write(
    t: &Template,
    pages: Vec<Vec<Op>>,
    mark: Option<&str>,
) -> Result<Vec<u8>, Error> {
    write_sheets(&t.name, &sheets(t, pages), mark)
}

/// Laid-out pages as sheets of the template's paper.
pub(crate) fn sheets(t: &Template, pages: Vec<Vec<Op>>) -> Vec<Sheet> {
    let size = t.paper.size();
    pages
        .into_iter()
        .map(|ops| Sheet {
            size,
            under: None,
            ops,
        })
        .collect()
}

/// Writes pages of any size, each with an optional underlay, as one PDF titled `title`; a
/// `mark` (a draft's) is drawn large and pale across every page.
pub(crate) fn write_sheets(
    title: &str,
    sheets: &[Sheet],
    mark: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let fonts: Vec<Font> = FONTS
        .iter()
        .map(|f| Font::new((*f).into(), 0).expect("the embedded fonts parse"))
        .collect();
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language("vi".into())
            .creator("Một Cửa".into()),
    );
    for sheet in sheets {
        let (w, h) = sheet.size;
        let settings = PageSettings::from_wh(w, h).ok_or_else(|| Error::Pdf("khổ giấy".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        if let Some((under, [x, y, bw, bh])) = &sheet.under {
            let size =
                Size::from_wh(*bw, *bh).ok_or_else(|| Error::Pdf("khung bản quét".into()))?;
            surface.push_transform(&Transform::from_translate(*x, *y));
            match under {
                Underlay::Page(pdf, index) => surface.draw_pdf_page(pdf, size, *index),
                Underlay::Picture(image) => surface.draw_image(image.clone(), size),
            }
            surface.pop();
        }
        for op in &sheet.ops {
            match op {
                Op::Text {
                    x,
                    y,
                    style,
                    size,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill::default()));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        fonts[*style as usize].clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let mut p = PathBuilder::new();
                    p.move_to(*x1, *y1);
                    p.line_to(*x2, *y2);
                    if let Some(path) = p.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Blank { .. } => {}
                Op::Squares { cells, side } => {
                    let mut p = PathBuilder::new();
                    for (x, y) in cells {
                        if let Some(r) = Rect::from_xywh(*x, *y, *side, *side) {
                            p.push_rect(r);
                        }
                    }
                    if let Some(path) = p.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        if let Some(mark) = mark {
            draw_mark(&mut surface, &fonts[Style::Bold as usize], sheet.size, mark);
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| Error::Pdf(format!("{e:?}")))
}

/// Writes one page of `w`×`h` points with `marks` on it: an appearance (see
/// [`crate::appearance`]).
pub(crate) fn write_appearance(
    (w, h): (f32, f32),
    marks: &[crate::Mark<'_>],
) -> Result<Vec<u8>, Error> {
    let mut doc = Document::new();
    let settings = PageSettings::from_wh(w, h).ok_or_else(|| Error::Pdf("khung hình".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    for mark in marks {
        match mark {
            crate::Mark::Picture {
                png,
                at: [x, y, bw, bh],
            } => {
                let image = Image::from_png((*png).to_vec().into(), true)
                    .map_err(|_| Error::Pdf("ảnh PNG không đọc được".into()))?;
                let (iw, ih) = image.size();
                let scale = (bw / iw as f32).min(bh / ih as f32);
                let (dw, dh) = (iw as f32 * scale, ih as f32 * scale);
                let size = Size::from_wh(dw, dh).ok_or_else(|| Error::Pdf("khung ảnh".into()))?;
                surface.push_transform(&Transform::from_translate(
                    x + (bw - dw) / 2.0,
                    y + (bh - dh) / 2.0,
                ));
                surface.draw_image(image, size);
                surface.pop();
            }
            crate::Mark::Text {
                text,
                x,
                y,
                size,
                bold,
                italic,
                rgb,
            } => {
                let font = Font::new(
                    FONTS[crate::layout::style(*bold, *italic) as usize].into(),
                    0,
                )
                .expect("the embedded fonts parse");
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: krilla::color::rgb::Color::new(rgb[0], rgb[1], rgb[2]).into(),
                    ..Fill::default()
                }));
                surface.draw_text(
                    Point::from_xy(*x, *y),
                    font,
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
    }
    surface.finish();
    page.finish();
    doc.finish().map_err(|e| Error::Pdf(format!("{e:?}")))
}

/// Draws `mark` in pale red along the page's diagonal, over what is on the page, so that a
/// draft cannot be taken for the signed document.
fn draw_mark(
    surface: &mut krilla::surface::Surface<'_>,
    font: &Font,
    (w, h): (f32, f32),
    mark: &str,
) {
    let angle = -(h.atan2(w).to_degrees());
    let diagonal = (w * w + h * h).sqrt();
    let mut size = 96.0;
    let span = width(mark, Style::Bold, size);
    if span > diagonal * 0.7 {
        size *= diagonal * 0.7 / span;
    }
    let span = width(mark, Style::Bold, size);
    surface.push_transform(&Transform::from_rotate_at(angle, w / 2.0, h / 2.0));
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: krilla::color::rgb::Color::new(200, 30, 30).into(),
        opacity: krilla::num::NormalizedF32::new(0.22).expect("in 0..1"),
        ..Fill::default()
    }));
    surface.draw_text(
        Point::from_xy((w - span) / 2.0, h / 2.0 + size * 0.35),
        font.clone(),
        size,
        mark,
        false,
        TextDirection::Auto,
    );
    surface.pop();
    // And in words across the top margin, for whoever reads the text rather than the page.
    let note = format!("{mark} — chưa ký số, không có giá trị pháp lý");
    let size = 10.0;
    let span = width(&note, Style::Bold, size);
    surface.draw_text(
        Point::from_xy((w - span) / 2.0, crate::template::mm(11.0)),
        font.clone(),
        size,
        &note,
        false,
        TextDirection::Auto,
    );
}
