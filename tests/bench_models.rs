//! `neuro-divergent bench models` end to end on a reduced spec: every suite of a registered
//! model reports every field, finite, and an unregistered model is "missing". The spec is the
//! embedded one cut down (short series, a few steps, small batches) so the run takes seconds;
//! no figure is checked against a time, only for presence and finiteness.

use std::process::Command;

use neuro_divergent::io::json::{self, Value};
use neuro_divergent::workloads::EMBEDDED_SPEC;

/// The embedded spec with its workloads shrunk and three entries: a small MLP in every suite,
/// NLinear in training and memory only, and TFT (not implemented) in two suites.
fn reduced_spec() -> String {
    let spec = json::parse(EMBEDDED_SPEC, "embedded").unwrap();
    let Value::Object(fields) = spec else {
        panic!("the spec is an object")
    };
    let num = |x: f64| Value::Number(x);
    let obj = |pairs: &[(&str, Value)]| {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    };
    let suites =
        |names: &[&str]| Value::Array(names.iter().map(|s| Value::String(s.to_string())).collect());
    let entry = |label: &str, params: Value, names: &[&str]| {
        obj(&[
            ("label", Value::String(label.into())),
            ("model", Value::String(label.into())),
            ("params", params),
            ("suites", suites(names)),
        ])
    };
    let mut out = Vec::new();
    for (k, v) in fields {
        let v = match k.as_str() {
            "data" => obj(&[
                ("series_length", num(120.0)),
                ("seed", num(42.0)),
                ("freq", num(1.0)),
            ]),
            "training" => obj(&[
                ("full_steps", num(100.0)),
                ("measure_steps", num(6.0)),
                ("warmup_steps", num(2.0)),
            ]),
            "inference" => obj(&[("warm_repeats", num(3.0)), ("batch_windows", num(8.0))]),
            "startup" => obj(&[("repeats", num(1.0))]),
            "models" => Value::Array(vec![
                entry(
                    "MLP",
                    obj(&[("num_layers", num(1.0)), ("hidden_size", num(16.0))]),
                    &["creation", "training", "inference", "memory"],
                ),
                entry("NLinear", obj(&[]), &["training", "memory"]),
                entry("TFT", obj(&[]), &["creation", "training"]),
            ]),
            _ => v,
        };
        out.push((k, v));
    }
    Value::Object(out).to_json()
}

const FIELDS: &[(&str, &[&str])] = &[
    ("creation", &["params", "create_ms", "rss_mb"]),
    (
        "training",
        &[
            "params",
            "steps_timed",
            "step_ms_median",
            "windows_per_s",
            "fit_s",
            "full_run_s_extrapolated",
            "peak_rss_mb",
            "flops_per_step",
            "optimizer_bytes_per_step",
            "peak_gflops",
            "bandwidth_gbs",
            "roofline_ms",
            "roofline_fraction",
        ],
    ),
    (
        "inference",
        &[
            "predict_first_ms",
            "predict_warm_ms_median",
            "cold_predict_ms",
            "load_ms",
            "forward_1_us_median",
            "forward_256_ms_median",
            "peak_rss_mb",
        ],
    ),
    ("memory", &["peak_rss_mb"]),
];

#[test]
fn a_reduced_spec_reports_every_field_finite_and_missing_models_as_missing() {
    let dir = std::env::temp_dir().join(format!("nd-bench-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("spec.json");
    std::fs::write(&spec, reduced_spec()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(["bench", "models", "--json", "-", "--spec"])
        .arg(&spec)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc = json::parse(&stdout, "stdout").unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(
        doc.get("side").and_then(Value::as_str),
        Some("neuro-divergent")
    );
    assert_eq!(doc.get("threads").and_then(Value::as_usize), Some(2));
    for (section, key) in [
        ("roofline", "peak_gflops"),
        ("roofline", "bandwidth_gbs"),
        ("startup", "process_ms_median"),
    ] {
        let x = doc
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(Value::as_f64);
        assert!(
            x.is_some_and(|x| x.is_finite() && x > 0.0),
            "{section}.{key}: {x:?}"
        );
    }
    let results = doc.get("results").and_then(Value::as_array).unwrap();
    let find = |label: &str, suite: &str| {
        results
            .iter()
            .find(|r| {
                r.get("label").and_then(Value::as_str) == Some(label)
                    && r.get("suite").and_then(Value::as_str) == Some(suite)
            })
            .unwrap_or_else(|| panic!("no {label} {suite} record in {stdout}"))
    };
    let expected: &[(&str, &[&str])] = &[
        ("MLP", &["creation", "training", "inference", "memory"]),
        ("NLinear", &["training", "memory"]),
    ];
    for &(label, suites) in expected {
        for &suite in suites {
            let r = find(label, suite);
            assert_eq!(
                r.get("status").and_then(Value::as_str),
                Some("ok"),
                "{}",
                r.to_json()
            );
            let fields = FIELDS.iter().find(|(s, _)| *s == suite).unwrap().1;
            for &field in fields {
                let x = r.get(field).and_then(Value::as_f64);
                assert!(
                    x.is_some_and(f64::is_finite),
                    "{label} {suite} {field}: {}",
                    r.to_json()
                );
            }
        }
    }
    // Whole-number counts are what they must be: 6 steps, the first 2 warm-up.
    assert_eq!(
        find("MLP", "training")
            .get("steps_timed")
            .and_then(Value::as_usize),
        Some(4)
    );
    // MLP 24 → 16 → 12: 24·16 + 16 + 16·12 + 12 parameters, 28 Adam bytes each.
    let params = 24 * 16 + 16 + 16 * 12 + 12;
    assert_eq!(
        find("MLP", "creation")
            .get("params")
            .and_then(Value::as_usize),
        Some(params)
    );
    assert_eq!(
        find("MLP", "training")
            .get("optimizer_bytes_per_step")
            .and_then(Value::as_usize),
        Some(28 * params)
    );
    for suite in ["creation", "training"] {
        let r = find("TFT", suite);
        assert_eq!(
            r.get("status").and_then(Value::as_str),
            Some("missing"),
            "{}",
            r.to_json()
        );
    }
    assert_eq!(results.len(), 4 + 2 + 2);
}

#[test]
fn the_table_lists_every_record() {
    let out = Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(["bench", "models", "--only", "TFT", "--only", "LSTM"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    // TFT labels two entries (creation; training, inference, memory), LSTM one (three suites).
    assert_eq!(stdout.matches(" missing ").count(), 1 + 3 + 3, "{stdout}");
}
