//! MLP, NeuralForecast's `MLP`: the input window and every exogenous input flattened into one
//! vector, `num_layers` ReLU layers of `hidden_size` units, and a linear output layer to H·Q.
//!
//! ```text
//! x0 = [ y (L) | hist (L, X) | futr (L+H, F) | stat (S) ]   (B, D0)   D0 = L + L·X + (L+H)·F + S
//! z_i = x_{i-1}·W_iᵀ + b_i,  x_i = relu(z_i)                (B, D)    i = 1..num_layers
//! y_hat = x_n·W_outᵀ + b_out                                (B, H·Q) viewed as (B, H, Q)
//! ```
//! The concatenation order and the flattening are NeuralForecast's: `hist_exog` (B, L, X) and
//! `futr_exog` (B, L+H, F) are reshaped row-major, time outer and channel inner, which is
//! exactly our channel-last buffers, so they are copied as they are. With
//! `exclude_insample_y` the target part is zeros (NeuralForecast multiplies it by 0) but keeps
//! its L columns.
//!
//! Parameters keep PyTorch's names (`mlp.0.weight`, ..., `out.bias`), so a state dict maps
//! onto the [`ParamStore`](crate::nn::ParamStore) one to one.
//!
//! Each hidden layer is one GEMM with bias and ReLU fused into its epilogue, in training too:
//! ReLU's derivative `[z > 0]` equals `[relu(z) > 0]`, so backward reads it from the output x_i and
//! the pre-activation z_i need not be kept.
//!
//! Cache (kept for backward): x0 (B, D0), then x_i (B, D) per hidden layer.
//! Scratch (backward): two (B, D) gradient buffers used alternately and the layer's dz (B, D).
//!
//! Deliberate differences from NeuralForecast: `num_layers` must be at least 1 (PyTorch's
//! `range(num_layers - 1)` silently builds one layer for 0); categorical exogenous embeddings
//! (`cat_exog_list`) are not supported; `num_layers` is capped at 1 024 and the parameter count
//! at 2³⁰, so a typo cannot ask for terabytes.

use super::hyperparams::{Hyperparams, ParamReader};
use super::registry::ModelEntry;
use super::train_config::{TrainConfig, TrainDefaults, MAX_PARAMS};
use super::{Mode, Model, ModelInput, Workspace};
use crate::data::scalers::TemporalScalerKind;
use crate::error::{Error, Result};
use crate::nn::{Linear, ParamLayout};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// The registry entry.
pub const ENTRY: ModelEntry = ModelEntry {
    name: "mlp",
    class_name: "MLP",
    summary: "multi-layer perceptron on the flattened window and exogenous inputs",
    build: |hp| Ok(Box::new(Mlp::from_hyperparams(hp)?)),
};

/// NeuralForecast's MLP defaults.
pub const DEFAULTS: TrainDefaults = TrainDefaults {
    max_steps: 1000,
    learning_rate: 1e-3,
    batch_size: 32,
    windows_batch_size: Some(1024),
    inference_windows_batch_size: None,
    scaler_type: TemporalScalerKind::Identity,
};

/// Largest accepted `num_layers`.
const MAX_LAYERS: i64 = 1024;

/// The MLP model.
///
/// ```
/// use neuro_divergent::models::{mlp::Mlp, Hyperparams, Model};
/// # fn main() -> neuro_divergent::Result<()> {
/// let hp = Hyperparams::new()
///     .with("h", 12)
///     .with("input_size", 24)
///     .with("hidden_size", 64)
///     .with("num_layers", 3)
///     .with("hist_exog_list", vec!["promo"]);
/// let mlp = Mlp::from_hyperparams(&hp)?;
/// // The input vector: 24 target values, then the promo column over the same 24 steps.
/// assert_eq!(mlp.input_width(), 24 + 24);
/// // Three hidden layers (48 → 64 → 64 → 64) and the output layer (64 → 12), with biases.
/// assert_eq!(mlp.layout().n_params(), 49 * 64 + 2 * 65 * 64 + 65 * 12);
/// // Every hyperparameter not given has NeuralForecast's default.
/// assert_eq!(mlp.train_config().max_steps, 1000);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Mlp {
    config: TrainConfig,
    hyperparams: Hyperparams,
    layout: ParamLayout,
    /// Zero the target part of the input vector.
    exclude_insample_y: bool,
    /// D0: width of the flattened input.
    d_in: usize,
    /// D: `hidden_size`.
    hidden: usize,
    /// `num_layers` layers with ReLU: D0 → D, then D → D.
    layers: Vec<Linear>,
    /// D → H·Q, no activation.
    out: Linear,
}

