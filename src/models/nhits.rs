//! NHITS, NeuralForecast's `NHITS` (Challu et al. 2023): a chain of blocks, each pooling the
//! residual of the input window at its own rate, predicting a backcast and a few forecast knots
//! with an MLP, and interpolating the knots to the horizon.
//!
//! ```text
//! r_0 = flip(y)                       (B, L)   the input window, newest step first
//! m   = flip(insample_mask)           (B, L)
//! ŷ   = y[:, L−1]  broadcast          (B, H, Q)   the Naive1 level
//! for each block i (stacks in order, n_blocks[s] blocks per stack s):
//!     backcast_i, forecast_i = block_i(r_{i−1}, exogenous)      (see [`super::nhits_block`])
//!     r_i = (r_{i−1} − backcast_i) ⊙ m
//!     ŷ  += forecast_i
//! ```
//!
//! Every block of stack s uses that stack's `n_pool_kernel_size[s]` and `n_freq_downsample[s]`;
//! all blocks share `mlp_units`, `pooling_mode`, `interpolation_mode`, `activation` and
//! `dropout_prob_theta`. Only the target is flipped: the blocks pool the exogenous inputs in
//! time order, as NeuralForecast's `forward` passes them. With `exclude_insample_y` the target
//! is zeros (NeuralForecast multiplies it by 0), so the level and the first residual are 0.
//!
//! Backward runs the chain in reverse with dr, the gradient of the current residual (zero after
//! the last block, whose residual nothing reads):
//!
//! ```text
//! dθ_i[:, :L] = −dr ⊙ m,   dθ_i[:, L:] = interpolateᵀ(dŷ)
//! dr ← dr ⊙ m + poolᵀ(dx_i[:, :L'])      dx_i from the block's MLP backward
//! ```
//!
//! The inputs (target, mask, exogenous) are data and get no gradient.
//!
//! Parameters keep PyTorch's names (`blocks.{i}.layers.{j}.weight`, i counting blocks across
//! stacks), so a state dict maps onto the [`ParamStore`](crate::nn::ParamStore) one to one.
//!
//! Cache: each block's cache ([`NhitsBlock`]) in block order.
//! Scratch: the residual r, reused as dr by backward (B, L); θ, reused as dθ (B, max n_theta);
//! then the largest block scratch.
//!
//! Deliberate differences from NeuralForecast: `n_blocks`, `n_pool_kernel_size` and
//! `n_freq_downsample` must have exactly as many entries as `stack_types` (NeuralForecast
//! ignores extra entries); at least one block in all (NeuralForecast would build a model
//! without parameters, which its optimizer refuses); cubic interpolation with a multi-output
//! loss is refused when the model is built (NeuralForecast raises at the first forward);
//! `n_pool_kernel_size` and `n_freq_downsample` of 0 are configuration errors (PyTorch and
//! Python raise); categorical exogenous embeddings (`cat_exog_list`) and
//! `decompose_forecast` are not supported; the parameter count is capped at 2³⁰.

use super::block_mlp::{check_mlp_units, BlockMlp};
use super::hyperparams::{Hyperparams, ParamReader};
use super::nhits_block::{BlockShape, NhitsBlock};
use super::registry::ModelEntry;
use super::train_config::{check_param_count, TrainConfig, TrainDefaults};
use super::{Mode, Model, ModelInput, Workspace};
use crate::data::scalers::TemporalScalerKind;
use crate::error::{Error, Result};
use crate::io::json::Value;
use crate::nn::activation::NamedActivation;
use crate::nn::dropout::Dropout;
use crate::nn::interpolate::InterpolationMode;
use crate::nn::pool::PoolKind;
use crate::nn::ParamLayout;
use nd_kernels::table::Kernels;

/// The registry entry.
pub const ENTRY: ModelEntry = ModelEntry {
    name: "nhits",
    class_name: "NHITS",
    summary: "neural hierarchical interpolation: pooled residual blocks with interpolated knots",
    build: |hp| Ok(Box::new(Nhits::from_hyperparams(hp)?)),
};

/// NeuralForecast's NHITS defaults.
pub const DEFAULTS: TrainDefaults = TrainDefaults {
    max_steps: 1000,
    learning_rate: 1e-3,
    batch_size: 32,
    windows_batch_size: Some(1024),
    inference_windows_batch_size: None,
    scaler_type: TemporalScalerKind::Identity,
};

