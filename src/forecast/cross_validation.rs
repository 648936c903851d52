//! `NeuralForecast::cross_validation` (NeuralForecast's `refit=False`; see the module docs of
//! [`crate::forecast`]).

use super::frames::{build_frame, OutputRows};
use super::NeuralForecast;
use crate::data::frame::Frame;
use crate::data::windows::EvalWindows;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::train::Holdout;

/// Fits with the test tail held out and forecasts its windows.
pub(super) fn run(
    nf: &mut NeuralForecast,
    df: &Frame,
    n_windows: usize,
    step_size: usize,
) -> Result<Frame> {
    if n_windows == 0 {
        return Err(Error::config("n_windows", "must be at least 1"));
    }
    if step_size == 0 {
        return Err(Error::config("step_size", "must be at least 1"));
    }
    let h = nf.check_models()?;
    let test_size = h + step_size * (n_windows - 1);
    let raw = nf.build_dataset(df, None)?;
    for s in 0..raw.n_series() {
        if raw.len_of(s) <= test_size {
            return Err(Error::new(
                ErrorKind::Data,
                Location::series(raw.ids[s].clone()),
                format!(
                    "the series has {} rows; cross-validation with h = {h}, n_windows = \
                     {n_windows} and step_size = {step_size} holds out the last {test_size} \
                     and needs at least one more to train on",
                    raw.len_of(s)
                ),
            ));
        }
    }
    let (_, scaler) = nf.train_all(
        &raw,
        Holdout {
            val_size: 0,
            test_size,
        },
        None,
    )?;
    nf.local_scaler = scaler;
    let cols = {
        let ds = NeuralForecast::scaled(&raw, nf.local_scaler.as_ref())?;
        nf.run_models(&ds, nf.local_scaler.as_ref(), None, &|m, d| {
            let w = EvalWindows::predict(d, &m.train_config().windows(0, test_size), step_size)?;
            let mut out = Vec::with_capacity(w.len());
            w.fill(0..w.len(), &mut out);
            Ok(out)
        })?
    };
    let mut rows = OutputRows {
        cutoffs: Some(Vec::new()),
        y: Some(Vec::new()),
        ..OutputRows::default()
    };
    let (cutoffs, ys) = (rows.cutoffs.as_mut().unwrap(), rows.y.as_mut().unwrap());
    for s in 0..raw.n_series() {
        let n = raw.len_of(s);
        let (times, y, mask) = (raw.times_of(s), raw.y_of(s), raw.mask_of(s));
        for k in 0..n_windows {
            let first = n - test_size + k * step_size;
            for r in first..first + h {
                rows.series.push(s as u32);
                rows.times.push(times[r]);
                cutoffs.push(times[first - 1]);
                ys.push(if mask[r] >= 1.0 {
                    super::frames::widen(y[r])
                } else {
                    f64::NAN
                });
            }
        }
    }
    let frame = build_frame(
        &raw,
        rows,
        cols,
        &nf.roles.id_col,
        &nf.roles.time_col,
        &nf.roles.target_col,
    )?;
    nf.dataset = Some(raw);
    Ok(frame)
}
