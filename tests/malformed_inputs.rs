//! A table of malformed inputs, each run through `neuro-divergent inspect` (in process, on a
//! file written for it), each with the exact message the user sees: exit code 1, nothing on
//! stdout, one line on stderr naming the file and the line and column, or the series and
//! timestamp. A second table covers what `inspect` accepts on purpose (missing targets, which
//! it counts) or cannot express (exogenous and static options), through the library.

use neuro_divergent::cli;
use neuro_divergent::data::csv::CsvOptions;
use neuro_divergent::data::{Dataset, DatasetOptions, Frame};

/// (case name, file bytes, extra arguments, expected stderr with `{file}` for the path).
type Case = (&'static str, Vec<u8>, &'static [&'static str], &'static str);

fn cases() -> Vec<Case> {
    let huge = {
        let mut v = b"unique_id,ds,y\nA,2020-01-01,".to_vec();
        v.extend(std::iter::repeat_n(b'1', 2 << 20));
        v.push(b'\n');
        v
    };
    let b = |s: &str| s.as_bytes().to_vec();
    vec![
        ("empty file", b(""), &[], "{file}: the input is empty (or holds only blank lines): a header line naming the columns is required"),
        ("header only", b("unique_id,ds,y\n"), &[], "{file}: the data have no rows (a header alone is not a dataset)"),
        ("blank lines only", b("\n\n"), &[], "{file}: the input is empty (or holds only blank lines): a header line naming the columns is required"),
        ("unterminated quote", b("unique_id,ds,y\n\"A,2020-01-01,1\nA,2020-01-02,2\n"), &[], "{file}, line 2, column 1: quoted field is never closed: the quote opened here has no closing quote before the end of the input"),
        ("text after a closing quote", b("unique_id,ds,y\n\"A\"x,2020-01-01,1\n"), &[], r#"{file}, line 2, column 1: text after the closing quote of a quoted field (a quote inside a quoted field must be doubled: "")"#),
        ("ragged row, too many fields", b("unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,2,9\n"), &[], "{file}, line 3: expected 3 fields (as in the header), found 4"),
        ("ragged row, too few fields", b("unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02\n"), &[], "{file}, line 3: expected 3 fields (as in the header), found 2"),
        ("impossible month", b("unique_id,ds,y\nA,2020-13-01,1\n"), &[], "{file}, line 2, column 2 (ds): '2020-13-01' is not a valid timestamp: month must be 01..12"),
        ("day not in the month", b("unique_id,ds,y\nA,2023-02-28,1\nA,2023-02-29,2\n"), &[], "{file}, line 3, column 2 (ds): '2023-02-29' is not a valid timestamp: day does not exist in that month"),
        ("US date format", b("unique_id,ds,y\nA,01/02/2020,1\n"), &[], "{file}, line 2, column 2 (ds): '01/02/2020' is not a valid timestamp: expected YYYY-MM-DD, an ISO datetime, or an integer"),
        ("empty timestamp", b("unique_id,ds,y\nA,2020-01-01,1\nA,,2\n"), &[], "{file}, line 3, column 2 (ds): empty timestamp"),
        ("bad UTC offset", b("unique_id,ds,y\nA,2020-01-01 00:00:00+25:00,1\n"), &[], "{file}, line 2, column 2 (ds): '2020-01-01 00:00:00+25:00' is not a valid timestamp: expected 'Z' or an offset like +02:00 after the time"),
        ("dates mixed with integers", b("unique_id,ds,y\nA,2020-01-01,1\nA,5,2\n"), &[], "{file}, line 3, column 2 (ds): '5' is an integer time index, but the column's first value is a date"),
        ("non-numeric target", b("unique_id,ds,y\nA,1,1.5\nA,2,abc\n"), &[], "{file}, line 3, column 3 (y): 'abc' is not a number (the target column must be numeric)"),
        ("non-UTF-8 bytes", b"unique_id,ds,y\nA\xff,1,1\n".to_vec(), &[], "{file}, line 2, column 1 (unique_id): invalid UTF-8 (byte 0xFF at byte 2 of the field)"),
        ("huge field", huge, &[], "{file}, line 2, column 3: field longer than the limit of 1048576 bytes"),
        ("duplicate header name", b("unique_id,ds,y,y\nA,1,1,1\n"), &[], "{file}, line 1, column 4: duplicate column name 'y' in the header"),
        ("missing id column", b("series,ds,y\nA,1,1\n"), &[], "{file}, line 1: no id column 'unique_id' in the header (columns are: series, ds, y); name the column in the options (id_col, time_col) if it is called otherwise"),
        ("missing target column", b("unique_id,ds,value\nA,1,1\n"), &[], "{file}: no column 'y' (columns are: unique_id, ds, value)"),
        ("duplicate timestamp", b("unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,2\nA,2020-01-02,3\n"), &[], "{file}, series 'A', timestamp 2020-01-02: duplicate timestamp (data rows 2 and 3)"),
        ("unsorted timestamps", b("unique_id,ds,y\nA,3,1\nA,1,2\nA,2,3\n"), &[], "{file}, series 'A', timestamp 1: rows are not sorted by time: 1 (data row 2) comes after 3 (data row 1); sort them (the sort option, --sort)"),
        ("gap against the frequency", b("unique_id,ds,y\nA,1,1\nA,2,2\nA,3,3\nA,5,5\n"), &[], "{file}, series 'A', timestamp 5: gap: 1 timestamp is missing at frequency 1 after 3 (the first is 4); fix the data or fill the gaps (the fill_gaps option, --fill-gaps)"),
        ("mixed frequencies", b("unique_id,ds,y\nA,2020-01-01,1\nA,2020-02-01,2\nB,2020-01-01,1\nB,2020-01-02,2\n"), &[], "{file}, series 'B': mixed frequencies: series 'A' is MS but series 'B' is D; all series must share one frequency"),
        ("infinite target", b("unique_id,ds,y\nA,1,1\nA,2,inf\n"), &[], "{file}, series 'A', timestamp 2: column 'y' holds inf, which is not a finite f32 value"),
        ("target beyond f32", b("unique_id,ds,y\nA,1,1\nA,2,1e39\n"), &[], "{file}, series 'A', timestamp 2: column 'y' holds 1e39, which is not a finite f32 value"),
        ("off the given frequency", b("unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-15,2\n"), &["--freq", "MS"], "{file}, series 'A', timestamp 2020-01-15: timestamp is not on the MS grid after 2020-01-01 (the next would be 2020-02-01)"),
        ("integer step for dates", b("unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,2\n"), &["--freq", "1"], "parameter 'freq': '1' does not fit: dates need a calendar frequency such as D or MS, not an integer step"),
        ("steps of seconds", b("unique_id,ds,y\nA,2020-01-01 00:00:00,1\nA,2020-01-01 00:00:30,2\n"), &[], "{file}, series 'A', timestamp 2020-01-01 00:00:30: cannot infer a frequency: the step from 2020-01-01 00:00:00 is not a whole number of minutes; give the frequency explicitly"),
        ("no series with two rows", b("unique_id,ds,y\nA,2020-01-01,1\nB,2020-01-01,2\n"), &[], "{file}: cannot infer the frequency: no series has two timestamps; give it explicitly"),
        ("first date off the grid", b("unique_id,ds,y\nA,2020-01-31,1\nA,2020-02-29,2\n"), &["--freq", "MS"], "{file}, series 'A', timestamp 2020-01-31: the first timestamp is not on the MS grid"),
    ]
}

#[test]
fn each_malformed_input_gets_its_message() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("malformed_inputs");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for (i, (name, bytes, extra, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i:02}.csv"));
        std::fs::write(&path, bytes).unwrap();
        let path = path.display().to_string();
        let mut argv = vec!["inspect".to_string(), path.clone()];
        argv.extend(extra.iter().map(|s| s.to_string()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = cli::run(&argv, &mut out, &mut err);
        let err = String::from_utf8(err).unwrap();
        let expected = format!("error: {}\n", expected.replace("{file}", &path));
        if code != 1 || !out.is_empty() || err != expected {
            failures.push(format!(
                "{name}: exit {code}, stdout {} bytes\n  got:  {}  want: {}",
                out.len(),
                err.replace(&path, "{file}"),
                expected.replace(&path, "{file}")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// (case name, CSV text, options, expected error).
type LibraryCase = (&'static str, &'static str, DatasetOptions, &'static str);

fn library_cases() -> Vec<LibraryCase> {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let statics = Frame::from_reader(
        "unique_id,size\nA,1\n".as_bytes(),
        "static.csv",
        &CsvOptions {
            require_id_and_time: false,
            ..CsvOptions::default()
        },
    )
    .unwrap();
    let d = DatasetOptions::default;
    vec![
        (
            "NaN target",
            "unique_id,ds,y\nA,1,1\nA,2,NaN\n",
            d(),
            "data.csv, series 'A', timestamp 2: the target 'y' is missing (NaN or empty); remove the row or mask missing targets (the mask_missing_y option)",
        ),
        (
            "empty target",
            "unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-02,\n",
            d(),
            "data.csv, series 'A', timestamp 2020-01-02: the target 'y' is missing (NaN or empty); remove the row or mask missing targets (the mask_missing_y option)",
        ),
        (
            "NaN exogenous value",
            "unique_id,ds,y,temp\nA,1,1,20\nA,2,2,\n",
            DatasetOptions { hist_exog: names(&["temp"]), ..d() },
            "data.csv, series 'A', timestamp 2: the exogenous column 'temp' is missing (NaN or empty)",
        ),
        (
            "missing exogenous column",
            "unique_id,ds,y\nA,1,1\nA,2,2\n",
            DatasetOptions { futr_exog: names(&["price"]), ..d() },
            "data.csv: no column 'price' (columns are: unique_id, ds, y)",
        ),
        (
            "text exogenous column",
            "unique_id,ds,y,promo\nA,1,1,\nA,2,2,yes\n",
            DatasetOptions { futr_exog: names(&["promo"]), ..d() },
            "data.csv: column 'promo' (exogenous) must be numeric, but it holds text values (the first that is not a number: 'yes', data row 2)",
        ),
        (
            "series without static values",
            "unique_id,ds,y\nA,1,1\nA,2,2\nB,1,1\nB,2,2\n",
            DatasetOptions { static_df: Some(statics), ..d() },
            "static.csv, series 'B': static_df has no row for this series",
        ),
        (
            "series shorter than needed",
            "unique_id,ds,y\nA,1,1\nA,2,2\nA,3,3\nB,1,1\nB,2,2\n",
            DatasetOptions { min_length: 3, ..d() },
            "data.csv, series 'B': the series has 2 rows, fewer than the 3 needed",
        ),
    ]
}

#[test]
fn library_only_cases_get_their_message() {
    let mut failures = Vec::new();
    for (name, text, opts, expected) in library_cases() {
        let frame = Frame::from_reader(text.as_bytes(), "data.csv", &CsvOptions::default())
            .unwrap_or_else(|e| panic!("{name}: the CSV itself is fine: {e}"));
        match Dataset::from_frame(&frame, &opts) {
            Ok(_) => failures.push(format!("{name}: accepted")),
            Err(e) if e.to_string() != expected => {
                failures.push(format!("{name}:\n  got:  {e}\n  want: {expected}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
