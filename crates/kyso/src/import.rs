//! Bringing the page of another PDF into a document as a form XObject (ISO 32000-1 §8.10): the
//! appearance of a visible signature or of a stamp, drawn by whoever renders documents. The
//! page's content stream becomes the form's stream and every object its resources reach is
//! copied under a new number.

use std::collections::BTreeMap;

use crate::Error;
use crate::pdf::{dict_at, find, in_string, value_of};

/// Objects to append: number and the bytes between "N 0 obj\n" and "\nendobj".
pub(crate) struct Imported {
    pub objects: Vec<(u32, Vec<u8>)>,
    /// The form XObject drawing the page.
    pub form: u32,
}

/// Imports the first page of `source` as a form XObject, numbering the new objects from
/// `*next` on (advanced past them).
pub(crate) fn page_as_form(source: &[u8], next: &mut u32) -> Result<Imported, Error> {
    let bad = |what: &str| Error::Malformed(format!("hình hiển thị chữ ký: {what}"));
    let src = crate::pdf::Doc::read(source)?;
    let catalog = src.object(src.trailer_ref("/Root")?)?;
    let page_num = src.first_page(&catalog)?;
    let page = src.object(page_num)?;
    let media = value_of(&page, "/MediaBox").ok_or_else(|| bad("trang thiếu /MediaBox"))?;
    let resources = value_of(&page, "/Resources").unwrap_or_else(|| "<<>>".into());
    let contents = value_of(&page, "/Contents").ok_or_else(|| bad("trang không có nội dung"))?;
    let contents = reference(&contents).ok_or_else(|| bad("nội dung trang nhiều luồng"))?;

    // Every object the resources reach, and the content stream's own (its /Length).
    let (content_dict, content_data) = split(body(source, contents)?)?;
    let mut map: BTreeMap<u32, u32> = BTreeMap::new();
    let mut queue: Vec<u32> = refs(&resources);
    queue.extend(refs(&content_dict));
    while let Some(num) = queue.pop() {
        if map.contains_key(&num) {
            continue;
        }
        map.insert(num, 0);
        let (dict, _) = split(body(source, num)?)?;
        queue.extend(refs(&dict));
    }
    for new in map.values_mut() {
        *new = *next;
        *next += 1;
    }
    let mut objects = Vec::with_capacity(map.len() + 1);
    for (&old, &new) in &map {
        let (dict, data) = split(body(source, old)?)?;
        objects.push((new, assemble(&renumber(&dict, &map), data)));
    }
    let form = *next;
    *next += 1;
    let dict = format!(
        "<</Type/XObject/Subtype/Form/BBox {media}/Resources {}{}>>",
        renumber(&resources, &map),
        renumber(inner(&content_dict), &map),
    );
    objects.push((form, assemble(&dict, content_data)));
    Ok(Imported { objects, form })
}

/// An object's body: what lies between "N 0 obj" and "endobj" (a stream's data included,
/// measured by its /Length so that binary data cannot end it early).
fn body(source: &[u8], num: u32) -> Result<&[u8], Error> {
    let head = format!("{num} 0 obj");
    let mut from = 0;
    let mut at = None;
    while let Some(p) = find(source, head.as_bytes(), from) {
        if p == 0 || matches!(source[p - 1], b'\n' | b'\r' | b' ') {
            at = Some(p + head.len());
        }
        from = p + 1;
    }
    let start = at.ok_or_else(|| Error::Malformed(format!("không tìm thấy đối tượng {num}")))?;
    let rest = &source[start..];
    let skip = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
    if rest[skip..].starts_with(b"<<") {
        let dict = dict_at(source, start + skip)?;
        let after = start + skip + dict.len() + 4;
        let tail = &source[after..];
        let gap = tail.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if tail[gap..].starts_with(b"stream") {
            let mut data = after + gap + 6;
            if source.get(data) == Some(&b'\r') {
                data += 1;
            }
            if source.get(data) == Some(&b'\n') {
                data += 1;
            }
            let length = match value_of(&dict, "/Length") {
                Some(v) => match reference(&v) {
                    Some(r) => number(body(source, r)?)?,
                    None => v.trim().parse().map_err(|_| {
                        Error::Malformed(format!("/Length của đối tượng {num} không hợp lệ"))
                    })?,
                },
                None => return Err(Error::Malformed(format!("luồng {num} thiếu /Length"))),
            };
            let end = data
                .checked_add(length)
                .filter(|e| *e <= source.len())
                .ok_or_else(|| Error::Malformed(format!("luồng {num} vượt ra ngoài tệp")))?;
            let close = find(source, b"endstream", end)
                .ok_or_else(|| Error::Malformed(format!("luồng {num} không đóng")))?;
            return Ok(&source[start..close + 9]);
        }
    }
    let end = find(source, b"endobj", start)
        .ok_or_else(|| Error::Malformed(format!("đối tượng {num} không đóng")))?;
    Ok(&source[start..end])
}

