//! The validation loss, as NeuralForecast's `validation_step` and `_compute_valid_loss`.
//!
//! Validation windows ([`EvalWindows::validation`]) are taken `valid_batch_size` series at a
//! time (NeuralForecast's validation loader; `batch_size` when unset), and each such group in
//! chunks of `inference_windows_batch_size` windows (all of the group's when unset). Each chunk
//! is scaled like a training batch, predicted in [`Mode::Predict`], and its outputs (and, for
//! MASE, its input window) are mapped back to the data's scale before `valid_loss` compares
//! them with the original targets under the horizon's availability mask. The check's value is
//! the mean of the chunk losses weighted by their window counts (Lightning's epoch mean with
//! `batch_size` = windows).
//!
//! A difference by choice: when the training loss has several outputs (MQLoss) and
//! `valid_loss` is a point loss, the point loss reads the median output (NeuralForecast would
//! fail on the shape mismatch); without a median channel it reads the first.

use super::step::StepBuffers;
use crate::data::batch::BatchLayout;
use crate::data::scalers::TemporalScaler;
use crate::data::windows::{EvalWindows, WindowConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::{Loss, LossDims, LossInputs};
use crate::models::{Mode, Model};
use nd_kernels::table::Kernels;

/// The validation windows of one fit and the buffers to evaluate them, planned once.
#[derive(Debug)]
pub struct Validator {
    windows: EvalWindows,
    /// Series per validation group.
    group_series: usize,
    /// Windows per chunk.
    chunk: usize,
    bufs: StepBuffers,
    /// (B, H) targets before scaling.
    orig_y: Vec<f32>,
    /// (B, L) input window mapped back to the data's scale (MASE).
    insample: Vec<f32>,
    /// (B, H) the one output a point valid loss reads, when the model has several.
    point: Vec<f32>,
    /// Which output channel feeds a point valid loss (`None`: the outputs match the loss).
    channel: Option<usize>,
}

impl Validator {
    /// The validator for `model` on `ds` with `cfg`'s validation tail (`None` when
    /// `cfg.val_size` is 0).
    ///
    /// Errors: `val_size` between 1 and h − 1; a `valid_loss` whose outputs do not fit the
    /// model's.
    pub fn new(model: &dyn Model, ds: &Dataset, cfg: &WindowConfig) -> Result<Option<Validator>> {
        let windows = EvalWindows::validation(ds, cfg)?;
        if windows.is_empty() {
            return Ok(None);
        }
        let c = model.train_config();
        let q = model.n_outputs();
        let vq = c.validation_loss().outputsize_multiplier();
        let channel = if vq == q {
            None
        } else if vq == 1 {
            Some(match &c.loss {
                Loss::Mq(m) => m.median_channel().unwrap_or(0),
                _ => 0,
            })
        } else {
            return Err(Error::config(
                "valid_loss",
                format_args!(
                    "{} has {vq} outputs per step and the model's loss {} has {q}",
                    c.validation_loss().name(),
                    c.loss.name()
                ),
            ));
        };
        let group_series = c.valid_batch_size.unwrap_or(c.batch_size).max(1);
        let group = group_series.min(ds.n_series()) * windows.per_series();
        let chunk = c
            .inference_windows_batch_size
            .map_or(group, |w| w.min(group))
            .max(1);
        let layout = BatchLayout::for_dataset(ds, chunk, c.input_size, c.h);
        Ok(Some(Validator {
            windows,
            group_series,
            chunk,
            bufs: StepBuffers::new(model, layout),
            orig_y: vec![0.0; chunk * c.h],
            insample: vec![0.0; chunk * c.input_size],
            point: vec![0.0; chunk * c.h],
            channel,
        }))
    }

    /// The validation loss of `params` (on the data's scale).
    pub fn loss(
        &mut self,
        k: &Kernels,
        model: &dyn Model,
        params: &[f32],
        ds: &Dataset,
        scaler: &mut TemporalScaler,
    ) -> f32 {
        let c = model.train_config();
        let (h, l, q) = (c.h, c.input_size, model.n_outputs());
        let per = self.windows.per_series();
        let n_series = ds.n_series();
        let (mut num, mut den) = (0.0f64, 0usize);
        let mut s0 = 0;
        while s0 < n_series {
            let s1 = (s0 + self.group_series).min(n_series);
            let (g0, g1) = (s0 * per, s1 * per);
            let mut w0 = g0;
            while w0 < g1 {
                let w1 = (w0 + self.chunk).min(g1);
                self.windows.fill(w0..w1, &mut self.bufs.windows);
                let rows = w1 - w0;
                crate::data::batch::gather(ds, &self.bufs.windows, &mut self.bufs.batch);
                self.orig_y[..rows * h]
                    .copy_from_slice(&self.bufs.batch.outsample_y.as_slice()[..rows * h]);
                self.bufs
                    .forward_gathered(k, model, params, scaler, Mode::Predict);
                let out = rows * h * q;
                scaler.inverse(&mut self.bufs.y_hat[..out], &self.bufs.stats);
                let y_hat: &[f32] = match self.channel {
                    None => &self.bufs.y_hat[..out],
                    Some(ch) => {
                        for (p, row) in self.point[..rows * h]
                            .iter_mut()
                            .zip(self.bufs.y_hat[..out].chunks_exact(q))
                        {
                            *p = row[ch];
                        }
                        &self.point[..rows * h]
                    }
                };
                let dims = LossDims {
                    batch: rows,
                    horizon: h,
                    series: 1,
                };
                let b = &self.bufs.batch;
                let mut x = LossInputs::new(dims, &self.orig_y[..rows * h], y_hat)
                    .with_mask(&b.outsample_mask.as_slice()[..rows * h]);
                let loss = c.validation_loss();
                if loss.needs_insample() {
                    let ins = &mut self.insample[..rows * l];
                    ins.copy_from_slice(&b.insample_y.as_slice()[..rows * l]);
                    scaler.inverse(ins, &self.bufs.stats);
                    x = x.with_insample(&self.insample[..rows * l]);
                }
                num += loss.forward(&x) as f64 * rows as f64;
                den += rows;
                w0 = w1;
            }
            s0 = s1;
        }
        if den == 0 {
            f32::NAN
        } else {
            (num / den as f64) as f32
        }
    }
}
