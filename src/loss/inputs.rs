//! What a loss reads, and NeuralForecast's weighting and reduction shared by most losses.
//!
//! NeuralForecast (`losses/pytorch.py`) weighs each target entry by `mask × horizon_weight[h]`
//! (`_compute_weights`) and reduces with `_weighted_mean`: entries of weight 0 are dropped
//! before multiplying (so a NaN there cannot leak in), the rest give `Σ w·ℓ / Σ w`, and a zero
//! weight sum gives 0 (`_divide_no_nan`), with zero gradient. Sums are accumulated in f64 here
//! (PyTorch sums in f32), which only makes the result closer to the exact value.

/// The sizes of one loss evaluation: targets are (B, H, N).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LossDims {
    /// B: windows in the batch.
    pub batch: usize,
    /// H: forecast horizon.
    pub horizon: usize,
    /// N: series per window (1 for univariate models).
    pub series: usize,
}

impl LossDims {
    /// Number of target entries, B·H·N.
    pub fn entries(&self) -> usize {
        self.batch * self.horizon * self.series
    }
}

/// The tensors a loss reads. Only `y`, `y_hat` and `dims` are always needed.
#[derive(Clone, Copy, Debug)]
pub struct LossInputs<'a> {
    /// Shapes.
    pub dims: LossDims,
    /// Targets, (B, H, N).
    pub y: &'a [f32],
    /// Predictions after `domain_map`, (B, H, N·Q) with Q the loss's `outputsize_multiplier`
    /// (quantile index fastest, as NeuralForecast's reshape to (B, H, N, Q)).
    pub y_hat: &'a [f32],
    /// Per-entry weights (availability mask, possibly times sample weights), (B, H, N);
    /// `None` means all ones.
    pub mask: Option<&'a [f32]>,
    /// Per-step weights of the horizon, (H); `None` means all ones. TukeyLoss ignores it, as
    /// NeuralForecast's `TukeyLoss` has no such argument.
    pub horizon_weight: Option<&'a [f32]>,
    /// The input window, (B, L, N); only MASE reads it.
    pub y_insample: Option<&'a [f32]>,
}

