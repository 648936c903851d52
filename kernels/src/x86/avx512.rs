//! AVX-512F: 512-bit vectors, 32 registers, mask registers (which make tails cheap).

use std::arch::x86_64::*;

use crate::isa::Isa;
use crate::simd::Simd;

/// Proof that this CPU supports AVX-512F (and AVX2 + FMA, which the tier also uses).
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

impl Avx512 {
    /// # Safety
    /// The CPU must support AVX-512F, AVX2 and FMA.
    #[inline(always)]
    pub unsafe fn new_unchecked() -> Self {
        Avx512(())
    }
}

/// The mask selecting the first `n` lanes (`n <= 16`).
#[inline(always)]
fn first_lanes(n: usize) -> __mmask16 {
    if n >= 16 {
        0xffff
    } else {
        ((1u32 << n) - 1) as __mmask16
    }
}

// SAFETY (for every `unsafe` block in this impl): an `Avx512` value exists only after
// `try_new` saw AVX-512F, AVX2 and FMA on this CPU (or a caller of `new_unchecked` promised
// them), so the intrinsics may execute. Full loads and stores touch only indices below 16 of
// slices whose length was checked just before; masked loads and stores touch only the lanes
// selected by a mask built from the slice's length (masked-off lanes are not accessed and
// cannot fault).
impl Simd for Avx512 {
    type V = __m512;
    type M = __mmask16;
    const LANES: usize = 16;
    const ISA: Isa = Isa::Avx512;

