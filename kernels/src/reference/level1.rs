//! Level-1 kernels (BLAS level 1 and elementwise arithmetic).
pub fn dot(_a: &[f32], _b: &[f32]) -> f32 {
    todo!()
}
pub fn axpy(_alpha: f32, _x: &[f32], _y: &mut [f32]) {
    todo!()
}
pub fn scale(_alpha: f32, _x: &mut [f32]) {
    todo!()
}
pub fn add(_a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn sub(_a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn mul(_a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn div(_a: &[f32], _b: &[f32], _out: &mut [f32]) {
    todo!()
}
pub fn add_assign(_y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn sub_assign(_y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn mul_assign(_y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn div_assign(_y: &mut [f32], _x: &[f32]) {
    todo!()
}
pub fn sum(_x: &[f32]) -> f32 {
    todo!()
}
pub fn sum_sq(_x: &[f32]) -> f32 {
    todo!()
}
pub fn max(_x: &[f32]) -> f32 {
    todo!()
}
pub fn argmax(_x: &[f32]) -> Option<usize> {
    todo!()
}
