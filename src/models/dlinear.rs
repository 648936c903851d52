//! DLinear (Zeng et al. 2023, "Are Transformers Effective for Time Series Forecasting?"),
//! NeuralForecast's `DLinear`: split the window into a moving-average trend and the seasonal
//! remainder, map each to the horizon with its own linear layer, and add the two.
//!
//! ```text
//! trend, season = SeriesDecomp(moving_avg_window)(y)          (B, L) each, season = y − trend
//! y_hat = trend·W_tᵀ + b_t + season·W_sᵀ + b_s                (B, H·Q) viewed as (B, H, Q)
//! ```
//! The moving average replicates the first and last values at the ends, as NeuralForecast's
//! `MovingAvg` does ([`SeriesDecomp`]); `moving_avg_window` must be odd (NeuralForecast raises
//! for even windows too) and may exceed `input_size`. Parameters keep PyTorch's names
//! (`linear_trend.weight`, ..., `linear_season.bias`).
//!
//! Backward: both layers receive d_y_hat; the inputs are data, so the decomposition has no
//! backward here. Cache: trend and season (B, L) each. Scratch: the seasonal part of the
//! forecast (B, H·Q) during forward.
//!
//! Like NeuralForecast's (EXOGENOUS_FUTR/HIST/STAT all False), it refuses exogenous lists and
//! `exclude_insample_y=true`.

use super::hyperparams::{Hyperparams, ParamReader};
use super::registry::ModelEntry;
use super::train_config::{TrainConfig, TrainDefaults, MAX_PARAMS};
use super::{Mode, Model, ModelInput, Workspace};
use crate::data::scalers::TemporalScalerKind;
use crate::error::{Error, Result};
use crate::nn::{Linear, ParamLayout, SeriesDecomp};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// The registry entry.
pub const ENTRY: ModelEntry = ModelEntry {
    name: "dlinear",
    class_name: "DLinear",
    summary: "linear maps of the window's moving-average trend and remainder (Zeng et al. 2023)",
    build: |hp| Ok(Box::new(DLinear::from_hyperparams(hp)?)),
};

/// NeuralForecast's DLinear defaults.
pub const DEFAULTS: TrainDefaults = TrainDefaults {
    max_steps: 5000,
    learning_rate: 1e-4,
    batch_size: 32,
    windows_batch_size: Some(1024),
    inference_windows_batch_size: Some(1024),
    scaler_type: TemporalScalerKind::Identity,
};

/// The DLinear model.
///
/// ```
/// use neuro_divergent::models::ModelBuilder;
/// # fn main() -> neuro_divergent::Result<()> {
/// let model = ModelBuilder::new("DLinear", 12)
///     .input_size(36)
///     .set("moving_avg_window", 5usize)
///     .build()?;
/// // Two linear maps from the window to the horizon: one for the trend, one for the rest.
/// assert_eq!(model.layout().n_params(), 2 * (36 + 1) * 12);
/// // An even moving-average window has no centre: refused, naming the parameter.
/// let err = ModelBuilder::new("DLinear", 12).input_size(36).set("moving_avg_window", 4usize).build();
/// assert!(err.unwrap_err().to_string().contains("moving_avg_window"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct DLinear {
    config: TrainConfig,
    hyperparams: Hyperparams,
    layout: ParamLayout,
    /// Trend / remainder split of the (B, L) window.
    decomp: SeriesDecomp,
    /// L → H·Q on the trend.
    linear_trend: Linear,
    /// L → H·Q on the remainder.
    linear_season: Linear,
}

impl DLinear {
    /// Builds DLinear from `hp` (`h` and `input_size` required; NeuralForecast's defaults else).
    pub fn from_hyperparams(hp: &Hyperparams) -> Result<DLinear> {
        let mut r = ParamReader::new("DLinear", hp);
        let config = TrainConfig::read(&mut r, DEFAULTS, None)?;
        config.check_exog_support("DLinear", false, false, false)?;
        if r.bool("exclude_insample_y", false)? {
            return Err(Error::config(
                "DLinear.exclude_insample_y",
                "DLinear takes no exogenous inputs, so it cannot exclude the target window",
            ));
        }
        let window = r.i64("moving_avg_window", 25, 1..=1_000_001)? as usize;
        let hyperparams = r.finish()?;
        if window.is_multiple_of(2) {
            return Err(Error::config(
                "DLinear.moving_avg_window",
                format_args!("must be odd, got {window}"),
            ));
        }
        let decomp = SeriesDecomp::new(window, config.input_size, 1)?;
        let q = config.loss.outputsize_multiplier();
        let n_params = 2 * (config.input_size as u128 + 1) * config.h as u128 * q as u128;
        if n_params > MAX_PARAMS {
            return Err(Error::config(
                "DLinear.input_size",
                format_args!(
                    "input_size={} with h={} gives {n_params} parameters; at most {MAX_PARAMS} \
                     are allowed",
                    config.input_size, config.h
                ),
            ));
        }
        let (l, out) = (config.input_size, config.h * q);
        let mut layout = ParamLayout::new();
        let linear_trend = Linear::new(
            &mut layout,
            "linear_trend",
            l,
            out,
            true,
            Activation::Identity,
        );
        let linear_season = Linear::new(
            &mut layout,
            "linear_season",
            l,
            out,
            true,
            Activation::Identity,
        );
        Ok(DLinear {
            config,
            hyperparams,
            layout,
            decomp,
            linear_trend,
            linear_season,
        })
    }
}

