//! MASE: absolute errors scaled by the in-sample MAE of the seasonal naive forecast.
//!
//! For window b and series n, with input window x (B, L, N) and seasonality m:
//!
//! ```text
//! scale[b, n] = mean over t = m..L−1 of |x[b, t, n] − x[b, t−m, n]|
//! MASE        = Σ w·|y − ŷ| / scale[b, n] / Σ w       (a term is 0 where scale = 0)
//! ```
//!
//! which is NeuralForecast's `MASE` called with a 2-D (B, L) input window, as its docstring
//! describes. **NeuralForecast quirk**: its training step passes the window as (B, L, N), so
//! `scale[:, None, None]` has shape (B, 1, 1, N) and broadcasts against the (B, H, N) errors
//! into (B, B, H, N): every window's errors are divided by every window's scale and summed,
//! giving `Σ w·|y − ŷ|·G[n] / Σ w` with `G[n] = Σ_b 1/scale[b, n]` (terms with scale 0
//! omitted). That is [`MaseScaling::NeuralForecastBroadcast`], kept for exact parity with
//! models trained by NeuralForecast; [`MaseScaling::PerWindow`] is the intended definition
//! and the default. (Checked with NeuralForecast 3.3: B = 3, H = 4, L = 8, m = 2 gives 4.392 with
//! a (B, L, 1) window and 1.458 with (B, L).)

use super::inputs::{sign, LossInputs};
use crate::error::{Error, Result};

/// How the seasonal scale is applied (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MaseScaling {
    /// Each window's errors divided by its own scale (the definition).
    #[default]
    PerWindow,
    /// NeuralForecast's training-time broadcast: errors times Σ over windows of 1/scale.
    NeuralForecastBroadcast,
}

/// Mean absolute scaled error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mase {
    /// m: the season length (Hourly 24, Daily 7, Weekly 52, Monthly 12, Quarterly 4, Yearly 1).
    pub seasonality: usize,
    /// Per-window scale or NeuralForecast's broadcast.
    pub scaling: MaseScaling,
}

impl Mase {
    /// MASE with season length `seasonality` (at least 1), per-window scaling.
    pub fn new(seasonality: usize) -> Result<Mase> {
        if seasonality == 0 {
            return Err(Error::config("seasonality", "must be at least 1, got 0"));
        }
        Ok(Mase {
            seasonality,
            scaling: MaseScaling::PerWindow,
        })
    }

    /// Checks that an input window of `input_size` steps has a seasonal difference.
    pub fn validate(&self, input_size: usize) -> Result<()> {
        if input_size <= self.seasonality {
            return Err(Error::config(
                "input_size",
                format!(
                    "MASE with seasonality {} needs an input window longer than it, got {input_size}",
                    self.seasonality
                ),
            ));
        }
        Ok(())
    }

    fn insample<'a>(&self, x: &LossInputs<'a>) -> (&'a [f32], usize) {
        let xin = x
            .y_insample
            .expect("MASE needs LossInputs::y_insample (B, L, N)");
        let (b, n) = (x.dims.batch, x.dims.series);
        assert!(
            b * n > 0 && xin.len().is_multiple_of(b * n),
            "MASE: y_insample length is not a multiple of B·N"
        );
        let l = xin.len() / (b * n);
        assert!(
            l > self.seasonality,
            "MASE: input window not longer than seasonality"
        );
        (xin, l)
    }

    /// The seasonal naive MAE of window b, series n.
    fn scale(&self, xin: &[f32], l: usize, n_series: usize, b: usize, n: usize) -> f64 {
        let m = self.seasonality;
        let at = |t: usize| xin[(b * l + t) * n_series + n] as f64;
        let sum: f64 = (m..l).map(|t| (at(t) - at(t - m)).abs()).sum();
        sum / (l - m) as f64
    }

    /// Calls `f(b, n, factor)` for every (window, series) column, where `factor` multiplies
    /// |y − ŷ| in that column: 1/scale[b, n] (per window) or G[n] (broadcast), 0 for a zero
    /// scale. O(B·N·L) in both modes, no allocation.
    fn for_each_column(&self, x: &LossInputs<'_>, mut f: impl FnMut(usize, usize, f64)) {
        let (xin, l) = self.insample(x);
        let ns = x.dims.series;
        let inv = |s: f64| if s == 0.0 { 0.0 } else { 1.0 / s };
        for n in 0..ns {
            let g: f64 = match self.scaling {
                MaseScaling::PerWindow => 0.0,
                MaseScaling::NeuralForecastBroadcast => (0..x.dims.batch)
                    .map(|b| inv(self.scale(xin, l, ns, b, n)))
                    .sum(),
            };
            for b in 0..x.dims.batch {
                let factor = match self.scaling {
                    MaseScaling::PerWindow => inv(self.scale(xin, l, ns, b, n)),
                    MaseScaling::NeuralForecastBroadcast => g,
                };
                f(b, n, factor);
            }
        }
    }

    /// The loss value.
    ///
    /// # Panics
    /// Without `y_insample`, or with lengths that disagree with `dims`.
    pub fn forward(&self, x: &LossInputs<'_>) -> f32 {
        let den = x.weight_sum();
        let (h, ns) = (x.dims.horizon, x.dims.series);
        let mut num = 0.0f64;
        self.for_each_column(x, |b, n, factor| {
            for t in 0..h {
                let i = (b * h + t) * ns + n;
                let w = x.weight(i);
                if w != 0.0 {
                    // f32 quotient as `_divide_no_nan` forms it, then weighted in f64.
                    let loss = ((x.y[i] - x.y_hat[i]).abs() as f64 * factor) as f32;
                    num += loss as f64 * w as f64;
                }
            }
        });
        if den == 0.0 {
            0.0
        } else {
            (num / den) as f32
        }
    }

    /// Accumulates d_loss·∂MASE/∂ŷ into `d_y_hat` (B, H, N).
    pub fn backward(&self, x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
        let den = x.weight_sum();
        if den == 0.0 {
            return;
        }
        let (h, ns) = (x.dims.horizon, x.dims.series);
        let s = d_loss as f64 / den;
        self.for_each_column(x, |b, n, factor| {
            for t in 0..h {
                let i = (b * h + t) * ns + n;
                let w = x.weight(i);
                if w != 0.0 {
                    let g = sign(x.y_hat[i] - x.y[i]) as f64 * factor;
                    d_y_hat[i] += (s * w as f64 * g) as f32;
                }
            }
        });
    }
}
