//! Adam and AdamW, `torch.optim.Adam`/`AdamW`'s update rules, over the flat buffers.
//!
//! The arithmetic is the kernels' `adam_step` (one pass over params, grads and the two
//! moments; see `nd_kernels::ops::adam` for the exact formula, PyTorch's bias corrections
//! folded into two scalars per step). This file holds the state: the first and second moments
//! m and v, laid out like the parameters, and the 1-based step count the bias corrections use.
//!
//! Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0 for Adam (an
//! L2 term added to the gradient) and 1e-2 for AdamW (decoupled: p ← p·(1 − lr·wd) first).
//! NeuralForecast trains every model with `torch.optim.Adam(lr=learning_rate)`.

use crate::error::{Error, Result};
use nd_kernels::mem::AlignedBuf;
use nd_kernels::ops::adam::AdamStep;
use nd_kernels::table::Kernels;

/// Adam/AdamW hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate; may be changed between steps (schedules do).
    pub lr: f32,
    /// β1, β2: decay rates of the first and second moments.
    pub betas: (f32, f32),
    /// Added to √v̂ in the denominator.
    pub eps: f32,
    /// L2 penalty (Adam) or decoupled decay (AdamW).
    pub weight_decay: f32,
    /// AdamW's decoupled weight decay.
    pub decoupled_weight_decay: bool,
}

impl AdamConfig {
    /// `torch.optim.Adam`'s defaults.
    pub fn adam() -> AdamConfig {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        }
    }

    /// `torch.optim.AdamW`'s defaults (weight decay 1e-2, decoupled).
    pub fn adamw() -> AdamConfig {
        AdamConfig {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..AdamConfig::adam()
        }
    }

    /// Checks the ranges PyTorch checks: lr, eps, weight decay ≥ 0; betas in [0, 1).
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("lr", self.lr),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::config(
                    name,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        for (name, b) in [("betas[0]", self.betas.0), ("betas[1]", self.betas.1)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::config(name, format!("must lie in [0, 1), got {b}")));
            }
        }
        Ok(())
    }
}

impl Default for AdamConfig {
    fn default() -> AdamConfig {
        AdamConfig::adam()
    }
}

/// Adam/AdamW with its moments.
#[derive(Clone, Debug)]
pub struct Adam {
    /// Hyperparameters.
    pub config: AdamConfig,
    /// First moment, the parameters' layout.
    m: AlignedBuf,
    /// Second moment, the parameters' layout.
    v: AlignedBuf,
    /// Steps taken (the next step's bias correction uses steps + 1).
    steps: u64,
}

impl Adam {
    /// Adam over `n_params` floats (the flat buffer's length, padding included).
    pub fn new(config: AdamConfig, n_params: usize) -> Result<Adam> {
        config.validate()?;
        Ok(Adam {
            config,
            m: AlignedBuf::zeroed(n_params),
            v: AlignedBuf::zeroed(n_params),
            steps: 0,
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The moments (m, v), for saving or inspection.
    pub fn moments(&self) -> (&[f32], &[f32]) {
        (&self.m, &self.v)
    }

    /// One update of `params` from `grads` with the kernels of `k`.
    ///
    /// # Panics
    /// If `params`, `grads` and the moments differ in length.
    pub fn step(&mut self, k: &Kernels, params: &mut [f32], grads: &[f32]) {
        let (spec, m, v) = self.begin_step();
        (k.adam_step)(&spec, params, grads, m, v);
    }

    /// Counts one step and returns its scalars with the moments, for an update applied chunk
    /// by chunk (the update is elementwise, so any partition gives the same bits as
    /// [`Adam::step`]).
    pub(crate) fn begin_step(&mut self) -> (AdamStep, &mut [f32], &mut [f32]) {
        self.steps += 1;
        let c = self.config;
        let spec = AdamStep {
            lr: c.lr,
            beta1: c.betas.0,
            beta2: c.betas.1,
            eps: c.eps,
            weight_decay: c.weight_decay,
            decoupled_weight_decay: c.decoupled_weight_decay,
            step: self.steps,
        };
        (spec, &mut self.m, &mut self.v)
    }
}
