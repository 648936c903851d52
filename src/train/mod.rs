//! The trainer: NeuralForecast's `BaseModel` training, validation and prediction around a
//! [`crate::models::Model`]'s forward and backward.
//!
//! ```text
//! Dataset ─► WindowIndex ─► Sampler ─► gather ─► TemporalScaler ─► forward ─► loss ─► backward ─► Adam
//!                                                                 (Mode::Train)   (scaled outsample)
//! ```
//!
//! - [`exog`]: a dataset projected onto one model's exogenous lists.
//! - [`step`]: the buffers of one batch, planned once, and one optimizer step.
//! - [`data_parallel`]: the same step split over the pool's threads (shards of the batch,
//!   gradients reduced in a fixed order, the optimizer in parallel chunks).
//! - [`trainer`]: [`TrainPlan`] and [`Trainer`], the fit loop with validation and early
//!   stopping (see its docs for the semantics and the differences from NeuralForecast).
//! - [`validation`]: the validation loss on the data's scale.
//! - [`predict`]: batched inference with inverse temporal scaling.

pub mod data_parallel;
pub mod exog;
pub mod predict;
pub mod step;
pub mod trainer;
pub mod validation;

pub use predict::predict_windows;
pub use trainer::{fit_model, Holdout, StepReport, TrainPlan, TrainReport, Trainer};
