//! `neuro-divergent bench models`: our side of the comparison harness.
//!
//! Reads the workload spec (the embedded `benches/workloads.json` by default, or `--spec FILE`),
//! runs each (model, suite) it lists with the same configuration NeuralForecast gets from
//! `benches/python/nf_bench.py`, and reports the same fields. Any model in the registry
//! ([`crate::models::registry`]) runs; a model this version does not implement is reported as
//! `"status": "missing"`, never estimated.
//!
//! Process layout, as `nf_bench.py`'s: this process only orchestrates. Each entry's creation
//! suite runs in a fresh process of this binary, and its training, inference and memory suites
//! in one more (it fits, then measures inference on the fitted forecaster, and its peak RSS is
//! the fit's), which itself starts one for the cold predict. Those children are hidden options
//! of this command (`--child INDEX --suite SUITE [--spec FILE]`, `--cold-predict FILE`); each
//! prints one JSON record as its last line. What they measure is documented in
//! `model_workload.rs`; the roofline (the machine's FMA peak and triad bandwidth, measured
//! here once) in `roofline.rs`.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::args::{Arg, Args, UsageError};
use super::machine::Machine;
use super::model_workload::{self as workload, child_record, median, Record};
use super::roofline::MachineRoof;
use crate::io::json::Value;
use crate::workloads::{ModelEntry, WorkloadSpec};

pub const HELP: &str = "\
Run the model workloads of the comparison harness (ours; NeuralForecast's side is
benches/python/nf_bench.py, and `cargo bench --bench comparison_benchmarks` runs both).

Usage: neuro-divergent bench models [OPTIONS]

Options:
  --spec FILE    Workload spec [default: the benches/workloads.json embedded in this binary]
  --json FILE    Also write the results as JSON to FILE (`-` for standard output, instead of
                 the table): {\"side\", \"version\", \"threads\", \"isa\", \"machine\",
                 \"roofline\": {\"peak_gflops\", \"bandwidth_gbs\"},
                 \"startup\": {\"process_ms_median\"},
                 \"results\": [{\"label\", \"model\", \"suite\", \"status\", ...}]} [default: none]
  --only LABEL   Run only the entry with this label (repeatable) [default: every entry]
  -h, --help     Print this help

Each entry's suites run in fresh processes of this binary, with the spec's thread count.
Fields per suite (as nf_bench.py's; times in ms unless the name says s or us):
  creation   params, create_ms (building the model and initialising its parameters),
             rss_mb (process RSS after it)
  training   params, steps_timed, step_ms_median (one optimizer step: sample, forward,
             loss, backward, Adam; after warmup_steps), windows_per_s, fit_s (the fit of
             measure_steps steps), full_run_s_extrapolated (median step x full_steps),
             peak_rss_mb; the roofline: flops_per_step (forward + backward GEMM flops,
             counted), optimizer_bytes_per_step (Adam: 28 bytes per parameter),
             peak_gflops (measured FMA peak, one core), bandwidth_gbs (measured triad,
             one core), roofline_ms = flops/peak + bytes/bandwidth,
             roofline_fraction = roofline_ms / step_ms_median
  inference  predict_first_ms, predict_warm_ms_median (warm_repeats predicts),
             cold_predict_ms and load_ms (a fresh process loads the saved model file and
             predicts), forward_1_us_median and forward_256_ms_median (raw model forward
             in predict mode on 1 and batch_windows windows), peak_rss_mb
  memory     peak_rss_mb of the process that fitted the model
  startup    process_ms_median: `neuro-divergent --version`, start to exit

\"status\" is \"ok\", \"missing\" (a model this version does not implement) or \"error\"
(with \"error\": the message).
";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    spec: Option<String>,
    json: Option<String>,
    only: Vec<String>,
    /// Hidden: measure entry INDEX's `suite` in this process and print its record.
    child: Option<usize>,
    suite: Option<String>,
    /// Hidden: load FILE, predict once, print the timings.
    cold_predict: Option<String>,
}

fn parse(argv: &[String]) -> Result<Option<Options>, UsageError> {
    let mut args = Args::new(argv, "neuro-divergent bench models").options_from(HELP);
    let mut o = Options::default();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => return Ok(None),
            Arg::Long("spec", inline) => o.spec = Some(args.value("spec", inline)?.to_owned()),
            Arg::Long("json", inline) => o.json = Some(args.value("json", inline)?.to_owned()),
            Arg::Long("only", inline) => o.only.push(args.value("only", inline)?.to_owned()),
            Arg::Long("child", inline) => {
                let v = args.value("child", inline)?;
                let i = v
                    .parse()
                    .map_err(|_| args.error(format!("--child: `{v}` is not an entry index")))?;
                o.child = Some(i);
            }
            Arg::Long("suite", inline) => o.suite = Some(args.value("suite", inline)?.to_owned()),
            Arg::Long("cold-predict", inline) => {
                o.cold_predict = Some(args.value("cold-predict", inline)?.to_owned())
            }
            Arg::Long(name, _) => return Err(args.unknown_option(name)),
            Arg::Word(word) => return Err(args.unexpected_word(word)),
        }
    }
    if o.child.is_some() != o.suite.is_some() {
        return Err(args.error("--child and --suite go together".into()));
    }
    Ok(Some(o))
}