/// NeuralForecast's `ACTIVATIONS` for NHITS.
const ACTIVATIONS: [&str; 7] = [
    "ReLU",
    "Softplus",
    "Tanh",
    "SELU",
    "LeakyReLU",
    "PReLU",
    "Sigmoid",
];

/// The NHITS model.
///
/// ```
/// use neuro_divergent::models::{nhits::Nhits, Hyperparams, Model};
/// # fn main() -> neuro_divergent::Result<()> {
/// let hp = Hyperparams::new()
///     .with("h", 12)
///     .with("input_size", 24)
///     .with("mlp_units", vec![vec![64, 64]; 3])
///     .with("n_freq_downsample", vec![4, 2, 1]);
/// let model = Nhits::from_hyperparams(&hp)?;
/// // Three stacks of one block; each block's θ holds the backcast (24 values) and
/// // 12 / n_freq_downsample knots that are interpolated to the 12-step forecast.
/// let theta: Vec<usize> = model.blocks().iter().map(|b| b.n_theta()).collect();
/// assert_eq!(theta, [24 + 3, 24 + 6, 24 + 12]);
/// assert_eq!(model.alias(), "NHITS");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Nhits {
    config: TrainConfig,
    hyperparams: Hyperparams,
    layout: ParamLayout,
    /// Zero the target window.
    exclude_insample_y: bool,
    blocks: Vec<NhitsBlock>,
    /// Largest n_theta over the blocks.
    max_theta: usize,
}

/// An error naming `NHITS.{param}`.
fn config_error(param: &str, message: impl std::fmt::Display) -> Error {
    Error::config(&format!("NHITS.{param}"), message)
}

