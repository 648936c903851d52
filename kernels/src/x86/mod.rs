//! The x86-64 tiers: one file per tier holding its vector token and its GEMM micro-kernel
//! section. Everything else is generic.

/// The `Simd` methods AVX and AVX2 share (everything but FMA and the 256-bit integer
/// operations AVX lacks), expanded inside each tier's `impl Simd`, whose SAFETY comment
/// covers them: the token proves AVX, which every intrinsic here needs.
macro_rules! avx256_common_methods {
    () => {
        #[inline(always)]
        fn splat(self, x: f32) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_set1_ps(x) }
        }
        #[inline(always)]
        fn load(self, src: &[f32]) -> __m256 {
            assert!(src.len() >= 8);
            // SAFETY: eight elements are in bounds (checked above); unaligned load.
            unsafe { _mm256_loadu_ps(src.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, dst: &mut [f32], v: __m256) {
            assert!(dst.len() >= 8);
            // SAFETY: eight elements are in bounds (checked above); unaligned store.
            unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_mul_ps(a, b) }
        }
        #[inline(always)]
        fn div(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_div_ps(a, b) }
        }
        #[inline(always)]
        fn min(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment. `vminps` returns its second operand unless a < b.
            unsafe { _mm256_min_ps(a, b) }
        }
        #[inline(always)]
        fn max(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment. `vmaxps` returns its second operand unless a > b.
            unsafe { _mm256_max_ps(a, b) }
        }
        #[inline(always)]
        fn sqrt(self, a: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_sqrt_ps(a) }
        }
        #[inline(always)]
        fn abs(self, a: __m256) -> __m256 {
            self.and_bits(a, 0x7fff_ffff)
        }
        #[inline(always)]
        fn neg(self, a: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_xor_ps(a, _mm256_set1_ps(-0.0)) }
        }
        #[inline(always)]
        fn lt(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn le(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn gt(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(a, b) }
        }
        #[inline(always)]
        fn ge(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(a, b) }
        }
        #[inline(always)]
        fn is_nan(self, a: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_cmp_ps::<_CMP_UNORD_Q>(a, a) }
        }
        #[inline(always)]
        fn mask_and(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_and_ps(a, b) }
        }
        #[inline(always)]
        fn mask_or(self, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_or_ps(a, b) }
        }
        #[inline(always)]
        fn mask_any(self, m: __m256) -> bool {
            // SAFETY: see the impl comment.
            unsafe { _mm256_movemask_ps(m) != 0 }
        }
        #[inline(always)]
        fn select(self, m: __m256, a: __m256, b: __m256) -> __m256 {
            // SAFETY: see the impl comment. blendv takes its second source where the mask is set.
            unsafe { _mm256_blendv_ps(b, a, m) }
        }
        #[inline(always)]
        fn and_bits(self, a: __m256, bits: u32) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(bits as i32))) }
        }
        #[inline(always)]
        fn or_bits(self, a: __m256, bits: u32) -> __m256 {
            // SAFETY: see the impl comment.
            unsafe { _mm256_or_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(bits as i32))) }
        }
    };
}
pub(crate) use avx256_common_methods;

/// [`crate::gemm::MicroKernel::transpose4`] for every x86-64 tier, with SSE (part of the
/// x86-64 baseline; inlined into a tier's entry point it gets that tier's VEX encoding).
#[inline(always)]
pub(crate) fn transpose4(src: &[f32], lds: usize, dst: &mut [f32], ldd: usize) {
    use crate::gemm::kernel::at;
    use std::arch::x86_64::*;
    assert!(
        at(4, 3, lds) <= src.len() && at(4, 3, ldd) <= dst.len(),
        "transpose4: block out of bounds"
    );
    // SAFETY: rows r < 4 of both blocks, [r·ld, r·ld + 4), end at or before 3·ld + 4, checked
    // above to lie within the slices (computed without overflow); unaligned loads and stores.
    // SSE is enabled on every x86-64 target.
    unsafe {
        let s = src.as_ptr();
        let [a, b, c, d] = [0, 1, 2, 3].map(|r| _mm_loadu_ps(s.add(r * lds)));
        let ab_lo = _mm_unpacklo_ps(a, b); // a0 b0 a1 b1
        let cd_lo = _mm_unpacklo_ps(c, d); // c0 d0 c1 d1
        let ab_hi = _mm_unpackhi_ps(a, b); // a2 b2 a3 b3
        let cd_hi = _mm_unpackhi_ps(c, d); // c2 d2 c3 d3
        let cols = [
            _mm_movelh_ps(ab_lo, cd_lo), // a0 b0 c0 d0
            _mm_movehl_ps(cd_lo, ab_lo), // a1 b1 c1 d1
            _mm_movelh_ps(ab_hi, cd_hi), // a2 b2 c2 d2
            _mm_movehl_ps(cd_hi, ab_hi), // a3 b3 c3 d3
        ];
        let t = dst.as_mut_ptr();
        for (r, col) in cols.into_iter().enumerate() {
            _mm_storeu_ps(t.add(r * ldd), col);
        }
    }
}

pub mod avx;
pub mod avx2;
pub mod avx512;
pub mod sse2;

pub use avx::Avx;
pub use avx2::Avx2;
pub use avx512::Avx512;
pub use sse2::Sse2;
