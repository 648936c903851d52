//! Scalar reference kernels: the oracle every SIMD tier is tested against, and the `Scalar`
//! tier itself. Written to be read: one loop, the formula in the comment, no tricks.

pub mod activation;
pub mod adam;
pub mod colsum;
pub mod gemm;
pub mod gru_cell;
pub mod layernorm;
pub mod level1;
pub mod lstm_cell;
pub mod softmax;
pub mod transcendental;
