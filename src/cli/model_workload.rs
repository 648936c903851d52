//! The measurements of `bench models`, each run in a fresh process of this binary (hidden
//! options of `bench models`, see `model_bench.rs`) so that its memory figures are its own, as
//! `benches/python/nf_bench.py` does on NeuralForecast's side. Everything goes through the
//! library as a user would use it: [`ModelBuilder`] with NeuralForecast's hyperparameter names,
//! [`NeuralForecast`] `new`/`fit_with`/`predict`/`save`/`load`.
//!
//! - **creation**: building the model and initialising its parameters
//!   (`ModelBuilder::build` then `NeuralForecast::new`); `rss_mb` is the process's resident
//!   memory after it.
//! - **training**: `fit` for `measure_steps` steps on the spec's synthetic series, with a
//!   progress callback that records an `Instant` after every step into a vector reserved
//!   beforehand (so the steady step stays allocation-free). Step i's time is the gap between
//!   marks i−1 and i: the whole step (sample, gather, scale, forward, loss, backward, Adam), as
//!   NeuralForecast's Lightning batch start → end is (its windows are sampled inside
//!   `training_step`). The first step has no start mark and always counts as warm-up; the
//!   median is over the steps after `max(warmup_steps, 1)`. The step's roofline inputs (GEMM
//!   flops counted on one forward and backward, Adam's bytes) are reported with it; the
//!   machine's peak and bandwidth are measured once by the parent.
//! - **inference** (after the fit, in the same process): the first and the warm `predict()`;
//!   the raw model forward in predict mode on 1 and `batch_windows` windows of normal noise
//!   (5 untimed calls, then `warm_repeats` timed; NeuralForecast's side calls the torch module
//!   under `no_grad`); and the cold predict: the fitted forecaster is saved, and a fresh
//!   process loads it (`load_ms`) and predicts once (`cold_predict_ms`).
//! - **memory**: `peak_rss_mb`, the fitting process's high-water mark (`VmHWM`).
//!
//! Deliberate differences from `nf_bench.py`:
//! - A step's time runs from the end of the previous step's progress callback to the end of
//!   its own, so it includes the fit loop's few comparisons between steps; Lightning's
//!   batch start → end leaves out its own inter-batch work (dataloader fetch, hooks), which
//!   would only add to NeuralForecast's figure.
//! - The raw forward's inputs are standard-normal draws from our generator, not
//!   `torch.randn`'s; no model's forward time depends on the values.
//! - Start-up reports `process_ms_median` only: a compiled binary has no import phase to
//!   report as `import_ms_median`.
//! - The roofline figures (`flops_per_step`, ...) have no NeuralForecast counterpart.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::raw_batch::RawBatch;
use super::roofline;
use crate::data::datetime::TimeKind;
use crate::data::frame::{Column, Frame, TextColumn, TimeColumn};
use crate::data::Freq;
use crate::error::{Error, ErrorKind, Result};
use crate::forecast::{FitOptions, NeuralForecast, Progress};
use crate::io::json::Value;
use crate::models::{Mode, Model, ModelBuilder};
use crate::workloads::{synthetic_series, ModelEntry, WorkloadSpec};

/// MiB, the unit of NeuralForecast's side (`ru_maxrss / 1024`) labelled "MB" there too.
const MIB: f64 = 1024.0 * 1024.0;

/// Untimed calls before the raw forward is timed (NeuralForecast's side makes 5).
const FORWARD_WARMUP: usize = 5;

/// A JSON record under construction.
#[derive(Debug, Default)]
pub struct Record(pub Vec<(String, Value)>);

impl Record {
    /// Adds a number.
    pub fn num(&mut self, key: &str, x: f64) {
        self.0.push((key.to_owned(), Value::Number(x)));
    }
}

/// The median of `xs` (the mean of the two middle ones for an even count, as Python's
/// `statistics.median` that `nf_bench.py` uses); NaN when empty.
pub fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// The builder of `entry` with the spec's common hyperparameters, then `max_steps`, then the
/// entry's own (which win, as `nf_bench.py`'s `kw.update(params)`).
pub fn builder(spec: &WorkloadSpec, entry: &ModelEntry, max_steps: usize) -> Result<ModelBuilder> {
    let h = spec
        .common_usize("h")
        .ok_or_else(|| Error::config("common.h", "the spec must give the horizon h"))?;
    let mut b = ModelBuilder::new(&entry.model, h);
    for (name, value) in &spec.common {
        b = b.set(name, value.clone());
    }
    b = b.max_steps(max_steps);
    for (name, value) in &entry.params {
        b = b.set(name, value.clone());
    }
    Ok(b)
}

