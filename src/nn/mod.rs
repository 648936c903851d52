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

pub mod activation;
pub mod attention;
pub mod conv1d;
pub mod decomposition;
pub mod dropout;
pub mod embedding;
pub mod gated_skip;
pub mod gemm;
pub mod gemv;
pub mod glu;
pub mod gradcheck;
pub mod grn;
pub mod gru;
pub mod interpolate;
pub mod interpretable_attention;
pub mod layernorm;
pub mod linear;
pub mod lstm;
pub mod params;

pub mod pool;
pub mod prelu;
pub mod recurrent;
pub mod rnn;
pub use activation::{activation_by_name, ActivationLayer, NamedActivation};
pub use attention::{AttnDims, MultiheadAttention};
pub use conv1d::{Conv1d, Conv1dGeometry};
pub use decomposition::SeriesDecomp;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use gated_skip::GateAddNorm;
pub use glu::Glu;
pub use grn::Grn;
pub use gru::Gru;
pub use interpolate::{Interpolate, InterpolationMode};
pub use interpretable_attention::InterpretableAttention;
pub use layernorm::LayerNorm;
pub use linear::Linear;
pub use lstm::Lstm;
pub use params::{Init, ParamLayout, ParamRange, ParamStore};
pub use pool::{Pool1d, PoolKind};
pub use prelu::PRelu;
pub use recurrent::SeqDims;
pub use rnn::{Rnn, RnnNonlinearity};