impl Nhits {
    /// Builds NHITS from `hp` (`h` and `input_size` required; NeuralForecast's defaults else).
    pub fn from_hyperparams(hp: &Hyperparams) -> Result<Nhits> {
        let mut r = ParamReader::new("NHITS", hp);
        let config = TrainConfig::read(&mut r, DEFAULTS, None)?;
        config.check_exog_support("NHITS", true, true, true)?;
        let exclude_insample_y = r.bool("exclude_insample_y", false)?;
        // An absent list takes the default; a given one (even empty) is checked as given.
        let stack_types = if hp.get("stack_types").is_some_and(|v| *v != Value::Null) {
            r.string_list("stack_types")?
        } else {
            let default = vec!["identity".to_string(); 3];
            r.record("stack_types", default.clone());
            default
        };
        let n_blocks = r.usize_list("n_blocks", &[1, 1, 1])?;
        let mlp_units = r.usize_pairs("mlp_units", &[[512, 512]; 3])?;
        let kernels = r.usize_list("n_pool_kernel_size", &[2, 2, 1])?;
        let downsample = r.usize_list("n_freq_downsample", &[4, 2, 1])?;
        let pooling_name = r.string("pooling_mode", "MaxPool1d", &[])?;
        let interpolation_name = r.string("interpolation_mode", "linear", &[])?;
        let dropout_prob = r.f64("dropout_prob_theta", 0.0, 0.0..=1.0)?;
        let activation_name = r.string("activation", "ReLU", &[])?;
        let hyperparams = r.finish()?;

        if stack_types.is_empty() {
            return Err(config_error("stack_types", "needs at least one stack"));
        }
        if let Some(bad) = stack_types.iter().find(|s| *s != "identity") {
            return Err(config_error(
                "stack_types",
                format_args!("block type '{bad}' not found; NHITS has only 'identity'"),
            ));
        }
        for (name, list) in [
            ("n_blocks", &n_blocks),
            ("n_pool_kernel_size", &kernels),
            ("n_freq_downsample", &downsample),
        ] {
            if list.len() != stack_types.len() {
                return Err(config_error(
                    name,
                    format_args!(
                        "has {} entries but stack_types has {} stacks; give one per stack",
                        list.len(),
                        stack_types.len()
                    ),
                ));
            }
        }
        for (name, list) in [
            ("n_pool_kernel_size", &kernels),
            ("n_freq_downsample", &downsample),
        ] {
            if let Some(s) = list.iter().position(|&v| v == 0) {
                return Err(config_error(
                    name,
                    format_args!("stack {s} has 0; every entry must be at least 1"),
                ));
            }
        }
        if n_blocks.iter().all(|&n| n == 0) {
            return Err(config_error("n_blocks", "needs at least one block in all"));
        }
        check_mlp_units("NHITS", &mlp_units)?;
        // The layers' own errors name their generic parameter; these name NHITS's.
        let pooling = PoolKind::from_name(&pooling_name).map_err(|_| {
            config_error(
                "pooling_mode",
                format_args!("'{pooling_name}' is not one of MaxPool1d, AvgPool1d"),
            )
        })?;
        let interpolation = InterpolationMode::from_name(&interpolation_name).map_err(|_| {
            config_error(
                "interpolation_mode",
                format_args!(
                    "'{interpolation_name}' is not linear, nearest or a name containing 'cubic'"
                ),
            )
        })?;
        let q = config.loss.outputsize_multiplier();
        if interpolation == InterpolationMode::Cubic && q > 1 {
            return Err(config_error(
                "interpolation_mode",
                format_args!(
                    "cubic interpolation is not available with multiple outputs (the loss \
                     gives {q} per step); use linear or nearest"
                ),
            ));
        }
        if !ACTIVATIONS.contains(&activation_name.as_str()) {
            return Err(config_error(
                "activation",
                format_args!(
                    "'{activation_name}' is not one of {}",
                    ACTIVATIONS.join(", ")
                ),
            ));
        }
        let activation = NamedActivation::from_name(&activation_name)?;
        let dropout = Dropout::new(dropout_prob as f32)?; // in [0, 1], read above

        let shapes: Vec<BlockShape<'_>> = (0..stack_types.len())
            .flat_map(|s| {
                let shape = BlockShape {
                    input_size: config.input_size,
                    h: config.h,
                    n_outputs: q,
                    n_hist: config.hist_exog_list.len(),
                    n_futr: config.futr_exog_list.len(),
                    n_stat: config.stat_exog_list.len(),
                    pool_kernel: kernels[s],
                    pooling,
                    freq_downsample: downsample[s],
                    interpolation,
                    mlp_units: &mlp_units,
                    activation,
                    dropout,
                };
                std::iter::repeat_n(shape, n_blocks[s])
            })
            .collect();
        // Sizes in u128 so absurd values are refused instead of overflowing.
        let n_params: u128 = shapes
            .iter()
            .map(|s| {
                let wide = |v: usize| v as u128;
                let (lp, lf) = s.pooled_lengths();
                let d_in = wide(lp) * (1 + wide(s.n_hist)) + wide(lf) * wide(s.n_futr);
                let d_in = d_in + wide(s.n_stat);
                let d_in = usize::try_from(d_in).unwrap_or(usize::MAX);
                BlockMlp::param_count(d_in, &mlp_units, s.n_theta())
            })
            .sum();
        check_param_count("NHITS", "mlp_units", n_params)?;
        let mut layout = ParamLayout::new();
        let blocks: Vec<NhitsBlock> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| NhitsBlock::new(&mut layout, &format!("blocks.{i}"), s))
            .collect();
        let max_theta = blocks.iter().map(NhitsBlock::n_theta).max().unwrap_or(0);
        Ok(Nhits {
            config,
            hyperparams,
            layout,
            exclude_insample_y,
            blocks,
            max_theta,
        })
    }

    /// The blocks, in order.
    pub fn blocks(&self) -> &[NhitsBlock] {
        &self.blocks
    }

    /// Floats of cache for `rows` rows.
    fn cache_len(&self, rows: usize) -> usize {
        self.blocks.iter().map(|b| b.cache_len(rows)).sum()
    }

    /// Splits the scratch into r or dr (B, L), θ or dθ (B, max n_theta), and the blocks'.
    fn split_scratch<'s>(
        &self,
        scratch: &'s mut [f32],
        rows: usize,
    ) -> (&'s mut [f32], &'s mut [f32], &'s mut [f32]) {
        let (res, rest) = scratch.split_at_mut(rows * self.config.input_size);
        let (theta, blocks) = rest.split_at_mut(rows * self.max_theta);
        (res, theta, blocks)
    }
}

