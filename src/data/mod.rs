//! The data layer: from a CSV file in NeuralForecast's long format to batches of windows.
//!
//! CSV → [`frame::Frame`] (typed columns) → [`dataset::Dataset`] (per series: contiguous f32
//! values, availability mask, exogenous columns) → window sampler (indices only) → a batch
//! gathered into a preplanned buffer → temporal scaler.

pub mod batch;
pub mod build;
pub mod calendar;
pub mod csv;
pub mod dataset;
pub mod datetime;
pub mod embedded;
pub mod features;
pub mod float;
pub mod frame;
pub mod frame_io;
pub mod freq;
pub mod scalers;
pub mod synthetic;
pub mod windows;

pub use build::DatasetOptions;
pub use csv::CsvOptions;
pub use dataset::Dataset;
pub use frame::{Column, ColumnRoles, Frame};
pub use freq::Freq;