const HINT: &str = "neuro-divergent bench models --help";

fn load_spec(path: Option<&str>) -> Result<WorkloadSpec, UsageError> {
    match path {
        None => Ok(WorkloadSpec::embedded()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError::new(format!("--spec {path}: {e}"), HINT))?;
            WorkloadSpec::parse(&text, path).map_err(|e| UsageError::new(e.to_string(), HINT))
        }
    }
}

/// `bench models [OPTIONS]`.
pub fn run(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), UsageError> {
    let Some(options) = parse(argv)? else {
        out.push_str(HELP);
        return Ok(());
    };
    if let Some(file) = &options.cold_predict {
        let record = workload::cold_predict(Path::new(file));
        out.push_str(&child_output(record));
        return Ok(());
    }
    let spec = load_spec(options.spec.as_deref())?;
    if let (Some(index), Some(suite)) = (options.child, &options.suite) {
        let entry = spec
            .models
            .get(index)
            .ok_or_else(|| UsageError::new(format!("--child: no entry {index}"), HINT))?;
        out.push_str(&child_output(run_child(&spec, entry, suite)));
        return Ok(());
    }
    for label in &options.only {
        if !spec.models.iter().any(|m| &m.label == label) {
            let labels: Vec<&str> = spec.models.iter().map(|m| m.label.as_str()).collect();
            return Err(UsageError::new(
                format!(
                    "--only: no entry labelled `{label}` (labels: {})",
                    labels.join(", ")
                ),
                HINT,
            ));
        }
    }
    let exe = std::env::current_exe()
        .map_err(|e| UsageError::new(format!("cannot find this program's path: {e}"), HINT))?;
    let doc = run_parent(&spec, &options, &exe, err);
    match options.json.as_deref() {
        Some("-") => {
            out.push_str(&doc.to_json());
            out.push('\n');
        }
        other => {
            if let Some(path) = other {
                std::fs::write(path, doc.to_json() + "\n")
                    .map_err(|e| UsageError::new(format!("--json {path}: {e}"), HINT))?;
            }
            out.push_str(&table(&doc));
        }
    }
    Ok(())
}

/// A child's one line of output: its record, or `{"error": message}`.
fn child_output(record: crate::Result<Record>) -> String {
    let value = match record {
        Ok(r) => Value::Object(r.0),
        Err(e) => Value::Object(vec![("error".into(), Value::String(e.to_string()))]),
    };
    value.to_json() + "\n"
}

/// The work of a `--child` process.
fn run_child(spec: &WorkloadSpec, entry: &ModelEntry, suite: &str) -> crate::Result<Record> {
    crate::sched::set_threads(spec.threads)?;
    let exe = std::env::current_exe()?;
    match suite {
        "creation" => workload::creation(spec, entry),
        "training" | "inference" => workload::fit_and_measure(
            spec,
            entry,
            suite == "inference",
            &exe,
            &std::env::temp_dir(),
        ),
        other => Err(crate::Error::config(
            "suite",
            format!("`{other}` is not creation, training or inference"),
        )),
    }
}

