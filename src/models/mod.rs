//! Forecasting models: the [`Model`] trait, the registry by name, and one file per model.
//!
//! ## What a model is
//! A model is its resolved hyperparameters ([`TrainConfig`] plus its own), its layers, and the
//! [`ParamLayout`] of its flat parameter buffer. It holds no parameter values: those live in a
//! [`crate::nn::ParamStore`] next to it (so gradient checks, data-parallel shards and model files
//! all work on plain buffers). It maps one scaled batch of windows to forecasts:
//!
//! ```text
//! forward:  ModelInput (B windows) ──► y_hat (B, H, Q)      Q = loss.outputsize_multiplier()
//! backward: d_y_hat (B, H, Q)      ──► grads += ∂/∂params
//! ```
//!
//! The trainer owns everything around it (sampling, temporal scaling, the loss, the optimizer,
//! validation, inverse scaling), as NeuralForecast's `BaseModel` does for its subclasses'
//! `forward`. Forward and backward allocate nothing: [`Model::workspace`] says how many floats
//! of cache (written by forward, read by backward) and scratch (backward's temporaries) `B`
//! rows need, and the trainer carves both from buffers it allocates once.
//!
//! ## Adding a model
//! Write `src/models/<name>.rs` with the model struct, `impl Model`, a `from_hyperparams`
//! constructor that reads every hyperparameter through a [`ParamReader`] (NeuralForecast's names
//! and defaults), its whole-model gradient check, and a `pub const ENTRY: ModelEntry`; then add
//! one line to [`registry::MODELS`]. The CLI, model files and the builder find it from there.

pub mod block_mlp;
pub mod builder;
pub mod check;
pub mod dlinear;
pub mod hyperparams;
pub mod mlp;
pub mod nbeats;
pub mod nbeats_basis;
pub mod nbeats_stack;
pub mod nbeatsx;
pub mod nhits;
pub mod nhits_block;
pub mod nlinear;
pub mod registry;
pub mod train_config;

pub use builder::ModelBuilder;
pub use hyperparams::{Hyperparams, ParamReader};
pub use registry::{ModelEntry, MODELS};
pub use train_config::{TrainConfig, TrainDefaults};

use crate::data::batch::Batch;
use crate::nn::ParamLayout;
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// One batch of (scaled) windows as a model reads it; buffers are channel-last and hold at
/// least `rows` rows (rows past it are ignored).
#[derive(Clone, Copy, Debug)]
pub struct ModelInput<'a> {
    /// B: windows in this batch.
    pub rows: usize,
    /// (B, L) target over the input part.
    pub insample_y: &'a [f32],
    /// (B, L) availability of the input part (1 observed, 0 missing or padding).
    pub insample_mask: &'a [f32],
    /// (B, L, X) historical exogenous, in the model's `hist_exog_list` order.
    pub hist_exog: &'a [f32],
    /// (B, L + H, F) future-known exogenous, in the model's `futr_exog_list` order.
    pub futr_exog: &'a [f32],
    /// (B, S) static exogenous, in the model's `stat_exog_list` order.
    pub stat_exog: &'a [f32],
}

impl<'a> ModelInput<'a> {
    /// The filled rows of `batch` (whose exogenous channels must be the model's lists, in order).
    pub fn from_batch(batch: &'a Batch) -> ModelInput<'a> {
        ModelInput {
            rows: batch.len(),
            insample_y: batch.insample_y.as_slice(),
            insample_mask: batch.insample_mask.as_slice(),
            hist_exog: batch.hist_exog.as_slice(),
            futr_exog: batch.futr_exog.as_slice(),
            stat_exog: batch.stat_exog.as_slice(),
        }
    }

    /// Rows `rows` of `batch` as an input of `rows.len()` windows (a data-parallel shard).
    ///
    /// # Panics
    /// If `rows` reaches past the batch's filled rows.
    pub fn from_batch_rows(batch: &'a Batch, rows: std::ops::Range<usize>) -> ModelInput<'a> {
        assert!(
            rows.end <= batch.len(),
            "rows {rows:?} of a batch of {}",
            batch.len()
        );
        let lay = batch.layout();
        let (l, w) = (lay.l, lay.l + lay.h);
        let cut = |t: &'a crate::tensor::Tensor, per_row: usize| {
            &t.as_slice()[rows.start * per_row..rows.end * per_row]
        };
        ModelInput {
            rows: rows.len(),
            insample_y: cut(&batch.insample_y, l),
            insample_mask: cut(&batch.insample_mask, l),
            hist_exog: cut(&batch.hist_exog, l * lay.n_hist),
            futr_exog: cut(&batch.futr_exog, w * lay.n_futr),
            stat_exog: cut(&batch.stat_exog, lay.n_stat),
        }
    }
}

/// Floats of workspace a model needs for a batch of `B` rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Workspace {
    /// Written by forward, read by backward (activations kept for the gradient).
    pub cache: usize,
    /// Temporaries of backward (and of forward, which may use the front of it too).
    pub scratch: usize,
}

/// Whether a forward pass is for training (dropout active, drawing from the rng) or inference.
#[derive(Debug)]
pub enum Mode<'r> {
    /// Training: stochastic layers draw from this stream.
    Train(&'r mut Rng),
    /// Inference: deterministic; the cache is still written (backward may follow, as in
    /// gradient checks).
    Predict,
}

/// A forecasting model (see the module docs).
pub trait Model: Send + Sync + std::fmt::Debug {
    /// NeuralForecast's class name (`MLP`): the default alias and output column.
    fn class_name(&self) -> &'static str;

    /// The shared hyperparameters.
    fn train_config(&self) -> &TrainConfig;

    /// Every hyperparameter with its resolved value, shared and model-specific, such that
    /// building the model from them again gives an identical model.
    fn hyperparams(&self) -> &Hyperparams;

    /// The flat parameter layout.
    fn layout(&self) -> &ParamLayout;

    /// Workspace for a batch of `rows` windows.
    fn workspace(&self, rows: usize) -> Workspace;

    /// y_hat (B, H, Q) from `x`, writing what backward needs into `cache`
    /// (`workspace(B).cache` floats); `scratch` is `workspace(B).scratch` floats.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &ModelInput<'_>,
        y_hat: &mut [f32],
        cache: &mut [f32],
        scratch: &mut [f32],
        mode: Mode<'_>,
    );

    /// Adds ∂L/∂params into `grads` (same layout as `params`) from `d_y_hat` (B, H, Q), after
    /// a forward pass on the same `x` that filled `cache`. Gradients with respect to the
    /// inputs are not needed (inputs are data).
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &ModelInput<'_>,
        cache: &[f32],
        d_y_hat: &[f32],
        scratch: &mut [f32],
    );

    /// The output column name: the alias, or the class name.
    fn alias(&self) -> &str {
        self.train_config()
            .alias
            .as_deref()
            .unwrap_or(self.class_name())
    }

    /// Q: outputs per horizon step.
    fn n_outputs(&self) -> usize {
        self.train_config().loss.outputsize_multiplier()
    }
}
