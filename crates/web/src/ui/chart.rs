//! Biểu đồ — small charts drawn as SVG on the server (no script): paired bars over time, and
//! horizontal bars of a share per unit.

/// Escapes text for SVG.
fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Paired bars (e.g. received and resolved) per bucket, with a legend and a y scale.
pub fn paired_bars(title: &str, points: &[(String, i64, i64)], names: (&str, &str)) -> String {
    let (w, h, left, bottom, top) = (760.0_f64, 260.0_f64, 44.0, 40.0, 28.0);
    let largest = points
        .iter()
        .map(|p| p.1.max(p.2))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    // The axis ends on a round number with round steps (0, 50, 100, 150 — not 37, 73, 110).
    let (max, step) = nice_axis(largest);
    let ticks = (max / step).round() as u32;
    let plot_w = w - left - 10.0;
    let plot_h = h - bottom - top;
    let slot = plot_w / points.len().max(1) as f64;
    let bar = (slot * 0.38).max(1.0);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    svg += &format!(
        r##"<text x="{left}" y="16" font-size="13" font-weight="bold">{}</text><rect x="{}" y="6" width="10" height="10" fill="#0b4f8a"/><text x="{}" y="15" font-size="11">{}</text><rect x="{}" y="6" width="10" height="10" fill="#1d6b32"/><text x="{}" y="15" font-size="11">{}</text>"##,
        esc(title),
        w - 230.0,
        w - 216.0,
        esc(names.0),
        w - 120.0,
        w - 106.0,
        esc(names.1)
    );
    for i in 0..=ticks {
        let v = step * f64::from(i);
        let y = top + plot_h - plot_h * v / max;
        svg += &format!(
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            w - 10.0,
            left - 4.0,
            y + 3.0,
            v.round()
        );
    }
    let every = (points.len() / 12).max(1);
    for (i, (label, a, b)) in points.iter().enumerate() {
        let x = left + slot * i as f64 + slot * 0.1;
        for (k, (v, colour)) in [(*a, "#0b4f8a"), (*b, "#1d6b32")].into_iter().enumerate() {
            let bh = plot_h * v as f64 / max;
            svg += &format!(
                r#"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{bh:.1}" fill="{colour}"><title>{}: {v}</title></rect>"#,
                x + bar * k as f64,
                top + plot_h - bh,
                esc(label)
            );
        }
        if i % every == 0 {
            svg += &format!(
                r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                x + bar,
                h - bottom + 14.0,
                esc(label)
            );
        }
    }
    svg + "</svg>"
}

/// Horizontal bars, one per row: a value out of `max` with its text (e.g. an on-time rate per
/// unit, or points out of 100).
pub fn horizontal_bars(title: &str, rows: &[(String, f64, String)], max: f64) -> String {
    let (w, label_w, row_h, top) = (760.0_f64, 250.0_f64, 22.0_f64, 28.0_f64);
    let h = top + row_h * rows.len().max(1) as f64 + 8.0;
    let plot_w = w - label_w - 70.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    svg += &format!(
        r#"<text x="4" y="16" font-size="13" font-weight="bold">{}</text>"#,
        esc(title)
    );
    for (i, (label, value, text)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let bw = if max > 0.0 {
            plot_w * (value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        svg += &format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text><rect x="{label_w}" y="{:.1}" width="{plot_w:.1}" height="14" fill="#eef2f6"/><rect x="{label_w}" y="{:.1}" width="{bw:.1}" height="14" fill="#0b4f8a"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
            label_w - 6.0,
            y + 11.0,
            esc(label),
            y,
            y,
            esc(label),
            esc(text),
            label_w + plot_w + 6.0,
            y + 11.0,
            esc(text)
        );
    }
    svg + "</svg>"
}

/// Colours of the three channels: in person, online, postal.
const CHANNEL_COLOURS: [&str; 3] = ["#0b4f8a", "#1d6b32", "#b0620c"];

/// One stacked bar per row splitting a whole into three parts (the channel mix: in person,
/// online, postal), with a legend; rows with nothing show an empty track.
pub fn stacked_shares(title: &str, rows: &[(String, [i64; 3])], names: [&str; 3]) -> String {
    let (w, label_w, row_h, top) = (760.0_f64, 250.0_f64, 22.0_f64, 44.0_f64);
    let h = top + row_h * rows.len().max(1) as f64 + 8.0;
    let plot_w = w - label_w - 70.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    svg += &format!(
        r#"<text x="4" y="16" font-size="13" font-weight="bold">{}</text>"#,
        esc(title)
    );
    for (k, name) in names.iter().enumerate() {
        let x = label_w + 130.0 * k as f64;
        svg += &format!(
            r#"<rect x="{x}" y="24" width="10" height="10" fill="{}"/><text x="{}" y="33" font-size="11">{}</text>"#,
            CHANNEL_COLOURS[k],
            x + 14.0,
            esc(name)
        );
    }
    for (i, (label, parts)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let total: i64 = parts.iter().sum();
        svg += &format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text><rect x="{label_w}" y="{y:.1}" width="{plot_w:.1}" height="14" fill="#eef2f6"/>"##,
            label_w - 6.0,
            y + 11.0,
            esc(label)
        );
        let mut x = label_w;
        for (k, n) in parts.iter().enumerate() {
            if total == 0 || *n == 0 {
                continue;
            }
            let bw = plot_w * *n as f64 / total as f64;
            svg += &format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="14" fill="{}"><title>{}: {} {} ({:.1}%)</title></rect>"#,
                CHANNEL_COLOURS[k],
                esc(label),
                esc(names[k]),
                n,
                100.0 * *n as f64 / total as f64
            );
            x += bw;
        }
        svg += &format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="11">{total}</text>"#,
            label_w + plot_w + 6.0,
            y + 11.0
        );
    }
    svg + "</svg>"
}

