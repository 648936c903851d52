//! Single-precision GEMM: blocking, packing and the small/medium/large paths, generic over the
//! tier's micro-kernel (which lives in the tier's file in `x86/` or `arm/`).

use crate::activation::Activation;
use crate::simd::Simd;

/// Whether an operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transpose {
    No,
    Yes,
}

/// The shape and scalars of C = alpha·op(A)·op(B) + beta·C, all matrices row-major.
///
/// op(A) is (m, k): A is stored (m, k) with row stride `lda` when `trans_a` is `No`, and
/// (k, m) when it is `Yes`; likewise op(B) is (k, n). C is (m, n) with row stride `ldc`.
/// When `beta` is 0, C is not read (NaN in C does not propagate), as in BLAS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GemmSpec {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: Transpose,
    pub trans_b: Transpose,
    pub alpha: f32,
    pub beta: f32,
    pub lda: usize,
    pub ldb: usize,
    pub ldc: usize,
}

/// What to apply to each element of C after the product: add `bias[j]` to column j, then the
/// activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Epilogue<'a> {
    /// (n), added to every row of C.
    pub bias: Option<&'a [f32]>,
    pub activation: Activation,
}

impl Epilogue<'_> {
    /// No bias, identity activation: plain GEMM.
    pub const NONE: Epilogue<'static> = Epilogue {
        bias: None,
        activation: Activation::Identity,
    };
}

pub fn sgemm<S: Simd>(
    _s: S,
    _spec: &GemmSpec,
    _a: &[f32],
    _b: &[f32],
    _c: &mut [f32],
    _epilogue: Epilogue<'_>,
) {
    todo!()
}
