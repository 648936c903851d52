//! NEON (AArch64 Advanced SIMD): 128-bit vectors, fused multiply-add, 32 registers.

use std::arch::aarch64::*;

use crate::isa::Isa;
use crate::simd::Simd;

/// Proof that this CPU supports NEON (every AArch64 CPU does; the token keeps the pattern).
#[derive(Clone, Copy, Debug)]
pub struct Neon(());

impl Neon {
    /// # Safety
    /// The CPU must support NEON.
    #[inline(always)]
    pub unsafe fn new_unchecked() -> Self {
        Neon(())
    }
}

// SAFETY (for every `unsafe` block in this impl): a `Neon` value exists only after `try_new`
// saw NEON on this CPU (or a caller of `new_unchecked` promised it), so the intrinsics may
// execute. Loads and stores touch only indices below 4 of slices whose length was checked
// just before, or a local stack array.
impl Simd for Neon {
    type V = float32x4_t;
    type M = uint32x4_t;
    const LANES: usize = 4;
    const ISA: Isa = Isa::Neon;

    #[inline(always)]
    fn try_new() -> Option<Self> {
        std::arch::is_aarch64_feature_detected!("neon").then_some(Neon(()))
    }
    #[inline(always)]
    fn splat(self, x: f32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    fn load(self, src: &[f32]) -> float32x4_t {
        assert!(src.len() >= 4);
        // SAFETY: four elements are in bounds (checked above).
        unsafe { vld1q_f32(src.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, dst: &mut [f32], v: float32x4_t) {
        assert!(dst.len() >= 4);
        // SAFETY: four elements are in bounds (checked above).
        unsafe { vst1q_f32(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn add(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_f32(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f32(a, b) }
    }
    #[inline(always)]
    fn div(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f32(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment. vfmaq(c, a, b) = c + a * b, fused.
        unsafe { vfmaq_f32(c, a, b) }
    }
    #[inline(always)]
    fn min(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // NEON's fmin propagates NaN from either side; the contract is x86's (b on NaN).
        self.select(self.lt(a, b), a, b)
    }
    #[inline(always)]
    fn max(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        self.select(self.gt(a, b), a, b)
    }
    #[inline(always)]
    fn sqrt(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vsqrtq_f32(a) }
    }
    #[inline(always)]
    fn abs(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vabsq_f32(a) }
    }
    #[inline(always)]
    fn neg(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vnegq_f32(a) }
    }
    #[inline(always)]
    fn lt(self, a: float32x4_t, b: float32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vcltq_f32(a, b) }
    }
    #[inline(always)]
    fn le(self, a: float32x4_t, b: float32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vcleq_f32(a, b) }
    }
    #[inline(always)]
    fn gt(self, a: float32x4_t, b: float32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vcgtq_f32(a, b) }
    }
    #[inline(always)]
    fn ge(self, a: float32x4_t, b: float32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vcgeq_f32(a, b) }
    }
    #[inline(always)]
    fn is_nan(self, a: float32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment. a == a is false exactly for NaN.
        unsafe { vmvnq_u32(vceqq_f32(a, a)) }
    }
    #[inline(always)]
    fn mask_and(self, a: uint32x4_t, b: uint32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vandq_u32(a, b) }
    }
    #[inline(always)]
    fn mask_or(self, a: uint32x4_t, b: uint32x4_t) -> uint32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vorrq_u32(a, b) }
    }
    #[inline(always)]
    fn mask_any(self, m: uint32x4_t) -> bool {
        // SAFETY: see the impl comment.
        unsafe { vmaxvq_u32(m) != 0 }
    }
    #[inline(always)]
    fn select(self, m: uint32x4_t, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f32(m, a, b) }
    }
    #[inline(always)]
    fn and_bits(self, a: float32x4_t, bits: u32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(bits))) }
    }
    #[inline(always)]
    fn or_bits(self, a: float32x4_t, bits: u32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(bits))) }
    }
    #[inline(always)]
    fn pow2i(self, n: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment. (n + 127) << 23 is the bit pattern of 2^n.
        unsafe {
            let biased = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
            vreinterpretq_f32_s32(vshlq_n_s32::<23>(biased))
        }
    }
    #[inline(always)]
    fn exponent_field(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vcvtq_f32_u32(vshrq_n_u32::<23>(vreinterpretq_u32_f32(vabsq_f32(a)))) }
    }
    #[inline(always)]
    fn reduce_add(self, v: float32x4_t) -> f32 {
        // SAFETY: see the impl comment. ((v0 + v2) + (v1 + v3)), the same order as SSE.
        unsafe {
            let pair = vadd_f32(vget_low_f32(v), vget_high_f32(v));
            vget_lane_f32::<0>(pair) + vget_lane_f32::<1>(pair)
        }
    }
}

// ---- GEMM micro-kernel ----------------------------------------------------------------------

/// The NEON register tile: 8 rows × 12 columns: 24 accumulators + 3 B vectors + 1 broadcast of the 32 Q registers.
impl crate::gemm::MicroKernel for Neon {
    const MR: usize = 8;
    const NV: usize = 3;

    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> float32x4_t {
        // SAFETY: the caller guarantees four readable f32 values at `p`; the token proves
        // the CPU supports the instruction. Unaligned load.
        unsafe { vld1q_f32(p) }
    }

    #[inline(always)]
    fn transpose4(self, src: &[f32], lds: usize, dst: &mut [f32], ldd: usize) {
        use crate::gemm::kernel::at;
        assert!(
            at(4, 3, lds) <= src.len() && at(4, 3, ldd) <= dst.len(),
            "transpose4: block out of bounds"
        );
        // SAFETY: rows r < 4 of both blocks, [r·ld, r·ld + 4), end at or before 3·ld + 4,
        // checked above to lie within the slices (computed without overflow); the token
        // proves NEON. Unaligned loads and stores.
        unsafe {
            let s = src.as_ptr();
            let [a, b, c, d] = [0, 1, 2, 3].map(|r| vld1q_f32(s.add(r * lds)));
            // Pairs of rows interleaved, then pairs of 64-bit halves.
            let ab_even = vtrn1q_f32(a, b); // a0 b0 a2 b2
            let ab_odd = vtrn2q_f32(a, b); // a1 b1 a3 b3
            let cd_even = vtrn1q_f32(c, d); // c0 d0 c2 d2
            let cd_odd = vtrn2q_f32(c, d); // c1 d1 c3 d3
            let halves = |x: float32x4_t| vreinterpretq_f64_f32(x);
            let cols = [
                vtrn1q_f64(halves(ab_even), halves(cd_even)), // a0 b0 c0 d0
                vtrn1q_f64(halves(ab_odd), halves(cd_odd)),   // a1 b1 c1 d1
                vtrn2q_f64(halves(ab_even), halves(cd_even)), // a2 b2 c2 d2
                vtrn2q_f64(halves(ab_odd), halves(cd_odd)),   // a3 b3 c3 d3
            ];
            let t = dst.as_mut_ptr();
            for (r, col) in cols.into_iter().enumerate() {
                vst1q_f32(t.add(r * ldd), vreinterpretq_f32_f64(col));
            }
        }
    }

    #[inline(always)]
    fn run_tile(self, t: &crate::gemm::Tile<'_>, out: &mut crate::gemm::CTile<'_>) {
        crate::gemm::kernel::dispatch_tile!(Neon, "neon", self, t, out, rows: [1, 2, 3, 4, 5, 6, 7, 8], vectors: [1, 2, 3]);
    }
}
