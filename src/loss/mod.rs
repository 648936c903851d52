//! Training losses with hand-written gradients, as NeuralForecast defines them.
//!
//! Every loss reads [`LossInputs`] (targets y (B, H, N), predictions ŷ (B, H, N·Q), optional
//! mask and horizon weights, and for MASE the input window) and returns one number;
//! `backward` **adds** `d_loss · ∂loss/∂ŷ` into a gradient buffer shaped like ŷ, following the
//! layer convention of [`crate::nn`]. Neither allocates.
//!
//! The definitions, reductions and zero-denominator rules are NeuralForecast 3.3's
//! (`neuralforecast/losses/pytorch.py`): entry weights are mask × horizon weight, the reduction
//! is `Σ w·ℓ / Σ w` with 0 for an all-zero weight (see [`inputs`]), and each file states its
//! loss and the quirks reproduced. Every loss's `domain_map` is the identity on the flat
//! buffer (MQLoss only reshapes), so none is needed here. Values are checked against
//! NeuralForecast in `tests/loss_values.rs`, gradients against finite differences in
//! `tests` below.

pub mod huber;
pub mod inputs;
pub mod mase;
pub mod point;
pub mod quantile;
pub mod spec;
pub mod tukey;

pub use huber::Huber;
pub use inputs::{LossDims, LossInputs};
pub use mase::{Mase, MaseScaling};
pub use quantile::{MqLoss, QuantileLoss};
pub use tukey::Tukey;

/// A training or validation loss.
///
/// Built from NeuralForecast's text form (what `ModelBuilder::loss`, `--loss` and model files
/// use), then evaluated on flat buffers:
///
/// ```
/// use neuro_divergent::loss::{Loss, LossDims, LossInputs};
/// # fn main() -> neuro_divergent::Result<()> {
/// // One window (B = 1) of a 2-step horizon (H = 2) of one series (N = 1).
/// let dims = LossDims { batch: 1, horizon: 2, series: 1 };
/// let y = [10.0, 20.0];
/// let y_hat = [12.0, 17.0];
/// let mae = Loss::parse("MAE")?;
/// assert_eq!(mae.forward(&LossInputs::new(dims, &y, &y_hat)), 2.5); // (2 + 3) / 2
/// // A mask drops the second step, as an unavailable target would.
/// let masked = LossInputs::new(dims, &y, &y_hat).with_mask(&[1.0, 0.0]);
/// assert_eq!(mae.forward(&masked), 2.0);
/// // backward adds d_loss · ∂loss/∂ŷ: sign(ŷ − y) / 2 per step.
/// let mut grad = [0.0f32; 2];
/// mae.backward(&LossInputs::new(dims, &y, &y_hat), 1.0, &mut grad);
/// assert_eq!(grad, [0.5, -0.5]);
///
/// // Multi-output losses: Q predictions per target, named after NeuralForecast's columns.
/// let mq = Loss::parse("MQLoss(level=[80])")?;
/// assert_eq!(mq.outputsize_multiplier(), 3);
/// assert_eq!(mq.output_names(), ["-median", "-lo-80", "-hi-80"]);
/// assert_eq!(Loss::parse(&mq.spec())?, mq); // the text form round-trips
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Loss {
    /// Mean absolute error (NeuralForecast's default training loss).
    Mae,
    /// Mean squared error.
    Mse,
    /// Root mean squared error.
    Rmse,
    /// Mean absolute percentage error.
    Mape,
    /// Symmetric MAPE.
    Smape,
    /// Mean absolute scaled error (needs the input window).
    Mase(Mase),
    /// Huber loss.
    Huber(Huber),
    /// Tukey's biweight, NeuralForecast's version.
    Tukey(Tukey),
    /// Pinball loss of one quantile.
    Quantile(QuantileLoss),
    /// Multi-quantile loss (median and interval ends).
    Mq(MqLoss),
}