impl Mlp {
    /// Builds MLP from `hp` (`h` and `input_size` required; NeuralForecast's defaults else).
    pub fn from_hyperparams(hp: &Hyperparams) -> Result<Mlp> {
        let mut r = ParamReader::new("MLP", hp);
        let config = TrainConfig::read(&mut r, DEFAULTS, None)?;
        config.check_exog_support("MLP", true, true, true)?;
        let exclude_insample_y = r.bool("exclude_insample_y", false)?;
        let num_layers = r.i64("num_layers", 2, 1..=MAX_LAYERS)? as usize;
        let hidden = r.usize("hidden_size", 1024, 1)?;
        let hyperparams = r.finish()?;
        let (l, h) = (config.input_size, config.h);
        let q = config.loss.outputsize_multiplier();
        // Sizes in u128 so absurd values are refused instead of overflowing.
        let wide = |v: usize| v as u128;
        let d_in = wide(l)
            + wide(config.hist_exog_list.len()) * wide(l)
            + wide(config.futr_exog_list.len()) * (wide(l) + wide(h))
            + wide(config.stat_exog_list.len());
        let n_params = (d_in + 1) * wide(hidden)
            + wide(num_layers - 1) * (wide(hidden) + 1) * wide(hidden)
            + (wide(hidden) + 1) * wide(h) * wide(q);
        if n_params > MAX_PARAMS {
            return Err(Error::config(
                "MLP.hidden_size",
                format_args!(
                    "hidden_size={hidden} with num_layers={num_layers} and an input of {d_in} \
                     values gives {n_params} parameters; at most {MAX_PARAMS} are allowed"
                ),
            ));
        }
        let d_in = d_in as usize;
        let mut layout = ParamLayout::new();
        let layers = (0..num_layers)
            .map(|i| {
                let width = if i == 0 { d_in } else { hidden };
                let name = format!("mlp.{i}");
                Linear::new(&mut layout, &name, width, hidden, true, Activation::Relu)
            })
            .collect();
        let out = Linear::new(
            &mut layout,
            "out",
            hidden,
            h * q,
            true,
            Activation::Identity,
        );
        Ok(Mlp {
            config,
            hyperparams,
            layout,
            exclude_insample_y,
            d_in,
            hidden,
            layers,
            out,
        })
    }

    /// D0, the width of the flattened input vector.
    pub fn input_width(&self) -> usize {
        self.d_in
    }

    /// Writes x0 (B, D0) from `x` (see the module docs for the order).
    fn flatten_input(&self, x: &ModelInput<'_>, x0: &mut [f32]) {
        let (l, h) = (self.config.input_size, self.config.h);
        let hist = l * self.config.hist_exog_list.len();
        let futr = (l + h) * self.config.futr_exog_list.len();
        let stat = self.config.stat_exog_list.len();
        for (r, row) in x0.chunks_exact_mut(self.d_in).enumerate() {
            let (y_part, rest) = row.split_at_mut(l);
            if self.exclude_insample_y {
                y_part.fill(0.0);
            } else {
                y_part.copy_from_slice(&x.insample_y[r * l..(r + 1) * l]);
            }
            let (hist_part, rest) = rest.split_at_mut(hist);
            hist_part.copy_from_slice(&x.hist_exog[r * hist..(r + 1) * hist]);
            let (futr_part, stat_part) = rest.split_at_mut(futr);
            futr_part.copy_from_slice(&x.futr_exog[r * futr..(r + 1) * futr]);
            stat_part.copy_from_slice(&x.stat_exog[r * stat..(r + 1) * stat]);
        }
    }

    /// Splits the cache for `rows` rows into x0 (B, D0) and the layer outputs x_1, x_2, ...
    /// (B, D) each.
    fn split_cache<'c>(&self, cache: &'c [f32], rows: usize) -> (&'c [f32], &'c [f32]) {
        cache[..self.cache_len(rows)].split_at(rows * self.d_in)
    }

    fn cache_len(&self, rows: usize) -> usize {
        rows * (self.d_in + self.layers.len() * self.hidden)
    }
}

