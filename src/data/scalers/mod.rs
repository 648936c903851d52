//! Scalers: per-window temporal normalisation inside the model ([`temporal`]) and per-series
//! normalisation of the whole dataset before fitting ([`local`]), each with its inverse.
//!
//! Data flow: `NeuralForecast::fit` fits the [`LocalScaler`] (NeuralForecast's
//! `local_scaler_type`, optional) on the training [`Dataset`](crate::data::Dataset) and scales
//! it; the trainer then scales every batch of windows with the model's [`TemporalScaler`]
//! (`scaler_type`), statistics taken over each window's input part only. Forecasts are
//! inverted in the opposite order: temporal, then local.
//!
//! ```
//! use neuro_divergent::data::scalers::temporal::{forward, inverse, statistics_of};
//! use neuro_divergent::data::scalers::{LocalScaler, LocalScalerKind, TemporalScalerKind};
//! use neuro_divergent::data::Dataset;
//! # fn main() -> neuro_divergent::Result<()> {
//! // scaler_type="standard": one window's mean and standard deviation (+ 1e-6).
//! let kind = TemporalScalerKind::parse("standard")?;
//! let (shift, scale) = statistics_of(kind, &mut [2.0, 4.0, 6.0, 8.0]);
//! assert_eq!(shift, 5.0);
//! let z = forward(kind, 8.0, shift, scale);
//! assert!((z - 3.0 / 5f32.sqrt()).abs() < 1e-5);
//! assert!((inverse(kind, z, shift, scale) - 8.0).abs() < 1e-5);
//!
//! // local_scaler_type="minmax": per series, over the whole history.
//! let y_a = [1.0, 3.0, 5.0];
//! let y_b = [100.0, 300.0];
//! let mut ds = Dataset::from_series(&[("a", &y_a[..]), ("b", &y_b[..])]);
//! let scaler = LocalScaler::fit(&ds, LocalScalerKind::parse("minmax")?)?;
//! scaler.transform(&mut ds)?;
//! assert_eq!(ds.y_of(0), [0.0, 0.5, 1.0]);
//! assert_eq!(ds.y_of(1), [0.0, 1.0]);
//! let mut forecast = [0.25];
//! scaler.inverse_y(1, &mut forecast); // series b's forecast back on its scale
//! assert_eq!(forecast, [150.0]);
//! # Ok(()) }
//! ```

pub mod local;
pub mod temporal;

pub use local::{LocalScaler, LocalScalerKind};
pub use temporal::{ScaleStats, TemporalScaler, TemporalScalerKind};