/// The spec's synthetic series as a long-format frame: `unique_id` "series_0", `ds` 1..=n
/// (integer time, `freq` 1), `y`.
pub fn synthetic_frame(spec: &WorkloadSpec) -> Result<Frame> {
    let y = synthetic_series(&spec.data);
    let n = y.len();
    let mut f = Frame::new();
    f.push_column(
        "unique_id",
        Column::Text(TextColumn {
            dict: vec!["series_0".into()],
            codes: vec![0; n],
        }),
    )?;
    f.push_column(
        "ds",
        Column::Time(TimeColumn {
            kind: TimeKind::Integer,
            values: (1..=n as i64).collect(),
            offset_minutes: None,
        }),
    )?;
    f.push_column("y", Column::Float(y))?;
    Ok(f)
}

fn rss_mb() -> f64 {
    crate::monitoring::process_rss_bytes().map_or(f64::NAN, |b| b as f64 / MIB)
}

fn peak_rss_mb() -> f64 {
    crate::monitoring::process_peak_rss_bytes().map_or(f64::NAN, |b| b as f64 / MIB)
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// The creation suite (see the module docs).
pub fn creation(spec: &WorkloadSpec, entry: &ModelEntry) -> Result<Record> {
    let b = builder(spec, entry, 1)?;
    let t = Instant::now();
    let nf = NeuralForecast::new(vec![b.build()?], Freq::Integer(1));
    let create_ms = ms_since(t);
    let mut r = Record::default();
    // Trainable scalars, as PyTorch counts them (the flat buffer also holds alignment padding).
    r.num("params", nf.models()[0].layout().n_params() as f64);
    r.num("create_ms", create_ms);
    r.num("rss_mb", rss_mb());
    Ok(r)
}

/// The training suite, and with `inference` the inference suite after it (see the module
/// docs); `exe` is this binary, for the cold predict. Fields of both suites in one record.
pub fn fit_and_measure(
    spec: &WorkloadSpec,
    entry: &ModelEntry,
    inference: bool,
    exe: &Path,
    scratch_dir: &Path,
) -> Result<Record> {
    let steps = spec.measure_steps.max(1);
    let model = builder(spec, entry, steps)?.build()?;
    let df = synthetic_frame(spec)?;
    let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1));
    let mut marks: Vec<Instant> = Vec::with_capacity(steps + 1);
    let start = Instant::now();
    {
        let mut progress = |_: &Progress| marks.push(Instant::now());
        nf.fit_with(
            &df,
            FitOptions {
                progress: Some(&mut progress),
                ..FitOptions::default()
            },
        )?;
    }
    let fit_s = start.elapsed().as_secs_f64();
    let step_s: Vec<f64> = marks
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    // step_s[i] is step i + 1; skip the warm-up (the first step is never in step_s).
    let skip = spec.warmup_steps.max(1) - 1;
    let timed: Vec<f64> = match step_s.get(skip..) {
        Some(rest) if !rest.is_empty() => rest.to_vec(),
        _ if !step_s.is_empty() => step_s,
        // One step only: the fit is all there is.
        _ => vec![fit_s],
    };
    let wbs = spec.common_usize("windows_batch_size").unwrap_or(1) as f64;
    let step = median(timed.clone());
    let model = nf.models()[0].as_ref();
    let params = &nf.params()[0].values;
    let rows = nf.models()[0]
        .train_config()
        .windows_batch_size
        .unwrap_or(wbs as usize);
    let mut r = Record::default();
    r.num("params", model.layout().n_params() as f64);
    r.num("steps_timed", timed.len() as f64);
    r.num("step_ms_median", step * 1e3);
    r.num("windows_per_s", wbs / step);
    r.num("fit_s", fit_s);
    r.num("full_run_s_extrapolated", step * spec.full_steps as f64);
    r.num(
        "flops_per_step",
        roofline::step_gemm_flops(model, params, rows) as f64,
    );
    r.num(
        "optimizer_bytes_per_step",
        roofline::optimizer_bytes(params.len()) as f64,
    );
    if inference {
        measure_inference(spec, &nf, &mut r, exe, scratch_dir)?;
    }
    r.num("peak_rss_mb", peak_rss_mb());
    Ok(r)
}

