//! The AArch64 tier: its vector token (and its GEMM micro-kernel).

pub mod neon;

pub use neon::Neon;
