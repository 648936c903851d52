//! Every elementwise, reduction and row kernel, written once, generic over [`crate::simd::Simd`].

pub mod activation;
pub mod adam;
pub mod colsum;
pub mod gru_cell;
pub mod layernorm;
pub mod level1;
pub mod lstm_cell;
pub mod softmax;
pub mod transcendental;
