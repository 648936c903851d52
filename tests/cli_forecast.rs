//! The forecasting commands of the `neuro-divergent` binary end to end: `forecast` with no
//! arguments (embedded AirPassengers), CSV output, the SVG plot, `fit --save` then
//! `predict --model-file`, `eval --json`, and the exit codes of bad input.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(args)
        .env_remove("NEURO_DIVERGENT_ISA")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn run_with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory under the system temp directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nd-cli-forecast-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &std::path::Path) -> String {
    p.display().to_string()
}

/// Quick settings: a few steps keep every test in the seconds.
const QUICK: &[&str] = &["--model", "nlinear", "--max-steps", "20", "--quiet"];

/// AirPassengers' train (through 1959-12) and test (1960) files.
fn air_passengers_split(dir: &std::path::Path) -> (String, String) {
    let all = include_str!("../data/air_passengers.csv");
    let mut lines = all.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (train, test) = rows.split_at(rows.len() - 12);
    let write = |name: &str, rows: &[&str]| {
        let p = dir.join(name);
        std::fs::write(&p, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path(&p)
    };
    (write("train.csv", train), write("test.csv", test))
}

#[test]
fn forecast_with_no_arguments_prints_twelve_months_of_air_passengers() {
    let out = run(&["forecast"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 13, "{stdout}");
    assert!(
        lines[0].starts_with("unique_id") && lines[0].contains(" ds "),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("AirPassengers  1961-01-01"),
        "{stdout}"
    );
    assert!(
        lines[12].starts_with("AirPassengers  1961-12-01"),
        "{stdout}"
    );
    // The forecasts are plausible passenger numbers (thousands), not garbage.
    for line in &lines[1..] {
        let v: f64 = line.split_whitespace().last().unwrap().parse().unwrap();
        assert!((300.0..900.0).contains(&v), "{line}");
    }
    // Not a terminal: no progress bar.
    assert!(!text(&out.stderr).contains('\r'), "{}", text(&out.stderr));
}

#[test]
fn csv_to_stdout_from_stdin_with_other_column_names() {
    let input = include_str!("../data/air_passengers.csv").replacen("unique_id,ds,y", "id,t,v", 1);
    let mut args = vec![
        "forecast",
        "--input",
        "-",
        "--output",
        "-",
        "--horizon",
        "3",
        "--id-col",
        "id",
        "--time-col",
        "t",
        "--target-col",
        "v",
    ];
    args.extend_from_slice(QUICK);
    let out = run_with_stdin(&args, &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "id,t,NLinear", "{stdout}");
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[1].starts_with("AirPassengers,1961-01-01,"),
        "{stdout}"
    );
}

#[test]
fn plot_writes_an_svg_with_history_forecast_and_intervals() {
    let dir = temp_dir("plot");
    let svg_path = dir.join("fc.svg");
    let csv_path = dir.join("fc.csv");
    let (svg_arg, csv_arg) = (path(&svg_path), path(&csv_path));
    let mut args = vec![
        "forecast",
        "--plot",
        &svg_arg,
        "--output",
        &csv_arg,
        "--loss",
        "mqloss(level=[80,90])",
    ];
    args.extend_from_slice(QUICK);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).is_empty(),
        "--output FILE prints no table"
    );
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(
        svg.matches("<path").count() >= 4,
        "axes, history, forecast, bands"
    );
    assert!(svg.contains(">NLinear 80%<") && svg.contains(">history<"));
    assert!(svg.contains(">1961-"), "date ticks");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        csv.starts_with("unique_id,ds,NLinear-median,NLinear-lo-90,"),
        "{csv}"
    );
}

