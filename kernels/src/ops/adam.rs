//! The Adam / AdamW update over flat parameter, gradient and moment buffers.
use crate::simd::Simd;

/// The hyperparameters of one optimizer step (PyTorch's `torch.optim.Adam`/`AdamW` semantics).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    /// Learning rate.
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    /// L2 penalty (Adam: added to the gradient) or decoupled decay (AdamW: applied to the weights).
    pub weight_decay: f32,
    /// `true` for AdamW's decoupled weight decay, `false` for Adam's L2 penalty.
    pub decoupled_weight_decay: bool,
    /// The 1-based step number, for bias correction.
    pub step: u64,
}

pub fn step<S: Simd>(
    _s: S,
    _step: &AdamStep,
    _params: &mut [f32],
    _grads: &[f32],
    _m: &mut [f32],
    _v: &mut [f32],
) {
    todo!()
}