fn number(body: &[u8]) -> Result<usize, Error> {
    std::str::from_utf8(body)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Error::Malformed("độ dài luồng không hợp lệ".into()))
}

/// An object's text part (a dictionary, an array, a number…) and its stream's data with the
/// "stream" and "endstream" keywords, when it has one.
fn split(body: &[u8]) -> Result<(String, &[u8]), Error> {
    let open = body.len() - body.trim_ascii_start().len();
    if body[open..].starts_with(b"<<") {
        let dict = dict_at(body, open)?;
        let tail = &body[open + dict.len() + 4..];
        let stream = tail.trim_ascii_start();
        if stream.starts_with(b"stream") {
            return Ok((format!("<<{dict}>>"), stream));
        }
    }
    Ok((String::from_utf8_lossy(body).trim().to_string(), &[][..]))
}

fn assemble(text: &str, stream: &[u8]) -> Vec<u8> {
    let mut out = text.as_bytes().to_vec();
    if !stream.is_empty() {
        out.push(b'\n');
        out.extend_from_slice(stream);
    }
    out
}

/// The inside of a dictionary's text ("<<…>>" without its brackets).
fn inner(dict: &str) -> &str {
    dict.trim()
        .strip_prefix("<<")
        .and_then(|d| d.strip_suffix(">>"))
        .unwrap_or(dict)
}

/// "12 0 R" → 12.
fn reference(value: &str) -> Option<u32> {
    let words: Vec<&str> = value.split_whitespace().collect();
    match words[..] {
        [n, "0", "R"] => n.parse().ok(),
        _ => None,
    }
}

/// Each indirect reference "N G R" in an object's text, outside strings, with where it is.
fn scan(text: &str) -> Vec<(usize, usize, u32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut paren = 0;
    while i < b.len() {
        let c = b[i];
        if in_string(b, &mut i, &mut paren) {
            continue;
        }
        if c == b'(' {
            paren = 1;
            i += 1;
            continue;
        }
        let starts = c.is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'-')));
        if starts {
            let num_end = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let mut j = num_end;
            let ws = |j: &mut usize| {
                let s = *j;
                while *j < b.len() && b[*j].is_ascii_whitespace() {
                    *j += 1;
                }
                *j > s
            };
            if ws(&mut j) {
                let gen_end = j + b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
                if gen_end > j {
                    let mut k = gen_end;
                    if ws(&mut k)
                        && b.get(k) == Some(&b'R')
                        && b.get(k + 1).is_none_or(|c| !c.is_ascii_alphanumeric())
                        && let Ok(n) = text[i..num_end].parse()
                    {
                        out.push((i, num_end, n));
                        i = k + 1;
                        continue;
                    }
                }
            }
            i = num_end;
            continue;
        }
        i += 1;
    }
    out
}

fn refs(text: &str) -> Vec<u32> {
    scan(text).into_iter().map(|(_, _, n)| n).collect()
}

/// `text` with every reference's number replaced as `map` says.
fn renumber(text: &str, map: &BTreeMap<u32, u32>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, n) in scan(text) {
        out.push_str(&text[last..start]);
        out.push_str(&map.get(&n).copied().unwrap_or(n).to_string());
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_outside_strings_and_renumbered() {
        let text = "<</Font <</F0 12 0 R/F1 7 0 R>>/Title (see 3 0 R)/W [1 2 3]/X 4 0 R>>";
        assert_eq!(refs(text), vec![12, 7, 4]);
        let map = BTreeMap::from([(12, 100), (7, 101), (4, 102)]);
        assert_eq!(
            renumber(text, &map),
            "<</Font <</F0 100 0 R/F1 101 0 R>>/Title (see 3 0 R)/W [1 2 3]/X 102 0 R>>"
        );
    }
}
