//! `neuro-divergent inspect FILE`: what a long-format CSV file holds, per series, after the
//! same validation training applies (so a file that inspects cleanly also trains).

use crate::data::csv::CsvOptions;
use crate::data::{Column, ColumnRoles, Dataset, DatasetOptions, Frame, Freq};
use crate::error::Error;

use super::args::{Arg, Args, UsageError};
use super::json;
use super::Failure;

pub const HELP: &str = "\
Load a long-format CSV file (one row per series and timestamp), validate it as training would,
and print per series: row count, first and last timestamp, missing targets, min/mean/max;
plus the inferred frequency and the exogenous columns found.

Usage: neuro-divergent inspect FILE [OPTIONS]

Arguments:
  FILE                 The CSV file, or - for standard input

Options:
      --id-col NAME      Series id column [default: unique_id]
      --time-col NAME    Timestamp column [default: ds]
      --target-col NAME  Target column [default: y]
      --delimiter D      Field separator: a character, or tab [default: ,]
      --freq FREQ        Check against this frequency (pandas alias: D, h, 30min, MS, ...,
                         or an integer step) instead of inferring it [default: inferred]
      --sort             Sort each series' rows by time instead of rejecting unsorted rows
      --fill-gaps        Insert missing timestamps (counted as missing) instead of rejecting gaps
      --json             One JSON object instead of the table
  -h, --help             Print this help

Missing targets (empty or NaN) are counted, not rejected (with --fill-gaps, inserted
timestamps count as missing too). Anything else that training would
refuse (a malformed line, a bad date, a duplicate or unsorted timestamp, a gap, series of
different frequencies) ends with exit code 1 and one message naming the file and line and
column, or the series and timestamp.
";

/// What the command line asked for.
struct Request {
    file: String,
    csv: CsvOptions,
    freq: Option<Freq>,
    sort: bool,
    fill_gaps: bool,
    json: bool,
}

/// Runs `inspect` on `argv` (after the command word).
pub fn run(argv: &[String], out: &mut String) -> Result<(), Failure> {
    let Some(req) = parse_args(argv, out)? else {
        return Ok(()); // --help
    };
    let frame = if req.file == "-" {
        Frame::from_reader(std::io::stdin().lock(), "<stdin>", &req.csv)?
    } else {
        Frame::read_csv_with(&req.file, &req.csv)?
    };
    let report = Report::new(&frame, &req)?;
    if req.json {
        report.write_json(out);
    } else {
        report.write_text(out);
    }
    Ok(())
}

fn parse_args(argv: &[String], out: &mut String) -> Result<Option<Request>, UsageError> {
    let mut args = Args::new(argv, "neuro-divergent inspect").options_from(HELP);
    let mut file = None;
    let mut roles = ColumnRoles::default();
    let mut delimiter = b',';
    let mut freq = None;
    let mut json = false;
    let (mut sort, mut fill_gaps) = (false, false);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => {
                out.push_str(HELP);
                return Ok(None);
            }
            Arg::Long(name @ ("json" | "sort" | "fill-gaps"), inline) => {
                args.flag(name, inline)?;
                match name {
                    "json" => json = true,
                    "sort" => sort = true,
                    _ => fill_gaps = true,
                }
            }
            Arg::Long(name @ ("id-col" | "time-col" | "target-col"), inline) => {
                let value = args.value(name, inline)?.to_string();
                match name {
                    "id-col" => roles.id_col = value,
                    "time-col" => roles.time_col = value,
                    _ => roles.target_col = value,
                }
            }
            Arg::Long("delimiter", inline) => {
                let value = args.value("delimiter", inline)?;
                delimiter = CsvOptions::delimiter_from_name(value)
                    .map_err(|e| args.error(e.to_string()))?;
            }
            Arg::Long("freq", inline) => {
                let value = args.value("freq", inline)?;
                freq = Some(Freq::parse(value).map_err(|e| args.error(e.to_string()))?);
            }
            Arg::Long(name, _) => return Err(args.unknown_option(name)),
            Arg::Word(word) if file.is_none() => file = Some(word.to_string()),
            Arg::Word(word) => return Err(args.unexpected_word(word)),
        }
    }
    let Some(file) = file else {
        return Err(args.error("missing the FILE to inspect (or - for standard input)".into()));
    };
    let csv = CsvOptions {
        delimiter,
        roles,
        ..CsvOptions::default()
    };
    csv.validate().map_err(|e| args.error(e.to_string()))?;
    Ok(Some(Request {
        file,
        csv,
        freq,
        sort,
        fill_gaps,
        json,
    }))
}

