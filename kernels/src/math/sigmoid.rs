//! The logistic function from one exp of −|x|, so nothing overflows and the negative side
//! (tiny results) keeps relative accuracy.

use super::exp::exp;
use crate::simd::Simd;

/// σ(x) = 1/(1 + e^−x), computed as e^x/(1 + e^x) for x < 0.
///
/// Accuracy: within 2.5 ULP (2.22 measured over every 101st f32) over the whole f32 range,
/// including the tiny (and subnormal) results for very negative x; σ(x) = 1 exactly for x ≥ 16.7, σ(x) = 0 for x < −103.97, σ(NaN) = NaN.
#[inline(always)]
pub fn sigmoid<S: Simd>(s: S, x: S::V) -> S::V {
    let one = s.splat(1.0);
    let e = exp(s, s.neg(s.abs(x)));
    let num = s.select(s.lt(x, s.zero()), e, one);
    s.div(num, s.add(one, e))
}
