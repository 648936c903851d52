//! Row layer normalisation, forward and backward.
use crate::table::LayerNormBackward;
pub fn rows(
    _x: &[f32],
    _gamma: &[f32],
    _beta: &[f32],
    _eps: f32,
    _y: &mut [f32],
    _mean: &mut [f32],
    _rstd: &mut [f32],
) {
    todo!()
}
pub fn rows_backward(
    _inputs: &LayerNormBackward<'_>,
    _dx: &mut [f32],
    _dgamma: &mut [f32],
    _dbeta: &mut [f32],
) {
    todo!()
}