impl Loss {
    /// NeuralForecast's class name (`MAE`, `MQLoss`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Loss::Mae => "MAE",
            Loss::Mse => "MSE",
            Loss::Rmse => "RMSE",
            Loss::Mape => "MAPE",
            Loss::Smape => "SMAPE",
            Loss::Mase(_) => "MASE",
            Loss::Huber(_) => "HuberLoss",
            Loss::Tukey(_) => "TukeyLoss",
            Loss::Quantile(_) => "QuantileLoss",
            Loss::Mq(_) => "MQLoss",
        }
    }

    /// Q, the network outputs per target (`outputsize_multiplier`).
    pub fn outputsize_multiplier(&self) -> usize {
        match self {
            Loss::Mq(m) => m.n_outputs(),
            _ => 1,
        }
    }

    /// The suffix appended to the model name for each output channel (`""` for point
    /// losses, so the column is `NHITS`; `-median`, `-lo-80`, ... for MQLoss).
    pub fn output_names(&self) -> Vec<String> {
        match self {
            Loss::Mq(m) => m.output_names().to_vec(),
            Loss::Quantile(q) => vec![q.output_name()],
            _ => vec![String::new()],
        }
    }

    /// Whether `forward` and `backward` read `LossInputs::y_insample`.
    pub fn needs_insample(&self) -> bool {
        matches!(self, Loss::Mase(_))
    }

    /// Checks the loss against the model's input window length (MASE needs L > seasonality).
    pub fn validate(&self, input_size: usize) -> crate::error::Result<()> {
        match self {
            Loss::Mase(m) => m.validate(input_size),
            _ => Ok(()),
        }
    }

    /// The loss value.
    ///
    /// # Panics
    /// If a buffer length disagrees with `x.dims` and `outputsize_multiplier`, or MASE gets
    /// no input window (bugs in the caller).
    pub fn forward(&self, x: &LossInputs<'_>) -> f32 {
        x.check(self.outputsize_multiplier());
        match self {
            Loss::Mae => point::mae(x),
            Loss::Mse => point::mse(x),
            Loss::Rmse => point::rmse(x),
            Loss::Mape => point::mape(x),
            Loss::Smape => point::smape(x),
            Loss::Mase(m) => m.forward(x),
            Loss::Huber(h) => h.forward(x),
            Loss::Tukey(t) => t.forward(x),
            Loss::Quantile(q) => q.forward(x),
            Loss::Mq(m) => m.forward(x),
        }
    }

    /// Adds `d_loss · ∂loss/∂ŷ` into `d_y_hat` (shaped like `x.y_hat`).
    ///
    /// # Panics
    /// As [`Loss::forward`], or if `d_y_hat` is not as long as `x.y_hat`.
    pub fn backward(&self, x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
        x.check(self.outputsize_multiplier());
        assert_eq!(d_y_hat.len(), x.y_hat.len(), "loss: d_y_hat length");
        match self {
            Loss::Mae => point::mae_backward(x, d_loss, d_y_hat),
            Loss::Mse => point::mse_backward(x, d_loss, d_y_hat),
            Loss::Rmse => point::rmse_backward(x, d_loss, d_y_hat),
            Loss::Mape => point::mape_backward(x, d_loss, d_y_hat),
            Loss::Smape => point::smape_backward(x, d_loss, d_y_hat),
            Loss::Mase(m) => m.backward(x, d_loss, d_y_hat),
            Loss::Huber(h) => h.backward(x, d_loss, d_y_hat),
            Loss::Tukey(t) => t.backward(x, d_loss, d_y_hat),
            Loss::Quantile(q) => q.backward(x, d_loss, d_y_hat),
            Loss::Mq(m) => m.backward(x, d_loss, d_y_hat),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::rng::Rng;
    use nd_kernels::table::Kernels;
    use proptest::prelude::*;

    /// One random problem: everything a loss reads, owned.
    struct Problem {
        dims: LossDims,
        y: Vec<f32>,
        y_hat: Vec<f32>,
        mask: Option<Vec<f32>>,
        horizon_weight: Option<Vec<f32>>,
        y_insample: Vec<f32>,
    }

    impl Problem {
        fn draw(loss: &Loss, dims: LossDims, seed: u64, masked: bool, weighted: bool) -> Problem {
            let mut rng = Rng::seed_from(seed);
            let n = dims.entries();
            let mut draw = |len: usize, lo: f32, hi: f32| -> Vec<f32> {
                (0..len).map(|_| rng.uniform(lo, hi)).collect()
            };
            let y = draw(n, -2.0, 2.0);
            let y_hat = draw(n * loss.outputsize_multiplier(), -2.0, 2.0);
            // Masks of 0, 1 and a fractional sample weight.
            let mask = masked.then(|| {
                draw(n, 0.0, 3.0)
                    .into_iter()
                    .map(|v| [0.0, 1.0, 0.5][v as usize])
                    .collect()
            });
            let horizon_weight = weighted.then(|| draw(dims.horizon, 0.2, 2.0));
            let y_insample = draw(dims.batch * 6 * dims.series, -2.0, 2.0);
            Problem {
                dims,
                y,
                y_hat,
                mask,
                horizon_weight,
                y_insample,
            }
        }

        fn inputs<'a>(&'a self, y_hat: &'a [f32]) -> LossInputs<'a> {
            LossInputs {
                dims: self.dims,
                y: &self.y,
                y_hat,
                mask: self.mask.as_deref(),
                horizon_weight: self.horizon_weight.as_deref(),
                y_insample: Some(&self.y_insample),
            }
        }

        /// Whether every prediction is at least `gap` away from the loss's kinks, so that
        /// central differences with step < gap see a smooth function.
        fn is_smooth(&self, loss: &Loss, gap: f32) -> bool {
            let q = loss.outputsize_multiplier();
            let x = self.inputs(&self.y_hat);
            let tukey_sigma = |row: usize| match loss {
                Loss::Tukey(t) => t.sigma(&x, row),
                _ => 1.0,
            };
            (0..self.y_hat.len()).all(|j| {
                let (y, p) = (self.y[j / q], self.y_hat[j]);
                let r = (y - p).abs();
                let ok = r > gap;
                ok && match loss {
                    // |ŷ| has a kink at 0, and a/s curves sharply when |y| + |ŷ| is small.
                    Loss::Smape => p.abs() > gap && y.abs() + p.abs() > 0.2,
                    Loss::Huber(h) => (r - h.delta).abs() > gap,
                    Loss::Tukey(t) => {
                        let row = j / self.dims.series * self.dims.series;
                        let s = tukey_sigma(row);
                        s > 0.2 && (r / s - t.c).abs() > 2.0 * gap / s
                    }
                    _ => true,
                }
            })
        }
    }

    fn all_losses() -> Vec<Loss> {
        vec![
            Loss::Mae,
            Loss::Mse,
            Loss::Rmse,
            Loss::Mape,
            Loss::Smape,
            Loss::Mase(Mase::new(2).unwrap()),
            Loss::Mase(Mase {
                seasonality: 1,
                scaling: MaseScaling::NeuralForecastBroadcast,
            }),
            Loss::Huber(Huber::new(0.7).unwrap()),
            Loss::Tukey(Tukey::new(1.5, false).unwrap()),
            Loss::Tukey(Tukey::new(1.2, true).unwrap()),
            Loss::Quantile(QuantileLoss::new(0.3).unwrap()),
            Loss::Mq(MqLoss::default()),
            Loss::Mq(MqLoss::from_quantiles(&[0.9, 0.2]).unwrap()),
        ]
    }

    fn with_case(loss: &Loss, p: &Problem, run: impl FnOnce(&GradCase<'_>)) {
        let fwd = |_: &Kernels, _: &[f32], y_hat: &[f32], out: &mut [f32]| {
            out[0] = loss.forward(&p.inputs(y_hat));
        };
        let bwd =
            |_: &Kernels, _: &[f32], _: &mut [f32], y_hat: &[f32], dy: &[f32], dx: &mut [f32]| {
                loss.backward(&p.inputs(y_hat), dy[0], dx);
            };
        run(&GradCase {
            name: loss.name(),
            params: vec![],
            input: p.y_hat.clone(),
            out_len: 1,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn gradients_match_finite_differences(
            which in 0usize..13, batch in 1usize..4, horizon in 1usize..5, series in 1usize..4,
            masked: bool, weighted: bool, seed: u64,
        ) {
            let loss = &all_losses()[which];
            // Tukey's normalisation needs several series to give σ of order 1.
            let series = if matches!(loss, Loss::Tukey(t) if t.normalize) { series + 2 } else { series };
            let dims = LossDims { batch, horizon, series };
            let p = Problem::draw(loss, dims, seed, masked, weighted);
            let tol = Tolerance { h: 5e-3, ..Tolerance::default() };
            prop_assume!(p.is_smooth(loss, 3.0 * tol.h));
            with_case(loss, &p, |c| {
                check_gradients(c, tol, seed).unwrap();
                check_isa_agreement(c, 1e-6, seed).unwrap();
            });
        }
    }

    #[test]
    fn the_check_catches_a_wrong_loss_gradient() {
        // MSE's backward with the factor 2 forgotten (d_loss halved) must fail.
        let loss = Loss::Mse;
        let dims = LossDims {
            batch: 2,
            horizon: 3,
            series: 1,
        };
        let p = Problem::draw(&loss, dims, 5, false, false);
        let fwd = |_: &Kernels, _: &[f32], y_hat: &[f32], out: &mut [f32]| {
            out[0] = loss.forward(&p.inputs(y_hat));
        };
        let bwd =
            |_: &Kernels, _: &[f32], _: &mut [f32], y_hat: &[f32], dy: &[f32], dx: &mut [f32]| {
                loss.backward(&p.inputs(y_hat), 0.5 * dy[0], dx);
            };
        let case = GradCase {
            name: "broken MSE",
            params: vec![],
            input: p.y_hat.clone(),
            out_len: 1,
            forward: &fwd,
            backward: &bwd,
        };
        assert!(check_gradients(&case, Tolerance::default(), 1).is_err());
    }

    #[test]
    fn backward_accumulates_and_scales_with_d_loss() {
        let loss = Loss::Mq(MqLoss::default());
        let dims = LossDims {
            batch: 2,
            horizon: 2,
            series: 1,
        };
        let p = Problem::draw(&loss, dims, 9, true, true);
        let x = p.inputs(&p.y_hat);
        let mut once = vec![0.0; p.y_hat.len()];
        loss.backward(&x, 1.0, &mut once);
        let mut twice = vec![0.0; p.y_hat.len()];
        loss.backward(&x, 1.0, &mut twice);
        loss.backward(&x, 1.0, &mut twice);
        let mut scaled = vec![0.0; p.y_hat.len()];
        loss.backward(&x, 2.0, &mut scaled);
        assert!(once.iter().any(|&g| g != 0.0));
        for ((a, b), c) in once.iter().zip(&twice).zip(&scaled) {
            assert!((2.0 * a - b).abs() < 1e-6 && (b - c).abs() < 1e-6);
        }
    }

    #[test]
    fn output_metadata_is_neuralforecasts() {
        assert_eq!(Loss::Mae.output_names(), [""]);
        assert_eq!(Loss::Mae.outputsize_multiplier(), 1);
        let mq = Loss::Mq(MqLoss::from_levels(&[90.0]).unwrap());
        assert_eq!(mq.outputsize_multiplier(), 3);
        assert_eq!(mq.output_names(), ["-median", "-lo-90", "-hi-90"]);
        let mase = Loss::Mase(Mase::new(12).unwrap());
        assert!(mase.needs_insample() && !Loss::Mse.needs_insample());
        assert!(mase.validate(12).is_err() && mase.validate(13).is_ok());
        assert!(Mase::new(0).is_err());
    }
}
