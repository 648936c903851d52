//! neuro-divergent: neural time-series forecasting (NeuralForecast's models) on a
//! zero-dependency, hand-optimised numerics engine.
//!
//! This crate contains no `unsafe` code: every SIMD kernel, with its runtime ISA dispatch, and
//! the aligned memory live in the `nd-kernels` crate, re-exported here as [`kernels`].
//!
//! # Quick start
//!
//! Fit a model on a long-format CSV (`unique_id`, `ds`, `y`; here read from a string) and
//! forecast the next `h` steps of every series, as NeuralForecast's `fit` and `predict` do:
//!
//! ```
//! use neuro_divergent::data::{CsvOptions, Freq, Frame};
//! use neuro_divergent::forecast::NeuralForecast;
//! use neuro_divergent::models::ModelBuilder;
//! # fn main() -> neuro_divergent::Result<()> {
//! let mut csv = String::from("unique_id,ds,y\n");
//! for t in 0..48 {
//!     csv += &format!("shop,{t},{}\n", 100 + t % 12 * 5);
//! }
//! let df = Frame::from_reader(csv.as_bytes(), "sales.csv", &CsvOptions::default())?;
//! let model = ModelBuilder::new("nhits", 12).input_size(24).max_steps(30).build()?;
//! let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1));
//! nf.fit(&df)?;
//! let forecast = nf.predict()?; // columns unique_id, ds, NHITS; 12 rows
//! assert_eq!(forecast.names(), ["unique_id", "ds", "NHITS"]);
//! assert_eq!(forecast.len(), 12);
//! # Ok(()) }
//! ```
//!
//! # Data flow
//!
//! ```text
//! CSV ──► data::Frame ──► data::Dataset ──► window sampler ──► data::batch::Batch
//!          (typed         (per series:       (indices only)      (B windows, scaled by
//!           columns)       f32 values, mask,                      the model's temporal
//!                          exogenous blocks)                      scaler)
//!                                                                     │
//!      loss::Loss ◄── y_hat (B, H, Q) ◄── models::Model::forward ◄────┘
//!          │                                   ▲
//!          └──► backward ──► optim::Adam ──────┘  (train: the loop; sched: the threads;
//!                                                  kernels: the GEMMs and activations)
//! ```
//!
//! [`forecast::NeuralForecast`] drives it all: `fit` builds the [`data::Dataset`], applies the
//! optional per-series local scaler ([`data::scalers`]) and trains each model with [`train`];
//! `predict` runs the models on the last window of every series, undoes the scalers and
//! returns a [`data::Frame`] with NeuralForecast's columns. [`io::model_file`] saves and loads
//! the whole forecaster.
//!
//! # Modules
//!
//! - [`data`]: frames, CSV reading, datasets, frequencies, windows and batches, scalers.
//! - [`forecast`]: `NeuralForecast` (fit, predict, cross-validation, in-sample, save/load).
//! - [`models`]: the models (MLP, DLinear, NLinear, NBEATS, NBEATSx, NHITS), their
//!   hyperparameters by NeuralForecast name, and [`models::ModelBuilder`].
//! - [`loss`]: NeuralForecast's training losses with hand-written gradients.
//! - [`train`]: the training loop, validation and early stopping, prediction.
//! - [`nn`], [`optim`]: layers with hand-written backward passes; Adam, SGD, schedules.
//! - [`tensor`]: `Tensor` (owning, up to 4 dimensions, row-major, 64-byte aligned) and its
//!   borrowed views, with shape errors instead of undefined behaviour.
//! - [`sched`]: the work-stealing thread pool every parallel loop runs on.
//! - [`eval`]: accuracy metrics, the SeasonalNaive baseline, the CLI's model defaults.
//! - [`io`]: JSON, model files, SVG plots. [`monitoring`]: time and peak memory of a stretch
//!   of code. [`rng`]: the seeded generator. [`workloads`]: the benchmark workloads.
//! - [`cli`]: the `neuro-divergent` command (`forecast`, `fit`, `predict`, `eval`, `info`, ...).
//!
//! Coming from Python? `docs/migrating-from-neuralforecast.md` puts each NeuralForecast call
//! next to ours.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod data;
pub mod error;
pub mod eval;
pub mod forecast;
pub mod io;
pub mod loss;
pub mod models;
pub mod monitoring;
pub mod nn;
pub mod optim;
pub mod rng;
pub mod sched;
pub(crate) mod suggest;
pub mod tensor;
pub mod train;
pub mod workloads;

pub use error::{Error, ErrorKind, Result};

pub use nd_kernels as kernels;

/// The Rust snippets of `docs/migrating-from-neuralforecast.md`, compiled and run as doctests so
/// that the guide cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../docs/migrating-from-neuralforecast.md")]
pub struct MigrationGuide;

/// The README's Rust code blocks, run as doctests by `cargo test` so that its quickstart
/// cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