impl Model for DLinear {
    fn class_name(&self) -> &'static str {
        "DLinear"
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
            // trend and season, (B, L) each.
            cache: 2 * rows * self.config.input_size,
            // The seasonal forecast (B, H·Q) during forward.
            scratch: rows * self.linear_season.d_out,
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
        _mode: Mode<'_>,
    ) {
        let (l, rows, out) = (self.config.input_size, x.rows, self.linear_trend.d_out);
        let (trend, season) = cache[..2 * rows * l].split_at_mut(rows * l); // (B, L) each
        self.decomp
            .forward(&x.insample_y[..rows * l], trend, season);
        let y_hat = &mut y_hat[..rows * out]; // (B, H·Q)
        let seasonal = &mut scratch[..rows * out]; // (B, H·Q)
        self.linear_trend.forward_inference(k, params, trend, y_hat);
        self.linear_season
            .forward_inference(k, params, season, seasonal);
        (k.add_assign)(y_hat, seasonal);
    }

    fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &ModelInput<'_>,
        cache: &[f32],
        d_y_hat: &[f32],
        _scratch: &mut [f32],
    ) {
        let (l, rows, out) = (self.config.input_size, x.rows, self.linear_trend.d_out);
        let (trend, season) = cache[..2 * rows * l].split_at(rows * l);
        let dy = &d_y_hat[..rows * out];
        // Identity activations read neither y, the layer cache nor scratch.
        for (layer, input) in [(&self.linear_trend, trend), (&self.linear_season, season)] {
            layer.backward(k, params, grads, input, &[], &[], dy, None, &mut []);
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

    fn build(h: usize, l: usize, window: usize, loss: &str) -> DLinear {
        let hp = Hyperparams::new()
            .with("h", h)
            .with("input_size", l)
            .with("moving_avg_window", window)
            .with("loss", loss);
        DLinear::from_hyperparams(&hp).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn whole_model_gradients_match_finite_differences(
            h in 1usize..4, l in 1usize..8, half in 0usize..4, rows in 1usize..4, mq: bool,
            seed: u64,
        ) {
            let m = build(h, l, 2 * half + 1, if mq { "mqloss(level=[80])" } else { "mae" });
            check_model(&m, rows, Tolerance::default(), seed).unwrap();
        }
    }

    #[test]
    fn forecast_is_the_sum_of_trend_and_remainder_maps() {
        let (h, l, window) = (2, 5, 3);
        let m = build(h, l, window, "mae");
        let store = ParamStore::new(m.layout().clone(), 8);
        let x = RandomInput::new(&m, 2, 3);
        let y = predict(&m, nd_kernels::table::active(), &store.values, &x.view());
        let value = |n: &str| store.value(n).unwrap();
        let (wt, bt) = (value("linear_trend.weight"), value("linear_trend.bias"));
        let (ws, bs) = (value("linear_season.weight"), value("linear_season.bias"));
        for r in 0..2 {
            let win = &x.insample_y[r * l..(r + 1) * l];
            // Edge-replicated centred mean of width 3.
            let at = |i: isize| win[i.clamp(0, l as isize - 1) as usize];
            let trend: Vec<f32> = (0..l as isize)
                .map(|i| (at(i - 1) + at(i) + at(i + 1)) / 3.0)
                .collect();
            for o in 0..h {
                let want: f32 = (0..l)
                    .map(|i| trend[i] * wt[o * l + i] + (win[i] - trend[i]) * ws[o * l + i])
                    .sum::<f32>()
                    + bt[o]
                    + bs[o];
                assert!(
                    (y[r * h + o] - want).abs() < 1e-5,
                    "{} vs {want}",
                    y[r * h + o]
                );
            }
        }
    }

    #[test]
    fn defaults_names_and_refusals_are_neuralforecasts() {
        let m = DLinear::from_hyperparams(
            &Hyperparams::new()
                .with("h", 4usize)
                .with("input_size", 8usize),
        )
        .unwrap();
        let c = m.train_config();
        assert_eq!(
            (c.max_steps, c.learning_rate, c.windows_batch_size),
            (5000, 1e-4, Some(1024))
        );
        assert_eq!(c.inference_windows_batch_size, Some(1024));
        assert_eq!(m.decomp.kernel, 25);
        let names: Vec<&str> = m.layout().specs().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "linear_trend.weight",
                "linear_trend.bias",
                "linear_season.weight",
                "linear_season.bias"
            ]
        );
        let base = || {
            Hyperparams::new()
                .with("h", 4usize)
                .with("input_size", 8usize)
        };
        for (hp, what) in [
            (
                base().with("hist_exog_list", vec!["x"]),
                "DLinear.hist_exog_list",
            ),
            (
                base().with("stat_exog_list", vec!["x"]),
                "DLinear.stat_exog_list",
            ),
            (
                base().with("moving_avg_window", 4usize),
                "DLinear.moving_avg_window",
            ),
            (
                base().with("moving_avg_window", 0usize),
                "DLinear.moving_avg_window",
            ),
            (
                base().with("exclude_insample_y", true),
                "DLinear.exclude_insample_y",
            ),
            (
                base().with("input_size", 1usize << 30),
                "DLinear.input_size",
            ),
        ] {
            let e = DLinear::from_hyperparams(&hp).unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }
}