/// Fields of each suite's record, taken from the child's.
const TRAINING_FIELDS: &[&str] = &[
    "params",
    "steps_timed",
    "step_ms_median",
    "windows_per_s",
    "fit_s",
    "full_run_s_extrapolated",
    "peak_rss_mb",
    "flops_per_step",
    "optimizer_bytes_per_step",
];
const INFERENCE_FIELDS: &[&str] = &[
    "predict_first_ms",
    "predict_warm_ms_median",
    "cold_predict_ms",
    "load_ms",
    "forward_1_us_median",
    "forward_256_ms_median",
    "peak_rss_mb",
];
const MEMORY_FIELDS: &[&str] = &["peak_rss_mb"];

fn head(entry: &ModelEntry, suite: &str, status: &str) -> Vec<(String, Value)> {
    vec![
        ("label".into(), Value::String(entry.label.clone())),
        ("model".into(), Value::String(entry.model.clone())),
        ("suite".into(), Value::String(suite.into())),
        ("status".into(), Value::String(status.into())),
    ]
}

fn missing(entry: &ModelEntry, suite: &str) -> Value {
    let mut r = head(entry, suite, "missing");
    r.push((
        "reason".into(),
        Value::String(format!(
            "{} is not implemented in neuro-divergent {}",
            entry.model,
            env!("CARGO_PKG_VERSION")
        )),
    ));
    Value::Object(r)
}

fn failed(entry: &ModelEntry, suite: &str, message: &str) -> Value {
    let mut r = head(entry, suite, "error");
    r.push(("error".into(), Value::String(message.into())));
    Value::Object(r)
}

/// Runs one child and returns its record or the error message.
fn spawn(
    exe: &Path,
    spec_path: Option<&str>,
    threads: usize,
    index: usize,
    suite: &str,
) -> Result<Record, String> {
    let mut cmd = Command::new(exe);
    cmd.args([
        "bench",
        "models",
        "--child",
        &index.to_string(),
        "--suite",
        suite,
    ]);
    if let Some(p) = spec_path {
        cmd.args(["--spec", p]);
    }
    cmd.env(crate::sched::THREADS_ENV, threads.to_string());
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let record = child_record(&out, suite).map_err(|e| e.message.clone())?;
    match record.0.iter().find(|(k, _)| k == "error") {
        Some((_, Value::String(e))) => Err(e.clone()),
        _ => Ok(record),
    }
}

/// `entry`'s record of `suite`: `fields` of `child`, plus `extra`.
fn suite_record(
    entry: &ModelEntry,
    suite: &str,
    child: &Record,
    fields: &[&str],
    extra: Vec<(String, Value)>,
) -> Value {
    let mut r = head(entry, suite, "ok");
    for &f in fields {
        if let Some((k, v)) = child.0.iter().find(|(k, _)| k == f) {
            r.push((k.clone(), v.clone()));
        }
    }
    r.extend(extra);
    Value::Object(r)
}

/// The roofline fields of a training record.
fn roofline_fields(roof: &MachineRoof, child: &Record) -> Vec<(String, Value)> {
    let get = |key: &str| {
        child
            .0
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_f64())
            .unwrap_or(f64::NAN)
    };
    let roofline_ms = roof.roofline_ms(get("flops_per_step"), get("optimizer_bytes_per_step"));
    [
        ("peak_gflops", roof.peak_gflops),
        ("bandwidth_gbs", roof.bandwidth_gbs),
        ("roofline_ms", roofline_ms),
        ("roofline_fraction", roofline_ms / get("step_ms_median")),
    ]
    .into_iter()
    .map(|(k, x)| (k.to_owned(), Value::Number(x)))
    .collect()
}

