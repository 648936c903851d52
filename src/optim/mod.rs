//! Optimizers, learning-rate schedules and gradient clipping over the flat parameter buffers.
//!
//! Every optimizer keeps its state (momentum, Adam's moments) in buffers laid out exactly like
//! the [`crate::nn::ParamStore`] values, so a step is one pass over a few flat streams. The
//! update rules and defaults are PyTorch's (`torch.optim.SGD`, `Adam`, `AdamW`), checked
//! against trajectories computed with torch.optim in `tests/optim_trajectory.rs`.
//!
//! A training step, as NeuralForecast's (Lightning's) loop does it:
//!
//! ```
//! use neuro_divergent::optim::{clip_grad_norm, AdamConfig, LrSchedule, Optimizer};
//! let k = neuro_divergent::kernels::table::active();
//! let (mut params, mut grads) = (vec![1.0f32; 4], vec![0.5f32; 4]);
//! let mut opt = Optimizer::adam(AdamConfig::adam(), params.len()).unwrap();
//! let schedule = LrSchedule::neuralforecast(1e-3, 1000, 3);
//! for t in 0..3 {
//!     // ... zero grads, forward, loss, backward into `grads` ...
//!     clip_grad_norm(k, &mut grads, 1.0); // only if gradient_clip_val is set
//!     opt.set_lr(schedule.lr_at(t));
//!     opt.step(k, &mut params, &grads);
//! }
//! assert!(params[0] < 1.0);
//! ```

pub mod adam;
mod chunked;
pub mod clip;
pub mod schedule;
pub mod sgd;

pub use adam::{Adam, AdamConfig};
pub use clip::{clip_grad_norm, global_norm};
pub use schedule::LrSchedule;
pub use sgd::{Sgd, SgdConfig};

use crate::error::Result;
use nd_kernels::table::Kernels;

/// Any of the optimizers, behind one interface for the trainer.
#[derive(Clone, Debug)]
pub enum Optimizer {
    /// SGD (momentum, Nesterov, weight decay).
    Sgd(Sgd),
    /// Adam or AdamW.
    Adam(Adam),
}

impl Optimizer {
    /// SGD over `n_params` floats.
    pub fn sgd(config: SgdConfig, n_params: usize) -> Result<Optimizer> {
        Sgd::new(config, n_params).map(Optimizer::Sgd)
    }

    /// Adam/AdamW over `n_params` floats.
    pub fn adam(config: AdamConfig, n_params: usize) -> Result<Optimizer> {
        Adam::new(config, n_params).map(Optimizer::Adam)
    }

    /// The current learning rate.
    pub fn lr(&self) -> f32 {
        match self {
            Optimizer::Sgd(s) => s.config.lr,
            Optimizer::Adam(a) => a.config.lr,
        }
    }

    /// Sets the learning rate for the next steps (what a schedule does to PyTorch's
    /// `param_groups[0]["lr"]`).
    pub fn set_lr(&mut self, lr: f32) {
        match self {
            Optimizer::Sgd(s) => s.config.lr = lr,
            Optimizer::Adam(a) => a.config.lr = lr,
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        match self {
            Optimizer::Sgd(s) => s.steps(),
            Optimizer::Adam(a) => a.steps(),
        }
    }

    /// One update of `params` from `grads` (both the flat buffers of one `ParamStore`).
    ///
    /// # Panics
    /// If the lengths differ from each other or from the optimizer's state.
    pub fn step(&mut self, k: &Kernels, params: &mut [f32], grads: &[f32]) {
        match self {
            Optimizer::Sgd(s) => s.step(params, grads),
            Optimizer::Adam(a) => a.step(k, params, grads),
        }
    }
}
