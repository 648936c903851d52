//! Finite-difference checks of the reference backward kernels (activations, PReLU, softmax
//! rows, layer norm rows). The SIMD tiers are tested against these references elsewhere, so
//! this is what ties every tier's backward to the mathematics.
//!
//! Method: with a random cotangent w, L(x) = Σ w·f(x) computed in f64 from the f32 forward;
//! the analytic gradient comes from the backward kernel with dy = w (accumulating into zeros);
//! the numerical one is the central difference (L(x + h) − L(x − h)) / 2h with h = 1e-2.
//! Tolerance: |num − ana| ≤ 2e-2·max(|num|, |ana|) + 2e-3 (f32 forward rounding divided by h).
//! `a_broken_gradient_fails_the_check` proves the check can fail.

mod common;
use common::{config, Gen};
use nd_kernels::reference::{activation, layernorm, softmax};
use nd_kernels::{Activation, LayerNormBackward};
use proptest::prelude::*;

const H: f32 = 1e-2;

/// Compares `analytic` with central differences of `loss` around `point`, coordinate by
/// coordinate.
fn check(
    what: &str,
    point: &[f32],
    analytic: &[f32],
    loss: impl Fn(&[f32]) -> f64,
) -> Result<(), String> {
    let mut p = point.to_vec();
    for i in 0..p.len() {
        let x0 = p[i];
        p[i] = x0 + H;
        let up = loss(&p);
        p[i] = x0 - H;
        let down = loss(&p);
        p[i] = x0;
        let numerical = (up - down) / (2.0 * H as f64);
        let a = analytic[i] as f64;
        if (numerical - a).abs() > 2e-2 * numerical.abs().max(a.abs()) + 2e-3 {
            return Err(format!(
                "{what}: d/dx[{i}] analytic {a} vs numerical {numerical} at x = {x0}"
            ));
        }
    }
    Ok(())
}

fn weighted_sum(w: &[f32], y: &[f32]) -> f64 {
    w.iter().zip(y).map(|(&a, &b)| a as f64 * b as f64).sum()
}

impl Gen {
    /// Values in ±[0.1, 3]: away from the kinks of ReLU-like functions at 0, where the
    /// derivative does not exist.
    fn away_from_zero(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                let v = self.uniform(0.1, 3.0);
                if self.next().is_multiple_of(2) {
                    v
                } else {
                    -v
                }
            })
            .collect()
    }
    fn vec_in(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
}

fn activation_grad(act: Activation, x: &[f32], w: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    activation::forward(act, x, &mut y);
    let mut dx = vec![0.0; x.len()];
    activation::backward(act, x, &y, w, &mut dx);
    dx
}

fn activation_loss(act: Activation, w: &[f32]) -> impl Fn(&[f32]) -> f64 + '_ {
    move |x| {
        let mut y = vec![0.0; x.len()];
        activation::forward(act, x, &mut y);
        weighted_sum(w, &y)
    }
}

