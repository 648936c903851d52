//! Batched inference: windows → scaled batch → forward → inverse temporal scaling, as
//! NeuralForecast's `predict_step` (then MQLoss outputs sorted so quantiles never cross).
//!
//! Windows are evaluated in chunks of `inference_windows_batch_size` (all at once when unset).
//! Future-known exogenous values past a series' end come from a [`FutureExog`]; without one
//! they read as 0 (only models without future exogenous inputs may predict that way).

use super::step::StepBuffers;
use crate::data::batch::{gather_with_future, BatchLayout, FutureExog};
use crate::data::scalers::TemporalScaler;
use crate::data::windows::WindowRef;
use crate::data::Dataset;
use crate::loss::Loss;
use crate::models::{Mode, Model};
use nd_kernels::table::Kernels;

/// Forecasts for `windows` of `ds`: (W, H, Q) on the dataset's scale (temporal scaling
/// inverted; a local scaler, if any, is the caller's to invert).
///
/// # Panics
/// If `ds` or `future` do not carry the model's exogenous channels (callers project them).
pub fn predict_windows(
    k: &Kernels,
    model: &dyn Model,
    params: &[f32],
    ds: &Dataset,
    windows: &[WindowRef],
    future: Option<&FutureExog>,
) -> Vec<f32> {
    let c = model.train_config();
    let (h, q) = (c.h, model.n_outputs());
    let mut out = vec![0.0f32; windows.len() * h * q];
    if windows.is_empty() {
        return out;
    }
    let chunk = c
        .inference_windows_batch_size
        .map_or(windows.len(), |w| w.min(windows.len()))
        .max(1);
    let layout = BatchLayout::for_dataset(ds, chunk, c.input_size, h);
    let mut bufs = StepBuffers::new(model, layout);
    let mut scaler = TemporalScaler::new(c.scaler_type, 1 + layout.n_hist + layout.n_futr);
    for (part, dst) in windows.chunks(chunk).zip(out.chunks_mut(chunk * h * q)) {
        gather_with_future(ds, part, future, &mut bufs.batch);
        let rows = bufs.forward_gathered(k, model, params, &mut scaler, Mode::Predict);
        let n = rows * h * q;
        scaler.inverse(&mut bufs.y_hat[..n], &bufs.stats);
        dst.copy_from_slice(&bufs.y_hat[..n]);
    }
    if let Loss::Mq(m) = &c.loss {
        m.sort_quantiles(&mut out);
    }
    out
}
