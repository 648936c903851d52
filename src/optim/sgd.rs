//! Stochastic gradient descent, `torch.optim.SGD`'s update rule exactly.
//!
//! Per element, in PyTorch's order (single-tensor path, f32 arithmetic):
//!
//! ```text
//! g ← g + wd·p                                   (if weight_decay ≠ 0)
//! first step:  buf ← g                            (the buffer starts as a copy, not from 0)
//! later steps: buf ← momentum·buf + (1 − dampening)·g
//! g ← g + momentum·buf   (Nesterov)   or   g ← buf
//! p ← p − lr·g
//! ```
//!
//! The momentum part applies only when momentum ≠ 0. The buffer has the parameters' flat
//! layout (see [`crate::nn::params`]), so the step is one pass over three streams.

use crate::error::{Error, Result};
use nd_kernels::mem::AlignedBuf;

/// SGD hyperparameters, with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate (PyTorch's default 1e-3).
    pub lr: f32,
    /// Momentum factor (0: plain SGD).
    pub momentum: f32,
    /// Dampening of the gradient's share in the momentum (0).
    pub dampening: f32,
    /// L2 penalty added to the gradient (0).
    pub weight_decay: f32,
    /// Nesterov momentum (needs momentum > 0 and dampening 0, as in PyTorch).
    pub nesterov: bool,
}

impl Default for SgdConfig {
    fn default() -> SgdConfig {
        SgdConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

impl SgdConfig {
    /// Checks the ranges PyTorch checks (lr, momentum, weight decay ≥ 0; Nesterov's needs).
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("weight_decay", self.weight_decay),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::config(
                    name,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        if !self.dampening.is_finite() {
            return Err(Error::config("dampening", "must be finite"));
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::config(
                "nesterov",
                "requires momentum > 0 and dampening = 0",
            ));
        }
        Ok(())
    }
}

/// SGD with its momentum buffer.
#[derive(Clone, Debug)]
pub struct Sgd {
    /// Hyperparameters; `lr` may be changed between steps (schedules do).
    pub config: SgdConfig,
    /// Momentum buffer, the parameters' layout (empty without momentum).
    momentum_buf: AlignedBuf,
    /// Steps taken.
    steps: u64,
}

impl Sgd {
    /// SGD over `n_params` floats (the flat buffer's length, padding included).
    pub fn new(config: SgdConfig, n_params: usize) -> Result<Sgd> {
        config.validate()?;
        let len = if config.momentum != 0.0 { n_params } else { 0 };
        Ok(Sgd {
            config,
            momentum_buf: AlignedBuf::zeroed(len),
            steps: 0,
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The momentum buffer (empty without momentum).
    pub fn momentum_buffer(&self) -> &[f32] {
        &self.momentum_buf
    }

    /// One update of `params` from `grads`.
    ///
    /// # Panics
    /// If `params`, `grads` and the optimizer's state differ in length.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        let (update, buf) = self.begin_step();
        update.apply(params, grads, buf);
    }

    /// Counts one step and returns its rule with the momentum buffer (empty without
    /// momentum), for an update applied chunk by chunk (elementwise, so any partition gives
    /// the same bits as [`Sgd::step`]).
    pub(crate) fn begin_step(&mut self) -> (SgdUpdate, &mut [f32]) {
        let update = SgdUpdate {
            config: self.config,
            first: self.steps == 0,
        };
        self.steps += 1;
        (update, &mut self.momentum_buf)
    }
}

/// One SGD step's rule, applicable to any chunk of the parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SgdUpdate {
    config: SgdConfig,
    /// The first step initialises the momentum buffer with the gradient (PyTorch).
    first: bool,
}

impl SgdUpdate {
    /// Updates `params` (and `buf`, the momentum of the same elements; empty without momentum).
    ///
    /// # Panics
    /// If the lengths differ.
    pub(crate) fn apply(&self, params: &mut [f32], grads: &[f32], buf: &mut [f32]) {
        assert_eq!(params.len(), grads.len(), "sgd: params and grads lengths");
        let c = self.config;
        let (lr, wd, mu) = (c.lr, c.weight_decay, c.momentum);
        if mu == 0.0 {
            for (p, &g) in params.iter_mut().zip(grads) {
                let g = if wd != 0.0 { g + wd * *p } else { g };
                *p += -lr * g;
            }
            return;
        }
        assert_eq!(buf.len(), params.len(), "sgd: state length");
        let keep = 1.0 - c.dampening;
        for ((p, &g), b) in params.iter_mut().zip(grads).zip(buf.iter_mut()) {
            let g = if wd != 0.0 { g + wd * *p } else { g };
            *b = if self.first { g } else { *b * mu + keep * g };
            let g = if c.nesterov { g + mu * *b } else { *b };
            *p += -lr * g;
        }
    }
}
