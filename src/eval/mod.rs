//! Forecast evaluation: accuracy metrics, the SeasonalNaive baseline, and the hyperparameters
//! `neuro-divergent eval` uses for each model unless told otherwise.

pub mod defaults;
pub mod metrics;
pub mod seasonal_naive;

pub use metrics::Metrics;
