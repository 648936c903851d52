//! exp and log over slices, and the scalar special functions the reference activations use
//! (std has no erf, so `erfc` is written here in f64).

/// y = e^x (std's `f32::exp`).
pub fn exp(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = xi.exp();
    }
}

/// y = ln x (std's `f32::ln`).
pub fn log(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = xi.ln();
    }
}

/// erfc(z) in f64 with relative accuracy ~1e−15 for every z, the oracle for GELU.
///
/// - |z| < 3: erf(z) = (2/√π)·e^(−z²)·Σ_{n≥0} 2^n·z^(2n+1)/(1·3·5···(2n+1)), a series of
///   positive terms (no cancellation); erfc = 1 − erf.
/// - z ≥ 3: the continued fraction erfc(z) = (e^(−z²)/√π)·1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))),
///   evaluated from the back with 60 levels.
/// - z ≤ −3: erfc(z) = 2 − erfc(−z).
pub fn erfc(z: f64) -> f64 {
    if z.is_nan() {
        return z;
    }
    if z <= -3.0 {
        return 2.0 - erfc(-z);
    }
    if z < 3.0 {
        let mut term = z;
        let mut sum = z;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs() {
            n += 1.0;
            term *= 2.0 * z * z / (2.0 * n + 1.0);
            sum += term;
        }
        let erf = std::f64::consts::FRAC_2_SQRT_PI * (-z * z).exp() * sum;
        return 1.0 - erf;
    }
    if z.is_infinite() {
        return 0.0;
    }
    let mut frac = z;
    for k in (1..=60).rev() {
        frac = z + (k as f64 / 2.0) / frac;
    }
    (-z * z).exp() / (std::f64::consts::PI.sqrt() * frac)
}

/// Φ(x) = erfc(−x/√2)/2, the standard normal CDF, in f64.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}