#[test]
fn fit_save_then_predict_gives_the_same_forecast() {
    let dir = temp_dir("model");
    let file = path(&dir.join("air.ndm"));
    let mut forecast_args = vec!["forecast", "--output", "-"];
    forecast_args.extend_from_slice(QUICK);
    let direct = run(&forecast_args);
    assert_eq!(direct.status.code(), Some(0), "{}", text(&direct.stderr));

    let mut fit_args = vec!["fit", "--save", &file];
    fit_args.extend_from_slice(QUICK);
    let fitted = run(&fit_args);
    assert_eq!(fitted.status.code(), Some(0), "{}", text(&fitted.stderr));

    let predicted = run(&["predict", "--model-file", &file, "--output", "-"]);
    assert_eq!(
        predicted.status.code(),
        Some(0),
        "{}",
        text(&predicted.stderr)
    );
    assert_eq!(text(&predicted.stdout), text(&direct.stdout));

    // With --input the saved model forecasts after that file's series instead.
    let (train, _) = air_passengers_split(&dir);
    let again = run(&[
        "predict",
        "--model-file",
        &file,
        "--input",
        &train,
        "--output",
        "-",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let csv = text(&again.stdout);
    let first = csv.lines().nth(1).unwrap_or_default();
    assert!(first.contains("1960-01-01"), "{csv}");
    assert_ne!(csv, text(&direct.stdout));

    // A damaged model file is an input error naming the file.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.truncate(bytes.len() / 2);
    let broken = path(&dir.join("broken.ndm"));
    std::fs::write(&broken, bytes).unwrap();
    let out = run(&["predict", "--model-file", &broken]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(&format!("error: {broken}")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn eval_json_has_one_record_per_model_with_the_metrics() {
    let dir = temp_dir("eval");
    let (train, test) = air_passengers_split(&dir);
    let out = run(&[
        "eval",
        "--train",
        &train,
        "--test",
        &test,
        "--models",
        "nlinear",
        "--max-steps",
        "20",
        "--json",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(json.starts_with('{') && json.ends_with("}\n"), "{json}");
    assert!(
        json.contains("\"horizon\":12") && json.contains("\"season\":12"),
        "{json}"
    );
    assert!(
        json.contains(r#""models":[{"model":"SeasonalNaive","mae":47.833333"#),
        "{json}"
    );
    assert!(json.contains(r#"{"model":"NLinear","mae":"#), "{json}");
    for field in ["rmse", "smape", "mase", "fit_seconds", "predict_seconds"] {
        assert_eq!(
            json.matches(&format!("\"{field}\":")).count(),
            2,
            "{field}: {json}"
        );
    }
    // A model listed twice is a usage error, not two rows of the same name.
    let out = run(&[
        "eval",
        "--train",
        &train,
        "--test",
        &test,
        "--models",
        "nlinear,NLinear",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("lists NLinear twice"),
        "{}",
        text(&out.stderr)
    );
    // The text form has the same rows.
    let out = run(&[
        "eval",
        "--train",
        &train,
        "--test",
        &test,
        "--models",
        "nlinear",
        "--max-steps",
        "20",
    ]);
    let table = text(&out.stdout);
    assert!(
        table.contains("SeasonalNaive") && table.contains("NLinear"),
        "{table}"
    );
}

#[test]
fn bad_input_exits_1_with_file_and_line_or_series_and_timestamp() {
    let dir = temp_dir("bad");
    let broken = dir.join("broken.csv");
    std::fs::write(&broken, "unique_id,ds,y\nA,2020-01-01,1\nA,2020-01-0x,2\n").unwrap();
    let out = run(&["forecast", "--input", &path(&broken)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&path(&broken)) && err.contains("line 3"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let dup = dir.join("dup.csv");
    std::fs::write(&dup, "unique_id,ds,y\nA,1,1\nA,1,2\n").unwrap();
    let out = run(&["forecast", "--input", &path(&dup)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("series 'A', timestamp 1"),
        "{}",
        text(&out.stderr)
    );

    // A test file whose series lengths differ.
    let (train, _) = air_passengers_split(&dir);
    let short = dir.join("short.csv");
    std::fs::write(&short, "unique_id,ds,y\nAirPassengers,1960-01-01,417\n").unwrap();
    let other = dir.join("other.csv");
    std::fs::write(&other, "unique_id,ds,y\nAirPassengers,1960-02-01,417\n").unwrap();
    let out = run(&[
        "eval",
        "--train",
        &train,
        "--test",
        &path(&other),
        "--models",
        "nlinear",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("start right after the training end"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_mistakes_exit_2_with_one_clear_line() {
    for (args, needle) in [
        (
            &["forecast", "--model", "prophet"][..],
            "unknown model 'prophet'",
        ),
        (&["forecast", "--horizon", "0"], "positive integer"),
        (&["forecast", "--set", "hiden_size=3"], "hiden_size"),
        (
            &["forecast", "--frobnicate"],
            "unknown option `--frobnicate`",
        ),
        (&["fit"], "missing `--save FILE`"),
        (&["predict"], "missing `--model-file FILE`"),
        (
            &["eval", "--train", "a.csv"],
            "missing `--train FILE` and `--test FILE`",
        ),
        (&["eval", "--horizon", "3"], "does not apply to eval"),
    ] {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains("--help"),
            "{args:?}: {err}"
        );
        assert!(text(&out.stdout).is_empty());
    }
}

#[test]
fn a_bad_thread_count_is_reported_before_any_work() {
    let out = Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(["forecast", "--max-steps", "1"])
        .env("NEURO_DIVERGENT_THREADS", "zero")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.contains("NEURO_DIVERGENT_THREADS") && e.contains("1 to 1024"),
        "{e}"
    );
    assert!(out.stdout.is_empty());
}
