//! Activation kernels, forward and backward, generic over the vector type.
use crate::activation::Activation;
use crate::simd::Simd;
pub fn forward<S: Simd>(_s: S, _act: Activation, _x: &[f32], _y: &mut [f32]) {
    todo!()
}
pub fn forward_inplace<S: Simd>(_s: S, _act: Activation, _x: &mut [f32]) {
    todo!()
}
pub fn backward<S: Simd>(
    _s: S,
    _act: Activation,
    _x: &[f32],
    _y: &[f32],
    _dy: &[f32],
    _dx: &mut [f32],
) {
    todo!()
}
pub fn prelu_forward<S: Simd>(_s: S, _x: &[f32], _slopes: &[f32], _inner: usize, _y: &mut [f32]) {
    todo!()
}
pub fn prelu_backward<S: Simd>(
    _s: S,
    _x: &[f32],
    _slopes: &[f32],
    _inner: usize,
    _dy: &[f32],
    _dx: &mut [f32],
    _dslopes: &mut [f32],
) {
    todo!()
}
