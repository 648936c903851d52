//! Learning-rate schedules: constant, and StepLR as NeuralForecast configures it.
//!
//! NeuralForecast (`common/_base_model.py`, `configure_optimizers`) attaches
//! `StepLR(step_size=lr_decay_steps, gamma=0.5)` with `interval="step", frequency=1`, where
//! `lr_decay_steps = max(max_steps // num_lr_decays, 1)` if `num_lr_decays > 0`, else `10e7`
//! (that is 1e8: never, in practice). Lightning steps the scheduler after every optimizer
//! step, so optimizer step t (0-based) uses `lr · γ^⌊t / step_size⌋`: with max_steps 10 and 3
//! decays, steps 0–2 use lr, 3–5 lr/2, 6–8 lr/4 and step 9 lr/8.
//!
//! PyTorch's StepLR multiplies the current rate by γ at each boundary (recursively, in f64);
//! [`LrSchedule::lr_at`] does the same multiplications, so the rate matches PyTorch's to the
//! last bit before its cast to f32.

/// NeuralForecast's step size when decay is off (`10e7`).
pub const NEVER: u64 = 100_000_000;

/// A learning rate as a function of the optimizer step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LrSchedule {
    /// The same rate at every step.
    Constant {
        /// Learning rate.
        lr: f64,
    },
    /// `torch.optim.lr_scheduler.StepLR`, stepped once per optimizer step.
    Step {
        /// Rate of the first `step_size` steps.
        base_lr: f64,
        /// Steps between decays (≥ 1).
        step_size: u64,
        /// Factor per decay.
        gamma: f64,
    },
}

impl LrSchedule {
    /// NeuralForecast's schedule for `learning_rate`, `max_steps` and `num_lr_decays`
    /// (≤ 0: no decay; most models default to -1, NHITS/NBEATS to 3).
    pub fn neuralforecast(learning_rate: f64, max_steps: u64, num_lr_decays: i64) -> LrSchedule {
        let step_size = if num_lr_decays > 0 {
            (max_steps / num_lr_decays as u64).max(1)
        } else {
            NEVER
        };
        LrSchedule::Step {
            base_lr: learning_rate,
            step_size,
            gamma: 0.5,
        }
    }

    /// The rate for optimizer step `t` (0-based: the first step is 0).
    pub fn lr_at(&self, t: u64) -> f32 {
        match *self {
            LrSchedule::Constant { lr } => lr as f32,
            LrSchedule::Step {
                base_lr,
                step_size,
                gamma,
            } => {
                let decays = t / step_size.max(1);
                // PyTorch's repeated multiplication; past 1024 decays the rate has long
                // underflowed for any γ < 1, and powi keeps this O(1).
                let lr = if decays <= 1024 {
                    (0..decays).fold(base_lr, |lr, _| lr * gamma)
                } else {
                    base_lr * gamma.powi(decays.min(i32::MAX as u64) as i32)
                };
                lr as f32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neuralforecast_step_lr_matches_torch() {
        // torch StepLR(step_size=max(10 // 3, 1), gamma=0.5) on Adam(lr=1e-3), the lr read
        // before each of 10 optimizer steps, scheduler stepped after each (PyTorch 2.x).
        let torch = [
            0.001, 0.001, 0.001, 0.0005, 0.0005, 0.0005, 0.00025, 0.00025, 0.00025, 0.000125,
        ];
        let s = LrSchedule::neuralforecast(1e-3, 10, 3);
        for (t, &e) in torch.iter().enumerate() {
            assert_eq!(s.lr_at(t as u64), e as f32, "step {t}");
        }
        // gamma 0.3 (not a power of two): 0.01, 0.003, 0.0009, 0.00027 as PyTorch's doubles.
        let s = LrSchedule::Step {
            base_lr: 0.01,
            step_size: 2,
            gamma: 0.3,
        };
        let torch = [0.01, 0.01, 0.003, 0.003, 0.0009, 0.0009, 0.00027];
        for (t, &e) in torch.iter().enumerate() {
            assert_eq!(s.lr_at(t as u64), e as f32, "step {t}");
        }
    }

    #[test]
    fn no_decay_when_num_lr_decays_is_not_positive() {
        for n in [0, -1] {
            let s = LrSchedule::neuralforecast(0.01, 1000, n);
            assert_eq!(s.lr_at(999), 0.01);
            assert_eq!(s.lr_at(NEVER), 0.005);
        }
        // More decays than steps: step size 1.
        let s = LrSchedule::neuralforecast(1.0, 2, 5);
        assert_eq!((s.lr_at(0), s.lr_at(1)), (1.0, 0.5));
        assert_eq!(s.lr_at(u64::MAX), 0.0);
        assert_eq!(LrSchedule::Constant { lr: 0.1 }.lr_at(77), 0.1);
    }
}
