//! Level-1 kernels (BLAS level 1 and elementwise arithmetic), generic over the vector type.
use crate::simd::Simd;
pub fn dot<S: Simd>(_s: S, _a: &[f32], _b: &[f32]) -> f32 {
    todo!()
}
pub fn axpy<S: Simd>(_s: S, _alpha: f32, _x: &[f32], _y: &mut [f32]) {
    todo!()
}
pub fn scale<S: Simd>(_s: S, _alpha: f32, _x: &mut [f32]) {
    todo!()
}
pub fn add<S: Simd>(_s: S, _a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn sub<S: Simd>(_s: S, _a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn mul<S: Simd>(_s: S, _a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn div<S: Simd>(_s: S, _a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn add_assign<S: Simd>(_s: S, _y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn sub_assign<S: Simd>(_s: S, _y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn mul_assign<S: Simd>(_s: S, _y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn div_assign<S: Simd>(_s: S, _y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn sum<S: Simd>(_s: S, _x: &[f32]) -> f32 {
    todo!()
}
pub fn sum_sq<S: Simd>(_s: S, _x: &[f32]) -> f32 {
    todo!()
}
pub fn max<S: Simd>(_s: S, _x: &[f32]) -> f32 {
    todo!()
}
pub fn argmax<S: Simd>(_s: S, _x: &[f32]) -> Option<usize> {
    todo!()
}
