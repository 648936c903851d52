//! neuro-divergent: neural time-series forecasting (NeuralForecast's models) on a
//! zero-dependency, hand-optimised numerics engine.
//!
//! This crate contains no `unsafe` code: every SIMD kernel, with its runtime ISA dispatch, and
//! the aligned memory live in the `nd-kernels` crate, re-exported here as [`kernels`].
//!
//! - [`tensor`]: `Tensor` (owning, up to 4 dimensions, row-major, 64-byte aligned) and its
//!   borrowed views, with shape errors instead of undefined behaviour.
//! - [`cli`]: the `neuro-divergent` command (`forecast`, `fit`, `predict`, `eval`, `info`, ...).
//!
//! ```
//! use neuro_divergent::tensor::Tensor;
//! let a = Tensor::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
//! assert_eq!(a.view().row(1).as_slice(), &[4.0, 5.0, 6.0]);
//! ```
#![forbid(unsafe_code)]

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
pub mod tensor;
pub mod train;
pub mod workloads;

pub use error::{Error, ErrorKind, Result};

pub use nd_kernels as kernels;

/// The README's Rust code blocks, run as doctests by `cargo test` so that its quickstart
/// cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
