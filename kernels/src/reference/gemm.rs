//! The textbook GEMM: C = epilogue(alpha·op(A)·op(B) + beta·C).
use crate::gemm::{Epilogue, GemmSpec};
pub fn sgemm(_spec: &GemmSpec, _a: &[f32], _b: &[f32], _c: &mut [f32], _epilogue: Epilogue<'_>) {
    todo!()
}
