//! tanh from expm1: tanh|x| = −u/(u + 2) with u = e^(−2|x|) − 1, which keeps relative accuracy
//! everywhere (no 1 − 2/(e^2x + 1) cancellation near 0).

use super::exp::expm1_nonpositive;
use crate::simd::Simd;

/// tanh x.
///
/// Accuracy: within 3 ULP over the whole f32 range (2.49 measured over every 101st f32; see
/// `tests/transcendental.rs`),
/// exact saturation tanh(±x) = ±1 for |x| ≥ 9.01, tanh(±0) = ±0, tanh(x) = x for tiny x
/// (subnormals included), NaN → NaN.
#[inline(always)]
pub fn tanh<S: Simd>(s: S, x: S::V) -> S::V {
    let a = s.abs(x);
    let u = expm1_nonpositive(s, s.mul(a, s.splat(-2.0)));
    // |u/(u + 2)| rather than −u/(u + 2): u may be ±0, and t must be +0 then (copy_sign
    // takes the magnitude).
    // u + 2 lies in [1, 2]: a normal denominator, so the fast reciprocal applies.
    let t = s.mul(u, s.recip_normal(s.add(u, s.splat(2.0))));
    // copysign(|t|, x), so that tanh(−0) = −0.
    s.copy_sign(t, x)
}
