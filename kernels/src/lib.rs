//! `nd-kernels`: the unsafe core of neuro-divergent.
//!
//! Every line of `unsafe` code in the project lives in this crate, and its public API is safe:
//! slices in, slices out, lengths checked. Pick a table with [`active`] (the best tier this CPU
//! supports, capped by `NEURO_DIVERGENT_ISA`) or [`for_isa`], then call its kernels.
//!
//! ```
//! let k = nd_kernels::active();
//! let x = [1.0f32, 2.0, 3.0];
//! assert_eq!((k.dot)(&x, &x), 14.0);
//! ```

pub mod activation;
pub mod counting;
mod dispatch;
pub mod gemm;
pub mod isa;
pub mod math;
pub mod mem;
pub mod ops;
pub mod peak;
pub mod reference;
pub mod sched;
pub mod simd;
pub mod table;

#[cfg(target_arch = "aarch64")]
pub mod arm;
#[cfg(target_arch = "x86_64")]
pub mod x86;

pub use activation::Activation;
pub use gemm::{Epilogue, GemmSpec, Transpose};
pub use isa::{Isa, IsaError};
pub use mem::{AlignedBuf, Arena, Pool};
pub use ops::adam::AdamStep;
pub use ops::gru_cell::GruCellSaved;
pub use ops::lstm_cell::LstmCellSaved;
pub use table::{active, all_supported, for_isa, Kernels, LayerNormBackward};
