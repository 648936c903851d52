//! Neural-network layers with hand-written backward passes (llm.c-style).
//!
//! ## The layer convention
//! Every layer is a plain struct holding its dimensions and the [`params::ParamRange`]s of its
//! tensors, built by `Layer::new(&mut ParamLayout, name, dims...)`. It has, side by side:
//! - `forward(&self, k, params, inputs..., outputs..., cache)`: `params` is the model's whole flat
//!   value buffer; `cache` receives exactly what backward needs beyond the inputs and outputs
//!   (documented with its shape), sized by `cache_len(dims)`.
//! - `backward(&self, k, params, grads, inputs..., outputs..., cache, d_outputs..., d_inputs...,
//!   scratch)`: **adds** into `grads` (the flat gradient buffer, same layout as `params`) and into
//!   the input gradients (`+=`, so fan-out needs no special case); `d_inputs` are `Option` when a
//!   caller may not need them (the first layer). Temporaries come from `scratch`, sized by
//!   `scratch_len(dims)`.
//! - `forward_inference` where a cheaper no-cache path exists.
//!
//! No forward or backward allocates: a model sums the `cache_len`s and `scratch_len`s of its
//! layers once, allocates one arena, and carves it. `k: &Kernels` selects the ISA tier (tests
//! pass each tier in turn). Shapes are written next to every buffer: `// (B, T, C)`.
//!
//! Every layer's backward is checked against finite differences with [`gradcheck`], and its
//! forward and backward against the scalar reference on every ISA the CPU has.

pub mod conv1d;
pub mod gradcheck;
pub mod gru;
pub mod linear;
pub mod lstm;
pub mod params;
pub mod recurrent;
pub mod rnn;

pub use conv1d::{Conv1d, Conv1dGeometry};
pub use gru::Gru;
pub use linear::Linear;
pub use lstm::Lstm;
pub use params::{Init, ParamLayout, ParamRange, ParamStore};
pub use recurrent::SeqDims;
pub use rnn::{Rnn, RnnNonlinearity};
