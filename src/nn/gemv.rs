//! Parallel single-row products: one window through a large Linear layer, split by columns.
//!
//! A single-window forecast multiplies one row of activations by each layer's weight, stored
//! (out, in) as PyTorch does. The kernels run that as one dot product per output
//! (`dot_rows` in kernels/src/gemm/blocking.rs), so the time is the weight streaming through
//! the core once: NBEATS' nine 512 × 512 layers are 9.4 MB read from L3 per forecast, about
//! 15 µs per layer at the ~70 GB/s one core draws. Two cores draw about twice that, so a
//! layer with enough weight ([`MIN_WEIGHT_FLOATS`]) has its outputs cut into column blocks,
//! one per thread, each an ordinary `(k.sgemm)` call on its rows of the weight (the split
//! machinery is the row split's, src/nn/gemm.rs, along the other axis).
//!
//! **Same bits as the sequential call**: every output is the same dot product whichever
//! block computes it (the dot path is taken for any n, it depends only on m ≤ 4 and the
//! transposed B), and bias and activation are per element. So prediction stays independent
//! of the thread count.
//!
//! **Only m = 1**: with more rows, a column block of C is not contiguous, and a batch of
//! windows is better split by rows anyway (src/nn/gemm.rs, src/train/predict.rs).
//!
//! **Latency**: a region costs about 1 µs when the other worker is spinning; a parked worker
//! (idle for more than ~100 µs) is woken by the first split layer and `join` runs a part
//! nobody stole itself, so a cold pool costs about the sequential time, not more.

use std::ops::Range;

use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose};
use nd_kernels::table::Kernels;

use super::gemm::{self, Axis};
use crate::sched::Pool;

/// Weight floats (n·k) per part below which a single-row product is not split: 2¹⁷ floats
/// (512 KiB, ~7 µs of streaming) is well above the region's ~1 µs; NBEATS' and NHITS'
/// 512 × 512 hidden layers split in two, their 24 → 512 input layers do not.
pub const MIN_WEIGHT_FLOATS: usize = 1 << 17;

/// Column blocks start at multiples of this (a cache line of outputs).
pub const COLUMN_UNIT: usize = 16;

/// How many column blocks `spec` is split into on `threads` threads (1: not split).
pub fn parts(spec: &GemmSpec, threads: usize) -> usize {
    let single_row_dot = spec.m == 1
        && spec.trans_a == Transpose::No
        && spec.trans_b == Transpose::Yes
        && spec.ldb != 1
        && spec.k > 0
        && spec.alpha != 0.0;
    if !single_row_dot {
        return 1;
    }
    let by_weight = spec.n.saturating_mul(spec.k) / MIN_WEIGHT_FLOATS;
    let by_columns = spec.n / COLUMN_UNIT;
    threads.min(by_weight).min(by_columns).max(1)
}

/// The outputs part `i` of `parts` computes: boundaries at multiples of [`COLUMN_UNIT`], the
/// last part taking the remainder.
pub fn part_columns(n: usize, parts: usize, i: usize) -> Range<usize> {
    let units = n / COLUMN_UNIT;
    let start = |i: usize| {
        if i >= parts {
            n
        } else {
            COLUMN_UNIT * (i * units / parts)
        }
    };
    start(i)..start(i + 1)
}

/// C (1, n) = epilogue(alpha·a·Bᵀ + beta·C) in `parts` column blocks on `pool`; `spec` must be
/// one [`parts`] accepts (one row, B transposed).
///
/// # Panics
/// As `(k.sgemm)` on a bad call, before any block runs.
#[allow(clippy::too_many_arguments)]
pub fn split_columns(
    pool: &Pool,
    parts: usize,
    k: &Kernels,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    gemm::run_split(pool, Axis::Columns, parts, k, spec, a, b, c, ep);
}

#[cfg(test)]
mod tests {
    use super::*;
    use nd_kernels::Activation;
    use proptest::prelude::*;

    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut rng = crate::rng::Rng::seed_from(seed);
        (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    #[test]
    fn only_large_single_row_products_against_a_stored_weight_split() {
        let linear = |m, n, k| GemmSpec {
            trans_b: Transpose::Yes,
            ldb: k,
            ..GemmSpec::new(m, n, k)
        };
        assert_eq!(parts(&linear(1, 512, 512), 2), 2);
        assert_eq!(
            parts(&linear(1, 512, 512), 8),
            2,
            "256 Ki floats: two parts"
        );
        assert_eq!(parts(&linear(1, 1024, 1024), 8), 8);
        assert_eq!(parts(&linear(1, 512, 512), 1), 1);
        assert_eq!(
            parts(&linear(1, 512, 24), 2),
            1,
            "an input layer is too small"
        );
        assert_eq!(parts(&linear(2, 512, 512), 2), 1, "two rows");
        assert_eq!(parts(&GemmSpec::new(1, 512, 512), 2), 1, "B not transposed");
        assert_eq!(
            parts(&linear(1, 8, 1 << 20), 2),
            1,
            "fewer columns than a unit"
        );
    }

    #[test]
    fn column_blocks_cover_every_output_once() {
        for n in [16, 17, 100, 512, 1000] {
            for p in 1..=(n / COLUMN_UNIT).min(6) {
                let blocks: Vec<_> = (0..p).map(|i| part_columns(n, p, i)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[p - 1].end, n);
                for w in blocks.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                    assert!(w[0].start < w[0].end, "empty block {w:?}");
                    assert_eq!(w[1].start % COLUMN_UNIT, 0);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Any split gives the sequential call's bits, on every tier, with bias, activation,
        /// beta and a padded weight (ldb > k).
        #[test]
        fn a_split_gives_the_bits_of_the_whole_product(
            n in 16usize..300, k in 1usize..200, pad in 0usize..3, parts in 2usize..5,
            beta in prop_oneof![Just(0.0f32), Just(1.0), Just(0.5)], relu: bool, seed: u64,
        ) {
            let parts = parts.min(n / COLUMN_UNIT).max(1);
            let ldb = k + pad;
            let spec = GemmSpec { trans_b: Transpose::Yes, ldb, beta, ..GemmSpec::new(1, n, k) };
            let (a, b, bias, c0) =
                (values(k, seed), values(n * ldb, seed ^ 1), values(n, seed ^ 2), values(n, seed ^ 3));
            let act = if relu { Activation::Relu } else { Activation::Identity };
            let ep = Epilogue { bias: Some(&bias), activation: act };
            let pool = Pool::new(3).unwrap();
            for tier in nd_kernels::table::all_supported() {
                let mut want = c0.clone();
                (tier.sgemm)(&spec, &a, &b, &mut want, ep);
                let mut got = c0.clone();
                split_columns(&pool, parts, tier, &spec, &a, &b, &mut got, ep);
                for (j, (w, g)) in want.iter().zip(&got).enumerate() {
                    prop_assert_eq!(w.to_bits(), g.to_bits(), "{:?} output {}", tier.isa, j);
                }
            }
        }
    }
}
