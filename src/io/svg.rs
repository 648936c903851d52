//! SVG line charts, written by hand: history and forecasts as polylines, prediction intervals
//! as shaded bands, with axes, ticks, grid lines and a legend.
//!
//! The output is a standalone SVG 1.1 document (no scripts, no external fonts or styles) that
//! browsers and image viewers show directly. One document holds one or more panels stacked
//! vertically (one per series). Coordinates are written with two decimals; a NaN value breaks
//! a line (the next point starts a new segment) and is skipped by a band.
//!
//! ```
//! use neuro_divergent::io::svg::{Chart, Line, render};
//! let chart = Chart {
//!     title: "demo".into(),
//!     lines: vec![Line::new("y", vec![(0.0, 1.0), (1.0, 3.0), (2.0, 2.0)], 0)],
//!     ..Chart::default()
//! };
//! let svg = render(&[chart], 640, 240);
//! assert!(svg.starts_with("<svg") && svg.contains("<path"));
//! ```

use std::fmt::Write;

/// Line colours, picked by index (cycled): a colour-blind-friendly qualitative palette.
pub const PALETTE: [&str; 8] = [
    "#1f1f1f", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b",
];

/// One polyline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// (x, y) points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Index into [`PALETTE`] (cycled).
    pub color: usize,
    /// Draw dashed (e.g. a forecast next to the solid history).
    pub dashed: bool,
}

impl Line {
    /// A solid line of colour `color`.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>, color: usize) -> Line {
        Line {
            label: label.into(),
            points,
            color,
            dashed: false,
        }
    }
}

/// A shaded band between a lower and an upper curve (a prediction interval).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Band {
    /// Legend text; `None` keeps it out of the legend.
    pub label: Option<String>,
    /// (x, lower, upper) in x order.
    pub points: Vec<(f64, f64, f64)>,
    /// Index into [`PALETTE`] (cycled).
    pub color: usize,
    /// Fill opacity, 0..1 (nested intervals: the wider one lighter).
    pub opacity: f64,
}

/// One panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// Title above the panel.
    pub title: String,
    /// Lines, drawn over the bands in order.
    pub lines: Vec<Line>,
    /// Bands, drawn first.
    pub bands: Vec<Band>,
    /// Tick positions and labels of the x axis; empty: evenly spaced round numbers.
    pub x_ticks: Vec<(f64, String)>,
    /// Label of the y axis (may be empty).
    pub y_label: String,
}

const MARGIN_LEFT: f64 = 72.0;
const MARGIN_RIGHT: f64 = 170.0;
const MARGIN_TOP: f64 = 34.0;
const MARGIN_BOTTOM: f64 = 44.0;

/// Renders `charts` as one SVG document, `width` pixels wide, each panel `panel_height` high.
pub fn render(charts: &[Chart], width: u32, panel_height: u32) -> String {
    let (w, ph) = (f64::from(width.max(300)), f64::from(panel_height.max(150)));
    let total = ph * charts.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{total}\" \
         viewBox=\"0 0 {w} {total}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{total}\" fill=\"white\"/>\n"
    );
    for (i, chart) in charts.iter().enumerate() {
        panel(&mut s, chart, i as f64 * ph, w, ph);
    }
    s.push_str("</svg>\n");
    s
}

/// The data range of a chart: (x0, x1, y0, y1), padded so nothing touches the frame.
fn extent(chart: &Chart) -> (f64, f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    let mut add = |x: f64, y: f64| {
        if x.is_finite() && y.is_finite() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    };
    for line in &chart.lines {
        line.points.iter().for_each(|&(x, y)| add(x, y));
    }
    for band in &chart.bands {
        for &(x, lo, hi) in &band.points {
            add(x, lo);
            add(x, hi);
        }
    }
    if x0 > x1 {
        return (0.0, 1.0, 0.0, 1.0); // nothing to draw
    }
    if x0 == x1 {
        (x0, x1) = (x0 - 0.5, x1 + 0.5);
    }
    if y0 == y1 {
        (y0, y1) = (y0 - 0.5, y1 + 0.5);
    }
    let pad = 0.05 * (y1 - y0);
    (x0, x1, y0 - pad, y1 + pad)
}

/// Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `n`.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || n == 0 {
        return Vec::new();
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&st| st >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick label: no trailing zeros, at most four decimals.
fn tick_label(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// `text` with XML's special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

fn panel(s: &mut String, chart: &Chart, top: f64, w: f64, h: f64) {
    let (x0, x1, y0, y1) = extent(chart);
    let (left, right) = (MARGIN_LEFT, w - MARGIN_RIGHT);
    let (upper, lower) = (top + MARGIN_TOP, top + h - MARGIN_BOTTOM);
    let sx = |x: f64| left + (x - x0) / (x1 - x0) * (right - left);
    let sy = |y: f64| lower - (y - y0) / (y1 - y0) * (lower - upper);
    let _ = writeln!(
        s,
        "<g class=\"panel\">\n<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        left,
        top + 20.0,
        escape(&chart.title)
    );
    // Grid and y ticks.
    for v in nice_ticks(y0, y1, 6) {
        let y = sy(v);
        let _ = writeln!(
            s,
            "<line x1=\"{left:.2}\" y1=\"{y:.2}\" x2=\"{right:.2}\" y2=\"{y:.2}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + 4.0,
            tick_label(v)
        );
    }
    // x ticks.
    let ticks: Vec<(f64, String)> = if chart.x_ticks.is_empty() {
        nice_ticks(x0, x1, 8)
            .into_iter()
            .map(|v| (v, tick_label(v)))
            .collect()
    } else {
        chart
            .x_ticks
            .iter()
            .filter(|(v, _)| *v >= x0 && *v <= x1)
            .cloned()
            .collect()
    };
    for (v, label) in &ticks {
        let x = sx(*v);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.2}\" y1=\"{lower:.2}\" x2=\"{x:.2}\" y2=\"{:.2}\" stroke=\"#333\"/>\
             <text x=\"{x:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
            lower + 5.0,
            lower + 19.0,
            escape(label)
        );
    }
    // Axes.
    let _ = writeln!(
        s,
        "<path d=\"M{left:.2} {upper:.2} L{left:.2} {lower:.2} L{right:.2} {lower:.2}\" \
         fill=\"none\" stroke=\"#333\"/>"
    );
    if !chart.y_label.is_empty() {
        let (cx, cy) = (16.0, (upper + lower) / 2.0);
        let _ = writeln!(
            s,
            "<text x=\"{cx:.2}\" y=\"{cy:.2}\" text-anchor=\"middle\" \
             transform=\"rotate(-90 {cx:.2} {cy:.2})\">{}</text>",
            escape(&chart.y_label)
        );
    }
    // Bands, then lines.
    for band in &chart.bands {
        let pts: Vec<&(f64, f64, f64)> = band
            .points
            .iter()
            .filter(|(x, lo, hi)| x.is_finite() && lo.is_finite() && hi.is_finite())
            .collect();
        if pts.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (k, (x, _, hi)) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.2} {:.2} ",
                if k == 0 { "M" } else { "L" },
                sx(*x),
                sy(*hi)
            );
        }
        for (x, lo, _) in pts.iter().rev() {
            let _ = write!(d, "L{:.2} {:.2} ", sx(*x), sy(*lo));
        }
        d.push('Z');
        let _ = writeln!(
            s,
            "<path d=\"{d}\" fill=\"{}\" fill-opacity=\"{:.2}\" stroke=\"none\"/>",
            color(band.color),
            band.opacity.clamp(0.0, 1.0)
        );
    }
    for line in &chart.lines {
        let mut d = String::new();
        let mut pen_down = false;
        for &(x, y) in &line.points {
            if !(x.is_finite() && y.is_finite()) {
                pen_down = false;
                continue;
            }
            let _ = write!(
                d,
                "{}{:.2} {:.2} ",
                if pen_down { "L" } else { "M" },
                sx(x),
                sy(y)
            );
            pen_down = true;
        }
        if d.is_empty() {
            continue;
        }
        let dash = if line.dashed {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{dash}/>",
            d.trim_end(),
            color(line.color)
        );
    }
    // Legend: lines, then labelled bands.
    let lx = right + 16.0;
    let mut ly = upper + 8.0;
    for line in &chart.lines {
        let dash = if line.dashed {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<line x1=\"{lx:.2}\" y1=\"{ly:.2}\" x2=\"{:.2}\" y2=\"{ly:.2}\" stroke=\"{}\" \
             stroke-width=\"2\"{dash}/><text x=\"{:.2}\" y=\"{:.2}\">{}</text>",
            lx + 22.0,
            color(line.color),
            lx + 28.0,
            ly + 4.0,
            escape(&line.label)
        );
        ly += 18.0;
    }
    for band in &chart.bands {
        if let Some(label) = &band.label {
            let _ = writeln!(
                s,
                "<rect x=\"{lx:.2}\" y=\"{:.2}\" width=\"22\" height=\"10\" fill=\"{}\" \
                 fill-opacity=\"{:.2}\"/><text x=\"{:.2}\" y=\"{:.2}\">{}</text>",
                ly - 5.0,
                color(band.color),
                band.opacity.clamp(0.0, 1.0),
                lx + 28.0,
                ly + 4.0,
                escape(label)
            );
            ly += 18.0;
        }
    }
    s.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: "A & <B>".into(),
            lines: vec![
                Line::new(
                    "y",
                    vec![(0.0, 10.0), (1.0, 20.0), (2.0, f64::NAN), (3.0, 15.0)],
                    0,
                ),
                Line {
                    dashed: true,
                    ..Line::new("MLP", vec![(3.0, 15.0), (4.0, 18.0)], 1)
                },
            ],
            bands: vec![Band {
                label: Some("MLP 80%".into()),
                points: vec![(3.0, 14.0, 16.0), (4.0, 16.0, 21.0)],
                color: 1,
                opacity: 0.25,
            }],
            x_ticks: vec![
                (0.0, "1949-01".into()),
                (4.0, "1949-05".into()),
                (9.0, "x".into()),
            ],
            y_label: "y".into(),
        }
    }

    #[test]
    fn document_structure() {
        let svg = render(&[chart(), chart()], 800, 300);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("height=\"600\""));
        assert_eq!(svg.matches("<g class=\"panel\">").count(), 2);
        // Title escaped; ticks outside the range dropped.
        assert!(svg.contains("A &amp; &lt;B&gt;"));
        assert!(svg.contains(">1949-05<") && !svg.contains(">x<"));
        // Legend entries for both lines and the band.
        assert!(svg.contains(">MLP 80%<") && svg.contains(">MLP<"));
        // Every opened element is closed: tags balance.
        for tag in ["g", "svg"] {
            assert_eq!(
                svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count(),
                svg.matches(&format!("</{tag}>")).count(),
                "{tag}"
            );
        }
    }

    #[test]
    fn nan_breaks_a_line_and_coordinates_stay_in_the_plot_area() {
        let svg = render(&[chart()], 800, 300);
        let history = svg
            .lines()
            .find(|l| l.contains("stroke=\"#1f1f1f\" stroke-width=\"1.6\""))
            .unwrap();
        // M, L, then a new M after the NaN.
        assert_eq!(history.matches('M').count(), 2, "{history}");
        let d = history
            .split("d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for pair in d.split(['M', 'L']).filter(|p| !p.trim().is_empty()) {
            let v: Vec<f64> = pair
                .split_whitespace()
                .map(|t| t.parse().unwrap())
                .collect();
            assert!(v[0] >= MARGIN_LEFT - 1e-9 && v[0] <= 800.0 - MARGIN_RIGHT + 1e-9);
            assert!(v[1] >= MARGIN_TOP - 1e-9 && v[1] <= 300.0 - MARGIN_BOTTOM + 1e-9);
        }
    }

    #[test]
    fn nice_ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            nice_ticks(101.0, 620.0, 6),
            [200.0, 300.0, 400.0, 500.0, 600.0]
        );
        assert!(nice_ticks(1.0, 1.0, 5).is_empty());
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let svg = render(&[Chart::default()], 10, 10);
        assert!(svg.starts_with("<svg") && svg.contains("</g>"));
    }
}
