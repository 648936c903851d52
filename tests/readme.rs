//! The README's promises, checked: its command-line quickstart runs as written (the commands
//! are read from README.md itself, so the test and the text cannot drift apart), and its model
//! table matches the registry. (Its Rust quickstart runs as a doctest: see `ReadmeDoctests` in
//! src/lib.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use neuro_divergent::data::{Column, Frame};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::registry::MODELS;

const README: &str = include_str!("../README.md");
const MARKER: &str = "<!-- cli-quickstart:";

/// The lines of the first ```sh block after the quickstart marker.
fn quickstart_block() -> Vec<&'static str> {
    let after = &README[README
        .find(MARKER)
        .expect("README has the quickstart marker")..];
    let mut lines = after
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1);
    let block: Vec<&str> = lines
        .by_ref()
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(!block.is_empty(), "the quickstart block is empty");
    block
}

/// Splits a command line as the shell would for the subset the quickstart may use: words,
/// single-quoted words, and a trailing `# comment`. Anything else (double quotes, escapes,
/// pipes, redirections, variables) fails the test, so that the README keeps to what this
/// runner reproduces exactly.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        if quoted {
            if c == '\'' {
                quoted = false;
            } else {
                word.get_or_insert_with(String::new).push(c);
            }
            continue;
        }
        match c {
            '\'' => {
                quoted = true;
                word.get_or_insert_with(String::new);
            }
            '#' if word.is_none() => break,
            c if c.is_whitespace() => words.extend(word.take()),
            '"' | '\\' | '|' | '>' | '<' | '$' | ';' | '&' | '`' => {
                panic!(
                    "the quickstart line {line:?} uses shell syntax ({c}) this test does not run"
                )
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "unbalanced quote in {line:?}");
    words.extend(word);
    words
}

/// A fresh directory holding `data/air_passengers.csv`, as the repository root does.
fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nd-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        dir.join("data/air_passengers.csv"),
        include_str!("../data/air_passengers.csv"),
    )
    .unwrap();
    dir
}

fn run_in(dir: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(args)
        .current_dir(dir)
        .env_remove("NEURO_DIVERGENT_ISA")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn shell_words_reads_quotes_and_comments() {
    assert_eq!(
        shell_words("a --loss 'mqloss(level=[80, 90])' b  # note 'x'"),
        ["a", "--loss", "mqloss(level=[80, 90])", "b"]
    );
    assert_eq!(shell_words("# only a comment"), Vec::<String>::new());
    assert_eq!(shell_words("x a#b"), ["x", "a#b"]);
}

#[test]
fn the_cli_quickstart_runs_as_written() {
    let dir = work_dir();
    let mut ran = Vec::new();
    for line in quickstart_block() {
        let words = shell_words(line);
        let Some((program, args)) = words.split_first() else {
            continue; // a comment line
        };
        assert_eq!(program, "neuro-divergent", "unexpected program in {line:?}");
        let out = run_in(&dir, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{line}\nstderr: {}",
            text(&out.stderr)
        );
        ran.push((args[0].clone(), text(&out.stdout)));
    }
    let commands: Vec<&str> = ran.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        commands,
        ["inspect", "forecast", "fit", "predict", "forecast"],
        "the quickstart changed: update what this test checks"
    );

    // inspect: one summary line naming the series.
    assert!(ran[0].1.contains("AirPassengers"), "{}", ran[0].1);

    // forecast --output forecast.csv: 12 months of 1961 for both models; nothing on stdout.
    let csv = read(&dir, "forecast.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "unique_id,ds,MLP,NLinear", "{csv}");
    assert_eq!(lines.len(), 13, "{csv}");
    assert!(lines[1].starts_with("AirPassengers,1961-01-01,"), "{csv}");
    assert!(lines[12].starts_with("AirPassengers,1961-12-01,"), "{csv}");
    assert!(ran[1].1.is_empty(), "{}", ran[1].1);
    let svg = read(&dir, "forecast.svg");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));

    // fit --save air.ndf: a loadable file with one NHITS model and its training data.
    let nf = NeuralForecast::load(&dir.join("air.ndf")).unwrap();
    assert_eq!(nf.models().len(), 1);
    assert_eq!(nf.models()[0].alias(), "NHITS");
    assert_eq!(nf.dataset().map(|d| d.n_rows()), Some(144));

    // predict --model-file air.ndf: the loaded model's forecast, as a table of 12 rows.
    let table = &ran[3].1;
    assert_eq!(table.lines().count(), 13, "{table}");
    assert!(table.lines().next().unwrap_or_default().contains("NHITS"));
    assert!(table.contains("1961-01-01") && table.contains("1961-12-01"));
    // The printed values are the loaded file's forecast (the table rounds them).
    let expected = nf.predict().unwrap();
    let Some(Column::Float(want)) = expected.column("NHITS") else {
        panic!("NHITS column: {:?}", expected.names())
    };
    for (row, want) in table.lines().skip(1).zip(want) {
        let got: f64 = row.split_whitespace().last().unwrap().parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-3 * want.abs().max(1.0),
            "{row} against {want}"
        );
    }

    // forecast --loss mqloss(level=[80,90]): median and both intervals, ordered.
    let intervals = Frame::read_csv(dir.join("intervals.csv")).unwrap();
    let col = |name: &str| match intervals.column(name) {
        Some(Column::Float(v)) => v.clone(),
        _ => panic!("column {name}: {:?}", intervals.names()),
    };
    let (lo90, lo80, median, hi80, hi90) = (
        col("NHITS-lo-90"),
        col("NHITS-lo-80"),
        col("NHITS-median"),
        col("NHITS-hi-80"),
        col("NHITS-hi-90"),
    );
    assert_eq!(median.len(), 12);
    for i in 0..12 {
        assert!(
            lo90[i] <= lo80[i]
                && lo80[i] <= median[i]
                && median[i] <= hi80[i]
                && hi80[i] <= hi90[i],
            "row {i}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The rows of the README's model table: (class name, registry name or `None`, status).
fn model_table() -> Vec<(String, Option<String>, String)> {
    let start = README
        .find("| NeuralForecast class |")
        .expect("the model table");
    README[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let unquote = |s: &str| s.trim_matches('`').to_string();
            let name = (cells[2] != "–").then(|| unquote(cells[2]));
            (unquote(cells[1]), name, cells[3].to_string())
        })
        .collect()
}

#[test]
fn the_model_table_matches_the_registry() {
    let table = model_table();
    for e in MODELS {
        assert!(
            table
                .iter()
                .any(|(class, name, status)| class == e.class_name
                    && name.as_deref() == Some(e.name)
                    && status == "implemented"),
            "README's model table lacks `{}` | `{}` | implemented",
            e.class_name,
            e.name
        );
    }
    for (class, _, status) in &table {
        let registered = MODELS.iter().any(|e| e.class_name == class);
        match status.as_str() {
            "implemented" => assert!(registered, "{class} is marked implemented"),
            "planned" => assert!(!registered, "{class} exists now: mark it implemented"),
            other => panic!("{class}: unknown status {other}"),
        }
    }
}
