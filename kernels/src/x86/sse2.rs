//! SSE2: 128-bit vectors, no FMA, no blend, no rounding instruction. The x86-64 baseline.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use crate::isa::Isa;
use crate::simd::Simd;

/// Proof that SSE2 is available (it always is on x86-64, but the token keeps the pattern).
#[derive(Clone, Copy, Debug)]
pub struct Sse2(());

impl Sse2 {
    /// # Safety
    /// The CPU must support SSE2.
    #[inline(always)]
    pub unsafe fn new_unchecked() -> Self {
        Sse2(())
    }
}

// SAFETY (for every `unsafe` block in this impl): a `Sse2` value exists only after
// `try_new` saw SSE2 on this CPU (or a caller of `new_unchecked` promised it), so the
// SSE2 intrinsics may execute. Loads and stores touch only indices below `LANES` of slices
// whose length was checked just before, or a local stack array.
impl Simd for Sse2 {
    type V = __m128;
    type M = __m128;
    const LANES: usize = 4;
    const ISA: Isa = Isa::Sse2;

    #[inline(always)]
    fn try_new() -> Option<Self> {
        std::arch::is_x86_feature_detected!("sse2").then_some(Sse2(()))
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, src: &[f32]) -> __m128 {
        assert!(src.len() >= 4);
        // SAFETY: four elements are in bounds (checked above); unaligned load.
        unsafe { _mm_loadu_ps(src.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, dst: &mut [f32], v: __m128) {
        assert!(dst.len() >= 4);
        // SAFETY: four elements are in bounds (checked above); unaligned store.
        unsafe { _mm_storeu_ps(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn add(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_div_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m128, b: __m128, c: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_add_ps(_mm_mul_ps(a, b), c) }
    }
    #[inline(always)]
    fn min(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment. `minps` returns its second operand unless a < b.
        unsafe { _mm_min_ps(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment. `maxps` returns its second operand unless a > b.
        unsafe { _mm_max_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_sqrt_ps(a) }
    }
    #[inline(always)]
    fn abs(self, a: __m128) -> __m128 {
        self.and_bits(a, 0x7fff_ffff)
    }
    #[inline(always)]
    fn neg(self, a: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_xor_ps(a, _mm_set1_ps(-0.0)) }
    }
    #[inline(always)]
    fn lt(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_cmplt_ps(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_cmple_ps(a, b) }
    }
    #[inline(always)]
    fn gt(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_cmpgt_ps(a, b) }
    }
    #[inline(always)]
    fn ge(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_cmpge_ps(a, b) }
    }
    #[inline(always)]
    fn is_nan(self, a: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_cmpunord_ps(a, a) }
    }
    #[inline(always)]
    fn mask_and(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_and_ps(a, b) }
    }
    #[inline(always)]
    fn mask_or(self, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_or_ps(a, b) }
    }
    #[inline(always)]
    fn mask_any(self, m: __m128) -> bool {
        // SAFETY: see the impl comment.
        unsafe { _mm_movemask_ps(m) != 0 }
    }
    #[inline(always)]
    fn select(self, m: __m128, a: __m128, b: __m128) -> __m128 {
        // SAFETY: see the impl comment. No blend in SSE2: (m & a) | (!m & b).
        unsafe { _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)) }
    }
    #[inline(always)]
    fn and_bits(self, a: __m128, bits: u32) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_and_ps(a, _mm_castsi128_ps(_mm_set1_epi32(bits as i32))) }
    }
    #[inline(always)]
    fn or_bits(self, a: __m128, bits: u32) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_or_ps(a, _mm_castsi128_ps(_mm_set1_epi32(bits as i32))) }
    }
    #[inline(always)]
    fn pow2i(self, n: __m128) -> __m128 {
        // SAFETY: see the impl comment. (n + 127) << 23 is the bit pattern of 2^n.
        unsafe {
            let biased = _mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127));
            _mm_castsi128_ps(_mm_slli_epi32::<23>(biased))
        }
    }
    #[inline(always)]
    fn exponent_field(self, a: __m128) -> __m128 {
        // SAFETY: see the impl comment.
        unsafe { _mm_cvtepi32_ps(_mm_srli_epi32::<23>(_mm_castps_si128(self.abs(a)))) }
    }
    #[inline(always)]
    fn reduce_add(self, v: __m128) -> f32 {
        // SAFETY: see the impl comment. ((v0 + v2) + (v1 + v3)).
        unsafe {
            let hi = _mm_movehl_ps(v, v);
            let pair = _mm_add_ps(v, hi);
            let odd = _mm_shuffle_ps::<0b01>(pair, pair);
            _mm_cvtss_f32(_mm_add_ss(pair, odd))
        }
    }
}

// ---- GEMM micro-kernel ----------------------------------------------------------------------

/// The SSE2 register tile: 4 rows × 8 columns: 8 accumulators + 2 B vectors + broadcast and product temporaries of the 16 XMM registers (no FMA: each step is a multiply and an add).
impl crate::gemm::MicroKernel for Sse2 {
    const MR: usize = 4;
    const NV: usize = 2;

    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> __m128 {
        // SAFETY: the caller guarantees four readable f32 values at `p`; the token proves
        // the CPU supports the instruction. Unaligned load.
        unsafe { _mm_loadu_ps(p) }
    }

    #[inline(always)]
    fn transpose4(self, src: &[f32], lds: usize, dst: &mut [f32], ldd: usize) {
        super::transpose4(src, lds, dst, ldd);
    }

    #[inline(always)]
    fn run_tile(self, t: &crate::gemm::Tile<'_>, out: &mut crate::gemm::CTile<'_>) {
        crate::gemm::kernel::dispatch_tile!(Sse2, "sse2", self, t, out, rows: [1, 2, 3, 4], vectors: [1, 2]);
    }
}
