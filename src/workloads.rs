//! The benchmark workloads shared with the NeuralForecast side of the comparison harness.
//!
//! `benches/workloads.json` lists the workloads of the performance guide (model creation,
//! training, inference, startup, peak memory) with NeuralForecast's hyperparameter names. Both
//! `neuro-divergent bench models` and `benches/python/nf_bench.py` read it, so the two sides run
//! the same configurations on the same synthetic series. The binary embeds the file, so the
//! command works outside the repository too.

use crate::error::{Error, ErrorKind, Location, Result};
use crate::io::json::{self, Value};
use crate::rng::splitmix64;

/// The spec shipped with this version (`benches/workloads.json`).
pub const EMBEDDED_SPEC: &str = include_str!("../benches/workloads.json");

/// The synthetic data set.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSpec {
    /// Points in the one series.
    pub series_length: usize,
    /// SplitMix64 seed of the noise.
    pub seed: u64,
}

/// One model entry: which model, with which hyperparameters, in which suites.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelEntry {
    /// Row label in the report ("MLP (small)").
    pub label: String,
    /// NeuralForecast class name ("MLP", "NHITS").
    pub model: String,
    /// Hyperparameters beyond the common ones, NeuralForecast names.
    pub params: Vec<(String, Value)>,
    /// "creation", "training", "inference", "memory".
    pub suites: Vec<String>,
}

/// The whole spec.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Threads on both sides.
    pub threads: usize,
    /// The synthetic series.
    pub data: DataSpec,
    /// Hyperparameters every model gets (input_size, h, windows_batch_size, ...).
    pub common: Vec<(String, Value)>,
    /// Steps of the guide's full training run.
    pub full_steps: usize,
    /// Steps actually run and timed.
    pub measure_steps: usize,
    /// Leading steps left out of the median.
    pub warmup_steps: usize,
    /// Warm inference repetitions.
    pub warm_repeats: usize,
    /// Windows in the batch-inference workload.
    pub batch_windows: usize,
    /// Fresh processes timed for the start-up figure (`startup.repeats`, default 5).
    pub startup_repeats: usize,
    /// Model entries in order.
    pub models: Vec<ModelEntry>,
}

/// Suites a model entry may name.
pub const SUITES: [&str; 4] = ["creation", "training", "inference", "memory"];

impl WorkloadSpec {
    /// The embedded spec.
    pub fn embedded() -> WorkloadSpec {
        WorkloadSpec::parse(EMBEDDED_SPEC, "benches/workloads.json")
            .expect("the embedded spec is valid (tested)")
    }

    /// Parses and validates a spec; errors name the file and the offending key.
    pub fn parse(text: &str, source: &str) -> Result<WorkloadSpec> {
        let doc = json::parse(text, source)?;
        let bad = |what: String| Error::new(ErrorKind::Config, Location::file(source), what);
        let section = |name: &str| {
            doc.get(name)
                .ok_or_else(|| bad(format!("missing section \"{name}\"")))
        };
        let count = |v: &Value, path: &str| {
            v.as_usize()
                .ok_or_else(|| bad(format!("\"{path}\" must be a whole number")))
        };
        let field = |sec: &Value, sec_name: &str, key: &str| -> Result<usize> {
            let v = sec
                .get(key)
                .ok_or_else(|| bad(format!("missing \"{sec_name}.{key}\"")))?;
            count(v, &format!("{sec_name}.{key}"))
        };
        let version =
            field(&doc, "", "version").map_err(|_| bad("missing or invalid \"version\"".into()))?;
        if version != 1 {
            return Err(bad(format!(
                "spec version {version} is newer than this program understands (1)"
            )));
        }
        let threads =
            field(&doc, "", "threads").map_err(|_| bad("missing or invalid \"threads\"".into()))?;
        let data = section("data")?;
        let training = section("training")?;
        let inference = section("inference")?;
        let common = section("common")?
            .as_object()
            .ok_or_else(|| bad("\"common\" must be an object".into()))?
            .to_vec();
        let mut models = Vec::new();
        for (i, m) in section("models")?
            .as_array()
            .ok_or_else(|| bad("\"models\" must be an array".into()))?
            .iter()
            .enumerate()
        {
            let text_of = |key: &str| {
                m.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("models[{i}].{key} must be a string")))
            };
            let suites: Vec<String> = m
                .get("suites")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("models[{i}].suites must be an array")))?
                .iter()
                .map(|s| match s.as_str() {
                    Some(name) if SUITES.contains(&name) => Ok(name.to_owned()),
                    _ => Err(bad(format!(
                        "models[{i}].suites: {} is not one of {}",
                        s.to_json(),
                        SUITES.join(", ")
                    ))),
                })
                .collect::<Result<_>>()?;
            let params = match m.get("params") {
                None => Vec::new(),
                Some(p) => p
                    .as_object()
                    .ok_or_else(|| bad(format!("models[{i}].params must be an object")))?
                    .to_vec(),
            };
            models.push(ModelEntry {
                label: text_of("label")?,
                model: text_of("model")?,
                params,
                suites,
            });
        }
        Ok(WorkloadSpec {
            threads,
            data: DataSpec {
                series_length: field(data, "data", "series_length")?,
                seed: field(data, "data", "seed")? as u64,
            },
            common,
            full_steps: field(training, "training", "full_steps")?,
            measure_steps: field(training, "training", "measure_steps")?,
            warmup_steps: field(training, "training", "warmup_steps")?,
            warm_repeats: field(inference, "inference", "warm_repeats")?,
            batch_windows: field(inference, "inference", "batch_windows")?,
            startup_repeats: match doc.get("startup") {
                None => 5,
                Some(startup) => field(startup, "startup", "repeats")?.max(1),
            },
            models,
        })
    }

    /// A common hyperparameter as a whole number.
    pub fn common_usize(&self, key: &str) -> Option<usize> {
        self.common
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_usize())
    }
}

