//! Scalers: per-window temporal normalisation inside the model ([`temporal`]) and per-series
//! normalisation of the whole dataset before fitting ([`local`]), each with its inverse.

pub mod local;
pub mod temporal;

pub use local::{LocalScaler, LocalScalerKind};
pub use temporal::{ScaleStats, TemporalScaler, TemporalScalerKind};
