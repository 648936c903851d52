//! The textbook GEMM: C = act(alpha·op(A)·op(B) + beta·C + bias).
use crate::activation::Activation;
use crate::gemm::{Epilogue, GemmSpec, Transpose};
use crate::reference::activation::forward_inplace;

/// `C[i][j] = act(alpha·Σ_p op(A)[i][p]·op(B)[p][j] + beta·C[i][j] + bias[j])`, row-major,
/// with `op(A)[i][p] = A[i·lda + p]` (or `A[p·lda + i]` transposed) and op(B) likewise.
/// When beta is 0 the old C is not read; when alpha is 0, A and B are not. Panics if the slices do not fit `spec`.
pub fn sgemm(spec: &GemmSpec, a: &[f32], b: &[f32], c: &mut [f32], epilogue: Epilogue<'_>) {
    spec.assert_fits(a, b, c, &epilogue);
    let GemmSpec {
        m,
        n,
        k,
        lda,
        ldb,
        ldc,
        alpha,
        beta,
        ..
    } = *spec;
    let op_a = |i: usize, p: usize| match spec.trans_a {
        Transpose::No => a[i * lda + p],
        Transpose::Yes => a[p * lda + i],
    };
    let op_b = |p: usize, j: usize| match spec.trans_b {
        Transpose::No => b[p * ldb + j],
        Transpose::Yes => b[j * ldb + p],
    };
    for i in 0..m {
        for j in 0..n {
            let mut dot = 0.0f32;
            for p in 0..k {
                dot += op_a(i, p) * op_b(p, j);
            }
            // alpha == 0 skips the product, as BLAS does (NaN in A or B does not propagate).
            let mut y = if alpha == 0.0 { 0.0 } else { alpha * dot };
            if beta != 0.0 {
                y += beta * c[i * ldc + j];
            }
            if let Some(bias) = epilogue.bias {
                y += bias[j];
            }
            c[i * ldc + j] = y;
        }
        if epilogue.activation != Activation::Identity {
            forward_inplace(epilogue.activation, &mut c[i * ldc..i * ldc + n]);
        }
    }
}