    #[inline(always)]
    fn try_new() -> Option<Self> {
        (std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"))
        .then_some(Avx512(()))
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, src: &[f32]) -> __m512 {
        assert!(src.len() >= 16);
        // SAFETY: sixteen elements are in bounds (checked above); unaligned load.
        unsafe { _mm512_loadu_ps(src.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, dst: &mut [f32], v: __m512) {
        assert!(dst.len() >= 16);
        // SAFETY: sixteen elements are in bounds (checked above); unaligned store.
        unsafe { _mm512_storeu_ps(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_partial(self, src: &[f32], fill: f32) -> __m512 {
        let mask = first_lanes(src.len());
        // SAFETY: the mask selects only lanes below src.len(); see the impl comment.
        unsafe { _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask, src.as_ptr()) }
    }
    #[inline(always)]
    fn store_partial(self, dst: &mut [f32], v: __m512) {
        let mask = first_lanes(dst.len());
        // SAFETY: the mask selects only lanes below dst.len(); see the impl comment.
        unsafe { _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask, v) }
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_div_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn recip_normal(self, a: __m512) -> __m512 {
        // SAFETY: see the impl comment. r0 ≈ 1/a to 2^-14 relative; one Newton step
        // r = r0 + r0·(1 − a·r0) squares the error to ~2^-28, below f32 rounding.
        unsafe {
            let r0 = _mm512_rcp14_ps(a);
            let residual = _mm512_fnmadd_ps(a, r0, _mm512_set1_ps(1.0));
            _mm512_fmadd_ps(r0, residual, r0)
        }
    }
    #[inline(always)]
    fn copy_sign(self, magnitude: __m512, sign: __m512) -> __m512 {
        // SAFETY: see the impl comment. One ternary-logic op: bit = c ? b : a with
        // c = the sign mask, a = magnitude, b = sign: imm bit (4a + 2b + c) set where c ? b : a
        // is 1, i.e. bits 3, 4, 6, 7 = 0xD8.
        unsafe {
            _mm512_castsi512_ps(_mm512_ternarylogic_epi32::<0xD8>(
                _mm512_castps_si512(magnitude),
                _mm512_castps_si512(sign),
                _mm512_set1_epi32(i32::MIN),
            ))
        }
    }
    #[inline(always)]
    fn min(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment. `vminps` returns its second operand unless a < b.
        unsafe { _mm512_min_ps(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment. `vmaxps` returns its second operand unless a > b.
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_sqrt_ps(a) }
    }
    #[inline(always)]
    fn abs(self, a: __m512) -> __m512 {
        self.and_bits(a, 0x7fff_ffff)
    }
    #[inline(always)]
    fn neg(self, a: __m512) -> __m512 {
        // SAFETY: see the impl comment. (AVX-512F has no float XOR; do it on integers.)
        unsafe {
            _mm512_castsi512_ps(_mm512_xor_si512(
                _mm512_castps_si512(a),
                _mm512_set1_epi32(i32::MIN),
            ))
        }
    }
    #[inline(always)]
    fn lt(self, a: __m512, b: __m512) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m512, b: __m512) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cmp_ps_mask::<_CMP_LE_OQ>(a, b) }
    }
    #[inline(always)]
    fn gt(self, a: __m512, b: __m512) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, b) }
    }
    #[inline(always)]
    fn ge(self, a: __m512, b: __m512) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(a, b) }
    }
    #[inline(always)]
    fn is_nan(self, a: __m512) -> __mmask16 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, a) }
    }
    #[inline(always)]
    fn mask_and(self, a: __mmask16, b: __mmask16) -> __mmask16 {
        a & b
    }
    #[inline(always)]
    fn mask_or(self, a: __mmask16, b: __mmask16) -> __mmask16 {
        a | b
    }
    #[inline(always)]
    fn mask_any(self, m: __mmask16) -> bool {
        m != 0
    }
    #[inline(always)]
    fn select(self, m: __mmask16, a: __m512, b: __m512) -> __m512 {
        // SAFETY: see the impl comment. mask_blend takes its second source where m is set.
        unsafe { _mm512_mask_blend_ps(m, b, a) }
    }
    #[inline(always)]
    fn and_bits(self, a: __m512, bits: u32) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe {
            _mm512_castsi512_ps(_mm512_and_si512(
                _mm512_castps_si512(a),
                _mm512_set1_epi32(bits as i32),
            ))
        }
    }
    #[inline(always)]
    fn or_bits(self, a: __m512, bits: u32) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe {
            _mm512_castsi512_ps(_mm512_or_si512(
                _mm512_castps_si512(a),
                _mm512_set1_epi32(bits as i32),
            ))
        }
    }
    #[inline(always)]
    fn pow2i(self, n: __m512) -> __m512 {
        // SAFETY: see the impl comment. (n + 127) << 23 is the bit pattern of 2^n.
        unsafe {
            let biased = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
            _mm512_castsi512_ps(_mm512_slli_epi32::<23>(biased))
        }
    }
    #[inline(always)]
    fn exponent_field(self, a: __m512) -> __m512 {
        // SAFETY: see the impl comment.
        unsafe { _mm512_cvtepi32_ps(_mm512_srli_epi32::<23>(_mm512_castps_si512(self.abs(a)))) }
    }
    #[inline(always)]
    fn reduce_add(self, v: __m512) -> f32 {
        // SAFETY: see the impl comment. Fold 512 -> 256 -> 128, then as SSE: a fixed order.
        unsafe {
            let lo = _mm512_castps512_ps256(v);
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)));
            let quad = _mm256_add_ps(lo, hi);
            let half = _mm_add_ps(
                _mm256_castps256_ps128(quad),
                _mm256_extractf128_ps::<1>(quad),
            );
            let high = _mm_movehl_ps(half, half);
            let pair = _mm_add_ps(half, high);
            let odd = _mm_shuffle_ps::<0b01>(pair, pair);
            _mm_cvtss_f32(_mm_add_ss(pair, odd))
        }
    }
}

// ---- GEMM micro-kernel ----------------------------------------------------------------------

/// The AVX-512 register tile: 8 rows × 32 columns: 16 accumulators + 2 B vectors of the 32 ZMM registers; the broadcasts of A fold into the FMAs (`{1to16}` memory operands). 8 × 32 divides the common power-of-two shapes exactly, and 16 chains cover 1 FMA/cycle × 4 cycles latency (Zen 4 runs 512-bit FMAs as two 256-bit halves).
impl crate::gemm::MicroKernel for Avx512 {
    const MR: usize = 8;
    const NV: usize = 2;

    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> __m512 {
        // SAFETY: the caller guarantees sixteen readable f32 values at `p`; the token proves
        // the CPU supports the instruction. Unaligned load.
        unsafe { _mm512_loadu_ps(p) }
    }

    #[inline(always)]
    fn transpose4(self, src: &[f32], lds: usize, dst: &mut [f32], ldd: usize) {
        super::transpose4(src, lds, dst, ldd);
    }

    #[inline(always)]
    fn run_tile(self, t: &crate::gemm::Tile<'_>, out: &mut crate::gemm::CTile<'_>) {
        crate::gemm::kernel::dispatch_tile!(Avx512, "avx512f,avx2,fma", self, t, out, rows: [1, 2, 3, 4, 5, 6, 7, 8], vectors: [1, 2]);
    }
}