impl Model for Nhits {
    fn class_name(&self) -> &'static str {
        "NHITS"
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
        let blocks = self.blocks.iter().map(|b| b.scratch_len(rows)).max();
        Workspace {
            cache: self.cache_len(rows),
            scratch: rows * (self.config.input_size + self.max_theta) + blocks.unwrap_or(0),
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
        let (rows, l, h, q) = (
            x.rows,
            self.config.input_size,
            self.config.h,
            self.n_outputs(),
        );
        let mut rng = match mode {
            Mode::Train(r) => Some(r),
            Mode::Predict => None,
        };
        let (res, theta, block_scratch) = self.split_scratch(scratch, rows);
        let y_hat = &mut y_hat[..rows * h * q];
        for (r, (res_row, out)) in res
            .chunks_exact_mut(l)
            .zip(y_hat.chunks_exact_mut(h * q))
            .enumerate()
        {
            let y = &x.insample_y[r * l..(r + 1) * l];
            if self.exclude_insample_y {
                res_row.fill(0.0);
            } else {
                res_row
                    .iter_mut()
                    .zip(y.iter().rev())
                    .for_each(|(a, b)| *a = *b);
            }
            out.fill(res_row[0]);
        }
        let mut cache = &mut cache[..self.cache_len(rows)];
        let last = self.blocks.len() - 1;
        for (i, block) in self.blocks.iter().enumerate() {
            let (block_cache, tail) = cache.split_at_mut(block.cache_len(rows));
            cache = tail;
            block.forward(
                k,
                params,
                res,
                x,
                theta,
                y_hat,
                block_cache,
                block_scratch,
                rng.as_deref_mut(),
            );
            if i == last {
                break; // the last residual is never read
            }
            let n = block.n_theta();
            for r in 0..rows {
                let mask = &x.insample_mask[r * l..(r + 1) * l];
                let backcast = &theta[r * n..r * n + l];
                let row = &mut res[r * l..(r + 1) * l];
                for ((v, b), m) in row.iter_mut().zip(backcast).zip(mask.iter().rev()) {
                    *v = (*v - b) * m;
                }
            }
        }
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
        let (rows, l) = (x.rows, self.config.input_size);
        let (d_res, d_theta, block_scratch) = self.split_scratch(scratch, rows);
        d_res.fill(0.0);
        let mut end = self.cache_len(rows);
        for (i, block) in self.blocks.iter().enumerate().rev() {
            let start = end - block.cache_len(rows);
            let block_cache = &cache[start..end];
            end = start;
            let n = block.n_theta();
            for r in 0..rows {
                let mask = &x.insample_mask[r * l..(r + 1) * l];
                let d_row = &mut d_res[r * l..(r + 1) * l];
                let d_backcast = &mut d_theta[r * n..r * n + l];
                for ((dr, db), m) in d_row.iter_mut().zip(d_backcast).zip(mask.iter().rev()) {
                    *db = -*dr * m;
                    *dr *= m;
                }
            }
            // The first block's residual is the data: nothing flows further back.
            let d_residuals = if i == 0 { None } else { Some(&mut *d_res) };
            block.backward(
                k,
                params,
                grads,
                rows,
                block_cache,
                d_theta,
                d_y_hat,
                d_residuals,
                block_scratch,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::check::{check_model, predict, RandomInput};
    use crate::nn::gradcheck::Tolerance;
    use crate::nn::ParamStore;
    use crate::rng::Rng;
    use proptest::prelude::*;

    fn hp(h: usize, l: usize) -> Hyperparams {
        Hyperparams::new().with("h", h).with("input_size", l)
    }

    fn names(p: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{p}{i}")).collect()
    }

    /// A small NHITS of `stacks` stacks, one block each.
    #[allow(clippy::too_many_arguments)]
    fn small(
        h: usize,
        l: usize,
        kernels: &[usize],
        downsample: &[usize],
        pooling: &str,
        interpolation: &str,
        activation: &str,
        loss: &str,
        exog: [usize; 3],
    ) -> Nhits {
        let stacks = kernels.len();
        Nhits::from_hyperparams(
            &hp(h, l)
                .with("stack_types", vec!["identity"; stacks])
                .with("n_blocks", vec![1usize; stacks])
                .with("mlp_units", vec![vec![3usize, 3], vec![3, 2]])
                .with("n_pool_kernel_size", kernels.to_vec())
                .with("n_freq_downsample", downsample.to_vec())
                .with("pooling_mode", pooling)
                .with("interpolation_mode", interpolation)
                .with("activation", activation)
                .with("loss", loss)
                .with("hist_exog_list", names("h", exog[0]))
                .with("futr_exog_list", names("f", exog[1]))
                .with("stat_exog_list", names("s", exog[2])),
        )
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Smooth activation and average pooling: no kinks anywhere, so every case must pass.
        /// Covers every interpolation (cubic only with one output, as NeuralForecast), Q > 1,
        /// every exogenous kind, kernels longer than the window and downsampling beyond h.
        #[test]
        fn whole_model_gradients_match_finite_differences(
            h in 1usize..5, l in 1usize..7, rows in 1usize..3,
            kernels in proptest::collection::vec(1usize..5, 1..4),
            downsample_seed in 0u64..1000, interp in 0usize..3, mq: bool,
            exog in proptest::array::uniform3(0usize..3), seed: u64,
        ) {
            let downsample: Vec<usize> =
                (0..kernels.len()).map(|s| 1 + (downsample_seed as usize >> s) % 6).collect();
            let interpolation = ["linear", "nearest", "cubic"][interp];
            let loss = if mq && interpolation != "cubic" { "mqloss(level=[80])" } else { "mae" };
            let m = small(h, l, &kernels, &downsample, "AvgPool1d", interpolation, "Tanh", loss,
                exog);
            check_model(&m, rows, Tolerance::default(), seed).unwrap();
        }
    }

    /// Max pooling has kinks (a window's maximum changing hands under the finite-difference
    /// step makes the difference meaningless), and so has ReLU: most seeds, not all, must pass.
    #[test]
    fn max_pooling_gradients_match_on_most_seeds() {
        let cases = 40;
        // Measured: Tanh 39 of 40, ReLU 30 of 40 (deterministic seeds).
        for (activation, at_least) in [("Tanh", 36), ("ReLU", 24)] {
            let passed = (0..cases)
                .filter(|&seed| {
                    let m = small(
                        3,
                        6,
                        &[3, 2, 1],
                        &[3, 2, 1],
                        "MaxPool1d",
                        if seed % 2 == 0 { "linear" } else { "nearest" },
                        activation,
                        "mae",
                        [1, 1, 1],
                    );
                    check_model(&m, 2, Tolerance::default(), seed).is_ok()
                })
                .count();
            println!("max pooling with {activation}: {passed} of {cases} seeds pass");
            assert!(passed >= at_least, "{activation}: only {passed} of {cases}");
        }
    }

    /// Level, residual chain and block forecasts by hand for one block whose θ network is
    /// replaced by known numbers: a block with all-zero weights and a chosen output bias gives
    /// θ = bias exactly.
    #[test]
    fn forward_adds_the_naive_level_and_interpolated_knots() {
        let (h, l) = (4, 3);
        let m = Nhits::from_hyperparams(
            &hp(h, l)
                .with("stack_types", vec!["identity"])
                .with("n_blocks", vec![1usize])
                .with("mlp_units", vec![vec![2usize, 2]])
                .with("n_pool_kernel_size", vec![1usize])
                .with("n_freq_downsample", vec![2usize]),
        )
        .unwrap();
        let mut store = ParamStore::new(m.layout().clone(), 1);
        store.values.iter_mut().for_each(|v| *v = 0.0);
        // n_theta = L + K = 3 + 2: backcast [..3], knots [3, 5].
        let bias = store.value_mut("blocks.0.layers.3.bias").unwrap();
        bias.copy_from_slice(&[9.0, 9.0, 9.0, 1.0, 3.0]);
        let x = RandomInput::new(&m, 2, 3);
        let y = predict(&m, nd_kernels::table::active(), &store.values, &x.view());
        // Linear, align_corners=False, 2 → 4: [1, 1.5, 2.5, 3].
        for r in 0..2 {
            let level = x.insample_y[r * l + l - 1];
            for (t, knot) in [1.0, 1.5, 2.5, 3.0].iter().enumerate() {
                assert!((y[r * h + t] - (level + knot)).abs() < 1e-6, "{y:?}");
            }
        }
    }

    #[test]
    fn exclude_insample_y_ignores_the_target_window() {
        let build = |exclude: bool| {
            Nhits::from_hyperparams(
                &hp(2, 4)
                    .with("mlp_units", vec![vec![4usize, 4]])
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
    fn dropout_acts_in_training_only() {
        let m = Nhits::from_hyperparams(
            &hp(3, 6)
                .with("mlp_units", vec![vec![16usize, 16]])
                .with("dropout_prob_theta", 0.5),
        )
        .unwrap();
        let k = nd_kernels::table::active();
        let store = ParamStore::new(m.layout().clone(), 2);
        let x = RandomInput::new(&m, 2, 4);
        let ws = m.workspace(2);
        let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
        let mut train = vec![0.0; 6];
        let mut rng = Rng::seed_from(1);
        m.forward(
            k,
            &store.values,
            &x.view(),
            &mut train,
            &mut cache,
            &mut scratch,
            Mode::Train(&mut rng),
        );
        let infer = predict(&m, k, &store.values, &x.view());
        assert_eq!(infer, predict(&m, k, &store.values, &x.view()));
        assert_ne!(train, infer);
    }

    #[test]
    fn defaults_names_and_limits_are_neuralforecasts() {
        let m = Nhits::from_hyperparams(&hp(12, 24)).unwrap();
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
        assert_eq!(m.blocks().len(), 3);
        // Pooled widths ⌈24/2⌉, ⌈24/2⌉, 24; knots 12/4, 12/2, 12.
        let widths: Vec<_> = m.blocks().iter().map(|b| b.input_width()).collect();
        let thetas: Vec<_> = m.blocks().iter().map(|b| b.n_theta()).collect();
        assert_eq!((widths, thetas), (vec![12, 12, 24], vec![27, 30, 36]));
        let names: Vec<&str> = m.layout().specs().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), 3 * 5 * 2);
        assert_eq!(
            &names[..10],
            [
                "blocks.0.layers.0.weight",
                "blocks.0.layers.0.bias",
                "blocks.0.layers.1.weight",
                "blocks.0.layers.1.bias",
                "blocks.0.layers.3.weight",
                "blocks.0.layers.3.bias",
                "blocks.0.layers.5.weight",
                "blocks.0.layers.5.bias",
                "blocks.0.layers.7.weight",
                "blocks.0.layers.7.bias",
            ]
        );
        assert_eq!(
            m.layout().find("blocks.2.layers.7.weight").unwrap().shape,
            [36, 512]
        );
        // The resolved hyperparameters survive a model file's JSON.
        let json = Hyperparams::from_json(&m.hyperparams().to_json()).unwrap();
        let again = Nhits::from_hyperparams(&json).unwrap();
        assert_eq!(again.layout(), m.layout());
        assert_eq!(again.hyperparams(), m.hyperparams());
    }

    #[test]
    fn bad_hyperparameters_are_errors_naming_them() {
        let cases: Vec<(&str, Hyperparams)> = vec![
            (
                "stack_types",
                hp(4, 8).with("stack_types", vec!["trend"; 3]),
            ),
            (
                "stack_types",
                hp(4, 8).with("stack_types", Vec::<String>::new()),
            ),
            ("n_blocks", hp(4, 8).with("n_blocks", vec![1usize, 1])),
            ("n_blocks", hp(4, 8).with("n_blocks", vec![0usize, 0, 0])),
            (
                "n_pool_kernel_size",
                hp(4, 8).with("n_pool_kernel_size", vec![2usize, 0, 1]),
            ),
            (
                "n_freq_downsample",
                hp(4, 8).with("n_freq_downsample", vec![4usize]),
            ),
            (
                "n_freq_downsample",
                hp(4, 8).with("n_freq_downsample", vec![0usize, 1, 1]),
            ),
            (
                "mlp_units",
                hp(4, 8).with("mlp_units", vec![vec![8usize, 8], vec![4, 8]]),
            ),
            ("mlp_units", hp(4, 8).with("mlp_units", vec![8usize, 8])),
            (
                "mlp_units",
                hp(4, 8).with("mlp_units", vec![vec![1usize << 20, 1 << 20]]),
            ),
            ("pooling_mode", hp(4, 8).with("pooling_mode", "maxpool")),
            (
                "interpolation_mode",
                hp(4, 8).with("interpolation_mode", "spline"),
            ),
            (
                "interpolation_mode",
                hp(4, 8)
                    .with("interpolation_mode", "cubic")
                    .with("loss", "mqloss(level=[80])"),
            ),
            ("activation", hp(4, 8).with("activation", "GELU")),
            (
                "dropout_prob_theta",
                hp(4, 8).with("dropout_prob_theta", 1.5),
            ),
        ];
        for (param, hp) in cases {
            let e = Nhits::from_hyperparams(&hp).unwrap_err().to_string();
            assert!(e.contains(&format!("NHITS.{param}")), "{param}: {e}");
        }
        // NeuralForecast accepts any name containing "cubic".
        assert!(Nhits::from_hyperparams(&hp(4, 8).with("interpolation_mode", "bicubic")).is_ok());
    }
}