#[test]
fn a_broken_gradient_fails_the_check() {
    let mut g = Gen(7);
    let x = g.away_from_zero(16);
    let w = g.vec_in(16, -1.0, 1.0);
    let good = activation_grad(Activation::Tanh, &x, &w);
    check("tanh", &x, &good, activation_loss(Activation::Tanh, &w)).unwrap();
    let broken: Vec<f32> = good.iter().map(|d| d * 1.1).collect();
    assert!(check("tanh", &x, &broken, activation_loss(Activation::Tanh, &w)).is_err());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn activation_backward_matches_finite_differences(seed in any::<u64>(), n in 1usize..24) {
        let mut g = Gen(seed);
        let x = g.away_from_zero(n);
        let w = g.vec_in(n, -1.0, 1.0);
        for act in Activation::ALL_DEFAULT {
            let dx = activation_grad(act, &x, &w);
            check(act.name(), &x, &dx, activation_loss(act, &w)).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn prelu_backward_matches_finite_differences(
        seed in any::<u64>(), outer in 1usize..4, channels in 1usize..4, inner in 1usize..5,
    ) {
        let mut g = Gen(seed);
        let n = outer * channels * inner;
        let x = g.away_from_zero(n);
        let slopes = g.vec_in(channels, -0.5, 0.5);
        let w = g.vec_in(n, -1.0, 1.0);
        let (mut dx, mut dslopes) = (vec![0.0; n], vec![0.0; channels]);
        activation::prelu_backward(&x, &slopes, inner, &w, &mut dx, &mut dslopes);
        let forward = |x: &[f32], slopes: &[f32]| {
            let mut y = vec![0.0; n];
            activation::prelu_forward(x, slopes, inner, &mut y);
            weighted_sum(&w, &y)
        };
        check("prelu dx", &x, &dx, |x| forward(x, &slopes)).map_err(TestCaseError::fail)?;
        check("prelu dslopes", &slopes, &dslopes, |s| forward(&x, s))
            .map_err(TestCaseError::fail)?;
    }

    #[test]
    fn softmax_backward_matches_finite_differences(
        seed in any::<u64>(), rows in 1usize..4, cols in 1usize..12,
    ) {
        let mut g = Gen(seed);
        let n = rows * cols;
        let x = g.vec_in(n, -3.0, 3.0);
        let w = g.vec_in(n, -1.0, 1.0);
        let mut y = vec![0.0; n];
        softmax::rows(&x, &mut y, cols);
        let mut dx = vec![0.0; n];
        softmax::rows_backward(&y, &w, &mut dx, cols);
        check("softmax", &x, &dx, |x| {
            let mut y = vec![0.0; n];
            softmax::rows(x, &mut y, cols);
            weighted_sum(&w, &y)
        })
        .map_err(TestCaseError::fail)?;
    }

    #[test]
    fn layernorm_backward_matches_finite_differences(
        seed in any::<u64>(), rows in 1usize..4, cols in 2usize..12,
    ) {
        let mut g = Gen(seed);
        let n = rows * cols;
        let eps = 1e-5;
        // Spread-out rows (steps of 0.7 plus noise, so every row's std is ≥ ~0.3): with a
        // tiny variance the step h would dominate it and the difference quotient mean nothing.
        let x: Vec<f32> = (0..n)
            .map(|i| (i % cols) as f32 * 0.7 - 2.0 + g.uniform(-0.2, 0.2))
            .collect();
        let gamma = g.vec_in(cols, 0.5, 1.5);
        let beta = g.vec_in(cols, -1.0, 1.0);
        let w = g.vec_in(n, -1.0, 1.0);
        let forward = |x: &[f32], gamma: &[f32], beta: &[f32]| {
            let (mut y, mut mean, mut rstd) = (vec![0.0; n], vec![0.0; rows], vec![0.0; rows]);
            layernorm::rows(x, gamma, beta, eps, &mut y, &mut mean, &mut rstd);
            (weighted_sum(&w, &y), mean, rstd)
        };
        let (_, mean, rstd) = forward(&x, &gamma, &beta);
        let (mut dx, mut dgamma, mut dbeta) = (vec![0.0; n], vec![0.0; cols], vec![0.0; cols]);
        let inputs = LayerNormBackward { x: &x, gamma: &gamma, mean: &mean, rstd: &rstd, dy: &w };
        layernorm::rows_backward(&inputs, &mut dx, &mut dgamma, &mut dbeta);
        check("layernorm dx", &x, &dx, |x| forward(x, &gamma, &beta).0)
            .map_err(TestCaseError::fail)?;
        check("layernorm dgamma", &gamma, &dgamma, |gm| forward(&x, gm, &beta).0)
            .map_err(TestCaseError::fail)?;
        check("layernorm dbeta", &beta, &dbeta, |bt| forward(&x, &gamma, bt).0)
            .map_err(TestCaseError::fail)?;
    }
}
