//! The comparison harness: our side and NeuralForecast's, in one run, as ratios.
//!
//! `cargo bench --bench comparison_benchmarks` runs `neuro-divergent bench models` on the spec
//! (benches/workloads.json) and times the binary's start-up; when `NEURO_DIVERGENT_PYTHON`
//! points to the peer's python (see benches/python/setup.sh) it also runs
//! `benches/python/nf_bench.py` on the same spec. It prints one table per suite with both
//! figures and their ratio, and writes `comparison/report.md`, `rust.json` and `python.json`
//! under Cargo's target tmp dir. `NEURO_DIVERGENT_COMPARE_ONLY="MLP,NHITS"` limits the labels.
//! Models we do not have yet are reported as missing, never estimated.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use neuro_divergent::io::json::{self, Value};

const BIN: &str = env!("CARGO_BIN_EXE_neuro-divergent");

/// (suite, field, unit, lower is better): the figures put side by side.
const FIELDS: &[(&str, &str, &str, bool)] = &[
    ("creation", "params", "", true),
    ("creation", "create_ms", "ms", true),
    ("training", "step_ms_median", "ms", true),
    ("training", "windows_per_s", "windows/s", false),
    ("training", "full_run_s_extrapolated", "s", true),
    ("inference", "predict_first_ms", "ms", true),
    ("inference", "predict_warm_ms_median", "ms", true),
    ("inference", "cold_predict_ms", "ms", true),
    ("inference", "load_ms", "ms", true),
    ("inference", "forward_1_us_median", "µs", true),
    ("inference", "forward_256_ms_median", "ms", true),
    ("memory", "peak_rss_mb", "MB", true),
];

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("comparison");
    std::fs::create_dir_all(&d).expect("create the report directory");
    d
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    json::parse(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn find<'a>(doc: &'a Value, label: &str, suite: &str) -> Option<&'a Value> {
    // NeuralForecast's side reports memory inside its training/inference records.
    let wanted = if suite == "memory" {
        ["training", "inference"]
    } else {
        [suite, suite]
    };
    doc.get("results")?.as_array()?.iter().find(|r| {
        r.get("label").and_then(Value::as_str) == Some(label)
            && wanted.contains(&r.get("suite").and_then(Value::as_str).unwrap_or(""))
    })
}

fn cell(record: Option<&Value>, field: &str) -> (String, Option<f64>) {
    match record {
        None => ("not run".into(), None),
        Some(r) => match (
            r.get(field).and_then(Value::as_f64),
            r.get("status").and_then(Value::as_str),
            r.get("error").and_then(Value::as_str),
        ) {
            (Some(x), _, _) => (format!("{x:.4}"), Some(x)),
            (None, Some(status), _) => (status.into(), None),
            (None, None, Some(_)) => ("error".into(), None),
            _ => ("—".into(), None),
        },
    }
}

/// Our training steps against their roofline (the issue asks for both terms printed).
fn roofline(ours: &Value) -> String {
    let num = |r: &Value, k: &str| r.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let mut out = String::from("\n## roofline of our training step\n\n");
    if let Some(m) = ours.get("roofline") {
        out.push_str(&format!(
            "Measured on one core: FMA peak {:.1} GFLOP/s, triad bandwidth {:.1} GB/s. \
             roofline = GEMM flops / peak + Adam bytes / bandwidth.\n\n",
            num(m, "peak_gflops"),
            num(m, "bandwidth_gbs")
        ));
    }
    out.push_str(
        "| model | GEMM MFLOP/step | Adam MB/step | roofline ms | step ms | fraction of roofline |\n\
         |---|---|---|---|---|---|\n",
    );
    for r in ours.get("results").and_then(Value::as_array).unwrap_or(&[]) {
        if r.get("suite").and_then(Value::as_str) != Some("training")
            || r.get("status").and_then(Value::as_str) != Some("ok")
        {
            continue;
        }
        out.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.4} | {:.4} | {:.1}% |\n",
            r.get("label").and_then(Value::as_str).unwrap_or("?"),
            num(r, "flops_per_step") / 1e6,
            num(r, "optimizer_bytes_per_step") / 1e6,
            num(r, "roofline_ms"),
            num(r, "step_ms_median"),
            100.0 * num(r, "roofline_fraction"),
        ));
    }
    out
}