/// Count, missing count and min/mean/max of some values (NaN = missing).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Stats {
    count: usize,
    missing: usize,
    min: f64,
    max: f64,
    sum: f64,
}

impl Stats {
    const EMPTY: Stats = Stats {
        count: 0,
        missing: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        sum: 0.0,
    };

    fn add(&mut self, v: f64) {
        self.count += 1;
        if v.is_nan() {
            self.missing += 1;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.sum += v;
        }
    }

    fn observed(&self) -> usize {
        self.count - self.missing
    }

    /// (min, mean, max), NaN when nothing was observed.
    fn summary(&self) -> [f64; 3] {
        if self.observed() == 0 {
            return [f64::NAN; 3];
        }
        [self.min, self.sum / self.observed() as f64, self.max]
    }
}

/// One series' line.
struct SeriesLine {
    id: String,
    start: String,
    end: String,
    stats: Stats,
}

/// Another column of the file.
struct OtherColumn {
    name: String,
    /// "numeric" or "text".
    kind: &'static str,
    /// For numeric columns.
    stats: Option<Stats>,
}

/// Everything `inspect` prints.
struct Report {
    file: String,
    rows: usize,
    /// Rows once gaps are filled (equal to `rows` unless --fill-gaps filled some).
    filled_rows: usize,
    freq: Freq,
    freq_given: bool,
    time_kind: &'static str,
    target: String,
    series: Vec<SeriesLine>,
    others: Vec<OtherColumn>,
}

impl Report {
    fn new(frame: &Frame, req: &Request) -> Result<Report, Error> {
        let roles = &req.csv.roles;
        let opts = DatasetOptions {
            roles: roles.clone(),
            freq: req.freq,
            mask_missing_y: true,
            sort: req.sort,
            fill_gaps: req.fill_gaps,
            ..DatasetOptions::default()
        };
        let data = Dataset::from_frame(frame, &opts)?;
        // Target statistics from the frame's f64 values (exactly as written), by series.
        let mut stats = vec![Stats::EMPTY; data.n_series()];
        if let (Some(Column::Text(ids)), Some(Column::Float(y))) =
            (frame.column(&roles.id_col), frame.column(&roles.target_col))
        {
            let index: std::collections::HashMap<&str, usize> = data
                .ids
                .iter()
                .enumerate()
                .map(|(s, id)| (id.as_str(), s))
                .collect();
            let series_of_code: Vec<Option<usize>> = ids
                .dict
                .iter()
                .map(|d| index.get(d.as_str()).copied())
                .collect();
            for (&code, &v) in ids.codes.iter().zip(y) {
                if let Some(Some(s)) = series_of_code.get(code as usize) {
                    stats[*s].add(v);
                }
            }
        }
        let series = (0..data.n_series())
            .map(|s| {
                let times = data.times_of(s);
                SeriesLine {
                    id: data.ids[s].clone(),
                    start: data.show_time(times[0]),
                    end: data.show_time(times[times.len() - 1]),
                    // Rows and missing targets of the series as training sees it: filled
                    // gaps count as rows, and as missing.
                    stats: Stats {
                        count: data.len_of(s),
                        missing: data.mask_of(s).iter().filter(|&&m| m == 0.0).count(),
                        ..stats[s]
                    },
                }
            })
            .collect();
        let others = frame
            .names()
            .iter()
            .zip(frame.columns())
            .filter(|(n, _)| ![&roles.id_col, &roles.time_col, &roles.target_col].contains(n))
            .map(|(name, col)| match col {
                Column::Float(v) => {
                    let mut st = Stats::EMPTY;
                    v.iter().for_each(|&x| st.add(x));
                    OtherColumn {
                        name: name.clone(),
                        kind: "numeric",
                        stats: Some(st),
                    }
                }
                other => OtherColumn {
                    name: name.clone(),
                    kind: other.type_name(),
                    stats: None,
                },
            })
            .collect();
        Ok(Report {
            file: frame.source().unwrap_or("<memory>").to_string(),
            rows: frame.len(),
            filled_rows: data.n_rows(),
            freq: data.freq,
            freq_given: req.freq.is_some(),
            time_kind: match data.time_kind {
                crate::data::datetime::TimeKind::Integer => "integer index",
                crate::data::datetime::TimeKind::Date => "date",
                crate::data::datetime::TimeKind::DateTime => "datetime",
            },
            target: roles.target_col.clone(),
            series,
            others,
        })
    }