/// Runs every selected entry and returns the JSON document.
fn run_parent(spec: &WorkloadSpec, options: &Options, exe: &Path, err: &mut dyn Write) -> Value {
    let selected: Vec<(usize, &ModelEntry)> = spec
        .models
        .iter()
        .enumerate()
        .filter(|(_, m)| options.only.is_empty() || options.only.contains(&m.label))
        .collect();
    let registered = |m: &ModelEntry| crate::models::registry::entry(&m.model).is_ok();
    let fitting = |m: &ModelEntry| {
        m.suites
            .iter()
            .any(|s| ["training", "inference", "memory"].contains(&s.as_str()))
    };
    let roof = selected
        .iter()
        .any(|(_, m)| registered(m) && m.suites.iter().any(|s| s == "training"))
        .then(MachineRoof::measure);
    let spec_path = options.spec.as_deref();
    let mut results = Vec::new();
    for &(index, entry) in &selected {
        if !registered(entry) {
            results.extend(entry.suites.iter().map(|s| missing(entry, s)));
            continue;
        }
        let creation = entry
            .suites
            .iter()
            .any(|s| s == "creation")
            .then(|| spawn(exe, spec_path, spec.threads, index, "creation"));
        let fit_suite = if entry.suites.iter().any(|s| s == "inference") {
            "inference"
        } else {
            "training"
        };
        let fit = fitting(entry).then(|| spawn(exe, spec_path, spec.threads, index, fit_suite));
        for suite in &entry.suites {
            let source = if suite == "creation" { &creation } else { &fit };
            let record = match source {
                None => continue,
                Some(Err(e)) => failed(entry, suite, e),
                Some(Ok(child)) => match suite.as_str() {
                    "creation" => suite_record(
                        entry,
                        suite,
                        child,
                        &["params", "create_ms", "rss_mb"],
                        Vec::new(),
                    ),
                    "training" => {
                        let extra = roof
                            .as_ref()
                            .map_or(Vec::new(), |r| roofline_fields(r, child));
                        suite_record(entry, suite, child, TRAINING_FIELDS, extra)
                    }
                    "inference" => suite_record(entry, suite, child, INFERENCE_FIELDS, Vec::new()),
                    _ => suite_record(entry, suite, child, MEMORY_FIELDS, Vec::new()),
                },
            };
            let _ = writeln!(err, "{}", one_line(&record));
            results.push(record);
        }
    }
    let startup: Vec<f64> = (0..spec.startup_repeats)
        .filter_map(|_| {
            let t = Instant::now();
            let ok = Command::new(exe)
                .arg("--version")
                .output()
                .ok()?
                .status
                .success();
            ok.then(|| t.elapsed().as_secs_f64() * 1e3)
        })
        .collect();
    let machine = Machine::detect();
    let mut doc = vec![
        ("side".into(), Value::String("neuro-divergent".into())),
        (
            "version".into(),
            Value::String(env!("CARGO_PKG_VERSION").into()),
        ),
        ("threads".into(), Value::Number(spec.threads as f64)),
        (
            "isa".into(),
            Value::String(format!("{:?}", nd_kernels::isa::active())),
        ),
        ("machine".into(), Value::String(machine.cpu.clone())),
    ];
    if let Some(r) = &roof {
        doc.push((
            "roofline".into(),
            Value::Object(vec![
                ("peak_gflops".into(), Value::Number(r.peak_gflops)),
                ("bandwidth_gbs".into(), Value::Number(r.bandwidth_gbs)),
            ]),
        ));
    }
    doc.push((
        "startup".into(),
        Value::Object(vec![(
            "process_ms_median".into(),
            Value::Number(median(startup)),
        )]),
    ));
    doc.push(("results".into(), Value::Array(results)));
    Value::Object(doc)
}

/// `label suite status k=v ...` for the progress lines and the table.
fn one_line(r: &Value) -> String {
    let get = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
    let mut line = format!(
        "{:<20} {:<10} {:<8}",
        get("label"),
        get("suite"),
        get("status")
    );
    for (k, v) in r.as_object().unwrap_or(&[]) {
        match (k.as_str(), v) {
            ("label" | "model" | "suite" | "status", _) => {}
            (_, Value::Number(x)) => line.push_str(&format!(" {k}={}", short(*x))),
            (_, Value::String(s)) => line.push_str(&format!(" {k}: {s}")),
            _ => {}
        }
    }
    line
}

