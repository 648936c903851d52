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

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use super::step::StepBuffers;
use crate::data::batch::BatchLayout;
use crate::data::scalers::TemporalScaler;
use crate::data::windows::{EvalWindows, WindowConfig};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::{Loss, LossDims, LossInputs};
use crate::models::{Mode, Model};
use nd_kernels::table::Kernels;

/// Which output channel a point `valid_loss` reads when the model has several outputs
/// (`None`: the loss reads the outputs as they are).
///
/// Errors: a multi-output `valid_loss` whose output count differs from the model's.
pub fn point_channel(model: &dyn Model) -> Result<Option<usize>> {
    let c = model.train_config();
    let q = model.n_outputs();
    let vq = c.validation_loss().outputsize_multiplier();
    if vq == q {
        Ok(None)
    } else if vq == 1 {
        Ok(Some(match &c.loss {
            Loss::Mq(m) => m.median_channel().unwrap_or(0),
            _ => 0,
        }))
    } else {
        Err(Error::config(
            "valid_loss",
            format_args!(
                "{} has {vq} outputs per step and the model's loss {} has {q}",
                c.validation_loss().name(),
                c.loss.name()
            ),
        ))
    }
}

/// The validation windows of one fit and the buffers to evaluate them, planned once.
///
/// Chunks are evaluated in parallel when the pool has more than one thread (each thread with
/// buffers of its own, made on first use and kept); their losses are summed in chunk order, so
/// the value does not depend on the thread count.
#[derive(Debug)]
pub struct Validator {
    windows: EvalWindows,
    /// Series per validation group.
    group_series: usize,
    /// Windows per chunk.
    chunk: usize,
    /// Which output channel feeds a point valid loss (`None`: the outputs match the loss).
    channel: Option<usize>,
    /// The first chunk buffers (the one a sequential check uses).
    first: ChunkBuffers,
    /// More chunk buffers, made when chunks run in parallel.
    spare: Mutex<Vec<ChunkBuffers>>,
    /// (window range, loss × windows) of every chunk of a check.
    chunks: Vec<(Range<usize>, f64)>,
}

/// The buffers one chunk is evaluated in.
#[derive(Debug)]
struct ChunkBuffers {
    bufs: StepBuffers,
    scaler: TemporalScaler,
    /// (B, H) targets before scaling.
    orig_y: Vec<f32>,
    /// (B, L) input window mapped back to the data's scale (MASE).
    insample: Vec<f32>,
    /// (B, H) the one output a point valid loss reads, when the model has several.
    point: Vec<f32>,
}

impl ChunkBuffers {
    fn new(model: &dyn Model, ds: &Dataset, chunk: usize) -> ChunkBuffers {
        let c = model.train_config();
        let layout = BatchLayout::for_dataset(ds, chunk, c.input_size, c.h);
        ChunkBuffers {
            bufs: StepBuffers::new(model, layout),
            scaler: TemporalScaler::new(c.scaler_type, 1 + layout.n_hist + layout.n_futr),
            orig_y: vec![0.0; chunk * c.h],
            insample: vec![0.0; chunk * c.input_size],
            point: vec![0.0; chunk * c.h],
        }
    }

    /// The chunk's loss times its window count.
    #[allow(clippy::too_many_arguments)]
    fn weighted_loss(
        &mut self,
        k: &Kernels,
        model: &dyn Model,
        params: &[f32],
        ds: &Dataset,
        windows: &EvalWindows,
        range: Range<usize>,
        channel: Option<usize>,
    ) -> f64 {
        let c = model.train_config();
        let (h, l, q) = (c.h, c.input_size, model.n_outputs());
        let rows = range.len();
        windows.fill(range, &mut self.bufs.windows);
        crate::data::batch::gather(ds, &self.bufs.windows, &mut self.bufs.batch);
        self.orig_y[..rows * h]
            .copy_from_slice(&self.bufs.batch.outsample_y.as_slice()[..rows * h]);
        let scaler = &mut self.scaler;
        self.bufs
            .forward_gathered(k, model, params, scaler, Mode::Predict);
        let out = rows * h * q;
        scaler.inverse(&mut self.bufs.y_hat[..out], &self.bufs.stats);
        let y_hat: &[f32] = match channel {
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
        loss.forward(&x) as f64 * rows as f64
    }
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
        let channel = point_channel(model)?;
        let group_series = c.valid_batch_size.unwrap_or(c.batch_size).max(1);
        let group = group_series.min(ds.n_series()) * windows.per_series();
        let chunk = c
            .inference_windows_batch_size
            .map_or(group, |w| w.min(group))
            .max(1);
        let mut v = Validator {
            first: ChunkBuffers::new(model, ds, chunk),
            windows,
            group_series,
            chunk,
            channel,
            spare: Mutex::new(Vec::new()),
            chunks: Vec::new(),
        };
        v.plan_chunks(ds.n_series());
        Ok(Some(v))
    }

    /// The chunks: groups of `group_series` series, each cut into `chunk` windows.
    fn plan_chunks(&mut self, n_series: usize) {
        let per = self.windows.per_series();
        let mut s0 = 0;
        while s0 < n_series {
            let s1 = (s0 + self.group_series).min(n_series);
            let (g0, g1) = (s0 * per, s1 * per);
            let mut w0 = g0;
            while w0 < g1 {
                let w1 = (w0 + self.chunk).min(g1);
                self.chunks.push((w0..w1, 0.0));
                w0 = w1;
            }
            s0 = s1;
        }
    }

    /// The validation loss of `params` (on the data's scale).
    pub fn loss(&mut self, k: &Kernels, model: &dyn Model, params: &[f32], ds: &Dataset) -> f32 {
        let (windows, channel) = (&self.windows, self.channel);
        if self.chunks.len() == 1 || crate::sched::current_threads() == 1 {
            for (range, loss) in &mut self.chunks {
                *loss =
                    self.first
                        .weighted_loss(k, model, params, ds, windows, range.clone(), channel);
            }
        } else {
            let (first, spare) = (&mut self.first, &self.spare);
            let first = Mutex::new(Some(first));
            let chunk = self.chunk;
            crate::sched::for_each_mut(&mut self.chunks, |_, (range, loss)| {
                let run = |b: &mut ChunkBuffers| {
                    b.weighted_loss(k, model, params, ds, windows, range.clone(), channel)
                };
                // The first buffers go to whichever chunk starts first; later ones reuse spares.
                let borrowed = first.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(b) = borrowed {
                    *loss = run(b);
                    *first.lock().unwrap_or_else(PoisonError::into_inner) = Some(b);
                    return;
                }
                let taken = spare.lock().unwrap_or_else(PoisonError::into_inner).pop();
                let mut b = taken.unwrap_or_else(|| ChunkBuffers::new(model, ds, chunk));
                *loss = run(&mut b);
                spare.lock().unwrap_or_else(PoisonError::into_inner).push(b);
            });
        }
        let den: usize = self.chunks.iter().map(|(r, _)| r.len()).sum();
        let num: f64 = self.chunks.iter().map(|(_, l)| l).sum();
        if den == 0 {
            f32::NAN
        } else {
            (num / den as f64) as f32
        }
    }
}
