//! Whole-model checks every model's tests run: analytic gradients against finite differences,
//! and every ISA tier against the scalar reference (see [`crate::nn::gradcheck`]).

use super::{Mode, Model, ModelInput};
use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
use crate::nn::ParamStore;
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// Random inputs for `rows` windows of `model`'s shape: values in [-2, 2], all observed.
#[derive(Clone, Debug)]
pub struct RandomInput {
    /// B.
    pub rows: usize,
    /// (B, L)
    pub insample_y: Vec<f32>,
    /// (B, L), all ones.
    pub insample_mask: Vec<f32>,
    /// (B, L, X)
    pub hist_exog: Vec<f32>,
    /// (B, L + H, F)
    pub futr_exog: Vec<f32>,
    /// (B, S)
    pub stat_exog: Vec<f32>,
}

impl RandomInput {
    /// Draws inputs from `seed`.
    pub fn new(model: &dyn Model, rows: usize, seed: u64) -> RandomInput {
        let c = model.train_config();
        let (l, h) = (c.input_size, c.h);
        let mut rng = Rng::seed_from(seed);
        let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.uniform(-2.0, 2.0)).collect() };
        RandomInput {
            rows,
            insample_y: draw(rows * l),
            insample_mask: vec![1.0; rows * l],
            hist_exog: draw(rows * l * c.hist_exog_list.len()),
            futr_exog: draw(rows * (l + h) * c.futr_exog_list.len()),
            stat_exog: draw(rows * c.stat_exog_list.len()),
        }
    }

    /// As the model reads it.
    pub fn view(&self) -> ModelInput<'_> {
        ModelInput {
            rows: self.rows,
            insample_y: &self.insample_y,
            insample_mask: &self.insample_mask,
            hist_exog: &self.hist_exog,
            futr_exog: &self.futr_exog,
            stat_exog: &self.stat_exog,
        }
    }
}

/// Runs `model`'s forward in predict mode into a fresh output.
pub fn predict(model: &dyn Model, k: &Kernels, params: &[f32], x: &ModelInput<'_>) -> Vec<f32> {
    let c = model.train_config();
    let ws = model.workspace(x.rows);
    let mut y = vec![0.0; x.rows * c.h * model.n_outputs()];
    let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
    model.forward(
        k,
        params,
        x,
        &mut y,
        &mut cache,
        &mut scratch,
        Mode::Predict,
    );
    y
}

/// Checks `model`'s parameter gradients on `rows` random windows against finite differences
/// (with `tol`) and its forward and backward on every ISA against the scalar reference.
/// Parameters are initialised from `seed`; inputs are drawn from `seed ^ 1`.
pub fn check_model(
    model: &dyn Model,
    rows: usize,
    tol: Tolerance,
    seed: u64,
) -> Result<(), String> {
    let store = ParamStore::new(model.layout().clone(), seed);
    let input = RandomInput::new(model, rows, seed ^ 1);
    let c = model.train_config();
    let out_len = rows * c.h * model.n_outputs();
    let ws = model.workspace(rows);
    let fwd = |k: &Kernels, p: &[f32], _x: &[f32], y: &mut [f32]| {
        let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
        model.forward(
            k,
            p,
            &input.view(),
            y,
            &mut cache,
            &mut scratch,
            Mode::Predict,
        );
    };
    let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], _x: &[f32], dy: &[f32], _dx: &mut [f32]| {
        let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
        let mut y = vec![0.0; out_len];
        let x = input.view();
        model.forward(k, p, &x, &mut y, &mut cache, &mut scratch, Mode::Predict);
        model.backward(k, p, g, &x, &cache, dy, &mut scratch);
    };
    let case = GradCase {
        name: model.class_name(),
        params: store.values.to_vec(),
        input: Vec::new(),
        out_len,
        forward: &fwd,
        backward: &bwd,
    };
    check_gradients(&case, tol, seed)?;
    check_isa_agreement(&case, 1e-4, seed)
}
