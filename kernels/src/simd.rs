//! The vector abstraction every generic kernel is written against.
//!
//! Each ISA tier provides a zero-sized *token* type implementing [`Simd`]. A token can only be
//! obtained from [`Simd::try_new`], which checks that the CPU has the tier's features, or from
//! the unsafe `new_unchecked`, so holding a token proves the intrinsics behind its methods
//! may run. That is what lets the generic kernels in `ops/` and `math/` be safe code.
//!
//! All methods are `#[inline(always)]`: a generic kernel is instantiated inside one
//! `#[target_feature(enable = ...)]` entry point per tier (see `dispatch.rs`), and inlining
//! carries the tier's features into every intrinsic, so each tier gets its own machine code
//! from one source.
//!
//! Semantics shared by every implementation (the tests in `ops/` rely on them):
//! - `max(a, b)` is `if a > b { a } else { b }` and `min(a, b)` is `if a < b { a } else { b }`,
//!   lane by lane: when either lane is NaN the result is `b`. Kernels that must propagate NaN
//!   pass the value that may be NaN as `b`.
//! - Comparisons are ordered (false when either lane is NaN), like Rust's `<` on `f32`.
//! - `mul_add(a, b, c)` is `a * b + c`, fused (one rounding) on tiers with FMA and two
//!   roundings on SSE2 and AVX. Kernels must be accurate either way.

use crate::isa::Isa;

/// The widest vector of any tier, in f32 lanes (AVX-512): the size of the stack arrays the
/// default methods spill through.
pub const MAX_LANES: usize = 16;

/// One SIMD tier: its f32 vector, mask and the operations the generic kernels need.
pub trait Simd: Copy + Send + Sync + 'static {
    /// A vector of `LANES` f32 values.
    type V: Copy;
    /// The result of a lane-wise comparison.
    type M: Copy;
    /// The number of f32 lanes in `V`.
    const LANES: usize;
    /// The tier this token belongs to.
    const ISA: Isa;

    /// The token, if this CPU supports the tier.
    fn try_new() -> Option<Self>;

    /// All lanes equal to `x`.
    fn splat(self, x: f32) -> Self::V;
    /// All lanes zero.
    #[inline(always)]
    fn zero(self) -> Self::V {
        self.splat(0.0)
    }
    /// Loads the first `LANES` elements of `src`. Panics if `src` is shorter.
    fn load(self, src: &[f32]) -> Self::V;
    /// Stores `v` into the first `LANES` elements of `dst`. Panics if `dst` is shorter.
    fn store(self, dst: &mut [f32], v: Self::V);
    /// Loads `min(src.len(), LANES)` elements; the remaining lanes are `fill`.
    ///
    /// The default goes through a stack array; tiers with masked loads override it.
    #[inline(always)]
    fn load_partial(self, src: &[f32], fill: f32) -> Self::V {
        let mut lanes = [fill; MAX_LANES];
        let n = src.len().min(Self::LANES);
        lanes[..n].copy_from_slice(&src[..n]);
        self.load(&lanes)
    }
    /// Stores the first `min(dst.len(), LANES)` lanes of `v`.
    ///
    /// The default goes through a stack array; tiers with masked stores override it.
    #[inline(always)]
    fn store_partial(self, dst: &mut [f32], v: Self::V) {
        let mut lanes = [0.0f32; MAX_LANES];
        self.store(&mut lanes, v);
        let n = dst.len().min(Self::LANES);
        dst[..n].copy_from_slice(&lanes[..n]);
    }

    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, fused where the tier has FMA.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `if a < b { a } else { b }` per lane.
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `if a > b { a } else { b }` per lane.
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    fn sqrt(self, a: Self::V) -> Self::V;
    /// `|a|` (clears the sign bit; NaN stays NaN).
    fn abs(self, a: Self::V) -> Self::V;
    /// `-a` (flips the sign bit).
    fn neg(self, a: Self::V) -> Self::V;

    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    fn gt(self, a: Self::V, b: Self::V) -> Self::M;
    fn ge(self, a: Self::V, b: Self::V) -> Self::M;
    /// True in the lanes where `a` is NaN.
    fn is_nan(self, a: Self::V) -> Self::M;
    fn mask_and(self, a: Self::M, b: Self::M) -> Self::M;
    fn mask_or(self, a: Self::M, b: Self::M) -> Self::M;
    /// Whether any lane of the mask is set.
    fn mask_any(self, m: Self::M) -> bool;
    /// `if m { a } else { b }` per lane.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;

    /// `|magnitude|` with the sign bit of `sign`, lane by lane (IEEE copysign).
    ///
    /// The default multiplies by ±1.0 (so a NaN magnitude stays NaN); tiers with cheap
    /// bitwise selects override it with one bit-select.
    #[inline(always)]
    fn copy_sign(self, magnitude: Self::V, sign: Self::V) -> Self::V {
        let unit = self.or_bits(self.and_bits(sign, 0x8000_0000), 0x3f80_0000);
        self.mul(self.abs(magnitude), unit)
    }

    /// Bitwise AND of each lane's bits with `bits`.
    fn and_bits(self, a: Self::V, bits: u32) -> Self::V;
    /// Bitwise OR of each lane's bits with `bits`.
    fn or_bits(self, a: Self::V, bits: u32) -> Self::V;
    /// `2^n` for lanes of `n` that hold integers in `[-126, 127]` (other inputs: unspecified
    /// but finite-or-infinite garbage, never UB). The core of `exp`.
    fn pow2i(self, n: Self::V) -> Self::V;
    /// The biased exponent field of each lane (bits 23..31) as a float in `[0, 255]`.
    /// The core of `log`.
    fn exponent_field(self, a: Self::V) -> Self::V;

    /// `1 / a` for finite, normal `a` (as the denominators of sigmoid and tanh are), within
    /// about 1 ULP; NaN stays NaN; other inputs (0, ±∞, subnormals) are unspecified.
    ///
    /// Defaults to a division. AVX-512 overrides it with a 14-bit estimate refined by one
    /// Newton step, because its 512-bit division is ~8x slower than the two FMAs.
    #[inline(always)]
    fn recip_normal(self, a: Self::V) -> Self::V {
        self.div(self.splat(1.0), a)
    }

    /// Sum of all lanes (in an unspecified but fixed order).
    fn reduce_add(self, v: Self::V) -> f32;
    /// Maximum of all lanes (NaN lanes are ignored unless all are NaN). Not on any hot path:
    /// the default spills the lanes and folds them.
    #[inline(always)]
    fn reduce_max(self, v: Self::V) -> f32 {
        let mut lanes = [0.0f32; MAX_LANES];
        self.store(&mut lanes, v);
        lanes[..Self::LANES]
            .iter()
            .copied()
            .fold(f32::NAN, f32::max)
    }
    /// Minimum of all lanes (NaN lanes are ignored unless all are NaN).
    #[inline(always)]
    fn reduce_min(self, v: Self::V) -> f32 {
        let mut lanes = [0.0f32; MAX_LANES];
        self.store(&mut lanes, v);
        lanes[..Self::LANES]
            .iter()
            .copied()
            .fold(f32::NAN, f32::min)
    }

    /// Round to nearest (ties to even) for `|a| < 2^22`, the range `exp` needs, using the
    /// 1.5·2^23 trick so that SSE2 (which has no rounding instruction) shares the code.
    #[inline(always)]
    fn round_small(self, a: Self::V) -> Self::V {
        let magic = self.splat(12_582_912.0); // 1.5 * 2^23
        self.sub(self.add(a, magic), magic)
    }
}
