//! exp and log over slices, generic over the vector type (the approximations live in `math/`).
use crate::simd::Simd;
pub fn exp<S: Simd>(_s: S, _x: &[f32], _y: &mut [f32]) {
    todo!()
}
pub fn log<S: Simd>(_s: S, _x: &[f32], _y: &mut [f32]) {
    todo!()
}
