//! The roofline of one training step: the least time the machine could take for its work.
//!
//! ```text
//! roofline_ms       = flops_per_step / peak  +  optimizer_bytes_per_step / bandwidth
//! roofline_fraction = roofline_ms / step_ms_median          (1 = at the roofline)
//! ```
//!
//! - `flops_per_step`: the GEMM flops of the model's forward (training mode) and backward on
//!   `windows_batch_size` windows, **counted** by running them once through
//!   [`nd_kernels::counting`], whose `sgemm` adds 2·m·n·k per call. The sampler, the scaler,
//!   the loss and Adam do no GEMM, so these are all of a step's GEMM flops; elementwise work
//!   (activations, bias sums) is left out, as O(m·n) next to the products' O(m·n·k).
//! - `optimizer_bytes_per_step`: what `src/optim`'s Adam moves in its one pass over the flat
//!   buffers (`nd_kernels::ops::adam`): it reads params, grads, m and v and writes params, m
//!   and v, 7 f32 = [`ADAM_BYTES_PER_PARAM`] = 28 bytes per parameter. (Zeroing the gradients
//!   before backward is the trainer's, not the optimizer's, and is not counted.)
//! - `peak`: the f32 FMA peak of the active tier on one core, measured by
//!   [`nd_kernels::peak::fma_peak_gflops`].
//! - `bandwidth`: a STREAM triad `a = b + s·c` on one core over three arrays of
//!   [`TRIAD_FLOATS`] floats (96 MiB in all, beyond the last-level caches of the machines we
//!   run on), 12 bytes per element (two reads, one write; write-allocate not counted, as
//!   STREAM), best of several passes.
//!
//! Both figures are one core's because a training step runs on one thread: no model splits a
//! step across the pool yet. When one does, the roofline of `threads` cores applies.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::raw_batch::RawBatch;
use crate::models::{Mode, Model};
use crate::rng::Rng;

/// Bytes Adam reads and writes per parameter and step (see the module docs).
pub const ADAM_BYTES_PER_PARAM: u64 = 28;

/// Floats in each of the triad's three arrays.
pub const TRIAD_FLOATS: usize = 1 << 23;

/// The GEMM flops of one training step of `model` on `rows` windows: one forward in training
/// mode and one backward, counted (see the module docs).
pub fn step_gemm_flops(model: &dyn Model, params: &[f32], rows: usize) -> u64 {
    let k = nd_kernels::counting::counting();
    let mut batch = RawBatch::new(model, rows);
    let mut grads = vec![0.0f32; params.len()];
    let mut rng = Rng::seed_from(0);
    let before = nd_kernels::counting::gemm_flops();
    batch.forward(k, model, params, Mode::Train(&mut rng));
    batch.backward(k, model, params, &mut grads);
    nd_kernels::counting::gemm_flops() - before
}

/// Adam's bytes per step for `params` parameters.
pub fn optimizer_bytes(params: usize) -> u64 {
    ADAM_BYTES_PER_PARAM * params as u64
}

/// The machine's side of the roofline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MachineRoof {
    /// f32 FMA peak of one core, GFLOP/s.
    pub peak_gflops: f64,
    /// Triad bandwidth of one core, GB/s (10⁹ bytes).
    pub bandwidth_gbs: f64,
}

impl MachineRoof {
    /// Measures both (about half a second).
    pub fn measure() -> MachineRoof {
        let isa = nd_kernels::isa::active();
        MachineRoof {
            peak_gflops: nd_kernels::peak::fma_peak_gflops(isa, Duration::from_millis(200))
                .unwrap_or(f64::NAN),
            bandwidth_gbs: triad_gbs(TRIAD_FLOATS, 5),
        }
    }

    /// The least time in milliseconds for `flops` and `bytes`.
    pub fn roofline_ms(&self, flops: f64, bytes: f64) -> f64 {
        (flops / (self.peak_gflops * 1e9) + bytes / (self.bandwidth_gbs * 1e9)) * 1e3
    }
}

/// The best of `passes` triads over arrays of `n` floats, in GB/s.
pub fn triad_gbs(n: usize, passes: usize) -> f64 {
    let b = vec![1.0f32; n];
    let c = vec![2.0f32; n];
    let mut a = vec![0.0f32; n];
    let s = black_box(0.5f32);
    let mut best = f64::INFINITY;
    // One untimed pass faults the pages in.
    for pass in 0..=passes {
        let t = Instant::now();
        for ((a, b), c) in a.iter_mut().zip(&b).zip(&c) {
            *a = b + s * c;
        }
        black_box(&mut a);
        if pass > 0 {
            best = best.min(t.elapsed().as_secs_f64());
        }
    }
    12.0 * n as f64 / best.max(1e-9) / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelBuilder;
    use crate::nn::ParamStore;

    #[test]
    fn an_mlp_step_counts_the_flops_of_its_layers() {
        // Layers 8→16, 16→16, 16→3 on B = 4 rows: forward 2·B·Σ in·out; backward the same for
        // dW, and dx for every layer but the first (the input is data, it needs no gradient).
        let m = ModelBuilder::new("mlp", 3)
            .input_size(8)
            .set("hidden_size", 16usize)
            .set("num_layers", 2usize)
            .build()
            .unwrap();
        let store = ParamStore::new(m.layout().clone(), 1);
        let b = 4u64;
        let fwd = 2 * b * (8 * 16 + 16 * 16 + 16 * 3);
        let dx = 2 * b * (16 * 16 + 16 * 3);
        assert_eq!(step_gemm_flops(m.as_ref(), &store.values, 4), 2 * fwd + dx);
        assert_eq!(
            optimizer_bytes(m.layout().len()),
            28 * m.layout().len() as u64
        );
    }

    #[test]
    fn the_roofline_adds_compute_time_and_memory_time() {
        let roof = MachineRoof {
            peak_gflops: 100.0,
            bandwidth_gbs: 10.0,
        };
        // 1e8 flops at 1e11/s = 1 ms; 1e7 bytes at 1e10/s = 1 ms.
        assert!((roof.roofline_ms(1e8, 1e7) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_small_triad_measures_a_positive_bandwidth() {
        let gbs = triad_gbs(1 << 12, 2);
        assert!(gbs.is_finite() && gbs > 0.0, "{gbs}");
    }
}
