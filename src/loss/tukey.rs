//! Tukey's biweight loss, exactly as NeuralForecast's `TukeyLoss` computes it.
//!
//! For each target entry, with σ the normalising scale (below) and d = |y − ŷ| / σ:
//!
//! ```text
//! e     = [d ≤ c]·mask·(1 − (d/c)²)³ + [d > c]
//! Tukey = c²/6 · mean(e)          (a plain mean over all B·H·N entries)
//! ```
//!
//! With `normalize`, σ[b, h] = √(masked mean over the N series of (y − ȳ)²) + 0.01 with ȳ the
//! masked mean over the series, where an entry counts only if its mask is ≥ 1 (NeuralForecast
//! uses `masked_fill(mask < 1, nan)` and `nanmean`; an empty mean is 0). Without it, σ = 1.
//!
//! **NeuralForecast quirks reproduced on purpose** (for parity; they change what training
//! optimises): the term inside [d ≤ c] is (1 − (d/c)²)³, which is 1 at d = 0 and falls to 0
//! at d = c, and then jumps to 1 past c; the textbook biweight is c²/6·(1 − (1 − (d/c)²)³).
//! The normalisation is over the series axis, so for a univariate model (N = 1) σ = 0.01 and
//! d = 100·|y − ŷ|. Horizon weights are not used (`TukeyLoss` has none); masked entries still
//! count in the mean's denominator and contribute 1 when d > c.
//!
//! Gradient: σ does not depend on ŷ, so ∂e/∂ŷ = [d ≤ c]·mask·3(1 − (d/c)²)²·(−2d/c²)·sign(ŷ − y)/σ,
//! and c²/6 times that is −d·[d ≤ c]·mask·(1 − (d/c)²)²·sign(ŷ − y)/σ.

use super::inputs::{sign, LossInputs};
use crate::error::{Error, Result};

/// Tukey's biweight loss with threshold c.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tukey {
    /// c: residuals (in units of σ) beyond it are no longer fitted (default 4.685).
    pub c: f32,
    /// Whether to divide residuals by the per-step spread across series (default true).
    pub normalize: bool,
}

impl Default for Tukey {
    fn default() -> Tukey {
        Tukey {
            c: 4.685,
            normalize: true,
        }
    }
}

impl Tukey {
    /// Tukey loss with threshold `c` (finite, > 0).
    pub fn new(c: f32, normalize: bool) -> Result<Tukey> {
        if !(c.is_finite() && c > 0.0) {
            return Err(Error::config(
                "c",
                format!("must be a finite number > 0, got {c}"),
            ));
        }
        Ok(Tukey { c, normalize })
    }

    /// σ of row (b, h) (the N entries starting at `row`).
    pub(crate) fn sigma(&self, x: &LossInputs<'_>, row: usize) -> f32 {
        if !self.normalize {
            return 1.0;
        }
        let ns = x.dims.series;
        let counts = |j: usize| x.mask.is_none_or(|m| m[row + j] >= 1.0) && !x.y[row + j].is_nan();
        let masked_mean = |f: &dyn Fn(f32) -> f32| -> f32 {
            let (mut s, mut k) = (0.0f64, 0usize);
            for j in (0..ns).filter(|&j| counts(j)) {
                s += f(x.y[row + j]) as f64;
                k += 1;
            }
            if k == 0 {
                0.0
            } else {
                (s / k as f64) as f32
            }
        };
        let mean = masked_mean(&|v| v);
        masked_mean(&|v| (v - mean) * (v - mean)).sqrt() + 1e-2
    }

    fn mask(x: &LossInputs<'_>, i: usize) -> f32 {
        x.mask.map_or(1.0, |m| m[i])
    }

    /// The loss value.
    pub fn forward(&self, x: &LossInputs<'_>) -> f32 {
        let (ns, n) = (x.dims.series, x.dims.entries());
        if n == 0 {
            return f32::NAN; // torch.mean of an empty tensor
        }
        let mut sum = 0.0f64;
        for row in (0..n).step_by(ns) {
            let sigma = self.sigma(x, row);
            for i in row..row + ns {
                let d = (x.y[i] - x.y_hat[i]).abs() / sigma;
                sum += if self.c >= d {
                    let u = 1.0 - (d / self.c).powi(2);
                    (Self::mask(x, i) * u * u * u) as f64
                } else {
                    1.0
                };
            }
        }
        let c = self.c as f64;
        (c * c / 6.0 * (sum / n as f64)) as f32
    }

    /// Accumulates d_loss·∂loss/∂ŷ into `d_y_hat` (B, H, N).
    pub fn backward(&self, x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
        let (ns, n) = (x.dims.series, x.dims.entries());
        let s = d_loss as f64 / n as f64;
        for row in (0..n).step_by(ns.max(1)) {
            let sigma = self.sigma(x, row);
            for (i, dst) in d_y_hat.iter_mut().enumerate().skip(row).take(ns) {
                let r = x.y_hat[i] - x.y[i];
                let d = r.abs() / sigma;
                if self.c >= d {
                    let u = 1.0 - (d / self.c).powi(2);
                    let g = -d * Self::mask(x, i) * u * u * sign(r) / sigma;
                    *dst += (s * g as f64) as f32;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::inputs::LossDims;

    #[test]
    fn univariate_sigma_is_one_hundredth_and_the_shape_is_neuralforecasts() {
        let t = Tukey::default();
        let dims = LossDims {
            batch: 1,
            horizon: 3,
            series: 1,
        };
        // d = 100·|r|: 0 (e = 1), 2 (e = (1 − (2/c)²)³), 10 > c (e = 1).
        let x = LossInputs::new(dims, &[1.0, 1.0, 1.0], &[1.0, 1.02, 1.1]);
        let u = 1.0 - (100.0 * 0.02f32 / 4.685).powi(2);
        let e = (1.0 + u * u * u + 1.0) / 3.0;
        let expect = 4.685f32 * 4.685 / 6.0 * e;
        assert!(
            (t.forward(&x) - expect).abs() < 1e-3 * expect,
            "{}",
            t.forward(&x)
        );
    }
}
