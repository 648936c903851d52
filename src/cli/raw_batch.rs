//! A batch of synthetic windows and every buffer a model's forward and backward need for it:
//! the "raw forward" of the comparison harness (NeuralForecast's side calls the torch module
//! on `torch.randn` windows under `no_grad`, with no data pipeline) and the step whose GEMM
//! flops the roofline counts.

use crate::models::{Mode, Model, ModelInput};
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// B windows of standard-normal inputs (all observed), exogenous channels sized from the
/// model's lists, and the model's output, cache and scratch for B rows.
#[derive(Debug)]
pub struct RawBatch {
    rows: usize,
    insample_y: Vec<f32>,
    insample_mask: Vec<f32>,
    hist_exog: Vec<f32>,
    futr_exog: Vec<f32>,
    stat_exog: Vec<f32>,
    /// (B, H, Q) the forward's output.
    pub y_hat: Vec<f32>,
    cache: Vec<f32>,
    scratch: Vec<f32>,
}

impl RawBatch {
    /// Buffers for `rows` windows of `model`, inputs drawn from a fixed seed.
    pub fn new(model: &dyn Model, rows: usize) -> RawBatch {
        let c = model.train_config();
        let (l, h) = (c.input_size, c.h);
        let mut rng = Rng::seed_from(0);
        let mut normal = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
        let ws = model.workspace(rows);
        RawBatch {
            rows,
            insample_y: normal(rows * l),
            insample_mask: vec![1.0; rows * l],
            hist_exog: normal(rows * l * c.hist_exog_list.len()),
            futr_exog: normal(rows * (l + h) * c.futr_exog_list.len()),
            stat_exog: normal(rows * c.stat_exog_list.len()),
            y_hat: vec![0.0; rows * h * model.n_outputs()],
            cache: vec![0.0; ws.cache],
            scratch: vec![0.0; ws.scratch],
        }
    }

    /// The inputs, and the output, cache and scratch buffers, borrowed apart.
    #[allow(clippy::type_complexity)]
    fn split(&mut self) -> (ModelInput<'_>, &mut [f32], &mut [f32], &mut [f32]) {
        let x = ModelInput {
            rows: self.rows,
            insample_y: &self.insample_y,
            insample_mask: &self.insample_mask,
            hist_exog: &self.hist_exog,
            futr_exog: &self.futr_exog,
            stat_exog: &self.stat_exog,
        };
        (x, &mut self.y_hat, &mut self.cache, &mut self.scratch)
    }

    /// One forward pass into `y_hat`.
    pub fn forward(&mut self, k: &Kernels, model: &dyn Model, params: &[f32], mode: Mode<'_>) {
        let (x, y_hat, cache, scratch) = self.split();
        model.forward(k, params, &x, y_hat, cache, scratch, mode);
    }

    /// One backward pass after [`RawBatch::forward`], adding into `grads`, with `d_y_hat` = 1
    /// everywhere (the flops do not depend on the values), written over `y_hat`.
    pub fn backward(&mut self, k: &Kernels, model: &dyn Model, params: &[f32], grads: &mut [f32]) {
        let (x, y_hat, cache, scratch) = self.split();
        y_hat.fill(1.0);
        model.backward(k, params, grads, &x, cache, y_hat, scratch);
    }
}
