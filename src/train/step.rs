//! One training step over buffers planned once: sample → gather → scale → forward → loss →
//! backward → Adam. After [`StepBuffers::new`] nothing here allocates.

use crate::data::batch::{gather, Batch, BatchLayout};
use crate::data::scalers::{ScaleStats, TemporalScaler};
use crate::data::windows::WindowRef;
use crate::data::Dataset;
use crate::loss::{LossDims, LossInputs};
use crate::models::{Mode, Model, ModelInput, Workspace};
use crate::nn::ParamStore;
use crate::optim::{LrSchedule, Optimizer};
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// Every buffer a batch of up to `B` windows needs, allocated once.
#[derive(Debug)]
pub struct StepBuffers {
    /// The gathered (then scaled) windows.
    pub batch: Batch,
    /// (B, 2) target shift and scale of each window.
    pub stats: ScaleStats,
    /// (B, H, Q) model output.
    pub y_hat: Vec<f32>,
    /// (B, H, Q) gradient of the loss with respect to `y_hat`.
    pub d_y_hat: Vec<f32>,
    /// Model cache (`workspace(B).cache` floats).
    pub cache: Vec<f32>,
    /// Model scratch (`workspace(B).scratch` floats).
    pub scratch: Vec<f32>,
    /// (≤ B,) the windows of the current batch.
    pub windows: Vec<WindowRef>,
}

impl StepBuffers {
    /// Buffers for `model` and batches of `layout.b` windows.
    pub fn new(model: &dyn Model, layout: BatchLayout) -> StepBuffers {
        Self::planned(model, layout, model.workspace(layout.b))
    }

    /// As [`StepBuffers::new`] without the model's cache and scratch (data-parallel lanes
    /// bring their own).
    pub fn without_workspace(model: &dyn Model, layout: BatchLayout) -> StepBuffers {
        Self::planned(model, layout, Workspace::default())
    }

    fn planned(model: &dyn Model, layout: BatchLayout, ws: Workspace) -> StepBuffers {
        let c = model.train_config();
        let out = layout.b * c.h * model.n_outputs();
        StepBuffers {
            batch: Batch::new(layout),
            stats: ScaleStats::new(layout.b),
            y_hat: vec![0.0; out],
            d_y_hat: vec![0.0; out],
            cache: vec![0.0; ws.cache],
            scratch: vec![0.0; ws.scratch],
            windows: Vec::with_capacity(layout.b),
        }
    }

    /// Gathers `self.windows` of `ds`, scales them, and runs the model forward into
    /// `y_hat` (rows `0..windows.len()`); returns the number of rows.
    pub fn gather_scale_forward(
        &mut self,
        k: &Kernels,
        model: &dyn Model,
        params: &[f32],
        ds: &Dataset,
        scaler: &mut TemporalScaler,
        mode: Mode<'_>,
    ) -> usize {
        gather(ds, &self.windows, &mut self.batch);
        self.forward_gathered(k, model, params, scaler, mode)
    }

    /// Scales the already gathered batch and runs the model forward; returns the rows.
    pub fn forward_gathered(
        &mut self,
        k: &Kernels,
        model: &dyn Model,
        params: &[f32],
        scaler: &mut TemporalScaler,
        mode: Mode<'_>,
    ) -> usize {
        scaler.scale(&mut self.batch, &mut self.stats);
        let rows = self.batch.len();
        let out = rows * model.train_config().h * model.n_outputs();
        model.forward(
            k,
            params,
            &ModelInput::from_batch(&self.batch),
            &mut self.y_hat[..out],
            &mut self.cache,
            &mut self.scratch,
            mode,
        );
        rows
    }
}

impl StepBuffers {
    /// The training loss of the first `rows` forecasts in `y_hat` against the batch's scaled
    /// outsample (masked; with the insample for MASE), and its gradient into `d_y_hat`. The
    /// whole batch at once: a mean's denominator spans every row.
    pub fn loss_and_gradient(&mut self, model: &dyn Model, rows: usize) -> f32 {
        let c = model.train_config();
        let (h, l) = (c.h, c.input_size);
        let out = rows * h * model.n_outputs();
        let dims = LossDims {
            batch: rows,
            horizon: h,
            series: 1,
        };
        let b = &self.batch;
        let mut x = LossInputs::new(
            dims,
            &b.outsample_y.as_slice()[..rows * h],
            &self.y_hat[..out],
        )
        .with_mask(&b.outsample_mask.as_slice()[..rows * h]);
        if c.loss.needs_insample() {
            x = x.with_insample(&b.insample_y.as_slice()[..rows * l]);
        }
        let loss = c.loss.forward(&x);
        let d = &mut self.d_y_hat[..out];
        d.fill(0.0);
        c.loss.backward(&x, 1.0, d);
        loss
    }
}

/// The state one step changes besides the parameters.
#[derive(Debug)]
pub struct StepState {
    /// Adam over the flat parameters.
    pub optimizer: Optimizer,
    /// NeuralForecast's StepLR.
    pub schedule: LrSchedule,
    /// Dropout's stream.
    pub dropout_rng: Rng,
    /// Optimizer steps taken in this fit (the schedule's clock).
    pub step: u64,
}

/// One optimizer step on the windows already in `bufs.windows`; returns the training loss
/// (on the scaled outsample, NeuralForecast's `training_step`).
pub fn train_step(
    k: &Kernels,
    model: &dyn Model,
    store: &mut ParamStore,
    ds: &Dataset,
    scaler: &mut TemporalScaler,
    bufs: &mut StepBuffers,
    state: &mut StepState,
) -> f32 {
    let c = model.train_config();
    let rows = bufs.gather_scale_forward(
        k,
        model,
        &store.values,
        ds,
        scaler,
        Mode::Train(&mut state.dropout_rng),
    );
    let loss = bufs.loss_and_gradient(model, rows);
    let out = rows * c.h * model.n_outputs();
    let b = &bufs.batch;
    store.zero_grads();
    model.backward(
        k,
        &store.values,
        &mut store.grads,
        &ModelInput::from_batch(b),
        &bufs.cache,
        &bufs.d_y_hat[..out],
        &mut bufs.scratch,
    );
    state.optimizer.set_lr(state.schedule.lr_at(state.step));
    state.optimizer.step(k, &mut store.values, &store.grads);
    state.step += 1;
    loss
}
