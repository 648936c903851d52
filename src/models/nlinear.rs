//! NLinear (Zeng et al. 2023, "Are Transformers Effective for Time Series Forecasting?"),
//! NeuralForecast's `NLinear`: subtract the window's last value, one linear map from the input
//! window to the horizon, add the last value back.
//!
//! ```text
//! last      = y[L-1]                       (B, 1)
//! y_hat     = W·(y − last) + b + last      (B, H·Q) viewed as (B, H, Q)
//! ```
//! Backward: dW += d_y_hatᵀ·(y − last), db += Σ_rows d_y_hat (the input is data: no dx).

use super::hyperparams::{Hyperparams, ParamReader};
use super::registry::ModelEntry;
use super::train_config::{check_param_count, TrainConfig, TrainDefaults};
use super::{Mode, Model, ModelInput, Workspace};
use crate::data::scalers::TemporalScalerKind;
use crate::error::Result;
use crate::nn::{Linear, ParamLayout};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// The registry entry.
pub const ENTRY: ModelEntry = ModelEntry {
    name: "nlinear",
    class_name: "NLinear",
    summary: "linear map of the window minus its last value (Zeng et al. 2023)",
    build: |hp| Ok(Box::new(NLinear::from_hyperparams(hp)?)),
};

/// NeuralForecast's NLinear defaults.
pub const DEFAULTS: TrainDefaults = TrainDefaults {
    max_steps: 5000,
    learning_rate: 1e-4,
    batch_size: 32,
    windows_batch_size: Some(1024),
    inference_windows_batch_size: Some(1024),
    scaler_type: TemporalScalerKind::Identity,
};

/// The NLinear model.
///
/// ```
/// use neuro_divergent::models::ModelBuilder;
/// # fn main() -> neuro_divergent::Result<()> {
/// let model = ModelBuilder::new("nlinear", 6)
///     .input_size(12)
///     .loss("mqloss(quantiles=[0.1, 0.5, 0.9])")
///     .build()?;
/// // One linear map from the window to three quantiles of each of the 6 steps.
/// assert_eq!(model.n_outputs(), 3);
/// assert_eq!(model.layout().n_params(), (12 + 1) * 6 * 3);
/// // NLinear reads no exogenous inputs, as NeuralForecast's: a list is refused.
/// let err = ModelBuilder::new("nlinear", 6).input_size(12).set("hist_exog_list", vec!["x"]).build();
/// assert!(err.is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct NLinear {
    config: TrainConfig,
    hyperparams: Hyperparams,
    layout: ParamLayout,
    /// L → H·Q.
    linear: Linear,
}

impl NLinear {
    /// Builds NLinear from `hp` (`h` and `input_size` required; NeuralForecast's defaults else).
    pub fn from_hyperparams(hp: &Hyperparams) -> Result<NLinear> {
        let mut r = ParamReader::new("NLinear", hp);
        let config = TrainConfig::read(&mut r, DEFAULTS, None)?;
        config.check_exog_support("NLinear", false, false, false)?;
        let hyperparams = r.finish()?;
        let mut layout = ParamLayout::new();
        let q = config.loss.outputsize_multiplier();
        let width = (config.h * q) as u128;
        check_param_count(
            "NLinear",
            "input_size",
            (config.input_size as u128 + 1) * width,
        )?;
        let linear = Linear::new(
            &mut layout,
            "linear",
            config.input_size,
            config.h * q,
            true,
            Activation::Identity,
        );
        Ok(NLinear {
            config,
            hyperparams,
            layout,
            linear,
        })
    }
}

impl Model for NLinear {
    fn class_name(&self) -> &'static str {
        "NLinear"
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
            // (B, L): the input minus its last value.
            cache: rows * self.config.input_size,
            scratch: 0,
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
        let (l, rows, out) = (self.config.input_size, x.rows, self.linear.d_out);
        let centred = &mut cache[..rows * l]; // (B, L)
        for (c_row, y_row) in centred
            .chunks_exact_mut(l)
            .zip(x.insample_y.chunks_exact(l))
        {
            let last = y_row[l - 1];
            for (c, &y) in c_row.iter_mut().zip(y_row) {
                *c = y - last;
            }
        }
        let y_hat = &mut y_hat[..rows * out]; // (B, H·Q)
        self.linear.forward_inference(k, params, centred, y_hat);
        for (o_row, y_row) in y_hat
            .chunks_exact_mut(out)
            .zip(x.insample_y.chunks_exact(l))
        {
            let last = y_row[l - 1];
            o_row.iter_mut().for_each(|o| *o += last);
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
        let (l, rows, out) = (self.config.input_size, x.rows, self.linear.d_out);
        let centred = &cache[..rows * l];
        // The identity activation reads neither y nor the layer cache.
        self.linear.backward(
            k,
            params,
            grads,
            centred,
            &[],
            &[],
            &d_y_hat[..rows * out],
            None,
            scratch,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::check::{check_model, predict, RandomInput};
    use crate::nn::gradcheck::Tolerance;
    use crate::nn::ParamStore;
    use proptest::prelude::*;

    fn build(h: usize, l: usize, loss: &str) -> NLinear {
        let hp = Hyperparams::new()
            .with("h", h)
            .with("input_size", l)
            .with("loss", loss);
        NLinear::from_hyperparams(&hp).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn whole_model_gradients_match_finite_differences(
            h in 1usize..4, l in 1usize..7, rows in 1usize..4, mq: bool, seed: u64,
        ) {
            let m = build(h, l, if mq { "mqloss(level=[80])" } else { "mae" });
            check_model(&m, rows, Tolerance::default(), seed).unwrap();
        }
    }

    #[test]
    fn forecast_is_linear_map_of_centred_window_plus_last_value() {
        let m = build(2, 3, "mae");
        let store = ParamStore::new(m.layout().clone(), 5);
        let x = RandomInput::new(&m, 2, 9);
        let y = predict(&m, nd_kernels::table::active(), &store.values, &x.view());
        let w = store.value("linear.weight").unwrap();
        let b = store.value("linear.bias").unwrap();
        for r in 0..2 {
            let win = &x.insample_y[r * 3..r * 3 + 3];
            for o in 0..2 {
                let z: f32 = (0..3)
                    .map(|i| (win[i] - win[2]) * w[o * 3 + i])
                    .sum::<f32>();
                assert!((y[r * 2 + o] - (z + b[o] + win[2])).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn defaults_are_neuralforecasts_and_exogenous_inputs_are_refused() {
        let m = build(4, 8, "mae");
        let c = m.train_config();
        assert_eq!(
            (c.max_steps, c.learning_rate, c.windows_batch_size),
            (5000, 1e-4, Some(1024))
        );
        let hp = Hyperparams::new()
            .with("h", 4usize)
            .with("input_size", 8usize)
            .with("futr_exog_list", vec!["price"]);
        let e = NLinear::from_hyperparams(&hp).unwrap_err().to_string();
        assert!(
            e.contains("NLinear.futr_exog_list") && e.contains("price"),
            "{e}"
        );
    }
}