fn median_startup_ms(repeats: usize) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new(BIN)
                .arg("--version")
                .output()
                .expect("run the binary")
                .status;
            assert!(status.success());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with no such flag: then
    // only check that the Rust side works, quickly.
    let benching = std::env::args().any(|a| a == "--bench");
    let dir = out_dir();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/workloads.json");
    let only: Vec<String> = std::env::var("NEURO_DIVERGENT_COMPARE_ONLY")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();

    // Without `--bench`, one cheap creation entry and one cheap training entry suffice.
    let only: Vec<String> = if only.is_empty() && !benching {
        vec!["MLP (small)".into(), "NLinear".into()]
    } else {
        only
    };
    let rust_json = dir.join("rust.json");
    let mut cmd = Command::new(BIN);
    cmd.args(["bench", "models", "--spec"])
        .arg(&spec)
        .arg("--json")
        .arg(&rust_json);
    for label in &only {
        cmd.args(["--only", label]);
    }
    let status = cmd.status().expect("run neuro-divergent bench models");
    assert!(status.success(), "neuro-divergent bench models failed");
    let ours = load(&rust_json);
    if !benching {
        return;
    }
    let our_startup = median_startup_ms(5);

    let python = std::env::var("NEURO_DIVERGENT_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    let peer = python.as_ref().map(|py| {
        let py_json = dir.join("python.json");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/nf_bench.py");
        let mut cmd = Command::new(py);
        cmd.arg(&script)
            .arg("--spec")
            .arg(&spec)
            .arg("--json")
            .arg(&py_json);
        if !only.is_empty() {
            cmd.arg("--only").args(&only);
        }
        let status = cmd.status().expect("run the Python peer");
        assert!(status.success(), "nf_bench.py failed");
        load(&py_json)
    });

    let mut report = String::from("# neuro-divergent vs NeuralForecast\n\n");
    report.push_str(&format!(
        "Spec: benches/workloads.json. Ours: {} ({}).\n",
        ours.get("machine").and_then(Value::as_str).unwrap_or("?"),
        ours.get("isa").and_then(Value::as_str).unwrap_or("?")
    ));
    match &peer {
        None => report.push_str("\nPeer skipped: set NEURO_DIVERGENT_PYTHON to the python of benches/python/setup.sh.\n"),
        Some(p) => report.push_str(&format!("Peer: {}\n", p.get("versions").map(Value::to_json).unwrap_or_default())),
    }
    let peer_startup = peer
        .as_ref()
        .and_then(|p| p.get("startup"))
        .and_then(|s| s.get("process_ms_median"))
        .and_then(Value::as_f64);
    report.push_str(&format!(
        "\n## Startup (fresh process, median of 5)\n\n| | ours | NeuralForecast | ratio |\n|---|---|---|---|\n| process start to exit, ms | {our_startup:.2} | {} | {} |\n",
        peer_startup.map_or("—".into(), |x| format!("{x:.1}")),
        peer_startup.map_or("—".into(), |x| format!("{:.0}×", x / our_startup)),
    ));
    let labels: Vec<(String, String)> = ours
        .get("results")
        .and_then(Value::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| {
            Some((
                r.get("label")?.as_str()?.to_owned(),
                r.get("suite")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    for suite in ["creation", "training", "inference", "memory"] {
        report.push_str(&format!("\n## {suite}\n\n| model | figure | ours | NeuralForecast | speedup (NF / ours) |\n|---|---|---|---|---|\n"));
        for (label, s) in labels.iter().filter(|(_, s)| s == suite) {
            for &(_, field, unit, lower_better) in FIELDS.iter().filter(|f| f.0 == s) {
                let (ours_text, ours_x) = cell(find(&ours, label, s), field);
                let (peer_text, peer_x) = match &peer {
                    None => ("skipped".into(), None),
                    Some(p) => cell(find(p, label, s), field),
                };
                let ratio = match (ours_x, peer_x) {
                    (Some(a), Some(b)) if a > 0.0 && b > 0.0 && field != "params" => {
                        format!("{:.2}×", if lower_better { b / a } else { a / b })
                    }
                    _ => "—".into(),
                };
                report.push_str(&format!(
                    "| {label} | {field} {unit} | {ours_text} | {peer_text} | {ratio} |\n"
                ));
            }
        }
    }
    report.push_str(&roofline(&ours));
    println!("{report}");
    std::fs::write(dir.join("report.md"), &report).expect("write the report");
    println!("(written to {})", dir.join("report.md").display());
}
