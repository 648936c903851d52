//! tanh from expm1: tanh|x| = −u/(u + 2) with u = e^(−2|x|) − 1, which keeps relative accuracy
//! everywhere (no 1 − 2/(e^2x + 1) cancellation near 0).

use super::constants::TANH_TINY;
use super::exp::expm1_nonpositive;
use crate::simd::Simd;

/// tanh x.
///
/// Accuracy: at most 3 ULP over the whole f32 range (measured; see `tests/transcendental.rs`),
/// exact saturation tanh(±x) = ±1 for |x| ≥ 9.01, tanh(±0) = ±0, tanh(x) = x for
/// |x| < 2^−12, NaN → NaN.
#[inline(always)]
pub fn tanh<S: Simd>(s: S, x: S::V) -> S::V {
    let a = s.abs(x);
    let u = expm1_nonpositive(s, s.mul(a, s.splat(-2.0)));
    let t = s.div(s.neg(u), s.add(u, s.splat(2.0)));
    let y = s.select(s.lt(x, s.zero()), s.neg(t), t);
    s.select(s.lt(a, s.splat(TANH_TINY)), x, y)
}
