//! AVX: 256-bit vectors without FMA and without 256-bit integer arithmetic (Sandy Bridge).

use std::arch::x86_64::*;

use crate::isa::Isa;
use crate::simd::Simd;

/// Proof that this CPU supports Avx: obtained from `try_new` or, unsafely, `new_unchecked`.
#[derive(Clone, Copy, Debug)]
pub struct Avx(());

impl Avx {
    /// # Safety
    /// The CPU must support every feature `try_new` checks.
    #[inline(always)]
    pub unsafe fn new_unchecked() -> Self {
        Avx(())
    }
}

// SAFETY (for every `unsafe` block in this impl): a `Avx` value exists only after
// `try_new` saw the tier's features on this CPU (or a caller of `new_unchecked` promised
// them), so its intrinsics may execute. Loads and stores touch only indices below `LANES`
// of slices whose length was checked just before, or a local stack array.
impl Simd for Avx {
    type V = __m256;
    type M = __m256;
    const LANES: usize = 8;
    const ISA: Isa = Isa::Avx;

    #[inline(always)]
    fn try_new() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx")).then_some(Avx(()))
    }
    super::avx256_common_methods!();
    #[inline(always)]
    fn mul_add(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_ps(_mm256_mul_ps(a, b), c) }
    }
    #[inline(always)]
    fn pow2i(self, n: __m256) -> __m256 {
        // SAFETY: see the impl comment. (n + 127) << 23 is the bit pattern of 2^n.
        unsafe {
            // AVX has no 256-bit integer arithmetic: do each 128-bit half with SSE2.
            let n = _mm256_cvtps_epi32(n);
            let bias = _mm_set1_epi32(127);
            let lo = _mm_slli_epi32::<23>(_mm_add_epi32(_mm256_castsi256_si128(n), bias));
            let hi = _mm_slli_epi32::<23>(_mm_add_epi32(_mm256_extractf128_si256::<1>(n), bias));
            _mm256_castsi256_ps(_mm256_set_m128i(hi, lo))
        }
    }
    #[inline(always)]
    fn exponent_field(self, a: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe {
            let bits = _mm256_castps_si256(self.abs(a));
            let lo = _mm_srli_epi32::<23>(_mm256_castsi256_si128(bits));
            let hi = _mm_srli_epi32::<23>(_mm256_extractf128_si256::<1>(bits));
            _mm256_cvtepi32_ps(_mm256_set_m128i(hi, lo))
        }
    }
    #[inline(always)]
    fn reduce_add(self, v: __m256) -> f32 {
        // SAFETY: see the impl comment. Fold the halves, then as SSE: a fixed order.
        unsafe {
            let half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let hi = _mm_movehl_ps(half, half);
            let pair = _mm_add_ps(half, hi);
            let odd = _mm_shuffle_ps::<0b01>(pair, pair);
            _mm_cvtss_f32(_mm_add_ss(pair, odd))
        }
    }
}

// ---- GEMM micro-kernel ----------------------------------------------------------------------

/// The AVX register tile: 6 rows × 16 columns: 12 accumulators + 2 B vectors + broadcast and product temporaries = the 16 YMM registers (no FMA: each step is a multiply and an add).
impl crate::gemm::MicroKernel for Avx {
    const MR: usize = 6;
    const NV: usize = 2;

    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> __m256 {
        // SAFETY: the caller guarantees eight readable f32 values at `p`; the token proves
        // the CPU supports the instruction. Unaligned load.
        unsafe { _mm256_loadu_ps(p) }
    }

    #[inline(always)]
    fn transpose4(self, src: &[f32], lds: usize, dst: &mut [f32], ldd: usize) {
        super::transpose4(src, lds, dst, ldd);
    }

    #[inline(always)]
    fn run_tile(self, t: &crate::gemm::Tile<'_>, out: &mut crate::gemm::CTile<'_>) {
        crate::gemm::kernel::dispatch_tile!(Avx, "avx", self, t, out, rows: [1, 2, 3, 4, 5, 6], vectors: [1, 2]);
    }
}
