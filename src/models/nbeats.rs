//! NBEATS, NeuralForecast's `NBEATS`: stacks of fully connected blocks whose coefficients θ
//! expand on an identity, trend or seasonality basis, joined by the doubly residual scheme
//! (each block reads what the blocks before it left of the reversed input window; the
//! forecasts add up on top of the last observed value).
//!
//! ```text
//! r_0 = reverse(y);  θ_i = mlp_i(r_i);  (b_i, f_i) = basis_i(θ_i)
//! r_{i+1} = (r_i − b_i) ⊙ reverse(mask);   y_hat = y[:, L−1] + Σ_i f_i
//! ```
//! The stack driver ([`super::nbeats_stack`]) holds the math, the cache layout and the backward
//! through the residual chain; the bases are in [`super::nbeats_basis`], the θ network in
//! [`super::block_mlp`]. This file reads NeuralForecast's hyperparameters and is the [`Model`]
//! NBEATSx ([`super::nbeatsx`]) also builds.
//!
//! Parameters keep PyTorch's names (`blocks.{i}.layers.{j}.weight`, ...) with the block index i
//! counted over every block, shared ones included: with `shared_weights` the blocks of a stack
//! after its first reuse its parameters, which are named after the first, as PyTorch's
//! `named_parameters()` lists them. The fixed basis matrices (PyTorch parameters with
//! `requires_grad=False`) are not parameters here.
//!
//! Deliberate differences from NeuralForecast: `n_polynomials` is accepted and ignored as in
//! NeuralForecast 3.3 but without its DeprecationWarning; `n_blocks` must have one entry per
//! stack type (NeuralForecast ignores extra entries and fails on missing ones), and at least one
//! block in all (1 024 at most); an empty `stack_types` is refused; errors that NeuralForecast
//! raises as exceptions (h = 1 with a trend or seasonality stack, `dropout_prob_theta > 0`, an
//! unknown stack type, a spline basis with fewer than 4 functions, a linear_hat basis with one)
//! are configuration errors naming the parameter.

use super::hyperparams::{Hyperparams, ParamReader};
use super::nbeats_basis::TREND_BASES;
use super::nbeats_stack::{ResidualStack, Variant};
use super::registry::ModelEntry;
use super::train_config::{TrainConfig, TrainDefaults};
use super::{Mode, Model, ModelInput, Workspace};
use crate::data::scalers::TemporalScalerKind;
use crate::error::Result;
use crate::nn::ParamLayout;
use nd_kernels::table::Kernels;

/// The registry entry.
pub const ENTRY: ModelEntry = ModelEntry {
    name: "nbeats",
    class_name: "NBEATS",
    summary:
        "neural basis expansion: doubly residual stacks of identity, trend and seasonality blocks",
    build: |hp| Ok(Box::new(Nbeats::from_hyperparams(hp)?)),
};

/// NeuralForecast's NBEATS (and NBEATSx) defaults.
pub const DEFAULTS: TrainDefaults = TrainDefaults {
    max_steps: 1000,
    learning_rate: 1e-3,
    batch_size: 32,
    windows_batch_size: Some(1024),
    inference_windows_batch_size: None,
    scaler_type: TemporalScalerKind::Identity,
};

/// An NBEATS or NBEATSx model.
///
/// ```
/// use neuro_divergent::models::{nbeats::Nbeats, Hyperparams, Model};
/// # fn main() -> neuro_divergent::Result<()> {
/// let hp = Hyperparams::new()
///     .with("h", 12)
///     .with("input_size", 36)
///     .with("stack_types", vec!["trend", "seasonality"])
///     .with("n_blocks", vec![2, 1])
///     .with("mlp_units", vec![vec![64, 64]]);
/// let model = Nbeats::from_hyperparams(&hp)?;
/// assert_eq!(model.class_name(), "NBEATS");
/// // Two trend blocks, then one seasonality block, each reading the 36-step window.
/// assert_eq!(model.stack().blocks.len(), 3);
/// assert_eq!(model.stack().d_in(), 36);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Nbeats {
    class_name: &'static str,
    config: TrainConfig,
    hyperparams: Hyperparams,
    layout: ParamLayout,
    stack: ResidualStack,
}

