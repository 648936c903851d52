//! The x86-64 tiers: one file per tier holding its vector token (and, in time, its GEMM
//! micro-kernel). Everything else is generic.

pub mod avx;
pub mod avx2;
pub mod avx512;
pub mod sse2;

pub use avx::Avx;
pub use avx2::Avx2;
pub use avx512::Avx512;
pub use sse2::Sse2;
