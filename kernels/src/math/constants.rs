//! Every constant of the approximations in `math/`, in one place.
//!
//! Polynomial coefficients were derived for this crate: the log series and GELU's small-x erf
//! series are Taylor coefficients, truncated where the remainder is below 0.05 ULP on the
//! reduced range; exp/expm1's polynomial and the erfc correction is a Chebyshev interpolant (degree 11, 200 nodes)
//! of `g(t) = ln(erfc(z)/t) + z²` with `t = 1/(1 + z/2)`, fitted in f64 and rounded to f32.

/// log2(e).
pub const LOG2E: f32 = std::f32::consts::LOG2_E;
/// The high part of ln 2 for Cody–Waite reduction: 355/512, 9 significant bits, so `n·LN2_HI`
/// is exact for |n| < 2^15 and `x − n·LN2_HI` is exact near the reduction's result.
pub const LN2_HI: f32 = 355.0 / 512.0;
/// ln 2 − LN2_HI.
pub const LN2_LO: f32 = -2.121_944_4e-4;

/// exp clamps its argument to `[EXP_LO, EXP_HI]`: beyond those the result is 0 or +∞ anyway
/// (exp(−104) < 2^−150 rounds to 0; exp(89) > f32::MAX), and inside them the reduction's
/// exponent n stays in [−150, 129], which two scalings by 2^(n/2) handle.
pub const EXP_HI: f32 = 89.0;
/// See [`EXP_HI`].
pub const EXP_LO: f32 = -104.0;
/// For |x| ≤ EXP_FAST, n = round(x·log2 e) ∈ [−126, 126]: e^x is normal and one scaling by
/// 2^n suffices (exp's fast path).
pub const EXP_FAST: f32 = 87.0;
/// expm1 is −1 to f32 precision below this (e^−30 < 2^−43).
pub const EXPM1_LO: f32 = -30.0;

/// (e^r − 1 − r)/r² ≈ P(r) on |r| ≤ ln2/2 + 0.002: a degree-5 Chebyshev interpolant (near
/// minimax), whose error is below 0.04 ULP relative to e^r − 1.
pub const EXPM1_POLY: [f32; 6] = [
    0.5,
    0.166_666_67,
    0.041_666_46,
    0.008_333_297,
    0.001_393_416_2,
    0.000_198_999_49,
];

/// √2, the split point of log's mantissa range [√2/2, √2).
pub const SQRT2: f32 = std::f32::consts::SQRT_2;
/// 2^23: subnormal inputs of log are scaled by it first.
pub const TWO_POW_23: f32 = 8_388_608.0;
/// The smallest normal f32, 2^−126.
pub const MIN_NORMAL: f32 = f32::MIN_POSITIVE;
/// Taylor coefficients of (2·atanh(s) − 2s)/s³ in z = s²: 2/3, 2/5, ..., 2/11, for
/// |s| ≤ 3 − 2√2 ≈ 0.1716 (the remainder is below 1e−9 relative).
pub const LOG_POLY: [f32; 5] = [2.0 / 3.0, 2.0 / 5.0, 2.0 / 7.0, 2.0 / 9.0, 2.0 / 11.0];

/// 1/√2.
pub const FRAC_1_SQRT2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π), the normal density's constant.
pub const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;
/// erfc's argument z = |x|/√2 is clamped to ZMAX: erfc(10.5)/2 ≈ 1e−49 underflows f32, and the
/// interpolant of [`ERFC_POLY`] covers t ∈ [1/(1 + ZMAX/2), 1].
pub const ERFC_ZMAX: f32 = 10.5;
/// |x| is clamped to ERFC_ZMAX·√2 (see [`ERFC_ZMAX`]).
pub const GELU_XMAX: f32 = 14.849_242;
/// GELU's derivative clamps x to ±GELU_PDF_XMAX for x·φ(x), keeping e^(−x²/2) normal.
pub const GELU_PDF_XMAX: f32 = 13.0;
/// Below this x, GELU(x) = x·Φ(x) is −0 in f32; the clamp keeps −∞·0 from giving NaN.
pub const GELU_XLO: f32 = -15.0;
/// Below this |x|, GELU uses the Taylor series of erf (more accurate than the erfc form there).
pub const GELU_SMALL: f32 = 1.0;
/// erf(x/√2) = x·P(x²) with P's Taylor coefficients √(2/π)·(−1)^n/(2^n·n!·(2n+1)), n = 0..9,
/// for |x| < 1 (the remainder is below 3e−10 relative).
pub const ERF_SMALL_POLY: [f32; 10] = [
    0.797_884_6,
    -0.132_980_76,
    0.019_947_113,
    -0.002_374_656_5,
    0.000_230_869_38,
    -1.888_931_2e-5,
    1.331_938_7e-6,
    -8.245_335e-8,
    4.547_059_6e-9,
    -2.260_234_4e-10,
];
/// The constant term of [`ERFC_POLY`] is split into this short part, which adds exactly to the
/// reduced exponent, and the remainder [`ERFC_POLY`]\[0\] − ERFC_C0_HI.
pub const ERFC_C0_HI: f32 = -0.5625;
/// The interpolant's variable is u = t·ERFC_U_SCALE − ERFC_U_OFFSET ∈ [−1, 1].
pub const ERFC_U_SCALE: f32 = 2.380_952_4;
/// See [`ERFC_U_SCALE`].
pub const ERFC_U_OFFSET: f32 = 1.380_952_4;
/// g(u) = ln(erfc(z)/t) + z², a polynomial in u, lowest degree first; erfc(z) = t·e^(g − z²).
/// Its f32 evaluation error is about 1.2e−7 absolute, i.e. about 2 ULP relative in erfc.
pub const ERFC_POLY: [f32; 12] = [
    -0.563_156_8,
    0.574_61,
    0.016_716_266,
    -0.030_147_7,
    -0.001_233_161,
    0.003_877_526_6,
    -0.000_256_602_94,
    -0.000_588_452,
    0.000_132_511_75,
    7.611_374e-5,
    -2.401_772e-5,
    -5.674_413_4e-6,
];
