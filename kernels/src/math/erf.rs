//! The normal CDF Φ through erfc, GELU = x·Φ(x) and its derivative.
//!
//! erfc(z) = t·e^(g(t) − z²) with t = 1/(1 + z/2) and g a polynomial (see
//! `constants::ERFC_POLY`): one form for every z ≥ 0, with relative accuracy in the far tail,
//! so Φ(x) = erfc(−x/√2)/2 stays relatively accurate for very negative x. The exponent −z² is
//! carried as an exact high part plus a correction, because an f32 rounding of z² = 100 alone
//! would cost 100 ULP in erfc.

use super::constants::{
    ERFC_POLY, ERFC_U_OFFSET, ERFC_U_SCALE, FRAC_1_SQRT2, FRAC_1_SQRT_2PI, GELU_XLO, GELU_XMAX,
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

/// erfc(a/√2) for a ≥ 0 (a = |x| in x-space, so that the exponent −a²/2 is exact), i.e. 2·Φ(−a).
///
/// Accuracy: about 3 ULP relative for a ≤ 14.85; larger a are clamped there, where the result
/// (≈1e−49) underflows f32 anyway once halved. NaN → NaN.
#[inline(always)]
pub fn erfc_scaled_x<S: Simd>(s: S, a: S::V) -> S::V {
    let a = s.min(s.splat(GELU_XMAX), a);
    let z = s.mul(a, s.splat(FRAC_1_SQRT2));
    let t = s.div(s.splat(1.0), s.mul_add(z, s.splat(0.5), s.splat(1.0)));
    let u = s.mul_add(t, s.splat(ERFC_U_SCALE), s.splat(-ERFC_U_OFFSET));
    let g = horner(s, u, &ERFC_POLY);
    let (hi, lo) = neg_half_square(s, a);
    s.mul(t, exp_hi_lo(s, hi, s.add(lo, g)))
}

/// Φ(x), the standard normal CDF, relatively accurate in both tails.
#[inline(always)]
fn normal_cdf<S: Simd>(s: S, x: S::V) -> S::V {
    let half_c = s.mul(s.splat(0.5), erfc_scaled_x(s, s.abs(x)));
    s.select(s.lt(x, s.zero()), half_c, s.sub(s.splat(1.0), half_c))
}

/// GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)), the exact (not tanh-approximated) form.
///
/// Accuracy: at most 4 ULP wherever |GELU(x)| ≥ 2^−126 (measured over the whole f32 range in
/// `tests/transcendental.rs`), and within 2^−126 absolute below that (x < −13.2, where the
/// result becomes subnormal and then 0). GELU(+∞) = +∞, GELU(−∞) = −0 (the limit), NaN → NaN.
#[inline(always)]
pub fn gelu<S: Simd>(s: S, x: S::V) -> S::V {
    let y = s.mul(x, normal_cdf(s, x));
    s.select(s.lt(x, s.splat(GELU_XLO)), s.splat(-0.0), y)
}

/// GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
///
/// Accuracy: a few ULP where the result is not tiny (tested against the reference with a
/// relative tolerance of 1e−5 plus 1e−6 absolute). GELU'(+∞) = 1, GELU'(−∞) = 0, NaN → NaN.
#[inline(always)]
pub fn gelu_derivative<S: Simd>(s: S, x: S::V) -> S::V {
    let xc = clamp(s, x, -GELU_XMAX, GELU_XMAX);
    let (hi, lo) = neg_half_square(s, xc);
    let pdf = s.mul(s.splat(FRAC_1_SQRT_2PI), exp_hi_lo(s, hi, lo));
    s.mul_add(xc, pdf, normal_cdf(s, x))
}
