//! Huber loss (PyTorch's `F.huber_loss`, NeuralForecast's `HuberLoss`).
//!
//! With r = y − ŷ: ℓ = ½r² where |r| < δ, δ·(|r| − ½δ) otherwise, reduced with the weighted
//! mean. ∂ℓ/∂ŷ = −r inside, δ·sign(ŷ − y) outside (the two agree at |r| = δ).

use super::inputs::{sign, weighted_mean, weighted_mean_backward, LossInputs};
use crate::error::{Error, Result};

/// Huber loss with threshold δ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// δ: where the loss turns from quadratic to linear (NeuralForecast's default 1.0).
    pub delta: f32,
}

impl Default for Huber {
    fn default() -> Huber {
        Huber { delta: 1.0 }
    }
}

impl Huber {
    /// Huber loss with threshold `delta` (finite, > 0).
    pub fn new(delta: f32) -> Result<Huber> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::config(
                "delta",
                format!("must be a finite number > 0, got {delta}"),
            ));
        }
        Ok(Huber { delta })
    }

    fn loss(&self, y: f32, p: f32) -> f32 {
        let a = (y - p).abs();
        if a < self.delta {
            0.5 * a * a
        } else {
            self.delta * (a - 0.5 * self.delta)
        }
    }

    fn grad(&self, y: f32, p: f32) -> f32 {
        let r = p - y;
        if r.abs() < self.delta {
            r
        } else {
            self.delta * sign(r)
        }
    }

    /// The loss value.
    pub fn forward(&self, x: &LossInputs<'_>) -> f32 {
        weighted_mean(x, |i| self.loss(x.y[i], x.y_hat[i]))
    }

    /// Accumulates d_loss·∂loss/∂ŷ into `d_y_hat` (B, H, N).
    pub fn backward(&self, x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
        weighted_mean_backward(x, d_loss, d_y_hat, |i| self.grad(x.y[i], x.y_hat[i]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::inputs::LossDims;

    #[test]
    fn quadratic_inside_linear_outside() {
        let h = Huber::new(2.0).unwrap();
        assert_eq!(h.loss(0.0, 1.0), 0.5);
        assert_eq!(h.loss(0.0, -3.0), 2.0 * (3.0 - 1.0));
        assert_eq!(h.loss(0.0, 2.0), 2.0 * (2.0 - 1.0)); // the boundary is continuous
        let dims = LossDims {
            batch: 1,
            horizon: 2,
            series: 1,
        };
        let x = LossInputs::new(dims, &[0.0, 0.0], &[1.0, -3.0]);
        assert_eq!(h.forward(&x), (0.5 + 4.0) / 2.0);
        assert!(Huber::new(0.0).is_err() && Huber::new(f32::NAN).is_err());
    }
}