impl Model for Mlp {
    fn class_name(&self) -> &'static str {
        "MLP"
    }

    fn train_config(&self) -> &TrainConfig {
        &self.config
    }

    fn hyperparams(&self) -> &Hyperparams {
        &self.hyperparams
    }

    fn layout(&self) -> &ParamLayout {
        &self.layout
    }

    fn workspace(&self, rows: usize) -> Workspace {
        Workspace {
            cache: self.cache_len(rows),
            scratch: 3 * rows * self.hidden,
        }
    }

    fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &ModelInput<'_>,
        y_hat: &mut [f32],
        cache: &mut [f32],
        _scratch: &mut [f32],
        _mode: Mode<'_>,
    ) {
        let (rows, d) = (x.rows, self.hidden);
        let (x0, mut rest) = cache[..self.cache_len(rows)].split_at_mut(rows * self.d_in);
        self.flatten_input(x, x0);
        let mut input: &[f32] = x0;
        for layer in &self.layers {
            let (act, tail) = rest.split_at_mut(rows * d); // (B, D)
            layer.forward_inference(k, params, input, act);
            input = act;
            rest = tail;
        }
        self.out
            .forward_inference(k, params, input, &mut y_hat[..rows * self.out.d_out]);
    }

    fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &ModelInput<'_>,
        cache: &[f32],
        d_y_hat: &[f32],
        scratch: &mut [f32],
    ) {
        let (rows, d) = (x.rows, self.hidden);
        let (x0, acts) = self.split_cache(cache, rows);
        let n = self.layers.len();
        // x_i, the output of layer i (0-based).
        let output = |i: usize| &acts[i * rows * d..(i + 1) * rows * d];
        let (bufs, dz) = scratch[..3 * rows * d].split_at_mut(2 * rows * d);
        let (mut dy, mut dprev) = bufs.split_at_mut(rows * d); // (B, D) each
        dy.fill(0.0);
        let last = output(n - 1);
        self.out.backward(
            k,
            params,
            grads,
            last,
            &[],
            &[],
            &d_y_hat[..rows * self.out.d_out],
            Some(dy),
            &mut [],
        );
        for i in (0..n).rev() {
            let act = output(i);
            let input = if i == 0 { x0 } else { output(i - 1) };
            let dx = if i == 0 {
                None
            } else {
                dprev.fill(0.0);
                Some(&mut *dprev)
            };
            // The output stands in for the pre-activation (see the module docs).
            self.layers[i].backward(k, params, grads, input, act, act, dy, dx, dz);
            std::mem::swap(&mut dy, &mut dprev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::check::{check_model, predict, RandomInput};
    use crate::nn::gradcheck::Tolerance;
    use crate::nn::ParamStore;
    use proptest::prelude::*;

    fn hp(h: usize, l: usize, loss: &str) -> Hyperparams {
        Hyperparams::new()
            .with("h", h)
            .with("input_size", l)
            .with("loss", loss)
    }

    /// Whether every pre-activation of a predict pass on `check_model`'s input lies at least
    /// `margin` from ReLU's kink (finite differences are meaningless across it).
    fn clear_of_kinks(m: &Mlp, rows: usize, seed: u64, margin: f32) -> bool {
        let store = ParamStore::new(m.layout().clone(), seed);
        let x = RandomInput::new(m, rows, seed ^ 1);
        let ws = m.workspace(rows);
        let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
        let mut y = vec![0.0; rows * m.out.d_out];
        let k = nd_kernels::table::active();
        m.forward(
            k,
            &store.values,
            &x.view(),
            &mut y,
            &mut cache,
            &mut scratch,
            Mode::Predict,
        );
        // Recompute each layer's pre-activation from its cached input.
        let (x0, acts) = m.split_cache(&cache, rows);
        let mut z = vec![0.0; rows * m.hidden];
        m.layers.iter().enumerate().all(|(i, layer)| {
            let input = if i == 0 {
                x0
            } else {
                &acts[(i - 1) * rows * m.hidden..i * rows * m.hidden]
            };
            let affine = Linear {
                activation: Activation::Identity,
                ..layer.clone()
            };
            affine.forward_inference(k, &store.values, input, &mut z);
            z.iter().all(|v| v.abs() > margin)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn whole_model_gradients_match_finite_differences(
            h in 1usize..4, l in 1usize..5, rows in 1usize..3, layers in 1usize..4,
            hidden in 1usize..4, n_hist in 0usize..3, n_futr in 0usize..3, n_stat in 0usize..3,
            mq: bool, seed: u64,
        ) {
            let names = |p: &str, n: usize| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
            let m = Mlp::from_hyperparams(
                &hp(h, l, if mq { "mqloss(level=[80])" } else { "mae" })
                    .with("num_layers", layers)
                    .with("hidden_size", hidden)
                    .with("hist_exog_list", names("h", n_hist))
                    .with("futr_exog_list", names("f", n_futr))
                    .with("stat_exog_list", names("s", n_stat)),
            )
            .unwrap();
            prop_assume!(clear_of_kinks(&m, rows, seed, 0.05));
            check_model(&m, rows, Tolerance::default(), seed).unwrap();
        }
    }

    /// The forward by hand: flatten in NeuralForecast's order, relu layers, linear output.
    #[test]
    fn forward_matches_a_hand_computation() {
        let (h, l) = (2, 3);
        let m = Mlp::from_hyperparams(
            &hp(h, l, "mae")
                .with("num_layers", 2usize)
                .with("hidden_size", 4usize)
                .with("hist_exog_list", vec!["a", "b"])
                .with("futr_exog_list", vec!["f"])
                .with("stat_exog_list", vec!["s"]),
        )
        .unwrap();
        assert_eq!(m.input_width(), 3 + 2 * 3 + (3 + 2) + 1);
        let store = ParamStore::new(m.layout().clone(), 11);
        let rows = 2;
        let x = RandomInput::new(&m, rows, 4);
        let got = predict(&m, nd_kernels::table::active(), &store.values, &x.view());
        let dense = |name: &str, v: &[f32], relu: bool| -> Vec<f32> {
            let w = store.value(&format!("{name}.weight")).unwrap();
            let b = store.value(&format!("{name}.bias")).unwrap();
            (0..b.len())
                .map(|o| {
                    let z = (0..v.len()).map(|i| w[o * v.len() + i] * v[i]).sum::<f32>() + b[o];
                    if relu {
                        z.max(0.0)
                    } else {
                        z
                    }
                })
                .collect()
        };
        for r in 0..rows {
            let mut v: Vec<f32> = x.insample_y[r * 3..r * 3 + 3].to_vec();
            v.extend_from_slice(&x.hist_exog[r * 6..r * 6 + 6]); // (L, X) time-major
            v.extend_from_slice(&x.futr_exog[r * 5..r * 5 + 5]);
            v.push(x.stat_exog[r]);
            let v = dense(
                "out",
                &dense("mlp.1", &dense("mlp.0", &v, true), true),
                false,
            );
            for (o, want) in v.iter().enumerate() {
                assert!((got[r * 2 + o] - want).abs() < 1e-5, "{got:?} vs {v:?}");
            }
        }
    }

    #[test]
    fn exclude_insample_y_ignores_the_target_window() {
        let build = |exclude: bool| {
            Mlp::from_hyperparams(
                &hp(2, 4, "mae")
                    .with("hidden_size", 8usize)
                    .with("stat_exog_list", vec!["s"])
                    .with("exclude_insample_y", exclude),
            )
            .unwrap()
        };
        let k = nd_kernels::table::active();
        let (m, plain) = (build(true), build(false));
        let store = ParamStore::new(m.layout().clone(), 3);
        let mut x = RandomInput::new(&m, 2, 5);
        let a = predict(&m, k, &store.values, &x.view());
        let with_y = predict(&plain, k, &store.values, &x.view());
        x.insample_y.iter_mut().for_each(|v| *v += 1.0);
        assert_eq!(a, predict(&m, k, &store.values, &x.view()));
        assert_ne!(with_y, predict(&plain, k, &store.values, &x.view()));
    }

    #[test]
    fn defaults_names_and_limits_are_neuralforecasts() {
        let m = Mlp::from_hyperparams(&hp(3, 6, "mqloss(level=[80, 90])")).unwrap();
        let c = m.train_config();
        assert_eq!(
            (c.max_steps, c.learning_rate, c.windows_batch_size),
            (1000, 1e-3, Some(1024))
        );
        assert_eq!(c.inference_windows_batch_size, None);
        assert_eq!(
            m.hyperparams().get("hidden_size").unwrap().as_usize(),
            Some(1024)
        );
        let names: Vec<&str> = m.layout().specs().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "mlp.0.weight",
                "mlp.0.bias",
                "mlp.1.weight",
                "mlp.1.bias",
                "out.weight",
                "out.bias"
            ]
        );
        assert_eq!(m.layout().find("out.weight").unwrap().shape, [3 * 5, 1024]);
        for (name, value) in [
            ("num_layers", 0i64),
            ("hidden_size", 0),
            ("hidden_size", 1 << 20),
        ] {
            let e = Mlp::from_hyperparams(&hp(3, 6, "mae").with(name, value))
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("MLP.{name}")), "{e}");
        }
    }
}
