//! `neuro-divergent bench models`: our side of the comparison harness.
//!
//! Reads the workload spec (the embedded `benches/workloads.json` by default, or `--spec FILE`),
//! runs each (model, suite) it lists with the same configuration NeuralForecast gets from
//! `benches/python/nf_bench.py`, and reports the same fields. A model this version does not
//! implement is reported as `"status": "missing"`, never estimated.

use std::io::Write;

use super::args::{Arg, Args, UsageError};
use super::machine::Machine;
use crate::io::json::Value;
use crate::workloads::{ModelEntry, WorkloadSpec};

pub const HELP: &str = "\
Run the model workloads of the comparison harness (ours; NeuralForecast's side is
benches/python/nf_bench.py, and `cargo bench --bench comparison_benchmarks` runs both).

Usage: neuro-divergent bench models [OPTIONS]

Options:
  --spec FILE    Workload spec (default: the benches/workloads.json embedded in this binary)
  --json FILE    Also write the results as JSON to FILE (`-` for standard output, instead of
                 the table): {\"side\", \"version\", \"threads\", \"isa\", \"machine\",
                 \"results\": [{\"label\", \"model\", \"suite\", \"status\", ...}]}
  --only LABEL   Run only the entry with this label (repeatable)
  -h, --help     Print this help

A model this version does not implement is reported with \"status\": \"missing\".
";

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    spec: Option<String>,
    json: Option<String>,
    only: Vec<String>,
}

fn parse(argv: &[String]) -> Result<Option<Options>, UsageError> {
    let mut args = Args::new(argv, "neuro-divergent bench models");
    let mut o = Options::default();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => return Ok(None),
            Arg::Long("spec", inline) => o.spec = Some(args.value("spec", inline)?.to_owned()),
            Arg::Long("json", inline) => o.json = Some(args.value("json", inline)?.to_owned()),
            Arg::Long("only", inline) => o.only.push(args.value("only", inline)?.to_owned()),
            Arg::Long(name, _) => return Err(args.unknown_option(name)),
            Arg::Word(word) => return Err(args.unexpected_word(word)),
        }
    }
    Ok(Some(o))
}

/// One (model, suite) result.
fn result(entry: &ModelEntry, suite: &str) -> Value {
    // The model registry arrives with the product issue; until a model is registered there,
    // it is reported as missing.
    Value::Object(vec![
        ("label".into(), Value::String(entry.label.clone())),
        ("model".into(), Value::String(entry.model.clone())),
        ("suite".into(), Value::String(suite.into())),
        ("status".into(), Value::String("missing".into())),
        (
            "reason".into(),
            Value::String(format!(
                "{} is not implemented in neuro-divergent {}",
                entry.model,
                env!("CARGO_PKG_VERSION")
            )),
        ),
    ])
}

/// `bench models [OPTIONS]`.
pub fn run(argv: &[String], out: &mut String, _err: &mut dyn Write) -> Result<(), UsageError> {
    let Some(options) = parse(argv)? else {
        out.push_str(HELP);
        return Ok(());
    };
    let hint = "neuro-divergent bench models --help";
    let spec = match &options.spec {
        None => WorkloadSpec::embedded(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError::new(format!("--spec {path}: {e}"), hint))?;
            WorkloadSpec::parse(&text, path).map_err(|e| UsageError::new(e.to_string(), hint))?
        }
    };
    for label in &options.only {
        if !spec.models.iter().any(|m| &m.label == label) {
            let labels: Vec<&str> = spec.models.iter().map(|m| m.label.as_str()).collect();
            return Err(UsageError::new(
                format!(
                    "--only: no entry labelled `{label}` (labels: {})",
                    labels.join(", ")
                ),
                hint,
            ));
        }
    }
    let mut results = Vec::new();
    for entry in spec
        .models
        .iter()
        .filter(|m| options.only.is_empty() || options.only.contains(&m.label))
    {
        for suite in &entry.suites {
            results.push(result(entry, suite));
        }
    }
    let machine = Machine::detect();
    let doc = Value::Object(vec![
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
        ("results".into(), Value::Array(results.clone())),
    ]);
    match options.json.as_deref() {
        Some("-") => {
            out.push_str(&doc.to_json());
            out.push('\n');
        }
        other => {
            if let Some(path) = other {
                std::fs::write(path, doc.to_json() + "\n")
                    .map_err(|e| UsageError::new(format!("--json {path}: {e}"), hint))?;
            }
            out.push_str(&format!("{:<20} {:<10} status\n", "model", "suite"));
            for r in &results {
                let get = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
                out.push_str(&format!(
                    "{:<20} {:<10} {}: {}\n",
                    get("label"),
                    get("suite"),
                    get("status"),
                    get("reason")
                ));
            }
        }
    }
    Ok(())
}
