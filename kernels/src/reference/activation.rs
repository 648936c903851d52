//! Activation kernels, forward and backward.
use crate::activation::Activation;
pub fn forward(_act: Activation, _x: &[f32], _y: &mut [f32]) {
    todo!()
}
pub fn forward_inplace(_act: Activation, _x: &mut [f32]) {
    todo!()
}
pub fn backward(_act: Activation, _x: &[f32], _y: &[f32], _dy: &[f32], _dx: &mut [f32]) {
    todo!()
}
pub fn prelu_forward(_x: &[f32], _slopes: &[f32], _inner: usize, _y: &mut [f32]) {
    todo!()
}
pub fn prelu_backward(
    _x: &[f32],
    _slopes: &[f32],
    _inner: usize,
    _dy: &[f32],
    _dx: &mut [f32],
    _dslopes: &mut [f32],
) {
    todo!()
}
