//! The normal CDF Φ through erfc, GELU = x·Φ(x) and its derivative.
//!
//! erfc(z) = t·e^(g(t) − z²) with t = 1/(1 + z/2) and g a polynomial (see
//! `constants::ERFC_POLY`): one form for every z ≥ 0, with relative accuracy in the far tail,
//! so Φ(x) = erfc(−x/√2)/2 stays relatively accurate for very negative x. The exponent −z² is
//! carried as an exact high part plus a correction, because an f32 rounding of z² = 100 alone
//! would cost 100 ULP in erfc.

use super::constants::{
    ERFC_C0_HI, ERFC_POLY, ERFC_U_OFFSET, ERFC_U_SCALE, ERF_SMALL_POLY, FRAC_1_SQRT2,
    FRAC_1_SQRT_2PI, GELU_PDF_XMAX, GELU_SMALL, GELU_XLO, GELU_XMAX,
};
use super::exp::exp_hi_lo;
use super::{clamp, horner};
use crate::simd::Simd;

/// −x²/2 as `(hi, lo)`: hi = −x_hi²/2 exact (x_hi keeps 12 significant bits), lo the rest.
#[inline(always)]
fn neg_half_square<S: Simd>(s: S, x: S::V) -> (S::V, S::V) {
    let xh = s.and_bits(x, 0xffff_f000);
    let xl = s.sub(x, xh); // exact
    let hi = s.mul(s.splat(-0.5), s.mul(xh, xh));
    let lo = s.mul(s.splat(-0.5), s.mul(xl, s.add(x, xh)));
    (hi, lo)
}

/// 2^48: the tail's results are kept scaled by it until the last multiplication, so no
/// intermediate is subnormal (subnormal arithmetic is slow on x86 and loses precision).
const TAIL_SCALE: f32 = 281_474_976_710_656.0;
/// Below 2^−28, 1 − c rounds to 1; clamping c·2^48 up to 2^20 keeps c·2^−48 normal.
const TAIL_FLOOR_UP: f32 = 1_048_576.0;

/// erfc(a/√2)·2^48 for a ≥ 0, see [`erfc_scaled_x`]. Scaled so that the far tail stays normal.
#[inline(always)]
fn erfc_scaled_x_up<S: Simd>(s: S, a: S::V) -> S::V {
    let a = s.min(s.splat(GELU_XMAX), a);
    let z = s.mul(a, s.splat(FRAC_1_SQRT2));
    let t = s.div(s.splat(1.0), s.mul_add(z, s.splat(0.5), s.splat(1.0)));
    let u = s.mul_add(t, s.splat(ERFC_U_SCALE), s.splat(-ERFC_U_OFFSET));
    // g = ERFC_C0_HI + (the rest of g): the short constant joins the exact part of the exponent.
    let mut rest = ERFC_POLY;
    rest[0] -= ERFC_C0_HI;
    let g_rest = horner(s, u, &rest);
    let (hi, lo) = neg_half_square(s, a);
    let e = exp_hi_lo(s, hi, s.splat(ERFC_C0_HI), s.add(g_rest, lo), 48.0);
    s.mul(t, e)
}

/// erfc(a/√2) for a ≥ 0 (a = |x| in x-space, so that the exponent −a²/2 is exact), i.e. 2·Φ(−a).
///
/// Accuracy: about 3 ULP relative while the result is normal (a ≤ 13.2); larger a are clamped
/// to 14.85, where the result (≈1e−49) underflows f32. NaN → NaN.
#[inline(always)]
pub fn erfc_scaled_x<S: Simd>(s: S, a: S::V) -> S::V {
    s.mul(erfc_scaled_x_up(s, a), s.splat(1.0 / TAIL_SCALE))
}

/// Φ(x) as `(factor, scale)` with Φ(x) = factor·scale: for x < 0 factor = Φ(x)·2^48 and
/// scale = 2^−48, else factor = 1 − Φ(−x) and scale = 1. Multiplying by the scale last keeps
/// every intermediate normal and rounds a subnormal result once.
#[inline(always)]
fn normal_cdf_parts<S: Simd>(s: S, x: S::V) -> (S::V, S::V) {
    let half_c_up = s.mul(s.splat(0.5), erfc_scaled_x_up(s, s.abs(x)));
    let floor = s.max(s.splat(TAIL_FLOOR_UP), half_c_up);
    let upper = s.mul_add(floor, s.splat(-1.0 / TAIL_SCALE), s.splat(1.0));
    let neg = s.lt(x, s.zero());
    (
        s.select(neg, half_c_up, upper),
        s.select(neg, s.splat(1.0 / TAIL_SCALE), s.splat(1.0)),
    )
}

/// GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)), the exact (not tanh-approximated) form.
///
/// Accuracy: within 6 ULP wherever |GELU(x)| ≥ 2^−126 (5.2 measured over every 101st f32, in
/// the negative tail x ∈ [−13, −1], where the erfc form's rounding of t = 1/(1 + z/2)
/// dominates; about 1 ULP for x ∈ [−0.5, 5]), and within 2^−126 absolute below that (x < −13.2, where the result becomes
/// subnormal and then 0). GELU(+∞) = +∞, GELU(−∞) = −0 (the limit), NaN → NaN.
#[inline(always)]
pub fn gelu<S: Simd>(s: S, x: S::V) -> S::V {
    let (factor, scale) = normal_cdf_parts(s, x);
    let y = s.mul(s.mul(x, factor), scale);
    // |x| < 1: ½·x·(1 + erf(x/√2)) with erf's Taylor series, exact in relative terms near 0.
    let half_x = s.mul(x, s.splat(0.5));
    let erf = s.mul(x, horner(s, s.mul(x, x), &ERF_SMALL_POLY));
    let small = s.mul_add(half_x, erf, half_x);
    let y = s.select(s.lt(s.abs(x), s.splat(GELU_SMALL)), small, y);
    s.select(s.lt(x, s.splat(GELU_XLO)), s.splat(-0.0), y)
}

/// GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
///
/// Accuracy: a few ULP where the result is not tiny; `tests/activation.rs` holds the backward
/// pass dx += dy·GELU'(x) within 2e−5·(|dx| + |dy|) of the f64 reference. GELU'(+∞) = 1, GELU'(−∞) = 0, NaN → NaN.
#[inline(always)]
pub fn gelu_derivative<S: Simd>(s: S, x: S::V) -> S::V {
    // Beyond ±13, x·φ(x) < 1e−35 does not matter next to Φ (or is below f32's normal range
    // where Φ is tiny); the clamp keeps e^(−x²/2) normal.
    let xc = clamp(s, x, -GELU_PDF_XMAX, GELU_PDF_XMAX);
    let (hi, lo) = neg_half_square(s, xc);
    let pdf = s.mul(
        s.splat(FRAC_1_SQRT_2PI),
        exp_hi_lo(s, hi, s.zero(), lo, 0.0),
    );
    let (factor, scale) = normal_cdf_parts(s, x);
    s.mul_add(xc, pdf, s.mul(factor, scale))
}