/// The spec's synthetic series: `y[t] = 100 + 0.01 t + 10 sin(2πt/24) + 5 sin(2πt/168) + u[t]`,
/// `u[t]` uniform in [-1, 1) from SplitMix64 (`(next >> 11)·2⁻⁵³·2 − 1`). Computed in f64 like
/// the Python side, so both see the same numbers.
pub fn synthetic_series(data: &DataSpec) -> Vec<f64> {
    let mut state = data.seed;
    (0..data.series_length)
        .map(|t| {
            let u = (splitmix64(&mut state) >> 11) as f64 * 2f64.powi(-53) * 2.0 - 1.0;
            let t = t as f64;
            let tau = std::f64::consts::TAU;
            100.0 + 0.01 * t + 10.0 * (tau * t / 24.0).sin() + 5.0 * (tau * t / 168.0).sin() + u
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_spec_is_valid_and_describes_the_guides_workloads() {
        let s = WorkloadSpec::embedded();
        assert_eq!(s.common_usize("input_size"), Some(24));
        assert_eq!(s.common_usize("h"), Some(12));
        assert_eq!(s.common_usize("windows_batch_size"), Some(32));
        // 10,000 training windows: one per start t with at least one observed target point.
        assert_eq!(
            s.data.series_length - s.common_usize("input_size").unwrap(),
            10_000
        );
        assert_eq!(s.full_steps, 50 * 10_000 / 32);
        assert_eq!(s.startup_repeats, 5);
        for model in [
            "MLP", "DLinear", "NLinear", "LSTM", "GRU", "NBEATS", "NHITS", "TCN", "TFT",
        ] {
            assert!(
                s.models
                    .iter()
                    .any(|m| m.model == model && m.suites.iter().any(|x| x == "training")),
                "{model}"
            );
        }
    }

    #[test]
    fn bad_specs_name_the_problem() {
        let e = WorkloadSpec::parse("{\"version\": 2}", "w.json").unwrap_err();
        assert!(e.to_string().contains("newer"), "{e}");
        let text = EMBEDDED_SPEC.replace("\"creation\"]", "\"creatoin\"]");
        let e = WorkloadSpec::parse(&text, "w.json").unwrap_err();
        assert!(
            e.to_string().contains("creatoin") && e.to_string().contains("w.json"),
            "{e}"
        );
    }

    #[test]
    fn synthetic_series_matches_the_python_side() {
        // Printed by `synthetic_frame` of benches/python/nf_bench.py with series_length 3, seed 42
        // (repr of the floats). sin may differ by an ulp between libms, hence the tolerance.
        let y = synthetic_series(&DataSpec {
            series_length: 3,
            seed: 42,
        });
        for (ours, python) in
            y.iter()
                .zip([100.48312975754365, 102.10496720816067, 104.9508527284424])
        {
            assert!((ours - python).abs() < 1e-12, "{ours} vs {python}");
        }
    }
}