impl Nbeats {
    /// Builds NBEATS from `hp` (`h` and `input_size` required; NeuralForecast's defaults else).
    pub fn from_hyperparams(hp: &Hyperparams) -> Result<Nbeats> {
        let mut r = ParamReader::new("NBEATS", hp);
        let config = TrainConfig::read(&mut r, DEFAULTS, None)?;
        config.check_exog_support("NBEATS", false, false, false)?;
        let harmonics = r.usize("n_harmonics", 2, 0)?;
        // Deprecated and ignored by NeuralForecast 3.3 (it only warns).
        r.opt_usize("n_polynomials", None)?;
        let n_basis = r.usize("n_basis", 2, 0)?;
        let basis = r.string("basis", "polynomial", &TREND_BASES)?;
        let variant = Variant {
            model: "NBEATS",
            trend: (&basis, n_basis),
            harmonics,
            dropout: false,
            exogenous: false,
            exclude_insample_y: false,
        };
        Nbeats::build("NBEATS", r, config, variant)
    }

    /// Reads the stack with `r` after the model-specific hyperparameters and assembles the model.
    pub(super) fn build(
        class_name: &'static str,
        mut r: ParamReader<'_>,
        config: TrainConfig,
        variant: Variant<'_>,
    ) -> Result<Nbeats> {
        let mut layout = ParamLayout::new();
        let stack = ResidualStack::read(&mut r, &mut layout, &config, variant)?;
        let hyperparams = r.finish()?;
        Ok(Nbeats {
            class_name,
            config,
            hyperparams,
            layout,
            stack,
        })
    }

    /// The blocks and their input shape.
    pub fn stack(&self) -> &ResidualStack {
        &self.stack
    }
}

