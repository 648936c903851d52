//! Vector approximations of exp, expm1, log, log1p, tanh, sigmoid, erfc/GELU and softplus,
//! generic over the tier; their constants live in [`constants`] once and every tier shares them.
//!
//! Every function takes and returns `S::V` and is `#[inline(always)]`, so it compiles into the
//! caller's `#[target_feature]` entry point. Each one states its accuracy, measured against an
//! f64 oracle in `tests/transcendental.rs` as ULPs of f32 at the exact value; the bounds hold
//! with and without fused multiply-add (SSE2 and AVX round `mul_add` twice), because range
//! reductions use Cody–Waite two-constant splits whose products are exact.

pub mod constants;
pub mod erf;
pub mod exp;
pub mod log;
pub mod sigmoid;
pub mod softplus;
pub mod tanh;

pub use erf::{erfc_scaled_x, gelu, gelu_derivative};
pub use exp::{exp, expm1_nonpositive};
pub use log::{log, log1p_nonnegative};
pub use sigmoid::sigmoid;
pub use softplus::softplus;
pub use tanh::tanh;

use crate::simd::Simd;

/// Evaluates the polynomial with coefficients `c` (lowest degree first) at `x` by Horner's rule.
#[inline(always)]
pub(crate) fn horner<S: Simd>(s: S, x: S::V, c: &[f32]) -> S::V {
    let mut acc = s.splat(c[c.len() - 1]);
    for &ci in c[..c.len() - 1].iter().rev() {
        acc = s.mul_add(acc, x, s.splat(ci));
    }
    acc
}

/// `x` clamped to `[lo, hi]`; NaN stays NaN (the NaN is always the second operand of
/// `min`/`max`, which return it).
#[inline(always)]
pub(crate) fn clamp<S: Simd>(s: S, x: S::V, lo: f32, hi: f32) -> S::V {
    s.max(s.splat(lo), s.min(s.splat(hi), x))
}