    fn write_text(&self, out: &mut String) {
        let how = if self.freq_given { "given" } else { "inferred" };
        let missing: usize = self.series.iter().map(|s| s.stats.missing).sum();
        out.push_str(&format!("file:       {}\n", self.file));
        let filled = if self.filled_rows == self.rows {
            String::new()
        } else {
            format!(", {} with the gaps filled,", self.filled_rows)
        };
        out.push_str(&format!(
            "rows:       {}{filled} in {} series ({missing} missing {})\n",
            self.rows,
            self.series.len(),
            self.target
        ));
        out.push_str(&format!("frequency:  {} ({how})\n", self.freq));
        out.push_str(&format!("time:       {}\n", self.time_kind));
        if self.others.is_empty() {
            out.push_str("exogenous:  none\n");
        }
        for (i, c) in self.others.iter().enumerate() {
            let label = if i == 0 { "exogenous:" } else { "" };
            let detail = match &c.stats {
                Some(st) => {
                    let [lo, mean, hi] = st.summary();
                    format!(
                        "numeric, {} missing, min {}, mean {}, max {}",
                        st.missing,
                        plain(lo),
                        rounded(mean),
                        plain(hi)
                    )
                }
                None => format!("{}, not usable as an exogenous input", c.kind),
            };
            out.push_str(&format!("{label:<12}{} ({detail})\n", c.name));
        }
        out.push('\n');
        let header = [
            "unique_id",
            "count",
            "start",
            "end",
            "missing",
            "min",
            "mean",
            "max",
        ];
        let rows: Vec<[String; 8]> = self
            .series
            .iter()
            .map(|s| {
                let [lo, mean, hi] = s.stats.summary();
                [
                    s.id.clone(),
                    s.stats.count.to_string(),
                    s.start.clone(),
                    s.end.clone(),
                    s.stats.missing.to_string(),
                    plain(lo),
                    rounded(mean),
                    plain(hi),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        // Text left-aligned, numbers right-aligned.
        let numeric = [false, true, false, false, true, true, true, true];
        let mut line = |cells: &[&str]| {
            let parts: Vec<String> = cells
                .iter()
                .zip(widths)
                .zip(numeric)
                .map(|((c, w), num)| {
                    if num {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect();
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&header);
        for r in &rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            line(&cells);
        }
    }

    fn write_json(&self, out: &mut String) {
        let stats_fields = |st: &Stats| {
            let [lo, mean, hi] = st.summary();
            vec![
                ("count", st.count.to_string()),
                ("missing", st.missing.to_string()),
                ("min", json_number(lo)),
                ("mean", json_number(mean)),
                ("max", json_number(hi)),
            ]
        };
        let series: Vec<String> = self
            .series
            .iter()
            .map(|s| {
                let mut fields = vec![
                    ("unique_id", json::string(&s.id)),
                    ("start", json::string(&s.start)),
                    ("end", json::string(&s.end)),
                ];
                fields.extend(stats_fields(&s.stats));
                json::object(&fields)
            })
            .collect();
        let others: Vec<String> = self
            .others
            .iter()
            .map(|c| {
                let mut fields = vec![
                    ("name", json::string(&c.name)),
                    ("type", json::string(c.kind)),
                ];
                if let Some(st) = &c.stats {
                    fields.extend(stats_fields(st));
                }
                json::object(&fields)
            })
            .collect();
        out.push_str(&json::object(&[
            ("file", json::string(&self.file)),
            ("rows", self.rows.to_string()),
            ("rows_with_gaps_filled", self.filled_rows.to_string()),
            ("n_series", self.series.len().to_string()),
            ("freq", json::string(&self.freq.to_string())),
            ("freq_inferred", (!self.freq_given).to_string()),
            ("time", json::string(self.time_kind)),
            ("target", json::string(&self.target)),
            ("exogenous", json::array(&others)),
            ("series", json::array(&series)),
        ]));
        out.push('\n');
    }
}

/// A value as written (shortest round-trip form); `-` when there is none.
fn plain(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x}")
    }
}

/// A mean: four decimals, trailing zeros dropped; `-` when there is none.
fn rounded(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A JSON number in its shortest round-trip form, or `null`.
fn json_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::cli;

    /// Writes `text` to a fresh file under the system temp directory; returns its path.
    fn temp_csv(name: &str, text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("nd-inspect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn prints_one_line_per_series_and_the_exogenous_columns() {
        let path = temp_csv(
            "two.csv",
            "unique_id,ds,y,price,note\n\
             A,2020-01-01,1,10,x\nA,2020-01-02,,11,y\nA,2020-01-03,3,12,z\n\
             B,2020-01-01,5,,w\nB,2020-01-02,7.5,13,v\n",
        );
        let (code, out, err) = cli(&["inspect", &path]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("rows:       5 in 2 series (1 missing y)"),
            "{out}"
        );
        assert!(out.contains("frequency:  D (inferred)"), "{out}");
        assert!(
            out.contains("price (numeric, 1 missing, min 10, mean 11.5, max 13)"),
            "{out}"
        );
        assert!(out.contains("note (text, not usable"), "{out}");
        let lines: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.starts_with("unique_id"))
            .collect();
        assert_eq!(
            lines,
            [
                "unique_id  count  start       end         missing  min  mean  max",
                "A              3  2020-01-01  2020-01-03        1    1     2    3",
                "B              2  2020-01-01  2020-01-02        0    5  6.25  7.5",
            ]
        );
    }

    #[test]
    fn sorting_and_filling_gaps_are_options() {
        let path = temp_csv("gappy.csv", "unique_id,ds,y\nA,4,4\nA,1,1\nA,2,2\n");
        let (code, _, err) = cli(&["inspect", &path]);
        assert_eq!(code, 1);
        assert!(err.contains("not sorted by time"), "{err}");
        let (code, _, err) = cli(&["inspect", &path, "--sort"]);
        assert_eq!(code, 1);
        assert!(err.contains("gap: 1 timestamp is missing"), "{err}");
        let (code, out, err) = cli(&["inspect", &path, "--sort", "--fill-gaps"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("rows:       3, 4 with the gaps filled, in 1 series (1 missing y)"),
            "{out}"
        );
        assert!(
            out.ends_with("A              4  1      4          1    1  2.3333    4\n"),
            "{out}"
        );
    }

    #[test]
    fn json_output_is_one_object() {
        let path = temp_csv("m3.csv", "id,t,v\nN1,1,2\nN1,2,4\n");
        let (code, out, err) = cli(&[
            "inspect",
            &path,
            "--id-col",
            "id",
            "--time-col=t",
            "--target-col",
            "v",
            "--json",
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with('{') && out.ends_with("}\n"), "{out}");
        assert!(
            out.contains(r#""n_series":1,"freq":"1","freq_inferred":true"#),
            "{out}"
        );
        assert!(
            out.contains(r#"{"unique_id":"N1","start":"1","end":"2","count":2,"missing":0,"min":2,"mean":3,"max":4}"#),
            "{out}"
        );
        assert!(out.contains(r#""exogenous":[]"#), "{out}");
    }

    #[test]
    fn bad_data_exit_1_with_one_message() {
        let path = temp_csv("dup.csv", "unique_id,ds,y\nA,1,1\nA,1,2\n");
        let (code, out, err) = cli(&["inspect", &path]);
        assert_eq!(code, 1);
        assert!(out.is_empty());
        assert_eq!(
            err,
            format!(
                "error: {path}, series 'A', timestamp 1: duplicate timestamp (data rows 1 and 2)\n"
            )
        );
        let (code, _, err) = cli(&["inspect", &path, "--freq", "MS"]);
        assert_eq!(code, 1);
        assert!(err.contains("parameter 'freq': 'MS' does not fit"), "{err}");
    }

    #[test]
    fn usage_mistakes_exit_2() {
        for (argv, needle) in [
            (&["inspect"][..], "missing the FILE"),
            (
                &["inspect", "a.csv", "b.csv"],
                "unexpected argument `b.csv`",
            ),
            (
                &["inspect", "a.csv", "--freq", "fortnight"],
                "'fortnight' is not a frequency",
            ),
            (
                &["inspect", "a.csv", "--delimiter", "::"],
                "not one character",
            ),
            (&["inspect", "a.csv", "--id-col", "y"], "distinct"),
            (&["inspect", "a.csv", "--json=1"], "takes no value"),
            (&["inspect", "a.csv", "--plot"], "unknown option `--plot`"),
        ] {
            let (code, _, err) = cli(argv);
            assert_eq!(code, 2, "{argv:?}: {err}");
            assert!(err.contains(needle), "{argv:?}: {err}");
            assert!(err.contains("neuro-divergent inspect --help"), "{err}");
        }
        let (code, out, _) = cli(&["inspect", "--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("Usage: neuro-divergent inspect FILE"));
    }

    #[test]
    fn a_missing_file_is_an_input_error() {
        let (code, _, err) = cli(&["inspect", "/nonexistent/nothing.csv"]);
        assert_eq!(code, 1);
        assert!(
            err.starts_with("error: /nonexistent/nothing.csv: cannot open"),
            "{err}"
        );
    }
}
