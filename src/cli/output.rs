//! What `forecast` and `predict` print and write: the forecast table, its CSV, the SVG plot.

use crate::data::{Column, CsvOptions, Dataset, Frame};
use crate::error::{Error, ErrorKind, Location};
use crate::io::svg::{self, Band, Chart, Line};

/// Most series drawn in one plot (one panel each); later series are left out.
pub const PLOT_MAX_SERIES: usize = 8;

/// The forecast frame as an aligned text table: text and times left-aligned, numbers
/// right-aligned with three decimals (empty for NaN).
pub fn table(frame: &Frame) -> String {
    let n = frame.len();
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(frame.columns().len());
    let mut numeric = Vec::new();
    for (name, column) in frame.names().iter().zip(frame.columns()) {
        let mut col = Vec::with_capacity(n + 1);
        col.push(name.clone());
        match column {
            Column::Float(v) => {
                col.extend(v.iter().map(|x| {
                    if x.is_nan() {
                        String::new()
                    } else {
                        format!("{x:.3}")
                    }
                }));
                numeric.push(true);
            }
            Column::Text(t) => {
                col.extend((0..n).map(|r| t.get(r).to_string()));
                numeric.push(false);
            }
            Column::Time(t) => {
                col.extend(
                    t.values.iter().map(|&v| {
                        crate::data::datetime::time_to_string(t.kind, v, t.offset_minutes)
                    }),
                );
                numeric.push(false);
            }
        }
        cells.push(col);
    }
    let widths: Vec<usize> = cells
        .iter()
        .map(|c| c.iter().map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in 0..=n {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(&numeric)
            .map(|((col, &w), &num)| {
                if num {
                    format!("{:>w$}", col[row])
                } else {
                    format!("{:<w$}", col[row])
                }
            })
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The frame as CSV text (our writer: shortest round-trip numbers).
pub fn csv(frame: &Frame) -> Result<String, Error> {
    let mut bytes = Vec::new();
    frame.write_csv(&mut bytes, &CsvOptions::default())?;
    String::from_utf8(bytes)
        .map_err(|_| Error::bare(ErrorKind::Io, "the forecast is not valid UTF-8"))
}

/// Writes the forecast: CSV to `path` (`-`: appended to `out`).
pub fn write_output(frame: &Frame, path: &str, out: &mut String) -> Result<(), Error> {
    if path == "-" {
        out.push_str(&csv(frame)?);
        Ok(())
    } else {
        frame.write_csv_file(path, &CsvOptions::default())
    }
}

/// One model output column, by role.
#[derive(Debug, PartialEq)]
enum Output<'a> {
    /// The point forecast (`ALIAS` or `ALIAS-median`) of model `alias`.
    Point(&'a str),
    /// A bound of the `level`% interval of model `alias`.
    Bound {
        alias: &'a str,
        level: &'a str,
        upper: bool,
    },
    /// Another quantile output (`ALIAS-ql0.3`): not drawn.
    Other,
}

/// Classifies an output column by NeuralForecast's naming (`-median`, `-lo-80`, `-hi-80`).
fn classify(name: &str) -> Output<'_> {
    if let Some(alias) = name.strip_suffix("-median") {
        return Output::Point(alias);
    }
    for (tag, upper) in [("-lo-", false), ("-hi-", true)] {
        if let Some(i) = name.rfind(tag) {
            let level = &name[i + tag.len()..];
            if !level.is_empty() && level.parse::<f64>().is_ok() {
                return Output::Bound {
                    alias: &name[..i],
                    level,
                    upper,
                };
            }
        }
    }
    if name.contains("-ql") {
        return Output::Other;
    }
    Output::Point(name)
}

/// Index positions of round x ticks over `n` points, labelled with their timestamps.
fn time_ticks(labels: &[String]) -> Vec<(f64, String)> {
    let n = labels.len();
    if n == 0 {
        return Vec::new();
    }
    let step = [
        1, 2, 3, 4, 6, 12, 24, 36, 48, 60, 120, 240, 480, 1000, 2000, 5000, 10000,
    ]
    .into_iter()
    .find(|s| n / s <= 8)
    .unwrap_or(n.div_ceil(8));
    (0..n)
        .step_by(step)
        .map(|i| (i as f64, labels[i].clone()))
        .collect()
}

/// The SVG plot of `forecast` after the history in `data`: per series (at most
/// [`PLOT_MAX_SERIES`]) the last `history` observed values, each model's point forecast, and
/// shaded bands for the intervals the loss gives (`-lo-`/`-hi-` columns).
pub fn plot(data: &Dataset, forecast: &Frame, history: usize) -> Result<String, Error> {
    let ids = match forecast.columns().first() {
        Some(Column::Text(t)) => t,
        _ => {
            return Err(Error::new(
                ErrorKind::Column,
                Location::default(),
                "forecast has no id column",
            ))
        }
    };
    let times = match forecast.columns().get(1) {
        Some(Column::Time(t)) => t,
        _ => {
            return Err(Error::new(
                ErrorKind::Column,
                Location::default(),
                "forecast has no time column",
            ))
        }
    };
    let outputs: Vec<(&str, &[f64])> = forecast
        .names()
        .iter()
        .zip(forecast.columns())
        .skip(2)
        .filter_map(|(n, c)| match c {
            Column::Float(v) => Some((n.as_str(), v.as_slice())),
            _ => None,
        })
        .collect();
    // Models in column order, each with its colour.
    let mut aliases: Vec<&str> = Vec::new();
    for (name, _) in &outputs {
        let alias = match classify(name) {
            Output::Point(a) | Output::Bound { alias: a, .. } => a,
            Output::Other => continue,
        };
        if !aliases.contains(&alias) {
            aliases.push(alias);
        }
    }
    let mut charts = Vec::new();
    for (s, id) in data.ids.iter().enumerate().take(PLOT_MAX_SERIES) {
        let rows: Vec<usize> = (0..forecast.len())
            .filter(|&r| ids.get(r) == id.as_str())
            .collect();
        let ys = data.y_of(s);
        let mask = data.mask_of(s);
        let ts = data.times_of(s);
        let start = ys.len().saturating_sub(history);
        let mut labels: Vec<String> = ts[start..].iter().map(|&t| data.show_time(t)).collect();
        let hist: Vec<(f64, f64)> = (start..ys.len())
            .map(|i| {
                let y = if mask[i] > 0.0 {
                    ys[i] as f64
                } else {
                    f64::NAN
                };
                ((i - start) as f64, y)
            })
            .collect();
        let x0 = hist.len() as f64;
        labels.extend(rows.iter().map(|&r| {
            crate::data::datetime::time_to_string(times.kind, times.values[r], times.offset_minutes)
        }));
        let last = hist.last().copied();
        let mut chart = Chart {
            title: id.clone(),
            lines: vec![Line::new("history", hist, 0)],
            x_ticks: time_ticks(&labels),
            ..Chart::default()
        };
        for (m, alias) in aliases.iter().enumerate() {
            let color = m + 1;
            let mut levels: Vec<(&str, Vec<f64>, Vec<f64>)> = Vec::new();
            for (name, values) in &outputs {
                let vals: Vec<f64> = rows.iter().map(|&r| values[r]).collect();
                match classify(name) {
                    Output::Point(a) if a == *alias => {
                        // Start the forecast line at the last observation so the two join.
                        let mut pts: Vec<(f64, f64)> = last.into_iter().collect();
                        pts.extend(vals.iter().enumerate().map(|(k, &v)| (x0 + k as f64, v)));
                        chart.lines.push(Line {
                            dashed: true,
                            ..Line::new(*alias, pts, color)
                        });
                    }
                    Output::Bound {
                        alias: a,
                        level,
                        upper,
                    } if a == *alias => {
                        let i = match levels.iter().position(|l| l.0 == level) {
                            Some(i) => i,
                            None => {
                                levels.push((level, Vec::new(), Vec::new()));
                                levels.len() - 1
                            }
                        };
                        if upper {
                            levels[i].2 = vals;
                        } else {
                            levels[i].1 = vals;
                        }
                    }
                    _ => {}
                }
            }
            // Widest level first and lightest, so narrower ones show darker on top.
            levels.sort_by(|a, b| {
                let (x, y) = (
                    a.0.parse::<f64>().unwrap_or(0.0),
                    b.0.parse::<f64>().unwrap_or(0.0),
                );
                y.total_cmp(&x)
            });
            let n_levels = levels.len();
            for (k, (level, lo, hi)) in levels.into_iter().enumerate() {
                if lo.len() != hi.len() || lo.is_empty() {
                    continue;
                }
                chart.bands.push(Band {
                    label: Some(format!("{alias} {level}%")),
                    points: lo
                        .iter()
                        .zip(&hi)
                        .enumerate()
                        .map(|(j, (&l, &h))| (x0 + j as f64, l, h))
                        .collect(),
                    color,
                    opacity: 0.12 + 0.18 * (k + 1) as f64 / n_levels as f64,
                });
            }
        }
        charts.push(chart);
    }
    Ok(svg::render(&charts, 900, 340))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::frame::{TextColumn, TimeColumn};

    fn forecast_frame() -> Frame {
        let mut f = Frame::new();
        f.push_column(
            "unique_id",
            Column::Text(TextColumn {
                dict: vec!["a".into()],
                codes: vec![0, 0],
            }),
        )
        .unwrap();
        f.push_column(
            "ds",
            Column::Time(TimeColumn {
                kind: crate::data::datetime::TimeKind::Integer,
                values: vec![5, 6],
                offset_minutes: None,
            }),
        )
        .unwrap();
        for (name, v) in [
            ("MLP-median", [1.0, 2.0]),
            ("MLP-lo-90", [0.0, 0.5]),
            ("MLP-lo-80", [0.5, 1.0]),
            ("MLP-hi-80", [1.5, 3.0]),
            ("MLP-hi-90", [2.0, 4.0]),
            ("NLinear", [1.25, f64::NAN]),
        ] {
            f.push_column(name, Column::Float(v.to_vec())).unwrap();
        }
        f
    }

    #[test]
    fn classifies_neuralforecast_column_names() {
        assert_eq!(classify("MLP"), Output::Point("MLP"));
        assert_eq!(classify("MLP-median"), Output::Point("MLP"));
        assert_eq!(
            classify("my-model-lo-80"),
            Output::Bound {
                alias: "my-model",
                level: "80",
                upper: false
            }
        );
        assert_eq!(
            classify("MLP-hi-97.5"),
            Output::Bound {
                alias: "MLP",
                level: "97.5",
                upper: true
            }
        );
        assert_eq!(classify("MLP-ql0.3"), Output::Other);
    }

    #[test]
    fn table_aligns_columns() {
        let t = table(&forecast_frame());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("unique_id  ds  MLP-median"), "{t}");
        assert!(lines[1].starts_with("a          5        1.000"), "{t}");
        assert!(lines[2].ends_with("4.000"), "{t}"); // NaN NLinear: empty, trimmed
    }

    #[test]
    fn plot_draws_history_forecasts_and_bands() {
        let data = Dataset::from_series(&[("a", &[1.0, 2.0, 3.0, 2.0, 1.0])]);
        let svg = plot(&data, &forecast_frame(), 100).unwrap();
        assert!(svg.starts_with("<svg"));
        // history + MLP + NLinear lines, two bands.
        assert_eq!(
            svg.matches("fill=\"none\" stroke=\"#").count(),
            3 + 1,
            "{svg}"
        ); // + axes
        assert_eq!(svg.matches("fill-opacity=\"0.").count(), 2 * 2, "{svg}"); // bands + legend
        assert!(svg.contains(">MLP 80%<") && svg.contains(">MLP 90%<"));
        assert!(svg.contains(">history<"));
    }
}