impl<'a> LossInputs<'a> {
    /// Targets and predictions, without mask, horizon weights or input window.
    pub fn new(dims: LossDims, y: &'a [f32], y_hat: &'a [f32]) -> LossInputs<'a> {
        LossInputs {
            dims,
            y,
            y_hat,
            mask: None,
            horizon_weight: None,
            y_insample: None,
        }
    }

    /// With a mask (B, H, N).
    pub fn with_mask(self, mask: &'a [f32]) -> LossInputs<'a> {
        LossInputs {
            mask: Some(mask),
            ..self
        }
    }

    /// With horizon weights (H).
    pub fn with_horizon_weight(self, weight: &'a [f32]) -> LossInputs<'a> {
        LossInputs {
            horizon_weight: Some(weight),
            ..self
        }
    }

    /// With the input window (B, L, N).
    pub fn with_insample(self, y_insample: &'a [f32]) -> LossInputs<'a> {
        LossInputs {
            y_insample: Some(y_insample),
            ..self
        }
    }

    /// Asserts the buffer lengths for a loss with `q` outputs per target.
    ///
    /// # Panics
    /// If a length disagrees with `dims` (a bug in the caller, not bad data).
    pub(crate) fn check(&self, q: usize) {
        let n = self.dims.entries();
        assert_eq!(self.y.len(), n, "loss: y has the wrong length");
        assert_eq!(self.y_hat.len(), n * q, "loss: y_hat has the wrong length");
        if let Some(m) = self.mask {
            assert_eq!(m.len(), n, "loss: mask has the wrong length");
        }
        if let Some(w) = self.horizon_weight {
            assert_eq!(w.len(), self.dims.horizon, "loss: horizon_weight length");
        }
    }

    /// The weight of target entry `i` (flat index into (B, H, N)): mask × horizon_weight[h].
    #[inline]
    pub(crate) fn weight(&self, i: usize) -> f32 {
        let m = self.mask.map_or(1.0, |m| m[i]);
        match self.horizon_weight {
            Some(hw) => hw[(i / self.dims.series) % self.dims.horizon] * m,
            None => m,
        }
    }

    /// Σ weights, the denominator of `_weighted_mean`.
    pub(crate) fn weight_sum(&self) -> f64 {
        (0..self.dims.entries())
            .map(|i| self.weight(i) as f64)
            .sum()
    }
}

/// `_weighted_mean` of the per-entry losses `loss_at(i)` over the (B, H, N) entries.
pub(crate) fn weighted_mean(x: &LossInputs<'_>, loss_at: impl Fn(usize) -> f32) -> f32 {
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for i in 0..x.dims.entries() {
        let w = x.weight(i);
        den += w as f64;
        if w != 0.0 {
            num += loss_at(i) as f64 * w as f64;
        }
    }
    if den == 0.0 {
        0.0
    } else {
        (num / den) as f32
    }
}

/// Backward of [`weighted_mean`] for a loss with one output per target:
/// `d_y_hat[i] += d_loss · w_i · ∂ℓ_i/∂ŷ_i / Σw`, with `grad_at(i)` = ∂ℓ_i/∂ŷ_i.
pub(crate) fn weighted_mean_backward(
    x: &LossInputs<'_>,
    d_loss: f32,
    d_y_hat: &mut [f32],
    grad_at: impl Fn(usize) -> f32,
) {
    let den = x.weight_sum();
    if den == 0.0 {
        return;
    }
    let s = d_loss as f64 / den;
    for (i, d) in d_y_hat.iter_mut().enumerate().take(x.dims.entries()) {
        let w = x.weight(i);
        if w != 0.0 {
            *d += (s * w as f64 * grad_at(i) as f64) as f32;
        }
    }
}

/// sign(x) with sign(0) = 0, as PyTorch's derivative of `abs` at 0.
#[inline]
pub(crate) fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_combine_mask_and_horizon_weight_and_zero_weight_drops_nan() {
        let dims = LossDims {
            batch: 2,
            horizon: 2,
            series: 2,
        };
        let y = [0.0; 8];
        let mask = [1.0, 0.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0];
        let hw = [2.0, 3.0];
        let x = LossInputs::new(dims, &y, &y)
            .with_mask(&mask)
            .with_horizon_weight(&hw);
        let w: Vec<f32> = (0..8).map(|i| x.weight(i)).collect();
        assert_eq!(w, [2.0, 0.0, 3.0, 3.0, 1.0, 2.0, 3.0, 3.0]);
        // A NaN loss at the zero-weight entry does not reach the mean.
        let m = weighted_mean(&x, |i| if i == 1 { f32::NAN } else { i as f32 });
        let expect = (2.0 * 3.0 + 3.0 * 3.0 + 4.0 + 5.0 * 2.0 + 6.0 * 3.0 + 7.0 * 3.0) / 17.0;
        assert!((m - expect).abs() < 1e-6, "{m} vs {expect}");
        // ...but a NaN at a weighted entry does, as in NeuralForecast.
        assert!(weighted_mean(&x, |i| if i == 0 { f32::NAN } else { 0.0 }).is_nan());
    }

    #[test]
    fn zero_weight_sum_gives_zero_loss_and_no_gradient() {
        let dims = LossDims {
            batch: 1,
            horizon: 2,
            series: 1,
        };
        let (y, mask) = ([1.0, 2.0], [0.0, 0.0]);
        let x = LossInputs::new(dims, &y, &y).with_mask(&mask);
        assert_eq!(weighted_mean(&x, |_| 5.0), 0.0);
        let mut d = [0.25, 0.5];
        weighted_mean_backward(&x, 1.0, &mut d, |_| 1.0);
        assert_eq!(d, [0.25, 0.5]);
    }
}
