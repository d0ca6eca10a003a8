//! Writes laid-out pages as a PDF (krilla): fonts embedded as subsets with their Unicode maps,
//! so the text can be searched and copied with its diacritics.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use crate::layout::{FONTS, Op};
use crate::{Error, Template};

pub(crate) fn write(t: &Template, pages: &[Vec<Op>]) -> Result<Vec<u8>, Error> {
    let fonts: Vec<Font> = FONTS
        .iter()
        .map(|f| Font::new((*f).into(), 0).expect("the embedded fonts parse"))
        .collect();
    let (w, h) = t.paper.size();
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(t.name.clone())
            .language("vi".into())
            .creator("Một Cửa".into()),
    );
    for ops in pages {
        let settings = PageSettings::from_wh(w, h).ok_or_else(|| Error::Pdf("khổ giấy".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
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
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| Error::Pdf(format!("{e:?}")))
}