impl Model for Nbeats {
    fn class_name(&self) -> &'static str {
        self.class_name
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
            cache: self.stack.cache_len(rows),
            scratch: self.stack.scratch_len(rows),
        }
    }

    fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &ModelInput<'_>,
        y_hat: &mut [f32],
        cache: &mut [f32],
        scratch: &mut [f32],
        mode: Mode<'_>,
    ) {
        self.stack
            .forward(k, params, x, y_hat, cache, scratch, mode);
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
        self.stack
            .backward(k, params, grads, x, cache, d_y_hat, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::check::{check_model, predict, RandomInput};
    use crate::nn::gradcheck::Tolerance;
    use crate::nn::ParamStore;
    use proptest::prelude::*;

    fn hp(h: usize, l: usize) -> Hyperparams {
        Hyperparams::new().with("h", h).with("input_size", l)
    }

    fn small(h: usize, l: usize, stacks: &[&str], blocks: &[usize]) -> Hyperparams {
        hp(h, l)
            .with("stack_types", stacks.to_vec())
            .with("n_blocks", blocks.to_vec())
            .with("mlp_units", small_units())
            .with("activation", "Tanh")
    }

    fn small_units() -> crate::io::json::Value {
        crate::io::json::Value::Array(
            (0..2)
                .map(|_| crate::io::json::Value::Array(vec![3usize.into(), 3usize.into()]))
                .collect(),
        )
    }

    const STACKS: [&str; 3] = ["identity", "trend", "seasonality"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// Every stack type, one to three blocks, Q = 1 or 3, shared weights or not, and a
        /// smooth activation so finite differences hold (ReLU's kinks are BlockMlp's business).
        #[test]
        fn whole_model_gradients_match_finite_differences(
            h in 2usize..4, l in 1usize..5, rows in 1usize..3,
            kinds in proptest::collection::vec(0usize..3, 1..3),
            blocks in 1usize..3, shared: bool, mq: bool, basis in 0usize..7, seed: u64,
        ) {
            let stacks: Vec<&str> = kinds.iter().map(|&k| STACKS[k]).collect();
            let n_blocks = vec![blocks; stacks.len()];
            let m = Nbeats::from_hyperparams(
                &small(h, l, &stacks, &n_blocks)
                    .with("shared_weights", shared)
                    .with("basis", TREND_BASES[basis])
                    .with("n_basis", 3usize)
                    .with("loss", if mq { "mqloss(level=[80])" } else { "mae" }),
            )
            .unwrap();
            check_model(&m, rows, Tolerance::default(), seed).unwrap();
        }
    }

    /// The forward by hand for one identity block: the level plus θ's forecast part, with θ
    /// from the reversed window.
    #[test]
    fn identity_block_matches_a_hand_computation() {
        let (h, l) = (2, 3);
        let m = Nbeats::from_hyperparams(&small(h, l, &["identity"], &[1])).unwrap();
        let store = ParamStore::new(m.layout().clone(), 5);
        let x = RandomInput::new(&m, 2, 7);
        let got = predict(&m, nd_kernels::table::active(), &store.values, &x.view());
        let dense = |name: &str, v: &[f32], tanh: bool| -> Vec<f32> {
            let w = store.value(&format!("{name}.weight")).unwrap();
            let b = store.value(&format!("{name}.bias")).unwrap();
            (0..b.len())
                .map(|o| {
                    let z = (0..v.len()).map(|i| w[o * v.len() + i] * v[i]).sum::<f32>() + b[o];
                    if tanh {
                        z.tanh()
                    } else {
                        z
                    }
                })
                .collect()
        };
        for r in 0..2 {
            let y: Vec<f32> = x.insample_y[r * l..(r + 1) * l]
                .iter()
                .rev()
                .copied()
                .collect();
            let a0 = dense("blocks.0.layers.0", &y, false);
            let a1 = dense("blocks.0.layers.1", &a0, true);
            let a2 = dense("blocks.0.layers.3", &a1, true);
            let theta = dense("blocks.0.layers.5", &a2, false);
            for t in 0..h {
                let want = x.insample_y[r * l + l - 1] + theta[l + t];
                assert!((got[r * h + t] - want).abs() < 1e-5, "{got:?} {want}");
            }
        }
    }

    /// The second block reads (r − backcast) ⊙ mask: a masked step of the window cannot change
    /// the second block's input there, and the first block's backcast is subtracted.
    #[test]
    fn masked_steps_are_zero_in_later_residuals() {
        let m = Nbeats::from_hyperparams(&small(2, 4, &["identity"], &[2])).unwrap();
        let store = ParamStore::new(m.layout().clone(), 3);
        let mut x = RandomInput::new(&m, 1, 2);
        x.insample_mask = vec![0.0, 1.0, 1.0, 1.0]; // the oldest step is missing
        let ws = m.workspace(1);
        let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
        let mut y = vec![0.0; 2];
        let k = nd_kernels::table::active();
        let view = x.view();
        m.forward(
            k,
            &store.values,
            &view,
            &mut y,
            &mut cache,
            &mut scratch,
            Mode::Predict,
        );
        // Block 1's input is at the start of its cache slot; reversed, the oldest step is last.
        let slot = m.stack().blocks[0].mlp.cache_len(1) + 4;
        let x1 = &cache[slot..slot + 4];
        assert_eq!(x1[3], 0.0);
        let theta_back: Vec<f32> = {
            // Recompute block 0's θ on the reversed window.
            let mut theta = vec![0.0; m.stack().blocks[0].basis.n_theta()];
            let mut c = vec![0.0; m.stack().blocks[0].mlp.cache_len(1)];
            let rev: Vec<f32> = x.insample_y.iter().rev().copied().collect();
            m.stack().blocks[0]
                .mlp
                .forward(k, &store.values, &rev, &mut theta, &mut c, None);
            theta
        };
        for t in 0..3 {
            let want = x.insample_y[3 - t] - theta_back[t];
            assert!((x1[t] - want).abs() < 1e-6, "{x1:?}");
        }
    }

    #[test]
    fn shared_weights_reuse_the_first_block_of_each_stack() {
        let names = |shared: bool| {
            let m = Nbeats::from_hyperparams(
                &small(3, 6, &["trend", "identity"], &[3, 2]).with("shared_weights", shared),
            )
            .unwrap();
            m.layout()
                .specs()
                .iter()
                .filter(|s| s.name.ends_with("layers.0.weight"))
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(true),
            ["blocks.0.layers.0.weight", "blocks.3.layers.0.weight"]
        );
        assert_eq!(names(false).len(), 5);
    }

    #[test]
    fn defaults_and_names_are_neuralforecasts() {
        let m = Nbeats::from_hyperparams(&hp(4, 8).with("loss", "mqloss(level=[80])")).unwrap();
        let c = m.train_config();
        assert_eq!(
            (
                c.max_steps,
                c.learning_rate,
                c.batch_size,
                c.windows_batch_size
            ),
            (1000, 1e-3, 32, Some(1024))
        );
        assert_eq!(c.inference_windows_batch_size, None);
        assert_eq!(c.scaler_type, TemporalScalerKind::Identity);
        let get = |n: &str| m.hyperparams().get(n).unwrap().to_json();
        assert_eq!(get("stack_types"), r#"["identity","trend","seasonality"]"#);
        assert_eq!(get("mlp_units"), "[[512,512],[512,512],[512,512]]");
        assert_eq!(
            (get("n_harmonics"), get("n_basis")),
            ("2".into(), "2".into())
        );
        assert_eq!(get("basis"), "\"polynomial\"");
        // Q = 3: identity θ = L + 3H, trend (3 + 1)·3, seasonality 2·4·(⌈4⌉ − 1).
        let out = |i: usize| {
            m.layout()
                .find(&format!("blocks.{i}.layers.7.weight"))
                .unwrap()
        };
        assert_eq!(out(0).shape, [8 + 12, 512]);
        assert_eq!(out(1).shape, [12, 512]);
        assert_eq!(out(2).shape, [24, 512]);
        assert_eq!(m.layout().specs().len(), 3 * 10);
    }

    #[test]
    fn neuralforecasts_refusals_are_configuration_errors() {
        let cases: Vec<(Hyperparams, &str)> = vec![
            (hp(1, 4), "NBEATS.h"),
            (
                hp(1, 4)
                    .with("stack_types", vec!["seasonality"])
                    .with("n_blocks", vec![1usize]),
                "NBEATS.h",
            ),
            (
                hp(3, 4).with("dropout_prob_theta", 0.1),
                "NBEATS.dropout_prob_theta",
            ),
            (
                hp(3, 4)
                    .with("stack_types", vec!["exogenous"])
                    .with("n_blocks", vec![1usize]),
                "NBEATS.stack_types",
            ),
            (
                hp(3, 4).with("stack_types", vec!["identity"]),
                "NBEATS.n_blocks",
            ),
            (
                hp(3, 4).with("n_blocks", vec![0usize, 0, 0]),
                "NBEATS.n_blocks",
            ),
            (hp(3, 4).with("activation", "GELU"), "NBEATS.activation"),
            (hp(3, 4).with("basis", "fourier"), "NBEATS.basis"),
            (hp(3, 4).with("basis", "spline"), "NBEATS.n_basis"),
            (
                hp(3, 4).with("futr_exog_list", vec!["f"]),
                "NBEATS.futr_exog_list",
            ),
            (
                hp(3, 4).with("exclude_insample_y", true),
                "NBEATS.exclude_insample_y",
            ),
        ];
        for (given, param) in cases {
            let e = Nbeats::from_hyperparams(&given).unwrap_err().to_string();
            assert!(e.contains(param), "{param}: {e}");
        }
        // Accepted: h = 1 with identity stacks only, and the deprecated n_polynomials.
        let ok = hp(1, 4)
            .with("stack_types", vec!["identity"])
            .with("n_blocks", vec![2usize])
            .with("n_polynomials", 3usize);
        assert!(Nbeats::from_hyperparams(&ok).is_ok());
    }
}
