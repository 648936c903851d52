//! The point losses built on `_weighted_mean`: MAE, MSE, RMSE, MAPE, sMAPE.
//!
//! With r = y − ŷ and w the entry weights (see [`super::inputs`]), NeuralForecast defines
//!
//! ```text
//! MAE   = Σ w·|r| / Σ w                       ∂/∂ŷ: −sign(r)
//! MSE   = Σ w·r² / Σ w                        ∂/∂ŷ: −2r
//! RMSE  = √MSE                                ∂/∂ŷ: ∂MSE/∂ŷ / (2·RMSE)
//! MAPE  = Σ w·|r|·s / Σ w,  s = 1/|y|, 0 where y = 0          ∂/∂ŷ: −sign(r)·s
//! sMAPE = 2·Σ w·|r|/(|y|+|ŷ|) / Σ w, a term 0 where |y|+|ŷ| = 0
//! ```
//!
//! (per-entry derivatives shown; the reduction's `w/Σw` multiplies them). sign(0) = 0 as in
//! PyTorch's `abs`. One deliberate difference: at RMSE = 0 PyTorch's gradient is NaN (the
//! derivative of √ at 0 times 0); here it is 0, since a NaN would poison the weights.

use super::inputs::{sign, weighted_mean, weighted_mean_backward, LossInputs};

/// Mean absolute error.
pub fn mae(x: &LossInputs<'_>) -> f32 {
    weighted_mean(x, |i| (x.y[i] - x.y_hat[i]).abs())
}

/// Accumulates d_loss·∂MAE/∂ŷ into `d_y_hat` (B, H, N).
pub fn mae_backward(x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
    weighted_mean_backward(x, d_loss, d_y_hat, |i| sign(x.y_hat[i] - x.y[i]));
}

/// Mean squared error.
pub fn mse(x: &LossInputs<'_>) -> f32 {
    weighted_mean(x, |i| (x.y[i] - x.y_hat[i]).powi(2))
}

/// Accumulates d_loss·∂MSE/∂ŷ into `d_y_hat` (B, H, N).
pub fn mse_backward(x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
    weighted_mean_backward(x, d_loss, d_y_hat, |i| 2.0 * (x.y_hat[i] - x.y[i]));
}

/// Root mean squared error: √ of the weighted MSE (not a mean of per-window RMSEs).
pub fn rmse(x: &LossInputs<'_>) -> f32 {
    mse(x).sqrt()
}

/// Accumulates d_loss·∂RMSE/∂ŷ into `d_y_hat` (B, H, N); nothing when RMSE is 0.
pub fn rmse_backward(x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
    let r = rmse(x);
    if r > 0.0 {
        mse_backward(x, d_loss / (2.0 * r), d_y_hat);
    }
}

/// 1/|y|, or 0 where y = 0 (`_divide_no_nan(1, |y|)`).
fn inverse_abs(y: f32) -> f32 {
    if y == 0.0 {
        0.0
    } else {
        1.0 / y.abs()
    }
}

/// Mean absolute percentage error (a fraction, not ×100).
pub fn mape(x: &LossInputs<'_>) -> f32 {
    weighted_mean(x, |i| (x.y[i] - x.y_hat[i]).abs() * inverse_abs(x.y[i]))
}

/// Accumulates d_loss·∂MAPE/∂ŷ into `d_y_hat` (B, H, N).
pub fn mape_backward(x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
    weighted_mean_backward(x, d_loss, d_y_hat, |i| {
        sign(x.y_hat[i] - x.y[i]) * inverse_abs(x.y[i])
    });
}

/// Symmetric MAPE, in [0, 2].
pub fn smape(x: &LossInputs<'_>) -> f32 {
    2.0 * weighted_mean(x, |i| {
        let (y, p) = (x.y[i], x.y_hat[i]);
        let s = y.abs() + p.abs();
        if s == 0.0 {
            0.0
        } else {
            (y - p).abs() / s
        }
    })
}

/// Accumulates d_loss·∂sMAPE/∂ŷ into `d_y_hat` (B, H, N). With a = |y − ŷ| and
/// s = |y| + |ŷ|: ∂(a/s)/∂ŷ = (sign(ŷ − y)·s − a·sign(ŷ)) / s².
pub fn smape_backward(x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
    weighted_mean_backward(x, 2.0 * d_loss, d_y_hat, |i| {
        let (y, p) = (x.y[i], x.y_hat[i]);
        let s = y.abs() + p.abs();
        if s == 0.0 {
            0.0
        } else {
            let a = (y - p).abs();
            (sign(p - y) * s - a * sign(p)) / (s * s)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::inputs::LossDims;

    const DIMS: LossDims = LossDims {
        batch: 1,
        horizon: 4,
        series: 1,
    };

    #[test]
    fn values_match_the_definitions_by_hand() {
        let y = [1.0, -2.0, 0.0, 4.0];
        let p = [1.5, -1.0, 0.0, 2.0];
        let x = LossInputs::new(DIMS, &y, &p);
        assert_eq!(mae(&x), (0.5 + 1.0 + 0.0 + 2.0) / 4.0);
        assert_eq!(mse(&x), (0.25 + 1.0 + 0.0 + 4.0) / 4.0);
        assert!((rmse(&x) - (5.25f32 / 4.0).sqrt()).abs() < 1e-7);
        // y = 0 contributes 0 to MAPE; ŷ = y = 0 contributes 0 to sMAPE.
        assert_eq!(mape(&x), (0.5 + 0.5 + 0.0 + 0.5) / 4.0);
        let s = 2.0 * (0.5 / 2.5 + 1.0 / 3.0 + 0.0 + 2.0 / 6.0) / 4.0;
        assert!((smape(&x) - s).abs() < 1e-7);
    }

    #[test]
    fn rmse_at_a_perfect_fit_has_zero_gradient_not_nan() {
        let y = [1.0, 2.0, 3.0, 4.0];
        let x = LossInputs::new(DIMS, &y, &y);
        let mut d = [0.0; 4];
        rmse_backward(&x, 1.0, &mut d);
        assert_eq!(d, [0.0; 4]);
    }
}