/// The top of an axis and its step for values up to `largest`: a step of 1, 2 or 5 times a
/// power of ten, giving at most five steps, and the top the first step at or above `largest`.
pub fn nice_axis(largest: f64) -> (f64, f64) {
    let largest = largest.max(1.0);
    let raw = largest / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| (m * power).max(1.0))
        .find(|s| (largest / s).ceil() <= 5.0)
        .unwrap_or(10.0 * power);
    ((largest / step).ceil() * step, step)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walk-through fault 9: the axis read 37, 73, 110, 146.
    #[test]
    fn axes_end_on_round_numbers_with_round_steps() {
        assert_eq!(nice_axis(146.0), (150.0, 50.0));
        assert_eq!(nice_axis(3.0), (3.0, 1.0));
        assert_eq!(nice_axis(1.0), (1.0, 1.0));
        assert_eq!(nice_axis(37.0), (40.0, 10.0));
        assert_eq!(nice_axis(1234.0), (1500.0, 500.0));
        let svg = paired_bars("x", &[("a".into(), 146, 90)], ("A", "B"));
        for tick in [">0<", ">50<", ">100<", ">150<"] {
            assert!(svg.contains(tick), "{tick} in {svg}");
        }
        assert!(!svg.contains(">37<") && !svg.contains(">146<"), "{svg}");
    }

    #[test]
    fn a_chart_is_well_formed_svg_with_one_bar_per_value() {
        let svg = paired_bars(
            "Tiếp nhận & giải quyết",
            &[("01/12".into(), 3, 1), ("02/12".into(), 0, 2)],
            ("Tiếp nhận", "Giải quyết"),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 4,
            "two legend swatches and four bars"
        );
        assert!(svg.contains("Tiếp nhận &amp; giải quyết"));
        assert!(svg.contains("<title>01/12: 3</title>"));
    }

    #[test]
    fn shares_split_each_row_in_proportion() {
        let svg = stacked_shares(
            "Kênh",
            &[("Xã A".into(), [1, 3, 0]), ("Xã B".into(), [0, 0, 0])],
            ["Trực tiếp", "Trực tuyến", "Bưu chính"],
        );
        // 3 legend swatches, 2 tracks, 2 parts of row A (the zero part is not drawn).
        assert_eq!(svg.matches("<rect").count(), 3 + 2 + 2);
        assert!(svg.contains("Xã A: Trực tuyến 3 (75.0%)"));
        let bars = horizontal_bars("Đúng hạn", &[("Xã A".into(), 0.5, "50%".into())], 1.0);
        assert!(
            bars.contains(r#"width="220.0""#),
            "half of the 440-wide track: {bars}"
        );
    }
}
