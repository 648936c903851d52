//! `NeuralForecast::predict_insample` (see the module docs of [`crate::forecast`]).

use super::frames::{build_frame, OutputRows};
use super::NeuralForecast;
use crate::data::frame::Frame;
use crate::data::windows::WindowRef;
use crate::data::Dataset;
use crate::error::{Error, Result};

/// Rows where each in-sample horizon starts: `o, o + step, ...` up to `n − h`, with
/// `o = (n − h) mod step`, for every series with `n ≥ h` (series, first row).
fn horizon_starts(ds: &Dataset, h: usize, step: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for s in 0..ds.n_series() {
        let n = ds.len_of(s);
        if n < h {
            continue;
        }
        let off = (n - h) % step;
        out.extend((off..=n - h).step_by(step).map(|r| (s, r)));
    }
    out
}

/// Forecasts over the training data.
pub(super) fn run(nf: &NeuralForecast, step_size: usize) -> Result<Frame> {
    if step_size == 0 {
        return Err(Error::config("step_size", "must be at least 1"));
    }
    let raw = nf.fitted()?;
    let h = nf.check_models()?;
    // Future-known values of in-sample horizons are in the data (horizons never pass a
    // series' end), so no futr_df is needed.
    let starts = horizon_starts(raw, h, step_size);
    let ds = NeuralForecast::scaled(raw, nf.local_scaler.as_ref())?;
    let cols = nf.run_models(&ds, nf.local_scaler.as_ref(), None, &|m, d| {
        let l = m.train_config().input_size as isize;
        Ok(starts
            .iter()
            .map(|&(s, r)| WindowRef {
                series: s,
                start: r as isize - l,
                visible: d.len_of(s),
            })
            .collect())
    })?;
    let mut rows = OutputRows {
        cutoffs: Some(Vec::new()),
        y: Some(Vec::new()),
        ..OutputRows::default()
    };
    let (cutoffs, ys) = (rows.cutoffs.as_mut().unwrap(), rows.y.as_mut().unwrap());
    for &(s, first) in &starts {
        let (times, y, mask) = (raw.times_of(s), raw.y_of(s), raw.mask_of(s));
        let cutoff = if first == 0 {
            raw.freq.advance(times[0], -1)
        } else {
            times[first - 1]
        };
        for r in first..first + h {
            rows.series.push(s as u32);
            rows.times.push(times[r]);
            cutoffs.push(cutoff);
            ys.push(if mask[r] >= 1.0 {
                super::frames::widen(y[r])
            } else {
                f64::NAN
            });
        }
    }
    build_frame(
        raw,
        rows,
        cols,
        &nf.roles.id_col,
        &nf.roles.time_col,
        &nf.roles.target_col,
    )
}
