//! Activation kernels, forward and backward (definitions in `crate::activation`), computed in
//! f64 with std's functions and rounded once.
use super::transcendental::normal_cdf;
use crate::activation::Activation;

/// f(x) in f64.
pub fn apply(act: Activation, x: f32) -> f32 {
    let x64 = x as f64;
    let y = match act {
        Activation::Identity => x64,
        // max(0, x), NaN passing through.
        Activation::Relu => {
            if x64 > 0.0 || x64.is_nan() {
                x64
            } else {
                0.0
            }
        }
        // x if x > 0 else slope·x
        Activation::LeakyRelu { slope } => {
            if x64 > 0.0 {
                x64
            } else {
                slope as f64 * x64
            }
        }
        // x if x > 0 else alpha·(e^x − 1)
        Activation::Elu { alpha } => {
            if x64 > 0.0 {
                x64
            } else {
                alpha as f64 * x64.exp_m1()
            }
        }
        // λ·x if x > 0 else λ·α·(e^x − 1)
        Activation::Selu => {
            let (l, a) = (1.050_700_987_355_480_5, 1.673_263_242_354_377_2);
            if x64 > 0.0 {
                l * x64
            } else {
                l * a * x64.exp_m1()
            }
        }
        // x·Φ(x); the limit 0 at −∞
        Activation::Gelu => {
            if x64 == f64::NEG_INFINITY {
                -0.0
            } else {
                x64 * normal_cdf(x64)
            }
        }
        // 1/(1 + e^−x)
        Activation::Sigmoid => 1.0 / (1.0 + (-x64).exp()),
        Activation::Tanh => x64.tanh(),
        // ln(1 + e^(βx))/β, x where βx > threshold
        Activation::Softplus { beta, threshold } => {
            let z = beta as f64 * x64;
            // β·x in f32, as the kernels compare it.
            if beta * x > threshold {
                x64
            } else {
                (z.max(0.0) + (-z.abs()).exp().ln_1p()) / beta as f64
            }
        }
    };
    y as f32
}

/// f'(x) in f64 (the derivative at x, independent of y).
pub fn derivative(act: Activation, x: f32) -> f32 {
    let x64 = x as f64;
    let d = match act {
        Activation::Identity => 1.0,
        Activation::Relu => {
            if x64 > 0.0 {
                1.0
            } else if x64.is_nan() {
                f64::NAN
            } else {
                0.0
            }
        }
        Activation::LeakyRelu { slope } => {
            if x64 > 0.0 {
                1.0
            } else {
                slope as f64
            }
        }
        Activation::Elu { alpha } => {
            if x64 > 0.0 {
                1.0
            } else {
                alpha as f64 * x64.exp()
            }
        }
        Activation::Selu => {
            let (l, a) = (1.050_700_987_355_480_5, 1.673_263_242_354_377_2);
            if x64 > 0.0 {
                l
            } else {
                l * a * x64.exp()
            }
        }
        // Φ(x) + x·φ(x)
        Activation::Gelu => {
            if x64.is_infinite() {
                if x64 > 0.0 {
                    1.0
                } else {
                    0.0
                }
            } else {
                let pdf = (-0.5 * x64 * x64).exp() / (2.0 * std::f64::consts::PI).sqrt();
                normal_cdf(x64) + x64 * pdf
            }
        }
        // σ(x)(1 − σ(x))
        Activation::Sigmoid => {
            let sg = 1.0 / (1.0 + (-x64).exp());
            sg * (1.0 - sg)
        }
        // 1 − tanh²
        Activation::Tanh => 1.0 - x64.tanh() * x64.tanh(),
        // σ(βx), 1 where βx > threshold
        Activation::Softplus { beta, threshold } => {
            if beta * x > threshold {
                1.0
            } else {
                1.0 / (1.0 + (-(beta as f64) * x64).exp())
            }
        }
    };
    d as f32
}

/// y = f(x).
pub fn forward(act: Activation, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = apply(act, xi);
    }
}

/// x = f(x).
pub fn forward_inplace(act: Activation, x: &mut [f32]) {
    for xi in x.iter_mut() {
        *xi = apply(act, *xi);
    }
}

/// dx += dy·f'(x). (y is not needed here: the derivative is computed from x.)
pub fn backward(act: Activation, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    let n = x.len();
    assert!(
        y.len() == n && dy.len() == n && dx.len() == n,
        "x, y, dy and dx must have the same length"
    );
    for i in 0..n {
        // Identity passes dy through unchanged (also ∞ and NaN).
        if act == Activation::Identity {
            dx[i] += dy[i];
        } else {
            dx[i] += dy[i] * derivative(act, x[i]);
        }
    }
}

/// x viewed as (outer, C, inner), C = slopes.len(): `y = x if x > 0 else slopes[c]·x`.
pub fn prelu_forward(x: &[f32], slopes: &[f32], inner: usize, y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "prelu: x and y must have the same length");
    let plane = slopes.len() * inner;
    assert!(
        (plane == 0 && x.is_empty()) || (plane > 0 && x.len().is_multiple_of(plane)),
        "prelu: x.len() must be a multiple of slopes.len()·inner"
    );
    for i in 0..x.len() {
        let c = (i / inner) % slopes.len();
        y[i] = if x[i] > 0.0 { x[i] } else { slopes[c] * x[i] };
    }
}

/// `dx += dy·(1 if x > 0 else slopes[c])`; `dslopes[c] += Σ dy·x` over x ≤ 0 in channel c.
pub fn prelu_backward(
    x: &[f32],
    slopes: &[f32],
    inner: usize,
    dy: &[f32],
    dx: &mut [f32],
    dslopes: &mut [f32],
) {
    let n = x.len();
    assert!(
        dy.len() == n && dx.len() == n,
        "prelu: x, dy and dx must have the same length"
    );
    assert_eq!(
        dslopes.len(),
        slopes.len(),
        "prelu: dslopes must match slopes"
    );
    let plane = slopes.len() * inner;
    assert!(
        (plane == 0 && n == 0) || (plane > 0 && n.is_multiple_of(plane)),
        "prelu: x.len() must be a multiple of slopes.len()·inner"
    );
    for i in 0..n {
        let c = (i / inner) % slopes.len();
        if x[i] > 0.0 {
            dx[i] += dy[i];
        } else {
            dx[i] += dy[i] * slopes[c];
            dslopes[c] += dy[i] * x[i];
        }
    }
}
