//! Serving forecasts: load a model file once, then answer single-series requests in a loop,
//! and print the latency distribution (min, median, p90, p99, max).
//!
//! ```text
//! cargo run --release --example low_latency_predict [-- MODEL_FILE [REQUESTS]]
//! ```
//!
//! MODEL_FILE is any file written by `NeuralForecast::save` or `neuro-divergent fit --save`;
//! without one, an MLP (the CLI's `forecast` settings, fewer steps: the weights' quality does
//! not change the latency) is fitted on AirPassengers and saved to a temporary file first.
//! Two kinds of request are timed, REQUESTS times each (default 2000) after 50 unmeasured
//! warm-up calls:
//! - `predict()`: the forecast after the saved training series (what PERF.md calls a warm
//!   predict);
//! - `predict_on(window)`: the forecast after a new history of one series (the last
//!   `input_size` points of the saved one), as a service receiving fresh data would make;
//!   this adds building and checking the frame's dataset to the model's forward pass.
//!
//! Both run on the calling thread: single-series prediction never starts worker threads. Run
//! it on an otherwise idle machine; the spread (p99, max) shows the noise of the machine.

use std::path::{Path, PathBuf};
use std::time::Instant;

use neuro_divergent::data::embedded::air_passengers;
use neuro_divergent::data::frame::{TextColumn, TimeColumn};
use neuro_divergent::data::{Column, Frame, Freq};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::ModelBuilder;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const WARM_UP: usize = 50;

/// Fits a small MLP on AirPassengers and saves it to `path`.
fn make_model_file(path: &Path) -> BoxResult<()> {
    let h = 12;
    let mlp = ModelBuilder::new("mlp", h)
        .input_size(3 * h)
        .set("hidden_size", 256usize)
        .scaler_type("standard")
        .max_steps(50)
        .build()?;
    let mut nf = NeuralForecast::new(vec![mlp], Freq::parse("MS")?);
    nf.fit(&air_passengers())?;
    nf.save(path)?;
    Ok(())
}

/// Times `requests` calls of `f` after the warm-up and prints the distribution.
fn measure(label: &str, requests: usize, mut f: impl FnMut() -> BoxResult<()>) -> BoxResult<()> {
    for _ in 0..WARM_UP {
        f()?;
    }
    let mut us = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        f()?;
        us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    us.sort_by(f64::total_cmp);
    let q = |p: f64| us[((us.len() - 1) as f64 * p).round() as usize];
    println!(
        "{label:<22} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
        us[0],
        q(0.5),
        q(0.9),
        q(0.99),
        us[us.len() - 1]
    );
    Ok(())
}

fn main() -> BoxResult<()> {
    let mut args = std::env::args().skip(1);
    let given = args.next().map(PathBuf::from);
    let requests: usize = match args.next() {
        Some(n) => n.parse().map_err(|e| format!("REQUESTS '{n}': {e}"))?,
        None => 2000,
    };
    if requests == 0 {
        return Err("REQUESTS must be at least 1".into());
    }
    let path = match &given {
        Some(p) => p.clone(),
        None => {
            let p = std::env::temp_dir().join(format!("low_latency-{}.ndf", std::process::id()));
            make_model_file(&p)?;
            p
        }
    };

    let t = Instant::now();
    let nf = NeuralForecast::load(&path)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    if given.is_none() {
        std::fs::remove_file(&path)?;
    }
    let models: Vec<&str> = nf.models().iter().map(|m| m.alias()).collect();
    println!(
        "{}: {} loaded in {load_ms:.2} ms",
        path.display(),
        models.join(", ")
    );

    // The request of `predict_on`: the most recent input window of the first saved series.
    // The models read only a series' last input_size points; a local scaler (if the file has
    // one) would be fitted on this window alone.
    let window = match recent_window(&nf)? {
        Some(w) => w,
        None => return Err("the model file holds no training data to take a window from".into()),
    };

    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "latency, µs", "min", "median", "p90", "p99", "max"
    );
    measure("predict()", requests, || {
        nf.predict()?;
        Ok(())
    })?;
    measure("predict_on(window)", requests, || {
        nf.predict_on(&window, None, None)?;
        Ok(())
    })?;
    Ok(())
}

/// The last `input_size` points (of the longest-window model) of the first series the file
/// was trained on, as a long-format frame with the saved column names; `None` for a file
/// saved before fitting. Exogenous columns are not carried: a file whose models list some is
/// refused (its requests would need them).
fn recent_window(nf: &NeuralForecast) -> BoxResult<Option<Frame>> {
    let Some(ds) = nf.dataset() else {
        return Ok(None);
    };
    let mut input_size = 1;
    for m in nf.models() {
        let c = m.train_config();
        let lists = [&c.futr_exog_list, &c.hist_exog_list, &c.stat_exog_list];
        if lists.iter().any(|l| !l.is_empty()) {
            return Err(format!(
                "model {} uses exogenous inputs; this example sends the target only",
                m.alias()
            )
            .into());
        }
        input_size = input_size.max(c.input_size);
    }
    let (times, y, mask) = (ds.times_of(0), ds.y_of(0), ds.mask_of(0));
    let start = times.len().saturating_sub(input_size);
    let n = times.len() - start;
    let roles = nf.roles();
    let mut f = Frame::new();
    f.push_column(
        roles.id_col.clone(),
        Column::Text(TextColumn {
            dict: vec![ds.ids[0].clone()],
            codes: vec![0; n],
        }),
    )?;
    f.push_column(
        roles.time_col.clone(),
        Column::Time(TimeColumn {
            kind: ds.time_kind,
            values: times[start..].to_vec(),
            offset_minutes: ds.offset_minutes,
        }),
    )?;
    // Masked (missing) points are stored as 0 with mask 0; in a frame they are NaN.
    let values = (start..times.len())
        .map(|i| {
            if mask[i] == 0.0 {
                f64::NAN
            } else {
                f64::from(y[i])
            }
        })
        .collect();
    f.push_column(roles.target_col.clone(), Column::Float(values))?;
    Ok(Some(f))
}
