//! neuro-divergent: neural time-series forecasting on a zero-dependency numerics engine.
#![forbid(unsafe_code)]

pub use nd_kernels as kernels;