/// Four significant digits, whole numbers as they are.
fn short(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 1000.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

/// The human-readable report.
fn table(doc: &Value) -> String {
    let mut out = format!(
        "neuro-divergent {} on {} ({}), {} threads\n",
        doc.get("version").and_then(Value::as_str).unwrap_or("?"),
        doc.get("machine").and_then(Value::as_str).unwrap_or("?"),
        doc.get("isa").and_then(Value::as_str).unwrap_or("?"),
        doc.get("threads").and_then(Value::as_f64).unwrap_or(0.0),
    );
    if let Some(r) = doc.get("roofline") {
        let f = |k: &str| r.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
        out.push_str(&format!(
            "roofline (one core): FMA peak {:.1} GFLOP/s, triad bandwidth {:.1} GB/s\n",
            f("peak_gflops"),
            f("bandwidth_gbs")
        ));
    }
    if let Some(x) = doc
        .get("startup")
        .and_then(|s| s.get("process_ms_median"))
        .and_then(Value::as_f64)
    {
        out.push_str(&format!(
            "startup: {x:.2} ms (process start to exit, median)\n"
        ));
    }
    out.push_str(&format!(
        "{:<20} {:<10} {:<8} figures\n",
        "model", "suite", "status"
    ));
    for r in doc.get("results").and_then(Value::as_array).unwrap_or(&[]) {
        out.push_str(&one_line(r));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_public_and_the_hidden_options() {
        let o = parse(&argv(&[
            "--spec", "w.json", "--json=-", "--only", "MLP", "--only", "NHITS",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(o.spec.as_deref(), Some("w.json"));
        assert_eq!(o.json.as_deref(), Some("-"));
        assert_eq!(o.only, ["MLP", "NHITS"]);
        let o = parse(&argv(&["--child", "3", "--suite", "training"]))
            .unwrap()
            .unwrap();
        assert_eq!((o.child, o.suite.as_deref()), (Some(3), Some("training")));
        let o = parse(&argv(&["--cold-predict", "m.ndf"])).unwrap().unwrap();
        assert_eq!(o.cold_predict.as_deref(), Some("m.ndf"));
        assert_eq!(parse(&argv(&["-h"])).unwrap(), None);
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for (words, needle) in [
            (
                &["--child", "x", "--suite", "creation"][..],
                "not an entry index",
            ),
            (&["--child", "1"], "go together"),
            (&["--fast"], "unknown option `--fast`"),
            (&["extra"], "unexpected argument `extra`"),
            (&["--only"], "`--only` needs a value"),
        ] {
            let e = parse(&argv(words)).unwrap_err();
            assert!(e.message.contains(needle), "{words:?}: {}", e.message);
        }
        let mut out = String::new();
        let e = run(&argv(&["--only", "Prophet"]), &mut out, &mut Vec::new()).unwrap_err();
        assert!(
            e.message.contains("no entry labelled `Prophet`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_child_that_fails_reports_an_error_record() {
        let mut out = String::new();
        run(
            &argv(&["--cold-predict", "/nonexistent/m.ndf"]),
            &mut out,
            &mut Vec::new(),
        )
        .unwrap();
        let v = crate::io::json::parse(out.trim(), "out").unwrap();
        assert!(v.get("error").and_then(Value::as_str).is_some(), "{out}");
    }

    #[test]
    fn a_training_record_carries_the_roofline() {
        let roof = MachineRoof {
            peak_gflops: 100.0,
            bandwidth_gbs: 10.0,
        };
        let child = Record(
            [
                ("step_ms_median", 4.0),
                ("flops_per_step", 1e8),
                ("optimizer_bytes_per_step", 1e7),
            ]
            .into_iter()
            .map(|(k, x)| (k.to_owned(), Value::Number(x)))
            .collect(),
        );
        let f = roofline_fields(&roof, &child);
        let get = |k: &str| f.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.as_f64());
        assert_eq!(get("roofline_ms"), Some(2.0));
        assert_eq!(get("roofline_fraction"), Some(0.5));
    }
}