fn measure_inference(
    spec: &WorkloadSpec,
    nf: &NeuralForecast,
    r: &mut Record,
    exe: &Path,
    scratch_dir: &Path,
) -> Result<()> {
    let t = Instant::now();
    nf.predict()?;
    r.num("predict_first_ms", ms_since(t));
    let warm: Vec<f64> = (0..spec.warm_repeats.max(1))
        .map(|_| {
            let t = Instant::now();
            nf.predict().map(|_| ms_since(t))
        })
        .collect::<Result<_>>()?;
    r.num("predict_warm_ms_median", median(warm));

    let model: &dyn Model = nf.models()[0].as_ref();
    let params = &nf.params()[0].values;
    let k = nd_kernels::table::active();
    for (rows, key, per_s) in [
        (1, "forward_1_us_median", 1e6),
        (spec.batch_windows, "forward_256_ms_median", 1e3),
    ] {
        let mut batch = RawBatch::new(model, rows.max(1));
        for _ in 0..FORWARD_WARMUP {
            batch.forward(k, model, params, Mode::Predict);
        }
        let times: Vec<f64> = (0..spec.warm_repeats.max(1))
            .map(|_| {
                let t = Instant::now();
                batch.forward(k, model, params, Mode::Predict);
                t.elapsed().as_secs_f64() * per_s
            })
            .collect();
        std::hint::black_box(&batch.y_hat);
        r.num(key, median(times));
    }

    let path = scratch_dir.join(format!("bench-{}.ndf", std::process::id()));
    nf.save(&path)?;
    let cold = cold_in_child(exe, &path, spec.threads);
    let _ = std::fs::remove_file(&path);
    for (key, value) in cold?.0 {
        r.0.push((key, value));
    }
    Ok(())
}

/// Runs `exe bench models --cold-predict FILE` and reads its record.
fn cold_in_child(exe: &Path, file: &Path, threads: usize) -> Result<Record> {
    let out = Command::new(exe)
        .args(["bench", "models", "--cold-predict"])
        .arg(file)
        .env(crate::sched::THREADS_ENV, threads.to_string())
        .output()
        .map_err(|e| Error::bare(ErrorKind::Io, format!("cannot run {}: {e}", exe.display())))?;
    child_record(&out, "the cold predict")
}

/// The record a child printed as the last line of its standard output.
pub fn child_record(out: &std::process::Output, what: &str) -> Result<Record> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    let failed = || {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr.lines().last().unwrap_or("no output").to_owned();
        Error::bare(ErrorKind::Io, format!("{what} failed: {why}"))
    };
    if !out.status.success() {
        return Err(failed());
    }
    match crate::io::json::parse(last, what) {
        Ok(Value::Object(fields)) => Ok(Record(fields)),
        _ => Err(failed()),
    }
}

/// The cold predict (run in the fresh process): load the file, predict once.
pub fn cold_predict(file: &Path) -> Result<Record> {
    let t = Instant::now();
    let nf = NeuralForecast::load(file)?;
    let load_ms = ms_since(t);
    let t = Instant::now();
    nf.predict()?;
    let mut r = Record::default();
    r.num("cold_predict_ms", ms_since(t));
    r.num("load_ms", load_ms);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn entry_params_override_the_common_ones_and_max_steps_is_the_measured_count() {
        let spec = WorkloadSpec::embedded();
        let entry = spec
            .models
            .iter()
            .find(|m| m.label == "MLP (large)")
            .unwrap();
        let m = builder(&spec, entry, 7).unwrap().build().unwrap();
        let hp = m.hyperparams();
        let get = |k: &str| hp.get(k).and_then(Value::as_usize);
        assert_eq!(get("hidden_size"), Some(512));
        assert_eq!(get("num_layers"), Some(3));
        assert_eq!(get("max_steps"), Some(7));
        assert_eq!(get("input_size"), Some(24));
        assert_eq!(m.train_config().windows_batch_size, Some(32));
    }

    #[test]
    fn the_synthetic_frame_is_one_series_of_the_spec_length() {
        let spec = WorkloadSpec::embedded();
        let f = synthetic_frame(&spec).unwrap();
        assert_eq!(f.len(), spec.data.series_length);
        assert_eq!(f.names(), ["unique_id", "ds", "y"]);
    }
}
