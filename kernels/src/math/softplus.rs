//! Softplus in its overflow-free form: max(z, 0) + log1p(e^−|z|).

use super::exp::exp;
use super::log::log1p_nonnegative;
use crate::simd::Simd;

/// ln(1 + e^(β·x))/β, and x where β·x > threshold (PyTorch's definition).
///
/// Accuracy: within 3 ULP (2.72 measured over every 101st f32) for the default β = 1, threshold 20,
/// with relative accuracy kept for very negative β·x where the result is about e^(β·x)/β.
/// NaN → NaN.
#[inline(always)]
pub fn softplus<S: Simd>(s: S, x: S::V, beta: f32, threshold: f32) -> S::V {
    let z = s.mul(x, s.splat(beta));
    let tail = log1p_nonnegative(s, exp(s, s.neg(s.abs(z))));
    let sp = s.add(s.max(s.zero(), z), tail);
    let y = s.div(sp, s.splat(beta));
    s.select(s.gt(z, s.splat(threshold)), x, y)
}
